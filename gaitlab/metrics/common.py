"""Helpers shared by the metric modules: body scale, per-side aggregation and asymmetry.

Leg length is the body scale of every normalised distance (``*_leg``). As in
:mod:`gaitlab.synthetic.spec`, it is hip joint centre to ankle joint centre with the leg straight,
measured here as thigh + shank (``|hip - knee| + |knee - ankle|``), which does not shrink when the
knee bends. Segment lengths only shrink in the image when a segment points toward the camera, so
the median over frames is a robust estimate in side views and a slight underestimate (a few %) in
rear and front views.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from gaitlab.pose.landmarks import SIDES, side_index
from gaitlab.pose.tracks import PoseTracks

#: Standing height divided by leg length (hip joint centre to ankle joint centre, leg straight).
#: Winter's anthropometric table (*Biomechanics and Motor Control of Human Movement*, 4th ed.,
#: segment lengths as fractions of standing height H) gives thigh 0.245 H and shank 0.246 H, so
#: leg length = 0.491 H; MediaPipe's hip and ankle landmarks sit near these joint centres. The
#: synthetic runner uses the same table. Across adults the ratio varies by about +-3%.
HEIGHT_PER_LEG_LENGTH: float = 1.0 / 0.491

#: Smallest number of steps per side for a timing metric (fewer -> value None with a reason).
MIN_STEPS_PER_SIDE: int = 4


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


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """``(left - right) / mean(left, right) * 100``; None if a side is missing or the mean is 0."""
    if left is None or right is None or not (np.isfinite(left) and np.isfinite(right)):
        return None
    mean = 0.5 * (left + right)
    if mean == 0:
        return None
    return float((left - right) / mean * 100.0)


@dataclasses.dataclass(frozen=True)
class SideSummary:
    """Mean and spread of one quantity over the usable steps or strides of both sides.

    Attributes
    ----------
    value
        Mean over all usable values (both sides pooled), None if too few.
    left, right
        Per-side means, None where that side has too few values.
    asymmetry_pct
        ``(left - right) / mean * 100`` when both sides exist.
    sd
        Standard deviation over all usable values.
    n
        Number of values the mean rests on.
    n_left, n_right
        Number of usable values per side.
    """

    value: float | None
    left: float | None
    right: float | None
    asymmetry_pct: float | None
    sd: float | None
    n: int
    n_left: int
    n_right: int


def summarise_sides(
    values: Sequence[float] | np.ndarray,
    sides: Sequence[str] | np.ndarray,
    *,
    min_per_side: int = MIN_STEPS_PER_SIDE,
) -> SideSummary:
    """Pool per-step (or per-stride) values into a headline mean, per-side means and asymmetry.

    Parameters
    ----------
    values
        One value per step or stride; NaN entries are ignored.
    sides
        ``"left"`` or ``"right"`` for each value.
    min_per_side
        A side with fewer finite values gets no mean. The headline value needs at least this
        many on each side, so that one well-tracked leg cannot stand in for the runner.

    Returns
    -------
    SideSummary
    """
    v = np.asarray(values, dtype=float)
    s = np.asarray(sides, dtype=object)
    ok = np.isfinite(v)
    per_side: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for side in SIDES:
        sel = v[ok & (s == side)]
        counts[side] = int(sel.size)
        per_side[side] = float(np.mean(sel)) if sel.size >= min_per_side else None
    both = all(counts[side] >= min_per_side for side in SIDES)
    pooled = v[ok]
    return SideSummary(
        value=float(np.mean(pooled)) if both else None,
        left=per_side["left"],
        right=per_side["right"],
        asymmetry_pct=asymmetry_pct(per_side["left"], per_side["right"]),
        sd=float(np.std(pooled, ddof=1)) if both and pooled.size > 1 else None,
        n=int(pooled.size) if both else 0,
        n_left=counts["left"],
        n_right=counts["right"],
    )
