"""Zero-lag low-pass filtering of landmark tracks, and the default cut-off for running.

Choice of cut-off
-----------------
Running kinematics from markers are usually low-passed at 6-12 Hz (Winter's residual analysis
gives about 6 Hz for walking; running needs more because the foot's motion around contact is
sharp). The stride frequency of running is about 1.4 Hz and the step frequency about 2.8 Hz;
the foot trajectory carries useful harmonics up to about four times the step frequency.

MediaPipe's VIDEO mode already smooths every landmark with a One-Euro filter, so filtering is
only worth it where jitter remains above the band the gait needs. The ``"auto"`` cut-off is
therefore ``clip(4 * step frequency, 8, 12) Hz`` (11.3 Hz at 170 steps/min), and the filter is
*skipped* when that cut-off is above 0.7 times the Nyquist frequency: at 30 fps (Nyquist 15 Hz)
a 10-12 Hz filter would remove almost nothing the One-Euro filter has not already removed, and
it would only round the corners that mark foot strike and toe-off. From about 35 fps up the
filter runs, and at 60-240 fps it removes the jitter that a higher frame rate brings.

The filter is a Butterworth filter run forwards and backwards (``scipy.signal.sosfiltfilt``).
Two passes of an order-``n`` filter attenuate more than one pass, so the design frequency is
corrected (Winter 2009, section 3.4.4.3: ``C = (2 ** (1 / passes) - 1) ** (1 / (2 * n))``) so
that ``cutoff_hz`` is the -3 dB frequency of the whole zero-lag filter.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.signal import butter, sosfiltfilt

from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.runs import true_runs

#: Range of the automatic cut-off (Hz) and its multiple of the step frequency.
AUTO_CUTOFF_RANGE_HZ: tuple[float, float] = (8.0, 12.0)
AUTO_CUTOFF_STEP_MULTIPLE: float = 4.0
#: The filter is skipped when the cut-off exceeds this share of the Nyquist frequency.
MAX_CUTOFF_NYQUIST_SHARE: float = 0.7
#: Cadence assumed when none is given (steps per minute), typical of recreational runners.
DEFAULT_CADENCE_SPM: float = 170.0


def auto_cutoff_hz(fps: float, cadence_spm: float | None = None) -> float | None:
    """The default cut-off for a clip: ``clip(4 * step frequency, 8, 12)`` Hz, or None.

    Parameters
    ----------
    fps
        Frame rate of the clip.
    cadence_spm
        Steps per minute if known (else :data:`DEFAULT_CADENCE_SPM`).

    Returns
    -------
    float or None
        The cut-off in Hz, or None when it is above ``0.7 * fps / 2`` (no filtering needed: the
        frame rate itself is the limit, and MediaPipe has already smoothed the tracks).
    """
    cadence = DEFAULT_CADENCE_SPM if cadence_spm is None else cadence_spm
    step_hz = cadence / 60.0
    lo, hi = AUTO_CUTOFF_RANGE_HZ
    cutoff = float(np.clip(AUTO_CUTOFF_STEP_MULTIPLE * step_hz, lo, hi))
    if cutoff > MAX_CUTOFF_NYQUIST_SHARE * fps / 2.0:
        return None
    return cutoff


def lowpass(
    tracks: PoseTracks,
    *,
    cutoff_hz: float | Literal["auto"] | None,
    order: int,
    cadence_spm: float | None = None,
) -> PoseTracks:
    """Zero-lag Butterworth low-pass of every landmark coordinate, run by run.

    Each continuous stretch of valid samples of each landmark coordinate is filtered on its own
    (``sosfiltfilt``); NaN stays NaN, and stretches too short for the filter's padding are left
    as they are. Visibility and presence are not filtered.

    Parameters
    ----------
    tracks
        Landmark tracks (ideally with short gaps filled, so runs are long).
    cutoff_hz
        -3 dB frequency of the zero-lag filter in Hz, ``"auto"`` (:func:`auto_cutoff_hz`;
        may skip filtering at low frame rates) or None (no filtering).
    order
        Order of the Butterworth filter per pass.
    cadence_spm
        Steps per minute, used by ``"auto"`` only.

    Returns
    -------
    PoseTracks
        Filtered tracks; the step records the cut-off used (None when skipped).
    """
    if cutoff_hz is None:
        return tracks.with_step("lowpass", cutoff_hz=None, order=order, skipped="cutoff_none")
    if cutoff_hz == "auto":
        cutoff = auto_cutoff_hz(tracks.fps, cadence_spm)
    elif isinstance(cutoff_hz, int | float) and cutoff_hz > 0:
        cutoff = float(cutoff_hz)
    else:
        raise ValueError(
            f"Invalid value for the 'cutoff_hz' parameter. Allowed values are a positive number "
            f"of Hz, 'auto' and None, but got {cutoff_hz!r} instead."
        )
    if cutoff is None:
        return tracks.with_step("lowpass", cutoff_hz=None, order=order, skipped="cutoff_auto")
    nyquist = tracks.fps / 2.0
    if cutoff >= nyquist:
        raise ValueError(
            f"cutoff_hz must be below the Nyquist frequency ({nyquist:g} Hz at {tracks.fps:g} fps),"
            f" but got {cutoff:g}."
        )
    sos = _zero_lag_sos(cutoff, tracks.fps, order)
    image = _filter_runs(tracks.image_xy_px, sos)
    world = _filter_runs(tracks.world_xyz_m, sos)
    out = tracks.replace(image_xy_px=image, world_xyz_m=world)
    return out.with_step("lowpass", cutoff_hz=cutoff, order=order, kind="butterworth_zero_lag")


def applied_lowpass_sos(tracks: PoseTracks) -> np.ndarray | None:
    """The second-order sections :func:`lowpass` ran on these tracks, from ``meta["steps"]``.

    Returns None when no low-pass was applied (skipped, or never run). Consumers that fit a
    model to filtered tracks (the event timing) can pass the model through the same filter.
    """
    for step in reversed(tracks.meta.get("steps", [])):
        if step.get("name") == "lowpass" and step.get("cutoff_hz"):
            return _zero_lag_sos(float(step["cutoff_hz"]), tracks.fps, int(step["order"]))
    return None


def _zero_lag_sos(cutoff_hz: float, fps: float, order: int) -> np.ndarray:
    """Second-order sections whose forward-backward run has its -3 dB point at ``cutoff_hz``."""
    correction = (2.0 ** (1.0 / 2.0) - 1.0) ** (1.0 / (2.0 * order))
    design_hz = min(cutoff_hz / correction, 0.99 * fps / 2.0)
    return butter(order, design_hz, btype="low", fs=fps, output="sos")


def _padlen(sos: np.ndarray) -> int:
    """The padding ``sosfiltfilt`` uses by default (its minimum run length is one more)."""
    n_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * len(sos) + 1 - n_zeros)


def _filter_runs(values: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Filter ``(T, L, D)`` along time, each NaN-free run of each column separately."""
    out = values.copy()
    flat = out.reshape(values.shape[0], -1)
    padlen = _padlen(sos)
    finite = np.isfinite(flat)
    if finite.all():
        return sosfiltfilt(sos, flat, axis=0).reshape(values.shape) if len(flat) > padlen else out
    for col in range(flat.shape[1]):
        for start, stop in true_runs(finite[:, col]):
            if stop - start > padlen:
                flat[start:stop, col] = sosfiltfilt(sos, flat[start:stop, col])
    return flat.reshape(values.shape)
