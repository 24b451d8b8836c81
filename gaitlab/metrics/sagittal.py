"""Side-view (sagittal) metrics: where the feet land and leave, hip and knee angles, step size.

Every quantity is measured in the *running frame* of the image: ``fwd`` points in the running
direction given by ``facing`` and ``up`` away from the ground, so a mirrored clip gives the same
numbers with left and right exchanged. The ground line is estimated from the stance feet
(:func:`camera_roll_deg`) and the frame is turned so that the ground is level, which removes a
tilted camera (roll) from every angle; on an inclined treadmill "vertical" then means square to
the belt.

Definitions (per usable stride of one side; ``L`` = leg length in pixels, hip joint centre to
ankle joint centre, :func:`gaitlab.metrics.common.leg_length_px`; "hips" = the midpoint of the
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
  (0 = straight) at strike, and its maximum during stance (parabolic refinement of the peak).
* ``hip_extension_deg``: peak thigh (hip-to-knee landmark line) angle behind vertical in late
  stance (mid-stance to toe-off, toe-off instant included); positive = knee behind the hip.
  This is thigh extension against vertical; hip extension against the pelvis would need the
  pelvic tilt, which a video does not give (``hip_extension_pelvis_deg`` is reported absent).
* ``foot_angle_strike_deg``: heel-to-toe line against the ground at strike; positive = toe up.
  ``foot_strike_pattern`` names the pattern (rearfoot / midfoot / forefoot, Altman & Davis
  2012 cut-offs) in :attr:`~gaitlab.result.Metric.label`; its value is the share of strikes
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
rendered runners the far thigh read 5.7 deg too high on average against 3.3 deg for the near
one (``benchmarks/render/README.md``). Position and step metrics pool both legs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.metrics.common import (
    HEIGHT_PER_LEG_LENGTH,
    MIN_STEPS_PER_SIDE,
    SideSummary,
    asymmetry_pct,
    summarise_sides,
)
from gaitlab.pose.landmarks import INDEX, SIDES, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric

Facing = Literal["left", "right"]
Side = Literal["left", "right"]

#: Foot angle at strike (deg, toe up positive) above which a strike is rearfoot, and below which
#: it is forefoot (Altman & Davis 2012, Gait Posture 35:298, foot strike angle from sagittal
#: video: rearfoot > 8.0, midfoot -1.6 to 8.0, forefoot < -1.6). Their angle is taken against
#: the foot's standing angle; MediaPipe's heel and toe landmarks lie about level in standing.
REARFOOT_MIN_DEG: float = 8.0
FOREFOOT_MAX_DEG: float = -1.6

#: Parts of stance (shares of the contact time) in which a foot landmark rests on the ground,
#: used for the ground line and the ground velocity: the heel after the foot has come flat until
#: the heel rises, the toe (``foot_index``) from foot flat until just before toe-off.
REST_WINDOWS: Mapping[str, tuple[float, float]] = {"heel": (0.15, 0.5), "foot_index": (0.2, 0.9)}
#: Late stance for the peak thigh extension: from this share of the contact time to toe-off.
LATE_STANCE_FROM: float = 0.5

#: Metrics whose headline value uses the leg nearer the camera only (they need the far knee or
#: far foot, which the near leg hides for part of each stride).
NEAR_LEG_METRICS: tuple[str, ...] = (
    "hip_extension_deg",
    "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg",
    "shank_angle_strike_deg",
    "foot_angle_strike_deg",
)

#: Where the anterior-tilt conclusion was measured (shown to users).
TILT_EVIDENCE = (
    "MediaPipe's hip landmarks are hip joint centres, which do not move when the pelvis tilts, "
    "and none of three silhouette methods followed a known 0-20 deg tilt on rendered runners "
    "(correlation -0.55 to 0.11 across 6 side clips; benchmarks/render/README.md)"
)

#: What the validation measured (tests/test_sagittal.py, benchmarks/render/RESULTS_sagittal.md);
#: shown to users beside every number.
ACCURACY: Mapping[str, str] = {
    "foot_strike_ahead_leg": "within 0.03 leg lengths on synthetic side views at 30-120 fps "
    "(follows the foot-strike timing: 10 ms moves the heel by about 0.03 leg lengths)",
    "toe_off_behind_leg": "within 0.03 leg lengths on synthetic side views at 30-120 fps",
    "stance_behind_hips_pct": "within 5 percentage points on synthetic side views",
    "shank_angle_strike_deg": "within 2 deg on synthetic side views (near leg)",
    "knee_flexion_strike_deg": "within 2.5 deg on synthetic side views (near leg); 2D knee "
    "angles of real runners are off by 5-8 deg against markers (Van Hooren 2023, Stenum 2021)",
    "knee_flexion_peak_stance_deg": "within 2 deg on synthetic side views (near leg); 2D knee "
    "angles of real runners are off by 5-8 deg against markers (Van Hooren 2023, Stenum 2021)",
    "hip_extension_deg": "near leg: within 1.5 deg on synthetic side views; on rendered bodies "
    "MediaPipe's thigh line reads about 3 deg high (mean error 3.1 deg, at most 7 deg, "
    "benchmarks/render/RESULTS_sagittal.md); the far leg reads about 6 deg high",
    "hip_extension_pelvis_deg": "not measured",
    "anterior_pelvic_tilt_deg": "not measured: no method tracked a known tilt from pixels",
    "foot_angle_strike_deg": "within 2 deg on synthetic side views (near leg); MediaPipe's heel "
    "and toe landmarks are not validated against markers",
    "foot_strike_pattern": "from foot_angle_strike_deg (cut-offs 8.0 and -1.6 deg, Altman & "
    "Davis 2012); strikes within 2 deg of a cut-off may fall either side",
    "trunk_forward_lean_deg": "within 0.5 deg on synthetic side views; reads about 3 deg low "
    "on rendered bodies (landmark shoulders and hips are not the joint centres)",
    "step_length_leg": "within 3% on synthetic side views (speed from the stance foot against "
    "the hips, times step time)",
    "contact_length_leg": "within 5% on synthetic side views (follows contact time)",
    "step_length_m": "as step_length_leg, plus about +-3% for leg length from height",
    "step_length_m_belt": "belt speed as given times the measured step time (about one video "
    "frame per step, averaged over the steps)",
    "camera_roll_deg": "within 0.3 deg on synthetic side views with 0-5 deg of camera roll",
}

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
def running_frame(
    tracks: PoseTracks, *, facing: Facing, roll_deg: float = 0.0
) -> np.ndarray:
    """``(T, 33, 2)`` landmark positions in the running frame, pixels: ``[..., 0]`` forward
    (the running direction), ``[..., 1]`` up (square to the ground).

    Parameters
    ----------
    tracks
        Landmark tracks (image coordinates are used).
    facing
        Direction of running in the image, ``"left"`` or ``"right"``.
    roll_deg
        Camera roll (:func:`camera_roll_deg`): image content rotated counter-clockwise by this
        much is turned back, so that the ground is level.
    """
    sign = _facing_sign(facing)
    r = math.radians(roll_deg)
    # the ground runs along (cos r, -sin r) in the image (y down); up is square to it
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
    tracks: PoseTracks, strides: pd.DataFrame, *, leg_px: float
) -> float | None:
    """Roll of the camera from the ground line the stance feet rest on, degrees.

    The heel and toe of a foot resting on the ground move along the ground (with the belt on
    a treadmill) or stay on it at different places (overground), so their positions in the
    rest windows (:data:`REST_WINDOWS`) of every usable stance lie on lines parallel to the
    ground. One slope is fitted to all of them, with an intercept per foot landmark (heel and
    toe, left and right sit at different heights), dropping samples more than 3 robust sd off
    the line once.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks.
    strides
        The stride table (only usable strides are used).
    leg_px
        Leg length in pixels (the feet must cover a tenth of it along the ground).

    Returns
    -------
    float or None
        Positive when the image content is rotated counter-clockwise (the convention of
        :mod:`gaitlab.synthetic.camera`); None when the stances do not show the ground line
        (fewer than 2 landmarks with 3 samples spread over a tenth of a leg length).
    """
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    usable = strides[strides[C.USABLE]] if len(strides) else strides
    for side in SIDES:
        rows = usable[usable[C.SIDE] == side]
        for part, (a, b) in REST_WINDOWS.items():
            xy = tracks.image_xy_px[:, side_index(side, part)]
            take = np.zeros(tracks.n_frames, dtype=bool)
            for fs, to in zip(rows[C.FOOT_STRIKE_S], rows[C.TOE_OFF_S], strict=True):
                c = to - fs
                take |= (tracks.time_s >= fs + a * c) & (tracks.time_s <= fs + b * c)
            take &= np.isfinite(xy).all(axis=1)
            if take.sum() >= 3 and np.ptp(xy[take, 0]) >= 0.1 * leg_px:
                groups.append((xy[take, 0], xy[take, 1]))
    if len(groups) < 2:
        return None
    slope = _pooled_slope(groups)
    resid = np.concatenate([y - np.mean(y) - slope * (x - np.mean(x)) for x, y in groups])
    spread = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
    if spread > 0:
        kept = []
        for x, y in groups:
            r = y - np.mean(y) - slope * (x - np.mean(x))
            ok = np.abs(r) <= 3 * spread
            if ok.sum() >= 3:
                kept.append((x[ok], y[ok]))
        if len(kept) >= 2:
            slope = _pooled_slope(kept)
    # image y points down: a counter-clockwise roll r gives the ground a slope of -tan(r)
    return float(-math.degrees(math.atan(slope)))


def _pooled_slope(groups: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Least-squares slope shared by groups of (x, y) samples, each with its own intercept."""
    sxy = sum(float(np.sum((x - x.mean()) * (y - y.mean()))) for x, y in groups)
    sxx = sum(float(np.sum((x - x.mean()) ** 2)) for x, _ in groups)
    return sxy / sxx if sxx > 0 else 0.0


