"""The whole job's speed against the model's: one command, interleaved repeats.

On the sample clip (12 s) and a 60 s clip made from it (the sample 5 times, joined without
re-encoding; made in a temporary folder, never committed), each repeat runs, in an order that
rotates from one repeat to the next:

* ``bare_inference``: MediaPipe VIDEO mode with gaitlab's landmarker options on frames decoded
  beforehand, one landmarker on one core: the physical floor of the model (for the 60 s clip,
  the sample's frames 5 times over with increasing timestamps, which is what that clip holds);
* ``naive_loop``: what many tools do: ``cv2.VideoCapture.read`` then IMAGE mode per frame;
* ``analyze_no_video``: ``gaitlab analyze CLIP --no-video`` (a fresh process: start-up, pose,
  capture checks, analysis, ``summary.json``, landmark files, ``report.html``);
* ``analyze_no_video_one_pass``: the same with ``--workers 1`` (today's single pass, as batch
  workers and one-core machines run it);
* ``analyze``: ``gaitlab analyze CLIP`` (the above plus ``annotated.mp4``);
* ``check``: ``gaitlab check CLIP``;

and, once per repeat, ``help`` (``gaitlab --help``) and ``import`` (``python -c "import
gaitlab"``). Ratios are taken within each repeat, then the median over repeats is reported:
``analyze_no_video / bare_inference`` (target <= 0.9, aim 0.7), ``analyze / bare_inference``
(target <= 1.2), ``naive_loop / analyze_no_video`` (target >= 1.8); ``check`` under 3 s,
``help`` under 0.5 s, ``import`` under 0.3 s.

Each run also records its CPU time (this process's for the in-process variants, the child's for
the commands) and the cores other processes kept busy meanwhile (``/proc/stat``): wall-clock
ratios only mean something on a quiet machine, so the record gives ``ratios_quiet`` (repeats
whose runs all had other processes at or under ``QUIET_CORES``) beside the load. Never fails
on time: it writes ``benchmarks/results/speed.json`` and ``speed.md``.

Usage::

    python benchmarks/bench_speed.py [--quick] [--repeats N] [--wait-quiet SECONDS]

``--quick`` (CI, under a minute): the first 2 s of the sample, one repeat, no 60 s clip,
results under ``benchmarks/results/quick/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from bench_pose import QUIET_CORES, Stopwatch, wait_for_quiet  # noqa: E402
from command import command_line, with_command  # noqa: E402

from gaitlab.io import write_text_atomic  # noqa: E402

CLIP = REPO / "sample_videos" / "male_side.mp4"
#: Times the sample is joined end to end for the long clip.
LONG_TIMES = 5

#: Targets, by ratio or timing name.
TARGETS: dict[str, str] = {
    "analyze_no_video_over_bare": "<= 0.9 (aim 0.7)",
    "analyze_over_bare": "<= 1.2",
    "naive_over_analyze_no_video": ">= 1.8",
    "check_s": "< 3",
    "help_s": "< 0.5",
    "import_s": "< 0.3",
}

#: Ratios reported: name -> (numerator, denominator).
RATIOS: dict[str, tuple[str, str]] = {
    "analyze_no_video_over_bare": ("analyze_no_video", "bare_inference"),
    "analyze_over_bare": ("analyze", "bare_inference"),
    "naive_over_analyze_no_video": ("naive_loop", "analyze_no_video"),
    "naive_over_analyze": ("naive_loop", "analyze"),
    "one_pass_over_chunked": ("analyze_no_video_one_pass", "analyze_no_video"),
}


def gaitlab_cmd(*args: str | Path) -> list[str]:
    """The ``gaitlab`` command run from this source tree with this interpreter."""
    return [sys.executable, "-m", "gaitlab", *map(str, args)]


def child_env() -> dict[str, str]:
    """The environment for the commands: this source tree first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def children_cpu_s() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_command(cmd: list[str], ok_codes: tuple[int, ...] = (0,)) -> dict[str, float | None]:
    """Run a command; its wall time, CPU time and other processes' load."""
    cpu0 = children_cpu_s()
    with Stopwatch() as sw:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env())
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    cpu = children_cpu_s() - cpu0
    return {"wall_s": sw.wall_s, "cpu_s": cpu, "others_cores": _others(sw, cpu)}


def _others(sw: Stopwatch, cpu_s: float) -> float | None:
    """Cores other processes used during a command (the Stopwatch counted the child as other)."""
    if sw.others_cores is None:
        return None
    return max(0.0, sw.others_cores - cpu_s / max(sw.wall_s, 1e-9))


