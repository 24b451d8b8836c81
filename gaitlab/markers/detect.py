"""Sticker candidates in one frame: round, saturated blobs of a sticker's size near the pelvis.

Steps, all in a small region of interest (ROI) around the pose's hip midpoint:

1. HSV; pixels with enough saturation and brightness, split into overlapping hue windows, so a
   green sticker on blue shorts is its own blob and not part of the shorts;
2. connected components of each window, kept when their area fits a sticker's expected size
   (from the torso length in pixels) and their shape is a filled ellipse (a disc seen at an
   angle or stretched by motion blur), not a sliver, ring or ragged patch;
3. a sub-pixel centre. Each pixel near the blob gets the share of sticker colour in it,
   ``w = clip(((c - bg) . (fg - bg)) / |fg - bg|^2, 0, 1)`` with ``fg`` the blob's colour and
   ``bg`` the median colour of a ring around it (a pixel on the edge is a linear mix of the
   two, from anti-aliasing, optics, chroma subsampling or motion blur); the centre is the
   ``w``-weighted centroid, and ``sqrt(sum(w) / pi)`` the radius. Measured against a binary
   centroid and an ellipse fit in ``benchmarks/markers/centre_accuracy.py``.

Nothing here depends on other frames: the same frame always gives the same blobs.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import cv2
import numpy as np

from gaitlab.config.settings import MarkerSettings
from gaitlab.markers.colours import hue_of_rgb
from gaitlab.pose.landmarks import INDEX

_L_SH, _R_SH = INDEX["left_shoulder"], INDEX["right_shoulder"]
_L_HIP, _R_HIP = INDEX["left_hip"], INDEX["right_hip"]

# Mahalanobis radii (in units of the blob's own second-moment ellipse, whose edge is at 2):
# the weights are read inside INNER, the background ring between INNER and OUTER.
_INNER = 2.9
_OUTER = 4.3
#: Sectors of the ring in which the background around a blob is read.
_SECTORS = 8


@dataclasses.dataclass(frozen=True, slots=True)
class Blob:
    """One sticker candidate in one frame.

    Attributes
    ----------
    x_px, y_px
        Sub-pixel centre in the frame (x right, y down).
    radius_px
        Radius of a disc with the blob's (weighted) area.
    elongation
        Longest over shortest axis of its second-moment ellipse (1 for a disc).
    hue_deg, saturation, value
        Its colour (mean of the blob's core) in HSV, hue in degrees, the rest 0-1.
    rgb
        The same colour in RGB (0-255).
    contrast
        Distance between its colour and the ring around it (RGB 0-1).
    score
        How much it looks like a sticker (0-1).
    """

    x_px: float
    y_px: float
    radius_px: float
    elongation: float
    hue_deg: float
    saturation: float
    value: float
    rgb: tuple[int, int, int]
    contrast: float
    score: float


@dataclasses.dataclass(frozen=True, slots=True)
class Roi:
    """The region searched in one frame: ``[x0, x1) x [y0, y1)`` and the torso length in px."""

    x0: int
    y0: int
    x1: int
    y1: int
    torso_px: float


def pelvis_roi(
    landmarks_px: np.ndarray | None, frame_size_px: tuple[int, int], settings: MarkerSettings
) -> Roi | None:
    """The region around the hips where stickers on the pelvis can be, or None without a pose.

    Parameters
    ----------
    landmarks_px
        ``(33, 2)`` image landmarks of the runner in this frame (NaN when missing), or None.
    frame_size_px
        ``(width, height)``.
    settings
        ``roi_side``, ``roi_up``, ``roi_down`` (torso lengths).
    """
    if landmarks_px is None:
        return None
    lm = np.asarray(landmarks_px, dtype=float)
    hip = (lm[_L_HIP] + lm[_R_HIP]) / 2.0
    shoulder = (lm[_L_SH] + lm[_R_SH]) / 2.0
    if not (np.isfinite(hip).all() and np.isfinite(shoulder).all()):
        return None
    torso = float(np.hypot(*(shoulder - hip)))
    if torso < 8.0:
        return None
    w, h = frame_size_px
    x0 = int(max(0, math.floor(hip[0] - settings.roi_side * torso)))
    x1 = int(min(w, math.ceil(hip[0] + settings.roi_side * torso)))
    y0 = int(max(0, math.floor(hip[1] - settings.roi_up * torso)))
    y1 = int(min(h, math.ceil(hip[1] + settings.roi_down * torso)))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return Roi(x0, y0, x1, y1, torso)


def expected_radius_px(torso_px: float, settings: MarkerSettings) -> tuple[float, float]:
    """Smallest and largest sticker radius (px) for a torso this long in the picture."""
    lo, hi = settings.sticker_min_mm, settings.sticker_max_mm
    scale = torso_px / settings.torso_mm
    # torsos in the picture are shortened by lean and vary between people: a wide margin
    return max(settings.min_radius_px, 0.5 * lo * scale * 0.7), 0.5 * hi * scale * 1.6


@functools.cache
def _hue_luts_for(window_deg: float) -> tuple[np.ndarray, ...]:
    half = window_deg / 2.0 * 256.0 / 360.0
    n = max(3, math.ceil(256.0 / (half * 1.25)))
    h = np.arange(256)
    luts = []
    for i in range(n):
        centre = round(i * 256.0 / n)
        luts.append(np.abs((h - centre + 128) % 256 - 128) <= math.ceil(half))
    return tuple(luts)


def _hue_luts(settings: MarkerSettings) -> tuple[np.ndarray, ...]:
    """One boolean lookup table (256 hues) per overlapping hue window."""
    return _hue_luts_for(float(settings.hue_window_deg))


def detect_blobs(rgb: np.ndarray, roi: Roi, settings: MarkerSettings) -> list[Blob]:
    """Sticker candidates in the region ``roi`` of one frame.

    Colourful pixels (chroma and saturation high enough) are grouped into connected components
    once; a component of one hue is measured as it is, and one that mixes hues (a sticker on
    cloth of another strong colour) is split into overlapping hue windows inside its box.

    Parameters
    ----------
    rgb
        The whole frame, ``(H, W, 3)`` uint8 RGB.
    roi
        Where to look (:func:`pelvis_roi`).
    settings
        Size, colour and shape gates.

    Returns
    -------
    list of Blob
        Best first; blobs found twice (in two overlapping hue windows) are kept once.
    """
    patch = np.ascontiguousarray(rgb[roi.y0 : roi.y1, roi.x0 : roi.x1])
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV_FULL)
    r, g, b = cv2.split(patch)
    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    colourful = (chroma >= round(settings.min_chroma * 255)) & (
        hsv[..., 1] >= round(settings.min_saturation * 255)
    )
    if not colourful.any():
        return []
    r_lo, r_hi = expected_radius_px(roi.torso_px, settings)
    gate = _Gate(
        area_lo=max(4.0, math.pi * r_lo * r_lo * 0.8),
        area_hi=math.pi * r_hi * r_hi * settings.max_elongation,
        r_lo=r_lo,
        r_hi=r_hi,
    )
    hue = hsv[..., 0]
    # (how unlike a disc its box is, labels, component, origin of the labels, stats)
    candidates: list[tuple[float, np.ndarray, int, tuple[int, int], np.ndarray]] = []
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        colourful.astype(np.uint8), connectivity=8
    )
    spread = _hue_spread_per_label_deg(hue[colourful], labels[colourful], n)
    area = stats[:, cv2.CC_STAT_AREA]
    big = area >= gate.area_lo
    big[0] = False
    mixed = big & ((spread > settings.max_hue_spread_deg) | (area > gate.area_hi))
    whole = (
        big & ~mixed & (area >= 0.4 * stats[:, cv2.CC_STAT_WIDTH] * stats[:, cv2.CC_STAT_HEIGHT])
    )
    for k in np.flatnonzero(whole):
        candidates.append((_unlike_disc(stats[k]), labels, int(k), (0, 0), stats[k]))
    if mixed.any():
        # several colours, or a large patch that may hold a sticker of another hue: split the
        # box around all such components into hue windows
        st = stats[mixed]
        x0, y0 = int(st[:, 0].min()), int(st[:, 1].min())
        x1, y1 = int((st[:, 0] + st[:, 2]).max()), int((st[:, 1] + st[:, 3]).max())
        sub_hue = hsv[y0:y1, x0:x1, 0]
        sub_mask = colourful[y0:y1, x0:x1]
        counts = np.bincount(sub_hue[sub_mask], minlength=256)
        for lut in _hue_luts(settings):
            if int(counts[lut].sum()) < gate.area_lo:
                continue
            mask = (lut[sub_hue] & sub_mask).view(np.uint8)
            _, sub_labels, sub_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            a = sub_stats[1:, cv2.CC_STAT_AREA]
            bw = sub_stats[1:, cv2.CC_STAT_WIDTH]
            bh = sub_stats[1:, cv2.CC_STAT_HEIGHT]
            ok = (a >= gate.area_lo) & (a <= gate.area_hi) & (a >= 0.4 * bw * bh)
            for k in np.flatnonzero(ok) + 1:
                candidates.append(
                    (_unlike_disc(sub_stats[k]), sub_labels, int(k), (x0, y0), sub_stats[k])
                )
    # a busy print can hold hundreds of small colourful patches: measure the most disc-like
    candidates.sort(key=lambda c: c[0])
    # the same blob found in two overlapping hue windows has the same box: measure it once
    seen: set[tuple[int, int, int, int]] = set()
    unique = []
    for c in candidates:
        box = (int(c[4][0]) + c[3][0], int(c[4][1]) + c[3][1], int(c[4][2]), int(c[4][3]))
        if box not in seen:
            seen.add(box)
            unique.append(c)
    patch_f = patch.astype(np.float32)
    found: list[Blob] = []
    for _, lab, k, origin, stat in unique[: settings.max_candidates]:
        blob = _measure(patch_f, lab, k, origin, stat, roi, settings, gate)
        if blob is not None:
            found.append(blob)
    return _unique(found)


@dataclasses.dataclass(frozen=True, slots=True)
class _Gate:
    area_lo: float
    area_hi: float
    r_lo: float
    r_hi: float


def _unlike_disc(stat: np.ndarray) -> float:
    """How far a component's bounding box is from a disc's (0 for a disc, larger otherwise)."""
    bw, bh, a = float(stat[2]), float(stat[3]), float(stat[4])
    return abs(a / (bw * bh) - math.pi / 4.0) + abs(math.log(bw / bh))


def _hue_spread_per_label_deg(hue: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Circular spread (degrees) of hues (OpenCV's 0-255 circle) per label ``0..n-1``."""
    ang = hue.astype(np.float32) * np.float32(2.0 * math.pi / 256.0)
    lab = labels
    count = np.maximum(np.bincount(lab, minlength=n), 1)
    c = np.bincount(lab, weights=np.cos(ang), minlength=n) / count
    s = np.bincount(lab, weights=np.sin(ang), minlength=n) / count
    r = np.clip(np.hypot(c, s), 1e-9, 1.0)
    return np.degrees(np.sqrt(-2.0 * np.log(r)))


def _measure(
    patch: np.ndarray,
    labels: np.ndarray,
    k: int,
    origin: tuple[int, int],
    stat: np.ndarray,
    roi: Roi,
    settings: MarkerSettings,
    gate: _Gate,
) -> Blob | None:
    """Shape gates and the sub-pixel centre of component ``k``; None when it is no sticker.

    ``labels`` covers the part of ``patch`` that starts at ``origin`` (x, y).
    """
    ox, oy = origin
    x, y, bw, bh = (int(v) for v in stat[:4])
    x, y = x + ox, y + oy
    ph, pw = patch.shape[:2]
    if x == 0 or y == 0 or x + bw >= pw or y + bh >= ph:
        return None  # cut by the region's edge: its centre would be wrong
    pad = math.ceil(max(bw, bh) * 0.8) + 2
    wx0, wy0 = max(0, x - pad), max(0, y - pad)
    wx1, wy1 = min(pw, x + bw + pad), min(ph, y + bh + pad)
    comp = np.zeros((wy1 - wy0, wx1 - wx0), bool)
    lx0, ly0 = max(0, wx0 - ox), max(0, wy0 - oy)
    lx1, ly1 = min(labels.shape[1], wx1 - ox), min(labels.shape[0], wy1 - oy)
    comp[ly0 + oy - wy0 : ly1 + oy - wy0, lx0 + ox - wx0 : lx1 + ox - wx0] = (
        labels[ly0:ly1, lx0:lx1] == k
    )
    mo = cv2.moments(comp.view(np.uint8), binaryImage=True)
    n_px = mo["m00"]
    cx, cy = mo["m10"] / n_px, mo["m01"] / n_px
    cov = np.array([[mo["mu20"], mo["mu11"]], [mo["mu11"], mo["mu02"]]]) / n_px + np.eye(2) / 12.0
    evals = np.linalg.eigvalsh(cov)  # + a pixel's own spread (1/12) on the diagonal
    if evals[0] <= 0:
        return None
    elongation = float(math.sqrt(evals[1] / evals[0]))
    fill = n_px / (4.0 * math.pi * math.sqrt(evals[0] * evals[1]))
    if elongation > settings.max_elongation or not settings.fill_min <= fill <= settings.fill_max:
        return None
    win = patch[wy0:wy1, wx0:wx1]
    gy, gx = np.mgrid[0 : wy1 - wy0, 0 : wx1 - wx0]
    dx, dy = gx - cx, gy - cy
    inv = np.linalg.inv(cov)
    md = np.sqrt(inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy)
    ring = (md >= _INNER) & (md <= _OUTER) & ~comp
    if ring.sum() < 8:
        return None
    fg = win[comp].mean(axis=0)
    bg = win[ring].mean(axis=0)
    contrast = float(np.linalg.norm(fg - bg)) / 255.0
    if contrast < settings.min_contrast:
        return None
    centre = subpixel_centre(win, comp, ring, md <= _INNER, settings.centre_method, (gx, gy))
    if centre is None:
        return None
    sx, sy, area, soft_elongation = centre
    radius = math.sqrt(area / math.pi)
    if not gate.r_lo * 0.8 <= radius <= gate.r_hi:
        return None
    hue, sat, val = hue_of_rgb(fg)
    score = (
        min(1.0, sat / 0.6)
        * min(1.0, contrast / 0.35)
        * max(0.0, 1.0 - abs(fill - 1.0))
        / max(1.0, elongation) ** 0.5
    )
    return Blob(
        x_px=roi.x0 + wx0 + sx,
        y_px=roi.y0 + wy0 + sy,
        radius_px=radius,
        elongation=soft_elongation,
        hue_deg=hue,
        saturation=sat,
        value=val,
        rgb=(round(fg[0]), round(fg[1]), round(fg[2])),
        contrast=contrast,
        score=float(score),
    )


def _opponent(rgb: np.ndarray) -> np.ndarray:
    """Opponent chroma ``(R - G, (R + G) / 2 - B)``: zero for any grey, however bright."""
    return np.stack(
        [rgb[..., 0] - rgb[..., 1], 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]], -1
    )


