"""Robustness of the analysis and the capture checks to how a clip was filmed and stored.

The first ``--seconds`` (8) of ``sample_videos/male_side.mp4`` (side view, treadmill, 30 fps,
720 x 1280) are altered by ffmpeg into the variants of :data:`gaitlab.quality.robustness.VARIANTS`
(rotation metadata, mirrored, 480p, HEVC 10-bit, variable frame rate, darkened, camera tilted
5 and 10 degrees, feet cropped out, a second person pasted in). The original and every variant
are analysed once (:func:`gaitlab.api.analyze`, then :func:`gaitlab.quality.clip_checks`) and
checked once (:func:`gaitlab.quality.preflight`). Each variant passes when its cadence stays
within 1%, its angles within 3 degrees and its drift within 15% of the original's (mirrored:
with left and right exchanged), or when ``gaitlab check`` and the report both raise the check
named for that problem, which the original does not raise.

Writes ``benchmarks/results/robustness.json`` and ``.md``; ``--quick`` (CI) runs the original
and two variants on 6 s and writes to ``benchmarks/results/quick/`` unless ``--out`` says
otherwise::

    python benchmarks/robustness.py
    python benchmarks/robustness.py --quick --out OUT/robustness.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

from command import command_line, with_command  # noqa: E402

from gaitlab.io import write_json_atomic, write_text_atomic  # noqa: E402
from gaitlab.quality.robustness import VARIANTS, Variant  # noqa: E402

MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "robustness.json"
QUICK_OUT = REPO / "benchmarks" / "results" / "quick" / "robustness.json"
QUICK_VARIANTS = ("mirrored", "feet_cropped")
#: Metrics shown in the table (headline values).
SHOWN = (
    "cadence_spm",
    "hip_extension_deg",
    "shank_angle_strike_deg",
    "knee_flexion_peak_stance_deg",
)


def ffmpeg(*args: str | Path) -> None:
    """Run ffmpeg quietly; stop with its message if it fails."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise SystemExit("ffmpeg is not installed: run setup.sh")
    subprocess.run(
        [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)], check=True
    )


def build_clips(folder: Path, seconds: float, variants: list[Variant]) -> dict[str, Path]:
    """The original cut (stream copy of the first frames) and each variant made from it."""
    frames = round(seconds * 30)
    original = folder / "original.mp4"
    ffmpeg("-i", MALE_SIDE, "-frames:v", str(frames), "-c", "copy", "-an", original)
    clips = {"original": original}
    for v in variants:
        out = folder / f"{v.name}.mp4"
        for command in v.ffmpeg(original, MALE_SIDE, out):
            ffmpeg(*command)
        clips[v.name] = out
    return clips


