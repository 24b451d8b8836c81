"""Decode speed: gaitlab's reader (PyAV) against OpenCV, in milliseconds per frame.

Clips: ``sample_videos/male_side.mp4`` (H.264, 720x1280) and a 1080x1920 HEVC Main 10
(``yuv420p10le``) copy of it made here with ffmpeg/libx265, the kind of file recent phones
write. Each reader decodes the same frames to an 8-bit picture, nothing else:

* ``pyav``: PyAV with ``thread_type="AUTO"``, ``frame.to_ndarray(format="rgb24")``;
* ``gaitlab``: :func:`gaitlab.video.iter_frames` (PyAV plus rotation, contiguous copy and the
  background decoding thread; the consumer does nothing);
* ``opencv``: ``cv2.VideoCapture(path, cv2.CAP_FFMPEG).read()`` (BGR).

Figures go to a JSON file; nothing here fails on time. ``--quick`` (for CI) decodes 30 frames
once per reader and writes to ``benchmarks/results/quick/`` unless ``--out`` says otherwise::

    python benchmarks/bench_decode.py            # full: every frame, median of 3 runs
    python benchmarks/bench_decode.py --quick --out OUT/decode.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import av.error
import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

from command import command_line  # noqa: E402

from gaitlab.io import write_json_atomic  # noqa: E402
from gaitlab.video import iter_frames, probe  # noqa: E402

MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "decode.json"
QUICK_OUT = REPO / "benchmarks" / "results" / "quick" / "decode.json"
QUICK_FRAMES = 30


def make_hevc10_clip(source: Path, out: Path, duration_s: float) -> Path:
    """Encode ``duration_s`` of ``source`` as 1080x1920 HEVC Main 10 with ffmpeg/libx265."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is not installed: run setup.sh")
    subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
         "-t", f"{duration_s:g}", "-vf", "scale=1080:1920", "-c:v", "libx265",
         "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p10le",
         "-x265-params", "log-level=error", "-tag:v", "hvc1", "-an", str(out)],
        check=True,
    )  # fmt: skip
    return out


def decode_pyav(path: Path, n_frames: int) -> int:
    """Decode up to ``n_frames`` with plain PyAV to RGB arrays; return how many."""
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            frame.to_ndarray(format="rgb24")
            count += 1
            if count == n_frames:
                break
        # Drain the frame threads before closing (PyAV's logging can deadlock otherwise);
        # a decoder that already reached the end says so with EOFError.
        with contextlib.suppress(av.error.EOFError):
            for _ in stream.codec_context.decode(None):
                pass
    return count


def decode_gaitlab(path: Path, n_frames: int) -> int:
    """Decode up to ``n_frames`` with gaitlab's threaded reader; return how many."""
    with iter_frames(path, max_frames=n_frames) as frames:
        return sum(1 for _ in frames)


def decode_opencv(path: Path, n_frames: int) -> int:
    """Decode up to ``n_frames`` with OpenCV's FFmpeg backend to BGR arrays; return how many."""
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    count = 0
    try:
        while count < n_frames:
            ok, _ = capture.read()
            if not ok:
                break
            count += 1
    finally:
        capture.release()
    return count


READERS: dict[str, Callable[[Path, int], int]] = {
    "pyav": decode_pyav,
    "gaitlab": decode_gaitlab,
    "opencv": decode_opencv,
}


def ms_per_frame(reader: Callable[[Path, int], int], path: Path, n_frames: int) -> float:
    """Wall-clock milliseconds per decoded frame for one run (file opening included)."""
    start = time.perf_counter()
    count = reader(path, n_frames)
    elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / max(count, 1)


def bench_clip(name: str, path: Path, n_frames: int, repeats: int) -> dict[str, Any]:
    """Figures for one clip: its facts and the median ms/frame of each reader."""
    info = probe(path)
    frames = min(n_frames, info.n_frames)
    runs: dict[str, list[float]] = {reader: [] for reader in READERS}
    for _ in range(repeats):  # readers take turns, so that a busy spell hits them alike
        for reader, fn in READERS.items():
            runs[reader].append(ms_per_frame(fn, path, frames))
    ms = {reader: round(statistics.median(values), 2) for reader, values in runs.items()}
    return {
        "clip": name,
        "codec": info.codec,
        "pix_fmt": info.pix_fmt,
        "width": info.width_px,
        "height": info.height_px,
        "frames_decoded": frames,
        "ms_per_frame": ms,
        "opencv_over_pyav": round(ms["opencv"] / ms["pyav"], 2),
        "opencv_over_gaitlab": round(ms["opencv"] / ms["gaitlab"], 2),
    }


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [x for x in cpuinfo.read_text().splitlines() if x.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "pyav": av.__version__,
        "pyav_ffmpeg": getattr(av, "ffmpeg_version_info", "unknown"),
        "opencv": cv2.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="JSON file to write (default: see above)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FRAMES} frames, one run")
    parser.add_argument("--repeats", type=int, help="runs per reader (default 3, quick 1)")
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    repeats = args.repeats or (1 if args.quick else 3)
    n_frames = QUICK_FRAMES if args.quick else 10**9
    clip_s = 1.5 if args.quick else 12.0
    host = machine()  # before measuring: the load average is other people's work
    with tempfile.TemporaryDirectory(prefix="gaitlab-bench-") as tmp:
        hevc = make_hevc10_clip(MALE_SIDE, Path(tmp) / "male_side_1080p_hevc10.mp4", clip_s)
        clips = [
            bench_clip("male_side.mp4", MALE_SIDE, n_frames, repeats),
            bench_clip("male_side 1080x1920 HEVC 10-bit (libx265)", hevc, n_frames, repeats),
        ]
    result = {
        "benchmark": "decode",
        "command": command_line(),
        "what": "wall-clock ms per frame to decode to 8-bit RGB (BGR for OpenCV), opening "
        "included; median over runs, the readers taking turns",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeats": repeats,
        "machine": host,
        "clips": clips,
    }
    write_json_atomic(out, result)
    for clip in clips:
        figures = ", ".join(f"{k} {v:.2f}" for k, v in clip["ms_per_frame"].items())
        print(f"{clip['clip']}: {clip['frames_decoded']} frames, ms/frame: {figures}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
