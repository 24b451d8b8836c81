"""Batch speed, measured in one run on the same folder of clips.

Three timings, each the wall time of a fresh process (interpreter start and imports included,
nothing cached: each run writes to a new output folder):

* ``one_by_one``: one Python process analysing the clips one after the other with
  :func:`gaitlab.analyze` and ``Analysis.save`` (the same thread limits as a batch worker, pinned
  to one core) -- what a researcher's own loop costs;
* ``batch_1_worker``: ``gaitlab batch FOLDER --out OUT --workers 1`` (Dask local cluster);
* ``batch_2_workers``: the same with ``--workers 2``.

Figures: ``speedup_2_over_1 = batch_1_worker / batch_2_workers`` (target >= 1.6 on 2 cores) and
``batch_overhead_pct = (batch_1_worker / one_by_one - 1) * 100`` (target < 10 %). Each worker
runs one video at a time with its numeric threads capped (OMP/MKL/OpenBLAS = 1,
``cv2.setNumThreads(1)``) and is pinned to one core, which also holds MediaPipe's own threads.
Never fails on time: it writes the figures to a JSON file and a Markdown table beside it.

Full mode: the sample clip (12 s) and three 6 s cuts of it (from 0, 3 and 6 s), all re-encoded
alike, and the 2.3 s 60 fps walking clip. ``--quick``: two 2.5 s cuts of the sample clip, for CI.

Usage::

    python benchmarks/bench_batch.py [--quick] [--out benchmarks/results/batch.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from command import command_line, with_command

from gaitlab.io import write_text_atomic

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "male_side.mp4"
WALK = REPO / "tests" / "data" / "side_walk_60fps.mp4"
GAITLAB = Path(sys.executable).parent / "gaitlab"

#: The researcher's loop: the same thread caps and one core, like a batch worker.
ONE_BY_ONE = """
import os, sys, time
from pathlib import Path
for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[name] = "1"
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from gaitlab.quiet import silence_native_stderr
silence_native_stderr()
import cv2
cv2.setNumThreads(1)
import gaitlab
from gaitlab.errors import GaitlabError
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
for video in sorted(folder.rglob("*.mp4")):
    try:
        gaitlab.analyze(video).save(out / video.relative_to(folder))
    except GaitlabError:
        pass
"""


def ffmpeg(*args: str | Path) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)],
        check=True,
    )


def make_folder(folder: Path, *, quick: bool) -> list[Path]:
    """The clips of the benchmark (cut from the sample clips)."""
    folder.mkdir(parents=True)
    encode = ("-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18")
    if quick:
        ffmpeg("-i", CLIP, "-t", "2.5", *encode, folder / "a.mp4")
        ffmpeg("-ss", "6", "-i", CLIP, "-t", "2.5", *encode, folder / "b.mp4")
    else:
        # encoded alike, so that file size follows length (the batch sends large files first)
        ffmpeg("-i", CLIP, *encode, folder / "whole_12s.mp4")
        for start_s in (0, 3, 6):
            ffmpeg("-ss", str(start_s), "-i", CLIP, "-t", "6", *encode,
                   folder / f"from_{start_s}s_6s.mp4")  # fmt: skip
        shutil.copy(WALK, folder / "side_walk_60fps.mp4")
    return sorted(folder.rglob("*.mp4"))


def busy_cpu_s() -> float | None:
    """CPU seconds used by all processes on the machine so far (``/proc/stat``), or None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wall_s(cmd: list[str]) -> float:
    """Wall time of a command (it must succeed: exit 0 or 1, a batch with failed videos)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def video_seconds(out: Path) -> dict[str, float]:
    """Each video's analysis time inside its worker (from the batch records)."""
    times = {}
    for record in out.rglob("batch.json"):
        data = json.loads(record.read_text())
        times[data["video"]] = data["elapsed_s"]
    return dict(sorted(times.items()))


