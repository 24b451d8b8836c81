"""Video input stage: read phone and camera clips as upright RGB frames with real timestamps.

``probe(path)`` gives a :class:`VideoInfo` (frame rate, frame count, upright size, rotation,
codec, bit depth...); ``iter_frames(path)`` streams :class:`Frame` objects decoded ahead in a
background thread; ``sample_frames(path, n)`` takes a quick seek-based look at a few frames.
All three accept ``slowmo_factor`` for slow-motion clips and raise
:class:`gaitlab.errors.InputError` with one sentence for files that cannot be used.
"""

from __future__ import annotations

from gaitlab.video.info import VIDEO_EXTENSIONS, Frame, VideoInfo
from gaitlab.video.reader import FrameStream, frames_at, iter_frames, probe, sample_frames

__all__ = [
    "VIDEO_EXTENSIONS",
    "Frame",
    "FrameStream",
    "VideoInfo",
    "frames_at",
    "iter_frames",
    "probe",
    "sample_frames",
]
