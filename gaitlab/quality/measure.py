"""Figures behind the capture checks, measured from landmark tracks and picture arrays.

Pure functions on :class:`~gaitlab.pose.tracks.PoseTracks` and NumPy images; no file access.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks

#: Landmarks that must lie inside the picture for the whole body to count as in frame.
WHOLE_BODY_LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
#: Rec. 601 luma weights of R, G, B.
LUMA_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)


def whole_body_share(
    tracks: PoseTracks, names: Sequence[str] = WHOLE_BODY_LANDMARKS
) -> float | None:
    """Share of the frames with a pose in which every named landmark lies inside the picture.

    MediaPipe places landmarks it cannot see outside the picture (beyond the edge where the
    feet were cut off), so a coordinate test finds feet out of frame.

    Returns
    -------
    float or None
        0..1; None when no frame has a pose.
    """
    has = tracks.has_pose
    if not has.any():
        return None
    xy = tracks.image_xy_px[has][:, [INDEX[n] for n in names], :]
    with np.errstate(invalid="ignore"):
        inside = (
            (xy[..., 0] >= 0)
            & (xy[..., 0] <= tracks.width_px)
            & (xy[..., 1] >= 0)
            & (xy[..., 1] <= tracks.height_px)
        )
    return float(inside.all(axis=1).mean())


def runner_boxes_px(tracks: PoseTracks) -> np.ndarray:
    """``(T, 4)`` box ``x0, y0, x1, y1`` around each frame's landmarks (NaN without a pose)."""
    xy = tracks.image_xy_px
    out = np.full((tracks.n_frames, 4), np.nan)
    has = tracks.has_pose
    if has.any():
        out[has, :2] = np.nanmin(xy[has], axis=1)
        out[has, 2:] = np.nanmax(xy[has], axis=1)
    return out


def runner_height_px(tracks: PoseTracks) -> float | None:
    """Median height of the runner's landmark box over the frames with a pose (pixels).

    The landmarks span eyes to heels, about 90% of the body's height.
    """
    boxes = runner_boxes_px(tracks)
    h = boxes[:, 3] - boxes[:, 1]
    h = h[np.isfinite(h)]
    return float(np.median(h)) if h.size else None


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma (0-255 float) of an ``(H, W, 3)`` RGB picture."""
    return np.asarray(rgb, dtype=np.float32) @ np.asarray(LUMA_WEIGHTS, dtype=np.float32)


def box_mean_luma(rgb: np.ndarray, box_xyxy_px: np.ndarray) -> float | None:
    """Mean luma inside a box (clipped to the picture); None when the box is empty or NaN."""
    if not np.all(np.isfinite(box_xyxy_px)):
        return None
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box_xyxy_px
    xa, xb = int(np.clip(np.floor(x0), 0, w)), int(np.clip(np.ceil(x1), 0, w))
    ya, yb = int(np.clip(np.floor(y0), 0, h)), int(np.clip(np.ceil(y1), 0, h))
    if xb <= xa or yb <= ya:
        return None
    return float(luma(rgb[ya:yb, xa:xb]).mean())


def runner_luma(frames_rgb: Sequence[np.ndarray], boxes_xyxy_px: np.ndarray) -> float | None:
    """Median over frames of the mean luma in the runner's box (frames without a box skipped)."""
    values = [box_mean_luma(rgb, box) for rgb, box in zip(frames_rgb, boxes_xyxy_px, strict=True)]
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def background_mask(shape_hw: tuple[int, int], box_xyxy_px: np.ndarray, *, margin: float = 0.3):
    """``uint8`` mask (255 = background) excluding the runner's box grown by ``margin`` of its
    size on every side; the whole picture when the box is unknown."""
    h, w = shape_hw
    mask = np.full((h, w), 255, np.uint8)
    if np.all(np.isfinite(box_xyxy_px)):
        x0, y0, x1, y1 = box_xyxy_px
        dx, dy = margin * (x1 - x0), margin * (y1 - y0)
        xa, xb = int(max(0, x0 - dx)), int(min(w, np.ceil(x1 + dx)))
        ya, yb = int(max(0, y0 - dy)), int(min(h, np.ceil(y1 + dy)))
        mask[ya:yb, xa:xb] = 0
    return mask


def background_shift_px(
    prev_gray: np.ndarray,
    next_gray: np.ndarray,
    mask: np.ndarray,
    *,
    max_corners: int = 200,
    min_points: int = 8,
) -> np.ndarray | None:
    """Median movement ``(dx, dy)`` in pixels of background corners between two frames.

    Corners (Shi-Tomasi) are found in ``prev_gray`` where ``mask`` is non-zero and followed into
    ``next_gray`` with pyramidal Lucas-Kanade optical flow; the median of their displacements
    ignores the few that sit on moving things.

    Returns
    -------
    numpy.ndarray or None
        ``(2,)`` displacement; None when fewer than ``min_points`` corners were followed (a
        blank wall, a dark picture).
    """
    import cv2

    pts = cv2.goodFeaturesToTrack(
        prev_gray, maxCorners=max_corners, qualityLevel=0.01, minDistance=7, mask=mask
    )
    if pts is None or len(pts) < min_points:
        return None
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev_gray, next_gray, pts, None)
    ok = status.ravel() == 1
    if ok.sum() < min_points:
        return None
    d = (moved[ok] - pts[ok]).reshape(-1, 2)
    return np.median(d, axis=0).astype(float)


