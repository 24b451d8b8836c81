"""Fill short gaps in landmark tracks; find and report the long ones."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator

from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.runs import true_runs

#: Landmarks whose absence makes a frame unusable for gait timing (legs and pelvis).
GAIT_LANDMARKS: tuple[str, ...] = tuple(
    f"{side}_{part}"
    for side in ("left", "right")
    for part in ("hip", "knee", "ankle", "heel", "foot_index")
)


@dataclasses.dataclass(frozen=True)
class Gap:
    """A stretch of consecutive frames where a landmark (or any of a set) is missing.

    Attributes
    ----------
    start_frame, stop_frame
        Frames ``start_frame`` to ``stop_frame - 1`` are missing.
    start_s, end_s
        Time of the first missing frame and time just after the last one (``+ 1 / fps``).
    """

    start_frame: int
    stop_frame: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the gap in seconds."""
        return self.end_s - self.start_s

    @property
    def n_frames(self) -> int:
        """Number of missing frames."""
        return self.stop_frame - self.start_frame


def find_gaps(
    tracks: PoseTracks,
    *,
    longer_than_s: float = 0.0,
    landmarks: Sequence[str] = GAIT_LANDMARKS,
) -> list[Gap]:
    """Every stretch of frames where any of ``landmarks`` is missing, longer than a limit.

    Parameters
    ----------
    tracks
        Landmark tracks.
    longer_than_s
        Only gaps strictly longer than this are returned (0 returns every gap). Pass the
        ``max_gap_s`` of :func:`fill_gaps` to list the gaps it left open.
    landmarks
        Landmark names; a frame counts as missing when any of them is NaN.

    Returns
    -------
    list of Gap
        In time order. Gaps at the start or end of the clip are included.
    """
    idx = [INDEX[name] for name in landmarks]
    missing = np.isnan(tracks.image_xy_px[:, idx, 0]).any(axis=1)
    period_s = 1.0 / tracks.fps
    gaps = []
    for start, stop in true_runs(missing):
        gap = Gap(
            start_frame=int(start),
            stop_frame=int(stop),
            start_s=float(tracks.time_s[start]),
            end_s=float(tracks.time_s[stop - 1] + period_s),
        )
        if gap.duration_s > longer_than_s + 1e-9:
            gaps.append(gap)
    return gaps


def fill_gaps(
    tracks: PoseTracks,
    *,
    max_gap_s: float,
    method: Literal["pchip", "cubic"] = "pchip",
) -> PoseTracks:
    """Interpolate gaps of at most ``max_gap_s`` in every landmark coordinate.

    Each landmark and coordinate is interpolated on its own, through all its valid samples, with
    a shape-preserving PCHIP (no overshoot next to a sharp foot strike) or a natural cubic
    spline. Only interior gaps are filled: nothing is extrapolated before the first or after
    the last valid sample, and longer gaps stay NaN (list them with :func:`find_gaps`).
    Visibility and presence are filled linearly over the same samples.

    Parameters
    ----------
    tracks
        Landmark tracks.
    max_gap_s
        Longest gap to fill, in seconds. A gap's length is its number of missing frames divided
        by the frame rate. The configured value (0.1 s: 3 frames at 30 fps) is under a third of
        a running step, so a filled stretch never spans a whole foot contact.
    method
        ``"pchip"`` (default) or ``"cubic"``.

    Returns
    -------
    PoseTracks
        Filled tracks; the step records the number of samples filled.
    """
    if method not in ("pchip", "cubic"):
        raise ValueError(
            f"Invalid value for the 'method' parameter. Allowed values are 'pchip' and 'cubic', "
            f"but got {method!r} instead."
        )
    max_missing = int(np.floor(max_gap_s * tracks.fps + 1e-9))
    fill = fillable_mask(tracks.image_xy_px[..., 0], max_missing)
    t = tracks.time_s
    image = _interpolate(t, tracks.image_xy_px, fill, method)
    world = _interpolate(t, tracks.world_xyz_m, fill, method)
    vis = _interpolate(t, tracks.visibility[..., None], fill, "linear")[..., 0]
    pres = _interpolate(t, tracks.presence[..., None], fill, "linear")[..., 0]
    out = tracks.replace(image_xy_px=image, world_xyz_m=world, visibility=vis, presence=pres)
    return out.with_step("fill_gaps", max_gap_s=max_gap_s, method=method, n_filled=int(fill.sum()))


def fillable_mask(values: np.ndarray, max_missing: int) -> np.ndarray:
    """``(T, L)`` True at NaN samples inside interior gaps of at most ``max_missing`` samples."""
    missing = np.isnan(values)
    out = np.zeros_like(missing)
    n = missing.shape[0]
    for j in range(missing.shape[1]):
        for start, stop in true_runs(missing[:, j]):
            if start > 0 and stop < n and stop - start <= max_missing:
                out[start:stop, j] = True
    return out


def _interpolate(t: np.ndarray, values: np.ndarray, fill: np.ndarray, method: str) -> np.ndarray:
    """Fill ``values[fill]`` (``(T, L, D)``), each landmark and coordinate on its own."""
    out = values.copy()
    for j in np.flatnonzero(fill.any(axis=0)):
        for d in range(values.shape[2]):
            y = values[:, j, d]
            ok = np.isfinite(y)
            target = fill[:, j] & ~ok
            if ok.sum() < 2 or not target.any():
                continue
            if method == "linear" or ok.sum() < 4:
                out[target, j, d] = np.interp(t[target], t[ok], y[ok])
            elif method == "pchip":
                out[target, j, d] = PchipInterpolator(t[ok], y[ok])(t[target])
            else:
                out[target, j, d] = CubicSpline(t[ok], y[ok], bc_type="natural")(t[target])
    return out
