"""Side-view metrics against synthetic runners with a known answer, and on the real clip.

Two levels:

* with the stride table built from the *true* events, each metric is checked against the
  synthetic truth with a tight tolerance: this is the metric's own error (sampling at the frame
  rate, interpolation between frames);
* through the whole pipeline (clean -> detect_contacts -> stride_table -> metrics), with the
  tolerances allowing 20 ms of event timing error (the detector is another module).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitlab.config import load_defaults
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.metrics.sagittal import (
    camera_roll_deg,
    foot_strike_pattern,
    near_side,
    roll_correction_deg,
    running_frame,
    sagittal_metrics,
    segment_angle_deg,
)
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX, MIRROR_INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import clean
from gaitlab.signals.view import classify_view
from gaitlab.synthetic import RunnerSpec, SyntheticRun, cohort, generate_run, spec_problems
from gaitlab.synthetic.kinematics import FWD, build_model, pose_at

from .mirror import mirror_tracks

DATA = Path(__file__).parent / "data"
#: Usable strides per side for a value, as the analysis asks ([findings] min_steps_per_side).
MIN_STEPS = load_defaults().findings.min_steps_per_side

#: Measured metric name -> synthetic truth key.
TRUTH = {
    "foot_strike_ahead_leg": "overstride_leg",
    "toe_off_behind_leg": "toe_off_behind_leg",
    "shank_angle_strike_deg": "shank_angle_strike_deg",
    "knee_flexion_strike_deg": "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg": "knee_flexion_peak_stance_deg",
    "hip_extension_deg": "hip_extension_deg",
    "foot_angle_strike_deg": "foot_angle_strike_deg",
    "trunk_forward_lean_deg": "trunk_forward_lean_deg",
    "step_length_leg": "step_length_leg",
    "contact_length_leg": "contact_length_leg",
}

#: Tolerances with the true events (the metric's own error). Angles at the strike are read
#: from positions interpolated linearly between the last swing frame and the first stance
#: frame; the leg's motion bends at the strike (the knee stops straightening, the foot starts
#: turning flat, and the heel lands with a speed, stopping at once), so at 30 fps these angles
#: are off by up to 1.3 deg (shank), 2.7 deg (knee) and 1.7 deg (foot) on these runners; the
#: stance peak of the knee is refined by a parabola through unevenly spaced samples (within
#: 1 deg at 30 fps).
TOL_TRUE_EVENTS = {
    "foot_strike_ahead_leg": 0.01,
    "toe_off_behind_leg": 0.01,
    "shank_angle_strike_deg": 1.5,
    "knee_flexion_strike_deg": 3.0,
    "knee_flexion_peak_stance_deg": 1.2,
    "hip_extension_deg": 0.6,
    "foot_angle_strike_deg": 2.0,
    "trunk_forward_lean_deg": 0.05,
    "step_length_leg": 0.01,
    "contact_length_leg": 0.01,
}

#: Tolerances through the whole pipeline (events detected), measured: the largest error over
#: 81 runs (the three runners below and 24 runners sampled from PIPELINE_RANGES with seeds 515
#: and 9091, each at 30, 60 and 120 fps) plus about 10 %; held-out runners of another seed
#: (HELD_OUT_SEED) must meet them (:func:`test_held_out_runners_meet_the_pipeline_tolerances`).
#: At the strike the detector's timing moves the angles *at* the strike: at 30 fps by up to
#: 7.0 deg (shank, knee) and 7.4 deg (foot), at 60 fps and more by up to 3.2 (shank),
#: 4.8 (knee; it reads 2-5 deg high at every frame rate) and 2.6 deg (foot); hence a 30 fps
#: tolerance for those three (at 30 fps the foot angle's error is as wide as the gap between
#: the strike-pattern cut-offs, which the metric's accuracy sentence says). Peaks (knee, thigh)
#: and stride-long quantities hardly depend on event timing and keep tight tolerances.
TOL_PIPELINE = {
    "foot_strike_ahead_leg": 0.08,  # largest 0.071
    # toe-off and contact length read long: the side-view detector times the toe-off when the
    # foot's backward speed falls (fitted on real labelled toe-offs), 12-16 ms after the synthetic
    # runner's own toe-off instant (tests/test_events.py); measured up to 0.051 and +14 %
    "toe_off_behind_leg": 0.06,
    "shank_angle_strike_deg": 3.5,  # 3.2
    "knee_flexion_strike_deg": 5.5,  # 4.8
    "knee_flexion_peak_stance_deg": 1.0,  # 0.2, against the model's mid-stance peak (below)
    "hip_extension_deg": 1.0,  # 0.87
    "foot_angle_strike_deg": 3.0,  # 2.6
    "trunk_forward_lean_deg": 0.1,  # 0.0
    "step_length_leg": 0.01,  # relative; 0.006
    "contact_length_leg": 0.16,  # relative; see toe_off_behind_leg
}
#: At 30 fps (one frame is 33 ms) the angles at the strike: largest 7.0, 7.0 and 7.4 deg.
TOL_PIPELINE_30FPS = TOL_PIPELINE | {
    "shank_angle_strike_deg": 8.0,
    "knee_flexion_strike_deg": 8.0,
    "foot_angle_strike_deg": 8.0,
}
#: Share of stance with the ankle behind the hips: largest error 3.8 points.
TOL_STANCE_BEHIND_PCT = 4.5
#: Runners sampled across the side-view ranges (no tracking noise: the metric and the events).
PIPELINE_RANGES = dict(
    duration_s=8.0,
    phase_offset=(0.0, 1.0),
    facing=["left", "right"],
    hip_extension_deg=(2.0, 20.0),
    overstride_leg=(0.05, 0.4),
    contact_time_ms=(200.0, 290.0),
    cadence_spm=(155.0, 185.0),
    foot_angle_strike_deg=(-10.0, 20.0),
    trunk_forward_lean_deg=(0.0, 15.0),
    knee_flexion_strike_deg=(5.0, 25.0),
    knee_flexion_peak_stance_deg=(32.0, 50.0),
)
#: A seed the tolerances above were not set on.
HELD_OUT_SEED = 4242

#: phase_offset 0.1: no frame falls exactly on an event instant (at 60 fps and 180 steps/min
#: frames and events coincide otherwise, and the synthetic runner's knee is not defined exactly
#: at the end of its swing, see the report).
RUNNERS = {
    "typical": RunnerSpec(duration_s=8.0, phase_offset=0.1),
    "tight_overstrider": RunnerSpec(
        duration_s=8.0,
        phase_offset=0.1,
        hip_extension_deg=4.0,
        overstride_leg=0.3,
        foot_angle_strike_deg=18.0,
        cadence_spm=160.0,
        contact_time_ms=270.0,
        trunk_forward_lean_deg=12.0,
    ),
    "forefoot_fast": RunnerSpec(
        duration_s=8.0,
        phase_offset=0.1,
        hip_extension_deg=16.0,
        overstride_leg=0.08,
        foot_angle_strike_deg=-8.0,
        cadence_spm=180.0,
        contact_time_ms=210.0,
        trunk_forward_lean_deg=4.0,
    ),
}


def true_contacts(run: SyntheticRun) -> pd.DataFrame:
    """The contact table of the synthetic run's true events."""
    t = run.clean_tracks.time_s
    rows = []
    for side in ("left", "right"):
        offs = run.truth.event_times(side, "toe_off")
        for fs in run.truth.event_times(side, "foot_strike"):
            later = offs[offs > fs]
            to = float(later[0]) if later.size else np.nan
            ok = bool(np.isfinite(to))
            rows.append(
                {
                    C.SIDE: side,
                    C.FOOT_STRIKE_S: float(fs),
                    C.TOE_OFF_S: to,
                    C.FOOT_STRIKE_FRAME: int(np.argmin(np.abs(t - fs))),
                    C.TOE_OFF_FRAME: int(np.argmin(np.abs(t - to))) if ok else None,
                    C.CONTACT_TIME_S: to - fs,
                    C.QUALITY: C.QUALITY_OK if ok else C.FLAG_NO_TOE_OFF,
                    C.USABLE: ok,
                }
            )
    df = pd.DataFrame(rows, columns=list(C.CONTACT_COLUMNS))
    df = df.astype({C.FOOT_STRIKE_FRAME: "Int64", C.TOE_OFF_FRAME: "Int64", C.USABLE: bool})
    return df.sort_values(C.FOOT_STRIKE_S).reset_index(drop=True)


