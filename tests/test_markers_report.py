"""The pelvis in the report: "not assessed" without stickers (never "normal"), and every
pelvic sign with its evidence and how far it can be trusted when the stickers measured it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.findings.framework import evaluate_sign
from gaitlab.metrics.pelvis import measure_pelvis, pelvis_metrics
from gaitlab.metrics.registry import label
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report.html import evidence_row
from gaitlab.report.plain import judged, verdict_cards
from gaitlab.words import say
from tests.test_pelvis_metrics import FPS, _drop_signal, _gait, _rear_tracks

REPO = Path(__file__).resolve().parents[1]
CFG = load_defaults()


def _sign(pattern: str, metric: str):
    return next(s for s in getattr(CFG.findings, pattern).signs if s.metric == metric)


@pytest.fixture(scope="module")
def side_without_stickers():
    tracks = PoseTracks.load_npz(REPO / "tests" / "data" / "male_side.tracks.npz")
    return assemble([analyze_tracks(tracks, name="side.mp4")])


def test_without_stickers_the_pelvis_is_not_assessed_never_normal(side_without_stickers):
    a = side_without_stickers
    tightness = next(f for f in a.findings if f.pattern == "hip_tightness")
    assert tightness.status in ("flagged", "not_flagged")  # decided by the other signs
    tilt = next(e for e in tightness.evidence if e.metric == "pelvic_tilt_change_deg")
    assert tilt.role == "primary" and tilt.met is None and tilt.value is None
    card = next(c for c in verdict_cards(a) if c["pattern"] == "hip_tightness")
    tilt_label = label("pelvic_tilt_change_deg")
    # one line: not assessed, and how to measure it next time
    (line,) = [u for u in card["unassessed"] if u.startswith(tilt_label)]
    assert "not assessed" in line and "stickers" in line and "filming guide" in line
    assert card["unassessed_intro"]
    assert not any(d.startswith(tilt_label) for d in card["decided"])
    row = evidence_row(tilt, a.clips[0].metrics, a.settings)
    assert row["result"] == say("report.evidence.not_assessed")
    assert "normal" not in row["result"] and "within" not in row["result"]
    assert "stickers" in row["note"]


@pytest.mark.parametrize(("peak_deg", "met"), [(10.0, True), (4.0, False)])
def test_a_measured_pelvic_drop_shows_its_evidence_and_its_trust(peak_deg, met):
    t = np.arange(0, 14, 1 / FPS)
    stances, strides = _gait(14.0, start_s=3.0)
    markers = _rear_tracks(
        t, _drop_signal(t, stances, {"left": peak_deg, "right": peak_deg}), 5.0, 2.0
    )
    measures = measure_pelvis(
        markers,
        strides,
        fps=FPS,
        cutoff_hz=12.0,
        min_coverage=0.8,
        standing_frames=slice(0, int(2 * FPS)),
    )
    metrics = pelvis_metrics(markers, measures, view="rear", min_per_side=7, clip="rear.mp4")
    drop = metrics["pelvic_drop_deg"]
    assert drop.value == pytest.approx(peak_deg, abs=0.3)
    e = evaluate_sign(_sign("hip_weakness", "pelvic_drop_deg"), drop)
    assert e.met is met
    row = evidence_row(e, metrics, CFG)
    assert row["value"] != "–" and row["left"] != "–" and row["right"] != "–"
    assert row["threshold"].endswith("7.0 deg")
    assert row["source"]  # where the threshold comes from
    # how far it can be trusted: the measured accuracy on rendered runners, with its figure
    assert "deg" in row["trust"] and "rendered" in row["trust"]
    assert row["strides"] > 0
    said = judged(e, metrics)
    assert ("over the" in said) is met and ("normal" in said) is (not met)
