"""Side-view (sagittal) metrics: where the feet land and leave, hip and knee angles, step size.

Every quantity is measured in the *running frame* of the image: ``fwd`` points in the running
direction given by ``facing`` and ``up`` away from the ground, so a mirrored clip gives the same
numbers with left and right exchanged. The vertical is found from the up-and-down bounce of
the runner's head and shoulders (:func:`camera_roll_deg`); a clearly tilted camera (a roll
beyond 2 deg, :func:`roll_correction_deg`) is turned back by the excess before any angle is
measured.

Definitions (per usable stride of one side; ``L`` = leg length in pixels, hip joint centre to
ankle joint centre, :func:`gaitlab.pose.body.leg_length_px`; "hips" = the midpoint of the
two hip landmarks; event times are sub-frame and positions are interpolated linearly between
frames):

* ``foot_strike_ahead_leg``: ``fwd(heel - hips)`` at foot strike / L; positive = the heel lands
  ahead of the hips (overstriding). The synthetic truth calls it ``overstride_leg``.
* ``toe_off_behind_leg``: ``fwd(hips - toe)`` at toe-off / L (toe = ``foot_index``).
* ``stance_behind_hips_pct``: share of the stance (strike to toe-off) during which the stance
  ankle is behind the hips, %, from the piecewise-linear ankle-to-hips distance.
* ``shank_angle_strike_deg``: knee-to-ankle line against vertical at strike; positive = ankle
  ahead of the knee (vertical is the target).
* ``knee_flexion_strike_deg``, ``knee_flexion_peak_stance_deg``: shank angle minus thigh angle
  (0 = straight) at strike, and its maximum over the middle of stance (20-80% of the contact,
  where the peak lies; parabolic refinement), so that a strike or toe-off timed early or late
  cannot pull in the swinging leg's flexion.
* ``hip_extension_deg``: peak thigh (hip-to-knee landmark line) angle behind vertical in late
  stance, from mid-stance to just after toe-off (15% of the contact time after it, about one
  frame at 30 fps, so that a toe-off timed a frame early does not cut the peak: on rendered
  runners the event detector timed toe-offs about 30 ms early and a window ending at toe-off
  read 4.4 deg low); positive = knee behind the hip. On the synthetic runner the peak is at
  toe-off; the rendered one extends a little further for a frame after it. This is thigh
  extension against vertical; hip extension against the pelvis would need the pelvic tilt,
  which a video does not give (``hip_extension_pelvis_deg`` is reported absent).
* ``foot_angle_strike_deg``: heel-to-toe line against the ground at strike; positive = toe up.
  ``foot_strike_pattern`` names the pattern (rearfoot / midfoot / forefoot, the cut-offs of
  Mo et al. 2021) in :attr:`~gaitlab.result.Metric.label`; its value is the share of strikes
  with that pattern.
* ``trunk_forward_lean_deg``: hips-to-shoulder-midpoint line against vertical, mean over the
  stride; positive = forward.
* Ground speed ``v``: the speed of the runner over the ground, ``v = hip velocity over the
  stride - ground velocity``; the ground velocity is the velocity of the stance foot while it
  rests on the ground (toe from 20 to 90% of stance, heel from 15 to 50%; one slope fitted to
  both): on a treadmill the belt, overground with a still camera zero. Then
  ``step_length_leg = v * step time / L`` (ground covered per step, the synthetic truth's
  definition; the step runs from this foot's strike to the other foot's and, as in
  :mod:`gaitlab.metrics.timing`, belongs to the landing foot) and
  ``contact_length_leg = v * contact time / L`` (how far the stance foot travels under the
  body during contact).
* ``step_length_m``: belt speed x step time when the belt speed is given, else
  ``step_length_leg`` x leg length from the runner's height (0.491 x height, about +-3%).

Headline values are means over usable strides. Angles that need the knee or the foot of the
far leg (hidden behind the near leg for part of each stride) use the **near leg** only: on
rendered runners the far thigh read 3.9 deg too high on average (at most 8.2) against 2.2 deg
(at most 5.3) for the near one (``benchmarks/render/RESULTS_sagittal.md``), and pooling would
carry that bias into the headline. Position and step metrics pool both legs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from scipy.signal import butter, sosfiltfilt

from gaitlab.events import columns as C
from gaitlab.metrics import registry
from gaitlab.metrics.common import (
    asymmetry_pct,
    from_summary,
    shortfall_reason,
    summarise_sides,
)
from gaitlab.metrics.registry import make_metric
from gaitlab.pose.body import HEIGHT_PER_LEG_LENGTH
from gaitlab.pose.landmarks import INDEX, SIDES, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.runs import true_runs
from gaitlab.words import say

Facing = Literal["left", "right"]
Side = Literal["left", "right"]

#: Foot angle at strike (deg, toe up positive) above which a strike is rearfoot, and below which
#: it is forefoot: the cut-offs validated against the strike index in 43 runners and untrained
#: people (Mo, Huang, Ng & Cheung 2021, Res Sports Med, "Footstrike angle cut-off values to
#: classify footstrike pattern in runners": rearfoot above 7.4, forefoot below -0.8). Their
#: angle is the foot's against the ground; MediaPipe's heel and toe landmarks are not the
#: markers they used, so a strike within a couple of degrees of a cut-off may fall either side.
REARFOOT_MIN_DEG: float = 7.4
FOREFOOT_MAX_DEG: float = -0.8

#: Parts of stance (shares of the contact time) in which a foot landmark rests on the ground,
#: used for the ground velocity: the heel after the foot has come flat until
#: the heel rises, the toe (``foot_index``) from foot flat until just before toe-off.
REST_WINDOWS: Mapping[str, tuple[float, float]] = {"heel": (0.15, 0.5), "foot_index": (0.2, 0.9)}
#: Pass band of the upper-body bounce (multiples of the step frequency) for the camera roll,
#: the largest minor/major axis ratio of a clear bounce, and the roll below which the image is
#: left as it is (see :func:`roll_correction_deg`).
BOUNCE_BAND: tuple[float, float] = (0.5, 2.5)
MAX_MINOR_SHARE: float = 0.35
ROLL_DEAD_ZONE_DEG: float = 2.0
#: Window of the peak thigh extension, as shares of the contact time: from this long after the
#: strike (mid-stance) to this long after the detected toe-off. The thigh peaks at or just after
#: the true toe-off (the truth's window ends 15% of the contact time after it); on MediaPipe
#: landmarks the detected toe-off comes early (30-37 ms at 30 fps on the rendered clips, about
#: 15% of the contact time: the toe point rises before the foot leaves), so the window reaches
#: 30% past it. Ending at 15% read 2.3 deg low on average (at most 4.7) on the rendered clips,
#: 30% reads within 1.1 deg on each (benchmarks/render/RESULTS_sagittal.md).
HIP_EXTENSION_WINDOW: tuple[float, float] = (0.5, 0.3)
#: Window of the peak knee flexion in stance, as shares of the contact time.
KNEE_PEAK_WINDOW: tuple[float, float] = (0.2, 0.8)

#: Metrics whose headline value uses the leg nearer the camera only (they need the far knee or
#: far foot, which the near leg hides for part of each stride).
NEAR_LEG_METRICS: tuple[str, ...] = (
    "hip_extension_deg",
    "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg",
    "shank_angle_strike_deg",
    "foot_angle_strike_deg",
)

#: The per-stride metrics made from the stride table's columns of the same name.
STRIDE_METRICS: tuple[str, ...] = (
    "foot_strike_ahead_leg",
    "toe_off_behind_leg",
    "stance_behind_hips_pct",
    "shank_angle_strike_deg",
    "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg",
    "hip_extension_deg",
    "foot_angle_strike_deg",
    "step_length_leg",
    "contact_length_leg",
)

_STRIDE_VALUE_COLUMNS: tuple[str, ...] = (
    "foot_strike_ahead_leg",
    "toe_off_behind_leg",
    "stance_behind_hips_pct",
    "shank_angle_strike_deg",
    "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg",
    "hip_extension_deg",
    "foot_angle_strike_deg",
    "trunk_forward_lean_deg",
    "ground_speed_leg_s",
    "step_length_leg",
    "contact_length_leg",
)


# ----------------------------------------------------------------------------- geometry
def running_frame(tracks: PoseTracks, *, facing: Facing, roll_deg: float = 0.0) -> np.ndarray:
    """``(T, 33, 2)`` landmark positions in the running frame, pixels: ``[..., 0]`` forward
    (the running direction), ``[..., 1]`` up.

    Parameters
    ----------
    tracks
        Landmark tracks (image coordinates are used).
    facing
        Direction of running in the image, ``"left"`` or ``"right"``.
    roll_deg
        Camera roll (:func:`camera_roll_deg`): image content rotated counter-clockwise by this
        much is turned back upright.
    """
    sign = _facing_sign(facing)
    r = math.radians(roll_deg)
    # a counter-clockwise roll r turns the level direction into (cos r, -sin r) and up into
    # (-sin r, -cos r) (image y points down)
    ground = np.array([math.cos(r), -math.sin(r)])
    up = np.array([-math.sin(r), -math.cos(r)])
    xy = tracks.image_xy_px
    return np.stack([sign * (xy @ ground), xy @ up], axis=-1)


def segment_angle_deg(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Angle from vertical of the segment ``top -> bottom`` in the running frame, degrees.

    Positive when ``bottom`` is *behind* ``top`` (an extended thigh, a trailing shank); the
    convention of :func:`gaitlab.synthetic.kinematics.sagittal_angle_deg`.
    """
    d = top - bottom
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Sagittal knee flexion (shank angle minus thigh angle; 0 = straight), degrees."""
    return segment_angle_deg(knee, ankle) - segment_angle_deg(hip, knee)


def foot_strike_pattern(
    foot_angle_deg: float,
    *,
    rearfoot_min_deg: float = REARFOOT_MIN_DEG,
    forefoot_max_deg: float = FOREFOOT_MAX_DEG,
) -> Literal["rearfoot", "midfoot", "forefoot"] | None:
    """The strike pattern of a foot angle at strike (None for NaN)."""
    if not np.isfinite(foot_angle_deg):
        return None
    if foot_angle_deg > rearfoot_min_deg:
        return "rearfoot"
    if foot_angle_deg < forefoot_max_deg:
        return "forefoot"
    return "midfoot"


def camera_roll_deg(
    tracks: PoseTracks,
    *,
    step_hz: float,
    band: tuple[float, float] = BOUNCE_BAND,
    max_minor_share: float = MAX_MINOR_SHARE,
) -> float | None:
    """Roll of the camera from the direction in which the runner's head and shoulders bounce.

    Running, the upper body rises and falls twice per stride along the *vertical*, and sways
    fore and aft much less, so the principal axis of the head-and-shoulders path, band-passed
    from half to 2.5 times the step frequency (the bounce and its first harmonic: a short
    flight makes the bounce peaky), is close to the vertical as the camera sees it; the sway
    that remains tilts it by a few degrees (see :func:`roll_correction_deg`). The point tracked
    is the mean of the nose, eyes, ears and shoulders (robust to single-landmark jitter; the
    shoulders' counter-rotation cancels in their midpoint).

    Why not the hips or the ground: MediaPipe's hip landmarks move with the swinging thighs
    (on ``male_side.mp4`` their step-frequency path leans 16 deg off the head's), and the line
    the stance feet rest on is bent by perspective when the camera is low or turned (it leans
    7 deg on ``male_side.mp4``, where the room's vertical edges beside the runner lean about
    1 deg).

    Parameters
    ----------
    tracks
        Cleaned landmark tracks of a side view.
    step_hz
        Step frequency (cadence / 60).
    band
        Pass band as multiples of the step frequency.
    max_minor_share
        The bounce must be clear: the path's minor axis at most this share of its major axis.

    Returns
    -------
    float or None
        Degrees, positive when the image content is rotated counter-clockwise (the convention
        of :mod:`gaitlab.synthetic.camera`); None when no clear bounce is found (less than
        three steps of continuous tracking, or a path that is not elongated).
    """
    names = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
             "right_shoulder")  # fmt: skip
    point = np.mean(tracks.image_xy_px[:, [INDEX[n] for n in names]], axis=1)
    if not np.isfinite(step_hz) or step_hz <= 0 or band[1] * step_hz >= tracks.fps / 2:
        return None
    sos = butter(2, [band[0] * step_hz, band[1] * step_hz], btype="band", fs=tracks.fps,
                 output="sos")  # fmt: skip
    edge = round(tracks.fps / step_hz)
    pieces = []
    for start, stop in true_runs(np.isfinite(point).all(axis=1)):
        if stop - start >= 4 * edge:
            pieces.append(sosfiltfilt(sos, point[start:stop], axis=0)[edge:-edge])
    if not pieces or sum(p.shape[0] for p in pieces) < 3 * edge:
        return None
    path = np.concatenate(pieces)
    eigval, eigvec = np.linalg.eigh(np.cov(path.T))
    if eigval[1] <= 0 or math.sqrt(max(eigval[0], 0.0) / eigval[1]) > max_minor_share:
        return None
    down = eigvec[:, 1] if eigvec[1, 1] > 0 else -eigvec[:, 1]
    # a counter-clockwise roll r turns the image's down direction (0, 1) into (sin r, cos r)
    return float(math.degrees(math.atan2(down[0], down[1])))


_DEPTH_PARTS = ("hip", "knee", "ankle")
_VISIBLE_PARTS = ("knee", "ankle", "heel", "foot_index")


def _idx(side: str, parts: tuple[str, ...]) -> list[int]:
    return [side_index(side, p) for p in parts]


def _finite_median(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def stride_camera_roll_deg(tracks: PoseTracks, strides: pd.DataFrame) -> float | None:
    """The camera roll (:func:`camera_roll_deg`) at the step rate of the usable strides."""
    usable = strides[strides[C.USABLE]] if len(strides) else strides
    step_s = float(np.median(usable[C.STRIDE_TIME_S])) / 2 if len(usable) else float("nan")
    return camera_roll_deg(tracks, step_hz=1.0 / step_s)


def roll_correction_deg(
    roll_deg: float | None, *, dead_zone_deg: float = ROLL_DEAD_ZONE_DEG
) -> float:
    """How far to turn the image back: the part of a found roll beyond a dead zone.

    The upper-body bounce is not exactly vertical in people: the trunk pitches and the head
    nods in step. On rendered runners filmed with a level camera it leaned 1.6-2.7 deg off
    vertical (``benchmarks/render/RESULTS_sagittal.md``), and on ``male_side.mp4`` it leans
    4.1 deg where the room's vertical edges beside the runner lean about 1 deg. A found roll
    within ``dead_zone_deg`` (2 deg) is therefore left alone and a larger one undone only by
    its excess: a level camera is "corrected" by at most about a degree (0-0.7 deg on the
    rendered runners, 2.1 deg on ``male_side.mp4`` whose camera leans about 1 deg), while a
    clearly tilted camera is mostly straightened (a 6 deg roll leaves about 2 deg; on the
    synthetic runner, which does not sway, rolls up to 2 deg stay in full).

    Returns
    -------
    float
        Degrees (0 when ``roll_deg`` is None or within the dead zone).
    """
    if roll_deg is None or not np.isfinite(roll_deg):
        return 0.0
    return float(np.sign(roll_deg) * max(abs(roll_deg) - dead_zone_deg, 0.0))


def near_side(tracks: PoseTracks) -> Side | None:
    """The leg nearer the camera in a side view, or None when the cues disagree or are flat.

    Two cues (medians over frames): MediaPipe's world depth (``z``, smaller = nearer) of the
    hip, knee and ankle, and its visibility of the knee, ankle, heel and toe (the far leg is
    hidden part of the time: on ``male_side.mp4`` the far knee scores 0.56 against 0.96 on
    average). Each cue votes when the sides differ by more than 2 cm or 0.05; the near side
    needs at least one vote and no vote against.
    """
    votes = []
    depth = {s: _finite_median(tracks.world_xyz_m[:, _idx(s, _DEPTH_PARTS), 2]) for s in SIDES}
    if abs(depth["left"] - depth["right"]) > 0.02:  # False when either is NaN
        votes.append("left" if depth["left"] < depth["right"] else "right")
    vis = {s: _finite_median(tracks.visibility[:, _idx(s, _VISIBLE_PARTS)]) for s in SIDES}
    if abs(vis["left"] - vis["right"]) > 0.05:
        votes.append("left" if vis["left"] > vis["right"] else "right")
    if votes and len(set(votes)) == 1:
        return votes[0]  # type: ignore[return-value]
    return None


# ----------------------------------------------------------------------------- per stride
def stride_sagittal_table(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    *,
    facing: Facing,
    leg_px: float,
    roll_deg: float = 0.0,
) -> pd.DataFrame:
    """Every sagittal quantity of every usable stride.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks.
    strides
        The stride table (:func:`gaitlab.events.strides.stride_table`).
    facing
        Direction of running in the image.
    leg_px
        Leg length in pixels.
    roll_deg
        Camera roll to undo (:func:`camera_roll_deg`).

    Returns
    -------
    pandas.DataFrame
        One row per usable stride: ``side``, ``start_s``, ``step_time_s`` and the columns of
        the module docstring (``foot_strike_ahead_leg`` ... ``contact_length_leg``, plus
        ``ground_speed_leg_s``); NaN where a landmark needed is missing.
    """
    pts = running_frame(tracks, facing=facing, roll_deg=roll_deg)
    usable = strides[strides[C.USABLE]] if len(strides) else strides
    rows = [
        {
            C.SIDE: row[C.SIDE],
            C.START_S: float(row[C.START_S]),
            C.STEP_TIME_S: float(row[C.STEP_TIME_S]),
            **_stride_values(pts, tracks.time_s, row, leg_px),
        }
        for _, row in usable.iterrows()
    ]
    columns = [C.SIDE, C.START_S, C.STEP_TIME_S, *_STRIDE_VALUE_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def _stride_values(pts: np.ndarray, t: np.ndarray, row: pd.Series, leg_px: float) -> dict:
    side = str(row[C.SIDE])
    fs, to = float(row[C.FOOT_STRIKE_S]), float(row[C.TOE_OFF_S])
    start, end = float(row[C.START_S]), float(row[C.END_S])
    contact = to - fs

    def idx(part: str) -> int:
        return side_index(side, part)

    at_fs, at_to = _sample(pts, t, fs), _sample(pts, t, to)
    hips_fs, hips_to = _hips(at_fs), _hips(at_to)
    out: dict[str, float] = {}
    out["foot_strike_ahead_leg"] = (at_fs[idx("heel"), 0] - hips_fs[0]) / leg_px
    out["toe_off_behind_leg"] = (hips_to[0] - at_to[idx("foot_index"), 0]) / leg_px
    hip, knee, ankle = (at_fs[idx(p)] for p in ("hip", "knee", "ankle"))
    out["shank_angle_strike_deg"] = -float(segment_angle_deg(knee, ankle))
    out["knee_flexion_strike_deg"] = float(knee_flexion_deg(hip, knee, ankle))
    toe, heel = at_fs[idx("foot_index")], at_fs[idx("heel")]
    out["foot_angle_strike_deg"] = math.degrees(math.atan2(toe[1] - heel[1], toe[0] - heel[0]))

    # stance samples: the frames inside the contact plus the two event instants
    times, stance = _window(pts, t, fs, to)
    hips = _hips(stance)
    behind = hips[:, 0] - stance[:, idx("ankle"), 0]
    out["stance_behind_hips_pct"] = 100.0 * _share_positive(times, behind)
    # peak knee flexion: the middle of stance only (the peak lies near mid-stance; a strike or
    # toe-off timed early or late cannot then pull in the swinging leg's flexion)
    a, b = KNEE_PEAK_WINDOW
    _, mid = _window(pts, t, fs + a * contact, fs + b * contact)
    out["knee_flexion_peak_stance_deg"] = _peak(
        knee_flexion_deg(mid[:, idx("hip")], mid[:, idx("knee")], mid[:, idx("ankle")])
    )
    # peak thigh extension: from mid-stance to just after toe-off (it peaks at or just after
    # toe-off; the margin keeps a toe-off timed a frame early from cutting the peak)
    a, b = HIP_EXTENSION_WINDOW
    _, late = _window(pts, t, fs + a * contact, to + b * contact)
    out["hip_extension_deg"] = _peak(segment_angle_deg(late[:, idx("hip")], late[:, idx("knee")]))

    # trunk: hips to shoulder midpoint over the stride's frames
    in_stride = (t >= start) & (t < end)
    shoulders = 0.5 * (
        pts[in_stride, INDEX["left_shoulder"]] + pts[in_stride, INDEX["right_shoulder"]]
    )
    trunk = segment_angle_deg(shoulders, _hips(pts[in_stride]))
    out["trunk_forward_lean_deg"] = float(np.nanmean(trunk)) if np.isfinite(trunk).any() else np.nan

    # speed over the ground: hips over the stride minus the resting stance foot
    hips_start, hips_end = _hips(_sample(pts, t, start)), _hips(_sample(pts, t, end))
    hip_v = (hips_end[0] - hips_start[0]) / (end - start)
    ground_v = _ground_velocity(pts, t, side, fs, contact)
    speed = (hip_v - ground_v) / leg_px
    out["ground_speed_leg_s"] = speed
    out["step_length_leg"] = speed * float(row[C.STEP_TIME_S])
    out["contact_length_leg"] = speed * contact
    return {k: float(v) for k, v in out.items()}


def _hips(points: np.ndarray) -> np.ndarray:
    """Midpoint of the two hip landmarks, ``(..., 2)``."""
    return 0.5 * (points[..., INDEX["left_hip"], :] + points[..., INDEX["right_hip"], :])


def _sample(pts: np.ndarray, t: np.ndarray, time_s: float) -> np.ndarray:
    """``(33, 2)`` positions at ``time_s``, linear between the two neighbouring frames."""
    if not np.isfinite(time_s) or time_s < t[0] or time_s > t[-1]:
        return np.full(pts.shape[1:], np.nan)
    k = int(np.searchsorted(t, time_s))
    if k == 0 or t[k] == time_s:
        return pts[k]
    w = (time_s - t[k - 1]) / (t[k] - t[k - 1])
    return (1.0 - w) * pts[k - 1] + w * pts[k]


def _window(pts: np.ndarray, t: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Times and ``(N, 33, 2)`` positions at ``a``, every frame strictly between, and ``b``."""
    inside = np.flatnonzero((t > a) & (t < b))
    times = np.concatenate([[a], t[inside], [b]])
    points = np.concatenate([_sample(pts, t, a)[None], pts[inside], _sample(pts, t, b)[None]])
    return times, points


def _share_positive(times: np.ndarray, values: np.ndarray) -> float:
    """Share of ``[times[0], times[-1]]`` in which the piecewise-linear ``values`` is > 0."""
    if not np.isfinite(values).all() or times[-1] <= times[0]:
        return float("nan")
    total = 0.0
    for t0, t1, v0, v1 in zip(times[:-1], times[1:], values[:-1], values[1:], strict=True):
        if v0 > 0 and v1 > 0:
            total += t1 - t0
        elif v0 > 0 or v1 > 0:
            total += (t1 - t0) * max(v0, v1) / abs(v1 - v0)
    return total / (times[-1] - times[0])


def _peak(values: np.ndarray) -> float:
    """Largest value, refined by a parabola through it and its neighbours when it is inside."""
    if not np.isfinite(values).any():
        return float("nan")
    k = int(np.nanargmax(values))
    best = float(values[k])
    if 0 < k < values.size - 1 and np.isfinite(values[k - 1 : k + 2]).all():
        a, b, c = values[k - 1 : k + 2]
        denom = a - 2 * b + c
        if denom < 0:
            # samples are not evenly spaced near the events; the refinement is small and is
            # capped at the step to the higher neighbour
            best = float(b - 0.125 * (a - c) ** 2 / denom)
            best = min(best, float(b + 0.5 * (b - min(a, c))))
    return best


def _ground_velocity(pts: np.ndarray, t: np.ndarray, side: str, fs: float, contact: float) -> float:
    """Forward velocity (px/s) of the ground under a stance foot: one slope fitted to the heel
    and toe positions in their rest windows (:data:`REST_WINDOWS`)."""
    groups = []
    for part, (a, b) in REST_WINDOWS.items():
        sel = (t >= fs + a * contact) & (t <= fs + b * contact)
        x = pts[sel, side_index(side, part), 0]
        ts = t[sel]
        ok = np.isfinite(x)
        if ok.sum() >= 2:
            groups.append((ts[ok], x[ok]))
    if sum(g[0].size for g in groups) < 3:
        return float("nan")
    return _pooled_slope(groups)


def _pooled_slope(groups: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Least-squares slope shared by groups of (x, y) samples, each with its own intercept."""
    sxy = sum(float(np.sum((x - x.mean()) * (y - y.mean()))) for x, y in groups)
    sxx = sum(float(np.sum((x - x.mean()) ** 2)) for x, _ in groups)
    return sxy / sxx if sxx > 0 else float("nan")


# ----------------------------------------------------------------------------- metrics
def sagittal_metrics(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    *,
    facing: Facing,
    leg_px: float,
    height_m: float | None = None,
    belt_speed_m_s: float | None = None,
    clip: str | None = None,
    near: Side | Literal["auto"] | None = "auto",
    correct_roll: bool = True,
    roll_dead_zone_deg: float = ROLL_DEAD_ZONE_DEG,
    min_per_side: int,
) -> dict[str, Metric]:
    """Every side-view metric of a clip.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks of a side view.
    strides
        The stride table (:func:`gaitlab.events.strides.stride_table`); usable strides count.
    facing
        Direction of running in the image (:attr:`gaitlab.signals.view.ViewEstimate.facing`).
    leg_px
        Leg length in pixels (:func:`gaitlab.pose.body.leg_length_px`).
    height_m
        The runner's standing height, for ``step_length_m`` (None: unknown).
    belt_speed_m_s
        Treadmill belt speed, for ``step_length_m`` (None: unknown).
    clip
        Name of the clip, recorded in every metric.
    near
        The leg nearer the camera: ``"auto"`` (:func:`near_side`), ``"left"``, ``"right"``,
        or None to pool both legs for every metric.
    correct_roll
        Undo the camera's roll (:func:`camera_roll_deg`, :func:`roll_correction_deg`) before
        measuring.
    roll_dead_zone_deg
        Rolls found up to this size are left alone, larger ones are undone by the excess.
    min_per_side
        Fewest usable strides per side (per leg used) for a value (the analysis passes
        ``[findings] min_steps_per_side``).

    Returns
    -------
    dict of str to Metric
        Keys ``foot_strike_ahead_leg``, ``toe_off_behind_leg``, ``stance_behind_hips_pct``,
        ``shank_angle_strike_deg``, ``knee_flexion_strike_deg``,
        ``knee_flexion_peak_stance_deg``, ``hip_extension_deg``, ``hip_extension_pelvis_deg``,
        ``anterior_pelvic_tilt_deg``, ``foot_angle_strike_deg``, ``foot_strike_pattern``,
        ``trunk_forward_lean_deg``, ``step_length_leg``, ``contact_length_leg``,
        ``step_length_m`` and ``camera_roll_deg``.

    Raises
    ------
    ValueError
        If ``facing`` or ``near`` is not one of the allowed values.
    """
    _facing_sign(facing)
    if near not in ("auto", "left", "right", None):
        raise ValueError(
            "Invalid value for the 'near' parameter. Allowed values are 'auto', 'left', "
            f"'right' and None, but got {near!r} instead."
        )
    roll = stride_camera_roll_deg(tracks, strides) if correct_roll else None
    turn = roll_correction_deg(roll, dead_zone_deg=roll_dead_zone_deg)
    table = stride_sagittal_table(tracks, strides, facing=facing, leg_px=leg_px, roll_deg=turn)
    near_leg = near_side(tracks) if near == "auto" else near
    n_usable = {s: int((table[C.SIDE] == s).sum()) for s in SIDES}
    shortfall = shortfall_reason(n_usable["left"], n_usable["right"], len(strides), min_per_side)
    sides = table[C.SIDE].to_numpy(dtype=object)
    landing = np.where(sides == "left", "right", "left")
    metrics: dict[str, Metric] = {}
    for name in STRIDE_METRICS:
        values = table[name].to_numpy(float)
        owner = landing if name == "step_length_leg" else sides
        if name in NEAR_LEG_METRICS:
            metrics[name] = _near_leg_metric(
                name, values, owner, near_leg, min_per_side, shortfall, clip
            )
        else:
            s = summarise_sides(values, owner, min_per_side=min_per_side)
            metrics[name] = from_summary(name, s, clip=clip, shortfall=shortfall)
    metrics["trunk_forward_lean_deg"] = _trunk(table, min_per_side, shortfall, clip)
    metrics["foot_strike_pattern"] = _pattern(metrics["foot_angle_strike_deg"], table, near_leg)
    fa = metrics["foot_angle_strike_deg"]
    if fa.value is not None:
        metrics["foot_angle_strike_deg"] = dataclasses.replace(
            fa, label=foot_strike_pattern(fa.value)
        )
    metrics["step_length_m"] = _step_length_m(
        table, landing, metrics["step_length_leg"], height_m, belt_speed_m_s, min_per_side,
        shortfall, clip,
    )  # fmt: skip
    metrics.update(_not_measurable(clip))
    metrics["camera_roll_deg"] = _roll_metric(
        roll, turn, correct_roll=correct_roll, dead_zone_deg=roll_dead_zone_deg,
        n_strides=len(table), clip=clip,
    )  # fmt: skip
    return metrics


def _not_measurable(clip: str | None) -> dict[str, Metric]:
    """Anterior pelvic tilt and hip extension against the pelvis: absent, with the reason."""
    return {
        "hip_extension_pelvis_deg": make_metric(
            "hip_extension_pelvis_deg",
            value=None,
            estimate=True,
            clip=clip,
            reason=say("metric.reason.hip_extension_pelvis"),
        ),
        "anterior_pelvic_tilt_deg": make_metric(
            "anterior_pelvic_tilt_deg",
            value=None,
            estimate=True,
            clip=clip,
            reason=say("metric.reason.anterior_pelvic_tilt"),
        ),
    }


def _roll_metric(
    roll: float | None,
    turn: float,
    *,
    correct_roll: bool,
    dead_zone_deg: float,
    n_strides: int,
    clip: str | None,
) -> Metric:
    """The camera roll found, and what was done about it."""
    if roll is None:
        off = not correct_roll
        note = say("metric.reason.roll_correction_off" if off else "metric.reason.roll_no_bounce")
    elif turn == 0.0:
        note = say("metric.reason.roll_dead_zone", dead_zone_deg=dead_zone_deg)
    else:
        note = say("metric.reason.roll_turned_back", turn=turn)
    return make_metric(
        "camera_roll_deg",
        value=roll,
        view="side",
        n_strides=n_strides if roll is not None else 0,
        estimate=True,
        clip=clip,
        reason=note,
    )


def _facing_sign(facing: str) -> float:
    if facing not in ("left", "right"):
        raise ValueError(
            "Invalid value for the 'facing' parameter. Allowed values are 'left' and 'right', "
            f"but got {facing!r} instead."
        )
    return -1.0 if facing == "left" else 1.0


def _near_leg_metric(
    name: str,
    values: np.ndarray,
    sides: np.ndarray,
    near_leg: Side | None,
    min_per_side: int,
    shortfall: str,
    clip: str | None,
) -> Metric:
    """A metric whose headline value is the near leg's mean (both legs pooled if unknown)."""
    if near_leg is None:
        s = summarise_sides(values, sides, min_per_side=min_per_side)
        return from_summary(
            name, s, clip=clip, shortfall=shortfall, reason=say("metric.reason.near_leg_unknown")
        )
    own = values[(sides == near_leg) & np.isfinite(values)]
    per_side = {}
    for side in SIDES:
        v = values[(sides == side) & np.isfinite(values)]
        per_side[side] = float(np.mean(v)) if v.size >= min_per_side else None
    enough = own.size >= min_per_side
    far = "right" if near_leg == "left" else "left"
    return make_metric(
        name,
        value=float(np.mean(own)) if enough else None,
        n_strides=int(own.size) if enough else 0,
        left=per_side["left"],
        right=per_side["right"],
        asymmetry_pct=asymmetry_pct(per_side["left"], per_side["right"]),
        sd=float(np.std(own, ddof=1)) if enough and own.size > 1 else None,
        clip=clip,
        reason=say("metric.reason.near_leg_only", near=near_leg, far=far)
        if enough
        else say("metric.reason.near_leg_too_few", near=near_leg, n=own.size, need=min_per_side),
    )


def _trunk(table: pd.DataFrame, min_per_side: int, shortfall: str, clip: str | None) -> Metric:
    """Trunk forward lean: one value per stride, both sides pooled, no per-side values."""
    s = summarise_sides(
        table["trunk_forward_lean_deg"].to_numpy(float),
        table[C.SIDE].to_numpy(dtype=object),
        min_per_side=min_per_side,
    )
    return from_summary("trunk_forward_lean_deg", s, clip=clip, shortfall=shortfall)


def _pattern(angle: Metric, table: pd.DataFrame, near_leg: Side | None) -> Metric:
    """Share of strikes (of the legs the foot angle uses) with the commonest pattern."""
    base = make_metric("foot_strike_pattern", value=None, clip=angle.clip, reason=angle.reason)
    if angle.value is None:
        return base
    sel = np.ones(len(table), dtype=bool) if near_leg is None else table[C.SIDE] == near_leg
    labels = [foot_strike_pattern(a) for a in table.loc[sel, "foot_angle_strike_deg"]]
    labels = [x for x in labels if x is not None]
    if not labels:
        return base
    names, counts = np.unique(labels, return_counts=True)
    k = int(np.argmax(counts))
    return dataclasses.replace(
        base,
        value=100.0 * float(counts[k]) / len(labels),
        n_strides=len(labels),
        label=str(names[k]),
        reason=angle.reason,
    )


def _step_length_m(
    table: pd.DataFrame,
    landing: np.ndarray,
    step_leg: Metric,
    height_m: float | None,
    belt_speed_m_s: float | None,
    min_per_side: int,
    shortfall: str,
    clip: str | None,
) -> Metric:
    """Step length in metres from the belt speed (exact speed) or the runner's height."""
    if belt_speed_m_s is not None and belt_speed_m_s > 0:
        s = summarise_sides(
            belt_speed_m_s * table[C.STEP_TIME_S].to_numpy(float), landing,
            min_per_side=min_per_side,
        )  # fmt: skip
        return from_summary(
            "step_length_m", s, clip=clip, shortfall=shortfall,
            accuracy=registry.accuracy("step_length_m", "belt"),
            reason=say("metric.reason.step_length_belt", belt_speed_m_s=belt_speed_m_s),
        )  # fmt: skip
    if height_m is not None and height_m > 0:
        leg_m = height_m / HEIGHT_PER_LEG_LENGTH

        def scale(x: float | None) -> float | None:
            return None if x is None else x * leg_m

        return make_metric(
            "step_length_m",
            value=scale(step_leg.value),
            n_strides=step_leg.n_strides,
            left=scale(step_leg.left),
            right=scale(step_leg.right),
            asymmetry_pct=step_leg.asymmetry_pct,
            sd=scale(step_leg.sd),
            estimate=True,
            clip=step_leg.clip,
            label=step_leg.label,
            reason=step_leg.reason
            if step_leg.value is None
            else say("metric.reason.step_length_height", leg_m=leg_m, height_m=height_m),
        )
    return make_metric(
        "step_length_m",
        value=None,
        clip=clip,
        reason=say("metric.reason.step_length_needs"),
        accuracy=None,
    )