def measure(tracks: PoseTracks, strides: pd.DataFrame, facing: str, **kw):
    kw.setdefault("min_per_side", MIN_STEPS)
    return sagittal_metrics(tracks, strides, facing=facing, leg_px=leg_length_px(tracks), **kw)


def pipeline(tracks: PoseTracks, **kw):
    """View, cleaning, events, strides and the sagittal metrics of a clip."""
    view = classify_view(tracks)
    assert view.label == "side"
    cleaned = clean(tracks, view="side").tracks
    strides = stride_table(detect_contacts(cleaned), cleaned)
    return measure(cleaned, strides, view.facing, **kw), strides


def true_stance_behind_pct(spec: RunnerSpec) -> float:
    """Share of stance with the stance ankle behind the hip midpoint, from the motion model
    sampled densely (the truth has no such key)."""
    m = build_model(spec)
    shares = []
    for side in ("left", "right"):
        t = m.first_strike_s[side] + np.linspace(0.0, m.contact_s[side], 4001)
        pose = pose_at(m, t)
        hips = 0.5 * (pose[:, INDEX["left_hip"], FWD] + pose[:, INDEX["right_hip"], FWD])
        shares.append(np.mean(pose[:, INDEX[f"{side}_ankle"], FWD] < hips) * 100)
    return float(np.mean(shares))


