"""Timing metrics from the stride table: cadence, contact, flight, duty factor, step and stride
time, and the pelvis's vertical oscillation.

Conventions
-----------
* A *step* ends with a foot strike and is the landing foot's: the left step time runs from a
  right foot strike to the next left foot strike. Flight time is the landing foot's too (from
  the other foot's toe-off to this foot's strike). Contact time and duty factor belong to the
  foot on the ground.
* Headline values are means over usable strides (quality ``ok``), both sides pooled; they are
  None (with a ``reason``) unless each side has at least ``min_per_side`` usable values.
  Cadence is ``60 / step time`` with the step time half the stride period fitted robustly to
  every usable foot strike (:func:`stride_period_s`); it is cross-checked against the dominant
  frequency of the pelvis's vertical bounce (two bounces per stride); ``accuracy`` says how
  far the two agree, and ``reason`` warns when they differ by more than 2%.
* Vertical oscillation is the peak-to-peak travel of the hip midpoint within each step
  (:func:`step_oscillations_px`), divided by leg length (``vertical_oscillation_leg``, a
  fraction), and in centimetres when the runner's height is given: leg length in metres is
  taken as ``height / HEIGHT_PER_LEG_LENGTH`` (hip joint centre to ankle joint centre = 0.49
  of standing height, see :mod:`gaitlab.metrics.common`), which holds to about +-3% across
  adults. It needs a side view (or a rear/front view, where the vertical travel is seen too,
  but the library reports it for side views only).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.signal import butter, periodogram, sosfiltfilt
from scipy.stats import theilslopes

from gaitlab.config import EventSettings, SideDifferenceSettings, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.count import shortfall_cause
from gaitlab.events.rhythm import feet_step_time_s
from gaitlab.metrics import registry
from gaitlab.metrics.common import SideSummary, from_summary, shortfall_reason, summarise_sides
from gaitlab.metrics.registry import make_metric
from gaitlab.pose.body import HEIGHT_PER_LEG_LENGTH, leg_length_px
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.runs import true_runs
from gaitlab.signals.view import ViewEstimate, classify_view
from gaitlab.words import say

#: Step frequencies searched by the spectral cross-check (Hz): 96-252 steps/min.
SPECTRAL_RANGE_HZ: tuple[float, float] = (1.6, 4.2)
#: The pelvis signal is low-passed for vertical oscillation only when 6x the step frequency is
#: below this share of the Nyquist frequency (from about 50 fps).
VO_FILTER_MAX_NYQUIST_SHARE: float = 0.7
#: Largest disagreement (%) between event cadence and spectral cadence for full confidence.
CADENCE_AGREEMENT_PCT: float = 2.0


def timing_metrics(
    strides: pd.DataFrame,
    tracks: PoseTracks,
    *,
    height_m: float | None = None,
    clip: str | None = None,
    min_per_side: int,
    view: ViewEstimate | None = None,
    events: EventSettings | None = None,
) -> dict[str, Metric]:
    """Every timing metric of a clip.

    Parameters
    ----------
    strides
        The stride table (:func:`gaitlab.events.strides.stride_table`).
    tracks
        The cleaned tracks the strides come from (pelvis signal and leg length).
    height_m
        The runner's standing height, for ``vertical_oscillation_cm`` (None: not reported).
    clip
        Name of the clip, recorded in every metric.
    min_per_side
        Fewest usable steps (or strides) per side for a value (the analysis passes
        ``[findings] min_steps_per_side``).
    view
        The clip's view (for the running rhythm and the analysed stretch); None: classified
        from the tracks.
    events
        The ``[events]`` settings (left/right resolution, rhythm); None for the defaults.

    Returns
    -------
    dict of str to Metric
        Keys ``cadence_spm``, ``step_time_ms``, ``stride_time_ms``, ``contact_time_ms``,
        ``flight_time_ms``, ``duty_factor_pct``, ``contact_time_asymmetry_pct``,
        ``step_time_asymmetry_pct``, ``vertical_oscillation_leg`` and
        ``vertical_oscillation_cm``.
    """
    cfg = events if events is not None else load_defaults().events
    view = view if view is not None else classify_view(tracks)
    ok = strides[strides[C.USABLE]] if len(strides) else strides
    side = ok[C.SIDE].to_numpy(dtype=object)
    other = np.where(side == "left", "right", "left")
    error_ms = systematic_side_error_ms(tracks.fps, cfg.sides)

    def summary(column: str, scale: float, sides: np.ndarray, ms_per_unit: float = 1.0):
        values = ok[column].to_numpy(float) * scale
        s = summarise_sides(values, sides, min_per_side=min_per_side)
        if view.label != "side" and s.left is not None and s.right is not None:
            # a rear or front view's events are not timed finely enough to tell sides apart
            one = dataclasses.replace(s, left=None, right=None, asymmetry_pct=None)
            return one, say("timing.sides_not_from_this_view")
        return resolve_sides(s, values, sides, error=error_ms / ms_per_unit, z=cfg.sides.z)

    stride_ms = float(np.median(ok[C.STRIDE_TIME_S])) * 1000 if len(ok) else float("nan")
    step, step_note = summary(C.STEP_TIME_S, 1000, other)
    stride, stride_note = summary(C.STRIDE_TIME_S, 1000, side)
    contact, contact_note = summary(C.CONTACT_TIME_S, 1000, side)
    flight, flight_note = summary(C.FLIGHT_TIME_S, 1000, other)
    duty, duty_note = summary(C.DUTY_FACTOR, 100, side, ms_per_unit=stride_ms / 100)
    n_usable = {s: int((side == s).sum()) for s in ("left", "right")}
    shortfall = shortfall_reason(n_usable["left"], n_usable["right"], len(strides), min_per_side)
    if min(n_usable.values()) < min_per_side:
        cause = shortfall_cause(strides, tracks, view)
        shortfall = joined(shortfall, cause)

    metrics: dict[str, Metric] = {}
    metrics["cadence_spm"] = _cadence(
        ok, tracks, step, shortfall, clip, other, view=view, events=cfg,
        min_per_side=min_per_side,
    )  # fmt: skip
    for name, s, note in (
        ("step_time_ms", step, step_note),
        ("stride_time_ms", stride, stride_note),
        ("contact_time_ms", contact, contact_note),
        ("flight_time_ms", flight, flight_note),
        ("duty_factor_pct", duty, duty_note),
    ):
        metrics[name] = from_summary(name, s, clip=clip, shortfall=shortfall, reason=note)
    for base, s, note in (("contact_time", contact, contact_note), ("step_time", step, step_note)):
        name = f"{base}_asymmetry_pct"
        metrics[name] = make_metric(
            name,
            value=s.asymmetry_pct if s.value is not None else None,
            n_strides=s.n,
            left=s.left,
            right=s.right,
            clip=clip,
            reason=note if s.value is not None else shortfall,
        )
    metrics.update(_vertical_oscillation(ok, tracks, height_m, shortfall, clip, min_per_side))
    return metrics


def systematic_side_error_ms(fps: float, sides: SideDifferenceSettings) -> float:
    """The near/far foot's systematic timing difference allowed for (ms) at a frame rate."""
    return max(sides.systematic_frames * 1000.0 / fps, sides.systematic_min_ms)


