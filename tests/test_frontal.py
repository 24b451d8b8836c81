"""Rear/front-view metrics against synthetic runners whose answer is known.

Every clip goes through the pipeline the analysis uses (cleaning, events, strides), so event
timing errors (rear/front events are about a frame less exact than side-view ones) are part of
the measured error. Tolerances are stated beside each assertion.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitlab.config import default_table, load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.findings.framework import assess_pattern
from gaitlab.metrics import frontal as F
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import clean
from gaitlab.signals.view import classify_view
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.synthetic.kinematics import LAT, UP, build_model, pose_at

CFG = load_defaults().findings
#: Figures the README's accuracy table states and the tests below assert (in the metric's unit).
README_FIGURES: dict[str, float] = {
    "knee_frontal_projection_deg": 1.2,
}
#: Tolerances of the synthetic checks below, each set on the fixed seeds its test names (the
#: spread over 12 seeds beside each); :func:`test_held_out_seeds_meet_the_tolerances` checks
#: them on seeds never used to set them.
TOL_DRIFT_PCT = 1.5
TOL_ROLL_DEG = 0.3
TOL_LEAN_DEG = 0.4
TOL_STEP_WIDTH_LEG = 0.005
#: Seeds no tolerance here was set on.
HELD_OUT_SEEDS = (301, 302, 303)
#: Tracking imperfections of a typical clip (MediaPipe jitter is about 1-2 px at this size).
MESSY = {"noise_px": 1.0, "dropout_frac": 0.03, "swap_frac": 0.02}


def analyse(
    tracks: PoseTracks, view: str, *, leg_px: float | None = None, **kw
) -> tuple[dict, object]:
    """Clean, find strides and compute the frontal metrics, as the analysis does."""
    cleaned = clean(tracks, view=view).tracks
    strides = stride_table(detect_contacts(cleaned), cleaned)
    leg = leg_length_px(cleaned) if leg_px is None else leg_px
    kw.setdefault("pose_smoothing", "none")  # synthetic landmarks are not smoothed by MediaPipe
    kw.setdefault("min_per_side", CFG.min_steps_per_side)
    return F.frontal_metrics(cleaned, strides, view=view, leg_px=leg, **kw), strides


def run(**spec) -> tuple[dict, dict, object]:
    """Metrics, truth values and strides of one synthetic rear/front clip (8 s, 30 fps)."""
    s = RunnerSpec(**{"duration_s": 8.0, "view": "rear", **spec})
    r = generate_run(s)
    metrics, strides = analyse(r.tracks, s.view, height_m=s.height_m, clip="synthetic.mp4")
    return metrics, r.truth.values, strides


# --------------------------------------------------------------------------- lateral drift


@pytest.mark.parametrize("view", ["rear", "front"])
@pytest.mark.parametrize("drift_pct", [8.0, 35.0, 70.0])
def test_lateral_drift_matches_truth(view, drift_pct):
    m, truth, _ = run(view=view, lateral_drift_pct=drift_pct, camera_roll_deg=3.0, seed=7, **MESSY)
    got = m["lateral_drift_pct"]
    # 1.5 points of pelvis width: 1 px of jitter on a 77 px pelvis is 1.3 points per sample,
    # most of it removed by the low-pass and the mean over ~20 strides (12 seeds: sd 0.3, max 0.6)
    assert got.value == pytest.approx(truth["lateral_drift_pct"], abs=TOL_DRIFT_PCT)
    assert got.unit == "% pelvis width" and got.view_needed == "rear/front"
    assert got.n_strides >= 14 and got.sd is not None and got.sd < 3.0
    # excursions toward each side add up to the travel and are symmetric for this runner
    assert got.left + got.right == pytest.approx(got.value, abs=0.5)
    assert abs(got.asymmetry_pct) < 10
    assert "synthetic" in got.accuracy


def test_lateral_drift_in_cm_uses_the_runners_height():
    spec = RunnerSpec(view="rear", duration_s=8.0, lateral_drift_pct=50.0, height_m=1.80, seed=3)
    r = generate_run(spec)
    leg = r.truth.values["leg_length_px"]  # the true scale: this tests the conversion only
    m, _ = analyse(r.tracks, "rear", leg_px=leg, height_m=spec.height_m)
    true_cm = r.truth.values["lateral_drift_pct"] / 100 * r.truth.values["pelvis_width_m"] * 100
    # within 3%: the conversion is exact, the rest is the drift's own error (< 1 point of 50)
    assert m["lateral_drift_cm"].value == pytest.approx(true_cm, rel=0.03)
    assert m["lateral_drift_cm"].estimate
    m_no_height, _ = analyse(r.tracks, "rear", leg_px=leg)
    assert m_no_height["lateral_drift_cm"].value is None
    assert "height" in m_no_height["lateral_drift_cm"].reason


def test_slow_wander_across_the_belt_is_not_drift():
    spec = RunnerSpec(view="rear", duration_s=8.0, lateral_drift_pct=20.0, seed=5)
    r = generate_run(spec)
    # the runner wanders 60 px to image-right over the clip (about 0.8 pelvis widths)
    wander = np.linspace(0.0, 60.0, r.tracks.n_frames)[:, None]
    image = r.tracks.image_xy_px.copy()
    image[..., 0] += wander
    m, _ = analyse(r.tracks.replace(image_xy_px=image), "rear")
    # a 60 px wander would add about 7 px (9 points) per stride if it were counted
    assert m["lateral_drift_pct"].value == pytest.approx(20.0, abs=1.0)


def test_drift_peaks_at_mid_stance():
    m, _, _ = run(lateral_drift_pct=50.0, seed=2)
    # the synthetic pelvis is furthest toward the stance foot at mid-stance (50%); rear-view
    # events are about 10 ms off (the detected contact is ~20 ms long), which reads 48%
    assert m["drift_peak_stance_pct"].value == pytest.approx(50.0, abs=3.0)
    assert m["drift_peak_stance_pct"].unit == "% of stance"


def test_mediapipe_smoothing_loss_is_added_back_and_timing_withheld():
    tracks = generate_run(RunnerSpec(view="rear", duration_s=8.0, lateral_drift_pct=30.0)).tracks
    plain, _ = analyse(tracks, "rear")
    video, _ = analyse(tracks, "rear", pose_smoothing="mediapipe_video")
    loss = 100 * F.VIDEO_DRIFT_LOSS_PELVIS_WIDTHS  # in points of % pelvis width
    assert video["lateral_drift_pct"].value == pytest.approx(
        plain["lateral_drift_pct"].value + loss
    )
    assert video["lateral_drift_pct"].left == pytest.approx(
        plain["lateral_drift_pct"].left + loss / 2
    )
    assert video["lateral_drift_pct"].sd == pytest.approx(plain["lateral_drift_pct"].sd)
    assert video["drift_peak_stance_pct"].value is None
    assert "smoothing" in video["drift_peak_stance_pct"].reason
    assert plain["drift_peak_stance_pct"].value is not None
    with pytest.raises(ValueError, match="'mediapipe_video' and 'none'"):
        analyse(tracks, "rear", pose_smoothing="one_euro")


# --------------------------------------------------------------------------- trunk lean, roll


@pytest.mark.parametrize("roll_deg", [0.0, 2.5, -5.0, 5.0])
@pytest.mark.parametrize("view", ["rear", "front"])
def test_trunk_lean_and_camera_roll(view, roll_deg):
    m, truth, _ = run(view=view, trunk_lean_deg=6.0, camera_roll_deg=roll_deg, seed=11, **MESSY)
    lean, roll = m["trunk_lean_deg"], m["camera_roll_deg"]
    # roll from the hip and shoulder lines averaged over ~20 strides: 1 px jitter on a 77 px
    # hip line is 0.7 deg per frame, about 0.05 deg after averaging; 0.3 deg allows for swaps
    assert roll.value == pytest.approx(roll_deg, abs=TOL_ROLL_DEG)
    # lean: the mean of the two sides, where any roll cancels; 0.4 deg, well inside the 2D SDD
    # of 1.3-2.3 deg (12 seeds: max error 0.24); each side also carries the roll's error
    assert lean.value == pytest.approx(truth["trunk_lean_deg"], abs=TOL_LEAN_DEG)
    assert lean.left == pytest.approx(truth["trunk_lean_deg_left"], abs=0.6)
    assert lean.right == pytest.approx(truth["trunk_lean_deg_right"], abs=0.6)
    tilted = abs(roll_deg) > F.ROLL_WARN_DEG
    assert (roll.reason is not None and "tilted" in roll.reason) is tilted
    assert (lean.reason is not None and "tilted" in lean.reason) is tilted


def test_uncorrected_roll_would_fake_lean_asymmetry():
    """The roll correction is what keeps the sides apart: without it 4 deg roll shows as L/R."""
    spec = RunnerSpec(view="rear", duration_s=8.0, trunk_lean_deg=3.0, camera_roll_deg=4.0)
    r = generate_run(spec)
    cleaned = clean(r.tracks, view="rear").tracks
    strides = stride_table(detect_contacts(cleaned), cleaned)
    ok = strides[strides[C.USABLE]]
    plane = F.runner_plane_px(cleaned, "rear", 0.0)  # roll not undone
    series = F.trunk_lateral_deg(plane)
    peaks = F.stance_peaks(lambda side: (1 if side == "left" else -1) * series, cleaned.time_s, ok)
    left = np.nanmean(peaks[ok[C.SIDE].to_numpy() == "left"])
    right = np.nanmean(peaks[ok[C.SIDE].to_numpy() == "right"])
    assert abs(left - right) == pytest.approx(8.0, abs=0.5)  # 2 x roll
    m, _ = analyse(r.tracks, "rear")
    assert abs(m["trunk_lean_deg"].left - m["trunk_lean_deg"].right) < 0.3


# --------------------------------------------------------------------------- rear vs front


def as_front(tracks: PoseTracks) -> PoseTracks:
    """The front view of a rear-view clip (orthographic camera): the picture flipped
    left-right, the labels kept (the runner's left now appears on image-right)."""
    image = tracks.image_xy_px.copy()
    image[..., 0] = tracks.width_px - image[..., 0]
    world = tracks.world_xyz_m.copy()
    world[..., 0] *= -1
    world[..., 2] *= -1
    return tracks.replace(image_xy_px=image, world_xyz_m=world)


def lean_more_on_left_stance(tracks: PoseTracks, truth, extra_px: float) -> PoseTracks:
    """Shift the shoulders toward the runner's left during left stances (rear view)."""
    image = tracks.image_xy_px.copy()
    t = tracks.time_s
    for strike, toe_off in zip(
        truth.event_times("left", "foot_strike"), truth.event_times("left", "toe_off"), strict=False
    ):
        s = np.clip((t - strike) / (toe_off - strike), 0, 1)
        bump = np.where((t >= strike) & (t <= toe_off), np.sin(np.pi * s) ** 2, 0.0)
        for name in ("left_shoulder", "right_shoulder"):
            image[:, INDEX[name], 0] -= extra_px * bump  # rear view: runner's left = image-left
    return tracks.replace(image_xy_px=image)


def test_rear_and_front_views_give_the_same_runner_side_results():
    spec = RunnerSpec(view="rear", duration_s=8.0, trunk_lean_deg=2.0, seed=4, noise_px=0.5)
    r = generate_run(spec)
    rear = lean_more_on_left_stance(r.tracks, r.truth, extra_px=12.0)
    m_rear, _ = analyse(rear, "rear")
    m_front, _ = analyse(as_front(rear), "front")
    lean_r, lean_f = m_rear["trunk_lean_deg"], m_front["trunk_lean_deg"]
    # the extra lean is on the runner's left in both views (12 px on a ~220 px trunk: ~3 deg)
    assert lean_r.left - lean_r.right > 2.0
    assert lean_f.left - lean_f.right > 2.0
    # the roll is the picture's, not the runner's: the flipped picture is turned the other way
    assert m_front["camera_roll_deg"].value == pytest.approx(-m_rear["camera_roll_deg"].value)
    for name, m in m_rear.items():
        if name == "camera_roll_deg":
            continue
        for field in ("value", "left", "right"):
            a, b = getattr(m, field), getattr(m_front[name], field)
            assert (a is None) == (b is None), (name, field)
            if a is not None:
                assert a == pytest.approx(b, abs=1e-6), (name, field)


def test_generator_front_view_equals_flipped_rear_view():
    """The synthetic front view is the mirror picture with the labels kept, as used above."""
    base = {"duration_s": 4.0, "lateral_drift_pct": 45.0, "trunk_lean_deg": 4.0}
    rear = generate_run(RunnerSpec(view="rear", **base)).tracks
    front = generate_run(RunnerSpec(view="front", **base)).tracks
    np.testing.assert_allclose(as_front(rear).image_xy_px, front.image_xy_px, atol=1e-6)


# --------------------------------------------------------------------------- pelvis, knee, feet


def test_pelvic_drop_is_not_reported_but_the_hip_line_tilt_is_kept_for_synthetic_checks():
    m, truth, _ = run(pelvic_drop_deg=8.0, seed=9, **MESSY)
    drop = m["pelvic_drop_deg"]
    assert drop.value is None and "not measured" in drop.reason
    tilt = m["hip_line_tilt_deg"]
    # synthetic hip landmarks are the joint centres, so the line follows the drop here
    # (0.6 deg: 1 px jitter on the 77 px hip line, averaged over the stance peaks)
    assert tilt.value == pytest.approx(truth["pelvic_drop_deg"], abs=0.6)
    assert "does not follow the pelvis" in tilt.accuracy


def projection_angle_deg(plane: np.ndarray, side: str) -> np.ndarray:
    """``(T,)`` frontal-plane knee angle written from its definition, apart from the package.

    The angle between thigh and shank is ``180 - (the inner angle at the knee)``; it is positive
    (valgus) when the knee lies medial of the straight line from hip to ankle. ``plane`` holds
    ``(lateral to the runner's left, up)`` coordinates of the 33 landmarks.
    """
    hip, knee, ankle = (plane[:, INDEX[f"{side}_{part}"]] for part in ("hip", "knee", "ankle"))
    to_hip, to_ankle = hip - knee, ankle - knee
    cos_inner = np.sum(to_hip * to_ankle, axis=-1) / (
        np.linalg.norm(to_hip, axis=-1) * np.linalg.norm(to_ankle, axis=-1)
    )
    inner_deg = np.degrees(np.arccos(np.clip(cos_inner, -1.0, 1.0)))
    along = (knee[:, 1] - hip[:, 1]) / (ankle[:, 1] - hip[:, 1])
    line_left = hip[:, 0] + along * (ankle[:, 0] - hip[:, 0])  # the hip-ankle line at knee height
    medial = line_left - knee[:, 0] if side == "left" else knee[:, 0] - line_left
    return np.sign(medial) * (180.0 - inner_deg)


def true_knee_projection_deg(spec: RunnerSpec) -> float:
    """Peak frontal-plane knee angle in stance, from the model's 3-D joints (no camera)."""
    model = build_model(spec)
    side = "left"
    t = model.first_strike_s[side] + model.contact_s[side] * np.linspace(0, 1, 401)
    pose = pose_at(model, t)
    plane = np.zeros((t.size, pose.shape[1], 2))
    plane[..., 0], plane[..., 1] = pose[..., LAT], pose[..., UP]
    return float(np.max(projection_angle_deg(plane, side)))


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("offset", [-12.0, 0.0, 5.0, 20.0])
def test_knee_projection_series_on_a_drawn_leg(side, offset):
    """Hip 100 px above the ankle, the knee halfway down and ``offset`` px medial: the thigh
    and the shank each lean atan(offset / 50) from the hip-ankle line, so the angle between
    them is twice that (positive medial = valgus, negative = varus)."""
    medial_to_left = -1.0 if side == "left" else 1.0  # the left leg's medial side is the right
    plane = np.zeros((1, len(INDEX), 2))
    plane[0, INDEX[f"{side}_hip"]] = (0.0, 100.0)
    plane[0, INDEX[f"{side}_knee"]] = (medial_to_left * offset, 50.0)
    plane[0, INDEX[f"{side}_ankle"]] = (0.0, 0.0)
    expected = 2.0 * np.degrees(np.arctan(offset / 50.0))
    assert F.knee_projection_series_deg(plane, side)[0] == pytest.approx(expected, abs=1e-9)
    assert projection_angle_deg(plane, side)[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("valgus_deg", [0.0, 10.0, 20.0])
@pytest.mark.parametrize("view", ["rear", "front"])
def test_knee_frontal_projection_angle(view, valgus_deg):
    spec = RunnerSpec(view=view, duration_s=8.0, knee_valgus_deg=valgus_deg, seed=1, **MESSY)
    m, _ = analyse(generate_run(spec).tracks, view)
    truth = true_knee_projection_deg(spec)
    # a rotation of the knee about the hip-ankle axis shows in the frontal plane as at most
    # itself and, at running knee bends, at least half of it (none for no rotation)
    assert 0.5 * valgus_deg - 1e-4 <= truth <= valgus_deg + 1e-4
    got = m["knee_frontal_projection_deg"]
    # 1.2 deg: 1 px jitter on a ~190 px thigh/shank is 0.3 deg per segment per frame, and the
    # peak of a noisy stance is biased up by about one sd (12 seeds: max error 0.85)
    assert got.value == pytest.approx(truth, abs=README_FIGURES["knee_frontal_projection_deg"])
    assert "low validity" in got.accuracy


@pytest.mark.parametrize("width_leg", [-0.04, 0.05, 0.12])
def test_step_width_and_crossover(width_leg):
    spec = RunnerSpec(view="front", duration_s=8.0, step_width_leg=width_leg, seed=6, **MESSY)
    r = generate_run(spec)
    # the true leg length in pixels, so the test checks the width itself (the pipeline's
    # leg-length estimate reads 3-8% short in rear/front views; see the report)
    m, _ = analyse(r.tracks, "front", leg_px=r.truth.values["leg_length_px"])
    signed_truth = width_leg  # the truth key is unsigned; the spec's sign is the crossover
    assert r.truth.values["step_width_leg"] == pytest.approx(abs(width_leg))
    # 0.005 leg lengths (about 2 px here): 1 px jitter, median over each contact and mean over
    # ~25 steps (12 seeds: max error 0.001)
    assert m["step_width_leg"].value == pytest.approx(signed_truth, abs=TOL_STEP_WIDTH_LEG)
    crossover = m["crossover_steps_pct"].value
    assert crossover == (100.0 if width_leg < 0 else 0.0)


@pytest.mark.parametrize("seed", HELD_OUT_SEEDS)
def test_held_out_seeds_meet_the_tolerances(seed):
    """Each tolerance above, on a runner of a seed it was not set on, rear and front alike."""
    view = "rear" if seed % 2 else "front"
    m, truth, _ = run(
        view=view, lateral_drift_pct=35.0, trunk_lean_deg=6.0, camera_roll_deg=-4.0,
        knee_valgus_deg=10.0, seed=seed, **MESSY,
    )  # fmt: skip
    assert m["lateral_drift_pct"].value == pytest.approx(
        truth["lateral_drift_pct"], abs=TOL_DRIFT_PCT
    )
    assert m["camera_roll_deg"].value == pytest.approx(-4.0, abs=TOL_ROLL_DEG)
    assert m["trunk_lean_deg"].value == pytest.approx(truth["trunk_lean_deg"], abs=TOL_LEAN_DEG)
    spec = RunnerSpec(
        view=view, duration_s=8.0, knee_valgus_deg=10.0, seed=seed, **MESSY
    )  # fmt: skip
    knee, _ = analyse(generate_run(spec).tracks, view)
    assert knee["knee_frontal_projection_deg"].value == pytest.approx(
        true_knee_projection_deg(spec), abs=README_FIGURES["knee_frontal_projection_deg"]
    )
    width = RunnerSpec(view=view, duration_s=8.0, step_width_leg=0.05, seed=seed, **MESSY)
    r = generate_run(width)
    wm, _ = analyse(r.tracks, view, leg_px=r.truth.values["leg_length_px"])
    assert wm["step_width_leg"].value == pytest.approx(0.05, abs=TOL_STEP_WIDTH_LEG)


# --------------------------------------------------------------------------- edge cases


def test_too_few_strides_gives_no_values_with_a_reason():
    spec = RunnerSpec(view="rear", duration_s=2.0)
    m, strides = analyse(generate_run(spec).tracks, "rear")
    assert int(strides[C.USABLE].sum()) < 2 * 4
    for name in ("lateral_drift_pct", "trunk_lean_deg", "step_width_leg"):
        assert m[name].value is None
        assert "too few usable strides" in m[name].reason


def test_view_must_be_rear_or_front():
    tracks = generate_run(RunnerSpec(view="rear", duration_s=2.0)).tracks
    with pytest.raises(ValueError, match="Allowed values are 'rear' and 'front'"):
        F.frontal_metrics(tracks, stride_table(detect_contacts(tracks), tracks), view="side",
                          leg_px=300.0, min_per_side=CFG.min_steps_per_side)  # fmt: skip


# --------------------------------------------------------------------------- the finding


def finding_for(tracks: PoseTracks):
    """Classify the view, measure and judge hip weakness through the framework."""
    view = classify_view(tracks)
    metrics: dict = {}
    steps = {"left": 0, "right": 0}
    if view.label in ("rear", "front"):
        metrics, strides = analyse(tracks, view.label)
        ok = strides[strides[C.USABLE]]
        steps = {s: int((ok[C.SIDE] == s).sum()) for s in steps}
    finding = assess_pattern(
        "hip_weakness",
        views=[view.label],
        metrics=metrics,
        pattern_cfg=CFG.hip_weakness,
        steps_per_side=steps,
        min_steps_per_side=CFG.min_steps_per_side,
        clip="synthetic.mp4",
    )
    return view, finding


def test_side_view_gives_hip_weakness_not_assessed():
    tracks = generate_run(RunnerSpec(view="side", duration_s=8.0, lateral_drift_pct=80.0)).tracks
    view, finding = finding_for(tracks)
    assert view.label == "side"
    assert finding.status == "not_assessed"
    assert finding.evidence == () and finding.exercises == ()


@pytest.mark.parametrize(
    ("drift_pct", "lean_deg", "status"),
    [(15.0, 1.0, "not_flagged"), (65.0, 1.0, "flagged"), (15.0, 8.0, "flagged")],
)
def test_hip_weakness_finding_names_each_sign_value_and_trust(drift_pct, lean_deg, status):
    spec = RunnerSpec(view="front", duration_s=8.0, lateral_drift_pct=drift_pct,
                      trunk_lean_deg=lean_deg, camera_roll_deg=2.0, seed=8, **MESSY)  # fmt: skip
    view, finding = finding_for(generate_run(spec).tracks)
    assert view.label == "front"
    assert finding.status == status
    ev = {e.metric: e for e in finding.evidence}
    assert set(ev) == {"lateral_drift_pct", "trunk_lean_deg", "pelvic_drop_deg"}
    for name in ("lateral_drift_pct", "trunk_lean_deg"):
        assert ev[name].role == "primary"
        assert ev[name].value is not None and ev[name].met is not None
        assert ev[name].trust and ev[name].source.startswith("none: ")
    assert ev["lateral_drift_pct"].met is (drift_pct > 40)
    assert ev["trunk_lean_deg"].met is (lean_deg > 5)
    # pelvic drop is a primary sign when stickers give it; landmarks never do
    drop = ev["pelvic_drop_deg"]
    assert drop.role == "primary" and drop.value is None and drop.met is None
    assert "not measured" in drop.note
    assert bool(finding.exercises) is (status == "flagged")


def test_hip_weakness_thresholds_have_sources_or_rationales():
    signs = default_table()["findings"]["hip_weakness"]["signs"]
    assert {"lateral_drift_pct", "trunk_lean_deg"} <= set(signs)
    for name, sign in signs.items():
        assert sign["source"] != "none" or len(sign.get("rationale", "")) > 40, name
    primary = [n for n, s in signs.items() if s["role"] == "primary"]
    assert "pelvic_drop_deg" in primary  # measured from stickers only (gaitlab.metrics.pelvis)


def test_metrics_carry_the_common_fields():
    m, _, _ = run(seed=12)
    for name, metric in m.items():
        assert metric.name == name and metric.view_needed == "rear/front"
        assert metric.clip == "synthetic.mp4"
        if metric.value is not None and name not in ("camera_roll_deg",):
            assert metric.n_strides > 0 and metric.accuracy, name
            assert metric.left is not None and metric.right is not None, name
    # the checks above ran on real values: a clear synthetic runner gives these
    measured = {"lateral_drift_pct", "trunk_lean_deg", "knee_frontal_projection_deg"}
    assert {name for name, metric in m.items() if metric.value is not None} >= measured
    assert dataclasses.asdict(m["trunk_lean_deg"])["unit"] == "deg"