# ----------------------------------------------------------------------------- accuracy
@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_metrics_match_truth_with_true_events(runner: str, fps: float):
    spec = dataclasses.replace(RUNNERS[runner], fps=fps)
    run = generate_run(spec)
    tracks = run.clean_tracks
    m = measure(tracks, stride_table(true_contacts(run), tracks), spec.facing)
    for name, key in TRUTH.items():
        truth = run.truth.values[key]
        assert m[name].value == pytest.approx(truth, abs=TOL_TRUE_EVENTS[name]), name
    assert m["stance_behind_hips_pct"].value == pytest.approx(true_stance_behind_pct(spec), abs=1)


def expected_value(run: SyntheticRun, name: str) -> float:
    """The synthetic truth of a measured metric.

    ``knee_flexion_peak_stance_deg``: the motion model's mid-stance peak, which is the spec's
    value by construction (the knee rises to it by 45 % of stance). The truth key of that name
    is the largest flexion over the whole stance, and on some runners the model bends the
    knee further at toe-off (up to 12 deg more), which is push-off, not the stance peak the
    metric reads (20-80 % of stance).
    """
    if name == "knee_flexion_peak_stance_deg":
        return float(run.truth.spec.knee_flexion_peak_stance_deg)
    return float(run.truth.values[TRUTH[name]])


def check_pipeline(spec: RunnerSpec) -> None:
    """Every side-view metric of a run through the pipeline, within its tolerance."""
    run = generate_run(spec)
    m, _ = pipeline(run.clean_tracks)
    tolerances = TOL_PIPELINE_30FPS if spec.fps < 45 else TOL_PIPELINE
    wrong = {}
    for name in TRUTH:
        truth = expected_value(run, name)
        tol = tolerances[name]
        if name in ("step_length_leg", "contact_length_leg"):
            tol = tol * truth  # relative
        if m[name].value is None or abs(m[name].value - truth) > tol:
            wrong[name] = (m[name].value, truth, tol)
    assert not wrong, wrong
    assert m["stance_behind_hips_pct"].value == pytest.approx(
        true_stance_behind_pct(spec), abs=TOL_STANCE_BEHIND_PCT
    )


@pytest.mark.parametrize("fps", [30.0, 60.0, 120.0])
@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_metrics_match_truth_through_the_pipeline(runner: str, fps: float):
    check_pipeline(dataclasses.replace(RUNNERS[runner], fps=fps))


