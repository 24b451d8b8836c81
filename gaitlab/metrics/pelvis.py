"""Pelvic drop and anterior pelvic tilt from skin stickers, per stance and per stride.

The stickers' centres (:mod:`gaitlab.markers`) are low-passed (zero lag, each NaN-free run on
its own) and turned into angles (:mod:`gaitlab.markers.pelvis`); a standing reference is
subtracted (the standing-still phase at the start of the clip, or a separate standing clip:
it removes the placement offset of the stickers, the bone shape's own ASIS-PSIS angle and a
fixed camera roll at once); then:

``pelvic_drop_deg`` (rear or front view)
    Per stance: the peak (parabolic refinement) and the mean, over the contact, of the pelvic
    obliquity signed so that a drop of the swing side is positive. ``left``/``right`` by stance
    side; the value is the mean of the two sides' mean peaks.
``anterior_pelvic_tilt_deg`` (side view)
    Per stride (strike to strike of the near foot): the mean and the range (max - min) of the
    ASIS-PSIS angle. Reported: the standing value, the running mean, the change from standing
    and the range over the stride.
``hip_extension_pelvis_deg`` (side view, tilt known)
    The thigh's peak extension in late stance measured against the pelvis: the thigh angle
    minus the pelvis's anterior tilt change from standing at each instant.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import butter, sosfiltfilt

from gaitlab.config.settings import MarkerSettings
from gaitlab.events import columns as C
from gaitlab.markers.model import MarkerTrack, MarkerTracks
from gaitlab.markers.pelvis import obliquity_deg, tilt_deg
from gaitlab.markers.standing import StandingPhase
from gaitlab.metrics.common import summarise_sides
from gaitlab.metrics.registry import make_metric
from gaitlab.metrics.sagittal import HIP_EXTENSION_WINDOW, running_frame, segment_angle_deg
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.view import ViewEstimate
from gaitlab.words import say

#: Below this many frames a run of sticker centres is left unfiltered.
_MIN_RUN = 12


def lowpass_runs(values: np.ndarray, fps: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0, each NaN-free run on its own.

    Runs too short for the filter's padding, and a cut-off at or above 0.7 x Nyquist, leave
    the values as they are. NaN stays NaN (a missing sticker is never filled in).
    """
    out = np.array(values, dtype=float, copy=True)
    if not np.isfinite(cutoff_hz) or cutoff_hz >= 0.7 * fps / 2.0:
        return out
    correction = (2.0**0.5 - 1.0) ** (1.0 / (2.0 * order))
    sos = butter(
        order, min(cutoff_hz / correction, 0.99 * fps / 2), btype="low", fs=fps, output="sos"
    )
    flat = out.reshape(out.shape[0], -1)
    finite = np.isfinite(flat).all(axis=1)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start > max(_MIN_RUN, 3 * (2 * len(sos) + 1)):
            flat[start:stop] = sosfiltfilt(sos, flat[start:stop], axis=0)
    return flat.reshape(out.shape)


def smooth_markers(markers: MarkerTracks, fps: float, cutoff_hz: float) -> MarkerTracks:
    """The same tracks with every sticker's centre low-passed (:func:`lowpass_runs`)."""
    smoothed = {
        m: dataclasses.replace(t, centre_px=lowpass_runs(t.centre_px, fps, cutoff_hz))
        for m, t in markers.markers.items()
    }
    return dataclasses.replace(markers, markers=smoothed)


def _vertex(y: np.ndarray, k: int) -> float:
    """Height of the parabola through samples k-1, k, k+1 at its vertex (y[k] at the ends)."""
    if k <= 0 or k >= y.size - 1 or not np.isfinite(y[k - 1 : k + 2]).all():
        return float(y[k])
    a, b, c = y[k - 1], y[k], y[k + 1]
    denom = a - 2 * b + c
    if not denom < 0:
        return float(b)
    offset = 0.5 * (a - c) / denom
    return float(b - 0.25 * (a - c) * offset)