def near_side(tracks: PoseTracks) -> Side | None:
    """The leg nearer the camera in a side view, or None when the cues disagree or are flat.

    Two cues: MediaPipe's world depth (``z``, smaller = nearer) of the hip, knee and ankle, and
    its visibility of the knee, ankle, heel and toe (the far leg is hidden part of the time; on
    ``male_side.mp4`` the far knee scores 0.56 against 0.96). Each cue votes when it differs
    between the sides by more than 2 cm or 0.05; the near side needs at least one vote and no
    vote against.
    """
    votes = []
    depth = {
        s: np.nanmedian(
            tracks.world_xyz_m[:, [side_index(s, p) for p in ("hip", "knee", "ankle")], 2]
        )
        if np.isfinite(tracks.world_xyz_m[..., 2]).any()
        else np.nan
        for s in SIDES
    }
    if np.isfinite(depth["left"]) and np.isfinite(depth["right"]):
        if abs(depth["left"] - depth["right"]) > 0.02:
            votes.append("left" if depth["left"] < depth["right"] else "right")
    parts = ("knee", "ankle", "heel", "foot_index")
    vis = {
        s: np.nanmean(tracks.visibility[:, [side_index(s, p) for p in parts]])
        if np.isfinite(tracks.visibility).any()
        else np.nan
        for s in SIDES
    }
    if np.isfinite(vis["left"]) and np.isfinite(vis["right"]):
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
    knee_curve = knee_flexion_deg(
        stance[:, idx("hip")], stance[:, idx("knee")], stance[:, idx("ankle")]
    )
    out["knee_flexion_peak_stance_deg"] = _peak(knee_curve)
    thigh = segment_angle_deg(stance[:, idx("hip")], stance[:, idx("knee")])
    late = times >= fs + LATE_STANCE_FROM * contact
    out["hip_extension_deg"] = _peak(np.where(late, thigh, np.nan))

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
    min_per_side: int = MIN_STEPS_PER_SIDE,
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
        Leg length in pixels (:func:`gaitlab.metrics.common.leg_length_px`).
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
        Level the ground line (:func:`camera_roll_deg`) before measuring.
    min_per_side
        Fewest usable strides per side (per leg used) for a value.

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
    roll = camera_roll_deg(tracks, strides, leg_px=leg_px) if correct_roll else None
    table = stride_sagittal_table(
        tracks, strides, facing=facing, leg_px=leg_px, roll_deg=roll or 0.0
    )
    near_leg = near_side(tracks) if near == "auto" else near
    n_usable = {s: int((table[C.SIDE] == s).sum()) for s in SIDES}
    shortfall = (
        f"too few usable strides: {n_usable['left']} left and {n_usable['right']} right "
        f"(of {len(strides)} found); at least {min_per_side} per side are needed"
    )
    sides = table[C.SIDE].to_numpy(dtype=object)
    landing = np.where(sides == "left", "right", "left")
    units = {
        "foot_strike_ahead_leg": "leg length",
        "toe_off_behind_leg": "leg length",
        "stance_behind_hips_pct": "% of stance",
        "shank_angle_strike_deg": "deg",
        "knee_flexion_strike_deg": "deg",
        "knee_flexion_peak_stance_deg": "deg",
        "hip_extension_deg": "deg",
        "foot_angle_strike_deg": "deg",
        "step_length_leg": "leg length",
        "contact_length_leg": "leg length",
    }
    metrics: dict[str, Metric] = {}
    for name, unit in units.items():
        values = table[name].to_numpy(float)
        owner = landing if name == "step_length_leg" else sides
        if name in NEAR_LEG_METRICS:
            metrics[name] = _near_leg_metric(
                name, unit, values, owner, near_leg, min_per_side, shortfall, clip
            )
        else:
            s = summarise_sides(values, owner, min_per_side=min_per_side)
            metrics[name] = _metric(name, unit, s, shortfall, clip, ACCURACY[name])
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
    metrics["hip_extension_pelvis_deg"] = Metric(
        name="hip_extension_pelvis_deg",
        value=None,
        unit="deg",
        view_needed="side",
        accuracy=ACCURACY["hip_extension_pelvis_deg"],
        estimate=True,
        clip=clip,
        reason="needs the pelvis's tilt, which this video does not show (see "
        "anterior_pelvic_tilt_deg); hip_extension_deg is the thigh against vertical",
    )
    metrics["anterior_pelvic_tilt_deg"] = Metric(
        name="anterior_pelvic_tilt_deg",
        value=None,
        unit="deg",
        view_needed="side",
        accuracy=ACCURACY["anterior_pelvic_tilt_deg"],
        estimate=True,
        clip=clip,
        reason=f"not measurable from this video: {TILT_EVIDENCE}",
    )
    metrics["camera_roll_deg"] = Metric(
        name="camera_roll_deg",
        value=roll,
        unit="deg",
        view_needed="side",
        n_strides=len(table) if roll is not None else 0,
        accuracy=ACCURACY["camera_roll_deg"],
        clip=clip,
        reason=None
        if roll is not None
        else (
            "roll correction switched off"
            if not correct_roll
            else "the stance feet do not show the ground line; angles are against the image "
            "vertical"
        ),
    )
    return metrics


