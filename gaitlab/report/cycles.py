"""Curves over the gait cycle: each usable stride's signal time-normalised to 0-100%.

A stride runs from one foot's strike (0%) to the same foot's next strike (100%); its signal is
sampled at :data:`N_POINTS` evenly spaced instants of the stride, interpolated linearly between
frames. A stride with a missing sample inside it gets a row of NaN (it is not drawn).

The signals reuse the angle and position definitions of the metrics
(:mod:`gaitlab.metrics.sagittal` for side views, :mod:`gaitlab.metrics.frontal` for rear and
front views), in the same frames of reference (camera roll undone as the metrics undo it), so a
curve and the number in the evidence table describe the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gaitlab.events import columns as C
from gaitlab.metrics import frontal, sagittal
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks

if TYPE_CHECKING:
    from gaitlab.result.analysis import ClipAnalysis

#: Samples per stride (0, 1, ..., 100 %).
N_POINTS: int = 101

#: The curves of a side view and of a rear/front view, in the order they are shown.
SIDE_CURVES: tuple[str, ...] = ("hip_angle", "knee_angle", "trunk_forward", "foot_forward")
FRONTAL_CURVES: tuple[str, ...] = ("pelvis_travel", "trunk_side", "foot_side")


@dataclasses.dataclass(frozen=True)
class CycleCurves:
    """One signal over the gait cycle, every usable stride of each side.

    Attributes
    ----------
    key
        The curve's name (:data:`SIDE_CURVES`, :data:`FRONTAL_CURVES`); its title and axis
        label are ``report.plot.<key>`` and ``report.plot.<key>_y`` in the words catalogue.
    clip
        The clip it comes from.
    percent
        ``(N_POINTS,)`` 0..100.
    curves
        ``side -> (n_strides, N_POINTS)``: the strides that start with that foot's strike.
    toe_off_pct
        ``side -> `` mean toe-off as % of the stride (NaN when unknown).
    """

    key: str
    clip: str
    percent: np.ndarray
    curves: Mapping[str, np.ndarray]
    toe_off_pct: Mapping[str, float]

    def n_strides(self, side: str) -> int:
        """Strides of ``side`` with a complete curve."""
        c = self.curves.get(side)
        return 0 if c is None else int(np.isfinite(c).all(axis=1).sum())

    def mean(self, side: str) -> np.ndarray:
        """``(N_POINTS,)`` mean over the complete strides of ``side`` (NaN when none)."""
        c = self.curves.get(side)
        ok = np.isfinite(c).all(axis=1) if c is not None and len(c) else np.zeros(0, bool)
        if not ok.any():
            return np.full(N_POINTS, np.nan)
        return c[ok].mean(axis=0)


# ----------------------------------------------------------------------------- normalising
def time_normalise(
    values: np.ndarray, time_s: np.ndarray, start_s: float, end_s: float, n_points: int = N_POINTS
) -> np.ndarray:
    """``values`` over ``[start_s, end_s]`` resampled at ``n_points`` evenly spaced instants.

    Parameters
    ----------
    values
        ``(T,)`` signal, NaN where missing.
    time_s
        ``(T,)`` frame times, increasing.
    start_s, end_s
        The stride's start and end (sub-frame times).
    n_points
        Samples returned.

    Returns
    -------
    numpy.ndarray
        ``(n_points,)``; all NaN when a frame the stride needs (the ones around and between its
        ends) is missing or the stride lies outside the clip.
    """
    out = np.full(n_points, np.nan)
    if not (np.isfinite(start_s) and np.isfinite(end_s)) or end_s <= start_s:
        return out
    first = int(np.searchsorted(time_s, start_s, side="right")) - 1
    last = int(np.searchsorted(time_s, end_s, side="left"))
    if first < 0 or last >= time_s.size:
        return out
    t = time_s[first : last + 1]
    y = values[first : last + 1]
    if not np.isfinite(y).all():
        return out
    return np.interp(np.linspace(start_s, end_s, n_points), t, y)


def stride_curves(
    signal: Callable[[str], np.ndarray], time_s: np.ndarray, strides: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Time-normalised curves of every stride, by the side whose strike starts it.

    Parameters
    ----------
    signal
        ``signal(side)`` is the ``(T,)`` series to draw for a stride of that side.
    time_s
        ``(T,)`` frame times.
    strides
        Stride rows (usable ones).
    """
    out = {}
    for side in SIDES:
        rows = strides[strides[C.SIDE] == side]
        series = signal(side)
        curves = [
            time_normalise(series, time_s, float(a), float(b))
            for a, b in zip(rows[C.START_S], rows[C.END_S], strict=True)
        ]
        out[side] = np.array(curves).reshape(len(curves), N_POINTS)
    return out