def resolve_sides(
    s: SideSummary, values: np.ndarray, sides: np.ndarray, *, error: float, z: float
) -> tuple[SideSummary, str | None]:
    """Keep the per-side means only when they differ by more than the method can tell apart.

    The limit is ``z`` standard errors of the difference of the two means (from the spread of
    each side's values) plus ``error``, the systematic near/far difference of the events (in
    the values' unit). Below it the per-side means and the asymmetry are dropped and a note
    (a catalogue sentence) says why.
    """
    if s.left is None or s.right is None:
        return s, None
    se2 = 0.0
    for side in ("left", "right"):
        v = values[(sides == side) & np.isfinite(values)]
        se2 += float(np.var(v, ddof=1)) / v.size if v.size > 1 else 0.0
    limit = z * float(np.sqrt(se2)) + error
    diff = abs(s.left - s.right)
    if diff > limit:
        return s, None
    mean = 0.5 * abs(s.left + s.right)
    pct = f"{100 * limit / mean:.0f}%" if mean > 0 else f"{limit:.0f}"
    note = say("timing.sides_within_error", diff=f"{100 * diff / mean:.0f}%", limit=pct)
    return dataclasses.replace(s, left=None, right=None, asymmetry_pct=None), note


def _cadence(
    ok: pd.DataFrame,
    tracks: PoseTracks,
    step: SideSummary,
    shortfall: str,
    clip: str | None,
    step_sides: np.ndarray,
    *,
    view: ViewEstimate,
    events: EventSettings,
    min_per_side: int,
) -> Metric:
    """Cadence from the usable strides, or from a few of them, or from the running rhythm.

    With enough usable strides: the stride period fitted to their foot strikes, cross-checked
    by the pelvis bounce spectrum. With fewer (at least ``[events.rhythm] min_strides``): the
    same fit over those, with a note. With fewer still, when the runner runs for at least
    ``min_running_s`` in the analysed stretch: the running rhythm (:func:`rhythm_cadence`),
    with a note. Otherwise no value.
    """
    if step.value is None:
        running_s = running_time_s(tracks, view)
        if running_s < events.rhythm.min_running_s:
            note = say(
                "timing.cadence_too_short",
                running_s=running_s,
                needed_s=events.rhythm.min_running_s,
            )
            return make_metric(
                "cadence_spm", value=None, clip=clip, reason=joined(shortfall, note), accuracy=None
            )
    if step.value is None and len(ok) < events.rhythm.min_strides:
        value, note = rhythm_cadence(tracks, view, events)
        if value is None:
            reason = joined(shortfall, note)
            return make_metric("cadence_spm", value=None, clip=clip, reason=reason, accuracy=None)
        return make_metric(
            "cadence_spm",
            value=value,
            clip=clip,
            accuracy=registry.accuracy("cadence_spm", "rhythm"),
            estimate=True,
            reason=note,
        )
    steps_s = ok[C.STEP_TIME_S].to_numpy(float)
    stride_s = stride_period_s(ok)
    cadence = 120.0 / stride_s
    spectral = spectral_cadence_spm(tracks)
    how = say("metric.how.cadence", n=len(ok))
    reason = None
    if step.value is None:
        reason = say("timing.cadence_few_strides", n=len(ok), needed=min_per_side)
    if spectral is None:
        how += say("metric.how.cadence_no_check")
    else:
        diff_pct = (spectral - cadence) / cadence * 100
        how += say("metric.how.cadence_check", spectral=spectral, diff_pct=diff_pct)
        if abs(diff_pct) > CADENCE_AGREEMENT_PCT:
            reason = say("metric.reason.cadence_disagreement", diff_pct=diff_pct)
    per_side: dict[str, float | None] = {"left": None, "right": None}
    if step.left is not None and step.right is not None:
        per_side = {s: 60.0 / float(np.median(steps_s[step_sides == s])) for s in ("left", "right")}
    return make_metric(
        "cadence_spm",
        value=cadence,
        n_strides=int(steps_s.size),
        left=per_side["left"],
        right=per_side["right"],
        sd=float(np.std(60.0 / steps_s, ddof=1)) if steps_s.size > 1 else None,
        accuracy=registry.accuracy("cadence_spm", how=how),
        clip=clip,
        reason=reason,
    )


