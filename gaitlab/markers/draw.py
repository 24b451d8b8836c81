"""Drawing the stickers and the pelvis lines on a picture (OpenCV, in place, RGB).

For the report's key frames and the annotated video: a ring around each sticker found in the
frame, the line between the two stickers that give the angle (both PSIS in a rear view, both
ASIS in a front view, PSIS to ASIS in a side view), a dashed level line through its first end
to read the angle against, and an optional label (numbers and units only; the words live in the
report's captions). Sizes scale with the picture, as in :mod:`gaitlab.report.draw`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from gaitlab.markers.model import MarkerTracks

RGB = tuple[int, int, int]

#: The pelvis line (yellow of the Okabe-Ito palette, as the report's measurement lines), its
#: outline, and the ring drawn around a sticker.
LINE: RGB = (240, 228, 66)
OUTLINE: RGB = (20, 20, 20)
RING: RGB = (255, 255, 255)


def line_px(shape: Sequence[int]) -> int:
    """Line width for a picture of this shape (2 px at 720 px wide)."""
    return max(1, round(min(shape[0], shape[1]) / 360))


def pair_for(layout: str, near_side: str | None) -> tuple[str, str] | None:
    """The two stickers whose line gives the angle, first end first (the level line's end)."""
    if layout == "rear":
        return ("psis_left", "psis_right")
    if layout == "front":
        return ("asis_right", "asis_left")
    if layout == "side" and near_side in ("left", "right"):
        return (f"psis_{near_side}", f"asis_{near_side}")
    return None


def points_at(markers: MarkerTracks, frame: int) -> dict[str, np.ndarray]:
    """The stickers seen in one frame: id -> ``(2,)`` centre in px."""
    out = {}
    if not 0 <= frame < markers.n_frames:
        return out
    for m, track in markers.markers.items():
        c = track.centre_px[frame]
        if np.isfinite(c).all():
            out[m] = c
    return out


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return (round(float(xy[0])), round(float(xy[1])))


def _dashed(image: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB, width: int) -> None:
    length = float(np.hypot(*(b - a)))
    dash = max(4.0, 4.0 * width)
    n = max(1, int(length // (2 * dash)))
    for k in range(n + 1):
        s0, s1 = 2 * k * dash / length, min(1.0, (2 * k + 1) * dash / length)
        if s0 >= 1.0:
            break
        cv2.line(image, _pt(a + s0 * (b - a)), _pt(a + s1 * (b - a)), colour, width, cv2.LINE_AA)


def draw_markers(
    image: np.ndarray,
    points: Mapping[str, np.ndarray],
    *,
    layout: str,
    near_side: str | None = None,
    colours: Mapping[str, RGB] | None = None,
    radius_px: Mapping[str, float] | None = None,
    label: str | None = None,
) -> np.ndarray:
    """Rings around the stickers, the pelvis line and its level reference, in place.

    Parameters
    ----------
    image
        ``(H, W, 3)`` uint8 RGB picture.
    points
        Sticker id -> centre (:func:`points_at`).
    layout, near_side
        What the camera sees (:class:`~gaitlab.markers.model.MarkerTracks`).
    colours
        Sticker id -> its colour (the ring's inner colour); white when not given.
    radius_px
        Sticker id -> its radius in the picture (the ring sits just outside it).
    label
        Text beside the line (e.g. ``"4.1°"``), or None.

    Returns
    -------
    numpy.ndarray
        ``image``.
    """
    width = line_px(image.shape)
    pair = pair_for(layout, near_side)
    if pair is not None and all(p in points for p in pair):
        a, b = (np.asarray(points[p], float) for p in pair)
        length = float(np.hypot(*(b - a)))
        level = a + np.array([math.copysign(length, b[0] - a[0]), 0.0])
        _dashed(image, a, level, LINE, width)
        cv2.line(image, _pt(a), _pt(b), OUTLINE, width + 2, cv2.LINE_AA)
        cv2.line(image, _pt(a), _pt(b), LINE, width, cv2.LINE_AA)
        if label:
            scale = max(0.4, image.shape[1] / 1400)
            (tw, _th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, width)
            mid = (a + b) / 2
            at = (round(mid[0] - tw / 2), round(min(a[1], b[1]) - 4 * width - 2))
            cv2.putText(
                image, label, at, cv2.FONT_HERSHEY_SIMPLEX, scale, OUTLINE, width + 2, cv2.LINE_AA
            )
            cv2.putText(image, label, at, cv2.FONT_HERSHEY_SIMPLEX, scale, LINE, width, cv2.LINE_AA)
    for m, c in points.items():
        r = (radius_px or {}).get(m, 4.0 * width)
        ring = max(r + 2.0 * width, 3.0 * width)
        colour = (colours or {}).get(m, RING)
        cv2.circle(image, _pt(c), round(ring), OUTLINE, width + 2, cv2.LINE_AA)
        cv2.circle(image, _pt(c), round(ring), colour, width, cv2.LINE_AA)
        cv2.circle(image, _pt(c), max(1, width // 2), RING, -1, cv2.LINE_AA)
    return image


def draw_frame_markers(
    image: np.ndarray, markers: MarkerTracks, frame: int, *, label: str | None = None
) -> np.ndarray:
    """:func:`draw_markers` for one frame of a clip's sticker tracks (their own colours)."""
    pts = points_at(markers, frame)
    colours = {m: t.colour_rgb for m, t in markers.markers.items()}
    radii = {m: float(t.radius_px[frame]) for m, t in markers.markers.items() if m in pts}
    return draw_markers(
        image,
        pts,
        layout=markers.layout,
        near_side=markers.near_side,
        colours=colours,
        radius_px=radii,
        label=label,
    )
