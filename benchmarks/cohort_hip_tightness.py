"""The hip-tightness rule on the synthetic cohort: agreement with the truth per severity band.

Synthetic consistency, not clinical accuracy: runners whose hip extension, step length,
overstride and pelvic tilt are known are filmed with noise, dropped frames, left/right swaps
and a rolled camera, run through the real pipeline (view -> clean -> events -> strides ->
sagittal metrics -> finding), and the measured finding is compared with the rule applied to
the true values. The cohort, the pipeline and the tables are those of
``tests/test_hip_tightness_cohort.py`` (one definition; this script adds the output).

Figures go to a JSON file and a Markdown file; nothing here fails. ``--quick`` (for CI) runs 40
runners and writes to ``benchmarks/results/quick/`` unless ``--out`` says otherwise::

    python benchmarks/cohort_hip_tightness.py            # full: the test's 200 runners
    python benchmarks/cohort_hip_tightness.py --quick --out OUT/cohort.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

from command import command_line, with_command  # noqa: E402

from gaitlab.io import write_json_atomic, write_text_atomic  # noqa: E402
from tests.test_hip_tightness_cohort import (  # noqa: E402
    COHORT_RANGES,
    MARGIN,
    N_RUNNERS,
    SEED,
    run_cohort,
    summary_tables,
)

DEFAULT_OUT = REPO / "benchmarks" / "results" / "cohort_hip_tightness.json"
QUICK_OUT = REPO / "benchmarks" / "results" / "quick" / "cohort_hip_tightness.json"
QUICK_RUNNERS = 40


def error_summary(df: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Measured minus true value of each sign's metric: bias, sd, 95th percentile, largest."""
    out = {}
    for metric in MARGIN:
        e = (df[f"{metric}:measured"] - df[f"{metric}:true"]).dropna().to_numpy(float)
        out[metric] = {
            "n": int(e.size),
            "bias": float(np.mean(e)),
            "sd": float(np.std(e, ddof=1)),
            "p95_abs": float(np.quantile(np.abs(e), 0.95)),
            "max_abs": float(np.max(np.abs(e))),
        }
    return out


def markdown(
    tables: dict[str, pd.DataFrame], errors: dict[str, dict[str, float]], meta: dict
) -> str:
    """The tables as Markdown, headed by what was run."""
    lines = [
        "Synthetic consistency, not clinical accuracy: agreement of the measured hip-tightness "
        "finding and signs with the rule applied to the synthetic truth.",
        "",
        f"{meta['n_runners']} runners (seed {meta['seed']}, {meta['refused']} specs refused by the "
        f"motion model and replaced), {meta['date']}, {meta['machine']}, {meta['seconds']:.0f} s.",
        "",
        "| metric | bias | sd | 95th pct. abs. error | largest abs. error |",
        "|---|---|---|---|---|",
    ]
    for metric, e in errors.items():
        lines.append(
            f"| {metric} | {e['bias']:+.3f} | {e['sd']:.3f} | {e['p95_abs']:.3f} | "
            f"{e['max_abs']:.3f} |"
        )
    for title, table in tables.items():
        lines += ["", f"**{title}**", "", _table_md(table)]
    return "\n".join(lines) + "\n"


def _table_md(table: pd.DataFrame) -> str:
    head = [table.index.name or "", *table.columns]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for idx, row in zip(table.index, table.itertuples(index=False), strict=True):
        cells = [str(idx)] + [_cell(v) for v in row]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cell(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return "-" if np.isnan(v) else f"{v:.2f}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="JSON file to write (Markdown beside it)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNNERS} runners")
    parser.add_argument("--runners", type=int, help=f"cohort size (default {N_RUNNERS})")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    n = args.runners or (QUICK_RUNNERS if args.quick else N_RUNNERS)
    t0 = time.perf_counter()
    df = run_cohort(n, seed=args.seed)
    seconds = time.perf_counter() - t0
    tables = summary_tables(df)
    errors = error_summary(df)
    meta = {
        "n_runners": len(df),
        "seed": args.seed,
        "refused": int(df.attrs.get("refused", 0)),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "seconds": seconds,
    }
    result = {
        "benchmark": "cohort_hip_tightness",
        "command": command_line(),
        "what": "synthetic consistency, not clinical accuracy: measured hip-tightness finding and "
        "signs against the rule applied to the synthetic truth, per severity band",
        "quick": args.quick,
        **meta,
        "ranges": {
            k: list(v) if isinstance(v, tuple | list) else v for k, v in COHORT_RANGES.items()
        },
        "margins": MARGIN,
        "errors": errors,
        "tables": {
            title: table.reset_index().to_dict(orient="records") for title, table in tables.items()
        },
    }
    write_json_atomic(out, result)
    md = with_command(markdown(tables, errors, meta), result["command"])
    write_text_atomic(out.with_suffix(".md"), md)
    sys.stdout.write(md)
    sys.stdout.write(f"wrote {out} and {out.with_suffix('.md')}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