def joined(first: str, then: str | None) -> str:
    """Two reasons as one text: ``first`` (with a full stop) followed by ``then``, if any."""
    if not then:
        return first
    return f"{first.rstrip('.')}. {then}"


def running_time_s(tracks: PoseTracks, view: ViewEstimate) -> float:
    """Seconds with the runner in view in the analysed part of the clip (its stretch when the
    view found one)."""
    part = tracks.slice_frames(*view.frames) if view.frames is not None else tracks
    return float(part.has_pose.sum()) / part.fps


def rhythm_cadence(
    tracks: PoseTracks, view: ViewEstimate, events: EventSettings
) -> tuple[float | None, str | None]:
    """Cadence (steps/min) from the running rhythm, and the note beside it (or why none).

    Two estimates must agree within ``[events.rhythm] max_disagreement_pct``: the feet's
    alternation (:func:`gaitlab.events.rhythm.feet_step_time_s`) and the pelvis's bounce
    (:func:`spectral_cadence_spm`); the value is the pelvis's (the more precise of the two on
    the rendered runners). Only the stretch of the clip that shows the runner counts, and the
    runner must run there for ``min_running_s``.
    """
    part = tracks.slice_frames(*view.frames) if view.frames is not None else tracks
    if view.label == "unsuitable":
        return None, None
    step_s = feet_step_time_s(part, view, step_time_range_s=tuple(events.side.step_time_range_s))
    feet = 60.0 / step_s if np.isfinite(step_s) else None
    pelvis = spectral_cadence_spm(part)
    if feet is None or pelvis is None:
        return None, None
    diff_pct = abs(pelvis - feet) / feet * 100
    if diff_pct > events.rhythm.max_disagreement_pct:
        return None, say("timing.cadence_rhythm_disagrees", feet=feet, pelvis=pelvis)
    return pelvis, say("timing.cadence_rhythm", diff_pct=diff_pct)