def run_one(path: Path, model: Any, config: dict) -> dict[str, Any]:
    """Preflight and analysis of one clip, timed."""
    from gaitlab.api import analyze
    from gaitlab.quality import clip_checks, preflight

    t0 = time.perf_counter()
    pre = preflight(path, model=model, config=config)
    t1 = time.perf_counter()
    analysis = analyze(path, config=config, model=model.path)
    clip = analysis.clips[0]
    report = clip.checks or clip_checks(clip, config)  # once api attaches them, reuse
    t2 = time.perf_counter()
    return {
        "preflight": pre.checks,
        "report": report,
        "metrics": dict(clip.metrics),
        "view": clip.view.label,
        "strides": clip.usable_steps(),
        "preflight_s": t1 - t0,
        "analysis_s": t2 - t1,
    }


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def rerender(json_path: Path) -> Path:
    """Write the Markdown table again from a saved run."""
    import json

    record = json.loads(json_path.read_text(encoding="utf-8"))
    return write_text_atomic(
        json_path.with_suffix(".md"), with_command(markdown(record), record.get("command"))
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _raised(checks: Any) -> str:
    names = [f"{c.name} ({c.status})" for c in checks if c.status != "pass"]
    return ", ".join(names) or "none"


#: Short names of the compared metrics, for the table.
SHORT = {
    "cadence_spm": "cadence",
    "hip_extension_deg": "hip ext.",
    "shank_angle_strike_deg": "shank",
    "knee_flexion_strike_deg": "knee at strike",
    "knee_flexion_peak_stance_deg": "knee peak",
    "foot_angle_strike_deg": "foot angle",
    "trunk_forward_lean_deg": "trunk lean",
}


def _deviations(outcome: dict[str, Any]) -> str:
    devs = outcome["deviations"]
    if not devs:
        return "none"
    if all(d["variant"] is None for d in devs):
        return "no results (no usable strides)"
    return ", ".join(
        f"{SHORT.get(d['metric'], d['metric'])} {_fmt(d['original'])} → {_fmt(d['variant'])}"
        for d in devs
    )


def markdown(record: dict[str, Any]) -> str:
    """The results table."""
    meta = record["meta"]
    lines = [
        "# Robustness of results and checks",
        "",
        f"First {meta['seconds']:g} s of `sample_videos/male_side.mp4` (side view, treadmill, "
        "30 fps, 720 x 1280) altered with ffmpeg; each clip analysed once "
        "(`gaitlab.api.analyze`, then `gaitlab.quality.clip_checks`: the report's checks) and "
        f"checked once (`gaitlab.quality.preflight`: `gaitlab check`). {meta['date']}, "
        f"{meta['machine']}, {meta['total_s']:.0f} s in all.",
        "",
        "Rule: the headline values stay within tolerance of the original's (cadence 1%, angles "
        "3 deg, drift 15%; per-side values are not compared), or `gaitlab check` and the "
        "report both raise the check named for the problem, which the original does not raise.",
        "",
        "| clip | what changed | cadence spm | hip ext. deg | shank deg | knee peak deg "
        "| outside tolerance | named check: raised by check / report | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        m = row["metrics"]
        o = row.get("outcome")
        dev = "-" if o is None else _deviations(o)
        named = "-"
        if o is not None and o["check"] is not None:
            named = f"{o['check']}: {_yes(o['raised_by_check'])} / {_yes(o['raised_by_report'])}"
        elif o is not None:
            named = "none (must stay)"
        result = "reference" if o is None else ("pass" if o["passed"] else "**fail**")
        lines.append(
            f"| {row['clip']} | {row['description']} | {_fmt(m.get('cadence_spm'))} "
            f"| {_fmt(m.get('hip_extension_deg'))} | {_fmt(m.get('shank_angle_strike_deg'))} "
            f"| {_fmt(m.get('knee_flexion_peak_stance_deg'))} | {dev} | {named} | {result} |"
        )
    lines += [
        "",
        "Checks raised (preflight / report): "
        + "; ".join(
            f"{r['clip']}: {r['preflight_raised']} / {r['report_raised']}" for r in record["rows"]
        )
        + ".",
        "",
        "Time per clip (preflight, analysis with its checks): "
        + ", ".join(
            f"{r['clip']} {r['preflight_s']:.1f} s, {r['analysis_s']:.1f} s" for r in record["rows"]
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="JSON file to write (Markdown beside it)")
    parser.add_argument("--quick", action="store_true", help="original and two variants, 6 s")
    parser.add_argument("--seconds", type=float, help="length of the clips (default 8 s)")
    parser.add_argument("--render", type=Path, help="only rewrite the .md beside this saved run")
    args = parser.parse_args(argv)
    if args.render:
        print(f"wrote {rerender(args.render)}")
        return 0

    from gaitlab.config import load_defaults
    from gaitlab.pose.model import find_model
    from gaitlab.quality.robustness import judge

    seconds = args.seconds or (6.0 if args.quick else 8.0)
    variants = [v for v in VARIANTS if not args.quick or v.name in QUICK_VARIANTS]
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    config = load_defaults()
    model = find_model(config.pose.model)
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = build_clips(Path(tmp), seconds, variants)
        results = {name: run_one(path, model, config) for name, path in clips.items()}
    base = results["original"]
    for name, res in results.items():
        variant = next((v for v in variants if v.name == name), None)
        outcome = None
        if variant is not None:
            outcome = judge(
                variant,
                original_metrics=base["metrics"],
                variant_metrics=res["metrics"],
                original_checks=[*base["preflight"], *base["report"]],
                variant_preflight=res["preflight"],
                variant_report=res["report"],
            ).as_dict()
        rows.append(
            {
                "clip": name,
                "description": variant.description
                if variant
                else f"first {seconds:g} s, as filmed",
                "view": res["view"],
                "strides": res["strides"],
                "metrics": {k: res["metrics"][k].value for k in SHOWN if k in res["metrics"]},
                "preflight_raised": _raised(res["preflight"]),
                "report_raised": _raised(res["report"]),
                "preflight": [c.as_dict() for c in res["preflight"]],
                "report": [c.as_dict() for c in res["report"]],
                "preflight_s": round(res["preflight_s"], 2),
                "analysis_s": round(res["analysis_s"], 2),
                "outcome": outcome,
            }
        )
    record = {
        "command": command_line(),
        "meta": {
            "date": dt.date.today().isoformat(),
            "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python "
            f"{platform.python_version()}",
            "seconds": seconds,
            "quick": bool(args.quick),
            "total_s": time.perf_counter() - start,
        },
        "rows": rows,
        "all_passed": all(r["outcome"]["passed"] for r in rows if r["outcome"] is not None),
    }
    write_json_atomic(out, record)
    write_text_atomic(out.with_suffix(".md"), with_command(markdown(record), record["command"]))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
