"""The findings framework: statuses, evidence and exercises from configured signs."""

from __future__ import annotations

import dataclasses

import pytest

from gaitlab.config import SignSettings, load_defaults
from gaitlab.findings.framework import assess_pattern
from gaitlab.result import Metric

CFG = load_defaults().findings
ENOUGH = {"left": 10, "right": 9}


def metric(name: str, value: float | None, view: str = "side") -> Metric:
    return Metric(name=name, value=value, unit="deg", view_needed=view, n_strides=9, clip="a.mp4")


def test_side_view_cannot_assess_hip_weakness_and_says_so():
    f = assess_pattern(
        "hip_weakness",
        views=["side"],
        metrics={},
        pattern_cfg=CFG.hip_weakness,
        steps_per_side=ENOUGH,
        min_steps_per_side=7,
    )
    assert f.status == "not_assessed"
    assert "behind" in f.summary and "not assessed" in f.summary
    assert "rear" in f.view_needed
    assert f.evidence == () and f.exercises == ()


def test_rear_view_cannot_assess_hip_tightness():
    f = assess_pattern(
        "hip_tightness",
        views=["rear"],
        metrics={},
        pattern_cfg=CFG.hip_tightness,
        steps_per_side=ENOUGH,
        min_steps_per_side=7,
    )
    assert f.status == "not_assessed"


def test_too_few_steps_is_insufficient_evidence_never_a_verdict():
    f = assess_pattern(
        "hip_tightness",
        views=["side"],
        metrics={"hip_extension_deg": metric("hip_extension_deg", 2.0)},
        pattern_cfg=CFG.hip_tightness,
        steps_per_side={"left": 3, "right": 9},
        min_steps_per_side=7,
    )
    assert f.status == "insufficient_evidence"
    assert "3 usable steps" in f.reason


def test_unmeasured_primary_signs_are_insufficient_evidence():
    f = assess_pattern(
        "hip_tightness",
        views=["side"],
        metrics={"hip_extension_deg": metric("hip_extension_deg", None)},
        pattern_cfg=CFG.hip_tightness,
        steps_per_side=ENOUGH,
        min_steps_per_side=7,
    )
    assert f.status == "insufficient_evidence"
    assert all(e.met is None for e in f.evidence)


@pytest.mark.parametrize(("hip_ext", "status"), [(4.0, "flagged"), (16.0, "not_flagged")])
def test_threshold_decides_and_evidence_names_sign_value_threshold_source(hip_ext, status):
    threshold = CFG.hip_tightness.sign("hip_extension_deg").threshold
    f = assess_pattern(
        "hip_tightness",
        views=["side"],
        metrics={
            "hip_extension_deg": metric("hip_extension_deg", hip_ext),
            "step_length_leg": metric("step_length_leg", 1.5),
        },
        pattern_cfg=CFG.hip_tightness,
        steps_per_side=ENOUGH,
        min_steps_per_side=7,
    )
    assert f.status == status
    ev = {e.metric: e for e in f.evidence}["hip_extension_deg"]
    assert (ev.value, ev.threshold, ev.comparison) == (hip_ext, threshold, "<")
    assert ev.met is (hip_ext < threshold)
    assert "Souza" in ev.source
    assert ev.clip == "a.mp4"
    assert bool(f.exercises) is (status == "flagged")
    if f.exercises:
        assert f.exercises[0]["name"] == "Kneeling hip flexor stretch"
    d = f.as_dict()
    assert set(d) >= {"pattern", "status", "evidence", "exercises"}


@pytest.mark.parametrize(
    ("hip_ext", "tilt", "status"),
    [
        (15.0, 45.0, "not_flagged"),  # a supporting sign met alone never flags
        (None, 45.0, "insufficient_evidence"),  # nor stands in for an unmeasured primary sign
        (5.0, 10.0, "flagged"),  # nor blocks a flag when it is not met
        (5.0, 45.0, "flagged"),
        (5.0, None, "flagged"),
    ],
)
def test_a_supporting_sign_is_evidence_that_decides_nothing(hip_ext, tilt, status):
    """As defaults.toml says: "supporting" is shown beside the finding and never decides it.

    No shipped sign is supporting any more (the pelvis's signs became primary once stickers
    measure them), so the role is given to a sign here, as a configuration may."""
    ext_sign = next(s for s in CFG.hip_tightness.signs if s.metric == "hip_extension_deg")
    tilt_sign = SignSettings(
        metric="anterior_pelvic_tilt_deg",
        comparison=">",
        threshold=30.0,
        role="supporting",
        source="none",
        rationale="a supporting sign for this test",
    )
    pattern = dataclasses.replace(CFG.hip_tightness, signs=(ext_sign, tilt_sign))
    assert {s.role for s in pattern.signs} == {"primary", "supporting"}
    f = assess_pattern(
        "hip_tightness",
        views=["side"],
        metrics={
            "hip_extension_deg": metric("hip_extension_deg", hip_ext),
            "anterior_pelvic_tilt_deg": metric("anterior_pelvic_tilt_deg", tilt),
        },
        pattern_cfg=pattern,
        steps_per_side=ENOUGH,
        min_steps_per_side=7,
    )
    assert f.status == status
    supporting = next(e for e in f.evidence if e.role == "supporting")
    assert supporting.met == (None if tilt is None else tilt > 30.0)  # shown, with its result
    if status == "flagged":
        assert f.reason == "1 of 1 measured primary sign met"  # counted among primary only
