"""Results stay identical: ``summary.json`` values against a stored snapshot.

The cached landmarks of two real clips (``tests/data/*.tracks.npz``, through
:func:`gaitlab.api.analyze_tracks`) and a fixed set of synthetic runs (side, rear and front views,
several seeds, imperfect tracking, two sessions of several clips, a configuration with the runner's
height and belt speed) are analysed, and the numbers of their summaries (metrics' values, sides,
asymmetry, spread and stride counts; findings' statuses and evidence values; the view; usable
strides; capture checks) are compared with ``tests/data/snapshots/summary_values.json`` to a
relative 1e-9. Sentences are not compared (their wording may change on its own).

A change that alters results on purpose regenerates the snapshot, in its own visible commit::

    PYTHONPATH=. python tests/test_regression_snapshot.py --update

and says in the commit message why the numbers moved.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import load_config
from gaitlab.pose.tracks import PoseTracks
from gaitlab.synthetic import RunnerSpec, generate_run

DATA = Path(__file__).resolve().parent / "data"
SNAPSHOT = DATA / "snapshots" / "summary_values.json"
REL_TOL = 1e-9
ABS_TOL = 1e-12

#: Synthetic runs by clip name: the spec's fields.
SYNTHETIC: dict[str, dict[str, Any]] = {
    "side_s1.mp4": {"view": "side", "seed": 1},
    "side_s2_right.mp4": {"view": "side", "facing": "right", "seed": 2, "fps": 60},
    "side_tight.mp4": {"view": "side", "hip_extension_deg": 4.0, "seed": 11},
    "side_noisy.mp4": {
        "view": "side",
        "seed": 3,
        "fps": 120,
        "duration_s": 6.0,
        "noise_px": 1.5,
        "dropout_frac": 0.03,
        "swap_frac": 0.01,
        "contact_asymmetry_pct": 6.0,
    },
    "side_short_a.mp4": {"view": "side", "duration_s": 5.0, "hip_extension_deg": 5.0, "seed": 21},
    "side_short_b.mp4": {
        "view": "side",
        "duration_s": 5.0,
        "hip_extension_deg": 5.0,
        "seed": 22,
        "body_height_frac": 0.45,
    },
    "rear_s4.mp4": {"view": "rear", "seed": 4},
    "rear_weak.mp4": {"view": "rear", "lateral_drift_pct": 60.0, "seed": 12},
    "rear_noisy.mp4": {
        "view": "rear",
        "seed": 5,
        "fps": 60,
        "noise_px": 1.0,
        "dropout_frac": 0.02,
        "camera_roll_deg": 2.0,
        "trunk_lean_deg": 7.0,
    },
    "front_s6.mp4": {"view": "front", "seed": 6, "pelvic_drop_deg": 8.0},
}

#: Real clips by name: their cached landmarks.
REAL = {
    "male_side.mp4": "male_side.tracks.npz",
    "side_walk_60fps.mp4": "side_walk_60fps.tracks.npz",
}

#: Assessments: name -> (clip names, configuration overrides as TOML text or None).
CASES: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{name: ((name,), None) for name in REAL},
    **{name: ((name,), None) for name in SYNTHETIC},
    "session_side_rear": (("side_tight.mp4", "rear_weak.mp4"), None),
    "session_two_side": (("side_short_a.mp4", "side_short_b.mp4"), None),
    "male_side_with_runner": (
        ("male_side.mp4",),
        "[runner]\nheight_m = 1.8\nbelt_speed_m_s = 3.0\n",
    ),
    "side_s1_with_runner": (("side_s1.mp4",), "[runner]\nheight_m = 1.7\n"),
}

_METRIC_KEYS = ("value", "left", "right", "asymmetry_pct", "sd", "n_strides", "label", "estimate")
_EVIDENCE_KEYS = ("metric", "value", "threshold", "comparison", "met", "role", "clip")


def values_of(summary: dict[str, Any]) -> dict[str, Any]:
    """The numbers (and categories) of a ``summary.json``, without its sentences."""
    return {
        "view": summary["view"],
        "clips": [
            {
                "name": c["name"],
                "view": {k: c["view"][k] for k in ("label", "facing", "confidence", "setting")},
                "strides": c["strides"],
                "checks": [{k: x[k] for k in ("name", "status", "value")} for x in c["checks"]],
            }
            for c in summary["clips"]
        ],
        "pools": [{k: p[k] for k in ("view", "clips", "strides")} for p in summary["pools"]],
        "metrics": {
            name: {k: m[k] for k in _METRIC_KEYS} | {"clip": m["clip"]}
            for name, m in sorted(summary["metrics"].items())
        },
        "findings": [
            {
                "pattern": f["pattern"],
                "status": f["status"],
                "clip": f["clip"],
                "evidence": [{k: e[k] for k in _EVIDENCE_KEYS} for e in f["evidence"]],
            }
            for f in summary["findings"]
        ],
    }


def compute(scratch: Path) -> dict[str, Any]:
    """Every case's values, by case name."""
    clips_by_config: dict[str | None, dict[str, Any]] = {}
    out = {}
    for case, (names, override) in CASES.items():
        config = _config(override, scratch)
        analysed = clips_by_config.setdefault(override, {})
        for name in names:
            if name not in analysed:
                analysed[name] = analyze_tracks(_tracks(name), config, name=name)
        analysis = assemble([analysed[n] for n in names], config)
        out[case] = values_of(analysis.to_summary())
    return out