def decoded_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every frame of a clip, decoded beforehand (time, RGB)."""
    from gaitlab.video import iter_frames

    with iter_frames(path) as frames:
        return [(f.time_s, f.rgb) for f in frames]


def time_bare(frames: list[tuple[float, np.ndarray]], times: int) -> dict[str, float | None]:
    """One landmarker over the frames, ``times`` times over with increasing timestamps."""
    from gaitlab.pose.landmarker import LandmarkerOptions, open_landmarker, to_mp_image
    from gaitlab.pose.model import find_model

    model = find_model().path
    span_ms = round((frames[-1][0] + (frames[1][0] - frames[0][0])) * 1000) if frames else 0
    with (
        open_landmarker(model, mode="video", options=LandmarkerOptions.from_settings()) as lm,
        Stopwatch() as sw,
    ):
        for k in range(times):
            for t, rgb in frames:
                lm.detect_for_video(to_mp_image(rgb), k * span_ms + round(t * 1000))
    return {"wall_s": sw.wall_s, "cpu_s": sw.cpu_s, "others_cores": sw.others_cores}


def time_naive(path: Path) -> dict[str, float | None]:
    """OpenCV read + IMAGE mode per frame."""
    import cv2

    from gaitlab.pose.landmarker import LandmarkerOptions, open_landmarker, to_mp_image
    from gaitlab.pose.model import find_model

    cap = cv2.VideoCapture(str(path))
    with (
        open_landmarker(
            find_model().path, mode="image", options=LandmarkerOptions.from_settings()
        ) as lm,
        Stopwatch() as sw,
    ):
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            lm.detect(to_mp_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    cap.release()
    return {"wall_s": sw.wall_s, "cpu_s": sw.cpu_s, "others_cores": sw.others_cores}


def make_long_clip(clip: Path, folder: Path, times: int) -> Path:
    """The clip joined ``times`` times end to end without re-encoding (ffmpeg's loop)."""
    out = folder / f"{clip.stem}_x{times}.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            str(times - 1),
            "-i",
            str(clip),
            "-c",
            "copy",
            "-an",
            str(out),
        ],
        check=True,
    )
    return out


def cut_clip(clip: Path, folder: Path, seconds: float) -> Path:
    """The first ``seconds`` of a clip (re-encoded, so it starts and ends cleanly)."""
    out = folder / f"{clip.stem}_{seconds:g}s.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip),
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-an",
            str(out),
        ],
        check=True,
    )
    return out


#: ``gaitlab analyze`` as batch workers and one-core machines run it: one pass, no chunks.
ONE_PASS_ARGS = ("analyze", "--no-video", "--no-progress", "--workers", "1")


def clip_variants(
    clip: Path, out: Path, frames: list[tuple[float, np.ndarray]], times: int
) -> dict[str, Callable[[], dict[str, float | None]]]:
    """The timed runs of one clip."""
    return {
        "bare_inference": lambda: time_bare(frames, times),
        "naive_loop": lambda: time_naive(clip),
        "analyze_no_video": lambda: run_command(
            gaitlab_cmd("analyze", clip, "--out", out / "nv", "--no-video", "--no-progress")
        ),
        "analyze_no_video_one_pass": lambda: run_command(
            gaitlab_cmd(*ONE_PASS_ARGS, clip, "--out", out / "nv1")
        ),
        "analyze": lambda: run_command(
            gaitlab_cmd("analyze", clip, "--out", out / "full", "--no-progress")
        ),
        "check": lambda: run_command(gaitlab_cmd("check", clip), ok_codes=(0, 1)),
    }


def summarise(runs: dict[str, list[dict[str, float | None]]]) -> dict[str, Any]:
    """Medians of every variant; ratios per repeat (wall and CPU), their medians and ranges."""

    def med(values: list[float], digits: int = 3) -> float | None:
        return round(float(np.median(values)), digits) if values else None

    out: dict[str, Any] = {
        "wall_s": {k: med([r["wall_s"] for r in v]) for k, v in runs.items()},
        "cpu_s": {k: med([r["cpu_s"] for r in v]) for k, v in runs.items()},
        "others_cores": {
            k: med([r["others_cores"] for r in v if r["others_cores"] is not None], 2)
            for k, v in runs.items()
        },
    }
    ratios, cpu_ratios, quiet, per_repeat = {}, {}, {}, {}
    for name, (top, bottom) in RATIOS.items():
        if top not in runs or bottom not in runs:
            continue
        pairs = list(zip(runs[top], runs[bottom], strict=True))
        walls = [a["wall_s"] / b["wall_s"] for a, b in pairs]
        per_repeat[name] = [round(x, 3) for x in walls]
        ratios[name] = med(walls)
        cpu_ratios[name] = med([a["cpu_s"] / b["cpu_s"] for a, b in pairs])
        quiet[name] = med(
            [
                a["wall_s"] / b["wall_s"]
                for a, b in pairs
                if max(a["others_cores"] or 0.0, b["others_cores"] or 0.0) <= QUIET_CORES
            ]
        )
    out.update(
        ratios=ratios,
        ratios_range={k: [min(v), max(v)] for k, v in per_repeat.items()},
        ratios_per_repeat=per_repeat,
        ratios_quiet=quiet,
        cpu_ratios=cpu_ratios,
    )
    return out