def stride_period_s(strides: pd.DataFrame) -> float:
    """Stride period (s) from the foot strikes of usable strides, robust to outliers.

    For each side, the strike times (starts and ends of its strides) are numbered by stride
    (rounding the time from the first strike over the median stride time, so a missing stride
    leaves a gap in the numbering instead of a long stride) and a Theil-Sen line is fitted to
    time against number; the period is the mean of the two sides' slopes. This is the median
    step time of the method (a median of pairwise slopes) using every strike, and a left/right
    difference in step times or in event timing cancels out.
    """
    slopes = []
    for side in ("left", "right"):
        rows = strides[strides[C.SIDE] == side]
        times = np.unique(np.r_[rows[C.START_S].to_numpy(float), rows[C.END_S].to_numpy(float)])
        if times.size < 2:
            continue
        period = float(np.median(rows[C.STRIDE_TIME_S].to_numpy(float)))
        number = np.round((times - times[0]) / period)
        slopes.append(float(theilslopes(times, number)[0]))
    return float(np.mean(slopes))


def pelvis_height_px(tracks: PoseTracks) -> np.ndarray:
    """``(T,)`` height of the hip midpoint in the image (pixels, up positive; NaN if missing)."""
    mid_y = 0.5 * (tracks.xy("left_hip")[:, 1] + tracks.xy("right_hip")[:, 1])
    return -mid_y


def spectral_cadence_spm(tracks: PoseTracks) -> float | None:
    """Cadence (steps/min) from the dominant frequency of the pelvis's vertical bounce.

    The longest NaN-free stretch of the hip midpoint's height (at least 2 s) is detrended and
    its periodogram (zero-padded to 0.01 Hz) searched in :data:`SPECTRAL_RANGE_HZ`; the peak is
    refined by parabolic interpolation. None when there is no long enough stretch or the peak
    holds less than a fifth of the power in the range.
    """
    y = pelvis_height_px(tracks)
    runs = true_runs(np.isfinite(y))
    if len(runs) == 0:
        return None
    start, stop = max(runs, key=lambda r: r[1] - r[0])
    if (stop - start) / tracks.fps < 2.0:
        return None
    seg = y[start:stop]
    n_fft = max(int(2 ** np.ceil(np.log2(tracks.fps / 0.01))), seg.size)
    freq, power = periodogram(seg, fs=tracks.fps, detrend="linear", window="hann", nfft=n_fft)
    band = (freq >= SPECTRAL_RANGE_HZ[0]) & (freq <= SPECTRAL_RANGE_HZ[1])
    if not band.any() or power[band].sum() <= 0:
        return None
    idx = np.flatnonzero(band)
    k = int(idx[np.argmax(power[band])])
    # share of the in-band power within +-0.15 Hz of the peak
    near = band & (np.abs(freq - freq[k]) <= 0.15)
    if power[near].sum() < 0.2 * power[band].sum():
        return None
    if 0 < k < freq.size - 1:
        a, b, c = np.log(power[k - 1 : k + 2] + 1e-300)
        offset = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        f = freq[k] + offset * (freq[1] - freq[0])
    else:
        f = freq[k]
    return float(f * 60.0)


