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
   one, so wobbles inside a stance (heel rise, jitter) never split a contact.

2. **Time its start and end** from the fact that a foot on the ground moves *with the ground*.
   The ground's velocity in the image (the belt seen from the side; zero for an overground run
   filmed by a still camera; the pan of a following camera) is the median velocity of the foot
   in mid-stance. Subtracting it gives each landmark's position in the ground's frame, which is
   constant while the landmark is down. The foot strike is the instant the striking landmark
   (the heel, or the toe when it is lower at first contact) comes to rest there; the toe-off
   the instant the toe leaves its rest. Each instant is found by fitting a "hinge" to the
   samples around it (:func:`hinge_time`), in both image coordinates, on a grid of a tenth of
   a frame.

Why not the threshold crossing of the height alone: a foot lands and lifts off nearly
tangentially (the heel's vertical speed at contact is small and the toe lifts off from rest),
so the height crosses any threshold above the noise a frame or more before the strike and
after the toe-off at 30 fps. The motion against the ground changes abruptly at the strike (the
foot is carried by the ground from then on), and the hinge fit locates that change.

Views. In a side view the ground moves horizontally in the image. In rear and front views the
same method applies (the stance foot rests in the image while the ground moves along the
optical axis); with a close camera, perspective makes the resting foot drift down the image,
which the ground velocity absorbs to first order. The heel hides the toe (rear) or the toe the
heel (front), so expect rear/front event times to be less exact than side-view ones.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.events.contact import part_clearances, stance_noise_leg
from gaitlab.metrics.common import leg_length_px
from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks
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
#: Samples the hinge fit uses beyond its search range on the resting side of an event (s; at
#: least 3 frames) and on the moving side (s; at least 2 frames: the motion is simple only
#: close to the event).
HINGE_REST_S: float = 0.1
HINGE_MOVE_S: float = 0.035
HINGE_MIN_MOVE: int = 2
#: How far into the contact from the first (last) sample found down the hinge fit searches
#: for the strike (toe-off), in s; at least the moving-side window.
HINGE_SEARCH_S: float = 0.05
#: Powers of the moving side's model tried by the hinge fit (1: arrives with speed; 2, 3:
#: arrives tangentially).
HINGE_POWERS: tuple[float, ...] = (1.0, 2.0)
#: Grid step of the hinge fit (frames).
HINGE_GRID_FRAMES: float = 0.02


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

    For each candidate time ``te`` on a grid near ``k``, the ``n_rest`` samples on the resting
    side of ``te`` are modelled as one point ``a`` and the ``n_move`` samples on the moving side
    as ``a + b |t - te| ** p`` (``p = 1`` before a strike: the foot arrives with some speed;
    ``p = 2`` after a toe-off: the toe leaves from rest), in each coordinate. The candidate with
    the smallest sum of squared residuals wins. Only a few moving samples are used
    (:data:`HINGE_MOVE_S`, at least 2) because the foot's motion is simple only close to the
    event; the counts are fixed so that every candidate is judged on as many samples.

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
    missing = ~np.isfinite(h)
    n_gap = max(3, round(GAP_WINDOW_S * tracks.fps))
    rows = []
    for k, (first, last, lo, hi) in enumerate(contacts):
        mid = (first + last) // 2
        flags = []
        strike = _crossing(t, h, first, low, before=True)
        if refine and np.isfinite(strike):
            strike = hinge_time(
                t, rest[_lower_part(parts, first)], first, moving="before", fps=tracks.fps,
                stop=mid + 1,
            )  # fmt: skip
        # samples missing where the event is timed (just before the strike) make it unreliable
        if missing[max(lo, first - n_gap) : first].any() or not np.isfinite(strike):
            flags.append(C.FLAG_GAP)
        if k == len(contacts) - 1:  # no swing after it: the toe-off is not in the clip
            toe_off = float("nan")
            flags.append(C.FLAG_NO_TOE_OFF)
        else:
            toe_off = _crossing(t, h, last, low, before=False)
            if refine and np.isfinite(toe_off):
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
