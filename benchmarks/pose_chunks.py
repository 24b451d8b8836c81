"""Chunks tracked at once against the single pass: do the results stay the same?

For each clip, the pose stage runs once as one pass (``[pose] chunks = 1``) and once cut into
chunks tracked at the same time (``chunks = 2``, and more with ``--chunks``); then the
analysis after the pose stage runs on each. Reported per clip: the landmarks' distance between
the two after the first chunk (median and 95th percentile, pixels; the first chunk's frames
are identical by construction) and every metric's change, against the tolerance the test
``tests/test_speed.py`` asserts on the sample clip.

For reference, ``--perturb`` also measures how far the same metrics move between single passes
on inputs that are just as good: the tracker started 1 to 3 frames later, and the clip
re-encoded at CRF 10, 14 and 18 (MediaPipe's tracker never settles onto exactly the same path
twice, so some spread is the model's own).

Usage::

    python benchmarks/pose_chunks.py [--quick] [--perturb] [--rendered FOLDER ...]
        [--clips CLIP ...] [--chunks 2 3]

Writes ``benchmarks/results/pose_chunks.json`` and ``.md`` (``results/quick/`` with
``--quick``: the first 8 s of the sample only). Never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from command import command_line, with_command  # noqa: E402

from gaitlab.api import analyze_tracks, assemble  # noqa: E402
from gaitlab.config import load_defaults  # noqa: E402
from gaitlab.io import write_text_atomic  # noqa: E402
from gaitlab.pose.extract import extract_pose  # noqa: E402
from gaitlab.pose.landmarker import track_pose  # noqa: E402
from gaitlab.pose.model import find_model  # noqa: E402
from gaitlab.pose.tracks import PoseTracks  # noqa: E402
from gaitlab.video import iter_frames, probe  # noqa: E402
from tests.test_speed import metric_tolerance  # noqa: E402

SAMPLE = REPO / "sample_videos" / "male_side.mp4"
REAL = [
    SAMPLE,
    REPO / "tests" / "data" / "rear_park_snow.mp4",
    REPO / "tests" / "data" / "side_track_screenrec.mp4",
    REPO / "tests" / "data" / "side_track_far.mp4",
    REPO / "tests" / "data" / "two_people_walk_and_jump.mp4",
]


def pose(clip: Path, chunks: int) -> PoseTracks:
    """The pose stage's tracks with ``chunks`` chunks tracked at once."""
    settings = load_defaults().with_overrides({"pose": {"chunks": chunks}})
    return extract_pose(clip, find_model(), settings).tracks


def started_late(clip: Path, frames: int) -> PoseTracks:
    """One pass with the tracker started ``frames`` frames into the clip."""
    info = probe(clip)
    with iter_frames(clip, start_s=(frames - 0.5) / info.fps) as stream:
        return track_pose(
            stream,
            find_model().path,
            fps=info.fps,
            frame_size_px=(info.width_px, info.height_px),
        )


def reencoded(clip: Path, crf: int, folder: Path) -> PoseTracks:
    """One pass on the clip re-encoded with libx264 at ``crf``."""
    out = folder / f"{clip.stem}_crf{crf}.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip),
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "fast",
            "-crf",
            str(crf),
            str(out),
        ],
        check=True,
    )
    return pose(out, 1)


def metrics_of(tracks: PoseTracks) -> tuple[dict[str, tuple[float | None, str]], list[str]]:
    """Metric values with units, and the findings' statuses."""
    clip = analyze_tracks(tracks)
    values = {
        k: (m.value if isinstance(m.value, int | float) else None, m.unit)
        for k, m in clip.metrics.items()
    }
    return values, [f.status for f in assemble([clip]).findings]


