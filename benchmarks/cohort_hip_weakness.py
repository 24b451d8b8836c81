"""Synthetic cohort for the ``hip_weakness`` rule: sensitivity and specificity by severity.

Synthetic consistency, not clinical accuracy: the runners are gaitlab's own synthetic model
(:mod:`gaitlab.synthetic`), and "truly positive" means that the model's true lateral drift or
trunk lean is above the configured threshold. The table says whether the whole chain (view,
cleaning, events, strides, :func:`gaitlab.metrics.frontal.frontal_metrics`, the findings
framework) recovers the rule that was put in, across noise, dropouts, left/right swaps, camera
roll and body and camera variety; it says nothing about whether the thresholds are clinically
right.

Each runner gets a *severity* ``max(drift / drift threshold, lean / lean threshold)`` drawn
uniformly across the thresholds (one sign dominates, the other stays below it), so the bands
just below and above 1 are as well populated as the clear cases. Pelvic drop, knee valgus and
step width vary too; the rule must not depend on them.

Figures go to JSON and Markdown; nothing here fails. ``--quick`` (for CI) runs 60 runners and
writes to ``benchmarks/results/quick/``::

    python benchmarks/cohort_hip_weakness.py            # 1000 runners, 30 and 60 fps
    python benchmarks/cohort_hip_weakness.py --quick
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import math
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.config import Settings, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.findings.framework import assess_pattern
from gaitlab.metrics.frontal import frontal_metrics
from gaitlab.pose.body import leg_length_px
from gaitlab.signals.clean import clean
from gaitlab.signals.view import classify_view
from gaitlab.synthetic import RunnerSpec, generate_run

REPO = Path(__file__).resolve().parents[1]
#: The two primary signs the cohort varies (metric name -> synthetic truth key).
SIGNS: tuple[str, ...] = ("lateral_drift_pct", "trunk_lean_deg")
#: Severity bands (lower edge inclusive); 0.9-1.1 is "the threshold band".
BANDS: tuple[tuple[float, float], ...] = (
    (0.0, 0.6),
    (0.6, 0.8),
    (0.8, 0.9),
    (0.9, 1.0),
    (1.0, 1.1),
    (1.1, 1.2),
    (1.2, 1.4),
    (1.4, math.inf),
)
#: Everything else that varies between runners: (low, high) uniform, or a list to pick from.
VARIATION: Mapping[str, Any] = {
    "view": ["rear", "front"],
    "camera_roll_deg": (-5.0, 5.0),
    "noise_px": (0.5, 3.0),
    "dropout_frac": (0.0, 0.08),
    "swap_frac": (0.0, 0.05),
    "pelvic_drop_deg": (0.0, 10.0),
    "knee_valgus_deg": (0.0, 10.0),
    "step_width_leg": (-0.02, 0.10),
    "cadence_spm": (155.0, 185.0),
    "contact_time_ms": (200.0, 280.0),
    "height_m": (1.55, 1.95),
    "body_height_frac": (0.45, 0.75),
}


@dataclasses.dataclass(frozen=True)
class CohortRunner:
    """One runner of the cohort and what was put into it."""

    spec: RunnerSpec
    severity: float
    dominant: str


def sample_cohort(
    n: int,
    seed: int,
    *,
    thresholds: Mapping[str, float],
    duration_s: float = 7.0,
    fps: Sequence[float] = (30.0,),
    severity_range: tuple[float, float] = (0.3, 1.8),
) -> list[CohortRunner]:
    """``n`` runners with severities spread uniformly over ``severity_range``.

    Parameters
    ----------
    n, seed
        Cohort size and seed (every runner's own noise seed is drawn from it).
    thresholds
        Threshold of each sign in :data:`SIGNS` (from the config).
    duration_s
        Clip length.
    fps
        Frame rates to pick from.
    severity_range
        Range of ``max(sign / threshold)``.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        severity = float(rng.uniform(*severity_range))
        dominant = SIGNS[int(rng.integers(len(SIGNS)))]
        values = {}
        for sign in SIGNS:
            ratio = severity if sign == dominant else rng.uniform(0.1, 1.0) * min(severity, 0.95)
            values[sign] = float(ratio * thresholds[sign])
        for name, rule in VARIATION.items():
            if isinstance(rule, list):
                values[name] = rule[int(rng.integers(len(rule)))]
            else:
                values[name] = float(rng.uniform(*rule))
        values["fps"] = float(fps[int(rng.integers(len(fps)))])
        spec = RunnerSpec(
            duration_s=duration_s,
            phase_offset=float(rng.uniform(0, 1)),
            seed=int(rng.integers(0, 2**31 - 1)),
            **values,
        )
        out.append(CohortRunner(spec=spec, severity=severity, dominant=dominant))
    return out


def assess_runner(runner: CohortRunner, config: Settings) -> dict[str, Any]:
    """Run the whole chain on one synthetic runner and judge hip weakness."""
    findings = config.findings
    pattern_cfg = findings.hip_weakness
    run = generate_run(runner.spec)
    view = classify_view(run.tracks)
    metrics: dict = {}
    steps = {"left": 0, "right": 0}
    if view.label in ("rear", "front"):
        cleaned = clean(run.tracks, view=view.label).tracks
        strides = stride_table(detect_contacts(cleaned), cleaned)
        metrics = frontal_metrics(
            cleaned,
            strides,
            view=view.label,
            leg_px=leg_length_px(cleaned),
            pose_smoothing="none",
            min_per_side=findings.min_steps_per_side,
        )
        ok = strides[strides[C.USABLE]]
        steps = {s: int((ok[C.SIDE] == s).sum()) for s in steps}
    finding = assess_pattern(
        "hip_weakness",
        views=[view.label],
        metrics=metrics,
        pattern_cfg=pattern_cfg,
        steps_per_side=steps,
        min_steps_per_side=findings.min_steps_per_side,
    )
    thresholds = {s: pattern_cfg.sign(s).threshold for s in SIGNS}
    truth = {s: float(run.truth.values[s]) for s in SIGNS}
    return {
        "severity": max(truth[s] / thresholds[s] for s in SIGNS),
        "dominant": runner.dominant,
        "positive": any(truth[s] > thresholds[s] for s in SIGNS),
        "status": finding.status,
        "view": runner.spec.view,
        "view_label": view.label,
        "truth": truth,
        "measured": {s: metrics[s].value if s in metrics else None for s in SIGNS},
        "camera_roll_deg": runner.spec.camera_roll_deg,
        "fps": runner.spec.fps,
    }


def band_table(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Sensitivity (positives) or specificity (negatives) in each severity band.

    Runners whose finding is ``insufficient_evidence`` (or ``not_assessed``) are counted apart
    and left out of both rates.
    """
    out = []
    for lo, hi in BANDS:
        sel = [r for r in rows if lo <= r["severity"] < hi]
        judged = [r for r in sel if r["status"] in ("flagged", "not_flagged")]
        pos = [r for r in judged if r["positive"]]
        neg = [r for r in judged if not r["positive"]]
        out.append(
            {
                "band": [lo, hi],
                "n": len(sel),
                "not_judged": len(sel) - len(judged),
                "n_positive": len(pos),
                "n_negative": len(neg),
                "sensitivity": _share(pos, "flagged"),
                "specificity": _share(neg, "not_flagged"),
            }
        )
    return out


def _share(rows: Sequence[Mapping[str, Any]], status: str) -> float | None:
    return sum(r["status"] == status for r in rows) / len(rows) if rows else None


def errors(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Measured minus true value of each sign: median absolute and 95th percentile."""
    out = {}
    for sign in SIGNS:
        e = np.array(
            [
                r["measured"][sign] - r["truth"][sign]
                for r in rows
                if r["measured"][sign] is not None
            ]
        )
        out[sign] = {
            "n": int(e.size),
            "median_abs": float(np.median(np.abs(e))) if e.size else math.nan,
            "p95_abs": float(np.percentile(np.abs(e), 95)) if e.size else math.nan,
            "bias": float(np.mean(e)) if e.size else math.nan,
        }
    return out


def markdown(table: Sequence[Mapping[str, Any]], errs: Mapping[str, Mapping[str, float]]) -> str:
    """The band table and the measurement errors as Markdown."""

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    lines = [
        "Synthetic consistency, not clinical accuracy.",
        "",
        "| severity band | runners | not judged | truly positive | sensitivity | "
        "truly negative | specificity |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        lo, hi = row["band"]
        band = f"{lo:.1f}-{hi:.1f}" if math.isfinite(hi) else f">= {lo:.1f}"
        lines.append(
            f"| {band} | {row['n']} | {row['not_judged']} | {row['n_positive']} | "
            f"{pct(row['sensitivity'])} | {row['n_negative']} | {pct(row['specificity'])} |"
        )
    lines += [
        "",
        "| sign | runners | median abs error | 95th pct abs error | bias |",
        "|---|---|---|---|---|",
    ]
    for sign, e in errs.items():
        lines.append(
            f"| {sign} | {e['n']} | {e['median_abs']:.2f} | {e['p95_abs']:.2f} | {e['bias']:+.2f} |"
        )
    return "\n".join(lines)


def run_cohort(
    n: int, seed: int, *, duration_s: float = 7.0, fps: Sequence[float] = (30.0,)
) -> dict[str, Any]:
    """Sample, assess and tabulate a cohort with the shipped configuration."""
    config = load_defaults()
    thresholds = {s: config.findings.hip_weakness.sign(s).threshold for s in SIGNS}
    runners = sample_cohort(n, seed, thresholds=thresholds, duration_s=duration_s, fps=fps)
    rows = [assess_runner(r, config) for r in runners]
    return {
        "n": n,
        "seed": seed,
        "duration_s": duration_s,
        "fps": list(fps),
        "thresholds": thresholds,
        "variation": {k: list(v) for k, v in VARIATION.items()},
        "bands": band_table(rows),
        "errors": errors(rows),
        "statuses": {s: sum(r["status"] == s for r in rows) for s in {r["status"] for r in rows}},
        "runners": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="60 runners at 30 fps (CI)")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--out", type=Path, default=None, help="JSON path (Markdown beside it)")
    args = ap.parse_args(argv)
    n = args.n or (60 if args.quick else 1000)
    fps = (30.0,) if args.quick else (30.0, 60.0)
    folder = REPO / "benchmarks" / "results" / ("quick" if args.quick else "")
    out = args.out or folder / "cohort_hip_weakness.json"
    t0 = time.time()
    result = run_cohort(n, args.seed, fps=fps)
    result["seconds"] = round(time.time() - t0, 1)
    result["date"] = dt.datetime.now().isoformat(timespec="seconds")
    result["machine"] = (
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu, {platform.python_version()}"
    )
    table = markdown(result["bands"], result["errors"])
    table = (
        f"{n} synthetic runners, seed {args.seed}, {result['duration_s']:g} s clips at "
        f"{'/'.join(f'{f:g}' for f in fps)} fps; {result['date']}, {result['machine']}, "
        f"{result['seconds']} s.\n\n{table}"
    )
    # the file keeps the tables and the runners the rule got wrong, not all of them
    runners = result.pop("runners")
    result["misjudged"] = [
        r
        for r in runners
        if r["status"] in ("flagged", "not_flagged") and (r["status"] == "flagged") != r["positive"]
    ]
    from command import command_line, with_command  # here: the tests load this file as a module

    from gaitlab.io import write_json_atomic, write_text_atomic

    result["command"] = command_line()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out, result)
    write_text_atomic(out.with_suffix(".md"), with_command(table + "\n", result["command"]))
    sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