def step_oscillations_px(
    tracks: PoseTracks, strikes_s: Sequence[float], step_hz: float
) -> np.ndarray:
    """Peak-to-peak height of the hip midpoint between consecutive strikes (pixels).

    From about 50 fps the signal is first low-passed at six times the step frequency (the
    bounce is smooth; the filter takes out tracking jitter that would inflate a peak-to-peak);
    at lower frame rates MediaPipe's own smoothing is left alone. Each extreme is refined by a
    parabola through its sample and the two neighbours, so that frames falling either side of
    the true peak do not shave it off.
    """
    y = pelvis_height_px(tracks)
    cutoff = 6.0 * step_hz
    if cutoff < VO_FILTER_MAX_NYQUIST_SHARE * tracks.fps / 2:
        smooth = np.full_like(y, np.nan)
        sos = butter(2, cutoff, btype="low", fs=tracks.fps, output="sos")
        for start, stop in true_runs(np.isfinite(y)):
            if stop - start > 15:
                smooth[start:stop] = sosfiltfilt(sos, y[start:stop])
        y = smooth
    t = tracks.time_s
    out = []
    strikes = np.sort(np.asarray(strikes_s, dtype=float))
    for a, b in itertools.pairwise(strikes):
        idx = np.flatnonzero((t >= a) & (t <= b))
        if idx.size < 3 or not np.isfinite(y[idx]).all():
            out.append(np.nan)
            continue
        top = _parabolic_peak(y, int(idx[np.argmax(y[idx])]))
        bottom = -_parabolic_peak(-y, int(idx[np.argmin(y[idx])]))
        out.append(top - bottom)
    return np.asarray(out)


def _parabolic_peak(y: np.ndarray, k: int) -> float:
    """Height of the parabola through samples k-1, k, k+1 at its vertex (y[k] at the edges)."""
    if k <= 0 or k >= y.size - 1 or not np.isfinite(y[k - 1 : k + 2]).all():
        return float(y[k])
    a, b, c = y[k - 1], y[k], y[k + 1]
    denom = a - 2 * b + c
    if denom >= 0:  # not a maximum
        return float(b)
    offset = 0.5 * (a - c) / denom
    return float(b - 0.25 * (a - c) * offset)


def _vertical_oscillation(
    ok: pd.DataFrame,
    tracks: PoseTracks,
    height_m: float | None,
    shortfall: str,
    clip: str | None,
    min_per_side: int,
) -> dict[str, Metric]:
    """``vertical_oscillation_leg`` and ``vertical_oscillation_cm`` from the usable steps."""
    leg_px = leg_length_px(tracks)
    if len(ok) and np.isfinite(leg_px):
        starts = ok[C.START_S].to_numpy(float)
        ends = ok[C.OPPOSITE_FOOT_STRIKE_S].to_numpy(float)
        step_hz = 1.0 / float(np.median(ends - starts))
        osc = np.array(
            [
                step_oscillations_px(tracks, [a, b], step_hz)[0]
                for a, b in zip(starts, ends, strict=True)
            ]
        )
        landing = np.where(ok[C.SIDE].to_numpy(dtype=object) == "left", "right", "left")
        s = summarise_sides(osc / leg_px, landing, min_per_side=min_per_side)
    else:
        s = summarise_sides([], [], min_per_side=min_per_side)
    out = {
        "vertical_oscillation_leg": from_summary(
            "vertical_oscillation_leg", s, clip=clip, shortfall=shortfall
        )
    }
    if height_m is None:
        cm = make_metric(
            "vertical_oscillation_cm",
            value=None,
            clip=clip,
            reason=say("metric.reason.height_not_given"),
            accuracy=None,
        )
    else:
        leg_cm = height_m / HEIGHT_PER_LEG_LENGTH * 100.0

        def scale(x: float | None) -> float | None:
            return None if x is None else x * leg_cm

        cm = make_metric(
            "vertical_oscillation_cm",
            value=scale(s.value),
            n_strides=s.n,
            left=scale(s.left),
            right=scale(s.right),
            asymmetry_pct=s.asymmetry_pct,
            sd=scale(s.sd),
            estimate=True,
            clip=clip,
            reason=None if s.value is not None else shortfall,
        )
    out["vertical_oscillation_cm"] = cm
    return out
