"""Tests of the video input stage (gaitlab.video) on clips derived from the real footage.

The clips come from session fixtures in ``conftest.py`` (prefixed ``video_``): short stream
copies of ``male_side.mp4`` (same pixels as the original), copies with rotation metadata,
HEVC 10-bit, other containers, and PyAV-muxed clips whose timestamps are chosen here.
"""

from __future__ import annotations

import gc
import math
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import av
import av.logging
import numpy as np
import psutil
import pytest

from gaitlab.errors import ConfigError, InputError
from gaitlab.video import (
    VIDEO_EXTENSIONS,
    Frame,
    FrameStream,
    VideoInfo,
    iter_frames,
    probe,
    sample_frames,
)
from gaitlab.video._pyav import is_variable_rate

SHORT_FRAMES = 60  # frames in video_short_clip (2 s at 30 fps)


def _frames(path: Path, **kwargs: object) -> list[Frame]:
    with iter_frames(path, **kwargs) as stream:  # type: ignore[arg-type]
        return list(stream)


def _decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gaitlab-video-decode")]


def _is_open(path: Path) -> bool:
    return any(Path(f.path) == path.resolve() for f in psutil.Process().open_files())


def _ffmpeg_first_frame(path: Path, width: int, height: int) -> np.ndarray:
    """First frame as the ffmpeg command line shows it: it applies the rotation itself."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg is not installed: run setup.sh"
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def _ffprobe_rotation_deg(path: Path) -> int:
    """Rotation of the display matrix as ffprobe reports it (counter-clockwise degrees)."""
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None, "ffprobe is not installed: run setup.sh"
    out = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream_side_data=rotation", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    return int(next(line for line in out.split() if line.strip()))


def _one_sentence(message: str) -> bool:
    return message.endswith(".") and ". " not in message and "\n" not in message


# ------------------------------------------------------------------------------- probe ---


def test_probe_gives_the_known_facts_of_male_side(video_male_side: Path) -> None:
    # Known from the data README: 720x1280 portrait, 30 fps, 360 frames, 12.0 s, H.264.
    info = probe(video_male_side)
    assert isinstance(info, VideoInfo)
    assert info.fps == 30.0
    assert info.n_frames == 360
    assert info.duration_s == pytest.approx(12.0, abs=1e-9)
    assert (info.width_px, info.height_px, info.rotation_deg) == (720, 1280, 0)
    assert (info.codec, info.pix_fmt, info.bit_depth) == ("h264", "yuv420p", 8)
    assert info.is_variable_frame_rate is False
    assert info.truncated is False
    block = info.as_dict()
    for key in ("fps", "frames", "duration_s", "width", "height", "rotation_deg", "codec"):
        assert key in block
    assert (block["frames"], block["width"], block["height"]) == (360, 720, 1280)


def test_video_block_matches_the_summary_schema(video_male_side: Path) -> None:
    import jsonschema

    from gaitlab.schema import summary_schema

    schema = summary_schema()
    video_schema = {"$defs": schema["$defs"], **schema["$defs"]["video"]}
    jsonschema.Draft202012Validator(video_schema).validate(probe(video_male_side).as_dict())


def test_video_extensions_cover_phone_and_camera_files() -> None:
    for suffix in (".mp4", ".mov", ".avi", ".webm", ".mkv"):
        assert suffix in VIDEO_EXTENSIONS
    assert all(s == s.lower() and s.startswith(".") for s in VIDEO_EXTENSIONS)


@pytest.mark.parametrize("ext", ["mov", "mkv", "avi", "webm"])
def test_other_containers_decode_every_frame_on_time(
    video_container_clips: dict[str, Path], ext: str
) -> None:
    path = video_container_clips[ext]
    info = probe(path)
    frames = _frames(path)
    assert info.n_frames == len(frames) == SHORT_FRAMES
    assert info.fps == pytest.approx(30.0, rel=1e-6)
    assert info.is_variable_frame_rate is False
    # Matroska/WebM store milliseconds: 0.5 ms rounding, so 1 ms tolerance.
    times_s = np.array([f.time_s for f in frames])
    np.testing.assert_allclose(times_s, np.arange(SHORT_FRAMES) / 30, atol=1e-3)
    assert frames[0].rgb.shape == (info.height_px, info.width_px, 3)


# ---------------------------------------------------------------------------- rotation ---


@pytest.mark.parametrize("tag", [90, 180, 270])
def test_rotation_metadata_gives_upright_frames(
    video_rotated_clips: dict[int, Path], video_short_clip: Path, tag: int
) -> None:
    path = video_rotated_clips[tag]
    info = probe(path)
    # ffprobe reports the display matrix's counter-clockwise angle, as PyAV does.
    assert info.rotation_deg == _ffprobe_rotation_deg(path) % 360
    assert info.rotation_deg != 0
    expected_size = (1280, 720) if tag in (90, 270) else (720, 1280)
    assert (info.width_px, info.height_px) == expected_size
    rotated = _frames(path, max_frames=5)
    original = _frames(video_short_clip, max_frames=5)
    for got, raw in zip(rotated, original, strict=True):
        # Same bitstream, decoder and colour conversion: the pixels must match exactly.
        np.testing.assert_array_equal(got.rgb, np.rot90(raw.rgb, k=info.rotation_deg // 90))
        assert got.rgb.flags["C_CONTIGUOUS"]
        assert got.rgb.shape == (info.height_px, info.width_px, 3)
    # Direction check against an independent reader: the ffmpeg command line (FFmpeg 5.1, its
    # own rotation and RGB conversion). Versions may round the colour conversion differently,
    # hence a mean tolerance of 1 level; a wrong turn differs by about 60 levels on this clip.
    reference = _ffmpeg_first_frame(path, info.width_px, info.height_px)
    assert np.abs(rotated[0].rgb.astype(float) - reference).mean() < 1.0


# -------------------------------------------------------------------------- timestamps ---


def test_variable_frame_rate_times_are_the_real_ones(video_vfr_clip) -> None:
    info = probe(video_vfr_clip.path)
    assert info.is_variable_frame_rate is True
    frames = _frames(video_vfr_clip.path)
    times_s = np.array([f.time_s for f in frames])
    assert len(frames) == len(video_vfr_clip.times_s) == 60
    # 1 ms: far below a frame interval (>= 16.7 ms) and above float and 1/90000 s round-off.
    errors_s = np.abs(times_s - video_vfr_clip.times_s)
    assert errors_s.max() < 1e-3
    assert errors_s[-1] < 1e-3  # no drift at the end
    # The clip really is variable: index / average fps would be off by more than 50 ms.
    naive_s = np.arange(60) / info.fps
    assert np.abs(naive_s - video_vfr_clip.times_s).max() > 0.05
    assert [f.index for f in frames] == list(range(60))


def test_first_timestamp_not_zero_is_reported_from_stream_start(video_offset_clip) -> None:
    info = probe(video_offset_clip.path)
    frames = _frames(video_offset_clip.path)
    times_s = np.array([f.time_s for f in frames])
    np.testing.assert_allclose(times_s, video_offset_clip.times_s - 1.5, atol=1e-3)
    assert times_s[0] == 0.0
    assert info.duration_s == pytest.approx(2.0, abs=1e-3)
    assert info.truncated is False  # the header's 3.5 s counts from 0, not from 1.5 s
    # sample_frames uses the same origin: a sampled frame has its iter_frames time.
    for sampled in sample_frames(video_offset_clip.path, 4):
        match = min(frames, key=lambda f: abs(f.time_s - sampled.time_s))
        assert match.time_s == pytest.approx(sampled.time_s, abs=1e-9)
        np.testing.assert_array_equal(match.rgb, sampled.rgb)


def test_repeated_timestamps_are_dropped(video_duplicate_pts_clip) -> None:
    clip = video_duplicate_pts_clip
    with iter_frames(clip.path) as stream:
        frames = list(stream)
        dropped = stream.duplicates_dropped
    assert len(frames) == clip.n_frames - len(clip.repeated)
    assert dropped == len(clip.repeated)
    times_s = np.array([f.time_s for f in frames])
    assert np.all(np.diff(times_s) > 0)
    # The first frame at a repeated time is kept (grey 4*(k-1)), the repeat (4*k) dropped;
    # JPEG and YUV round-off stay within 3 grey levels.
    for k in clip.repeated:
        kept = frames[k - 1 - clip.repeated.index(k)]
        assert abs(float(kept.rgb.mean()) - 4 * (k - 1)) <= 3


def test_is_variable_rate_ignores_timestamp_rounding() -> None:
    ms = 0.001
    sixty_in_ms = np.round(np.arange(120) / 60, 3)  # 16/17 ms intervals
    assert is_variable_rate(sixty_in_ms, tick_s=ms) is False
    slowmo_in_ms = np.round(np.arange(240) / 240, 3)  # 4/5 ms intervals
    assert is_variable_rate(slowmo_in_ms, tick_s=ms) is False
    uneven = np.cumsum(np.tile([0.033, 0.050], 20))
    assert is_variable_rate(uneven, tick_s=ms) is True
    assert is_variable_rate([0.0, 0.033], tick_s=ms) is None


# --------------------------------------------------------------------------- decoding ---


def test_hevc_10bit_decodes_every_frame_close_to_the_original(
    video_hevc10_clip: Path, video_short_clip: Path
) -> None:
    info = probe(video_hevc10_clip)
    assert (info.codec, info.pix_fmt, info.bit_depth) == ("hevc", "yuv420p10le", 10)
    assert info.n_frames == SHORT_FRAMES
    hevc = _frames(video_hevc10_clip)
    original = _frames(video_short_clip)
    assert len(hevc) == len(original) == SHORT_FRAMES
    # CRF 20 costs about 1.8 grey levels on average here; a mishandled 10-bit picture (high
    # byte only, wrong range) would be off by tens of levels.
    for got, ref in zip(hevc, original, strict=True):
        assert got.rgb.dtype == np.uint8
        assert np.abs(got.rgb.astype(float) - ref.rgb).mean() < 4.0


def test_odd_width_clip_gives_contiguous_frames(video_two_people: Path) -> None:
    info = probe(video_two_people)
    assert (info.width_px, info.height_px, info.codec) == (1768, 994, "vp9")
    frames = _frames(video_two_people, max_frames=3)
    for frame in frames:
        assert frame.rgb.shape == (994, 1768, 3)
        assert frame.rgb.dtype == np.uint8
        assert frame.rgb.flags["C_CONTIGUOUS"]
    # The premise: PyAV alone pads the rows of this clip (so the test above can fail).
    with av.open(str(video_two_people)) as container:
        raw = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert not raw.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(raw, frames[0].rgb)


def test_slowmo_factor_divides_times_and_multiplies_fps(video_short_clip: Path) -> None:
    normal = probe(video_short_clip)
    slow = probe(video_short_clip, slowmo_factor=8)
    assert slow.fps == pytest.approx(8 * normal.fps)
    assert slow.duration_s == pytest.approx(normal.duration_s / 8)
    assert slow.n_frames == normal.n_frames
    assert slow.slowmo_factor == 8.0
    t1 = np.array([f.time_s for f in _frames(video_short_clip, max_frames=20)])
    t8 = np.array([f.time_s for f in _frames(video_short_clip, max_frames=20, slowmo_factor=8)])
    np.testing.assert_allclose(t8, t1 / 8, rtol=0, atol=1e-12)
    # start_s is in real-world seconds: 0.125 s at 240 fps is file frame 30.
    late = _frames(video_short_clip, slowmo_factor=8, start_s=0.125, max_frames=1)[0]
    assert late.time_s == pytest.approx(0.125, abs=1e-9)
    assert late.index == 30


def test_iteration_options(video_short_clip: Path) -> None:
    everything = _frames(video_short_clip)
    assert [f.index for f in everything] == list(range(SHORT_FRAMES))
    np.testing.assert_allclose([f.time_s for f in everything], np.arange(60) / 30, atol=1e-9)
    assert [f.index for f in _frames(video_short_clip, every_nth=4)] == list(range(0, 60, 4))
    assert len(_frames(video_short_clip, max_frames=5)) == 5
    # Seeking to 1 s lands on frame 30 exactly, with the same pixels as decoding through.
    late = _frames(video_short_clip, start_s=1.0, max_frames=3)
    assert [f.index for f in late] == [30, 31, 32]
    assert late[0].time_s == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_array_equal(late[0].rgb, everything[30].rgb)
    # Decoding in the caller's thread gives the same frames as the background thread.
    inline = _frames(video_short_clip, prefetch=0, max_frames=10)
    for a, b in zip(inline, everything[:10], strict=True):
        assert (a.index, a.time_s) == (b.index, b.time_s)
        np.testing.assert_array_equal(a.rgb, b.rgb)


def test_sample_frames_spread_over_the_clip(video_short_clip: Path) -> None:
    everything = _frames(video_short_clip)
    sampled = sample_frames(video_short_clip, 5)
    assert len(sampled) == 5
    # Targets are the middles of 5 equal parts of 2 s; the frame taken is within half a
    # frame period (1/60 s) of it.
    targets_s = (np.arange(5) + 0.5) * 2.0 / 5
    for frame, target_s in zip(sampled, targets_s, strict=True):
        assert abs(frame.time_s - target_s) <= 1 / 60 + 1e-9
        same = everything[frame.index]
        assert same.time_s == pytest.approx(frame.time_s, abs=1e-9)
        np.testing.assert_array_equal(same.rgb, frame.rgb)
    assert len(sample_frames(video_short_clip, 1000)) <= SHORT_FRAMES


# -------------------------------------------------------------------------- bad input ---


@pytest.mark.parametrize(
    ("name", "wording"),
    [
        ("missing", "does not exist"),
        ("folder", "is a folder, not a video file"),
        ("empty", "is empty (0 bytes)"),
        ("text", "could not be read as a video"),
        ("audio_only", "has no video stream"),
        ("cut_no_index", "could not be read as a video"),
        ("cut_no_frames", "contains no decodable video frames"),
    ],
)
def test_bad_input_raises_one_clear_sentence(
    video_bad_inputs: dict[str, Path], name: str, wording: str
) -> None:
    path = video_bad_inputs[name]
    with pytest.raises(InputError) as probed:
        probe(path)
    assert wording in probed.value.message
    assert _one_sentence(probed.value.message)
    with pytest.raises(InputError, match=wording.replace("(", r"\(").replace(")", r"\)")):
        list(iter_frames(path))
    assert not _decode_threads()


@pytest.mark.parametrize("factor", [0, -8, math.nan, math.inf, "fast"])
def test_unusable_slowmo_factor_is_refused(video_short_clip: Path, factor: object) -> None:
    for read in (probe, iter_frames):
        with pytest.raises(InputError, match="slow-motion factor must be a positive number"):
            read(video_short_clip, slowmo_factor=factor)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="slow-motion factor must be a positive number"):
        sample_frames(video_short_clip, 3, slowmo_factor=factor)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [{"every_nth": 0}, {"max_frames": 0}, {"prefetch": -1}, {"start_s": -1.0}, {"every_nth": 1.5}],
)
def test_out_of_range_options_are_refused(video_short_clip: Path, options: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(options))):
        iter_frames(video_short_clip, **options)


def test_start_after_the_end_is_refused(video_short_clip: Path) -> None:
    with pytest.raises(InputError, match="no frame at or after 5 s"):
        _frames(video_short_clip, start_s=5.0)
    with pytest.raises(InputError, match="no frame at or after 5 s"):
        sample_frames(video_short_clip, 3, start_s=5.0)


def test_numpy_integers_are_accepted_as_options(video_short_clip: Path) -> None:
    frames = _frames(video_short_clip, max_frames=np.int64(3), every_nth=np.int32(2))
    assert [f.index for f in frames] == [0, 2, 4]
    assert len(sample_frames(video_short_clip, np.int64(2))) == 2


@pytest.mark.parametrize("kind", ["mp4", "mkv"])
def test_truncated_clip_keeps_the_frames_it_has(
    video_truncated_clips: dict[str, Path],
    video_short_clip: Path,
    kind: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    av.logging.set_level(av.logging.INFO)  # chatty: the reader must quieten FFmpeg itself
    path = video_truncated_clips[kind]
    info = probe(path)
    assert info.truncated is True
    assert 0 < info.n_frames < SHORT_FRAMES
    with iter_frames(path) as stream:
        frames = list(stream)
    assert stream.truncated is True
    assert 0 < len(frames) < SHORT_FRAMES
    assert abs(len(frames) - info.n_frames) <= 2  # the last frame or two may be incomplete
    original = _frames(video_short_clip, max_frames=10)
    for got, ref in zip(frames[:10], original, strict=True):
        np.testing.assert_array_equal(got.rgb, ref.rgb)
    # FFmpeg complained about the cut-off data, but nothing reached the terminal.
    assert av.logging.get_level() is None
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


# ---------------------------------------------------------------------- thread hygiene ---


def test_stream_stops_cleanly_when_left_early(video_male_side: Path) -> None:
    with iter_frames(video_male_side) as stream:
        for frame in stream:
            if frame.index == 2:
                break
    assert not _decode_threads()
    assert not _is_open(video_male_side)


def test_stream_stops_cleanly_when_the_consumer_raises(video_male_side: Path) -> None:
    def consume() -> None:
        for frame in iter_frames(video_male_side):
            if frame.index == 2:
                raise RuntimeError("pose model failed")

    with pytest.raises(RuntimeError, match="pose model failed"):
        consume()
    gc.collect()
    assert not _decode_threads()
    assert not _is_open(video_male_side)


def test_abandoned_stream_is_closed_when_collected(video_male_side: Path) -> None:
    stream = iter_frames(video_male_side)
    next(stream)
    assert len(_decode_threads()) == 1
    assert _is_open(video_male_side)
    del stream
    gc.collect()
    assert not _decode_threads()
    assert not _is_open(video_male_side)


def test_finished_stream_leaves_nothing_behind(video_short_clip: Path) -> None:
    stream = iter_frames(video_short_clip)
    assert isinstance(stream, FrameStream)
    assert sum(1 for _ in stream) == SHORT_FRAMES
    assert not _decode_threads()
    assert not _is_open(video_short_clip)
    with pytest.raises(StopIteration):
        next(stream)


_MEMORY_PROBE = """
import sys, time, psutil
from gaitlab.video import iter_frames
process = psutil.Process()
for prefetch in (8, 64):
    before = process.memory_info().rss
    stream = iter_frames(sys.argv[1], prefetch=prefetch)
    next(stream)
    time.sleep(1.0)  # a slow consumer: the decoder runs ahead as far as it may
    print((process.memory_info().rss - before) / 1e6)
    stream.close()