def toe_off_pct(strides: pd.DataFrame) -> dict[str, float]:
    """Mean toe-off per side, as % of the stride (NaN when no stride has one)."""
    pct = (strides[C.TOE_OFF_S] - strides[C.START_S]) / (strides[C.END_S] - strides[C.START_S])
    out = {}
    for side in SIDES:
        v = pct[strides[C.SIDE] == side].to_numpy(float) * 100.0
        v = v[np.isfinite(v)]
        out[side] = float(v.mean()) if v.size else float("nan")
    return out


def usable_strides(strides: pd.DataFrame) -> pd.DataFrame:
    """The usable rows of a stride table (an empty table stays empty)."""
    if not len(strides):
        return strides
    return strides[strides[C.USABLE].astype(bool)]


# ----------------------------------------------------------------------------- signals
def side_signals(
    tracks: PoseTracks, strides: pd.DataFrame, *, facing: sagittal.Facing
) -> dict[str, Callable[[str], np.ndarray]]:
    """Side-view series, by curve key, in the metrics' running frame.

    ``hip_angle``: thigh (hip to knee) from vertical, + = knee behind the hip
    (:func:`gaitlab.metrics.sagittal.segment_angle_deg`); ``knee_angle``:
    :func:`gaitlab.metrics.sagittal.knee_flexion_deg`; ``trunk_forward``: hips to shoulder
    midpoint from vertical, + = forward; ``foot_forward``: heel ahead of the hip midpoint, in
    leg lengths.
    """
    pts = side_running_frame(tracks, strides, facing=facing)
    hips = frontal.midpoint(pts, "hip")
    shoulders = frontal.midpoint(pts, "shoulder")
    leg_px = leg_length_px(tracks)

    def part(side: str, name: str) -> np.ndarray:
        return pts[:, side_index(side, name)]

    trunk = sagittal.segment_angle_deg(shoulders, hips)
    return {
        "hip_angle": lambda s: sagittal.segment_angle_deg(part(s, "hip"), part(s, "knee")),
        "knee_angle": lambda s: sagittal.knee_flexion_deg(
            part(s, "hip"), part(s, "knee"), part(s, "ankle")
        ),
        "trunk_forward": lambda s: trunk,
        "foot_forward": lambda s: (part(s, "heel")[:, 0] - hips[:, 0]) / leg_px,
    }


def side_running_frame(
    tracks: PoseTracks, strides: pd.DataFrame, *, facing: sagittal.Facing
) -> np.ndarray:
    """``(T, 33, 2)`` positions in the running frame with the camera roll undone as
    :func:`gaitlab.metrics.sagittal.sagittal_metrics` undoes it."""
    return sagittal.running_frame(
        tracks, facing=facing, roll_deg=side_roll_turn_deg(tracks, strides)
    )


def side_roll_turn_deg(tracks: PoseTracks, strides: pd.DataFrame) -> float:
    """The roll the side-view metrics undo (the excess over the dead zone), degrees."""
    if not len(usable_strides(strides)):
        return 0.0
    return sagittal.roll_correction_deg(sagittal.stride_camera_roll_deg(tracks, strides))