def _facing_sign(facing: str) -> float:
    if facing not in ("left", "right"):
        raise ValueError(
            "Invalid value for the 'facing' parameter. Allowed values are 'left' and 'right', "
            f"but got {facing!r} instead."
        )
    return -1.0 if facing == "left" else 1.0


def _metric(
    name: str,
    unit: str,
    s: SideSummary,
    shortfall: str,
    clip: str | None,
    accuracy: str,
    reason: str | None = None,
) -> Metric:
    return Metric(
        name=name,
        value=s.value,
        unit=unit,
        view_needed="side",
        n_strides=s.n,
        left=s.left,
        right=s.right,
        asymmetry_pct=s.asymmetry_pct,
        sd=s.sd,
        accuracy=accuracy,
        clip=clip,
        reason=reason if s.value is not None else shortfall,
    )


def _near_leg_metric(
    name: str,
    unit: str,
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
        return _metric(
            name, unit, s, shortfall, clip, ACCURACY[name],
            reason="the leg nearer the camera could not be told; both legs pooled (the far "
            "leg's landmarks are less reliable)",
        )  # fmt: skip
    own = values[(sides == near_leg) & np.isfinite(values)]
    per_side = {}
    for side in SIDES:
        v = values[(sides == side) & np.isfinite(values)]
        per_side[side] = float(np.mean(v)) if v.size >= min_per_side else None
    enough = own.size >= min_per_side
    far = "right" if near_leg == "left" else "left"
    return Metric(
        name=name,
        value=float(np.mean(own)) if enough else None,
        unit=unit,
        view_needed="side",
        n_strides=int(own.size) if enough else 0,
        left=per_side["left"],
        right=per_side["right"],
        asymmetry_pct=asymmetry_pct(per_side["left"], per_side["right"]),
        sd=float(np.std(own, ddof=1)) if enough and own.size > 1 else None,
        accuracy=ACCURACY[name],
        clip=clip,
        reason=(
            f"{near_leg} leg (nearer the camera) only; the {far} leg is partly hidden, its "
            "value is less reliable"
        )
        if enough
        else f"too few usable strides of the {near_leg} leg (nearer the camera): "
        f"{own.size}, at least {min_per_side} needed",
    )


def _trunk(table: pd.DataFrame, min_per_side: int, shortfall: str, clip: str | None) -> Metric:
    """Trunk forward lean: one value per stride, both sides pooled, no per-side values."""
    s = summarise_sides(
        table["trunk_forward_lean_deg"].to_numpy(float),
        table[C.SIDE].to_numpy(dtype=object),
        min_per_side=min_per_side,
    )
    return dataclasses.replace(
        _metric("trunk_forward_lean_deg", "deg", s, shortfall, clip, ACCURACY["trunk_forward_lean_deg"]),
        left=None,
        right=None,
        asymmetry_pct=None,
    )


def _pattern(angle: Metric, table: pd.DataFrame, near_leg: Side | None) -> Metric:
    """Share of strikes (of the legs the foot angle uses) with the commonest pattern."""
    base = Metric(
        name="foot_strike_pattern",
        value=None,
        unit="% of strikes",
        view_needed="side",
        accuracy=ACCURACY["foot_strike_pattern"],
        clip=angle.clip,
        reason=angle.reason,
    )
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
        return _metric(
            "step_length_m", "m", s, shortfall, clip, ACCURACY["step_length_m_belt"],
            reason=f"belt speed {belt_speed_m_s:g} m/s x step time",
        )  # fmt: skip
    if height_m is not None and height_m > 0:
        leg_m = height_m / HEIGHT_PER_LEG_LENGTH

        def scale(x: float | None) -> float | None:
            return None if x is None else x * leg_m

        return dataclasses.replace(
            step_leg,
            name="step_length_m",
            unit="m",
            value=scale(step_leg.value),
            left=scale(step_leg.left),
            right=scale(step_leg.right),
            sd=scale(step_leg.sd),
            accuracy=ACCURACY["step_length_m"],
            estimate=True,
            reason=step_leg.reason
            if step_leg.value is None
            else f"step_length_leg x leg length {leg_m:.3f} m (0.491 x height {height_m:g} m)",
        )
    return Metric(
        name="step_length_m",
        value=None,
        unit="m",
        view_needed="side",
        clip=clip,
        reason="needs the treadmill belt speed or the runner's height",
    )
