"""Foot clearance: how high each foot is above the ground, in leg lengths, frame by frame.

The ground is not known in advance. Each foot landmark used (heel and toe) rests on it during
part of every stance, so its ground line is found from the lowest stretch of its own track: a
straight line ``y = a + b x`` in the image fitted to the samples near the bottom of the track
(iteratively, dropping samples above the line). Fitting per landmark absorbs the offset between
the heel and toe landmarks and the near/far foot's perspective; fitting against x absorbs a
tilted camera and a runner crossing the frame overground.

The clearance of a foot is the lower of its heel and toe clearances: the heel marks the strike
of a rearfoot striker, the toe the toe-off (and the strike of a forefoot striker).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitlab.pose.landmarks import side_index
from gaitlab.pose.tracks import PoseTracks

#: Foot landmarks whose clearance defines the foot's (heel for strike, toe for toe-off).
FOOT_PARTS: tuple[str, ...] = ("heel", "foot_index")


@dataclasses.dataclass(frozen=True)
class GroundLine:
    """Image ground line of one landmark: ``y_px = intercept_px + slope * x_px``."""

    intercept_px: float
    slope: float
    spread_px: float  # robust sd of the landmark's height about the line while on the ground

    def y_px(self, x_px: np.ndarray) -> np.ndarray:
        """Ground height (image y, pixels) below each x."""
        return self.intercept_px + self.slope * x_px


def fit_ground_line(
    x_px: np.ndarray, y_px: np.ndarray, leg_px: float, *, n_iter: int = 4
) -> GroundLine | None:
    """Fit the line a landmark rests on during stance (the bottom of its track).

    Parameters
    ----------
    x_px, y_px
        ``(T,)`` image coordinates of one foot landmark (NaN where missing).
    leg_px
        Leg length in pixels (sets the tolerance: samples within 4% of a leg length of the line,
        or 3 robust sd, count as on the ground).
    n_iter
        Refits.

    Returns
    -------
    GroundLine or None
        None when fewer than 10 samples exist.
    """
    ok = np.isfinite(x_px) & np.isfinite(y_px)
    if ok.sum() < 10:
        return None
    x, y = x_px[ok], y_px[ok]
    on_ground = y >= np.percentile(y, 70)
    intercept, slope, spread = float(np.median(y[on_ground])), 0.0, 0.0
    for _ in range(n_iter):
        xs, ys = x[on_ground], y[on_ground]
        if np.ptp(xs) > 0.2 * leg_px and xs.size >= 5:
            slope, intercept = (float(c) for c in np.polyfit(xs, ys, 1))
            # a ground seen through a camera is never steeper than ~30 degrees
            slope = float(np.clip(slope, -0.6, 0.6))
            intercept = float(np.median(ys - slope * xs))
        else:
            slope, intercept = 0.0, float(np.median(ys))
        resid = y - (intercept + slope * x)
        r = resid[on_ground]
        spread = float(1.4826 * np.median(np.abs(r - np.median(r))))
        new = resid > -max(0.04 * leg_px, 3.0 * spread)
        if new.sum() < 5 or np.array_equal(new, on_ground):
            break
        on_ground = new
    return GroundLine(intercept, slope, spread)


def part_clearances(tracks: PoseTracks, side: str, leg_px: float) -> dict[str, np.ndarray]:
    """Height of the heel and of the toe above their ground lines, leg lengths, ``(T,)`` each.

    Keys are the parts of :data:`FOOT_PARTS`; NaN where the landmark is missing (or where its
    track is too short to find its ground line).
    """
    out = {}
    for part in FOOT_PARTS:
        xy = tracks.image_xy_px[:, side_index(side, part)]
        line = fit_ground_line(xy[:, 0], xy[:, 1], leg_px)
        if line is None:
            out[part] = np.full(tracks.n_frames, np.nan)
        else:
            out[part] = (line.y_px(xy[:, 0]) - xy[:, 1]) / leg_px
    return out


def stance_noise_leg(height_leg: np.ndarray) -> float:
    """Robust sd of the clearance while the foot rests, from its frame-to-frame changes.

    Uses the samples in the lowest 30% of the track (mostly stance), where the true foot height
    barely changes, so the differences of consecutive samples are mostly tracking noise:
    ``sd = 1.4826 * MAD(diff) / sqrt(2)``.
    """
    h = np.asarray(height_leg, dtype=float)
    ok = np.isfinite(h)
    if ok.sum() < 10:
        return float("nan")
    low = ok & (h <= np.nanpercentile(h, 30))
    both = low[1:] & low[:-1]
    d = np.diff(h)[both]
    if d.size < 5:
        return float("nan")
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2.0))
