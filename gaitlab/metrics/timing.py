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

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.signal import butter, periodogram, sosfiltfilt
from scipy.stats import theilslopes

from gaitlab.events import columns as C
from gaitlab.metrics.common import (
    SideSummary,
    summarise_sides,
)
from gaitlab.pose.body import HEIGHT_PER_LEG_LENGTH, leg_length_px
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.runs import true_runs

#: Step frequencies searched by the spectral cross-check (Hz): 96-252 steps/min.
SPECTRAL_RANGE_HZ: tuple[float, float] = (1.6, 4.2)
#: The pelvis signal is low-passed for vertical oscillation only when 6x the step frequency is
#: below this share of the Nyquist frequency (from about 50 fps).
VO_FILTER_MAX_NYQUIST_SHARE: float = 0.7
#: Largest disagreement (%) between event cadence and spectral cadence for full confidence.
CADENCE_AGREEMENT_PCT: float = 2.0

#: What the synthetic validation measured (see tests/test_timing.py); shown to users.
ACCURACY: dict[str, str] = {
    "cadence_spm": "within 0.2% on synthetic runners (10 s, 30-120 fps); 168.7 against 168.9 "
    "measured from the pixels of a real treadmill clip",
    "step_time_ms": "mean error under 0.1 frame on synthetic runners",
    "stride_time_ms": "mean error under 0.1 frame on synthetic runners",
    "contact_time_ms": "mean error about 0.3 frame at 30 fps and 10 ms at 60-120 fps on "
    "synthetic side views; each runner within 30 ms",
    "flight_time_ms": "as contact time (the same events)",
    "duty_factor_pct": "follows contact time (one frame is about 5% of a stride at 30 fps)",
    "vertical_oscillation_leg": "within 0.01 leg lengths on synthetic side views",
    "vertical_oscillation_cm": "as the leg-length fraction, times the assumed leg length "
    "(0.491 of the height, about +-3% across adults)",
}


