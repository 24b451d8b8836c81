"""Body scale from landmarks: leg length in pixels or metres, and the image scale it gives.

Leg length is the body scale of every normalised distance (``*_leg``) in signals, events and
metrics. As in :mod:`gaitlab.synthetic.spec`, it is hip joint centre to ankle joint centre with
the leg straight, measured here as thigh + shank (``|hip - knee| + |knee - ankle|``), which does
not shrink when the knee bends. Segment lengths only shrink in the image when a segment points
toward the camera, so the median over frames is a robust estimate in side views and a slight
underestimate (a few %) in rear and front views.
"""

from __future__ import annotations

import numpy as np

from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks

#: Standing height divided by leg length (hip joint centre to ankle joint centre, leg straight).
#: Winter's anthropometric table (*Biomechanics and Motor Control of Human Movement*, 4th ed.,
#: segment lengths as fractions of standing height H) gives thigh 0.245 H and shank 0.246 H, so
#: leg length = 0.491 H; MediaPipe's hip and ankle landmarks sit near these joint centres. The
#: synthetic runner uses the same table. Across adults the ratio varies by about +-3%.
HEIGHT_PER_LEG_LENGTH: float = 1.0 / 0.491


def _segment_sum(points: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` thigh + shank length of one side from ``(T, 33, D)`` coordinates."""
    hip = points[:, side_index(side, "hip")]
    knee = points[:, side_index(side, "knee")]
    ankle = points[:, side_index(side, "ankle")]
    return np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(knee - ankle, axis=-1)


def leg_length_px(tracks: PoseTracks) -> float:
    """Leg length in pixels: median over frames and both sides of thigh + shank.

    Parameters
    ----------
    tracks
        Landmark tracks.

    Returns
    -------
    float
        Leg length in pixels, NaN when no frame has a hip, knee and ankle.
    """
    return _median_leg(tracks.image_xy_px)


def leg_length_m(tracks: PoseTracks) -> float:
    """Leg length in MediaPipe world metres (same definition as :func:`leg_length_px`)."""
    return _median_leg(tracks.world_xyz_m)


def _median_leg(points: np.ndarray) -> float:
    lengths = np.concatenate([_segment_sum(points, side) for side in SIDES])
    lengths = lengths[np.isfinite(lengths)]
    return float(np.median(lengths)) if lengths.size else float("nan")


def px_per_m_from_height(leg_px: float, height_m: float) -> float:
    """Image scale (pixels per metre) from the leg length in pixels and the runner's height.

    Uses :data:`HEIGHT_PER_LEG_LENGTH`: leg length in metres = ``0.491 * height_m``. The scale
    holds at the runner's distance from the camera (the plane the pelvis moves in).
    """
    return leg_px / (height_m / HEIGHT_PER_LEG_LENGTH)