@pytest.mark.parametrize("index", [0, 1, 2])
def test_held_out_runners_meet_the_pipeline_tolerances(index: int):
    """Runners of a seed the tolerances were not set on, one at 30 and one at 60 fps."""
    specs = [s for s in cohort(12, seed=HELD_OUT_SEED, **PIPELINE_RANGES) if not spec_problems(s)]
    for fps in (30.0, 60.0):
        check_pipeline(dataclasses.replace(specs[index], fps=fps))


def test_noisy_tracks_with_dropouts_and_swaps_stay_within_tolerance():
    # 2 px noise (about 0.5% of the leg), 5% of frames dropped, 2% swapped
    spec = dataclasses.replace(
        RUNNERS["typical"], noise_px=2.0, dropout_frac=0.05, swap_frac=0.02, seed=7
    )
    run = generate_run(spec)
    m, _ = pipeline(run.tracks)
    # thigh angle from two landmarks 190 px apart: 2 px noise is 0.6 deg per frame; the peak
    # over the late-stance frames reads a little high
    assert m["hip_extension_deg"].value == pytest.approx(
        run.truth.values["hip_extension_deg"], abs=2
    )
    # event timing (see TOL_PIPELINE) plus noise on the heel and both hips
    assert m["foot_strike_ahead_leg"].value == pytest.approx(
        run.truth.values["overstride_leg"], abs=0.06
    )
    assert m["step_length_leg"].value == pytest.approx(
        run.truth.values["step_length_leg"], rel=0.03
    )


# ----------------------------------------------------------------------------- symmetry
def test_mirrored_clip_gives_the_same_numbers_with_sides_exchanged():
    spec = dataclasses.replace(RUNNERS["tight_overstrider"], noise_px=1.5, seed=3)
    run = generate_run(spec)
    a, _ = pipeline(run.tracks)
    b, _ = pipeline(mirror_tracks(run.tracks))
    for name, ma in a.items():
        mb = b[name]
        sign = -1.0 if name == "camera_roll_deg" else 1.0  # a mirror turns a roll around
        pairs = [(ma.value, mb.value)]
        if name != "camera_roll_deg":
            pairs += [(ma.left, mb.right), (ma.right, mb.left)]
        for x, y in pairs:
            assert (x is None and y is None) or y == pytest.approx(sign * x, abs=1e-6), name
    assert a["hip_extension_deg"].reason != b["hip_extension_deg"].reason  # names its leg


def test_runner_facing_right_reads_as_facing_left():
    # the same runner filmed from the other side: each leg gives the same numbers (the
    # headline values differ a little, being the other, nearer, leg's)
    left = generate_run(RUNNERS["typical"])
    right = generate_run(dataclasses.replace(RUNNERS["typical"], facing="right"))
    a, _ = pipeline(left.clean_tracks)
    b, _ = pipeline(right.clean_tracks)
    for name in TRUTH:
        for side in ("left", "right"):
            x, y = getattr(a[name], side), getattr(b[name], side)
            assert (x is None and y is None) or y == pytest.approx(x, abs=1e-6), (name, side)


def test_wrong_facing_is_refused_with_the_allowed_values():
    run = generate_run(RUNNERS["typical"])
    with pytest.raises(ValueError, match="'left' and 'right'"):
        measure(run.clean_tracks, stride_table(true_contacts(run), run.clean_tracks), "up")


# ----------------------------------------------------------------------------- camera roll
@pytest.mark.parametrize("roll", [-5.0, 1.5, 4.0])
def test_camera_roll_is_found_from_the_upper_body_bounce(roll: float):
    spec = dataclasses.replace(RUNNERS["typical"], camera_roll_deg=roll, noise_px=1.0)
    run = generate_run(spec)
    tracks = clean(run.tracks, view="side").tracks
    # 0.8 deg: the largest error over 200 noisy runners of the synthetic cohort
    assert camera_roll_deg(tracks, step_hz=spec.cadence_spm / 60) == pytest.approx(roll, abs=0.8)