def subpixel_centre(
    win: np.ndarray,
    comp: np.ndarray,
    ring: np.ndarray,
    near: np.ndarray,
    method: str,
    grid: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, float, float, float] | None:
    """Sub-pixel centre ``(x, y)`` in ``win``'s pixels, the area (px^2) and the elongation
    (long over short axis of the weighted second moments) of one blob.

    Parameters
    ----------
    win
        ``(h, w, 3)`` float RGB around the blob.
    comp
        The blob's pixels (its connected component).
    ring
        Pixels of a ring around it (the background).
    near
        Pixels that may hold part of the sticker (inside the ring).
    method
        ``"chroma"``: each pixel's share of sticker colour in the opponent-chroma plane
        (brightness left out, so folds, shadows and shading of a grey or white background do
        not count), measured from the ring's median to the blob's mean colour, counted fully
        from 60% up (shading on a raised ball), and the weighted centroid. ``"rgb"``: the same
        share in RGB, unclipped. ``"binary"``: the centroid of the component. ``"ellipse"``:
        the centre of an ellipse fitted to the component's outline (``cv2.fitEllipse``).
    grid
        ``(x, y)`` pixel coordinates of ``win`` (``np.mgrid`` order y, x), when already made.
    """
    if method == "binary":
        ys, xs = np.nonzero(comp)
        cx, cy = float(xs.mean()), float(ys.mean())
        return cx, cy, float(xs.size), _elongation(np.ones(xs.size), xs - cx, ys - cy)
    if method == "ellipse":
        contours, _ = cv2.findContours(
            comp.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
        )
        pts = max(contours, key=len) if contours else None
        if pts is None or len(pts) < 5:
            return None
        (ex, ey), (a, b), _ = cv2.fitEllipse(pts)
        return float(ex), float(ey), math.pi * a * b / 4.0, max(a, b) / max(min(a, b), 1e-9)
    if method == "rgb":
        col = win
        full = 1.0
    elif method == "chroma":
        col = _opponent(win)
        full = 0.6
    else:
        raise ValueError(method)
    gx, gy = grid if grid is not None else np.mgrid[0 : win.shape[0], 0 : win.shape[1]][::-1]
    fg = col[comp].mean(axis=0)
    bg = _local_background(col, ring, comp, gx, gy)
    axis = fg - bg
    norm2 = np.einsum("...i,...i->...", axis, axis)
    if float(np.median(norm2[near])) < 1.0:
        return None
    share = np.einsum("...i,...i->...", col - bg, axis) / np.maximum(norm2, 1.0)
    area = float((np.clip(share, 0.0, 1.0) * near).sum())
    w = np.clip(share / full, 0.0, 1.0) * near
    total = float(w.sum())
    if total <= 0:
        return None
    cx, cy = float((w * gx).sum() / total), float((w * gy).sum() / total)
    return cx, cy, area, _elongation(w, gx - cx, gy - cy)


