"""Several clips of one session give one assessment (synthetic runners with known answers).

Each finding must come from the clip whose view can show it, every number must name its clip,
and two clips of one view must count together (more strides than either alone).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.schema import validation_errors
from gaitlab.signals.concat import concat_tracks
from gaitlab.synthetic import RunnerSpec, generate_run

CONFIG = load_defaults()


def _clip(name: str, **spec):
    run = generate_run(RunnerSpec(**spec))
    return analyze_tracks(run.tracks, CONFIG, name=name), run.truth


@pytest.fixture(scope="module")
def side_and_rear():
    side, side_truth = _clip("side.mp4", view="side", hip_extension_deg=4.0, seed=11)
    rear, rear_truth = _clip("rear.mp4", view="rear", lateral_drift_pct=60.0, seed=12)
    return side, rear, side_truth, rear_truth


def test_each_finding_comes_from_the_clip_that_can_show_it(side_and_rear, tmp_path):
    side, rear, side_truth, rear_truth = side_and_rear
    for order in ((side, rear), (rear, side)):  # the order of the clips does not matter
        analysis = assemble(order, CONFIG)
        by_pattern = {f.pattern: f for f in analysis.findings}
        tight, weak = by_pattern["hip_tightness"], by_pattern["hip_weakness"]
        assert (tight.status, tight.clip) == ("flagged", "side.mp4")
        assert (weak.status, weak.clip) == ("flagged", "rear.mp4")
        assert {e.clip for e in tight.evidence} == {"side.mp4"}
        assert {e.clip for e in weak.evidence} == {"rear.mp4"}
    # The numbers behind the flags are the true ones (tolerances of the single-clip tests).
    metrics = analysis.metrics
    assert metrics["hip_extension_deg"].clip == "side.mp4"
    assert metrics["hip_extension_deg"].value == pytest.approx(
        side_truth.values["hip_extension_deg"], abs=1.5
    )
    assert metrics["lateral_drift_pct"].clip == "rear.mp4"
    assert metrics["lateral_drift_pct"].value == pytest.approx(
        rear_truth.values["lateral_drift_pct"], rel=0.15
    )
    # One summary for the session: both clips listed, every metric names its clip.
    analysis.save(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert validation_errors(summary) == []
    assert [c["name"] for c in summary["clips"]] == ["rear.mp4", "side.mp4"]
    assert {c["view"]["label"] for c in summary["clips"]} == {"side", "rear"}
    assert all(m["clip"] in ("side.mp4", "rear.mp4") for m in summary["metrics"].values())
    assert summary["pools"] == []


def test_two_clips_of_one_view_count_together():
    # Two short side clips, each with fewer usable strides per side than a finding needs (7),
    # filmed at different distances (runner 60% and 45% of the frame height).
    a, truth = _clip("a.mp4", view="side", duration_s=5.0, hip_extension_deg=5.0, seed=21)
    b, _ = _clip(
        "b.mp4", view="side", duration_s=5.0, hip_extension_deg=5.0, seed=22, body_height_frac=0.45
    )
    need = CONFIG.findings.min_steps_per_side
    for single in (a, b):
        assert min(single.usable_steps().values()) < need
        alone = assemble([single], CONFIG)
        assert alone.findings[0].status == "insufficient_evidence"

    analysis = assemble([a, b], CONFIG)
    (pool,) = analysis.pools
    assert pool.clips == ("a.mp4", "b.mp4") and pool.name == "a.mp4 + b.mp4"
    for side in ("left", "right"):
        assert pool.usable_steps()[side] == a.usable_steps()[side] + b.usable_steps()[side]
    tight = analysis.findings[0]
    assert (tight.pattern, tight.status, tight.clip) == ("hip_tightness", "flagged", pool.name)
    hip = analysis.metrics["hip_extension_deg"]
    assert hip.clip == pool.name
    assert hip.value == pytest.approx(truth.values["hip_extension_deg"], abs=1.5)
    # Cadence over the join: the stride numbering must run on across the two clips (1%).
    cadence = analysis.metrics["cadence_spm"]
    assert cadence.clip == pool.name
    assert cadence.value == pytest.approx(truth.values["cadence_spm"], rel=0.01)


def test_clips_running_opposite_ways_do_not_pool():
    # Facing decides which leg is near the camera; such clips stay apart and the finding uses
    # the one with the most usable strides.
    a, _ = _clip("left.mp4", view="side", duration_s=12.0, seed=31, facing="left")
    b, _ = _clip("right.mp4", view="side", duration_s=6.0, seed=32, facing="right")
    analysis = assemble([b, a], CONFIG)
    assert analysis.pools == ()
    assert analysis.findings[0].clip == "left.mp4"


def test_concat_tracks_joins_with_missing_frames_between():
    a = generate_run(RunnerSpec(view="side", duration_s=2.0, seed=1)).tracks
    b = generate_run(RunnerSpec(view="side", duration_s=1.0, seed=2)).tracks
    joined, dt, df = concat_tracks([a, b], scales=[1.0, 2.0], gap_frames=2, min_gaps_s=[0.5])
    assert joined.n_frames == a.n_frames + 2 + b.n_frames
    assert np.all(np.diff(joined.time_s) > 0)
    gap = slice(a.n_frames, a.n_frames + 2)
    assert np.isnan(joined.image_xy_px[gap]).all()
    assert joined.time_s[a.n_frames + 2] - joined.time_s[a.n_frames - 1] >= 0.5
    assert df == [0, a.n_frames + 2]
    np.testing.assert_allclose(joined.image_xy_px[a.n_frames + 2 :], 2.0 * b.image_xy_px)
    np.testing.assert_allclose(joined.time_s[a.n_frames + 2 :], b.time_s + dt[1])
    with pytest.raises(ValueError, match="frame rate"):
        concat_tracks([a, b.replace(fps=2 * b.fps)], scales=[1.0, 1.0])
