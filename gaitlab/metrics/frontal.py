"""Rear- and front-view metrics: pelvis drift, trunk lean, knee projection angle, step width.

Every metric is expressed in the *runner's* terms (left/right of the runner, lean toward the
stance side), so a rear view and a front view of the same run give the same numbers. In a rear
view the runner's left appears on image-left; in a front view on image-right.

Frame of reference
------------------
A camera tilted about its optical axis (roll) tilts every line in the picture. The roll is
estimated from the body's own horizontals: averaged over whole strides, the line between the
hip landmarks and the line between the shoulder landmarks of a runner are level (their swing
from side to side cancels over a stride). The image is turned back by that angle before
anything is measured, and the estimate is reported (``camera_roll_deg``). Positions are then
measured in the runner's frontal plane (:func:`runner_plane_px`): along the level image axis
toward the runner's left, and upward.

Metrics (names carry their units)
---------------------------------
``lateral_drift_pct`` / ``lateral_drift_cm``
    Side-to-side travel (peak to peak) of the hip-landmark midpoint in each stride, as % of the
    pelvis width (the median distance between the hip landmarks) and, when the runner's height
    is given, in cm. The lateral signal is low-passed at :data:`DRIFT_CUTOFF_STRIDE_MULTIPLE`
    times the stride frequency (zero lag) and each stride is detrended, so jitter and slow
    wandering on the belt do not count as drift. ``left``/``right``: excursion toward each side
    from the stride's mean position (they add up to the value).
    From MediaPipe's VIDEO-mode tracks the travel its smoothing removes is added back
    (:data:`VIDEO_DRIFT_LOSS_PELVIS_WIDTHS`).
``drift_peak_stance_pct``
    When the pelvis is furthest toward the stance foot, in % of that foot's contact time
    (0 = foot strike, 100 = toe-off; above 100 = after toe-off, in flight). Not reported from
    MediaPipe's VIDEO-mode tracks: their smoothing delays the sway by 9-51% of a stance.
``trunk_lean_deg``
    Peak lateral lean of the trunk (hip midpoint to shoulder midpoint, against the vertical)
    toward the stance side during each stance. ``left``/``right`` by stance side. The headline
    value is the mean of the two sides, in which any constant tilt (camera roll, a runner who
    leans to one side throughout) cancels exactly: it is the half-difference between
    left-stance and right-stance lean.
``camera_roll_deg``
    The roll estimate used (positive = picture turned counter-clockwise). A few degrees are
    common with a hand-held phone; above :data:`ROLL_WARN_DEG` the metric's ``reason`` says so.
``pelvic_drop_deg``
    Not measured: the line between MediaPipe's hip landmarks does not follow the pelvis on
    rendered bodies (it moved opposite to the true drop; ``benchmarks/render``), and no pixel
    method recovered a known drop. Always None, with the reason.
``hip_line_tilt_deg``
    Peak tilt of the hip-landmark line toward the swing side during stance: what a naive "2D
    pelvic drop" would report. Kept for synthetic validation only; it must not feed a finding.
``knee_frontal_projection_deg``
    Knee frontal plane projection angle: ``180 - angle(hip, knee, ankle)`` in the picture,
    positive when the knee lies medial to the hip-ankle line (valgus), peak in stance. Low
    validity in running: 2D valgus did not track 3D knee abduction.
``step_width_leg`` / ``crossover_steps_pct``
    Lateral distance between the two feet at successive contacts (each foot's mean position
    over its contact), in leg lengths, positive when each foot lands on its own side; negative
    means the feet cross the midline (crossover). ``crossover_steps_pct`` is the share of steps
    with a negative width.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.metrics import registry
from gaitlab.metrics.common import (
    SideSummary,
    asymmetry_pct,
    from_summary,
    shortfall_reason,
    summarise_sides,
)
from gaitlab.metrics.registry import make_metric
from gaitlab.pose.body import px_per_m_from_height
from gaitlab.pose.landmarks import INDEX, SIDES, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.filters import MAX_CUTOFF_NYQUIST_SHARE, lowpass
from gaitlab.words import say

FrontalView = Literal["rear", "front"]
PoseSmoothing = Literal["mediapipe_video", "none"]
FRONTAL_VIEWS: tuple[str, ...] = ("rear", "front")
VIEW_NEEDED = "rear/front"

#: Low-pass cut-off of the lateral pelvis signal, as a multiple of the stride frequency
#: (about 5.7 Hz at 170 steps/min): the drift is a once-per-stride sway.
DRIFT_CUTOFF_STRIDE_MULTIPLE: float = 4.0
#: Low-pass cut-off of the frontal angles (trunk, hip line, knee), as a multiple of the stride
#: frequency (about 8.5 Hz at 170 steps/min); skipped above 0.7 times the Nyquist frequency.
ANGLE_CUTOFF_STRIDE_MULTIPLE: float = 6.0
#: Butterworth order of those two low-passes (zero-lag, so twice this in effect); fixed, apart
#: from the ``[signals] filter_order`` of the cleaning, whose cut-off these do not share.
SIGNAL_FILTER_ORDER: int = 2
#: Travel that MediaPipe's VIDEO-mode smoothing removes from the hip midpoint's side-to-side
#: sway, per stride, as a share of the pelvis width (hip-landmark distance); added back when
#: ``pose_smoothing="mediapipe_video"``. MediaPipe smooths each landmark coordinate with a
#: One-Euro filter whose cut-off falls as the landmark slows down, so it lags and shaves the
#: turning points of a slow sway: on 16 rendered runners the hip-landmark midpoint read
#: 0.53-0.95 of the true travel in VIDEO mode, 0.81-1.17 in IMAGE mode (no smoothing), and
#: the sway's peak came 9-51% of a stance late in VIDEO mode only. The loss is a near-constant
#: length, not a fraction (a fit ``true = a * measured + b * width`` gave ``a = 0.99``); 0.065
#: is its mean over 8 rendered clips; on 8 held-out renders (other bodies, clothes, cameras,
#: cadences) the corrected travel read 0.94-1.17 of the truth
#: (benchmarks/render/RESULTS_frontal.md).
VIDEO_DRIFT_LOSS_PELVIS_WIDTHS: float = 0.065
#: Camera roll (degrees) above which the metrics say the camera looks tilted.
ROLL_WARN_DEG: float = 3.0
#: Foot landmarks averaged into a foot's lateral position.
FOOT_PARTS: tuple[str, ...] = ("ankle", "heel", "foot_index")


# --------------------------------------------------------------------------- geometry


def camera_roll_deg(tracks: PoseTracks, strides: pd.DataFrame | None = None) -> float:
    """Camera roll from the body's horizontals (hip and shoulder lines), degrees.

    Each line's angle in the picture (positive = turned counter-clockwise) is averaged over
    every usable stride (whole cycles, so the lines' swing from side to side cancels); the
    roll is the median over strides of the mean of the two lines. Without usable strides,
    the median over all frames.

    Parameters
    ----------
    tracks
        Landmark tracks of a rear or front view.
    strides
        Stride table (:func:`gaitlab.events.strides.stride_table`) or None.

    Returns
    -------
    float
        Roll in degrees, NaN when neither line is seen.
    """
    angles = []
    for part in ("hip", "shoulder"):
        a = tracks.xy(f"left_{part}")
        b = tracks.xy(f"right_{part}")
        lo = np.where((a[:, 0] <= b[:, 0])[:, None], a, b)  # image-left end
        hi = np.where((a[:, 0] <= b[:, 0])[:, None], b, a)
        d = hi - lo
        angles.append(np.degrees(np.arctan2(-d[:, 1], d[:, 0])))
    both = np.stack(angles)
    seen = np.isfinite(both).sum(axis=0)
    line = np.where(seen > 0, np.nansum(both, axis=0) / np.maximum(seen, 1), np.nan)
    per_stride = [
        float(np.nanmean(line[idx]))
        for idx in _stride_frames(tracks.time_s, _usable(strides))
        if np.isfinite(line[idx]).sum() >= 3
    ]
    if per_stride:
        return float(np.median(per_stride))
    finite = line[np.isfinite(line)]
    return float(np.median(finite)) if finite.size else float("nan")


def runner_plane_px(tracks: PoseTracks, view: FrontalView, roll_deg: float) -> np.ndarray:
    """``(T, 33, 2)`` landmarks in the runner's frontal plane: (toward the runner's left, up), px.

    The picture is first turned back by ``roll_deg`` (about its centre), so that the body's
    horizontals are level; a rear view then has the runner's left toward image-left and a front
    view toward image-right.

    Parameters
    ----------
    tracks
        Landmark tracks.
    view
        ``"rear"`` or ``"front"``.
    roll_deg
        Camera roll to undo (:func:`camera_roll_deg`); NaN or 0 leaves the picture as it is.
    """
    _check_view(view)
    centre = np.array([tracks.width_px / 2.0, tracks.height_px / 2.0])
    d = tracks.image_xy_px - centre
    r = math.radians(roll_deg) if np.isfinite(roll_deg) else 0.0
    # undo a counter-clockwise turn of r (y down): rotate clockwise on screen by r
    c, s = math.cos(r), math.sin(r)
    x = c * d[..., 0] - s * d[..., 1]
    y = s * d[..., 0] + c * d[..., 1]
    lateral = -x if view == "rear" else x
    return np.stack([lateral, -y], axis=-1)


def pelvis_width_px(plane: np.ndarray) -> float:
    """Median distance between the two hip landmarks (pixels), NaN when never seen."""
    d = np.linalg.norm(plane[:, INDEX["left_hip"]] - plane[:, INDEX["right_hip"]], axis=-1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def midpoint(plane: np.ndarray, part: str) -> np.ndarray:
    """``(T, 2)`` midpoint of the left and right landmarks of ``part`` (``"hip"``, ...)."""
    return 0.5 * (plane[:, side_index("left", part)] + plane[:, side_index("right", part)])


def trunk_lateral_deg(plane: np.ndarray) -> np.ndarray:
    """``(T,)`` trunk (hip midpoint to shoulder midpoint) from vertical, + = toward the left."""
    d = midpoint(plane, "shoulder") - midpoint(plane, "hip")
    return np.degrees(np.arctan2(d[:, 0], d[:, 1]))


def hip_line_tilt_series_deg(plane: np.ndarray) -> np.ndarray:
    """``(T,)`` tilt of the hip-landmark line, + = the runner's left hip higher."""
    d = plane[:, INDEX["left_hip"]] - plane[:, INDEX["right_hip"]]
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def knee_projection_series_deg(plane: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` knee frontal plane projection angle of one leg, + = valgus (knee medial).

    ``180 - angle(hip, knee, ankle)`` in the frontal plane, signed by which side of the
    hip-ankle line the knee lies on.
    """
    hip = plane[:, side_index(side, "hip")]
    knee = plane[:, side_index(side, "knee")]
    ankle = plane[:, side_index(side, "ankle")]
    thigh = knee - hip
    shank = ankle - knee
    # turn from the thigh's direction to the shank's, + = counter-clockwise in (left, up) axes;
    # a left valgus knee sends the thigh down toward the midline and the shank back out to the
    # runner's left (down-right to down-left as drawn: counter-clockwise)
    cross = thigh[:, 0] * shank[:, 1] - thigh[:, 1] * shank[:, 0]
    dot = np.sum(thigh * shank, axis=-1)
    turn = np.degrees(np.arctan2(cross, dot))
    return turn if side == "left" else -turn


def foot_lateral_px(plane: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` lateral position of a foot: mean of its ankle, heel and toe landmarks."""
    idx = [side_index(side, part) for part in FOOT_PARTS]
    return plane[:, idx, 0].mean(axis=1)


# --------------------------------------------------------------------------- per-stride values


def stride_drift_px(
    lateral_px: np.ndarray, time_s: np.ndarray, strides: pd.DataFrame
) -> pd.DataFrame:
    """Peak-to-peak lateral travel of the pelvis in each stride, and its excursions.

    Each stride's signal (from its foot strike to the next strike of the same foot) is
    detrended by the line joining its values at those two instants (interpolated between
    frames), so a slow wander across the belt does not count; its extremes are refined by a
    parabola through the neighbouring samples.

    Parameters
    ----------
    lateral_px
        ``(T,)`` lateral position of the hip midpoint (toward the runner's left), pixels.
    time_s
        ``(T,)`` frame times.
    strides
        Stride rows (usable ones).

    Returns
    -------
    pandas.DataFrame
        Columns ``side``, ``ptp_px``, ``left_px`` (excursion toward the runner's left from the
        stride's mean position), ``right_px``; NaN where a stride has missing samples.
    """
    rows = []
    for (_, row), idx in zip(strides.iterrows(), _stride_frames(time_s, strides), strict=True):
        y = lateral_px[idx]
        out = {C.SIDE: row[C.SIDE], "ptp_px": np.nan, "left_px": np.nan, "right_px": np.nan}
        ends_s = [float(row[C.START_S]), float(row[C.END_S])]
        ends = np.interp(ends_s, time_s, lateral_px)
        if idx.size >= 5 and np.isfinite(y).all() and np.isfinite(ends).all():
            y = y - np.interp(time_s[idx], ends_s, ends)
            top = _vertex(y, int(np.argmax(y)))[1]
            bottom = -_vertex(-y, int(np.argmin(y)))[1]
            centre = float(np.mean(y))
            out.update(ptp_px=top - bottom, left_px=top - centre, right_px=centre - bottom)
        rows.append(out)
    return pd.DataFrame(rows, columns=[C.SIDE, "ptp_px", "left_px", "right_px"])


def drift_peak_stance_pct(
    lateral_px: np.ndarray, time_s: np.ndarray, strides: pd.DataFrame
) -> np.ndarray:
    """When the pelvis is furthest toward the stance foot, in % of that contact, per stride.

    The extreme of the hip midpoint's lateral position toward the stance side is looked for
    from the foot strike to the other foot's strike (the contact and the flight after it) and
    refined by a parabola; NaN when it lies at either end of that window (no peak inside).
    """
    out = []
    for _, row in strides.iterrows():
        strike = float(row[C.FOOT_STRIKE_S])
        contact = float(row[C.TOE_OFF_S]) - strike
        idx = _frames_between(time_s, strike, float(row[C.OPPOSITE_FOOT_STRIKE_S]))
        sign = 1.0 if row[C.SIDE] == "left" else -1.0
        y = sign * lateral_px[idx]
        if idx.size < 3 or not np.isfinite(y).all() or not contact > 0:
            out.append(np.nan)
            continue
        k = int(np.argmax(y))
        if k == 0 or k == idx.size - 1:
            out.append(np.nan)
            continue
        offset = _vertex(y, k)[0]
        t_peak = float(np.interp(k + offset, np.arange(idx.size), time_s[idx]))
        out.append((t_peak - strike) / contact * 100.0)
    return np.asarray(out, dtype=float)


def stance_peaks(
    signal: Callable[[str], np.ndarray], time_s: np.ndarray, strides: pd.DataFrame
) -> np.ndarray:
    """Peak of a signal during each stride's contact (its foot strike to its toe-off).

    Parameters
    ----------
    signal
        ``signal(side)`` is the ``(T,)`` series to take the peak of during a contact of that
        side, already signed (e.g. a lean toward the stance side counted positive).
    time_s
        ``(T,)`` frame times.
    strides
        Stride rows (usable ones).

    Returns
    -------
    numpy.ndarray
        One value per stride row, NaN where the contact has missing samples or fewer than two
        frames; the peak is refined by a parabola through its neighbours.
    """
    out = []
    for _, row in strides.iterrows():
        idx = _frames_between(time_s, float(row[C.FOOT_STRIKE_S]), float(row[C.TOE_OFF_S]))
        y = signal(str(row[C.SIDE]))[idx]
        if idx.size < 2 or not np.isfinite(y).all():
            out.append(np.nan)
            continue
        out.append(_vertex(y, int(np.argmax(y)))[1])
    return np.asarray(out, dtype=float)


def step_widths(
    foot_left_px: np.ndarray,
    foot_right_px: np.ndarray,
    time_s: np.ndarray,
    strides: pd.DataFrame,
    *,
    max_step_s: float = 0.6,
) -> pd.DataFrame:
    """Lateral distance between the two feet at successive contacts.

    Each usable stride row gives one contact (its foot strike to its toe-off); the foot's
    position is its median lateral position over the contact. Successive contacts of opposite
    feet less than ``max_step_s`` apart form a step, whose width is left foot minus right
    foot (positive when each foot lands on its own side, negative for a crossover).

    Returns
    -------
    pandas.DataFrame
        Columns ``side`` (the landing foot of the second contact) and ``width_px``.
    """
    contacts = []
    for _, row in strides.sort_values(C.FOOT_STRIKE_S).iterrows():
        side = str(row[C.SIDE])
        idx = _frames_between(time_s, float(row[C.FOOT_STRIKE_S]), float(row[C.TOE_OFF_S]))
        x = (foot_left_px if side == "left" else foot_right_px)[idx]
        pos = float(np.median(x)) if idx.size and np.isfinite(x).all() else np.nan
        contacts.append((float(row[C.FOOT_STRIKE_S]), side, pos))
    rows = []
    for (t0, s0, p0), (t1, s1, p1) in itertools.pairwise(contacts):
        if s0 == s1 or t1 - t0 > max_step_s:
            continue
        width = (p0 - p1) if s0 == "left" else (p1 - p0)
        rows.append({C.SIDE: s1, "width_px": width})
    return pd.DataFrame(rows, columns=[C.SIDE, "width_px"])


def add_back_smoothing_loss(
    drift: pd.DataFrame,
    width_px: float,
    loss_pelvis_widths: float = VIDEO_DRIFT_LOSS_PELVIS_WIDTHS,
) -> pd.DataFrame:
    """Per-stride drift with the travel lost to MediaPipe's VIDEO smoothing added back.

    The loss (``loss_pelvis_widths`` times the pelvis width) is added to each stride's
    peak-to-peak travel, half of it to each side's excursion (the filter shaves both turning
    points alike).
    """
    loss_px = loss_pelvis_widths * width_px
    out = drift.copy()
    out["ptp_px"] = out["ptp_px"] + loss_px
    out["left_px"] = out["left_px"] + loss_px / 2
    out["right_px"] = out["right_px"] + loss_px / 2
    return out


# --------------------------------------------------------------------------- all metrics


def frontal_metrics(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    *,
    view: FrontalView,
    leg_px: float,
    height_m: float | None = None,
    clip: str | None = None,
    min_per_side: int,
    pose_smoothing: PoseSmoothing = "mediapipe_video",
) -> dict[str, Metric]:
    """Every rear/front-view metric of a clip, in the runner's terms.

    Parameters
    ----------
    tracks
        Cleaned landmark tracks of a rear or front view.
    strides
        The stride table (:func:`gaitlab.events.strides.stride_table`); only usable strides
        count.
    view
        ``"rear"`` (the runner's left on image-left) or ``"front"`` (on image-right).
    leg_px
        Leg length in pixels (:func:`gaitlab.pose.body.leg_length_px`).
    height_m
        The runner's standing height, for ``lateral_drift_cm`` (None: not reported).
    clip
        Name of the clip, recorded in every metric.
    min_per_side
        Fewest usable strides per side for a value (the analysis passes
        ``[findings] min_steps_per_side``).
    pose_smoothing
        How the landmarks were smoothed before gaitlab saw them: ``"mediapipe_video"``
        (gaitlab's pose stage: MediaPipe VIDEO mode) adds back the drift its smoothing removes
        (:data:`VIDEO_DRIFT_LOSS_PELVIS_WIDTHS`) and leaves the drift timing unreported (the
        smoothing delays it by 9-51% of a stance); ``"none"`` (unsmoothed landmarks, such as
        synthetic ones) uses the tracks as they are.

    Returns
    -------
    dict of str to Metric
        Keys ``lateral_drift_pct``, ``lateral_drift_cm``, ``drift_peak_stance_pct``,
        ``trunk_lean_deg``, ``camera_roll_deg``, ``pelvic_drop_deg`` (always None, with the
        reason), ``hip_line_tilt_deg``, ``knee_frontal_projection_deg``, ``step_width_leg``
        and ``crossover_steps_pct``.
    """
    _check_view(view)
    if pose_smoothing not in ("mediapipe_video", "none"):
        raise ValueError(
            "Invalid value for the 'pose_smoothing' parameter. Allowed values are "
            f"'mediapipe_video' and 'none', but got {pose_smoothing!r} instead."
        )
    ok = _usable(strides)
    make = _MetricMaker.for_strides(ok, n_found=len(strides), min_per_side=min_per_side, clip=clip)
    roll = camera_roll_deg(tracks, ok)
    stride_hz = 1.0 / float(np.median(ok[C.STRIDE_TIME_S])) if len(ok) else float("nan")
    slow = runner_plane_px(
        lowpass_below_nyquist(tracks, DRIFT_CUTOFF_STRIDE_MULTIPLE * stride_hz), view, roll
    )
    plane = runner_plane_px(
        lowpass_below_nyquist(tracks, ANGLE_CUTOFF_STRIDE_MULTIPLE * stride_hz), view, roll
    )
    width_px = pelvis_width_px(runner_plane_px(tracks, view, roll))
    t = tracks.time_s
    sides = ok[C.SIDE].to_numpy(dtype=object)

    metrics: dict[str, Metric] = {}
    hip_lateral = midpoint(slow, "hip")[:, 0]
    drift = stride_drift_px(hip_lateral, t, ok)
    if pose_smoothing == "mediapipe_video":
        drift = add_back_smoothing_loss(drift, width_px)
    metrics.update(_drift_metrics(drift, width_px, leg_px, height_m, make))
    timing = make.of("drift_peak_stance_pct", drift_peak_stance_pct(hip_lateral, t, ok), sides)
    if pose_smoothing == "mediapipe_video":
        timing = _withheld(timing, say("metric.reason.smoothed_timing"))
    metrics["drift_peak_stance_pct"] = timing

    lean_series = trunk_lateral_deg(plane)
    lean = stance_peaks(lambda side: _toward_stance(side) * lean_series, t, ok)
    metrics["trunk_lean_deg"] = _symmetric_metric(make.of("trunk_lean_deg", lean, sides), roll)
    metrics["camera_roll_deg"] = _roll_metric(roll, len(ok), clip)

    metrics["pelvic_drop_deg"] = make.absent(
        "pelvic_drop_deg", say("finding.hip_weakness.pelvic_drop_not_measured")
    )
    tilt_series = hip_line_tilt_series_deg(plane)
    tilt = stance_peaks(lambda side: _toward_stance(side) * tilt_series, t, ok)
    metrics["hip_line_tilt_deg"] = make.of("hip_line_tilt_deg", tilt, sides)

    knees = {side: knee_projection_series_deg(plane, side) for side in SIDES}
    fppa = stance_peaks(knees.__getitem__, t, ok)
    metrics["knee_frontal_projection_deg"] = make.of("knee_frontal_projection_deg", fppa, sides)

    steps = step_widths(foot_lateral_px(plane, "left"), foot_lateral_px(plane, "right"), t, ok)
    step_sides = steps[C.SIDE].to_numpy(dtype=object)
    width_leg = steps["width_px"].to_numpy(float) / leg_px
    crossed = np.where(np.isfinite(width_leg), (width_leg < 0) * 100.0, np.nan)
    metrics["step_width_leg"] = make.of("step_width_leg", width_leg, step_sides)
    metrics["crossover_steps_pct"] = make.of("crossover_steps_pct", crossed, step_sides)
    return metrics


# --------------------------------------------------------------------------- helpers


@dataclasses.dataclass(frozen=True)
class _MetricMaker:
    """Builds the metrics of one clip: per-side summaries, units, accuracy, shortfall reason."""

    clip: str | None
    min_per_side: int
    shortfall: str

    @classmethod
    def for_strides(
        cls, usable: pd.DataFrame, *, n_found: int, min_per_side: int, clip: str | None
    ) -> _MetricMaker:
        n = {s: int((usable[C.SIDE] == s).sum()) for s in SIDES}
        shortfall = shortfall_reason(n["left"], n["right"], n_found, min_per_side)
        return cls(clip=clip, min_per_side=min_per_side, shortfall=shortfall)

    def summary(self, values: np.ndarray, sides: np.ndarray) -> SideSummary:
        return summarise_sides(values, sides, min_per_side=self.min_per_side)

    def of(self, name: str, values: np.ndarray, sides: np.ndarray, **extra: Any) -> Metric:
        """The metric ``name`` from one value per step or stride and its side."""
        return self.from_summary(name, self.summary(values, sides), **extra)

    def from_summary(self, name: str, s: SideSummary, **extra: Any) -> Metric:
        return from_summary(name, s, clip=self.clip, shortfall=self.shortfall, **extra)

    def absent(self, name: str, reason: str) -> Metric:
        """The metric ``name`` with no value, and why."""
        return make_metric(name, value=None, clip=self.clip, reason=reason)


def _drift_metrics(
    drift: pd.DataFrame,
    width_px: float,
    leg_px: float,
    height_m: float | None,
    make: _MetricMaker,
) -> dict[str, Metric]:
    """``lateral_drift_pct`` and ``lateral_drift_cm`` from the per-stride drift table."""
    sides = drift[C.SIDE].to_numpy(dtype=object)
    scales = {"lateral_drift_pct": 100.0 / width_px}
    if height_m is not None and np.isfinite(leg_px) and leg_px > 0:
        scales["lateral_drift_cm"] = 100.0 / px_per_m_from_height(leg_px, height_m)
    out = {}
    for name, scale in scales.items():
        s = make.summary(drift["ptp_px"].to_numpy(float) * scale, sides)
        left = make.summary(drift["left_px"].to_numpy(float) * scale, sides).value
        right = make.summary(drift["right_px"].to_numpy(float) * scale, sides).value
        both = s.value is not None
        out[name] = make.from_summary(
            name,
            s,
            left=left if both else None,
            right=right if both else None,
            asymmetry_pct=asymmetry_pct(left, right) if both else None,
            estimate=name.endswith("_cm"),
        )
    if "lateral_drift_cm" not in out:
        out["lateral_drift_cm"] = make.absent(
            "lateral_drift_cm", say("metric.reason.height_not_given")
        )
    return out


def _withheld(m: Metric, reason: str) -> Metric:
    """The metric with its values removed, and why."""
    return dataclasses.replace(
        m, value=None, left=None, right=None, asymmetry_pct=None, sd=None, reason=reason
    )


def _symmetric_metric(m: Metric, roll: float) -> Metric:
    """Headline = mean of the two sides (constant tilts cancel); roll warning in ``reason``."""
    value = m.value
    if m.left is not None and m.right is not None:
        value = 0.5 * (m.left + m.right)
    reason = m.reason
    if reason is None and np.isfinite(roll) and abs(roll) > ROLL_WARN_DEG:
        reason = _roll_warning(roll)
    return dataclasses.replace(m, value=value, reason=reason)


def _roll_warning(roll: float) -> str:
    return say("finding.hip_weakness.camera_tilted", roll_deg=abs(roll))


def _roll_metric(roll: float, n_strides: int, clip: str | None) -> Metric:
    finite = bool(np.isfinite(roll))
    reason = None
    if not finite:
        reason = say("metric.reason.lines_not_seen")
    elif abs(roll) > ROLL_WARN_DEG:
        reason = _roll_warning(roll)
    return make_metric(
        "camera_roll_deg",
        value=roll if finite else None,
        view=VIEW_NEEDED,
        n_strides=n_strides,
        accuracy=registry.accuracy("camera_roll_deg", "rear_front"),
        estimate=True,
        clip=clip,
        reason=reason,
    )


def _toward_stance(side: str) -> float:
    """+1 for a left stance, -1 for a right one (a lean or drop toward that side counts +)."""
    return 1.0 if side == "left" else -1.0


def _check_view(view: str) -> None:
    if view not in FRONTAL_VIEWS:
        raise ValueError(
            f"Invalid value for the 'view' parameter. Allowed values are 'rear' and 'front', "
            f"but got {view!r} instead."
        )


def _usable(strides: pd.DataFrame | None) -> pd.DataFrame:
    if strides is None or not len(strides):
        return pd.DataFrame(columns=list(C.STRIDE_COLUMNS))
    return strides[strides[C.USABLE].astype(bool)]


def _frames_between(time_s: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Indices of the frames with ``start_s <= t <= end_s``."""
    return np.flatnonzero((time_s >= start_s) & (time_s <= end_s))


def _stride_frames(time_s: np.ndarray, strides: pd.DataFrame) -> list[np.ndarray]:
    """Frame indices of each stride (its start to its end)."""
    return [
        _frames_between(time_s, float(a), float(b))
        for a, b in zip(strides[C.START_S], strides[C.END_S], strict=True)
    ]


def lowpass_below_nyquist(tracks: PoseTracks, cutoff_hz: float) -> PoseTracks:
    """Zero-lag low-pass at ``cutoff_hz``; unchanged when it is unusable or near Nyquist."""
    if not np.isfinite(cutoff_hz) or cutoff_hz >= MAX_CUTOFF_NYQUIST_SHARE * tracks.fps / 2:
        return tracks
    return lowpass(tracks, cutoff_hz=float(cutoff_hz), order=SIGNAL_FILTER_ORDER)


def _vertex(y: np.ndarray, k: int) -> tuple[float, float]:
    """Offset (samples) and height of the parabola through samples k-1, k, k+1 at its vertex.

    ``(0, y[k])`` at the ends of ``y`` or when the three samples do not make a maximum.
    """
    if k <= 0 or k >= y.size - 1:
        return 0.0, float(y[k])
    a, b, c = y[k - 1], y[k], y[k + 1]
    denom = a - 2 * b + c
    if not denom < 0:
        return 0.0, float(b)
    offset = 0.5 * (a - c) / denom
    return float(offset), float(b - 0.25 * (a - c) * offset)
