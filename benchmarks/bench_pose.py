"""Pose stage speed, measured in one run on the same frames.

Four timings on the sample clip, in ms per frame:

* ``decode``: PyAV decode and RGB conversion only (gaitlab's reader);
* ``bare_inference``: MediaPipe VIDEO mode with gaitlab's landmarker options on frames decoded
  beforehand (the floor: nothing but the model);
* ``naive_loop``: what many tools do: ``cv2.VideoCapture.read`` then IMAGE mode per frame;
* ``gaitlab_pose``: :func:`gaitlab.pose.extract.extract_pose` (probe, runner choice, threaded
  decode overlapping inference, tracking).

Ratios: ``gaitlab_pose / bare_inference`` (target <= 1.15) and ``naive_loop / gaitlab_pose``
(target >= 1.6). Never fails on time: it writes the figures to a JSON file.

Usage::

    python benchmarks/bench_pose.py [--quick] [--out benchmarks/results/pose.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from gaitlab.pose.extract import extract_pose
from gaitlab.pose.landmarker import LandmarkerOptions, open_landmarker, to_mp_image
from gaitlab.pose.model import find_model
from gaitlab.video import iter_frames

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "male_side.mp4"


def time_decode(path: Path, n: int) -> float:
    t0 = time.perf_counter()
    count = 0
    for frame in iter_frames(path):
        count += 1
        _ = frame.rgb
        if count >= n:
            break
    return (time.perf_counter() - t0) * 1000 / count


def time_bare(path: Path, model: Path, n: int) -> float:
    frames = []
    for frame in iter_frames(path):
        frames.append((frame.time_s, frame.rgb))
        if len(frames) >= n:
            break
    with open_landmarker(model, mode="video", options=LandmarkerOptions()) as lm:
        t0 = time.perf_counter()
        for t, rgb in frames:
            lm.detect_for_video(to_mp_image(rgb), round(t * 1000))
        dt = time.perf_counter() - t0
    return dt * 1000 / len(frames)


def time_naive(path: Path, model: Path, n: int) -> float:
    import cv2

    cap = cv2.VideoCapture(str(path))
    count = 0
    with open_landmarker(model, mode="image", options=LandmarkerOptions()) as lm:
        t0 = time.perf_counter()
        while count < n:
            ok, bgr = cap.read()
            if not ok:
                break
            lm.detect(to_mp_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
            count += 1
        dt = time.perf_counter() - t0
    cap.release()
    return dt * 1000 / count


def time_gaitlab(path: Path, model_file, n_frames: int) -> float:
    t0 = time.perf_counter()
    result = extract_pose(path, model_file)
    dt = time.perf_counter() - t0
    return dt * 1000 / result.tracks.n_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short clip, for CI")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "pose.json")
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--repeats", type=int, help="runs of each variant (default 3, quick 1)")
    args = parser.parse_args()

    model = find_model()
    clip = args.clip
    if args.quick:  # first 2 s of the sample clip
        import subprocess
        import tempfile

        tmp = Path(tempfile.mkdtemp()) / "quick.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-t", "2", "-c", "copy", str(tmp)],
            check=True,
        )
        clip = tmp
    n = 10**9
    runs: dict[str, list[float]] = {
        "decode": [],
        "bare_inference": [],
        "naive_loop": [],
        "gaitlab_pose": [],
    }
    # The variants take turns, so that a busy spell on the machine hits them alike; the median
    # of the repeats is reported.
    for _ in range(args.repeats if args.repeats else (1 if args.quick else 3)):
        runs["decode"].append(time_decode(clip, n))
        runs["bare_inference"].append(time_bare(clip, model.path, n))
        runs["naive_loop"].append(time_naive(clip, model.path, n))
        runs["gaitlab_pose"].append(time_gaitlab(clip, model, n))
    figures = {k: float(np.median(v)) for k, v in runs.items()}
    ratios = {
        "gaitlab_pose_over_bare": figures["gaitlab_pose"] / figures["bare_inference"],
        "naive_over_gaitlab_pose": figures["naive_loop"] / figures["gaitlab_pose"],
    }
    record = {
        "clip": clip.name,
        "quick": args.quick,
        "ms_per_frame": {k: round(v, 2) for k, v in figures.items()},
        "repeats": len(runs["decode"]),
        "load_average_1min_at_end": round(__import__("os").getloadavg()[0], 2),
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "targets": {"gaitlab_pose_over_bare": "<= 1.15", "naive_over_gaitlab_pose": ">= 1.6"},
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "numpy": np.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    main()