def _window(time_s: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.flatnonzero((time_s >= a - 1e-9) & (time_s <= b + 1e-9))


def stance_drops(
    obliquity_deg: np.ndarray,
    time_s: np.ndarray,
    contacts: pd.DataFrame,
    *,
    reference_deg: float,
    min_coverage: float,
) -> pd.DataFrame:
    """Pelvic drop toward the swing side in each stance.

    Parameters
    ----------
    obliquity_deg
        ``(T,)`` obliquity, + = the runner's right side higher
        (:func:`gaitlab.markers.pelvis.obliquity_deg`).
    time_s
        ``(T,)`` frame times.
    contacts
        Stances: rows with ``side``, ``foot_strike_s``, ``toe_off_s`` and ``usable`` (the
        stride or contact table of :mod:`gaitlab.events`).
    reference_deg
        The standing obliquity (0 when none).
    min_coverage
        Share of the stance's frames that must have both stickers.

    Returns
    -------
    pandas.DataFrame
        One row per usable stance: ``side``, ``foot_strike_s``, ``toe_off_s``, ``peak_deg``,
        ``mean_deg``, ``coverage``.
    """
    rows = []
    ob = np.asarray(obliquity_deg, dtype=float) - reference_deg
    for _, row in contacts.iterrows():
        if not bool(row.get(C.USABLE, True)):
            continue
        fs, to = float(row[C.FOOT_STRIKE_S]), float(row[C.TOE_OFF_S])
        if not (np.isfinite(fs) and np.isfinite(to) and to > fs):
            continue
        idx = _window(time_s, fs, to)
        if idx.size < 3:
            continue
        sign = 1.0 if row[C.SIDE] == "right" else -1.0
        drop = sign * ob[idx]
        coverage = float(np.isfinite(drop).mean())
        if coverage < min_coverage:
            continue
        k = int(np.nanargmax(drop))
        rows.append(
            {
                "side": str(row[C.SIDE]),
                "foot_strike_s": fs,
                "toe_off_s": to,
                "peak_deg": _vertex(drop, k),
                "mean_deg": float(np.nanmean(drop)),
                "coverage": coverage,
            }
        )
    return pd.DataFrame(
        rows, columns=["side", "foot_strike_s", "toe_off_s", "peak_deg", "mean_deg", "coverage"]
    )


def stride_tilts(
    tilt_deg: np.ndarray,
    time_s: np.ndarray,
    strides: pd.DataFrame,
    *,
    side: str | None,
    min_coverage: float,
) -> pd.DataFrame:
    """Anterior tilt over each stride of one foot: mean, min, max and range.

    Parameters
    ----------
    tilt_deg
        ``(T,)`` anterior tilt (:func:`gaitlab.markers.pelvis.tilt_deg`), with or without the
        standing value subtracted.
    strides
        The stride table (rows with ``side``, ``start_s``, ``end_s``, ``usable``).
    side
        Strides of this foot only (the near foot), or None for both.
    min_coverage
        Share of the stride's frames that must have both stickers.
    """
    rows = []
    tilt = np.asarray(tilt_deg, dtype=float)
    for _, row in strides.iterrows():
        if not bool(row.get(C.USABLE, True)) or (side is not None and row[C.SIDE] != side):
            continue
        a, b = float(row[C.START_S]), float(row[C.END_S])
        idx = _window(time_s, a, b)
        if idx.size < 4:
            continue
        v = tilt[idx]
        coverage = float(np.isfinite(v).mean())
        if coverage < min_coverage:
            continue
        rows.append(
            {
                "side": str(row[C.SIDE]),
                "start_s": a,
                "end_s": b,
                "mean_deg": float(np.nanmean(v)),
                "min_deg": float(np.nanmin(v)),
                "max_deg": float(np.nanmax(v)),
                "range_deg": float(np.nanmax(v) - np.nanmin(v)),
                "coverage": coverage,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "side",
            "start_s",
            "end_s",
            "mean_deg",
            "min_deg",
            "max_deg",
            "range_deg",
            "coverage",
        ],
    )


def standing_value(values: np.ndarray, frames: slice | np.ndarray | None) -> float:
    """Median of a signal over the standing frames; NaN when fewer than 5 of them are known."""
    if frames is None:
        return float("nan")
    v = np.asarray(values, dtype=float)[frames]
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size >= 5 else float("nan")


def thigh_pelvis_peaks(
    thigh_deg: np.ndarray,
    tilt_change_deg: np.ndarray,
    time_s: np.ndarray,
    strides: pd.DataFrame,
    *,
    side: str,
    window: tuple[float, float],
    min_coverage: float,
) -> list[float]:
    """Peak hip extension against the pelvis in late stance of each stride of ``side``.

    ``thigh_deg`` is the thigh's angle behind vertical (+ = extension); the hip against the
    pelvis is that minus the pelvis's anterior tilt change from standing (tilting forward flexes
    the hip). ``window`` is the late-stance window as shares of the contact time from the foot
    strike (start, end past the toe-off), as for ``hip_extension_deg``.
    """
    rel = np.asarray(thigh_deg, float) - np.asarray(tilt_change_deg, float)
    out = []
    for _, row in strides.iterrows():
        if not bool(row.get(C.USABLE, True)) or row[C.SIDE] != side:
            continue
        fs, to = float(row[C.FOOT_STRIKE_S]), float(row[C.TOE_OFF_S])
        contact = to - fs
        idx = _window(time_s, fs + window[0] * contact, to + window[1] * contact)
        if idx.size < 2:
            continue
        v = rel[idx]
        if np.isfinite(v).mean() < min_coverage:
            continue
        k = int(np.nanargmax(v))
        out.append(_vertex(v, k))
    return out


def side_means(values: pd.DataFrame, column: str) -> dict[str, float]:
    """Mean of a per-stance column for each side present."""
    return {
        side: float(values.loc[values["side"] == side, column].mean())
        for side in ("left", "right")
        if (values["side"] == side).any()
    }


def track_for(markers: MarkerTracks, names: Sequence[str]) -> list[MarkerTrack]:
    """The tracks of the named stickers that were found."""
    return [t for n in names if (t := markers.get(n)) is not None]


def degrees_per_px(separation_px: float) -> float:
    """How many degrees a 1 px error across a line this long turns it (small angles)."""
    return math.degrees(1.0 / separation_px) if separation_px > 0 else float("nan")


@dataclasses.dataclass(frozen=True)
class PelvisMeasures:
    """What the stickers gave for one clip, before it becomes metrics.

    Attributes
    ----------
    layout
        ``rear``, ``front``, ``side`` or ``none`` (:class:`~gaitlab.markers.model.MarkerTracks`).
    reference
        Where the zero came from: ``standing`` (a standing-still phase or clip), ``stride_mean``
        (no standing phase: the mean over whole strides, which removes the stickers' placement
        offset and the camera roll but also any constant lean of the pelvis) or ``none``.
    standing_deg
        The standing obliquity (rear/front, raw picture angle in the runner's terms) or the
        standing anterior tilt (side, roll and camera angle corrected); NaN when unknown.
    drops
        Rear/front: one row per stance (:func:`stance_drops`), relative to the reference.
    tilts
        Side: one row per near-foot stride (:func:`stride_tilts`), absolute tilt.
    tilt_signal_deg
        Side: ``(T,)`` anterior tilt (absolute), for the report's curves.
    obliquity_signal_deg
        Rear/front: ``(T,)`` obliquity relative to the reference, for the report's curves.
    behind_deg
        The camera's angle from a square side view used to correct the tilt.
    hip_extension_peaks
        Side: peak hip extension against the pelvis per near-foot stride.
    """

    layout: str
    reference: str
    standing_deg: float
    drops: pd.DataFrame
    tilts: pd.DataFrame
    tilt_signal_deg: np.ndarray
    obliquity_signal_deg: np.ndarray
    behind_deg: float = 0.0
    hip_extension_peaks: tuple[float, ...] = ()

    @property
    def tilt_change_deg(self) -> float:
        """Mean running tilt minus the standing tilt (NaN without both)."""
        if self.tilts.empty or not np.isfinite(self.standing_deg):
            return float("nan")
        return float(self.tilts["mean_deg"].mean() - self.standing_deg)

    @property
    def tilt_running_deg(self) -> float:
        """Mean anterior tilt while running."""
        return float(self.tilts["mean_deg"].mean()) if not self.tilts.empty else float("nan")

    @property
    def tilt_range_deg(self) -> float:
        """Mean over strides of the tilt's range within the stride."""
        return float(self.tilts["range_deg"].mean()) if not self.tilts.empty else float("nan")


def measure_pelvis(
    markers: MarkerTracks,
    strides: pd.DataFrame,
    *,
    fps: float,
    cutoff_hz: float,
    min_coverage: float,
    facing: int = 1,
    near_side: str | None = None,
    roll_deg: float = 0.0,
    behind_deg: float = 0.0,
    standing_frames: slice | np.ndarray | None = None,
    standing_markers: MarkerTracks | None = None,
) -> PelvisMeasures:
    """Pelvic drop per stance (rear/front) or anterior tilt per stride (side) from stickers.

    Parameters
    ----------
    markers
        The clip's sticker tracks.
    strides
        The clip's stride table (its stances give the drop; the near foot's strides the tilt).
    fps
        Frame rate (for the low-pass).
    cutoff_hz
        Low-pass of the sticker centres.
    min_coverage
        Share of a stance's or stride's frames that must see both stickers.
    facing, near_side
        Side view: +1 when the runner faces image-right; the near foot (strides used).
    roll_deg
        Camera roll (side: from the bounce; used for the absolute tilt only).
    behind_deg
        Side view: the camera's angle from square (corrects the foreshortened ASIS-PSIS line).
    standing_frames
        Frames of this clip where the runner stood still (a standing phase), or None.
    standing_markers
        The sticker tracks of a separate standing clip filmed from the same spot, or None.
    """
    n = markers.n_frames
    nan = np.full(n, np.nan)
    smooth = smooth_markers(markers, fps, cutoff_hz)
    empty_drops = stance_drops(
        nan, markers.time_s, strides.iloc[0:0], reference_deg=0.0, min_coverage=1.0
    )
    empty_tilts = stride_tilts(nan, markers.time_s, strides.iloc[0:0], side=None, min_coverage=1.0)
    if markers.layout in ("rear", "front"):
        # raw picture angles: a standing reference from the same camera removes the roll too
        ob = obliquity_deg(smooth, 0.0)
        standing = float("nan")
        if standing_markers is not None and standing_markers.layout == markers.layout:
            standing = standing_value(obliquity_deg(standing_markers, 0.0), slice(None))
        elif standing_frames is not None:
            standing = standing_value(ob, standing_frames)
        reference = "standing" if np.isfinite(standing) else "stride_mean"
        ref = standing
        if not np.isfinite(ref):
            means = [
                float(
                    np.nanmean(ob[_window(markers.time_s, float(r[C.START_S]), float(r[C.END_S]))])
                )
                for _, r in strides.iterrows()
                if bool(r.get(C.USABLE, True))
            ]
            means = [m for m in means if np.isfinite(m)]
            ref = float(np.median(means)) if means else float("nan")
            reference = "stride_mean" if np.isfinite(ref) else "none"
        drops = (
            stance_drops(ob, markers.time_s, strides, reference_deg=ref, min_coverage=min_coverage)
            if np.isfinite(ref)
            else empty_drops
        )
        return PelvisMeasures(
            markers.layout,
            reference,
            standing,
            drops,
            empty_tilts,
            nan,
            ob - ref if np.isfinite(ref) else nan,
        )
    if markers.layout == "side":
        tilt = tilt_deg(smooth, facing, roll_deg, behind_deg)
        standing = float("nan")
        if standing_markers is not None and standing_markers.layout == "side":
            standing = standing_value(
                tilt_deg(standing_markers, facing, roll_deg, behind_deg), slice(None)
            )
        elif standing_frames is not None:
            standing = standing_value(tilt, standing_frames)
        tilts = stride_tilts(
            tilt, markers.time_s, strides, side=near_side, min_coverage=min_coverage
        )
        reference = "standing" if np.isfinite(standing) else "none"
        return PelvisMeasures(
            "side", reference, standing, empty_drops, tilts, tilt, nan, behind_deg
        )
    return PelvisMeasures(markers.layout, "none", float("nan"), empty_drops, empty_tilts, nan, nan)


# --------------------------------------------------------------------------- metrics

#: The metrics the stickers give (declared in :mod:`gaitlab.metrics.registry`).
FRONTAL_PELVIS: tuple[str, ...] = ("pelvic_drop_deg", "pelvic_drop_mean_deg")
SIDE_PELVIS: tuple[str, ...] = (
    "anterior_pelvic_tilt_deg",
    "pelvic_tilt_standing_deg",
    "pelvic_tilt_change_deg",
    "pelvic_tilt_range_deg",
    "hip_extension_pelvis_deg",
)
PELVIS_METRICS: tuple[str, ...] = FRONTAL_PELVIS + SIDE_PELVIS
#: Metrics whose value is an estimate by construction (it depends on each pelvis's shape).
ESTIMATES: frozenset[str] = frozenset({"anterior_pelvic_tilt_deg", "pelvic_tilt_standing_deg"})


def _metric(name: str, clip: str | None, **fields: Any) -> Metric:
    fields.setdefault("estimate", name in ESTIMATES)
    return make_metric(name, clip=clip, **fields)


def absent_pelvis_metrics(names: Sequence[str], reason: str, clip: str | None) -> dict[str, Metric]:
    """The named pelvis metrics with no value, and why."""
    return {n: _metric(n, clip, value=None, reason=reason) for n in names}


def why_not_found(markers: MarkerTracks | None, view: str) -> str:
    """The one sentence that says why the stickers gave no pelvis angle."""
    if markers is None or not markers.markers:
        return say("markers.no_stickers")
    missing = markers.missing
    if view == "side" and any(m.startswith("psis") for m in missing):
        return say("markers.psis_side_unseen")
    if missing:
        return say("markers.missing", names=", ".join(say(f"markers.name.{m}") for m in missing))
    return say("markers.wrong_view")


def pelvis_metrics(
    markers: MarkerTracks | None,
    measures: PelvisMeasures | None,
    *,
    view: str,
    min_per_side: int,
    hip_extension_peaks: Sequence[float] = (),
    clip: str | None,
) -> dict[str, Metric]:
    """The pelvis metrics of one clip from what the stickers gave.

    Parameters
    ----------
    markers
        The clip's sticker tracks (None when stickers were not looked for).
    measures
        :func:`measure_pelvis`'s result, or None.
    view
        The clip's view label.
    min_per_side
        Least stances (drop) or near-foot strides (tilt) per side for a value.
    hip_extension_peaks
        Side view: peak hip extension against the pelvis per near-foot stride.
    clip
        The clip's name.
    """
    frontal_view = view in ("rear", "front")
    names = FRONTAL_PELVIS if frontal_view else SIDE_PELVIS if view == "side" else ()
    if not names:
        return {}
    usable = (
        measures is not None
        and markers is not None
        and markers.layout == ("side" if view == "side" else markers.layout)
        and ((frontal_view and markers.layout in ("rear", "front")) or view == "side")
        and all(m in markers.markers for m in markers.looked_for)
        and markers.layout != "none"
    )
    if not usable or measures is None:
        return absent_pelvis_metrics(names, why_not_found(markers, view), clip)
    if frontal_view:
        return _drop_metrics(measures, min_per_side, clip)
    return _tilt_metrics(measures, min_per_side, hip_extension_peaks, clip)


def _drop_metrics(m: PelvisMeasures, min_per_side: int, clip: str | None) -> dict[str, Metric]:
    out = {}
    note = say("markers.stride_mean_reference") if m.reference == "stride_mean" else None
    for name, column in (("pelvic_drop_deg", "peak_deg"), ("pelvic_drop_mean_deg", "mean_deg")):
        s = summarise_sides(
            m.drops[column].to_numpy(float),
            m.drops["side"].to_numpy(object),
            min_per_side=min_per_side,
        )
        counts = {side: int((m.drops["side"] == side).sum()) for side in ("left", "right")}
        reason = (
            note
            if s.value is not None
            else say(
                "markers.shortfall",
                left=counts["left"],
                right=counts["right"],
                min_steps=min_per_side,
            )
        )
        out[name] = _metric(
            name,
            clip,
            value=s.value,
            n_strides=s.n,
            left=s.left,
            right=s.right,
            asymmetry_pct=s.asymmetry_pct,
            sd=s.sd,
            reason=reason,
        )
    return out


def _tilt_metrics(
    m: PelvisMeasures, min_per_side: int, peaks: Sequence[float], clip: str | None
) -> dict[str, Metric]:
    n = len(m.tilts)
    enough = n >= min_per_side
    shortfall = say("markers.shortfall_strides", n=n, min_steps=min_per_side)
    standing = m.standing_deg if np.isfinite(m.standing_deg) else None
    no_standing = say("markers.no_standing")

    def one(name: str, value: float | None, sd: float | None = None, **kw: Any) -> Metric:
        ok = value is not None and np.isfinite(value)
        return _metric(
            name, clip, value=float(value) if ok else None, sd=sd, n_strides=n if ok else 0, **kw
        )

    sd_mean = float(m.tilts["mean_deg"].std(ddof=1)) if n > 1 else None
    sd_range = float(m.tilts["range_deg"].std(ddof=1)) if n > 1 else None
    out = {
        "anterior_pelvic_tilt_deg": one(
            "anterior_pelvic_tilt_deg",
            m.tilt_running_deg if enough else None,
            sd_mean,
            reason=say("markers.absolute_tilt") if enough else shortfall,
        ),
        "pelvic_tilt_standing_deg": one(
            "pelvic_tilt_standing_deg",
            standing,
            reason=say("markers.absolute_tilt") if standing is not None else no_standing,
        ),
        "pelvic_tilt_change_deg": one(
            "pelvic_tilt_change_deg",
            m.tilt_change_deg if enough and standing is not None else None,
            sd_mean,
            reason=None
            if enough and standing is not None
            else shortfall
            if not enough
            else no_standing,
        ),
        "pelvic_tilt_range_deg": one(
            "pelvic_tilt_range_deg",
            m.tilt_range_deg if enough else None,
            sd_range,
            reason=None if enough else shortfall,
        ),
    }
    p = [v for v in peaks if np.isfinite(v)]
    hip_ok = len(p) >= min_per_side and standing is not None
    out["hip_extension_pelvis_deg"] = _metric(
        "hip_extension_pelvis_deg",
        clip,
        value=float(np.mean(p)) if hip_ok else None,
        n_strides=len(p) if hip_ok else 0,
        sd=float(np.std(p, ddof=1)) if hip_ok and len(p) > 1 else None,
        reason=None if hip_ok else no_standing if standing is None else shortfall,
    )
    return out


def clip_pelvis(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    view: ViewEstimate,
    markers: MarkerTracks | None,
    settings: MarkerSettings,
    *,
    min_per_side: int,
    standing: StandingPhase | None,
    standing_markers: Sequence[MarkerTracks] = (),
    clip: str | None,
) -> tuple[PelvisMeasures | None, dict[str, Metric]]:
    """The pelvis measures and metrics of one analysed clip.

    Parameters
    ----------
    tracks
        The cleaned landmark tracks (same frames as ``markers``).
    strides
        The clip's stride table.
    view
        The clip's view.
    markers
        Its sticker tracks, or None.
    settings
        The ``[markers]`` settings.
    min_per_side
        ``[findings] min_steps_per_side``.
    standing
        The standing-still phase at the start of the clip, or None.
    standing_markers
        Sticker tracks of separate standing clips; the first with the same layout (and near
        side) is used.
    clip
        The clip's name.
    """
    if markers is None or not markers.markers or markers.n_frames != tracks.n_frames:
        return None, pelvis_metrics(
            markers, None, view=view.label, min_per_side=min_per_side, clip=clip
        )
    facing = 1 if view.facing == "right" else -1
    behind = 0.0
    if view.label == "side" and view.camera_angle_deg is not None:
        behind = max(0.0, 90.0 - float(view.camera_angle_deg))
        behind = behind if behind >= settings.behind_min_deg else 0.0
    stand = next(
        (
            s
            for s in standing_markers
            if s.layout == markers.layout and s.near_side == markers.near_side
        ),
        None,
    )
    measures = measure_pelvis(
        markers,
        strides,
        fps=tracks.fps,
        cutoff_hz=settings.cutoff_hz,
        min_coverage=settings.min_coverage,
        facing=facing,
        near_side=markers.near_side,
        roll_deg=0.0,
        behind_deg=behind,
        standing_frames=None if standing is None or stand is not None else standing.frames,
        standing_markers=stand,
    )
    peaks: list[float] = []
    if markers.layout == "side" and markers.near_side and np.isfinite(measures.standing_deg):
        pts = running_frame(tracks, facing=view.facing or "right")
        side = markers.near_side
        thigh = segment_angle_deg(pts[:, INDEX[f"{side}_hip"]], pts[:, INDEX[f"{side}_knee"]])
        peaks = thigh_pelvis_peaks(
            thigh,
            measures.tilt_signal_deg - measures.standing_deg,
            tracks.time_s,
            strides,
            side=side,
            window=HIP_EXTENSION_WINDOW,
            min_coverage=settings.min_coverage,
        )
    measures = dataclasses.replace(measures, hip_extension_peaks=tuple(peaks))
    metrics = pelvis_metrics(
        markers,
        measures,
        view=view.label,
        min_per_side=min_per_side,
        hip_extension_peaks=peaks,
        clip=clip,
    )
    return measures, metrics


def pool_pelvis(
    members: Sequence[tuple[MarkerTracks | None, PelvisMeasures | None]],
    *,
    view: str,
    min_per_side: int,
    clip: str,
) -> dict[str, Metric]:
    """The pelvis metrics of clips pooled together (same view): their stances and strides count
    together, each clip's values taken from its own standing zero.

    ``members`` are each clip's sticker tracks and measures; when any clip lacks usable
    stickers the pooled metrics are missing, with that clip's reason.
    """
    names = FRONTAL_PELVIS if view in ("rear", "front") else SIDE_PELVIS if view == "side" else ()
    if not names or not members:
        return {}
    for markers, measures in members:
        if measures is None or markers is None or markers.missing or not markers.markers:
            return absent_pelvis_metrics(names, why_not_found(markers, view), clip)
    measures = [m for _, m in members if m is not None]
    standings = [m.standing_deg for m in measures]
    standing = float(np.mean(standings)) if all(np.isfinite(standings)) else float("nan")
    tilts = []
    for m in measures:
        t = m.tilts.copy()
        if np.isfinite(standing):
            shift = standing - m.standing_deg  # each clip's change from its own standing
            t[["mean_deg", "min_deg", "max_deg"]] += shift
        tilts.append(t)
    first = measures[0]
    pooled = dataclasses.replace(
        first,
        reference=first.reference
        if all(m.reference == first.reference for m in measures)
        else "stride_mean",
        standing_deg=standing,
        drops=pd.concat([m.drops for m in measures], ignore_index=True),
        tilts=pd.concat(tilts, ignore_index=True),
        hip_extension_peaks=tuple(p for m in measures for p in m.hip_extension_peaks),
    )
    return pelvis_metrics(
        members[0][0],
        pooled,
        view=view,
        min_per_side=min_per_side,
        hip_extension_peaks=pooled.hip_extension_peaks,
        clip=clip,
    )
