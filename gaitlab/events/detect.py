"""Foot strikes and toe-offs of both feet, timed to a fraction of a frame.

Method (per foot)
-----------------
1. **Find each contact** from the foot's clearance ``h(t)``, its height above the ground in leg
   lengths (:mod:`gaitlab.events.contact`), with two thresholds (hysteresis):

   * ``contact_threshold_leg`` (``"auto"``: the larger of 0.02 leg lengths and 3 robust sd of
     the tracking noise measured while the foot rests): a foot part (heel or toe) is down below
     it, provided it also moves with the ground (slower than
     :data:`MAX_REST_SPEED_LEG_S` against it), so that a low swing is not taken for a contact;
   * the swing threshold (40% of the foot's typical swing height, at least twice the contact
     threshold): a swing must rise above it.

   Between two swings, the contact runs from the first sample with the foot down to the last
   one, so wobbles inside a stance (heel rise, jitter) never split a contact. These bounds are
   coarse (a foot descending slowly near the ground already counts as down).

2. **Time its start and end** from the fact that a foot on the ground rests in the ground's
   frame, which moves through the image at the ground's velocity (the belt seen from the side;
   zero for an overground run filmed by a still camera; the pan of a following camera). The
   ground velocity is the median over contacts of the resting foot's velocity in mid-stance
   (Theil-Sen slopes, robust to the heel rising or the toe still landing at the block's ends).

   *Precise timing* (:func:`rest_event_time`), used when the foot landmarks are steady while
   the foot rests (their rest noise, the robust sd about the rest line, is at most
   :data:`PRECISE_REST_NOISE_LEG`): each landmark's rest line (position while planted) comes
   from the middle of the stance. The **foot strike** is the instant a foot part (heel or toe,
   the earlier of the two) comes to rest on that line: it arrives with a vertical velocity
   (the impact) and, moving with the ground along it, tangentially; so a hinge is fitted whose
   moving side is ``b * lag`` across the ground and ``c * lag**2`` along it. The **toe-off**
   is the instant the toe leaves its rest line: upward with a speed and an acceleration
   (``b * lag + d * lag**2``, both non-negative) and along the ground with the swing's forward
   acceleration (``c * lag**2``). Each fit uses a fixed window anchored on the first
   sample clearly away from rest (beyond :data:`DEPARTURE_NOISE_MULTIPLE` rest-noise sd and
   :data:`STRIKE_MOTION_LEG` / :data:`TOE_OFF_MOTION_LEG`), candidates on a grid of
   :data:`HINGE_GRID_FRAMES` frame, and the rest level known (zero), so that the moving side
   cannot slide into the rest. When the tracks were low-passed (``meta["steps"]``), the model is
   passed through the same zero-lag filter before it is compared with them, so the filter's
   rounding of the corner (and its ringing) does not bias the event.

   *Tolerant timing* (:func:`hinge_time`), used otherwise (MediaPipe on real video: a planted
   heel or toe wanders by 1-2% of a leg length, and the toe landmark creeps up and back before
   the toe leaves) and for the events the precise fit cannot time (a toe-off in the clip's
   last frames): a hinge with a fitted rest level around the coarse bounds.

Accuracy (``tests/test_events.py``; synthetic side views whose feet land at 0.3-1.0 m/s and
lift off at 0.3-1.0 m/s, 1-2 px noise, 2% dropped and 5% swapped frames, cleaned by
:func:`gaitlab.signals.clean.clean` including its low-pass at 60 and 120 fps; 34 runners per
frame rate): strikes within one frame 98% / 97% / 89% and toe-offs 98% / 99% / 94% at 30 / 60
/ 120 fps, mean absolute contact-time error 0.31 / 0.43 / 0.73 frame; with 0.5-1 px of noise
at 120 fps, 97% and 97%. At 120 fps the limit is the noise: a foot landing at 0.3 m/s moves
about 1 px per frame there. On the real treadmill clip (30 fps) the landmarks are too unsteady
for the precise timing, and two steps checked frame by frame gave contact times of about 285
and 300 ms where the tolerant timing gives 1-2.5 frames less (its toe-offs come early).

Views. In a side view the ground moves horizontally in the image. In rear and front views the
stance foot rests in the image while the ground moves along the optical axis; with a close
camera, perspective makes the resting foot drift down the image, which the ground velocity
absorbs to first order. The heel hides the toe (rear) or the toe the heel (front) on real
video, so expect rear/front event times to be less exact than side-view ones.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.signal import sosfiltfilt

from gaitlab.events import columns as C
from gaitlab.events.contact import part_clearances, stance_noise_leg
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.filters import applied_lowpass_sos
from gaitlab.signals.runs import true_runs

#: Smallest contact threshold (leg lengths, about 2 cm).
MIN_CONTACT_THRESHOLD_LEG: float = 0.02
#: Contact threshold as a multiple of the robust sd of the clearance at rest.
NOISE_MULTIPLE: float = 3.0
#: Swing threshold as a share of the foot's typical swing height (95th percentile of h).
SWING_SHARE: float = 0.4
#: A foot whose typical swing height is below this (leg lengths) is not moving: no events.
MIN_SWING_HEIGHT_LEG: float = 0.05
#: Fastest a foot part may move against the ground and still count as down (leg lengths/s):
#: the swing foot moves at 3-10 leg lengths/s against the ground, a planted one at about 0
#: (up to 1.5 with MediaPipe's jitter on a real clip).
MAX_REST_SPEED_LEG_S: float = 2.5
#: Longest interruption of a contact by samples that do not look down (s; at least 1 frame).
MAX_CONTACT_GAP_S: float = 0.02
#: Time base of the speed estimate (s).
SPEED_SPAN_S: float = 1.0 / 30.0
#: A contact is flagged ``gap`` when samples are missing inside it or within this time (s; at
#: least 3 frames) before its strike or after its toe-off, where the events are timed.
GAP_WINDOW_S: float = 0.1
#: Plausible contact times of running (s); outside them the contact is flagged.
CONTACT_TIME_RANGE_S: tuple[float, float] = (0.08, 0.45)
#: Samples the hinge fit uses on the resting side past its latest candidate (s; at least 3
#: frames), and on the moving side before the last sample clearly moving (s; at least 2 frames:
#: the motion is simple only close to the event).
HINGE_REST_S: float = 0.1
HINGE_MOVE_S: float = 0.035
HINGE_MIN_MOVE: int = 2
#: How far into the contact from the first (last) sample found down the hinge fit searches
#: for the strike (toe-off), in s; at least the moving-side window.
HINGE_SEARCH_S: float = 0.05
#: Powers of the moving side's model tried by the hinge fit (1: arrives with speed; 2:
#: arrives or leaves tangentially).
HINGE_POWERS: tuple[float, ...] = (1.0, 2.0)
#: Grid step of the hinge fit (frames).
HINGE_GRID_FRAMES: float = 0.02

# --- precise timing (rest_event_time)
#: Largest rest noise of a side's foot landmarks (robust sd about their rest lines, leg lengths)
#: for the precise timing; above it the tolerant hinge fit is used. Synthetic tracks with 1-2 px
#: of noise give at most 0.006 (30 fps; less once low-passed); MediaPipe on the real treadmill
#: clip gives 0.009-0.018, where the planted landmarks wander more than the model allows.
PRECISE_REST_NOISE_LEG: float = 0.008
#: Shares of the coarse contact (first to last sample down) where the foot is flat: the ground
#: velocity is measured over ``GROUND_BLOCK``, a strike's rest line over ``STRIKE_REST_BLOCK``
#: (the landing part has come to rest, the heel has not risen) and the toe-off's over
#: ``TOE_OFF_REST_BLOCK`` (the toe rests until it leaves).
GROUND_BLOCK: tuple[float, float] = (0.25, 0.75)
STRIKE_REST_BLOCK: tuple[float, float] = (0.2, 0.45)
TOE_OFF_REST_BLOCK: tuple[float, float] = (0.55, 0.8)
#: A sample is clearly away from rest beyond this many rest-noise sd and beyond
#: ``STRIKE_MOTION_LEG`` (landing part, about 6 mm) or ``TOE_OFF_MOTION_LEG`` (toe, about 9 cm,
#: past the toe landmark's creep before it leaves) leg lengths.
DEPARTURE_NOISE_MULTIPLE: float = 5.0
STRIKE_MOTION_LEG: float = 0.015
TOE_OFF_MOTION_LEG: float = 0.1
#: Moving-side window of the precise fit before the first sample clearly away from rest (s):
#: short for the strike (the landing foot decelerates, so only its last approach is simple),
#: longer for the toe-off; at least 2 samples. Resting side: ``PRECISE_REST_S`` past the latest
#: candidate (at least 3 samples).
STRIKE_MOVE_S: float = 0.025
TOE_OFF_MOVE_S: float = 0.035
PRECISE_REST_S: float = 0.05
#: Candidate events run from this many frames on the moving side of the anchor (the filter can
#: spread motion there) to twice the time the part needs, at its speed there, to cover its
#: distance to rest (exact for a part accelerating uniformly from rest): at least 2.5 frames,
#: and 80 ms for a toe-off (a toe leaving with 0.5 m/s and 30 m/s^2 needs 60 ms to get
#: ``TOE_OFF_MOTION_LEG`` away).
ANCHOR_SLACK_FRAMES: float = 1.0
MIN_SEARCH_FRAMES: float = 2.5
TOE_OFF_MIN_SEARCH_S: float = 0.08
#: Samples of padding when the model is passed through the tracks' low-pass filter.
FILTER_PAD: int = 12


def detect_contacts(
    tracks: PoseTracks,
    *,
    contact_threshold_leg: float | Literal["auto"] = "auto",
    contact_time_range_s: tuple[float, float] = CONTACT_TIME_RANGE_S,
    refine: bool = True,
) -> pd.DataFrame:
    """Every foot contact of both feet: foot strike, toe-off and quality.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks (outliers removed, swaps fixed, short gaps filled).
    contact_threshold_leg
        Clearance (leg lengths) below which a foot counts as down, or ``"auto"``.
    contact_time_range_s
        Contacts shorter or longer than this are flagged ``contact_time``.
    refine
        Time events with the hinge fit (stage 2). False keeps the threshold crossings,
        interpolated between frames (for comparison).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`gaitlab.events.columns.CONTACT_COLUMNS`, one row per contact, sorted by
        foot strike. A contact cut by the end of the clip has a strike and no toe-off
        (``no_toe_off``); one cut by the start is left out (its strike is unknown).
    """
    leg_px = leg_length_px(tracks)
    rows: list[dict] = []
    if np.isfinite(leg_px) and leg_px > 0:
        for side in SIDES:
            rows.extend(
                _side_contacts(
                    tracks,
                    side,
                    leg_px,
                    contact_threshold_leg=contact_threshold_leg,
                    contact_time_range_s=contact_time_range_s,
                    refine=refine,
                )
            )
    table = pd.DataFrame(rows, columns=list(C.CONTACT_COLUMNS))
    table = table.astype(
        {
            C.FOOT_STRIKE_S: float,
            C.TOE_OFF_S: float,
            C.CONTACT_TIME_S: float,
            C.FOOT_STRIKE_FRAME: "Int64",
            C.TOE_OFF_FRAME: "Int64",
            C.USABLE: bool,
        }
    )
    return table.sort_values(C.FOOT_STRIKE_S, kind="stable").reset_index(drop=True)


def contact_thresholds(
    h: np.ndarray, contact_threshold_leg: float | Literal["auto"] = "auto"
) -> tuple[float, float, float]:
    """Contact threshold, swing threshold and typical swing height of one foot (leg lengths)."""
    finite = h[np.isfinite(h)]
    if finite.size < 10:
        return float("nan"), float("nan"), 0.0
    peak = float(np.percentile(finite, 95))
    if contact_threshold_leg == "auto":
        noise = stance_noise_leg(h)
        noise = noise if np.isfinite(noise) else 0.0
        low = max(MIN_CONTACT_THRESHOLD_LEG, NOISE_MULTIPLE * noise)
    else:
        low = float(contact_threshold_leg)
    high = max(2.0 * low, SWING_SHARE * peak)
    return low, high, peak


def coarse_contacts(
    h: np.ndarray,
    contact_threshold_leg: float | Literal["auto"] = "auto",
    *,
    down: np.ndarray | None = None,
    max_gap: int = 1,
) -> list[tuple[int, int, int, int]]:
    """Stage 1: ``(first, last, lo, hi)`` frames of each contact found between two swings.

    ``first`` and ``last`` are the first and last samples of the contact, the longest stretch
    of samples where the foot is down (``down``, by default the samples below the contact
    threshold) joined with stretches at most ``max_gap`` samples away; ``lo`` is where the
    previous swing ends and ``hi`` where the next one starts (the clip length after the last
    swing).
    """
    low, high, peak = contact_thresholds(h, contact_threshold_leg)
    if not np.isfinite(low) or peak < MIN_SWING_HEIGHT_LEG or peak <= high:
        return []
    with np.errstate(invalid="ignore"):
        swing = h > high
        below = h < low if down is None else down
    swings = true_runs(swing)
    n = h.shape[0]
    bounds = [(int(swings[k, 1]), int(swings[k + 1, 0])) for k in range(len(swings) - 1)]
    if len(swings):
        bounds.append((int(swings[-1, 1]), n))
    out = []
    for lo, hi in bounds:
        runs = true_runs(below[lo:hi]) + lo
        if len(runs) == 0:
            continue
        # the contact is the longest stretch with the foot down, joined with neighbours that
        # are at most `max_gap` samples away (jitter); a brief dip of the swinging foot
        # toward the ground before landing stays outside
        k = int(np.argmax(runs[:, 1] - runs[:, 0]))
        first, stop = int(runs[k, 0]), int(runs[k, 1])
        for r_start, r_stop in runs[k + 1 :]:
            if r_start - stop > max_gap:
                break
            stop = int(r_stop)
        for r_start, r_stop in runs[:k][::-1]:
            if first - r_stop > max_gap:
                break
            first = int(r_start)
        out.append((first, stop - 1, lo, hi))
    return out


def ground_velocity_px_s(
    t: np.ndarray, feet_xy: list[np.ndarray], contacts: list[tuple[int, int, int, int]]
) -> np.ndarray:
    """Median image velocity ``(2,)`` (px/s) of the foot landmarks in the middle of stances."""
    mid = np.zeros(t.shape[0], dtype=bool)
    for first, last, _, _ in contacts:
        quarter = (last - first) // 4
        mid[first + quarter : last - quarter + 1] = True
    both = mid[1:] & mid[:-1]
    vels = [(np.diff(xy, axis=0) / np.diff(t)[:, None])[both] for xy in feet_xy]
    v = np.concatenate(vels)
    v = v[np.isfinite(v).all(axis=1)]
    return np.median(v, axis=0) if v.shape[0] else np.zeros(2)


def hinge_time(
    t: np.ndarray,
    pos: np.ndarray,
    k: int,
    *,
    moving: Literal["before", "after"],
    fps: float,
    start: int = 0,
    stop: int | None = None,
) -> float:
    """Time a landmark comes to rest (``moving="before"``) or leaves its rest, near sample k.

    ``k`` is the first sample found down (strike; ``k - 1`` is then the last one clearly
    moving) or the last one (toe-off; mirrored). Candidate event times run on a grid of
    :data:`HINGE_GRID_FRAMES` from sample ``k - 1`` into the contact, up to
    :data:`HINGE_SEARCH_S`. Every candidate is fitted to the same window of samples, from
    ``n_move`` samples before ``k - 1`` to ``n_rest`` samples past the latest candidate: the
    samples after the candidate as one resting point ``a``, those before it as
    ``a + b |t - te| ** p`` with ``p`` in :data:`HINGE_POWERS` (1: the foot arrives with some
    speed, as a heel strike does; 2: it arrives or leaves tangentially, as a toe does), in
    each coordinate. The candidate with the smallest sum of squared residuals wins. Because
    sample ``k - 1`` always lies on the moving side, the fit cannot explain the motion away by
    sliding the event into the rest.

    Parameters
    ----------
    t
        ``(T,)`` frame times.
    pos
        ``(T, D)`` the landmark's position in the ground's frame.
    k
        The first (strike) or last (toe-off) sample at which the foot is down.
    moving
        Which side of the event the landmark moves on.
    fps
        Frame rate (sets the window and grid sizes).
    start, stop
        Only samples ``start:stop`` are used (the stance half the event belongs to).

    Returns
    -------
    float
        The event time, or NaN when there are too few samples on either side.
    """
    n = t.shape[0]
    stop = n if stop is None else stop
    n_rest = max(3, round(HINGE_REST_S * fps))
    n_move = max(HINGE_MIN_MOVE, round(HINGE_MOVE_S * fps))
    if moving == "after":  # mirror time so that the landmark always arrives at its rest
        t_m, pos_m, k_m = -t[::-1], pos[::-1], n - 1 - k
        start, stop = n - stop, n - start
    else:
        t_m, pos_m, k_m = t, pos, k
    if k_m < 1:
        return float("nan")
    # every candidate's moving samples reach back to sample k - 1, the last one clearly moving
    # (k is the first sample found down), and include at least n_move samples: the fit cannot
    # explain the motion away by sliding the candidate into the rest
    n_search = max(n_move + 1, round(HINGE_SEARCH_S * fps))
    a = max(start, k_m - 1 - n_move, 0)
    b = min(stop, k_m - 1 + n_search + n_rest + 1, n)
    ts, ys = t_m[a:b], pos_m[a:b]
    ok = np.isfinite(ys).all(axis=1)
    ts, ys = ts[ok], ys[ok]
    if ts.size < n_move + n_rest or not ok[k_m - 1 - a]:
        return float("nan")
    i_last_moving = int(np.searchsorted(ts, t_m[k_m - 1]))
    step = HINGE_GRID_FRAMES / fps
    cand = np.arange(t_m[k_m - 1], t_m[k_m - 1] + (n_search - 0.5 * HINGE_GRID_FRAMES) / fps, step)
    # first resting sample of each candidate (a sample at the candidate itself is resting)
    split = np.searchsorted(ts, cand - 1e-9, side="left")
    keep = (split >= n_move) & (split + n_rest <= ts.size)
    cand, split = cand[keep], split[keep]
    if cand.size == 0:
        return float("nan")
    # one window for every candidate, so that their sums of squares compare: from n_move
    # samples up to the last clearly moving one, to n_rest samples past the latest candidate
    i = np.arange(ts.size)
    w = ((i > i_last_moving - n_move) & (i < split.max() + n_rest)).astype(float)
    lag = np.clip((cand[:, None] - ts[None, :]) * fps, 0.0, None)
    sse = np.full(cand.size, np.inf)
    for power in HINGE_POWERS:
        # weighted least squares per candidate: y = a + b * lag**power, every coordinate
        design = np.stack([np.ones_like(lag), lag**power], axis=-1)  # (C, N, 2)
        wd = design * w[None, :, None]
        gram = np.einsum("cni,cnj->cij", wd, design) + 1e-12 * np.eye(2)
        coef = np.linalg.solve(gram, np.einsum("cni,nd->cid", wd, ys))
        resid = (ys[None] - np.einsum("cni,cid->cnd", design, coef)) * w[None, :, None]
        sse = np.minimum(sse, (resid**2).sum(axis=(1, 2)))
    best = float(cand[int(np.argmin(sse))])
    return best if moving == "before" else -best


def ground_velocity_leg_s(
    t: np.ndarray,
    positions: list[np.ndarray],
    contacts: list[tuple[int, int, int, int]],
    block: tuple[float, float] = GROUND_BLOCK,
) -> np.ndarray:
    """Image velocity ``(2,)`` of the ground (units of ``positions`` per second).

    For each contact and each foot landmark, the Theil-Sen slope (median of pairwise slopes) of
    its samples over ``block`` (shares of the contact); the median of all of them. A landmark
    that moves in part of the block (heel rising, toe still landing) does not bias it.
    """
    slopes = []
    for first, last, _, _ in contacts:
        span = _share_slice(first, last, block)
        for pos in positions:
            ts, ps = t[span], pos[span]
            ok = np.isfinite(ps).all(axis=1)
            if ok.sum() >= 3:
                ts, ps = ts[ok], ps[ok]
                i, j = np.triu_indices(ts.size, 1)
                slopes.append(np.median((ps[j] - ps[i]) / (ts[j] - ts[i])[:, None], axis=0))
    return np.median(np.array(slopes), axis=0) if slopes else np.zeros(2)


def rest_event_time(
    t: np.ndarray,
    offset: np.ndarray,
    rest: slice,
    bound: int,
    *,
    moving: Literal["before", "after"],
    fps: float,
    noise_leg: float,
    tangent: np.ndarray,
    sos: np.ndarray | None = None,
) -> float:
    """Time a foot landmark comes to rest (strike) or leaves its rest (toe-off).

    Parameters
    ----------
    t
        ``(T,)`` frame times (uniform).
    offset
        ``(T, 2)`` the landmark's image position minus its rest line (leg lengths): zero, up to
        noise, while it rests on the ground.
    rest
        Samples where it rests for sure (the middle of the stance).
    bound
        The moving side ends there: the first sample used before the rest (strike), or one past
        the last sample used after it (toe-off).
    moving
        ``"before"``: the landmark arrives at its rest (strike); ``"after"``: it leaves it.
    fps
        Frame rate.
    noise_leg
        Robust sd of the landmark about its rest lines (leg lengths).
    tangent
        Unit ``(2,)`` direction of the ground's motion in the image (the other axis, taken
        upward, is "across" the ground).
    sos
        The zero-lag low-pass the tracks went through, if any: the model is filtered the same
        way before it is compared with them.

    Returns
    -------
    float
        The event time, or NaN when the landmark is never clearly away from rest within the
        bound, or too few samples remain.

    Notes
    -----
    The anchor is the sample nearest the rest block (on the moving side) that lies clearly away
    from rest: beyond :data:`DEPARTURE_NOISE_MULTIPLE` ``* noise_leg`` and beyond
    :data:`STRIKE_MOTION_LEG` or :data:`TOE_OFF_MOTION_LEG`. Candidates run on a grid of
    :data:`HINGE_GRID_FRAMES` frame from :data:`ANCHOR_SLACK_FRAMES` frames on the moving side
    of the anchor into the rest. All candidates are fitted to one window of samples, from a few
    before the anchor to :data:`PRECISE_REST_S` past the latest candidate: zero from the
    candidate on (the known rest), and before it ``c * lag**2`` along the ground (the part
    moves with the ground when it lands, and leaves along it with the swing's acceleration)
    and, across it, ``b * lag`` for a strike (it lands from above with a speed, the impact) or
    ``b * lag + d * lag**2`` for a toe-off (it leaves upward with a speed and an acceleration),
    with ``b, d >= 0``. The candidate with the smallest sum of squared residuals wins.
    """
    n = t.shape[0]
    if moving == "after":  # mirror time so that the landmark always arrives at its rest
        t, offset = -t[::-1], offset[::-1]
        rest = slice(n - rest.stop, n - rest.start)
        bound = n - bound
    strike = moving == "before"
    lo, hi = max(bound, 0), min(rest.stop, n)
    dist = np.linalg.norm(offset, axis=1)
    threshold = max(
        DEPARTURE_NOISE_MULTIPLE * noise_leg, STRIKE_MOTION_LEG if strike else TOE_OFF_MOTION_LEG
    )
    anchor = rest.start - 1
    with np.errstate(invalid="ignore"):
        while anchor >= lo and not dist[anchor] > threshold:
            anchor -= 1
    if anchor < lo + 1:
        return float("nan")
    dt = 1.0 / fps
    back = max(lo, anchor - 2)
    speed = (
        np.linalg.norm(offset[anchor] - offset[back]) / (t[anchor] - t[back])
        if anchor > back
        else float("nan")
    )
    min_search = max(MIN_SEARCH_FRAMES * dt, 0.0 if strike else TOE_OFF_MIN_SEARCH_S)
    search = 2.0 * dist[anchor] / speed if np.isfinite(speed) and speed > 0 else min_search
    search = float(np.clip(search, min_search, max(t[rest.start] - t[anchor], min_search)))
    cand = np.arange(
        t[anchor] - ANCHOR_SLACK_FRAMES * dt, t[anchor] + search + 1e-9, HINGE_GRID_FRAMES * dt
    )
    n_move = max(HINGE_MIN_MOVE, round((STRIKE_MOVE_S if strike else TOE_OFF_MOVE_S) * fps))
    n_rest = max(3, round(PRECISE_REST_S * fps))
    a = max(lo, anchor - n_move + 1)
    b = min(int(np.searchsorted(t, cand[-1])) + n_rest, hi)
    ok = np.isfinite(offset[a:b]).all(axis=1)
    if ok.sum() < n_move + 2:
        return float("nan")
    ts, ys = t[a:b][ok], offset[a:b][ok]
    across = np.array([-tangent[1], tangent[0]])
    if across[1] > 0:  # image y points down: "across" points up
        across = -across
    if sos is None:
        lag = np.clip((cand[:, None] - ts[None, :]) * fps, 0.0, None)
    else:  # the model on a padded, uniform time axis, filtered, then read at the samples
        pad = np.arange(-FILTER_PAD, b - a + FILTER_PAD)
        grid = t[a] + pad * (t[a + 1] - t[a] if b - a > 1 else dt)
        lag = np.clip((cand[:, None] - grid[None, :]) * fps, 0.0, None)
        keep = FILTER_PAD + np.flatnonzero(ok)
    # along the ground: arrives / leaves tangentially; across it: lands with a speed, or leaves
    # with a speed and an acceleration, both upward (non-negative)
    models = [(ys @ tangent, (2.0,), False), (ys @ across, (1.0,) if strike else (1.0, 2.0), True)]
    sse = np.zeros(cand.size)
    for y, powers, nonneg in models:
        design = np.stack([lag**p for p in powers], axis=-1)
        if sos is not None:
            design = sosfiltfilt(sos, design, axis=1)[:, keep]
        sse += _least_squares_sse(design, y, nonneg=nonneg)
    best = float(cand[int(np.argmin(sse))])
    return best if strike else -best


def _least_squares_sse(design: np.ndarray, y: np.ndarray, *, nonneg: bool) -> np.ndarray:
    """``(C,)`` residual sum of squares of ``y ~ design[c] @ coef`` for every candidate c.

    ``design`` is ``(C, N, P)``; with ``nonneg`` the coefficients are kept non-negative (exact
    for one column; for more, the best single non-negative column replaces a negative fit).
    """
    gram = np.einsum("cni,cnj->cij", design, design) + 1e-12 * np.eye(design.shape[-1])
    moment = np.einsum("cni,n->ci", design, y)
    coef = np.linalg.solve(gram, moment[..., None])[..., 0]
    if nonneg:
        bad = (coef < 0).any(axis=1)
        if bad.any():
            best = np.full(coef.shape[0], np.inf)
            alt = np.zeros_like(coef)
            for i in range(design.shape[-1]):
                trial = np.zeros_like(coef)
                trial[:, i] = np.maximum(moment[:, i] / gram[:, i, i], 0.0)
                err = ((y[None] - np.einsum("cni,ci->cn", design, trial)) ** 2).sum(axis=1)
                better = err < best
                best = np.where(better, err, best)
                alt = np.where(better[:, None], trial, alt)
            coef = np.where(bad[:, None], alt, coef)
    return ((y[None] - np.einsum("cni,ci->cn", design, coef)) ** 2).sum(axis=1)


def _share_slice(first: int, last: int, share: tuple[float, float]) -> slice:
    """Samples of a contact (``first`` to ``last``) between two shares of its length."""
    length = last - first
    return slice(first + round(share[0] * length), first + round(share[1] * length) + 1)


def _precise_events(
    tracks: PoseTracks,
    pos: dict[str, np.ndarray],
    contacts: list[tuple[int, int, int, int]],
) -> list[tuple[float, float]] | None:
    """``(strike, toe_off)`` of each contact by :func:`rest_event_time`, or None when the
    landmarks are too unsteady at rest (:data:`PRECISE_REST_NOISE_LEG`).

    ``pos`` holds the heel and toe image positions in leg lengths.
    """
    t, fps, n = tracks.time_s, tracks.fps, tracks.n_frames
    velocity = ground_velocity_leg_s(t, list(pos.values()), contacts)
    speed = float(np.linalg.norm(velocity))
    # a ground slower than a fifth of a leg length per second (rear views) has no direction
    tangent = velocity / speed if speed > 0.2 else np.array([1.0, 0.0])
    offsets: list[dict[tuple[str, str], tuple[np.ndarray, slice]]] = []
    residuals: dict[str, list[np.ndarray]] = {p: [] for p in pos}
    for first, last, _, _ in contacts:
        per: dict[tuple[str, str], tuple[np.ndarray, slice]] = {}
        for event, share in (("strike", STRIKE_REST_BLOCK), ("toe_off", TOE_OFF_REST_BLOCK)):
            block = _share_slice(first, last, share)
            for part, xy in pos.items():
                if event == "toe_off" and part != "foot_index":
                    continue  # the heel rises before the toe-off
                ts, ps = t[block], xy[block]
                ok = np.isfinite(ps).all(axis=1)
                if ok.sum() < 2:
                    continue
                mid_t = float(ts[ok].mean())
                anchor = np.median(ps[ok] - (ts[ok] - mid_t)[:, None] * velocity, axis=0)
                offset = xy - anchor - (t - mid_t)[:, None] * velocity
                per[(event, part)] = (offset, block)
                residuals[part].append(offset[block][ok])
        offsets.append(per)
    noise = {}
    for part, res in residuals.items():
        r = np.concatenate(res) if res else np.zeros((0, 2))
        noise[part] = float(1.4826 * np.median(np.abs(r - np.median(r, axis=0)))) if len(r) else 0.0
    if not noise or max(noise.values()) > PRECISE_REST_NOISE_LEG:
        return None
    sos = applied_lowpass_sos(tracks)
    out = []
    for i, ((first, last, _, hi), per) in enumerate(zip(contacts, offsets, strict=True)):
        swing_lo = (contacts[i - 1][1] + first) // 2 if i > 0 else 0
        swing_hi = (last + contacts[i + 1][0]) // 2 + 1 if i + 1 < len(contacts) else n
        common = {"fps": fps, "tangent": tangent, "sos": sos}
        strikes = [
            rest_event_time(t, offset, block, swing_lo, moving="before", noise_leg=noise[part],
                            **common)
            for (event, part), (offset, block) in per.items()
            if event == "strike"
        ]  # fmt: skip
        strikes = [x for x in strikes if np.isfinite(x)]
        toe_off = float("nan")
        if hi < n and ("toe_off", "foot_index") in per:
            offset, block = per[("toe_off", "foot_index")]
            toe_off = rest_event_time(
                t, offset, block, swing_hi, moving="after", noise_leg=noise["foot_index"], **common
            )
        out.append((min(strikes) if strikes else float("nan"), toe_off))
    return out


def _side_contacts(
    tracks: PoseTracks,
    side: str,
    leg_px: float,
    *,
    contact_threshold_leg: float | Literal["auto"],
    contact_time_range_s: tuple[float, float],
    refine: bool,
) -> list[dict]:
    """Contacts of one foot (see the module docstring)."""
    t = tracks.time_s
    parts = part_clearances(tracks, side, leg_px)
    h = np.fmin(*parts.values())
    contacts = coarse_contacts(h, contact_threshold_leg)
    if not contacts:
        return []
    low = contact_thresholds(h, contact_threshold_leg)[0]
    xy = {p: tracks.image_xy_px[:, side_index(side, p)] for p in parts}
    ground = ground_velocity_px_s(t, list(xy.values()), contacts)
    rest = {p: (xy[p] - ground[None, :] * (t - t[0])[:, None]) / leg_px for p in parts}
    # a foot part is down when it is low *and* moves with the ground (not a low swing)
    down = np.zeros(t.shape[0], dtype=bool)
    for p in parts:
        with np.errstate(invalid="ignore"):
            down |= (parts[p] < low) & (_speed(t, rest[p], tracks.fps) < MAX_REST_SPEED_LEG_S)
    max_gap = max(1, round(MAX_CONTACT_GAP_S * tracks.fps))
    contacts = coarse_contacts(h, contact_threshold_leg, down=down, max_gap=max_gap)
    if not contacts:
        return []
    precise = (
        _precise_events(tracks, {p: xy[p] / leg_px for p in parts}, contacts) if refine else None
    )
    missing = ~np.isfinite(h)
    n_gap = max(3, round(GAP_WINDOW_S * tracks.fps))
    rows = []
    for k, (first, last, lo, hi) in enumerate(contacts):
        mid = (first + last) // 2
        flags = []
        strike = _crossing(t, h, first, low, before=True)
        if precise is not None and np.isfinite(precise[k][0]):
            strike = precise[k][0]
        elif refine and np.isfinite(strike):
            strike = hinge_time(
                t, rest[_lower_part(parts, first)], first, moving="before", fps=tracks.fps,
                stop=mid + 1,
            )  # fmt: skip
        # samples missing where the event is timed (just before the strike) make it unreliable
        if missing[max(lo, first - n_gap) : first].any() or not np.isfinite(strike):
            flags.append(C.FLAG_GAP)
        if hi >= t.shape[0]:  # no swing after it: the toe-off is not in the clip
            toe_off = float("nan")
            flags.append(C.FLAG_NO_TOE_OFF)
        else:
            toe_off = _crossing(t, h, last, low, before=False)
            if precise is not None and np.isfinite(precise[k][1]):
                toe_off = precise[k][1]
            elif refine and np.isfinite(toe_off):
                toe_off = hinge_time(
                    t, rest[_lower_part(parts, last)], last, moving="after", fps=tracks.fps,
                    start=mid,
                )  # fmt: skip
            if missing[first : min(hi, last + n_gap + 1)].any() or not np.isfinite(toe_off):
                flags.append(C.FLAG_GAP)
        contact_s = toe_off - strike
        if np.isfinite(contact_s) and not (
            contact_time_range_s[0] <= contact_s <= contact_time_range_s[1]
        ):
            flags.append(C.FLAG_CONTACT_TIME)
        flags = list(dict.fromkeys(flags))
        rows.append(
            {
                C.SIDE: side,
                C.FOOT_STRIKE_S: strike,
                C.TOE_OFF_S: toe_off,
                C.FOOT_STRIKE_FRAME: _nearest_frame(t, strike),
                C.TOE_OFF_FRAME: _nearest_frame(t, toe_off),
                C.CONTACT_TIME_S: contact_s,
                C.QUALITY: ";".join(flags) if flags else C.QUALITY_OK,
                C.USABLE: not flags,
            }
        )
    return rows


def _speed(t: np.ndarray, pos: np.ndarray, fps: float) -> np.ndarray:
    """``(T,)`` speed (units per second) by central differences over about 1/30 s."""
    m = max(1, round(SPEED_SPAN_S * fps / 2))
    out = np.full(t.shape[0], np.nan)
    if t.shape[0] > 2 * m:
        d = pos[2 * m :] - pos[: -2 * m]
        out[m:-m] = np.linalg.norm(d, axis=1) / (t[2 * m :] - t[: -2 * m])
    return out


def _lower_part(parts: dict[str, np.ndarray], frame: int) -> str:
    """The foot part nearer the ground at ``frame`` (the one touching first or leaving last)."""
    best, best_h = next(iter(parts)), np.inf
    for name, h in parts.items():
        if np.isfinite(h[frame]) and h[frame] < best_h:
            best, best_h = name, h[frame]
    return best


def _crossing(t: np.ndarray, h: np.ndarray, k: int, level: float, *, before: bool) -> float:
    """Interpolated time ``h`` crosses ``level`` between sample ``k`` and its outer neighbour.

    NaN when the neighbour is outside the clip or missing.
    """
    nb = k - 1 if before else k + 1
    if nb < 0 or nb >= t.shape[0] or not (np.isfinite(h[nb]) and np.isfinite(h[k])):
        return float("nan")
    if h[nb] == h[k]:
        return float(t[k])
    frac = float(np.clip((h[nb] - level) / (h[nb] - h[k]), 0.0, 1.0))
    return float(t[nb] + frac * (t[k] - t[nb]))


def _nearest_frame(t: np.ndarray, time_s: float) -> int | None:
    if not np.isfinite(time_s):
        return None
    return int(np.argmin(np.abs(t - time_s)))
