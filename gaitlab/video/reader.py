"""Read a clip: :func:`probe` its facts, stream its frames with :func:`iter_frames`, or take a
quick look at a few with :func:`sample_frames`.

Choices made here (documented once):

* **Timestamps** come from each frame's own ``pts`` (``frame.time``), relative to the start of the
  video stream (``stream.start_time``), so a first frame with a non-zero ``pts`` is at 0 s and a
  variable-frame-rate clip does not drift. A frame without a ``pts`` gets the previous time plus
  one nominal frame period.
* **Duplicates are dropped, not nudged**: a frame whose time is not later than the previous
  frame's is skipped (and counted in :attr:`FrameStream.duplicates_dropped`). A repeated
  timestamp carries a repeated or misplaced picture; inventing a time for it would fake a
  velocity in the signals downstream.
* **Damaged or truncated files**: frames are decoded as long as the data lasts; a packet that
  fails to decode is skipped and reading stops at the first unreadable byte. The frames before
  are kept and :attr:`FrameStream.truncated` (and :attr:`VideoInfo.truncated` from
  :func:`probe`) is set, rather than failing the whole analysis. Only a clip with no decodable
  frame at all raises :class:`~gaitlab.errors.InputError`.
* **Slow motion**: ``slowmo_factor`` divides every time and multiplies the frame rate, so that
  a 240 fps clip stored at 30 fps (factor 8) is analysed in real-world seconds. ``start_s`` and
  ``end_s`` are real-world seconds too.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import queue
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import av
import av.error
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream

from gaitlab.errors import ConfigError, InputError
from gaitlab.video._pyav import (
    bit_depth,
    check_slowmo_factor,
    check_video_path,
    close_container,
    frame_to_rgb,
    is_variable_rate,
    no_frames_error,
    nominal_fps,
    open_video,
    rotation_deg,
    stream_origin_s,
    upright_size,
)
from gaitlab.video.info import Frame, VideoInfo
from gaitlab.words import say

__all__ = ["FrameStream", "iter_frames", "probe", "sample_frames"]

#: Frame rate assumed only to time frames that have no timestamp when the container states none.
_FALLBACK_FPS = 30.0
#: How long :meth:`FrameStream.close` waits for the decoding thread (one packet takes ms).
_JOIN_TIMEOUT_S = 10.0
#: A declared duration longer than the video data found by this much marks a truncated file.
_TRUNCATION_SLACK_S = 0.5
#: :func:`sample_frames` decodes forward instead of seeking when the next target is this close.
_SEEK_THRESHOLD_S = 2.0
#: Frames within this time of a requested start are taken as being at it (float round-off).
_TIME_EPS_S = 1e-6


# ----------------------------------------------------------------------------------- probe ---


def probe(path: str | os.PathLike[str], *, slowmo_factor: float = 1.0) -> VideoInfo:
    """Read the facts about a clip: frame rate, frame count, duration, upright size, codec.

    Decodes the first frame (to read its rotation and to be sure the clip decodes); for
    containers that do not store a frame count (Matroska, WebM) the packets are counted
    without decoding them.

    Parameters
    ----------
    path
        The video file (mp4, mov, avi, mkv, webm...).
    slowmo_factor
        How many times slower than real time the file plays: 8 for a 240 fps clip stored at
        30 fps. Must be > 0.

    Returns
    -------
    VideoInfo
        With rates and times in real-world units.

    Raises
    ------
    InputError
        The file is missing, a folder, empty, not a video, has no video stream or no decodable
        frame, or ``slowmo_factor`` is not a positive number.
    """
    factor = check_slowmo_factor(slowmo_factor)
    p = check_video_path(path)
    container, stream = open_video(p)
    try:
        first = _first_frame(container, stream)
        if first is None:
            raise no_frames_error(p)
        rotation = rotation_deg(first, stream)
        n_frames, duration_file_s, variable, truncated = _frame_timing(container, stream, p)
        fps_file = nominal_fps(stream)
        if fps_file is None:
            fps_file = n_frames / duration_file_s if duration_file_s > 0 else _FALLBACK_FPS
        width_px, height_px = upright_size(first.width, first.height, rotation)
        return VideoInfo(
            path=p,
            fps=fps_file * factor,
            n_frames=n_frames,
            duration_s=duration_file_s / factor,
            width_px=width_px,
            height_px=height_px,
            rotation_deg=rotation,
            codec=stream.codec_context.codec.canonical_name,
            pix_fmt=first.format.name,
            bit_depth=bit_depth(first.format.name),
            is_variable_frame_rate=variable,
            slowmo_factor=factor,
            truncated=truncated,
            container=container.format.name,
        )
    finally:
        close_container(container, stream)


def _first_frame(container: InputContainer, stream: VideoStream) -> VideoFrame | None:
    """The first decodable frame of ``stream``, or None."""
    report = _Report()
    frames = _decoded(container, stream, report)
    try:
        return next(frames, None)
    finally:
        frames.close()


def _frame_timing(
    container: InputContainer, stream: VideoStream, path: Path
) -> tuple[int, float, bool | None, bool]:
    """Frame count, duration (file seconds), variable rate and truncation of ``stream``.

    Uses the container's sample index when it lists every frame (MP4/MOV/AVI: free, and the
    byte positions tell whether the file was cut short); otherwise counts packets.
    """
    tb = stream.time_base
    entries = stream.index_entries if stream.frames > 0 else None
    if entries is not None and len(entries) == stream.frames and tb is not None:
        size = path.stat().st_size
        present = [e for e in entries if e.pos + e.size <= size]
        n_frames = len(present)
        truncated = n_frames < stream.frames
        times_s = [float(e.timestamp * tb) for e in present]  # decode order; sorted later
        variable = None if truncated else is_variable_rate(times_s, tick_s=float(tb))
        if not truncated and stream.duration:
            duration_s = float(stream.duration * tb)
        else:
            duration_s = _span_s(times_s, nominal_fps(stream))
        return n_frames, duration_s, variable, truncated
    if stream.frames > 0:
        duration_s = _declared_duration_s(container, stream)
        if duration_s is None:
            duration_s = stream.frames / (nominal_fps(stream) or _FALLBACK_FPS)
        return stream.frames, duration_s, None, False
    counter, counted = open_video(path)  # a fresh reader: no seeking back to the start
    try:
        return _count_packets(counter, counted)
    finally:
        close_container(counter)


def _count_packets(
    container: InputContainer, stream: VideoStream
) -> tuple[int, float, bool | None, bool]:
    """Demux (without decoding) the whole stream: count, duration, variable rate, truncation."""
    tb = stream.time_base
    tick_s = float(tb) if tb is not None else 0.0
    times_s: list[float] = []
    ends_s: list[float] = []
    n_packets = 0
    truncated = False
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError:
            truncated = True
            break
        if packet.size == 0:  # the flush packets demux() adds at the end
            continue
        n_packets += 1
        truncated = truncated or packet.is_corrupt
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is not None and tb is not None:
            times_s.append(float(stamp * tb))
            ends_s.append(float((stamp + (packet.duration or 0)) * tb))
    fps_file = nominal_fps(stream)
    duration_s = _span_s(times_s, fps_file)
    if ends_s and max(ends_s) > max(times_s):
        duration_s = max(ends_s) - min(times_s)
    if not times_s:  # raw elementary streams carry no timestamps at all
        duration_s = n_packets / (fps_file or _FALLBACK_FPS)
    if times_s and _ends_early(container, stream, min(times_s) + duration_s):
        truncated = True
    # A cut may fall inside a group of B-frames, leaving gaps: no verdict on the rate then.
    variable = None if truncated else is_variable_rate(times_s, tick_s=tick_s)
    return n_packets, duration_s, variable, truncated


def _declared_duration_s(container: InputContainer, stream: VideoStream) -> float | None:
    """Duration the container header states for the stream (or the file), in seconds."""
    if stream.duration and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _ends_early(container: InputContainer, stream: VideoStream, data_end_s: float) -> bool:
    """Whether the video data ended (at file time ``data_end_s``) well before the header says.

    Catches Matroska/WebM copies cut short, whose demuxer just stops. The slack is the larger of
    ``_TRUNCATION_SLACK_S`` and 5 %, because the header's duration may include a longer audio
    track.
    """
    declared_s = _declared_duration_s(container, stream)
    if declared_s is None:
        return False
    # Headers disagree on whether the duration counts from 0 (Matroska) or from the stream
    # start (MP4): take the earlier end, so that only a clear shortfall counts.
    declared_end_s = min(declared_s, stream_origin_s(stream) + declared_s)
    return data_end_s < declared_end_s - max(_TRUNCATION_SLACK_S, 0.05 * declared_s)


def _span_s(times_s: list[float], fps_file: float | None) -> float:
    """Duration covered by frames at ``times_s``: first to last, plus one frame period."""
    if not times_s:
        return 0.0
    period_s = 1.0 / (fps_file or _FALLBACK_FPS)
    return max(times_s) - min(times_s) + period_s


# ------------------------------------------------------------------------------- decoding ---


@dataclass
class _Report:
    """What went wrong while decoding, written by the decoding thread, read by the consumer."""

    truncated: bool = False
    decode_errors: int = 0
    duplicates_dropped: int = 0


def _decoded(
    container: InputContainer, stream: VideoStream, report: _Report
) -> Iterator[VideoFrame]:
    """Decode ``stream`` from the current position, skipping damaged packets.

    A packet that fails to decode is counted in ``report.decode_errors`` and skipped; a read
    error ends the demuxing (``report.truncated``) and the frames still inside the decoder are
    flushed out, so a cut-short file gives every frame that it holds.
    """
    packets = container.demux(stream)
    try:
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                report.truncated = True
                break
            if packet.is_corrupt:
                report.truncated = True
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                report.decode_errors += 1
                report.truncated = True
                continue
            yield from frames  # type: ignore[misc]
    finally:
        packets.close()
    # Reading stopped early: the frames still inside the decoder are flushed out.
    with contextlib.suppress(av.error.FFmpegError):
        yield from stream.codec_context.decode(None)  # type: ignore[misc]


def _decode_frames(
    container: InputContainer,
    stream: VideoStream,
    path: Path,
    report: _Report,
    *,
    slowmo_factor: float,
    start_s: float,
    max_frames: int | None,
    every_nth: int,
) -> Iterator[Frame]:
    """Yield upright RGB frames with strictly increasing real-world times (see module notes)."""
    stream.thread_type = "AUTO"
    origin_s = stream_origin_s(stream)
    fps_file = nominal_fps(stream) or _FALLBACK_FPS
    period_s = 1.0 / fps_file
    start_file_s = origin_s + start_s * slowmo_factor
    if start_s > 0:
        _seek(container, stream, start_file_s)
    reformatter = VideoReformatter()
    rotation: int | None = None
    index: int | None = None
    previous_raw_s: float | None = None
    last_time_s = -math.inf
    n_kept = 0
    n_yielded = 0
    for frame in _decoded(container, stream, report):
        raw_s = _raw_time_s(frame, previous_raw_s, period_s, origin_s)
        previous_raw_s = raw_s
        if raw_s < start_file_s - _TIME_EPS_S:
            continue
        time_s = (raw_s - origin_s) / slowmo_factor
        if time_s <= last_time_s:
            report.duplicates_dropped += 1
            continue
        last_time_s = time_s
        if rotation is None:
            rotation = rotation_deg(frame, stream)
        if index is None:
            index = _first_index(raw_s, origin_s, fps_file, exact=start_s <= 0)
        else:
            index += 1
        n_kept += 1
        if (n_kept - 1) % every_nth:
            continue
        yield Frame(index=index, time_s=time_s, rgb=frame_to_rgb(frame, rotation, reformatter))
        n_yielded += 1
        if max_frames is not None and n_yielded >= max_frames:
            return
    if previous_raw_s is not None and _ends_early(container, stream, previous_raw_s + period_s):
        report.truncated = True
    if n_yielded == 0:
        if start_s > 0 and not report.truncated:
            raise _start_error(path, start_s)
        raise no_frames_error(path)


def _raw_time_s(
    frame: VideoFrame, previous_raw_s: float | None, period_s: float, origin_s: float
) -> float:
    """File time of ``frame`` in seconds: its ``pts``, else one period after the previous one."""
    if frame.time is not None:
        return float(frame.time)
    return origin_s if previous_raw_s is None else previous_raw_s + period_s


def _first_index(raw_s: float, origin_s: float, fps_file: float, *, exact: bool) -> int:
    """Index of the first frame read: 0 from the start, else estimated from its time."""
    return 0 if exact else max(0, round((raw_s - origin_s) * fps_file))


def _seek(container: InputContainer, stream: VideoStream, file_s: float) -> None:
    """Seek to the keyframe at or before ``file_s`` (file seconds) in ``stream``."""
    offset = math.floor(file_s / stream.time_base) if stream.time_base else 0
    try:
        container.seek(offset, stream=stream, backward=True)
    except av.error.FFmpegError:
        # No keyframe before the target in the index: take the first one after it, or, if the
        # file cannot seek at all, decode on from where the reader is.
        with contextlib.suppress(av.error.FFmpegError):
            container.seek(offset, stream=stream, backward=False)


# ---------------------------------------------------------------------------- FrameStream ---

_END = object()


@dataclass(frozen=True)
class _Failure:
    """An exception raised in the decoding thread, carried to the consumer."""

    error: Exception


@dataclass(frozen=True)
class _Channel:
    """What the decoding thread shares with its consumer (never the FrameStream itself)."""

    frames: queue.Queue[object]
    stop: threading.Event


def _put(channel: _Channel, item: object) -> bool:
    """Put ``item`` on the queue unless the consumer has stopped; False if it has."""
    while not channel.stop.is_set():
        try:
            channel.frames.put(item, timeout=0.05)
        except queue.Full:
            continue
        return True
    return False


def _produce(
    frames: Iterator[Frame], container: InputContainer, stream: VideoStream, channel: _Channel
) -> None:
    """Body of the decoding thread: fill the queue, then close the generator and container."""
    try:
        for frame in frames:
            if not _put(channel, frame):
                return
        _put(channel, _END)
    except Exception as exc:  # handed to the consumer, who re-raises it
        _put(channel, _Failure(exc))
    finally:
        frames.close()  # type: ignore[attr-defined]
        close_container(container, stream)


def _stop_thread(channel: _Channel, thread: threading.Thread) -> None:
    """Tell the decoding thread to stop, free the queued frames and wait for it."""
    channel.stop.set()
    with contextlib.suppress(queue.Empty):
        while True:
            channel.frames.get_nowait()
    if thread is not threading.current_thread():
        thread.join(_JOIN_TIMEOUT_S)


def _close_inline(frames: Iterator[Frame], container: InputContainer, stream: VideoStream) -> None:
    """Close a generator decoding in the consumer's thread, then its container."""
    frames.close()  # type: ignore[attr-defined]
    close_container(container, stream)


