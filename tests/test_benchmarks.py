"""Benchmarks run in their short mode so they do not rot; they never fail on time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def run_benchmark(script: str, out: Path, *extra: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text())


def test_pose_benchmark_quick(tmp_path):
    record = run_benchmark("bench_pose.py", tmp_path / "pose.json")
    ms = record["ms_per_frame"]
    assert set(ms) == {"decode", "bare_inference", "naive_loop", "gaitlab_pose"}
    assert all(v > 0 for v in ms.values())
    assert record["ratios"]["gaitlab_pose_over_bare"] > 0


def test_decode_benchmark_quick(tmp_path):
    record = run_benchmark("bench_decode.py", tmp_path / "decode.json")
    assert record["quick"] is True
    assert record["clips"]


@pytest.mark.parametrize("script", ["cohort_hip_tightness.py", "cohort_hip_weakness.py"])
def test_cohort_benchmarks_quick(tmp_path, script):
    record = run_benchmark(script, tmp_path / "cohort.json")
    assert record
    assert (tmp_path / "cohort.md").exists()
