"""Shared pytest fixtures.

Video clips (fixtures prefixed ``video_``) are derived from the real clips in the repository by
ffmpeg (Debian package, installed by ``setup.sh``) or muxed with PyAV with chosen timestamps,
once per session, into a temporary folder. They are short (2 s or less) or scaled down so the
video tests stay fast.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"
TWO_PEOPLE = REPO / "tests" / "data" / "two_people_walk_and_jump.mp4"

#: Frames in the short copies of male_side.mp4 (2 s at 30 fps).
VIDEO_SHORT_FRAMES = 60


def run_ffmpeg(*args: str | Path) -> None:
    """Run the ffmpeg command line quietly; fail the set-up loudly if it fails."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg is not installed: run setup.sh"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)],
        check=True,
    )


def _video_small_frames(n: int) -> list[np.ndarray]:
    """The first ``n`` frames of male_side.mp4 scaled to 180x320 RGB (for PyAV muxing)."""
    frames = []
    with av.open(str(MALE_SIDE)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.reformat(width=180, height=320, format="rgb24").to_ndarray())
            if len(frames) == n:
                break
    return frames


def _video_mux(
    path: Path,
    images: list[np.ndarray],
    times_s: np.ndarray,
    *,
    codec: str = "libx264",
    time_base: Fraction = Fraction(1, 90000),
) -> np.ndarray:
    """Encode ``images`` with presentation times ``times_s``; return the times as stored."""
    pts = np.round(np.asarray(times_s) / float(time_base)).astype(int)
    height, width = images[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        for image, stamp in zip(images, pts, strict=True):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = int(stamp), time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return pts * float(time_base)


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session folder for generated clips."""
    return tmp_path_factory.mktemp("video")


@pytest.fixture(scope="session")
def video_male_side() -> Path:
    """The real treadmill clip: 720x1280 portrait, 30 fps, 360 frames, 12.0 s, H.264."""
    return MALE_SIDE


@pytest.fixture(scope="session")
def video_two_people() -> Path:
    """The real 1768x994 VP9 clip (odd width: PyAV pads its rows)."""
    return TWO_PEOPLE


@pytest.fixture(scope="session")
def video_short_clip(video_dir: Path) -> Path:
    """The first 60 frames (2 s) of male_side.mp4, stream-copied (same pixels), no rotation."""
    path = video_dir / "short.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-frames:v", VIDEO_SHORT_FRAMES, "-c", "copy", "-an", path)
    return path


@pytest.fixture(scope="session")
def video_rotated_clips(video_dir: Path, video_short_clip: Path) -> dict[int, Path]:
    """Copies of the short clip with a display matrix, by ``rotate`` tag value.

    ffmpeg 5.1 has no ``-display_rotation``; it turns ``-metadata:s:v rotate=T`` into a display
    matrix (with T = 90, 180, 270 ffprobe then reports 90, -180 and -90 degrees)."""
    clips = {}
    for tag in (90, 180, 270):
        path = video_dir / f"rotate{tag}.mp4"
        run_ffmpeg("-i", video_short_clip, "-c", "copy", "-metadata:s:v", f"rotate={tag}", path)
        clips[tag] = path
    return clips


@dataclass(frozen=True)
class VideoTimedClip:
    """A muxed clip and the presentation times (file seconds) its frames were given."""

    path: Path
    times_s: np.ndarray


@pytest.fixture(scope="session")
def video_vfr_clip(video_dir: Path) -> VideoTimedClip:
    """60 frames (180x320, H.264, MP4 time base 1/90000): 30 at 60 fps, then 29 intervals drawn
    uniformly in 20-60 ms (seed 7)."""
    intervals_s = np.r_[np.full(30, 1 / 60), np.random.default_rng(7).uniform(0.02, 0.06, 29)]
    times_s = np.r_[0.0, np.cumsum(intervals_s)]
    path = video_dir / "vfr.mp4"
    stored = _video_mux(path, _video_small_frames(60), times_s)
    return VideoTimedClip(path, stored)


@pytest.fixture(scope="session")
def video_offset_clip(video_dir: Path) -> VideoTimedClip:
    """60 frames at 30 fps in Matroska whose first timestamp is 1.5 s, not 0."""
    times_s = 1.5 + np.arange(60) / 30
    path = video_dir / "offset.mkv"
    stored = _video_mux(path, _video_small_frames(60), times_s, time_base=Fraction(1, 1000))
    return VideoTimedClip(path, stored)


@dataclass(frozen=True)
class VideoDuplicateClip:
    """A Motion-JPEG Matroska clip whose frame ``k`` has frame ``k-1``'s timestamp, for each
    ``k`` in ``repeated``; frame ``i`` is a flat grey of level ``4 * i``."""

    path: Path
    n_frames: int
    repeated: tuple[int, ...]


@pytest.fixture(scope="session")
def video_duplicate_pts_clip(video_dir: Path) -> VideoDuplicateClip:
    """Encoders refuse repeated timestamps, so the packets are re-stamped while muxing
    (Matroska accepts equal timestamps)."""
    n_frames, repeated, time_base = 40, (10, 20), Fraction(1, 1000)
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 64, 64, "yuvj420p"
    encoder.time_base = time_base
    packets = []
    for i in range(n_frames):
        frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 4 * i, np.uint8), format="rgb24")
        frame.pts, frame.time_base = 33 * i, time_base
        packets += encoder.encode(frame)
    packets += encoder.encode(None)
    stamps = [33 * i for i in range(n_frames)]
    for k in repeated:
        stamps[k] = stamps[k - 1]
    path = video_dir / "duplicates.mkv"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        stream.time_base = time_base
        for packet, stamp in zip(packets, stamps, strict=True):
            packet.pts = packet.dts = stamp
            packet.time_base, packet.stream = time_base, stream
            out.mux(packet)
    return VideoDuplicateClip(path, n_frames, repeated)


@pytest.fixture(scope="session")
def video_hevc10_clip(video_dir: Path, video_short_clip: Path) -> Path:
    """The short clip re-encoded as HEVC Main 10 (libx265, yuv420p10le, CRF 20)."""
    path = video_dir / "hevc10.mp4"
    run_ffmpeg(
        "-i", video_short_clip, "-c:v", "libx265", "-preset", "ultrafast", "-crf", "20",
        "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-tag:v", "hvc1", path,
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def video_container_clips(video_dir: Path, video_short_clip: Path) -> dict[str, Path]:
    """The short clip as .mov and .mkv (stream copy), .avi (MJPEG) and .webm (VP9, 360x640)."""
    clips = {}
    for ext, codec_args in {
        "mov": ("-c", "copy"),
        "mkv": ("-c", "copy"),
        "avi": ("-c:v", "mjpeg", "-q:v", "4"),
        "webm": ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                 "-vf", "scale=360:640"),
    }.items():  # fmt: skip
        path = video_dir / f"clip.{ext}"
        run_ffmpeg("-i", video_short_clip, *codec_args, "-an", path)
        clips[ext] = path
    return clips


def _video_box_offsets(path: Path) -> dict[str, tuple[int, int]]:
    """Top-level MP4 boxes: type -> (offset, size)."""
    data = path.read_bytes()
    boxes, offset = {}, 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        boxes[kind] = (offset, size)
        offset += size
    return boxes


@pytest.fixture(scope="session")
def video_bad_inputs(video_dir: Path, video_short_clip: Path) -> dict[str, Path]:
    """Files that are not usable videos, by name.

    ``missing``; ``folder``; ``empty`` (0 bytes); ``text`` (a text file named .mp4);
    ``audio_only`` (AAC in MP4); ``cut_no_index`` (MP4 cut in half with its index at the end:
    cannot be opened); ``cut_no_frames`` (index first, cut 100 bytes into the picture data).
    """
    folder = video_dir / "bad"
    folder.mkdir()
    (folder / "a_folder.mp4").mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("These are my running notes, not a video.\n")
    audio = folder / "audio_only.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", audio)
    data = video_short_clip.read_bytes()
    (folder / "cut_no_index.mp4").write_bytes(data[: len(data) // 2])
    faststart = folder / "faststart.mp4"
    run_ffmpeg("-i", video_short_clip, "-c", "copy", "-movflags", "+faststart", faststart)
    mdat_offset, _ = _video_box_offsets(faststart)["mdat"]
    (folder / "cut_no_frames.mp4").write_bytes(faststart.read_bytes()[: mdat_offset + 100])
    return {
        "missing": folder / "does_not_exist.mp4",
        "folder": folder / "a_folder.mp4",
        "empty": folder / "empty.mp4",
        "text": folder / "notes.mp4",
        "audio_only": audio,
        "cut_no_index": folder / "cut_no_index.mp4",
        "cut_no_frames": folder / "cut_no_frames.mp4",
    }


@pytest.fixture(scope="session")
def video_truncated_clips(video_dir: Path, video_short_clip: Path) -> dict[str, Path]:
    """The short clip cut at 60 % of its bytes, in two forms that still open: MP4 with its index
    first (``mp4``: the index lists frames that are missing) and Matroska (``mkv``: no index)."""
    clips = {}
    faststart = video_dir / "faststart.mp4"
    run_ffmpeg("-i", video_short_clip, "-c", "copy", "-movflags", "+faststart", faststart)
    mkv = video_dir / "whole.mkv"
    run_ffmpeg("-i", video_short_clip, "-c", "copy", mkv)
    for name, whole in (("mp4", faststart), ("mkv", mkv)):
        data = whole.read_bytes()
        clips[name] = video_dir / f"cut.{name}"
        clips[name].write_bytes(data[: int(len(data) * 0.6)])
    return clips


# --------------------------------------------------------------------------- pipeline runs
# The pose model runs once per session per real clip, through the command line (so these
# fixtures also exercise `gaitlab analyze` end to end); tests share the results.


@dataclass(frozen=True)
class PipelineRun:
    """`gaitlab analyze` output on one clip."""

    out_dir: Path
    summary: dict
    tracks: object  # gaitlab.pose.tracks.PoseTracks

    @property
    def strides_csv(self) -> Path:
        return self.out_dir / "strides.csv"


def run_gaitlab(*args: str | Path, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """Run the installed `gaitlab` command line (the console script of this environment)."""
    import sys

    exe = Path(sys.executable).parent / "gaitlab"
    return subprocess.run(
        [str(exe), *map(str, args)], capture_output=True, text=True, timeout=timeout_s
    )


def _analyze_once(video: Path, out_dir: Path) -> PipelineRun:
    import json

    from gaitlab.pose.tracks import PoseTracks

    proc = run_gaitlab("analyze", video, "--out", out_dir)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out_dir / "summary.json").read_text())
    tracks = PoseTracks.load_npz(out_dir / f"{video.stem}.landmarks.npz")
    return PipelineRun(out_dir=out_dir, summary=summary, tracks=tracks)


@pytest.fixture(scope="session")
def male_side_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The sample treadmill clip analysed once per test session."""
    return _analyze_once(MALE_SIDE, tmp_path_factory.mktemp("male_side"))


@pytest.fixture(scope="session")
def two_people_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The walker-and-jumper clip analysed once per test session."""
    return _analyze_once(TWO_PEOPLE, tmp_path_factory.mktemp("two_people"))
