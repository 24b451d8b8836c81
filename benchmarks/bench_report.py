"""Report speed: curves, plots, key frames, report.html, report.pdf and annotated.mp4.

On the sample clip (the pose stage runs once first, untimed, or its landmarks are read from
``--landmarks``), each step is timed ``--repeats`` times and the median reported, in seconds:

* ``curves``: per-stride curves over the gait cycle (:mod:`gaitlab.report.cycles`);
* ``plots``: the plots as inline SVG (matplotlib);
* ``key_frames``: choosing, reading (one seek into the clip) and drawing the key frames;
* ``report_html``: the whole ``report.html`` (the three above, the page and its writing);
* ``report_pdf``: ``report.pdf`` from that page (WeasyPrint);
* ``annotated_video``: ``annotated.mp4`` (decode, draw, H.264 encode), with its speed in
  frames per second.

Target: ``report_html`` (report, plots and key frames) under 3 s. ``--quick`` (CI) uses a
synthetic side and rear runner instead (no video, so no ``annotated_video``) and one repeat.
Never fails on time: the figures go to a JSON file with a Markdown table beside it.

Usage::

    python benchmarks/bench_report.py [--quick] [--landmarks male_side.landmarks.npz]
        [--out benchmarks/results/report.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from command import command_line, with_command

from gaitlab.api import analyze, analyze_pose, analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.io import write_json_atomic, write_text_atomic
from gaitlab.pose.extract import PoseResult
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report.annotate import write_annotated_video
from gaitlab.report.cycles import cycle_curves
from gaitlab.report.figures import cycle_plot_svg
from gaitlab.report.keyframes import key_frames
from gaitlab.report.pdf import write_pdf
from gaitlab.report.write import build_html, write_report
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.video import probe

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "male_side.mp4"
TARGET_REPORT_S = 3.0


def sample_analysis(landmarks: Path | None):
    """The sample clip's analysis: from saved landmarks when given, else the whole pipeline."""
    if landmarks is None:
        return analyze(CLIP)
    cfg = load_defaults()
    pose = PoseResult(
        tracks=PoseTracks.load_npz(landmarks), video=probe(CLIP), runner=None, model=None
    )
    return assemble([analyze_pose(pose, cfg, path=CLIP)], cfg)


def synthetic_analysis():
    """A synthetic side and rear runner of one session (no video)."""
    cfg = load_defaults()
    clips = [
        analyze_tracks(generate_run(RunnerSpec(view=v)).tracks, cfg, name=f"{v}.mp4")
        for v in ("side", "rear")
    ]
    return assemble(clips, cfg)


def all_curves(analysis) -> list:
    return [
        c
        for clip in analysis.clips
        for c in cycle_curves(
            clip.tracks, clip.strides, view=clip.view.label, facing=clip.view.facing,
            clip=clip.name,
        )
    ]  # fmt: skip


def median_s(step: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``step`` over ``repeats`` runs, seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def markdown(record: dict) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"Report speed on {record['clip']} ({record['date']}, {record['machine']}; median of "
        f"{record['repeats']}; load average {record['load_average_1min_at_end']} at the end)",
        "",
        "| step | seconds |",
        "| --- | ---: |",
    ]
    for name, value in record["seconds"].items():
        lines.append(f"| {name} | {'-' if value is None else f'{value:.2f}'} |")
    fps = record.get("annotated_video_fps")
    if fps:
        lines.append(f"\nannotated.mp4: {fps:.0f} frames per second encoded.")
    verdict = "met" if record["meets_target"] else "not met"
    lines.append(f"\nTarget: report_html under {TARGET_REPORT_S:g} s: {verdict}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="synthetic runners, for CI")
    parser.add_argument("--landmarks", type=Path, help="saved landmarks of the sample clip")
    parser.add_argument("--repeats", type=int, help="runs of each step (default 3, quick 1)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "report.json")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    analysis = synthetic_analysis() if args.quick else sample_analysis(args.landmarks)
    out_dir = Path(tempfile.mkdtemp(prefix="bench_report_"))

    curves = all_curves(analysis)
    seconds: dict[str, float | None] = {
        "curves": median_s(lambda: all_curves(analysis), repeats),
        "plots": median_s(lambda: [cycle_plot_svg(c) for c in curves], repeats),
        "key_frames": median_s(lambda: [key_frames(c) for c in analysis.clips], repeats),
        "report_html": median_s(lambda: write_report(analysis, out_dir, video=False), repeats),
    }
    html = build_html(analysis)
    seconds["report_pdf"] = median_s(lambda: write_pdf(html, out_dir / "report.pdf"), repeats)
    video_clips = [c for c in analysis.clips if c.pose.video.codec != "none"]
    fps = None
    if video_clips:
        clip = video_clips[0]
        seconds["annotated_video"] = median_s(
            lambda: write_annotated_video(clip, out_dir / "annotated.mp4"), repeats
        )
        fps = clip.pose.video.n_frames / seconds["annotated_video"]
    else:
        seconds["annotated_video"] = None
    record = {
        "command": command_line(),
        "clip": "synthetic side + rear" if args.quick else CLIP.name,
        "quick": args.quick,
        "seconds": {k: None if v is None else round(v, 3) for k, v in seconds.items()},
        "annotated_video_fps": None if fps is None else round(fps, 1),
        "target_report_html_s": TARGET_REPORT_S,
        "meets_target": seconds["report_html"] < TARGET_REPORT_S,
        "repeats": repeats,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    write_json_atomic(args.out, record)
    write_text_atomic(
        args.out.with_suffix(".md"), with_command(markdown(record), record["command"])
    )
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    main()
