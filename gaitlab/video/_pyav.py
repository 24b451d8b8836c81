"""Small helpers around PyAV: open a clip or say why not, orient and time its frames.

Private to :mod:`gaitlab.video`; the public functions live in :mod:`gaitlab.video.reader`.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Sequence
from pathlib import Path

import av
import av.error
import av.logging
import numpy as np
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream

from gaitlab.errors import InputError
from gaitlab.words import say

#: A frame interval is "variable" when it differs from the median interval by more than this
#: fraction of the median (plus one timestamp tick, for containers that round to milliseconds).
VFR_TOLERANCE = 0.05


def quiet_ffmpeg_logs() -> None:
    """Keep FFmpeg's own messages (demuxer and decoder complaints) off the terminal.

    Sets PyAV's log level to ``None``, which drops them in C. This is the only quiet level that
    is also safe with frame-threaded decoding: with any numeric level, PyAV's log callback
    takes the GIL from FFmpeg's decoding threads, and closing a decoder mid-stream then
    deadlocks (PyAV issues #751 and #909; seen here with PyAV 18 on H.264). The price is that
    PyAV's exceptions lose FFmpeg's last error text, which gaitlab does not show anyway.
    """
    if av.logging.get_level() is not None:
        av.logging.set_level(None)


def close_container(container: InputContainer, stream: VideoStream | None = None) -> None:
    """Close ``container``, first draining ``stream``'s decoder so its threads are idle.

    Draining is a second guard against the logging deadlock described in
    :func:`quiet_ffmpeg_logs`, for when somebody sets a numeric log level while a clip is open.
    """
    if stream is not None and stream.codec_context.is_open:
        with contextlib.suppress(av.error.FFmpegError):
            for _ in stream.codec_context.decode(None):
                pass
    container.close()


def check_slowmo_factor(slowmo_factor: float) -> float:
    """Return ``slowmo_factor`` as a float, or raise :class:`InputError` if it is not > 0."""
    try:
        factor = float(slowmo_factor)
    except (TypeError, ValueError):
        factor = math.nan
    if not math.isfinite(factor) or factor <= 0:
        raise InputError(say("error.video.slowmo_factor", value=slowmo_factor))
    return factor


def check_video_path(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a :class:`Path` if it names a non-empty file, else raise InputError."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(say("error.video.missing", path=p))
    if p.is_dir():
        raise InputError(say("error.video.folder", path=p))
    if p.stat().st_size == 0:
        raise InputError(say("error.video.empty", name=p.name))
    return p


def open_video(path: Path) -> tuple[InputContainer, VideoStream]:
    """Open ``path`` and pick its main video stream, or raise :class:`InputError`.

    Parameters
    ----------
    path
        A file already checked by :func:`check_video_path`.

    Returns
    -------
    container, stream
        The open container (the caller closes it) and its best video stream, skipping cover
        pictures that some phones store as a one-frame video stream.
    """
    quiet_ffmpeg_logs()
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except PermissionError as exc:
        raise InputError(say("error.video.permission", name=path.name)) from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise InputError(say("error.video.unreadable", name=path.name)) from exc
    moving = [s for s in container.streams.video if not s.disposition & _ATTACHED_PIC]
    if not moving:
        container.close()
        raise InputError(say("error.video.no_video_stream", name=path.name))
    best = container.streams.best("video")
    stream = best if best in moving else moving[0]
    for other in container.streams:
        if other is not stream:
            other.discard = av.stream.Discard.all  # let the demuxer skip their data
    return container, stream


_ATTACHED_PIC = av.stream.Disposition.attached_pic


def no_frames_error(path: Path) -> InputError:
    """The error for a clip whose video stream yields no picture at all."""
    return InputError(say("error.video.no_frames", name=path.name))


def stream_origin_s(stream: VideoStream) -> float:
    """Start of the video stream in file seconds (what ``Frame.time_s == 0`` refers to)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def nominal_fps(stream: VideoStream) -> float | None:
    """The stream's nominal (average) frame rate in file frames per second, or None."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and rate > 0 and math.isfinite(float(rate)):
            return float(rate)
    return None


def bit_depth(pix_fmt: str) -> int:
    """Bits per sample of pixel format ``pix_fmt`` (8 for ``yuv420p``, 10 for ``yuv420p10le``)."""
    try:
        return int(av.VideoFormat(pix_fmt).components[0].bits)
    except (ValueError, IndexError):
        return 8


def rotation_deg(frame: VideoFrame | None, stream: VideoStream) -> int:
    """Counter-clockwise rotation (0, 90, 180, 270) that makes ``frame`` upright.

    The display matrix that phones write is attached to every decoded frame by FFmpeg
    (``frame.rotation``, counter-clockwise degrees). Older files may carry only the legacy
    ``rotate`` stream tag, which counts clockwise. Angles that are not a multiple of 90 are
    rounded to the nearest quarter turn; mirroring in the matrix is not applied.
    """
    degrees = float(frame.rotation) if frame is not None else 0.0
    if degrees == 0.0:
        tag = stream.metadata.get("rotate")
        try:
            degrees = -float(tag) if tag is not None else 0.0
        except ValueError:
            degrees = 0.0
    if not math.isfinite(degrees):
        return 0
    return round(degrees / 90.0) % 4 * 90


def upright_size(width_px: int, height_px: int, rotation: int) -> tuple[int, int]:
    """(width, height) of the picture after a ``rotation`` degree turn."""
    return (height_px, width_px) if rotation in (90, 270) else (width_px, height_px)


def frame_to_rgb(frame: VideoFrame, rotation: int, reformatter: VideoReformatter) -> np.ndarray:
    """Convert a decoded frame to an upright, C-contiguous ``uint8`` RGB array (H, W, 3).

    Parameters
    ----------
    frame
        Decoded frame in any pixel format (8- or 10-bit).
    rotation
        Counter-clockwise degrees from :func:`rotation_deg`.
    reformatter
        Reused across frames so that FFmpeg's scaler is set up once per stream.
    """
    # Nearest-neighbour chroma upsampling: 8-bit 4:2:0 takes FFmpeg's fast path either way
    # (identical pixels); for 10-bit HEVC it cuts the conversion from about 6.3 to 3.6 ms per
    # 1080x1920 frame here, for a mean difference of 0.1 grey level.
    rgb = reformatter.reformat(frame, format="rgb24", interpolation="POINT").to_ndarray()
    if rotation:
        rgb = np.rot90(rgb, k=rotation // 90)
    # PyAV pads rows to an alignment (1768 px wide -> 5312 not 5304 bytes) and np.rot90 returns
    # a view: MediaPipe finds nobody in such arrays, so always hand on a contiguous copy.
    return np.ascontiguousarray(rgb)


def is_variable_rate(times_s: Sequence[float] | np.ndarray, tick_s: float) -> bool | None:
    """Whether the frame intervals of a clip vary, from its sorted frame timestamps.

    Parameters
    ----------
    times_s
        Frame timestamps in seconds (any order; duplicates are ignored).
    tick_s
        The container's timestamp resolution (1 ms in Matroska): rounding by one tick is not
        variation.

    Returns
    -------
    bool or None
        True when an interval differs from the median interval by more than
        ``VFR_TOLERANCE`` of it plus one tick; None with fewer than three frames.
    """
    t = np.unique(np.asarray(times_s, dtype=float))
    if t.size < 3:
        return None
    intervals = np.diff(t)
    median = float(np.median(intervals))
    return bool(np.max(np.abs(intervals - median)) > VFR_TOLERANCE * median + tick_s)