def timing_metrics(
    strides: pd.DataFrame,
    tracks: PoseTracks,
    *,
    height_m: float | None = None,
    clip: str | None = None,
    min_per_side: int,
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

    Returns
    -------
    dict of str to Metric
        Keys ``cadence_spm``, ``step_time_ms``, ``stride_time_ms``, ``contact_time_ms``,
        ``flight_time_ms``, ``duty_factor_pct``, ``contact_time_asymmetry_pct``,
        ``step_time_asymmetry_pct``, ``vertical_oscillation_leg`` and
        ``vertical_oscillation_cm``.
    """
    ok = strides[strides[C.USABLE]] if len(strides) else strides
    side = ok[C.SIDE].to_numpy(dtype=object)
    other = np.where(side == "left", "right", "left")

    def summary(values: np.ndarray, sides: np.ndarray) -> SideSummary:
        return summarise_sides(values, sides, min_per_side=min_per_side)

    step = summary(ok[C.STEP_TIME_S].to_numpy(float) * 1000, other)
    stride = summary(ok[C.STRIDE_TIME_S].to_numpy(float) * 1000, side)
    contact = summary(ok[C.CONTACT_TIME_S].to_numpy(float) * 1000, side)
    flight = summary(ok[C.FLIGHT_TIME_S].to_numpy(float) * 1000, other)
    duty = summary(ok[C.DUTY_FACTOR].to_numpy(float) * 100, side)
    n_usable = {s: int((side == s).sum()) for s in ("left", "right")}
    shortfall = _shortfall(n_usable, min_per_side, len(strides))

    metrics: dict[str, Metric] = {}
    metrics["cadence_spm"] = _cadence(ok, tracks, step, shortfall, clip, other)
    for name, s, view in (
        ("step_time_ms", step, "any"),
        ("stride_time_ms", stride, "any"),
        ("contact_time_ms", contact, "side"),
        ("flight_time_ms", flight, "side"),
        ("duty_factor_pct", duty, "side"),
    ):
        unit = "%" if name.endswith("_pct") else "ms"
        metrics[name] = _metric(name, s, unit, view, shortfall, clip)
    for base, s in (("contact_time", contact), ("step_time", step)):
        name = f"{base}_asymmetry_pct"
        metrics[name] = Metric(
            name=name,
            value=s.asymmetry_pct if s.value is not None else None,
            unit="%",
            view_needed="side" if base == "contact_time" else "any",
            n_strides=s.n,
            left=s.left,
            right=s.right,
            accuracy="(left - right) / mean * 100; one frame of timing error moves it by "
            "about 10% at 30 fps",
            clip=clip,
            reason=None if s.value is not None else shortfall,
        )
    metrics.update(_vertical_oscillation(ok, tracks, height_m, shortfall, clip, min_per_side))
    return metrics


def _shortfall(n_usable: dict[str, int], min_per_side: int, n_strides: int) -> str:
    """Why a value is missing when a side has too few usable strides."""
    return (
        f"too few usable strides: {n_usable['left']} left and {n_usable['right']} right "
        f"(of {n_strides} found); at least {min_per_side} per side are needed"
    )


def _metric(
    name: str, s: SideSummary, unit: str, view: str, shortfall: str, clip: str | None
) -> Metric:
    return Metric(
        name=name,
        value=s.value,
        unit=unit,
        view_needed=view,
        n_strides=s.n,
        left=s.left,
        right=s.right,
        asymmetry_pct=s.asymmetry_pct,
        sd=s.sd,
        accuracy=ACCURACY[name],
        clip=clip,
        reason=None if s.value is not None else shortfall,
    )


def _cadence(
    ok: pd.DataFrame,
    tracks: PoseTracks,
    step: SideSummary,
    shortfall: str,
    clip: str | None,
    step_sides: np.ndarray,
) -> Metric:
    """Cadence from the median step time, cross-checked by the pelvis bounce spectrum."""
    if step.value is None:
        return Metric(
            name="cadence_spm",
            value=None,
            unit="steps/min",
            view_needed="any",
            clip=clip,
            reason=shortfall,
        )
    steps_s = ok[C.STEP_TIME_S].to_numpy(float)
    stride_s = stride_period_s(ok)
    cadence = 120.0 / stride_s
    per_side = {s: 60.0 / float(np.median(steps_s[step_sides == s])) for s in ("left", "right")}
    spectral = spectral_cadence_spm(tracks)
    how = f"stride period fitted to the foot strikes of {len(ok)} usable strides"
    reason = None
    if spectral is None:
        how += "; the pelvis bounce gives no clear frequency to cross-check"
    else:
        diff_pct = (spectral - cadence) / cadence * 100
        how += f"; pelvis bounce spectrum gives {spectral:.1f} ({diff_pct:+.1f}%)"
        if abs(diff_pct) > CADENCE_AGREEMENT_PCT:
            reason = (
                f"step events and pelvis bounce disagree by {diff_pct:+.1f}%: "
                "events may be missing or doubled"
            )
    return Metric(
        name="cadence_spm",
        value=cadence,
        unit="steps/min",
        view_needed="any",
        n_strides=int(steps_s.size),
        left=per_side["left"],
        right=per_side["right"],
        sd=float(np.std(60.0 / steps_s, ddof=1)) if steps_s.size > 1 else None,
        accuracy=f"{how}; {ACCURACY['cadence_spm']}",
        clip=clip,
        reason=reason,
    )


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
        "vertical_oscillation_leg": Metric(
            name="vertical_oscillation_leg",
            value=s.value,
            unit="leg length",
            view_needed="side",
            n_strides=s.n,
            left=s.left,
            right=s.right,
            asymmetry_pct=s.asymmetry_pct,
            sd=s.sd,
            accuracy=ACCURACY["vertical_oscillation_leg"],
            clip=clip,
            reason=None if s.value is not None else shortfall,
        )
    }
    if height_m is None:
        cm = Metric(
            name="vertical_oscillation_cm",
            value=None,
            unit="cm",
            view_needed="side",
            clip=clip,
            reason="the runner's height was not given",
        )
    else:
        leg_cm = height_m / HEIGHT_PER_LEG_LENGTH * 100.0

        def scale(x: float | None) -> float | None:
            return None if x is None else x * leg_cm

        cm = Metric(
            name="vertical_oscillation_cm",
            value=scale(s.value),
            unit="cm",
            view_needed="side",
            n_strides=s.n,
            left=scale(s.left),
            right=scale(s.right),
            asymmetry_pct=s.asymmetry_pct,
            sd=scale(s.sd),
            accuracy=ACCURACY["vertical_oscillation_cm"],
            estimate=True,
            clip=clip,
            reason=None if s.value is not None else shortfall,
        )
    out["vertical_oscillation_cm"] = cm
    return out
