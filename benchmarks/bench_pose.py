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

The variants take turns within each repeat (the order rotates from one repeat to the next), and
the ratios are taken within each repeat, then the median over repeats is reported (``ratios``).
Each run also records this process's CPU time (all threads) and the cores other processes kept
busy meanwhile (from ``/proc/stat``, Linux only). Wall-clock ratios only mean something on a
quiet machine: when other work holds the cores, gaitlab's extra threads (decoding, the look for
other people) win a larger share of them than single-threaded bare inference does, which flatters
gaitlab. So the record also gives ``ratios_quiet`` (repeats in which other processes used at most
``QUIET_CORES`` cores during both runs of the ratio) and ``cpu_ratios`` (CPU time, the work done,
whatever the load: the bound with no free core at all). ``--wait-quiet`` waits for a quiet
machine before each run.

Usage::

    python benchmarks/bench_pose.py [--quick] [--repeats N] [--wait-quiet SECONDS]
        [--out benchmarks/results/pose.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from command import command_line

from gaitlab.io import write_text_atomic
from gaitlab.pose.extract import extract_pose
from gaitlab.pose.landmarker import LandmarkerOptions, open_landmarker, to_mp_image
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.video import iter_frames

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "male_side.mp4"


#: Other processes using at most this many cores during both runs of a ratio make it "quiet".
QUIET_CORES = 0.25


@dataclasses.dataclass(frozen=True)
class Run:
    """One timed run of a variant.

    Attributes
    ----------
    ms_per_frame
        Wall-clock time per frame.
    cpu_ms_per_frame
        CPU time of this process (all its threads) per frame.
    others_cores
        Mean number of cores that other processes kept busy during the run (None off Linux).
    """

    ms_per_frame: float
    cpu_ms_per_frame: float
    others_cores: float | None


def machine_busy_s() -> float | None:
    """CPU seconds all processes have spent busy since boot (``/proc/stat``), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields[:8]]  # guest time is already counted in user time
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


class Stopwatch:
    """Wall time, this process's CPU time and other processes' CPU use over a ``with`` block."""

    def __enter__(self) -> Stopwatch:
        self._busy0 = machine_busy_s()
        self._cpu0, self._t0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._t0
        self.cpu_s = time.process_time() - self._cpu0
        busy1 = machine_busy_s()
        self.others_cores = (
            None
            if busy1 is None or self._busy0 is None
            else max(0.0, busy1 - self._busy0 - self.cpu_s) / max(self.wall_s, 1e-9)
        )

    def run(self, n_frames: int) -> Run:
        """The figures per frame for ``n_frames`` frames."""
        n = max(n_frames, 1)
        return Run(self.wall_s * 1000 / n, self.cpu_s * 1000 / n, self.others_cores)


def wait_for_quiet(max_wait_s: float, *, window_s: float = 1.0) -> None:
    """Wait (at most ``max_wait_s``) until other processes use at most ``QUIET_CORES`` cores."""
    deadline = time.monotonic() + max_wait_s
    while time.monotonic() < deadline:
        with Stopwatch() as sw:
            time.sleep(window_s)
        if sw.others_cores is None or sw.others_cores <= QUIET_CORES:
            return


def time_decode(path: Path) -> Run:
    with Stopwatch() as sw:
        count = 0
        for frame in iter_frames(path):
            count += 1
            _ = frame.rgb
    return sw.run(count)


def time_bare(path: Path, model: Path) -> Run:
    frames = [(frame.time_s, frame.rgb) for frame in iter_frames(path)]
    with (
        open_landmarker(model, mode="video", options=LandmarkerOptions.from_settings()) as lm,
        Stopwatch() as sw,
    ):
        for t, rgb in frames:
            lm.detect_for_video(to_mp_image(rgb), round(t * 1000))
    return sw.run(len(frames))


def time_naive(path: Path, model: Path) -> Run:
    import cv2

    cap = cv2.VideoCapture(str(path))
    count = 0
    with (
        open_landmarker(model, mode="image", options=LandmarkerOptions.from_settings()) as lm,
        Stopwatch() as sw,
    ):
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            lm.detect(to_mp_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
            count += 1
    cap.release()
    return sw.run(count)


def time_gaitlab(path: Path, model_file: ModelFile) -> Run:
    with Stopwatch() as sw:
        result = extract_pose(path, model_file)
    return sw.run(result.tracks.n_frames)


def summarise(runs: dict[str, list[Run]]) -> dict[str, Any]:
    """Medians per variant and, per repeat, the two ratios (wall and CPU time)."""

    def median(values: list[float], digits: int = 3) -> float | None:
        return round(float(np.median(values)), digits) if values else None

    pairs = {
        "gaitlab_pose_over_bare": ("gaitlab_pose", "bare_inference"),
        "naive_over_gaitlab_pose": ("naive_loop", "gaitlab_pose"),
    }
    per_repeat: dict[str, list[float]] = {}
    cpu_per_repeat: dict[str, list[float]] = {}
    quiet: dict[str, list[float]] = {}
    for name, (top, bottom) in pairs.items():
        both = list(zip(runs[top], runs[bottom], strict=True))
        per_repeat[name] = [a.ms_per_frame / b.ms_per_frame for a, b in both]
        cpu_per_repeat[name] = [a.cpu_ms_per_frame / b.cpu_ms_per_frame for a, b in both]
        quiet[name] = [
            a.ms_per_frame / b.ms_per_frame
            for a, b in both
            if max(a.others_cores or 0.0, b.others_cores or 0.0) <= QUIET_CORES
        ]
    return {
        "ms_per_frame": {k: median([r.ms_per_frame for r in v], 2) for k, v in runs.items()},
        "ratios": {k: median(v) for k, v in per_repeat.items()},
        "ratios_quiet": {k: median(v) for k, v in quiet.items()},
        "n_quiet_repeats": {k: len(v) for k, v in quiet.items()},
        "ratios_per_repeat": {k: [round(x, 3) for x in v] for k, v in per_repeat.items()},
        "cpu_ms_per_frame": {
            k: median([r.cpu_ms_per_frame for r in v], 2) for k, v in runs.items()
        },
        "cpu_ratios": {k: median(v) for k, v in cpu_per_repeat.items()},
        "runs": {k: [dataclasses.asdict(r) for r in v] for k, v in runs.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short clip, for CI")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "pose.json")
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument(
        "--repeats", "--repeat", type=int, help="runs of each variant (default 3, quick 1)"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other processes to leave the CPU idle",
    )
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
    variants: dict[str, Callable[[], Run]] = {
        "decode": lambda: time_decode(clip),
        "bare_inference": lambda: time_bare(clip, model.path),
        "naive_loop": lambda: time_naive(clip, model.path),
        "gaitlab_pose": lambda: time_gaitlab(clip, model),
    }
    names = list(variants)
    runs: dict[str, list[Run]] = {k: [] for k in names}
    load_start = os.getloadavg()[0]
    repeats = args.repeats if args.repeats else (1 if args.quick else 3)
    with Stopwatch() as whole:
        for r in range(repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                wait_for_quiet(args.wait_quiet)
                runs[name].append(variants[name]())
    record = {
        "command": command_line(),
        "clip": clip.name,
        "quick": args.quick,
        "repeats": repeats,
        **summarise(runs),
        "targets": {"gaitlab_pose_over_bare": "<= 1.15", "naive_over_gaitlab_pose": ">= 1.6"},
        "machine_load": {
            "load_average_1min_at_start": round(load_start, 2),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
            "other_processes_cores_mean": None
            if whole.others_cores is None
            else round(whole.others_cores, 2),
            "quiet_means_other_processes_cores_at_most": QUIET_CORES,
            "wait_quiet_s": args.wait_quiet,
        },
        "duration_s": round(whole.wall_s, 1),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "numpy": np.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out, json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    main()