"""


def test_memory_stays_flat_with_a_slow_consumer(video_male_side: Path) -> None:
    # A fresh interpreter, so memory freed by other tests cannot hide growth. One frame of
    # this clip is 2.8 MB and all 360 would be 1 GB: with 8 frames queued the process grows
    # by about 20 MB (decoder buffers included); with 64 by about 160 MB, which shows the
    # measurement sees queued frames.
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(video_male_side)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    growth_8_mb, growth_64_mb = (float(x) for x in result.stdout.split())
    assert growth_8_mb < 80
    assert growth_64_mb > growth_8_mb + 80


_EARLY_STOPS = """
import sys
import av.logging
from gaitlab.video import iter_frames, sample_frames
for _ in range(10):
    stream = iter_frames(sys.argv[1])
    av.logging.set_level(av.logging.INFO)  # somebody turns FFmpeg's logging on mid-clip
    for frame in stream:
        if frame.index == 3:
            break
    stream.close()
    sample_frames(sys.argv[1], 3)
print("done")
"""


def test_early_stops_do_not_deadlock(video_short_clip: Path) -> None:
    # PyAV's log callback takes the GIL from FFmpeg's frame threads: closing a threaded H.264
    # decoder mid-clip with logging on used to hang the whole interpreter, so this runs in a
    # child process with a time limit (it takes about 2 s).
    result = subprocess.run(
        [sys.executable, "-c", _EARLY_STOPS, str(video_short_clip)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["done"]