def shake_pct(shifts_px: np.ndarray, runner_height_px: float | None) -> float | None:
    """RMS frame-to-frame camera movement, a steady pan removed, in % of the runner's height.

    Parameters
    ----------
    shifts_px
        ``(n, 2)`` background movement between consecutive frames
        (:func:`background_shift_px`); rows with NaN are ignored.
    runner_height_px
        The runner's height in pixels (:func:`runner_height_px`).

    Returns
    -------
    float or None
        None with fewer than 3 measured frame pairs or no runner height.
    """
    d = np.asarray(shifts_px, dtype=float).reshape(-1, 2)
    d = d[np.isfinite(d).all(axis=1)]
    if d.shape[0] < 3 or runner_height_px is None or not runner_height_px > 0:
        return None
    jitter = d - np.median(d, axis=0)
    rms = float(np.sqrt(np.mean(np.sum(jitter**2, axis=1))))
    return 100.0 * rms / float(runner_height_px)


def strides_per_side_estimate(visible_s: float, step_hz: float) -> int:
    """Complete strides per side expected in ``visible_s`` seconds of running at ``step_hz``.

    A stride of one side is two steps; the first and last are usually cut by the clip's ends.
    """
    if not (np.isfinite(visible_s) and np.isfinite(step_hz)) or visible_s <= 0 or step_hz <= 0:
        return 0
    return max(0, int(np.floor(visible_s * step_hz / 2.0)) - 1)


def roll_picture(rgb: np.ndarray, *, work_px: int = 640) -> tuple[np.ndarray, float]:
    """The grey picture :func:`scene_roll_deg` works on (long side ``work_px`` pixels), and
    its scale from the original."""
    import cv2

    h, w = rgb.shape[:2]
    scale = work_px / max(h, w)
    gray = cv2.cvtColor(
        cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA),
        cv2.COLOR_RGB2GRAY,
    )
    return gray, scale


def scene_roll_deg(
    rgb: np.ndarray,
    exclude_box_xyxy_px: np.ndarray | None = None,
    *,
    max_lean_deg: float = 20.0,
    work_px: int = 640,
    min_lines: int = 5,
) -> float | None:
    """Camera roll from the scene's near-vertical straight edges (door frames, walls, poles).

    Edges (Canny) outside the runner's box are searched for straight lines (probabilistic
    Hough transform) at least 8% of the picture's long side; each line leaning less than
    ``max_lean_deg`` from the vertical votes with its lean, weighted by its length. Perspective
    bends verticals by a few degrees when the camera looks up or down (2-4.5 degrees on
    ``male_side.mp4``), so this only tells a clearly tilted camera from a level one.

    Parameters
    ----------
    rgb
        ``(H, W, 3)`` RGB picture.
    exclude_box_xyxy_px
        The runner's box (grown by 10%), whose edges are ignored; None to use the whole picture.
    max_lean_deg
        Lines leaning more are not taken as verticals.
    work_px
        The picture is scaled so its long side has this many pixels.
    min_lines
        Fewer verticals: None.

    Returns
    -------
    float or None
        Degrees, positive when the picture's content is turned counter-clockwise (the
        convention of :func:`gaitlab.metrics.sagittal.camera_roll_deg`); None without enough
        verticals (an open field, a blank wall).
    """
    gray, scale = roll_picture(rgb, work_px=work_px)
    box = None if exclude_box_xyxy_px is None else np.asarray(exclude_box_xyxy_px) * scale
    return scene_roll_of_gray(gray, box, max_lean_deg=max_lean_deg, min_lines=min_lines)


def scene_roll_of_gray(
    gray: np.ndarray,
    exclude_box_xyxy_px: np.ndarray | None = None,
    *,
    max_lean_deg: float = 20.0,
    min_lines: int = 5,
) -> float | None:
    """:func:`scene_roll_deg` of a picture already made by :func:`roll_picture` (the box in
    its pixels)."""
    import cv2

    work_px = max(gray.shape[:2])
    edges = cv2.Canny(gray, 50, 150)
    if exclude_box_xyxy_px is not None and np.all(np.isfinite(exclude_box_xyxy_px)):
        edges &= background_mask(edges.shape, np.asarray(exclude_box_xyxy_px), margin=0.1)
    lines = cv2.HoughLinesP(
        edges, 1, np.pi / 360, threshold=40, minLineLength=int(0.08 * work_px), maxLineGap=4
    )
    if lines is None:
        return None
    x0, y0, x1, y1 = lines.reshape(-1, 4).astype(float).T
    down = np.where(y1 >= y0, 1.0, -1.0)  # orient every line to point down the picture
    dx, dy = (x1 - x0) * down, (y1 - y0) * down
    # pointing down and to the right = the top leans left = content turned counter-clockwise
    lean = np.degrees(np.arctan2(dx, dy))
    keep = np.abs(lean) < max_lean_deg
    if keep.sum() < min_lines:
        return None
    return weighted_median(lean[keep], np.hypot(dx, dy)[keep])


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at which the cumulative weight reaches half the total."""
    order = np.argsort(values)
    cum = np.cumsum(np.asarray(weights, dtype=float)[order])
    return float(np.asarray(values, dtype=float)[order][np.searchsorted(cum, 0.5 * cum[-1])])


def scene_roll_from_frames(
    frames_rgb: Sequence[np.ndarray], boxes_xyxy_px: np.ndarray, *, min_frames: int = 3
) -> float | None:
    """Median of :func:`scene_roll_deg` over frames (None when fewer than ``min_frames`` have
    enough verticals)."""
    values = [scene_roll_deg(rgb, box) for rgb, box in zip(frames_rgb, boxes_xyxy_px, strict=True)]
    values = [v for v in values if v is not None]
    return float(np.median(values)) if len(values) >= min_frames else None