def compare(single: PoseTracks, other: PoseTracks) -> dict[str, Any]:
    """Landmark distances (same frames only) and metric changes of ``other`` against ``single``."""
    out: dict[str, Any] = {}
    if np.array_equal(single.time_s, other.time_s):
        d = np.linalg.norm(single.image_xy_px - other.image_xy_px, axis=2)
        changed = np.nanmax(np.where(np.isnan(d), 0, d), axis=1) > 0
        after = d[np.argmax(changed) :] if changed.any() else d[:0]
        out["px_median"] = None if not after.size else round(float(np.nanmedian(after)), 2)
        out["px_p95"] = None if not after.size else round(float(np.nanpercentile(after, 95)), 2)
    a, fa = metrics_of(single)
    b, fb = metrics_of(other)
    deltas, outside = {}, []
    for name, (va, unit) in a.items():
        vb = b.get(name, (None, unit))[0]
        if va is None or vb is None:
            deltas[name] = None if (va is None) == (vb is None) else "present in one only"
            continue
        deltas[name] = round(vb - va, 4)
        tol = metric_tolerance(name, unit, va, single.fps)
        if abs(vb - va) > tol:
            outside.append(f"{name} {va:.3g} -> {vb:.3g} (tol {tol:.3g})")
    out.update(metrics=deltas, outside_tolerance=outside, findings_same=fa == fb)
    return out


def markdown(record: dict[str, Any]) -> str:
    lines = [
        "# Chunks tracked at once against the single pass (`benchmarks/pose_chunks.py`)",
        "",
        f"{record['date']}; load average {record['load_average_1min']}. Landmark distance after "
        "the first chunk (pixels), metrics outside the tolerance of `tests/test_speed.py`, and "
        "whether both findings kept their status.",
        "",
        "| clip | run | px median | px 95th pct | metrics outside tolerance | findings same |",
        "|---|---|---|---|---|---|",
    ]
    for clip, runs in record["clips"].items():
        for run, r in runs.items():
            outside = "; ".join(r["outside_tolerance"]) or "none"
            lines.append(
                f"| {clip} | {run} | {r.get('px_median', '-')} | {r.get('px_p95', '-')} | "
                f"{outside} | {'yes' if r['findings_same'] else '**no**'} |"
            )
    if record.get("perturbations"):
        names = sorted({k for r in record["perturbations"].values() for k in r["metrics"]})
        runs = list(record["perturbations"])
        lines += [
            "",
            "Metric changes on the sample: chunked runs beside single passes on inputs that are "
            "just as good (the model's own spread).",
            "",
            "| metric | " + " | ".join(runs) + " |",
            "|---|" + "---|" * len(runs),
        ]
        for name in names:
            cells = []
            for run in runs:
                v = record["perturbations"][run]["metrics"].get(name)
                cells.append(f"{v:+.3g}" if isinstance(v, int | float) else "-")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return with_command("\n".join(lines) + "\n", record.get("command"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first 8 s of the sample")
    parser.add_argument("--perturb", action="store_true", help="the sample's reference spread")
    parser.add_argument("--clips", type=Path, nargs="*", help="clips (default: the real ones)")
    parser.add_argument("--rendered", type=Path, nargs="*", default=[], help="rendered clips")
    parser.add_argument("--chunks", type=int, nargs="*", default=[2], help="chunk counts")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out_json = args.out or HERE / "results" / ("quick" if args.quick else "") / "pose_chunks.json"
    record: dict[str, Any] = {
        "command": command_line(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "clips": {},
    }
    with tempfile.TemporaryDirectory(prefix="gaitlab-pose-chunks-") as tmp_name:
        tmp = Path(tmp_name)
        clips = args.clips or REAL
        if args.quick:
            quick = tmp / "sample_8s.mp4"
            subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    str(SAMPLE),
                    "-t",
                    "8",
                    "-c",
                    "copy",
                    str(quick),
                ],
                check=True,
            )
            clips = [quick]
        for clip in [*clips, *args.rendered]:
            single = pose(clip, 1)
            runs = {f"{n} chunks": pose(clip, n) for n in args.chunks}
            record["clips"][clip.name] = {k: compare(single, v) for k, v in runs.items()}
            print(clip.name, json.dumps(record["clips"][clip.name])[:300], flush=True)
            if args.perturb and clip == SAMPLE:
                runs |= {f"started {k} frames later": started_late(clip, k) for k in (1, 2, 3)}
                runs |= {f"re-encoded crf {c}": reencoded(clip, c, tmp) for c in (10, 14, 18)}
                record["perturbations"] = {k: compare(single, v) for k, v in runs.items()}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_json, json.dumps(record, indent=2) + "\n")
    write_text_atomic(out_json.with_suffix(".md"), markdown(record))
    print(markdown(record))


if __name__ == "__main__":
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    main()