def machine() -> str:
    """A line about the machine."""
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores{mem}, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def markdown(record: dict[str, Any]) -> str:
    """The figures as a markdown page."""
    lines = [
        "# Speed of the whole job (`benchmarks/bench_speed.py`)",
        "",
        f"{record['date']}, {record['machine']}; {record['repeats']} interleaved repeats"
        + (" (quick mode)" if record["quick"] else "")
        + f"; load average {record['machine_load']['load_average_1min_at_start']} at the "
        f"start, {record['machine_load']['load_average_1min_at_end']} at the end; other "
        f"processes used {record['machine_load']['other_processes_cores_mean']} cores on "
        "average during the run.",
        "",
    ]
    for name, clip in record["clips"].items():
        lines += [
            f"## {name} ({clip['frames']} frames, {clip['duration_s']} s)",
            "",
            "| run | wall s (median) | CPU s | other processes' cores |",
            "|---|---|---|---|",
        ]
        for k, v in clip["wall_s"].items():
            lines.append(f"| {k} | {v} | {clip['cpu_s'][k]} | {clip['others_cores'][k]} |")
        lines += [
            "",
            "| ratio | median | range | quiet repeats only | CPU time | target |",
            "|---|---|---|---|---|---|",
        ]
        for k, v in clip["ratios"].items():
            lines.append(
                f"| {k} | {v} | {clip['ratios_range'][k]} | {clip['ratios_quiet'][k]} | "
                f"{clip['cpu_ratios'][k]} | {TARGETS.get(k, '-')} |"
            )
        lines.append("")
    lines += [
        "## Start-up",
        "",
        "| what | wall s (median) | CPU s | target |",
        "|---|---|---|---|",
    ]
    for k, v in record["startup"]["wall_s"].items():
        lines.append(
            f"| {k} | {v} | {record['startup']['cpu_s'][k]} | {TARGETS.get(k + '_s', '-')} |"
        )
    return with_command("\n".join(lines) + "\n", record.get("command"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 2 s clip, one repeat, for CI")
    parser.add_argument("--repeats", type=int, help="repeats (default 3, quick 1)")
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument(
        "--no-long", action="store_true", help="skip the 60 s clip (the sample only)"
    )
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/...)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other processes to leave the CPU idle",
    )
    args = parser.parse_args()
    results = HERE / "results" / ("quick" if args.quick else "")
    out_json = args.out or results / "speed.json"
    repeats = args.repeats or (1 if args.quick else 3)
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gaitlab-bench-speed-") as tmp_name:
        tmp = Path(tmp_name)
        sample = cut_clip(args.clip, tmp, 2.0) if args.quick else args.clip
        frames = decoded_frames(sample)
        clips: dict[str, tuple[Path, int]] = {sample.name: (sample, 1)}
        if not (args.quick or args.no_long):
            clips[f"{args.clip.stem} x{LONG_TIMES} (60 s)"] = (
                make_long_clip(args.clip, tmp, LONG_TIMES),
                LONG_TIMES,
            )
        variants: dict[str, dict[str, Callable[[], dict[str, float | None]]]] = {
            name: clip_variants(path, tmp / f"out{i}", frames, times)
            for i, (name, (path, times)) in enumerate(clips.items())
        }
        startup = {
            "help": lambda: run_command(gaitlab_cmd("--help")),
            "import": lambda: run_command([sys.executable, "-c", "import gaitlab"]),
        }
        runs: dict[str, dict[str, list[dict[str, float | None]]]] = {
            name: {k: [] for k in v} for name, v in variants.items()
        }
        startup_runs: dict[str, list[dict[str, float | None]]] = {k: [] for k in startup}
        with Stopwatch() as whole:
            for r in range(repeats):
                for k, fn in startup.items():
                    wait_for_quiet(args.wait_quiet)
                    startup_runs[k].append(fn())
                for name, vs in variants.items():
                    order = list(vs)
                    order = order[r % len(order) :] + order[: r % len(order)]
                    for k in order:
                        wait_for_quiet(args.wait_quiet)
                        runs[name][k].append(vs[k]())
                        print(
                            f"repeat {r + 1}/{repeats} {name} {k}: {runs[name][k][-1]}", flush=True
                        )
        record: dict[str, Any] = {
            "command": command_line(),
            "quick": args.quick,
            "repeats": repeats,
            "clips": {
                name: {
                    "frames": len(frames) * clips[name][1],
                    "duration_s": round(
                        (frames[-1][0] + frames[1][0] - frames[0][0]) * clips[name][1], 2
                    ),
                    **summarise(runs[name]),
                }
                for name in clips
            },
            "startup": {
                "wall_s": {
                    k: round(float(np.median([r["wall_s"] for r in v])), 3)
                    for k, v in startup_runs.items()
                },
                "cpu_s": {
                    k: round(float(np.median([r["cpu_s"] for r in v])), 3)
                    for k, v in startup_runs.items()
                },
            },
            "targets": TARGETS,
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
            "machine": machine(),
            "runs": {**runs, "startup": startup_runs},
        }
    out_json.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_json, json.dumps(record, indent=2) + "\n")
    write_text_atomic(out_json.with_suffix(".md"), markdown(record))
    print(markdown(record))


if __name__ == "__main__":
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    main()