class FrameStream(Iterator[Frame]):
    """Iterator over the decoded frames of one clip, decoded ahead in a background thread.

    Made by :func:`iter_frames`. The decoding thread fills a queue of at most ``prefetch``
    frames, so memory stays flat however long the clip, and decoding (which releases the GIL)
    overlaps the consumer's work. Use it in a ``with`` block or call :meth:`close` when stopping
    early; an abandoned stream is also closed when garbage-collected. Closing stops the thread,
    waits for it and closes the file.

    Attributes
    ----------
    path
        The clip being read.
    """

    def __init__(
        self,
        frames: Iterator[Frame],
        container: InputContainer,
        stream: VideoStream,
        report: _Report,
        path: Path,
        *,
        prefetch: int,
    ) -> None:
        self.path = path
        self._report = report
        self._done = False
        self._channel: _Channel | None = None
        self._thread: threading.Thread | None = None
        self._inline: Iterator[Frame] | None = None
        if prefetch > 0:
            channel = _Channel(frames=queue.Queue(maxsize=prefetch), stop=threading.Event())
            thread = threading.Thread(
                target=_produce,
                args=(frames, container, stream, channel),
                name=f"gaitlab-video-decode[{path.name}]",
                daemon=True,
            )
            self._channel, self._thread = channel, thread
            self._finalizer = weakref.finalize(self, _stop_thread, channel, thread)
            thread.start()
        else:
            self._inline = frames
            self._finalizer = weakref.finalize(self, _close_inline, frames, container, stream)

    @property
    def truncated(self) -> bool:
        """True once decoding met unreadable data (the frames before it were still given)."""
        return self._report.truncated

    @property
    def decode_errors(self) -> int:
        """Number of packets that failed to decode and were skipped so far."""
        return self._report.decode_errors

    @property
    def duplicates_dropped(self) -> int:
        """Number of frames dropped so far because their time did not increase."""
        return self._report.duplicates_dropped

    def __iter__(self) -> FrameStream:
        return self

    def __next__(self) -> Frame:
        if self._done:
            raise StopIteration
        if self._inline is not None:
            try:
                return next(self._inline)
            except BaseException:
                self.close()
                raise
        item = self._receive()
        if isinstance(item, Frame):
            return item
        self.close()
        if isinstance(item, _Failure):
            raise item.error
        raise StopIteration

    def _receive(self) -> object:
        """Next item from the decoding thread; the end marker if the thread is gone."""
        assert self._channel is not None and self._thread is not None
        while True:
            try:
                return self._channel.frames.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._channel.frames.empty():
                    return _END

    def close(self) -> None:
        """Stop decoding, wait for the decoding thread and close the file. Idempotent."""
        self._done = True
        self._finalizer()

    def __enter__(self) -> FrameStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def iter_frames(
    path: str | os.PathLike[str],
    *,
    slowmo_factor: float = 1.0,
    start_s: float = 0.0,
    max_frames: int | None = None,
    every_nth: int = 1,
    prefetch: int = 8,
) -> FrameStream:
    """Stream the frames of a clip as upright, contiguous RGB arrays with real timestamps.

    The file is opened (and checked) at once; decoding runs in a background thread that stays
    at most ``prefetch`` frames ahead of the consumer.

    Parameters
    ----------
    path
        The video file.
    slowmo_factor
        How many times slower than real time the file plays (8 for 240 fps stored at 30 fps);
        frame times are divided by it. Must be > 0.
    start_s
        First time to return, in real-world seconds from the stream start: the reader seeks to
        the keyframe before it and drops the frames before it. ``Frame.index`` is then
        estimated from the time and the nominal rate.
    max_frames
        Stop after this many frames have been returned (None: the whole clip).
    every_nth
        Return every n-th frame (all are decoded; only those returned are converted to RGB).
    prefetch
        Size of the queue between the decoding thread and the consumer; 0 decodes in the
        consumer's thread.

    Returns
    -------
    FrameStream
        An iterator of :class:`Frame`; close it (or use ``with``) when stopping early.

    Raises
    ------
    InputError
        At the call: the file is missing, a folder, empty, not a video or has no video stream,
        or ``slowmo_factor`` is not positive. While iterating: no frame could be decoded, or
        none is at or after ``start_s``.
    ConfigError
        ``start_s``, ``max_frames``, ``every_nth`` or ``prefetch`` is out of range.
    """
    factor = check_slowmo_factor(slowmo_factor)
    _check_option("start_s", start_s, minimum=0.0, kind="number")
    if max_frames is not None:
        _check_option("max_frames", max_frames, minimum=1, kind="integer")
    _check_option("every_nth", every_nth, minimum=1, kind="integer")
    _check_option("prefetch", prefetch, minimum=0, kind="integer")
    p = check_video_path(path)
    container, stream = open_video(p)
    report = _Report()
    frames = _decode_frames(
        container,
        stream,
        p,
        report,
        slowmo_factor=factor,
        start_s=float(start_s),
        max_frames=None if max_frames is None else int(max_frames),
        every_nth=int(every_nth),
    )
    return FrameStream(frames, container, stream, report, p, prefetch=int(prefetch))