def markdown(record: dict) -> str:
    t = record["wall_s"]
    lines = [
        f"# Batch speed ({record['date']}, {record['machine']})",
        "",
        f"Clips: {', '.join(record['clips'])} ({record['clip_seconds']:.1f} s of video).",
        "",
        "| run | wall s |",
        "|---|---|",
        *(f"| {name} | {value:.1f} |" for name, value in t.items()),
        "",
        f"- speedup, 2 workers over 1: **{record['speedup_2_over_1']:.2f}x** (target >= 1.6)",
        f"- batch overhead against one by one: **{record['batch_overhead_pct']:.1f} %** "
        "(target < 10 %)",
        f"- rerun with everything done: {record['rerun_all_done_s']:.1f} s",
        f"- load average (1 min) at start / end: {record['machine_load']['at_start']} / "
        f"{record['machine_load']['at_end']}; cores busy on average (all processes, this "
        f"benchmark included): {record['machine_load']['all_processes_cores_mean']} of "
        f"{len(os.sched_getaffinity(0))} (other work on the machine makes figures noisy)",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two 2.5 s clips, for CI")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "batch.json")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each variant (medians)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        folder = tmp / "clips"
        clips = make_folder(folder, quick=args.quick)
        load_start = os.getloadavg()[0]
        outs = {name: tmp / name for name in ("one_by_one", "batch_1_worker", "batch_2_workers")}

        def batch_cmd(name: str, workers: int) -> list[str]:
            return [str(GAITLAB), "batch", str(folder), "--out", str(outs[name]),
                    "--workers", str(workers), "--no-progress"]  # fmt: skip

        runs = {
            "one_by_one": [sys.executable, "-c", ONE_BY_ONE, str(folder), str(outs["one_by_one"])],
            "batch_1_worker": batch_cmd("batch_1_worker", 1),
            "batch_2_workers": batch_cmd("batch_2_workers", 2),
        }
        names = list(runs)
        times: dict[str, list[float]] = {name: [] for name in names}
        busy0, t0 = busy_cpu_s(), time.monotonic()
        for r in range(args.repeats):  # interleaved, each output folder fresh
            for name in names[r % len(names) :] + names[: r % len(names)]:
                shutil.rmtree(outs[name], ignore_errors=True)
                times[name].append(wall_s(runs[name]))
        busy1, t1 = busy_cpu_s(), time.monotonic()
        wall = {name: statistics.median(v) for name, v in times.items()}
        rerun = wall_s(runs["batch_2_workers"])
        from gaitlab.video import probe

        seconds = sum(probe(c).duration_s for c in clips)
        record = {
            "command": command_line(),
            "quick": args.quick,
            "clips": [c.name for c in clips],
            "clip_seconds": round(seconds, 2),
            "wall_s": {k: round(v, 2) for k, v in wall.items()},
            "repeats": args.repeats,
            "wall_s_runs": {k: [round(x, 2) for x in v] for k, v in times.items()},
            "speedup_2_over_1": round(wall["batch_1_worker"] / wall["batch_2_workers"], 3),
            "batch_overhead_pct": round((wall["batch_1_worker"] / wall["one_by_one"] - 1) * 100, 1),
            "rerun_all_done_s": round(rerun, 2),
            "targets": {"speedup_2_over_1": ">= 1.6", "batch_overhead_pct": "< 10"},
            "video_seconds_in_worker": {
                "batch_1_worker": video_seconds(outs["batch_1_worker"]),
                "batch_2_workers": video_seconds(outs["batch_2_workers"]),
            },
            "machine_load": {
                "at_start": round(load_start, 2),
                "at_end": round(os.getloadavg()[0], 2),
                "all_processes_cores_mean": None
                if busy0 is None or busy1 is None
                else round((busy1 - busy0) / (t1 - t0), 2),
            },
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
            f"Python {platform.python_version()}",
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out, json.dumps(record, indent=2) + "\n")
    write_text_atomic(
        args.out.with_suffix(".md"), with_command(markdown(record), record["command"])
    )
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
