"""Tracking imperfections added to clean synthetic tracks: noise, dropouts, left/right swaps.

All randomness comes from one ``numpy.random.Generator`` (seeded from ``RunnerSpec.seed``), so a
spec always gives the same clip.
"""

from __future__ import annotations

import numpy as np

from gaitlab.pose.landmarks import MIRROR_INDEX
from gaitlab.pose.tracks import PoseTracks


def burst_mask(
    n_frames: int, share: float, burst_frames: int, rng: np.random.Generator
) -> np.ndarray:
    """``(T,)`` bool: ``round(share * T / burst)`` bursts of ``burst_frames`` frames, apart.

    Bursts do not touch each other (at least one frame between two bursts), so each is a
    separate event of exactly ``burst_frames`` frames; they are placed uniformly at random.
    """
    mask = np.zeros(n_frames, dtype=bool)
    if share <= 0 or burst_frames <= 0 or n_frames == 0:
        return mask
    n_bursts = round(share * n_frames / burst_frames)
    n_bursts = min(n_bursts, (n_frames + 1) // (burst_frames + 1))
    if n_bursts == 0:
        return mask
    free = n_frames - n_bursts * burst_frames - (n_bursts - 1)
    slots = np.sort(rng.choice(free + n_bursts, size=n_bursts, replace=False))
    starts = slots - np.arange(n_bursts) + np.arange(n_bursts) * (burst_frames + 1)
    for start in starts:
        mask[start : start + burst_frames] = True
    return mask


def swap_sides(tracks: PoseTracks, frames: np.ndarray) -> PoseTracks:
    """Exchange every left landmark with its right counterpart in the given frames."""
    mirror = np.asarray(MIRROR_INDEX)
    arrays = {}
    for name in ("image_xy_px", "world_xyz_m", "visibility", "presence"):
        arr = getattr(tracks, name).copy()
        arr[frames] = arr[frames][:, mirror]
        arrays[name] = arr
    return tracks.replace(**arrays)


def blank_frames(tracks: PoseTracks, frames: np.ndarray) -> PoseTracks:
    """Set every landmark of the given frames to NaN (no pose detected)."""
    arrays = {}
    for name in ("image_xy_px", "world_xyz_m", "visibility", "presence"):
        arr = getattr(tracks, name).copy()
        arr[frames] = np.nan
        arrays[name] = arr
    return tracks.replace(**arrays)


def add_noise(
    tracks: PoseTracks, noise_px: float, noise_world_m: float, rng: np.random.Generator
) -> PoseTracks:
    """Independent Gaussian noise on every image (sd ``noise_px``) and world coordinate."""
    image = tracks.image_xy_px + rng.normal(0.0, 1.0, tracks.image_xy_px.shape) * noise_px
    world = tracks.world_xyz_m + rng.normal(0.0, 1.0, tracks.world_xyz_m.shape) * noise_world_m
    return tracks.replace(image_xy_px=image, world_xyz_m=world)
