"""What the video stage hands on: one decoded :class:`Frame` at a time and a :class:`VideoInfo`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: File suffixes (lower case) that gaitlab treats as videos when it scans a folder. Phones and
#: cameras write ``.mp4``/``.mov`` (H.264/HEVC), ``.m4v``, ``.avi``, ``.mkv`` and ``.webm``.
#: Compare with ``path.suffix.lower()``: cameras often write ``.MOV``.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture.

    Attributes
    ----------
    index
        0-based frame number in the clip (presentation order). Exact when decoding starts at the
        beginning of the clip; after a seek (``start_s > 0`` or :func:`sample_frames`) it is
        estimated from the time and the nominal frame rate.
    time_s
        Presentation time in seconds from the start of the video stream, from the frame's own
        timestamp (so variable frame rate clips do not drift), divided by the slow-motion factor.
    rgb
        ``uint8`` array of shape ``(height_px, width_px, 3)``, RGB, upright (rotation metadata
        applied) and C-contiguous.
    """

    index: int
    time_s: float
    rgb: np.ndarray


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """Facts about a clip, as :func:`gaitlab.video.probe` found them.

    Times and rates are in real-world units: the file's values with ``slowmo_factor`` applied
    (``fps`` multiplied, ``duration_s`` divided).

    Attributes
    ----------
    path
        The file that was probed.
    fps
        Nominal frame rate (the stream's average rate) times ``slowmo_factor``.
    n_frames
        Number of frames: the container's count, or the packets counted when the container has
        none (Matroska/WebM); for a truncated file, the frames actually present.
    duration_s
        Duration of the video stream in seconds, divided by ``slowmo_factor``.
    width_px, height_px
        Size of the upright picture (after rotation), i.e. the shape of ``Frame.rgb``.
    rotation_deg
        Counter-clockwise rotation applied to the coded picture to make it upright
        (0, 90, 180 or 270), from the display matrix.
    codec
        FFmpeg codec name (``h264``, ``hevc``, ``vp9``...).
    pix_fmt
        Coded pixel format (``yuv420p``, ``yuv420p10le``...).
    bit_depth
        Bits per sample of the coded picture (8 or 10 for phone footage).
    is_variable_frame_rate
        True when frame intervals differ by more than 5 % (plus one timestamp tick) from the
        median interval, False when they do not, None when the timestamps were not cheaply
        available.
    slowmo_factor
        How many times slower than real time the file plays (8 for 240 fps shown at 30 fps).
    truncated
        True when the file ends before the data its container describes (a copy cut short);
        the frames that are present are still decoded.
    container
        FFmpeg demuxer name (``mov,mp4,m4a,3gp,3g2,mj2``, ``matroska,webm``, ``avi``).
    """

    path: Path
    fps: float
    n_frames: int
    duration_s: float
    width_px: int
    height_px: int
    rotation_deg: int
    codec: str
    pix_fmt: str
    bit_depth: int
    is_variable_frame_rate: bool | None
    slowmo_factor: float
    truncated: bool
    container: str

    def as_dict(self) -> dict[str, Any]:
        """Return the ``video`` block of ``summary.json``.

        Returns
        -------
        dict
            JSON-ready keys ``fps``, ``frames``, ``duration_s``, ``width``, ``height``,
            ``rotation_deg``, ``codec``, ``pix_fmt``, ``bit_depth``, ``variable_frame_rate``,
            ``slowmo_factor``, ``truncated`` and ``file`` (the file name, not the full path).
        """
        return {
            "file": self.path.name,
            "fps": float(self.fps),
            "frames": int(self.n_frames),
            "duration_s": float(self.duration_s),
            "width": int(self.width_px),
            "height": int(self.height_px),
            "rotation_deg": int(self.rotation_deg),
            "codec": self.codec,
            "pix_fmt": self.pix_fmt,
            "bit_depth": int(self.bit_depth),
            "variable_frame_rate": self.is_variable_frame_rate,
            "slowmo_factor": float(self.slowmo_factor),
            "truncated": bool(self.truncated),
        }
