"""Stickers drawn onto real frames, for the sticker tests and benchmarks.

A sticker is an anti-aliased disc (drawn at 8x and area-averaged down), matte (its colour
scaled by the brightness of the cloth or skin under it, as a matte sticker under the same light
would be), optionally smeared along its motion (motion blur) and partly covered by a skin
coloured patch (a hand passing over it). Its centre path follows a point fixed to the pelvis,
derived from the pose's (smoothed) hip and shoulder landmarks, and is returned as the truth.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import cv2
import numpy as np

from gaitlab.pose.landmarks import INDEX

_SS = 8


@dataclasses.dataclass(frozen=True)
class StickerSpec:
    """One sticker to draw.

    Attributes
    ----------
    name
        What it stands for (``"asis"``, ``"psis_left"``, ...).
    rgb
        Its colour (0-255).
    forward, up, side
        Its place relative to the hip midpoint, in torso lengths: along the runner's facing
        direction in the image, up the torso, and toward the runner's left hip.
    diameter_mm
        Its size, scaled to the picture with a 500 mm torso.
    """

    name: str
    rgb: tuple[int, int, int]
    forward: float = 0.0
    up: float = 0.15
    side: float = 0.0
    diameter_mm: float = 25.0


def smooth(path: np.ndarray, n: int = 7) -> np.ndarray:
    """A centred moving average along the first axis (edges use what they have)."""
    out = np.empty_like(path)
    half = n // 2
    for i in range(len(path)):
        out[i] = np.nanmean(path[max(0, i - half) : i + half + 1], axis=0)
    return out


def sticker_paths(
    landmarks_px: np.ndarray, specs: list[StickerSpec], facing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Centre paths ``(K, T, 2)`` and radii ``(K, T)`` of stickers fixed to the pelvis.

    ``facing`` is +1 when the runner faces image-right, -1 when image-left.
    """
    lm = np.asarray(landmarks_px, dtype=float)
    hip = smooth((lm[:, INDEX["left_hip"]] + lm[:, INDEX["right_hip"]]) / 2)
    sh = smooth((lm[:, INDEX["left_shoulder"]] + lm[:, INDEX["right_shoulder"]]) / 2)
    lr = smooth(lm[:, INDEX["left_hip"]] - lm[:, INDEX["right_hip"]])
    up_vec = sh - hip
    torso = np.linalg.norm(up_vec, axis=1, keepdims=True)
    up_unit = up_vec / torso
    perp = np.stack([-up_unit[:, 1], up_unit[:, 0]], axis=1)  # (1, 0) when upright
    fwd_unit = perp * np.where(perp[:, :1] * facing >= 0, 1.0, -1.0)
    centres = []
    radii = []
    for s in specs:
        c = hip + torso * (s.forward * fwd_unit + s.up * up_unit) + s.side * lr
        centres.append(c)
        radii.append(torso[:, 0] * s.diameter_mm / 2 / 500.0)
    return np.asarray(centres), np.asarray(radii)


