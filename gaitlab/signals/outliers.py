"""Blank landmark samples that jump implausibly or that the model says are not there."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.ndimage import median_filter

from gaitlab.pose.body import leg_length_px
from gaitlab.pose.tracks import PoseTracks


def outlier_mask(
    tracks: PoseTracks,
    *,
    max_speed_leg_per_s: float,
    min_visibility: float,
    min_presence: float = 0.5,
    window_frames: int = 5,
) -> np.ndarray:
    """``(T, 33)`` True where a landmark sample is implausible (see :func:`reject_outliers`)."""
    xy = tracks.image_xy_px
    leg = leg_length_px(tracks)
    bad = np.zeros(xy.shape[:2], dtype=bool)
    with np.errstate(invalid="ignore"):
        bad |= tracks.visibility < min_visibility
        bad |= tracks.presence < min_presence
    if tracks.n_frames >= window_frames and np.isfinite(leg):
        ref = _nan_rolling_median(xy, window_frames)
        deviation_px = np.linalg.norm(xy - ref, axis=-1)
        limit_px = max_speed_leg_per_s * leg / tracks.fps
        with np.errstate(invalid="ignore"):
            bad |= deviation_px > limit_px
    return bad & np.isfinite(xy[..., 0])


def reject_outliers(
    tracks: PoseTracks,
    *,
    max_speed_leg_per_s: float,
    min_visibility: float,
    min_presence: float = 0.5,
    window_frames: int = 5,
) -> PoseTracks:
    """Blank (NaN) landmark samples that jump implausibly or are very unlikely to be there.

    A sample is an outlier when it lies further from the median of its ``window_frames``
    neighbours (itself included) than the landmark could travel in one frame at
    ``max_speed_leg_per_s`` leg lengths per second. A running median ignores isolated spikes of up
    to ``window_frames // 2`` frames and follows smooth motion, even fast motion (a monotonic
    stretch has zero median residual), so only jumps away and back are flagged. The configured 15
    leg lengths per second (about 14 m/s for a 0.93 m leg) is above the peak foot speed of fast
    running (about twice the running speed), so real motion is never blanked.

    Parameters
    ----------
    tracks
        Landmark tracks.
    max_speed_leg_per_s
        Largest plausible landmark speed, in leg lengths per second.
    min_visibility, min_presence
        Samples whose MediaPipe visibility or presence is below these are blanked. Visibility is
        low (0.3-0.6) for the far leg in a side view whose position is still usable, so the
        default keeps all but the very lowest.
    window_frames
        Length of the running median (odd).

    Returns
    -------
    PoseTracks
        Tracks with outliers set to NaN (image, world, visibility and presence alike); the step
        records how many samples were blanked.
    """
    bad = outlier_mask(
        tracks,
        max_speed_leg_per_s=max_speed_leg_per_s,
        min_visibility=min_visibility,
        min_presence=min_presence,
        window_frames=window_frames,
    )
    out = blank_samples(tracks, bad)
    return out.with_step(
        "reject_outliers",
        max_speed_leg_per_s=max_speed_leg_per_s,
        min_visibility=min_visibility,
        min_presence=min_presence,
        window_frames=window_frames,
        n_blanked=int(bad.sum()),
    )


def blank_samples(tracks: PoseTracks, mask: np.ndarray) -> PoseTracks:
    """A copy of ``tracks`` with the ``(T, 33)`` samples in ``mask`` set to NaN."""
    image = tracks.image_xy_px.copy()
    world = tracks.world_xyz_m.copy()
    vis = tracks.visibility.copy()
    pres = tracks.presence.copy()
    image[mask] = np.nan
    world[mask] = np.nan
    vis[mask] = np.nan
    pres[mask] = np.nan
    return tracks.replace(image_xy_px=image, world_xyz_m=world, visibility=vis, presence=pres)


def _nan_rolling_median(values: np.ndarray, window_frames: int) -> np.ndarray:
    """Running median along axis 0 that ignores NaN (NaN where the window has no data)."""
    if not np.isnan(values).any():
        size = (window_frames,) + (1,) * (values.ndim - 1)
        return median_filter(values, size=size, mode="nearest")
    half = window_frames // 2
    padded = np.concatenate(
        [np.repeat(values[:1], half, axis=0), values, np.repeat(values[-1:], half, axis=0)]
    )
    stacked = np.lib.stride_tricks.sliding_window_view(padded, window_frames, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN, as wanted
        return np.nanmedian(stacked, axis=-1)