def test_roll_beyond_the_dead_zone_is_undone_by_the_excess():
    assert roll_correction_deg(None) == 0.0
    assert roll_correction_deg(1.5, dead_zone_deg=2.0) == 0.0
    assert roll_correction_deg(-5.0, dead_zone_deg=2.0) == pytest.approx(-3.0)
    truth = generate_run(RUNNERS["typical"]).truth.values["hip_extension_deg"]
    for roll in (-6.0, 6.0):
        spec = dataclasses.replace(RUNNERS["typical"], camera_roll_deg=roll)
        run = generate_run(spec)
        fixed, _ = pipeline(run.clean_tracks)
        raw, _ = pipeline(run.clean_tracks, correct_roll=False)
        # uncorrected, the roll goes straight into the thigh angle; corrected, 2 deg remain
        assert abs(raw["hip_extension_deg"].value - truth) == pytest.approx(6.0, abs=0.7)
        assert abs(fixed["hip_extension_deg"].value - truth) == pytest.approx(2.0, abs=0.7)
        assert raw["camera_roll_deg"].value is None
        assert "turned back" in fixed["camera_roll_deg"].reason


# ----------------------------------------------------------------------------- conventions
def test_segment_angles_follow_the_synthetic_convention():
    hip = np.array([0.0, 1.0])
    assert segment_angle_deg(hip, np.array([-1.0, 0.0])) == pytest.approx(45.0)  # knee behind
    assert segment_angle_deg(hip, np.array([1.0, 0.0])) == pytest.approx(-45.0)
    tracks = generate_run(dataclasses.replace(RUNNERS["typical"], duration_s=1.0)).clean_tracks
    left = running_frame(tracks, facing="left")
    mirrored = running_frame(mirror_tracks(tracks), facing="right")
    back = list(MIRROR_INDEX)  # the mirrored clip's labels, exchanged back
    d = left - left[:, :1]
    e = mirrored[:, back] - mirrored[:, back][:, :1]
    np.testing.assert_allclose(d, e, atol=1e-9)


@pytest.mark.parametrize(
    ("angle", "label"),
    [
        (15.0, "rearfoot"),
        (7.5, "rearfoot"),
        (3.0, "midfoot"),
        (-0.5, "midfoot"),
        (-1.0, "forefoot"),
    ],
)
def test_foot_strike_pattern_cut_offs(angle: float, label: str):
    assert foot_strike_pattern(angle) == label
    assert foot_strike_pattern(float("nan")) is None


@pytest.mark.parametrize(
    ("runner", "label"), [("tight_overstrider", "rearfoot"), ("forefoot_fast", "forefoot")]
)
def test_strike_pattern_is_labelled(runner: str, label: str):
    m, _ = pipeline(generate_run(RUNNERS[runner]).clean_tracks)
    assert m["foot_angle_strike_deg"].label == label
    assert m["foot_strike_pattern"].label == label
    assert m["foot_strike_pattern"].value == pytest.approx(100.0)
    assert m["foot_strike_pattern"].unit == "% of strikes"


@pytest.mark.parametrize(
    ("facing", "near", "expected"),
    [("left", None, "left"), ("right", None, "right"), ("left", "right", "right")],
)
def test_near_leg_is_found_and_used_for_the_knee_and_hip_angles(facing, near, expected):
    spec = dataclasses.replace(RUNNERS["typical"], facing=facing, near_side=near, duration_s=4.0)
    run = generate_run(spec)
    assert near_side(run.clean_tracks) == expected
    m, _ = pipeline(run.clean_tracks, min_per_side=4)  # a 4 s clip: 5 strides per leg
    ext = m["hip_extension_deg"]
    assert ext.value == pytest.approx(getattr(ext, expected), abs=1e-9)
    assert ext.reason.startswith(f"{expected} leg (nearer the camera)")
    assert m["foot_strike_ahead_leg"].reason is None  # both legs pooled


