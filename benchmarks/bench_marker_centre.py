"""How well a sticker's centre is found: four ways to read it, on real footage, in pixels.

Matte round stickers are drawn onto frames of ``sample_videos/male_side.mp4`` (real cloth,
skin, arm and background behind them) at random sub-pixel places around the pelvis, then the
frames are optionally written as H.264 (yuv420p, the format phones write) at a given quality
and decoded again. :func:`gaitlab.markers.detect.detect_blobs` finds the sticker, with each of
the centre methods of :func:`gaitlab.markers.detect.subpixel_centre`:

* ``chroma``: share of sticker colour per pixel in the opponent-chroma plane (the default);
* ``rgb``: the same share in RGB;
* ``binary``: centroid of the thresholded blob;
* ``ellipse``: centre of an ellipse fitted to the blob's outline.

For each case the error (found minus drawn centre) is summarised as RMS (px, both axes
pooled), bias and the 95th percentile of the distance; a sticker not found counts as missed.
Figures go to a JSON and a Markdown file; nothing here fails on time. ``--quick`` (for CI) uses
6 frames per case::

    python benchmarks/bench_marker_centre.py            # full: 120 frames per case
    python benchmarks/bench_marker_centre.py --quick --out /tmp/centre.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

from gaitlab.config import load_defaults  # noqa: E402
from gaitlab.io import write_json_atomic  # noqa: E402
from gaitlab.markers.detect import detect_blobs, pelvis_roi  # noqa: E402
from gaitlab.pose.tracks import PoseTracks  # noqa: E402
from tests.stickers_support import decode, draw_sticker, encode, read_frames  # noqa: E402

MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"
TRACKS = REPO / "tests" / "data" / "male_side.tracks.npz"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "marker_centre.json"
QUICK_OUT = REPO / "benchmarks" / "results" / "quick" / "marker_centre.json"
METHODS = ("chroma", "rgb", "binary", "ellipse")
COLOURS = {
    "green": (20, 175, 70),
    "orange": (250, 110, 10),
    "blue": (30, 90, 230),
    "magenta": (220, 40, 160),
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One condition: sticker diameter (px), H.264 quality (None = not compressed), blur (px)."""

    diameter_px: float
    crf: int | None
    blur_px: float

    @property
    def name(self) -> str:
        enc = "raw" if self.crf is None else f"crf{self.crf}"
        return f"d{self.diameter_px:g}px_{enc}_blur{self.blur_px:g}"


def cases(quick: bool) -> list[Case]:
    """The conditions measured."""
    if quick:
        return [Case(9.0, 23, 0.0)]
    out = [Case(d, c, 0.0) for d in (6.0, 9.0, 14.0) for c in (None, 18, 23, 28)]
    out += [Case(9.0, 23, b) for b in (4.0, 8.0)]
    return out


def make_frames(
    case: Case, n: int, rng: np.random.Generator, lm: np.ndarray, start: int
) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Frames with one sticker each, its true centres ``(n, 2)`` and colours."""
    frames = read_frames(MALE_SIDE, start, n)
    truth = np.zeros((n, 2))
    names = []
    for i, f in enumerate(frames):
        t = start + i
        hip = (lm[t, 23] + lm[t, 24]) / 2
        torso = float(np.hypot(*((lm[t, 11] + lm[t, 12]) / 2 - hip)))
        c = hip + rng.uniform([-0.35, -0.35], [0.3, 0.15]) * torso
        name = list(COLOURS)[i % len(COLOURS)]
        angle = rng.uniform(0, 2 * np.pi)
        blur = case.blur_px * np.array([np.cos(angle), np.sin(angle)]) if case.blur_px else None
        draw_sticker(f, c, case.diameter_px / 2, COLOURS[name], blur_px=blur)
        truth[i] = c
        names.append(name)
    if case.crf is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "c.mp4"
            encode(path, frames, crf=case.crf)
            frames = decode(path)
    return frames, truth, names


def measure_case(case: Case, n: int, seed: int, lm: np.ndarray) -> dict[str, Any]:
    """Errors of each method on one condition."""
    rng = np.random.default_rng(seed)
    frames, truth, _ = make_frames(case, n, rng, lm, start=30)
    out: dict[str, Any] = {}
    for method in METHODS:
        settings = dataclasses.replace(load_defaults().markers, centre_method=method)
        errs, missed, spent = [], 0, 0.0
        for i, f in enumerate(frames):
            roi = pelvis_roi(lm[30 + i], (f.shape[1], f.shape[0]), settings)
            t0 = time.perf_counter()
            blobs = detect_blobs(f, roi, settings) if roi is not None else []
            spent += time.perf_counter() - t0
            near = [(np.hypot(b.x_px - truth[i, 0], b.y_px - truth[i, 1]), b) for b in blobs]
            near = [x for x in near if x[0] <= max(3.0, case.diameter_px / 2)]
            if not near:
                missed += 1
                continue
            b = min(near, key=lambda x: x[0])[1]
            errs.append((b.x_px - truth[i, 0], b.y_px - truth[i, 1]))
        e = np.asarray(errs).reshape(-1, 2)
        dist = np.hypot(*e.T) if e.size else np.array([np.nan])
        out[method] = {
            "n": len(e),
            "missed": missed,
            "rms_px": round(float(np.sqrt(np.mean(e**2))), 4) if e.size else None,
            "bias_px": [round(float(v), 4) for v in e.mean(axis=0)] if e.size else None,
            "p95_dist_px": round(float(np.percentile(dist, 95)), 4) if e.size else None,
            "ms_per_frame": round(1000 * spent / max(1, len(frames)), 3),
        }
    return out


def to_markdown(record: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    lines = [
        "# Sticker centre accuracy",
        "",
        f"Command: `{record['command']}`",
        "",
        f"{record['date']}, {record['machine']}; {record['frames_per_case']} frames per case, "
        "one sticker per frame drawn at a random sub-pixel place around the pelvis of "
        "`male_side.mp4` (four colours in turn). RMS over both axes, px; p95 of the distance.",
        "",
        "| case | " + " | ".join(f"{m} RMS / p95 (missed)" for m in METHODS) + " |",
        "|---|" + "---|" * len(METHODS),
    ]
    for name, res in record["cases"].items():
        cells = []
        for m in METHODS:
            r = res[m]
            cells.append(
                f"{r['rms_px']:.3f} / {r['p95_dist_px']:.3f} ({r['missed']})"
                if r["rms_px"] is not None
                else f"- ({r['missed']})"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Detection time (chroma, median over cases): {record['ms_per_frame_chroma']} ms "
        "per frame, on a loaded shared machine (indication only).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few frames, for CI")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    n = 6 if args.quick else 120
    lm = PoseTracks.load_npz(TRACKS).image_xy_px
    record: dict[str, Any] = {
        "command": "python benchmarks/bench_marker_centre.py" + (" --quick" if args.quick else ""),
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "quick": bool(args.quick),
        "frames_per_case": n,
        "cases": {},
    }
    for k, case in enumerate(cases(args.quick)):
        record["cases"][case.name] = measure_case(case, n, seed=k, lm=lm)
    ms = [c["chroma"]["ms_per_frame"] for c in record["cases"].values()]
    record["ms_per_frame_chroma"] = round(float(np.median(ms)), 2)
    write_json_atomic(out, record)
    out.with_suffix(".md").write_text(to_markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