def _check_option(name: str, value: object, *, minimum: float, kind: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite ``kind`` >= ``minimum``."""
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and float(value) >= minimum
        and (kind != "integer" or isinstance(value, numbers.Integral))
    )
    if not ok:
        raise ConfigError(
            say(f"error.video.option_{kind}", name=name, minimum=minimum, value=value)
        )


# ------------------------------------------------------------------------------ sampling ---


def sample_frames(
    path: str | os.PathLike[str],
    n: int,
    *,
    slowmo_factor: float = 1.0,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> list[Frame]:
    """Decode ``n`` frames spread evenly over a clip, by seeking: a quick preflight look.

    The clip (or ``[start_s, end_s)``) is cut into ``n`` equal parts and the frame nearest the
    middle of each is decoded: one seek to the preceding keyframe per part, and decoding
    forward from there (phone clips have a keyframe every second or so). Times are the same as
    :func:`iter_frames` gives for the same frame; ``Frame.index`` is estimated from the time.

    Parameters
    ----------
    path
        The video file.
    n
        Number of frames wanted (fewer are returned if the clip has fewer).
    slowmo_factor
        As in :func:`iter_frames`.
    start_s, end_s
        Real-world seconds bounding the part of the clip to sample (None: to the end).

    Returns
    -------
    list of Frame
        In time order, without repeats.

    Raises
    ------
    InputError
        As :func:`probe`, or no frame could be decoded.
    ConfigError
        ``n`` is not a positive integer or the bounds are not valid.
    """
    factor = check_slowmo_factor(slowmo_factor)
    _check_option("n", n, minimum=1, kind="integer")
    _check_option("start_s", start_s, minimum=0.0, kind="number")
    if end_s is not None:
        _check_option("end_s", end_s, minimum=float(start_s), kind="number")
    p = check_video_path(path)
    container, stream = open_video(p)
    try:
        stream.thread_type = "AUTO"
        origin_s = stream_origin_s(stream)
        fps_file = nominal_fps(stream) or _FALLBACK_FPS
        clip_end_s = _declared_duration_s(container, stream)
        if clip_end_s is None:
            clip_end_s = (stream.frames or 10 * fps_file) / fps_file
        first_s = start_s * factor
        if first_s >= clip_end_s:
            raise _start_error(p, start_s)
        last_s = clip_end_s if end_s is None else min(end_s * factor, clip_end_s)
        step_s = (last_s - first_s) / n
        targets = [origin_s + first_s + (i + 0.5) * step_s for i in range(int(n))]
        frames = _decode_at(container, stream, targets, origin_s, fps_file, factor)
    finally:
        close_container(container, stream)
    if not frames:
        # Files that cannot seek (raw H.264/HEVC streams): one pass, every k-th frame.
        return _sample_by_decoding(p, n, slowmo_factor=factor, start_s=start_s)
    return frames


def frames_at(
    path: str | os.PathLike[str], times_s: Sequence[float], *, slowmo_factor: float = 1.0
) -> list[Frame]:
    """Decode the frame at each of ``times_s`` (real-world seconds, increasing), by seeking.

    For each time, the first frame at or after it less half a frame period, as
    :func:`sample_frames` picks them (a time whose frame was already returned gives none).

    Raises
    ------
    InputError
        As :func:`probe`.
    """
    factor = check_slowmo_factor(slowmo_factor)
    p = check_video_path(path)
    container, stream = open_video(p)
    try:
        stream.thread_type = "AUTO"
        origin_s = stream_origin_s(stream)
        fps_file = nominal_fps(stream) or _FALLBACK_FPS
        targets = [origin_s + float(t) * factor for t in times_s]
        return _decode_at(container, stream, targets, origin_s, fps_file, factor)
    finally:
        close_container(container, stream)


def _decode_at(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    targets_s: Sequence[float],
    origin_s: float,
    fps_file: float,
    factor: float,
) -> list[Frame]:
    """The frame at each of ``targets_s`` (container seconds, increasing), by seeking; a target
    whose frame was already returned, or past the end, gives none."""
    sampler = _Sampler(container, stream, origin_s, 1.0 / fps_file)
    reformatter = VideoReformatter()
    rotation: int | None = None
    frames: list[Frame] = []
    try:
        for target_s in targets_s:
            hit = sampler.frame_at(target_s)
            if hit is None:
                continue
            raw_s, frame = hit
            if rotation is None:
                rotation = rotation_deg(frame, stream)
            frames.append(
                Frame(
                    index=_first_index(raw_s, origin_s, fps_file, exact=False),
                    time_s=(raw_s - origin_s) / factor,
                    rgb=frame_to_rgb(frame, rotation, reformatter),
                )
            )
    finally:
        sampler.close()
    return frames


def _sample_by_decoding(path: Path, n: int, *, slowmo_factor: float, start_s: float) -> list[Frame]:
    """``n`` frames spread over the clip by decoding it through (for unseekable files)."""
    container, stream = open_video(path)
    try:
        n_frames = _frame_timing(container, stream, path)[0]
    finally:
        close_container(container)
    every_nth = max(1, n_frames // n)
    with iter_frames(
        path, slowmo_factor=slowmo_factor, start_s=start_s, every_nth=every_nth, max_frames=n
    ) as frames:
        return list(frames)


def _start_error(path: Path, start_s: float) -> InputError:
    """The error for a start time past the end of the clip."""
    return InputError(say("error.video.no_frame_after", name=path.name, start_s=start_s))


class _Sampler:
    """Finds the frame at a file time, decoding forward or seeking as is cheaper."""

    def __init__(
        self, container: InputContainer, stream: VideoStream, origin_s: float, period_s: float
    ) -> None:
        self._container = container
        self._stream = stream
        self._origin_s = origin_s
        self._period_s = period_s
        self._report = _Report()
        self._frames: Iterator[VideoFrame] | None = None
        self._last_raw_s: float | None = None
        self._returned_s: float | None = None  # time of the last frame returned

    def frame_at(self, target_s: float) -> tuple[float, VideoFrame] | None:
        """(file time, frame) of the first frame at or after ``target_s`` less half a period.

        Targets must come in increasing order; None when the frame returned last is already
        the nearest one, or when the clip ends before ``target_s``.
        """
        ahead_s = None if self._last_raw_s is None else target_s - self._last_raw_s
        if self._frames is not None and ahead_s is not None and ahead_s < 0.5 * self._period_s:
            return None  # targets come in order: the frame just returned is the one nearest
        if self._frames is None or ahead_s is None or ahead_s >= _SEEK_THRESHOLD_S:
            self.close()
            _seek(self._container, self._stream, target_s)
            self._frames = _decoded(self._container, self._stream, self._report)
            self._last_raw_s = None
        returned_s = self._returned_s
        for frame in self._frames:
            raw_s = _raw_time_s(frame, self._last_raw_s, self._period_s, self._origin_s)
            self._last_raw_s = raw_s
            if raw_s >= target_s - 0.5 * self._period_s and (
                returned_s is None or raw_s > returned_s
            ):
                self._returned_s = raw_s
                return raw_s, frame
        return None

    def close(self) -> None:
        """Close the current decoding generator, if any."""
        if self._frames is not None:
            self._frames.close()  # type: ignore[attr-defined]
            self._frames = None
