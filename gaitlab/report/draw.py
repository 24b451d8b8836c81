"""Drawing the skeleton and measurement lines on a picture (OpenCV, in place, RGB).

Shared by the key frames of the report and by ``annotated.mp4``. Sizes scale with the
picture (:func:`line_px`), so a phone clip and a small test clip look alike. Labels are numbers
and units only; the words that explain them live in the report's captions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from gaitlab.pose.landmarks import INDEX

RGB = tuple[int, int, int]

#: Colours (RGB) of the runner's left and right side and of the body's midline: blue and
#: vermillion from the Okabe-Ito colour-blind-safe palette, and white.
LEFT: RGB = (0, 114, 178)
RIGHT: RGB = (213, 94, 0)
MIDDLE: RGB = (255, 255, 255)
#: Measurement lines (reference lines dashed) and their labels.
MEASURE: RGB = (240, 228, 66)
OUTLINE: RGB = (20, 20, 20)
#: The plain background when there is no video.
BACKGROUND: RGB = (236, 238, 241)

#: Bones drawn, as landmark name pairs, by colour group.
BONES: dict[str, tuple[tuple[str, str], ...]] = {
    "left": (
        ("left_shoulder", "left_elbow"),
        ("left_elbow", "left_wrist"),
        ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"),
        ("left_ankle", "left_heel"),
        ("left_heel", "left_foot_index"),
        ("left_ankle", "left_foot_index"),
    ),
    "right": (
        ("right_shoulder", "right_elbow"),
        ("right_elbow", "right_wrist"),
        ("right_hip", "right_knee"),
        ("right_knee", "right_ankle"),
        ("right_ankle", "right_heel"),
        ("right_heel", "right_foot_index"),
        ("right_ankle", "right_foot_index"),
    ),
    "middle": (
        ("left_shoulder", "right_shoulder"),
        ("left_hip", "right_hip"),
        ("left_shoulder", "left_hip"),
        ("right_shoulder", "right_hip"),
    ),
}
#: Joints marked with a dot (the head is marked by the nose).
JOINTS: tuple[str, ...] = (
    "nose",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip


def colour_of(name: str) -> RGB:
    """The colour of a landmark: left, right or middle."""
    if name.startswith("left_"):
        return LEFT
    if name.startswith("right_"):
        return RIGHT
    return MIDDLE


def line_px(shape: Sequence[int]) -> int:
    """Line thickness for a picture of ``shape`` (rows, columns, ...): about 1/240 of its
    shorter side, at least 2 pixels."""
    return max(2, round(min(shape[0], shape[1]) / 240))


def joint_radius_px(shape: Sequence[int]) -> int:
    """Radius of a joint dot: 1/100 of the shorter side, at least 4 pixels."""
    return max(4, round(min(shape[0], shape[1]) / 100))


def plain_canvas(width_px: int, height_px: int) -> np.ndarray:
    """A ``(height, width, 3)`` RGB picture of the plain background."""
    return np.full((height_px, width_px, 3), BACKGROUND, dtype=np.uint8)


def _pt(xy: np.ndarray) -> tuple[int, int] | None:
    if xy is None or not np.isfinite(xy).all():
        return None
    return round(float(xy[0])), round(float(xy[1]))


def draw_skeleton(image: np.ndarray, xy_px: np.ndarray) -> np.ndarray:
    """Draw the skeleton of one frame's ``(33, 2)`` landmarks (NaN = not drawn) on ``image``.

    Bones are lines in the side's colour with a dark outline, joints filled dots; the picture
    is changed in place and returned.
    """
    width = line_px(image.shape)
    radius = joint_radius_px(image.shape)
    for group, bones in BONES.items():
        colour = {"left": LEFT, "right": RIGHT, "middle": MIDDLE}[group]
        for a, b in bones:
            pa, pb = _pt(xy_px[INDEX[a]]), _pt(xy_px[INDEX[b]])
            if pa is None or pb is None:
                continue
            cv2.line(image, pa, pb, OUTLINE, width + 2, cv2.LINE_AA)
            cv2.line(image, pa, pb, colour, width, cv2.LINE_AA)
    for name in JOINTS:
        p = _pt(xy_px[INDEX[name]])
        if p is None:
            continue
        cv2.circle(image, p, radius + 1, OUTLINE, -1, cv2.LINE_AA)
        cv2.circle(image, p, radius, colour_of(name), -1, cv2.LINE_AA)
    return image


def draw_dashed(
    image: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB = MEASURE, dash_px: int = 0
) -> np.ndarray:
    """A dashed line from ``a`` to ``b`` (image pixels)."""
    width = line_px(image.shape)
    dash = dash_px or 4 * width
    pa, pb = np.asarray(a, float), np.asarray(b, float)
    length = float(np.linalg.norm(pb - pa))
    if not np.isfinite(length) or length == 0:
        return image
    n = max(1, int(length // dash))
    for k in range(0, n, 2):
        p0 = pa + (pb - pa) * k / n
        p1 = pa + (pb - pa) * min(k + 1, n) / n
        cv2.line(image, _pt(p0), _pt(p1), colour, width, cv2.LINE_AA)
    return image


def draw_line(image: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB = MEASURE) -> np.ndarray:
    """A solid measurement line from ``a`` to ``b``, thicker than the bones."""
    pa, pb = _pt(np.asarray(a, float)), _pt(np.asarray(b, float))
    if pa is None or pb is None:
        return image
    width = line_px(image.shape) + 1
    cv2.line(image, pa, pb, OUTLINE, width + 2, cv2.LINE_AA)
    cv2.line(image, pa, pb, colour, width, cv2.LINE_AA)
    return image


def draw_arc(
    image: np.ndarray,
    centre: np.ndarray,
    from_dir: np.ndarray,
    to_dir: np.ndarray,
    radius_px: float,
    colour: RGB = MEASURE,
) -> np.ndarray:
    """An arc around ``centre`` from direction ``from_dir`` to ``to_dir`` (the shorter way)."""
    c = np.asarray(centre, float)
    if not np.isfinite(c).all():
        return image
    a0 = math.atan2(from_dir[1], from_dir[0])
    a1 = math.atan2(to_dir[1], to_dir[0])
    delta = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
    angles = a0 + np.linspace(0.0, delta, 24)
    pts = c + radius_px * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    cv2.polylines(
        image, [np.round(pts).astype(np.int32)], False, colour, line_px(image.shape), cv2.LINE_AA
    )
    return image


def draw_label(
    image: np.ndarray,
    text: str,
    at: np.ndarray,
    colour: RGB = MEASURE,
    scale: float = 1.0,
    anchor: Literal["left", "right"] = "left",
) -> np.ndarray:
    """``text`` on a dark box so it reads on any frame, its baseline at ``at``: starting there
    (``anchor="left"``) or ending there (``"right"``); moved inside the picture when it would
    fall off an edge."""
    p = _pt(np.asarray(at, float))
    if p is None:
        return image
    font = cv2.FONT_HERSHEY_SIMPLEX
    size = scale * min(image.shape[0], image.shape[1]) / 900
    thick = max(1, round(2 * size))
    (w, h), base = cv2.getTextSize(text, font, size, thick)
    pad = max(2, thick * 2)
    x0 = p[0] if anchor == "left" else p[0] - w
    x = int(np.clip(x0, pad, max(pad, image.shape[1] - w - pad)))
    y = int(np.clip(p[1], h + pad, max(h + pad, image.shape[0] - base - pad)))
    cv2.rectangle(image, (x - pad, y - h - pad), (x + w + pad, y + base + pad), OUTLINE, -1)
    cv2.putText(image, text, (x, y), font, size, colour, thick, cv2.LINE_AA)
    return image
