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
    record = json.loads(out.read_text())
    # the command that made the results, as typed from the checkout's top, heads the Markdown
    assert record["command"].startswith(f"python benchmarks/{script} --quick --out "), record
    page = out.with_suffix(".md")
    if page.exists():
        assert f"Command: `{record['command']}`" in page.read_text().splitlines()[:3]
    return record


def test_pose_benchmark_quick(tmp_path):
    record = run_benchmark("bench_pose.py", tmp_path / "pose.json")
    ms = record["ms_per_frame"]
    assert set(ms) == {"decode", "bare_inference", "naive_loop", "gaitlab_pose"}
    assert all(v > 0 for v in ms.values())
    assert record["ratios"]["gaitlab_pose_over_bare"] > 0


def test_speed_benchmark_quick(tmp_path):
    """The whole job's benchmark: every run timed once on a 2 s clip, figures and page written."""
    record = run_benchmark("bench_speed.py", tmp_path / "speed.json")
    (clip,) = record["clips"].values()
    assert set(clip["wall_s"]) == {
        "bare_inference",
        "naive_loop",
        "analyze_no_video",
        "analyze_no_video_one_pass",
        "analyze",
        "check",
    }
    assert all(v > 0 for v in clip["wall_s"].values())
    assert all(v > 0 for v in clip["cpu_s"].values())
    assert clip["ratios"]["analyze_no_video_over_bare"] > 0
    assert set(record["startup"]["wall_s"]) == {"help", "import"}
    page = (tmp_path / "speed.md").read_text()
    assert "load average" in page
    assert record["command"].startswith("python benchmarks/bench_speed.py --quick")
    assert f"Command: `{record['command']}`" in page.splitlines()[:4]


def test_pose_chunks_benchmark_quick(tmp_path):
    """Chunked against single pass on 8 s of the sample: compared, written, never failing."""
    record = run_benchmark("pose_chunks.py", tmp_path / "pose_chunks.json")
    (runs,) = record["clips"].values()
    two = runs["2 chunks"]
    assert two["px_median"] is not None and two["px_median"] >= 0
    assert "cadence_spm" in two["metrics"] and isinstance(two["findings_same"], bool)


def test_decode_benchmark_quick(tmp_path):
    record = run_benchmark("bench_decode.py", tmp_path / "decode.json")
    assert record["quick"] is True
    assert record["clips"]


@pytest.mark.parametrize("script", ["cohort_hip_tightness.py", "cohort_hip_weakness.py"])
def test_cohort_benchmarks_quick(tmp_path, script):
    record = run_benchmark(script, tmp_path / "cohort.json")
    assert record
    assert (tmp_path / "cohort.md").exists()


def test_batch_benchmark_quick(tmp_path):
    record = run_benchmark("bench_batch.py", tmp_path / "batch.json")
    assert record["quick"] is True
    assert set(record["wall_s"]) == {"one_by_one", "batch_1_worker", "batch_2_workers"}
    assert all(v > 0 for v in record["wall_s"].values())
    assert sorted(record["video_seconds_in_worker"]["batch_2_workers"]) == ["a.mp4", "b.mp4"]
    assert (tmp_path / "batch.md").exists()


def test_report_benchmark_quick(tmp_path):
    record = run_benchmark("bench_report.py", tmp_path / "report.json")
    assert record["quick"] is True
    seconds = record["seconds"]
    for step in ("curves", "plots", "key_frames", "report_html", "report_pdf"):
        assert seconds[step] > 0, step
    assert seconds["annotated_video"] is None  # synthetic runners have no video
    assert (tmp_path / "report.md").exists()


def test_web_load_benchmark_quick(tmp_path):
    record = run_benchmark("bench_web_load.py", tmp_path / "web_load.json")
    assert record["quick"] is True and record["clients"] == 6
    assert record["latency"]["page"]["n"] > 0 and record["latency"]["page"]["p95_ms"] > 0
    # correctness, not speed: every request answered, every upload kept intact
    assert record["n_failures"] == 0, record["failures"]
    assert record["uploads"] == 6 and record["lost_uploads"] == []
    assert (tmp_path / "web_load.md").exists()


def test_robustness_benchmark_quick(tmp_path):
    record = run_benchmark("robustness.py", tmp_path / "robustness.json")
    assert record["meta"]["quick"] is True
    names = [row["clip"] for row in record["rows"]]
    assert names[0] == "original" and len(names) >= 3
    assert record["rows"][0]["outcome"] is None  # the reference
    assert all(isinstance(row["outcome"]["passed"], bool) for row in record["rows"][1:])