def _local_background(
    col: np.ndarray, ring: np.ndarray, comp: np.ndarray, gx: np.ndarray, gy: np.ndarray
) -> np.ndarray:
    """Each pixel's background colour: the median of the ring in its direction from the blob.

    The ring is cut into :data:`_SECTORS` sectors around the blob's centre; a sector with too
    few ring pixels takes the whole ring's median. A sticker on the edge between two cloths
    (a waistband, a shirt's hem) thus mixes, on each side, with the cloth really next to it.
    """
    ys, xs = np.nonzero(comp)
    cx, cy = xs.mean(), ys.mean()
    sector = ((np.arctan2(gy - cy, gx - cx) + math.pi) * (_SECTORS / (2 * math.pi))).astype(int)
    sector = np.minimum(sector, _SECTORS - 1)
    whole = np.median(col[ring], axis=0)
    table = np.empty((_SECTORS, col.shape[-1]), dtype=col.dtype)
    for k in range(_SECTORS):
        pick = ring & (sector == k)
        table[k] = np.median(col[pick], axis=0) if pick.sum() >= 3 else whole
    return table[sector]


def _elongation(w: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> float:
    """Long over short axis of the ``w``-weighted second moments (sub-pixel: a few-pixel blob
    is not forced into whole-pixel shapes)."""
    total = float(w.sum())
    cov = (
        np.array(
            [[(w * dx * dx).sum(), (w * dx * dy).sum()], [(w * dx * dy).sum(), (w * dy * dy).sum()]]
        )
        / total
        + np.eye(2) / 12.0
    )
    lo, hi = np.linalg.eigvalsh(cov)
    return float(math.sqrt(hi / lo)) if lo > 0 else float("inf")


def _unique(blobs: list[Blob]) -> list[Blob]:
    """Best-first, keeping one of blobs whose centres lie within one radius of each other."""
    kept: list[Blob] = []
    for b in sorted(blobs, key=lambda b: -b.score):
        if all(
            math.hypot(b.x_px - o.x_px, b.y_px - o.y_px) > max(b.radius_px, o.radius_px)
            for o in kept
        ):
            kept.append(b)
    return kept