def draw_sticker(
    rgb: np.ndarray,
    centre_px: np.ndarray,
    radius_px: float,
    colour: tuple[int, int, int],
    *,
    blur_px: np.ndarray | None = None,
    cover: np.ndarray | None = None,
) -> None:
    """Draw one matte sticker onto ``rgb`` in place.

    Parameters
    ----------
    centre_px
        Where (sub-pixel).
    radius_px
        Its radius.
    colour
        RGB 0-255 under full light.
    blur_px
        Motion during the exposure (dx, dy): the disc is smeared along it, centred on
        ``centre_px``.
    cover
        A polygon (N, 2) in frame pixels drawn over the sticker afterwards, skin coloured.
    """
    h, w = rgb.shape[:2]
    extent = radius_px + 3 + (0 if blur_px is None else float(np.abs(blur_px).max()))
    x0 = max(0, int(np.floor(centre_px[0] - extent)))
    y0 = max(0, int(np.floor(centre_px[1] - extent)))
    x1 = min(w, int(np.ceil(centre_px[0] + extent)) + 1)
    y1 = min(h, int(np.ceil(centre_px[1] + extent)) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    shifts = [np.zeros(2)]
    if blur_px is not None and np.hypot(*blur_px) > 0.5:
        k = max(2, int(np.ceil(np.hypot(*blur_px) * 2)))
        shifts = [np.asarray(blur_px) * (i / (k - 1) - 0.5) for i in range(k)]
    alpha = np.zeros(((y1 - y0) * _SS, (x1 - x0) * _SS), np.float32)
    for d in shifts:
        one = np.zeros_like(alpha)
        cx = (centre_px[0] + d[0] - x0) * _SS + (_SS - 1) / 2
        cy = (centre_px[1] + d[1] - y0) * _SS + (_SS - 1) / 2
        cv2.circle(
            one,
            (round(cx * 16), round(cy * 16)),
            round(radius_px * _SS * 16),
            1.0,
            -1,
            lineType=cv2.LINE_8,
            shift=4,
        )
        alpha += one / len(shifts)
    alpha = cv2.resize(alpha, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)[..., None]
    patch = rgb[y0:y1, x0:x1].astype(np.float32)
    light = np.clip(patch.mean(axis=2, keepdims=True).mean() / 150.0, 0.6, 1.0)
    paint = np.asarray(colour, np.float32) * light
    rgb[y0:y1, x0:x1] = np.clip(patch * (1 - alpha) + paint * alpha, 0, 255).astype(np.uint8)
    if cover is not None:
        cv2.fillPoly(
            rgb,
            [np.round(cover * 16).astype(np.int32)],
            (196, 150, 120),
            lineType=cv2.LINE_AA,
            shift=4,
        )


def encode(path: Path, frames: list[np.ndarray], fps: float = 30.0, crf: int = 20) -> None:
    """Write RGB frames as an H.264 (yuv420p) clip."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(
            "libx264", rate=round(fps), options={"preset": "veryfast", "crf": str(crf)}
        )
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for image in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(stream.encode(None))


def decode(path: Path) -> list[np.ndarray]:
    """All frames of a clip as RGB arrays."""
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def read_frames(path: Path, start: int, n: int) -> list[np.ndarray]:
    """``n`` frames from frame ``start`` of a clip, as RGB arrays."""
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= start:
                out.append(f.to_ndarray(format="rgb24"))
            if len(out) == n:
                break
    return out


def composite_clip(
    source: Path,
    out: Path,
    landmarks_px: np.ndarray,
    specs: list[StickerSpec],
    *,
    facing: float,
    start: int = 0,
    n: int | None = None,
    fps: float = 30.0,
    crf: int = 18,
) -> np.ndarray:
    """Write frames ``start:start+n`` of ``source`` with stickers drawn on; returns the centres.

    Each frame is encoded once: the clip with stickers and a clip without them made by
    :func:`plain_clip` from the same frames differ only where the stickers are.
    """
    centres, radii = sticker_paths(landmarks_px, specs, facing=facing)
    frames = []
    with av.open(str(source)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i < start:
                continue
            if n is not None and i >= start + n:
                break
            rgb = f.to_ndarray(format="rgb24")
            for k, spec in enumerate(specs):
                draw_sticker(rgb, centres[k, i], radii[k, i], spec.rgb)
            frames.append(rgb)
    encode(out, frames, fps=fps, crf=crf)
    stop = start + len(frames)
    return centres[:, start:stop]


def plain_clip(
    source: Path,
    out: Path,
    *,
    start: int = 0,
    n: int | None = None,
    fps: float = 30.0,
    crf: int = 18,
) -> None:
    """Frames ``start:start+n`` of ``source`` re-encoded as :func:`composite_clip` encodes."""
    frames = []
    with av.open(str(source)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i < start:
                continue
            if n is not None and i >= start + n:
                break
            frames.append(f.to_ndarray(format="rgb24"))
    encode(out, frames, fps=fps, crf=crf)
