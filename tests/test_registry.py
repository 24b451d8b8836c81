"""The metric registry is the one place a metric's unit and label are written.

Every metric the analysis makes is declared in :mod:`gaitlab.metrics.registry` (unit, view,
sides, what a missing value means); its label and accuracy live in the words catalogue under
``[metric.<name>]``. The tests list units and labels from the registry and search the package
(Python source by AST, the words catalogue by its tables) for any second definition.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gaitlab
from gaitlab.api import analyze_tracks, assemble
from gaitlab.batch.tables import summary_row
from gaitlab.metrics import registry
from gaitlab.metrics.registry import METRICS, make_metric
from gaitlab.report.html import metric_label
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.web.wording import metric_title
from gaitlab.words import catalogue, entry, say

PACKAGE = Path(gaitlab.__file__).parent
REGISTRY_FILE = PACKAGE / "metrics" / "registry.py"
UNITS = {s.unit for s in METRICS.values()}
#: Calls that make or change a metric (a capture check's own unit, ``Check(unit=...)``, is not
#: a metric's).
METRIC_MAKERS = {"Metric", "make_metric", "from_summary", "replace", "Evidence"}


@pytest.fixture(scope="module")
def side_and_rear():
    side = analyze_tracks(generate_run(RunnerSpec(view="side", seed=3)).tracks, name="s.mp4")
    rear = analyze_tracks(generate_run(RunnerSpec(view="rear", seed=4)).tracks, name="r.mp4")
    return assemble([side, rear])


def test_every_metric_has_a_label_and_an_accuracy_in_the_catalogue():
    for name in METRICS:
        table = entry(f"metric.{name}")
        assert isinstance(table["label"], str) and table["label"], name
        assert isinstance(table["accuracy"], str) and len(table["accuracy"]) > 10, name
        assert registry.label(name) == table["label"]
        assert registry.missing_meaning(name) == say(f"metric.missing.{METRICS[name].missing}")
    # and the catalogue declares no metric the registry does not know
    declared = {k for k in catalogue()["metric"] if k not in ("missing", "reason", "how")}
    assert declared == set(METRICS)


def test_the_analysis_makes_exactly_the_declared_metrics(side_and_rear):
    summary = side_and_rear.to_summary()
    assert registry.summary_problems(summary) == []
    made = set(summary["metrics"])
    assert made == set(METRICS)  # a side and a rear clip between them make every metric
    for name, m in summary["metrics"].items():
        assert m["unit"] == METRICS[name].unit
        if METRICS[name].sides == "none":
            assert m["left"] is None and m["right"] is None, name
        if not METRICS[name].asymmetry:
            assert m["asymmetry_pct"] is None, name


def test_summary_problems_notice_a_stray_metric():
    summary = {"metrics": {"cadence_spm": {"unit": "Hz", "view_needed": "any"}, "x_ms": {}}}
    problems = registry.summary_problems(summary)
    assert len(problems) == 2 and "'Hz'" in problems[0] and "x_ms" in problems[1]


def test_make_metric_takes_unit_and_view_from_the_registry_and_checks_sides():
    m = make_metric("contact_time_ms", value=250.0, clip="a.mp4", left=240.0, right=260.0)
    accuracy = say("metric.contact_time_ms.accuracy")
    assert (m.unit, m.view_needed, m.accuracy) == ("ms", "side", accuracy)
    with pytest.raises(ValueError, match="without sides"):
        make_metric("trunk_forward_lean_deg", value=8.0, clip=None, left=7.0)
    with pytest.raises(ValueError, match="without asymmetry"):
        make_metric("cadence_spm", value=170.0, clip=None, asymmetry_pct=2.0)
    with pytest.raises(ValueError, match="view"):
        make_metric("hip_extension_deg", value=10.0, clip=None, view="rear/front")
    assert make_metric("camera_roll_deg", value=1.0, clip=None, view="rear/front").view_needed == (
        "rear/front"
    )
    with pytest.raises(KeyError, match="not declared"):
        make_metric("speed_m_s", value=3.0, clip=None)


def test_report_web_and_batch_take_labels_and_order_from_the_registry():
    for name in METRICS:
        assert metric_label(name) == metric_title(name) == registry.label(name)
    summary = {
        "view": {"label": "side"},
        "metrics": {
            "vertical_oscillation_leg": {"value": 0.1},
            "crossover_steps_pct": {"value": 3.0},
            "cadence_spm": {"value": 170.0},
        },
    }
    row = summary_row("v.mp4", {"status": "ok"}, summary)
    columns = [c for c in row if c in METRICS]
    assert columns == ["cadence_spm", "vertical_oscillation_leg", "crossover_steps_pct"]


def _metric_keyed_tables(node, where=""):
    """Tables of the catalogue with two or more metric names as keys (a label list)."""
    found = []
    if isinstance(node, dict):
        if sum(k in METRICS for k in node) >= 2 and where != "metric":
            found.append(where)
        for key, value in node.items():
            found += _metric_keyed_tables(value, f"{where}.{key}" if where else key)
    return found


def test_no_second_label_list_in_the_catalogue():
    assert _metric_keyed_tables(catalogue()) == []
    assert _metric_keyed_tables({"web": {"m": {"cadence_spm": "a", "step_time_ms": "b"}}}) == [
        "web.m"
    ]


def second_definitions(source: str, name: str) -> list[str]:
    """Units or labels of metrics written in Python source outside the registry."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if callee == "Metric":
                found.append(f"{name}:{node.lineno} builds a Metric (use make_metric)")
            for kw in node.keywords:
                if (
                    callee in METRIC_MAKERS
                    and kw.arg == "unit"
                    and isinstance(kw.value, ast.Constant)
                    and kw.value.value in UNITS
                ):
                    found.append(f"{name}:{node.lineno} unit={kw.value.value!r}")
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            strings = [v for v in node.values if isinstance(v, ast.Constant | ast.JoinedStr)]
            if sum(k in METRICS for k in keys) >= 2 and len(strings) >= 2:
                found.append(f"{name}:{node.lineno} a table of metric names to text")
    return found


def test_no_unit_or_label_of_a_metric_is_written_outside_the_registry():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == REGISTRY_FILE or "synthetic" in path.parts:  # the truth's own key names
            continue
        found += second_definitions(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_scan_finds_second_definitions():
    source = """
UNITS = {"cadence_spm": "steps/min", "contact_time_ms": "ms"}
m = Metric(name="cadence_spm", value=1.0, unit="steps/min", view_needed="any")
e = Evidence(metric="x", unit="ms")
c = Check("tilt", "pass", "level", unit="deg")
"""
    found = second_definitions(source, "x.py")
    assert len(found) == 4, found  # the table, the Metric and its unit, the evidence's unit