def frontal_signals(
    tracks: PoseTracks, strides: pd.DataFrame, *, view: frontal.FrontalView
) -> dict[str, Callable[[str], np.ndarray]]:
    """Rear/front-view series, by curve key, in the runner's frontal plane (roll undone).

    ``pelvis_travel``: hip midpoint toward the runner's left, % of the pelvis width (low-passed
    as :func:`gaitlab.metrics.frontal.frontal_metrics` does; each stride is detrended and
    centred when drawn, see :func:`frontal_cycle_curves`); ``trunk_side``:
    :func:`gaitlab.metrics.frontal.trunk_lateral_deg`; ``foot_side``: the foot
    (:func:`gaitlab.metrics.frontal.foot_lateral_px`) from the hip midpoint, leg lengths.
    """
    ok = usable_strides(strides)
    roll = frontal.camera_roll_deg(tracks, ok)
    stride_hz = 1.0 / float(np.median(ok[C.STRIDE_TIME_S])) if len(ok) else float("nan")
    slow = frontal.lowpass_below_nyquist(tracks, frontal.DRIFT_CUTOFF_STRIDE_MULTIPLE * stride_hz)
    smooth = frontal.lowpass_below_nyquist(tracks, frontal.ANGLE_CUTOFF_STRIDE_MULTIPLE * stride_hz)
    slow_plane = frontal.runner_plane_px(slow, view, roll)
    plane = frontal.runner_plane_px(smooth, view, roll)
    width_px = frontal.pelvis_width_px(frontal.runner_plane_px(tracks, view, roll))
    leg_px = leg_length_px(tracks)
    pelvis = frontal.midpoint(slow_plane, "hip")[:, 0] * 100.0 / width_px
    trunk = frontal.trunk_lateral_deg(plane)
    hips = frontal.midpoint(plane, "hip")[:, 0]
    return {
        "pelvis_travel": lambda s: pelvis,
        "trunk_side": lambda s: trunk,
        "foot_side": lambda s: (frontal.foot_lateral_px(plane, s) - hips) / leg_px,
    }


def _detrend_rows(curves: np.ndarray) -> np.ndarray:
    """Each row minus the line joining its ends, then minus its mean (as the drift metric)."""
    if not len(curves):
        return curves
    ramp = np.linspace(0.0, 1.0, curves.shape[1])
    line = curves[:, :1] + (curves[:, -1:] - curves[:, :1]) * ramp
    out = curves - line
    return out - out.mean(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- per clip
def cycle_curves(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    *,
    view: str,
    facing: str | None,
    clip: str,
) -> list[CycleCurves]:
    """Every curve a clip's view supports (none for an unsuitable view or no usable stride).

    Parameters
    ----------
    tracks
        Cleaned landmark tracks.
    strides
        The clip's stride table; usable strides are drawn.
    view
        ``"side"``, ``"rear"``, ``"front"`` or ``"unsuitable"``.
    facing
        Running direction in a side view.
    clip
        The clip's name.
    """
    ok = usable_strides(strides)
    if not len(ok):
        return []
    if view == "side" and facing in ("left", "right"):
        signals = side_signals(tracks, ok, facing=facing)  # type: ignore[arg-type]
        keys = SIDE_CURVES
    elif view in frontal.FRONTAL_VIEWS:
        signals = frontal_signals(tracks, ok, view=view)  # type: ignore[arg-type]
        keys = FRONTAL_CURVES
    else:
        return []
    toe = toe_off_pct(ok)
    percent = np.linspace(0.0, 100.0, N_POINTS)
    out = []
    for key in keys:
        curves = stride_curves(signals[key], tracks.time_s, ok)
        if key == "pelvis_travel":
            curves = {side: _detrend_rows(c) for side, c in curves.items()}
        out.append(CycleCurves(key=key, clip=clip, percent=percent, curves=curves, toe_off_pct=toe))
    return out


def pelvis_curves(clip: ClipAnalysis) -> list[CycleCurves]:
    """Pelvic drop (rear/front) or anterior pelvic tilt (side) over the gait cycle, from the
    clip's pelvis stickers (none without them).

    Drop: the obliquity signed so that a drop of the swing side is positive during the stance
    that starts each stride (so both sides' curves rise in their own stance), zero = standing
    (or the stride mean when the clip has no standing phase). Tilt: the anterior tilt minus the
    standing tilt when known, else the tilt itself.
    """
    p = clip.pelvis
    ok = usable_strides(clip.strides)
    if p is None or not len(ok):
        return []
    if p.layout in ("rear", "front") and not p.drops.empty:
        ob = p.obliquity_signal_deg
        signals = {"left": -ob, "right": ob}
        key = "pelvic_drop"
    elif p.layout == "side" and not p.tilts.empty:
        tilt = p.tilt_signal_deg - (p.standing_deg if np.isfinite(p.standing_deg) else 0.0)
        signals = {"left": tilt, "right": tilt}
        key = "pelvic_tilt_change" if np.isfinite(p.standing_deg) else "pelvic_tilt"
    else:
        return []
    curves = stride_curves(lambda side: signals[side], clip.tracks.time_s, ok)
    percent = np.linspace(0.0, 100.0, N_POINTS)
    return [
        CycleCurves(
            key=key, clip=clip.name, percent=percent, curves=curves, toe_off_pct=toe_off_pct(ok)
        )
    ]