def _tracks(name: str) -> PoseTracks:
    if name in REAL:
        return PoseTracks.load_npz(DATA / REAL[name])
    return generate_run(RunnerSpec(**SYNTHETIC[name])).tracks


def _config(override: str | None, scratch: Path) -> Any:
    if override is None:
        return load_config(None)
    path = scratch / f"override_{abs(hash(override))}.toml"
    path.write_text(override, encoding="utf-8")
    return load_config(path)


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` differs from ``expected`` (numbers to a relative ``REL_TOL``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return [f"{where}: keys {sorted(set(expected) ^ set(actual))} added or removed"]
        return [d for k in expected for d in differences(expected[k], actual[k], f"{where}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(actual)} items instead of {len(expected)}"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in differences(e, a, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if (
        isinstance(expected, numbers)
        and isinstance(actual, numbers)
        and not isinstance(expected, bool)
        and not isinstance(actual, bool)
    ):
        if math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return []
        return [f"{where}: {actual!r} instead of {expected!r}"]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: {actual!r} instead of {expected!r}"]
    return []


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return compute(tmp_path_factory.mktemp("snapshot"))


def test_snapshot_covers_every_case():
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert set(stored["cases"]) == set(CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_the_snapshot(current, case):
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["cases"][case]
    problems = differences(stored, current[case], case)
    assert not problems, "\n".join(problems[:20])


def test_the_comparison_notices_a_change():
    base = {"metrics": {"x": {"value": 1.0, "n_strides": 3, "label": None}}}
    assert differences(base, base) == []
    moved = {"metrics": {"x": {"value": 1.0 + 1e-6, "n_strides": 3, "label": None}}}
    assert differences(base, moved) == [".metrics.x.value: 1.000001 instead of 1.0"]
    assert differences(base, {"metrics": {"x": {"value": None, "n_strides": 3, "label": None}}})
    assert differences({"a": [1, 2]}, {"a": [1]}) == [".a: 1 items instead of 2"]
    assert differences({"s": "flagged"}, {"s": "not_flagged"})


def main(argv: list[str]) -> int:
    """``--update``: recompute every case and rewrite the snapshot."""
    if argv != ["--update"]:
        print("usage: python tests/test_regression_snapshot.py --update")
        return 2
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        cases = compute(Path(scratch))
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    body = {"how": "PYTHONPATH=. python tests/test_regression_snapshot.py --update", "cases": cases}
    SNAPSHOT.write_text(json.dumps(body, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT} ({len(cases)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