def test_tilt_and_pelvis_relative_hip_extension_are_reported_absent():
    m, _ = pipeline(generate_run(RUNNERS["typical"]).clean_tracks)
    tilt = m["anterior_pelvic_tilt_deg"]
    assert tilt.value is None and tilt.estimate is True
    assert tilt.reason.startswith("not measurable from this video")
    assert "benchmarks/render" in tilt.reason
    assert m["hip_extension_pelvis_deg"].value is None
    assert "tilt" in m["hip_extension_pelvis_deg"].reason


def test_step_length_in_metres_from_belt_speed_or_height():
    run = generate_run(RUNNERS["typical"])
    truth = run.truth.values
    none, _ = pipeline(run.clean_tracks)
    assert none["step_length_m"].value is None and "belt speed" in none["step_length_m"].reason
    belt, _ = pipeline(run.clean_tracks, belt_speed_m_s=truth["belt_speed_m_s"])
    # belt speed x measured step time: only timing error (one frame is 9% of a step at 30 fps,
    # averaged over about 20 steps)
    assert belt["step_length_m"].value == pytest.approx(truth["step_length_m"], rel=0.02)
    height, _ = pipeline(run.clean_tracks, height_m=truth["height_m"])
    assert height["step_length_m"].value == pytest.approx(truth["step_length_m"], rel=0.03)
    assert height["step_length_m"].estimate is True


def test_too_few_strides_give_no_value_and_say_why():
    run = generate_run(dataclasses.replace(RUNNERS["typical"], duration_s=2.0))
    m, strides = pipeline(run.clean_tracks)
    assert int(strides[C.USABLE].sum()) < 8
    for name in ("hip_extension_deg", "step_length_leg", "foot_strike_ahead_leg"):
        assert m[name].value is None
        assert "too few usable strides" in m[name].reason
    assert m["foot_strike_pattern"].value is None


# ----------------------------------------------------------------------------- real clip
@pytest.fixture(scope="module")
def male_side() -> tuple[dict, pd.DataFrame]:
    tracks = PoseTracks.load_npz(DATA / "male_side.tracks.npz")
    return pipeline(tracks, height_m=1.80)


#: Plausible ranges for a recreational runner on a treadmill (male_side.mp4: 169 steps/min,
#: rearfoot strike by eye). Wide on purpose: the clip has no ground truth; a value outside
#: means a sign or unit is wrong, not that the runner is unusual.
REAL_RANGES = {
    "foot_strike_ahead_leg": (0.0, 0.5),
    "toe_off_behind_leg": (0.05, 0.6),
    "stance_behind_hips_pct": (30.0, 90.0),
    "shank_angle_strike_deg": (-5.0, 25.0),
    "knee_flexion_strike_deg": (0.0, 30.0),
    "knee_flexion_peak_stance_deg": (20.0, 55.0),
    "hip_extension_deg": (0.0, 30.0),
    "foot_angle_strike_deg": (0.0, 35.0),
    "trunk_forward_lean_deg": (-5.0, 20.0),
    "step_length_leg": (0.9, 1.7),
    "contact_length_leg": (0.5, 1.3),
    "step_length_m": (0.8, 1.5),
    "camera_roll_deg": (-6.0, 6.0),
}


def test_real_clip_has_every_sagittal_metric_in_a_sane_range(male_side):
    m, strides = male_side
    assert int(strides[C.USABLE].sum()) >= 20
    for name, (lo, hi) in REAL_RANGES.items():
        assert m[name].value is not None, (name, m[name].reason)
        assert lo <= m[name].value <= hi, (name, m[name].value)
        assert m[name].view_needed == "side"
        assert m[name].accuracy
    assert m["foot_strike_pattern"].label == "rearfoot"
    assert m["hip_extension_deg"].reason.startswith("left leg")  # the camera sees the left side
    assert m["anterior_pelvic_tilt_deg"].value is None


def test_real_clip_mirrored_gives_the_same_numbers(male_side):
    m, _ = male_side
    tracks = mirror_tracks(PoseTracks.load_npz(DATA / "male_side.tracks.npz"))
    mirrored, _ = pipeline(tracks, height_m=1.80)
    for name in REAL_RANGES:
        expected = -m[name].value if name == "camera_roll_deg" else m[name].value
        assert mirrored[name].value == pytest.approx(expected, abs=1e-6), name
