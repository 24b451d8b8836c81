"""The synthetic runner checks its own truth against its clean landmarks.

Most tests use a clip whose events fall exactly on frames (cadence 150 spm = 0.8 s stride = 80
frames at 100 fps, contact 240 ms = 24 frames, so mid-stance is frame 12), and the default
scaled-orthographic camera, under which sagittal (side view) and frontal (rear view) angles
appear in the image unchanged. Tolerances are therefore numerical (1e-6 of a pixel or a degree)
unless a test says otherwise.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest

from gaitlab.pose.landmarks import INDEX, MIRROR_INDEX
from gaitlab.synthetic import RunnerSpec, SyntheticRun, cohort, generate_run
from gaitlab.synthetic.kinematics import build_model, pose_at

ON_FRAMES = RunnerSpec(cadence_spm=150.0, contact_time_ms=240.0, fps=100.0, duration_s=2.4)
STRIDE_FRAMES = 80
CONTACT_FRAMES = 24


@pytest.fixture(scope="module")
def side_run() -> SyntheticRun:
    return generate_run(ON_FRAMES)


@pytest.fixture(scope="module")
def rear_run() -> SyntheticRun:
    return generate_run(dataclasses.replace(ON_FRAMES, view="rear", pelvic_drop_deg=7.0))


def _xy(run: SyntheticRun, name: str) -> np.ndarray:
    return run.clean_tracks.xy(name)


def _height_px(run: SyntheticRun, name: str) -> np.ndarray:
    """Height above the ground (px): the ground line is where the standing body's feet are."""
    spec = run.truth.spec
    ground_y = spec.height_px / 2 + run.truth.values["px_per_m"] * spec.height_m / 2
    return ground_y - _xy(run, name)[:, 1]


def _frames(run: SyntheticRun, side: str, kind: str) -> np.ndarray:
    """Frame indices of one side's events (they fall exactly on frames in ON_FRAMES clips)."""
    frames = run.truth.event_times(side, kind) * run.truth.spec.fps
    assert np.allclose(frames, np.round(frames), atol=1e-9)
    return np.round(frames).astype(int)


def _angle_behind_deg(top: np.ndarray, bottom: np.ndarray, forward_x: float) -> np.ndarray:
    """Side-view segment angle from vertical, positive when ``bottom`` is behind ``top``."""
    d = top - bottom
    return np.degrees(np.arctan2(forward_x * d[:, 0], -d[:, 1]))


# ------------------------------------------------------------------ events and contact
def test_events_alternate_and_match_the_requested_timing(side_run):
    truth = side_run.truth
    strikes = {s: truth.event_times(s, "foot_strike") for s in ("left", "right")}
    toe_offs = {s: truth.event_times(s, "toe_off") for s in ("left", "right")}
    # cadence from the event times: two steps per stride
    stride_s = np.diff(strikes["left"]).mean()
    assert 120.0 / stride_s == pytest.approx(150.0, abs=1e-9)
    assert truth.values["cadence_spm"] == pytest.approx(150.0, abs=1e-9)
    # left strikes half a stride after right strikes; toe-off = strike + contact time
    assert np.allclose(strikes["left"] - strikes["right"][: len(strikes["left"])], 0.4)
    for side in ("left", "right"):
        first = toe_offs[side][0] < strikes[side][0]
        contact = toe_offs[side][int(first) :] - strikes[side][: len(toe_offs[side]) - first]
        assert np.allclose(contact, 0.240, atol=1e-12)
    assert truth.values["flight_time_ms"] == pytest.approx(400 - 240)
    assert truth.values["duty_factor_pct"] == pytest.approx(30.0)
    times = [e.time_s for e in truth.events]
    assert times == sorted(times)


@pytest.mark.parametrize("side", ["left", "right"])
def test_ground_contact_starts_at_strike_and_ends_at_toe_off(side_run, side):
    heel = _height_px(side_run, f"{side}_heel")
    toe = _height_px(side_run, f"{side}_foot_index")
    lowest = np.minimum(heel, toe)
    strikes = _frames(side_run, side, "foot_strike")
    toe_offs = _frames(side_run, side, "toe_off")
    on_ground = np.zeros(heel.size, dtype=bool)
    for f in strikes:
        on_ground[f : f + CONTACT_FRAMES + 1] = True
    # in contact: the lowest point is on the ground (1e-6 px: numerical)
    assert np.abs(lowest[on_ground]).max() < 1e-6
    # in the air: both points clearly above it (>0.2 px, even one frame from an event)
    assert lowest[~on_ground].min() > 0.2
    # rearfoot strike: the heel touches first, toe up; toe-off: the toe is the last point down
    for f in strikes:
        assert abs(heel[f]) < 1e-6 and toe[f] > 5
    for f in toe_offs:
        assert abs(toe[f]) < 1e-6 and heel[f] > 5


def test_forefoot_strike_lands_on_the_toe():
    run = generate_run(dataclasses.replace(ON_FRAMES, foot_angle_strike_deg=-12.0))
    heel = _height_px(run, "left_heel")
    toe = _height_px(run, "left_foot_index")
    for f in _frames(run, "left", "foot_strike"):
        assert abs(toe[f]) < 1e-6 and heel[f] > 5
        assert min(heel[f - 1], toe[f - 1]) > 0
    assert run.truth.values["foot_angle_strike_deg"] == pytest.approx(-12.0, abs=1e-9)


@pytest.mark.parametrize(
    ("foot_angle_strike_deg", "landing_point"), [(10.0, "heel"), (-12.0, "foot_index")]
)
def test_foot_lands_and_lifts_off_with_the_requested_vertical_speeds(
    foot_angle_strike_deg, landing_point
):
    # One-sided finite differences over 1e-5 s on the generated joints: the landing point meets
    # the ground moving down at touchdown_speed_m_s and stops (the impact); the toe leaves at
    # liftoff_speed_m_s. The foot's rotation rate is continuous, so heel, ankle and toe all get
    # the same vertical velocity jump. Tolerance 2e-3 m/s: the acceleration times 1e-5 s.
    spec = dataclasses.replace(
        ON_FRAMES, foot_angle_strike_deg=foot_angle_strike_deg, touchdown_speed_m_s=0.7,
        liftoff_speed_m_s=0.4,
    )  # fmt: skip
    model = build_model(spec)
    h = 1e-5

    def vertical_velocity(name: str, at: float, direction: float) -> float:
        z = pose_at(model, np.array([at, at + direction * h]))[:, INDEX[name], 2]
        return float((z[1] - z[0]) / (direction * h))

    strike = model.first_strike_s["left"] + model.stride_s
    toe_off = model.first_strike_s["left"] + model.contact_s["left"]
    lands = pose_at(model, np.array([strike]))[0, INDEX[f"left_{landing_point}"], 2]
    assert abs(lands) < 1e-9
    assert vertical_velocity(f"left_{landing_point}", strike, -1.0) == pytest.approx(-0.7, abs=2e-3)
    assert vertical_velocity(f"left_{landing_point}", strike, +1.0) == pytest.approx(0.0, abs=2e-3)
    assert vertical_velocity("left_foot_index", toe_off, -1.0) == pytest.approx(0.0, abs=2e-3)
    assert vertical_velocity("left_foot_index", toe_off, +1.0) == pytest.approx(0.4, abs=2e-3)
    for name in ("left_heel", "left_ankle", "left_foot_index"):
        for at, jump in ((strike, 0.7), (toe_off, 0.4)):
            change = vertical_velocity(name, at, +1.0) - vertical_velocity(name, at, -1.0)
            assert change == pytest.approx(jump, abs=4e-3)


def test_zero_touchdown_and_lift_off_speeds_give_tangential_contact():
    # The former model: the landing point settles and the toe lifts off with no speed.
    spec = dataclasses.replace(ON_FRAMES, touchdown_speed_m_s=0.0, liftoff_speed_m_s=0.0)
    model = build_model(spec)
    h = 1e-5
    strike = model.first_strike_s["left"] + model.stride_s
    toe_off = model.first_strike_s["left"] + model.contact_s["left"]
    heel = pose_at(model, np.array([strike - h, strike]))[:, INDEX["left_heel"], 2]
    toe = pose_at(model, np.array([toe_off, toe_off + h]))[:, INDEX["left_foot_index"], 2]
    assert abs(np.diff(heel)[0] / h) < 2e-3 and abs(np.diff(toe)[0] / h) < 2e-3
    with pytest.raises(ValueError, match="touchdown_speed_m_s"):
        generate_run(dataclasses.replace(spec, touchdown_speed_m_s=-0.1))


@pytest.mark.parametrize("overground_px_s", [0.0, 150.0])
def test_stance_foot_moves_with_the_ground(overground_px_s):
    spec = dataclasses.replace(ON_FRAMES, overground_speed_px_s=overground_px_s)
    run = generate_run(spec)
    belt_px_s = run.truth.values["belt_speed_px_s"]
    # runner faces image-left: the ground slides right at belt speed relative to the body,
    # and the body drifts left at the overground speed
    expected_px_s = belt_px_s - overground_px_s
    heel = _xy(run, "right_heel")[:, 0]
    toe = _xy(run, "right_foot_index")[:, 0]
    for f in _frames(run, "right", "foot_strike"):
        if f + CONTACT_FRAMES >= heel.size:
            continue
        flat = np.arange(f + 4, f + 14)  # 15-60 % of stance: foot flat, heel planted
        rolling = np.arange(f + 15, f + CONTACT_FRAMES + 1)  # heel rise: toe planted
        for x, frames in ((heel, flat), (toe, rolling)):
            speed = np.diff(x[frames]) * spec.fps
            assert np.allclose(speed, expected_px_s, atol=1e-6)
    assert run.truth.values["belt_speed_m_s"] * run.truth.values["px_per_m"] == pytest.approx(
        belt_px_s
    )


# ------------------------------------------------------------------ sagittal truth
def test_thigh_angle_at_toe_off_is_the_hip_extension_and_its_stance_peak(side_run):
    spec = side_run.truth.spec
    for side in ("left", "right"):
        thigh = _angle_behind_deg(_xy(side_run, f"{side}_hip"), _xy(side_run, f"{side}_knee"), -1)
        for f_strike, f_off in zip(
            _frames(side_run, side, "foot_strike"), _frames(side_run, side, "toe_off"), strict=False
        ):
            if f_off < f_strike:
                continue
            # 0.5 deg was the brief's tolerance; orthographic projection makes it exact
            assert thigh[f_off] == pytest.approx(spec.hip_extension_deg, abs=1e-6)
            assert thigh[f_strike : f_off + 1].max() == pytest.approx(thigh[f_off], abs=1e-9)
    assert side_run.truth.values["hip_extension_deg"] == pytest.approx(12.0, abs=1e-6)


def test_overstride_knee_and_shank_at_strike_match_the_truth(side_run):
    values = side_run.truth.values
    leg_px = values["leg_length_px"]
    for side in ("left", "right"):
        hip_mid = 0.5 * (_xy(side_run, "left_hip") + _xy(side_run, "right_hip"))
        heel, knee = _xy(side_run, f"{side}_heel"), _xy(side_run, f"{side}_knee")
        hip, ankle = _xy(side_run, f"{side}_hip"), _xy(side_run, f"{side}_ankle")
        toe = _xy(side_run, f"{side}_foot_index")
        thigh = _angle_behind_deg(hip, knee, -1)
        shank = _angle_behind_deg(knee, ankle, -1)
        for f in _frames(side_run, side, "foot_strike"):
            ahead_px = hip_mid[f, 0] - heel[f, 0]  # forward is image-left
            assert ahead_px / leg_px == pytest.approx(0.15, abs=1e-9)
            assert shank[f] - thigh[f] == pytest.approx(values["knee_flexion_strike_deg"], abs=1e-6)
            assert -shank[f] == pytest.approx(values["shank_angle_strike_deg"], abs=1e-6)
        for f in _frames(side_run, side, "toe_off"):
            behind_px = toe[f, 0] - hip_mid[f, 0]
            assert behind_px / leg_px == pytest.approx(values["toe_off_behind_leg"], abs=1e-9)
    # the requested knee angles are 3-D; their sagittal projections differ by a fraction of a degree
    assert values["knee_flexion_strike_deg"] == pytest.approx(15.0, abs=0.5)
    assert values["knee_flexion_peak_stance_deg"] == pytest.approx(40.0, abs=1.0)


def test_trunk_lean_and_vertical_oscillation_in_the_image(side_run):
    values = side_run.truth.values
    hip_mid = 0.5 * (_xy(side_run, "left_hip") + _xy(side_run, "right_hip"))
    shoulder_mid = 0.5 * (_xy(side_run, "left_shoulder") + _xy(side_run, "right_shoulder"))
    lean = _angle_behind_deg(shoulder_mid, hip_mid, -1)  # hip behind shoulder: forward lean
    assert np.allclose(lean, 8.0, atol=1e-6)
    # bounce: sampled frames can only miss the extremes, by at most 1 % of the bounce here
    bounce_px = np.ptp(hip_mid[:, 1])
    expected_px = values["vertical_oscillation_m"] * values["px_per_m"]
    assert bounce_px <= expected_px + 1e-6
    assert bounce_px == pytest.approx(expected_px, rel=0.01)
    assert values["vertical_oscillation_leg"] == pytest.approx(0.09, abs=1e-6)


def test_segment_lengths_in_world_coordinates_are_rigid(side_run):
    world = side_run.clean_tracks.world_xyz_m
    values = side_run.truth.values
    leg = values["leg_length_m"]
    for side in ("left", "right"):
        thigh = np.linalg.norm(
            world[:, INDEX[f"{side}_hip"]] - world[:, INDEX[f"{side}_knee"]], axis=1
        )
        shank = np.linalg.norm(
            world[:, INDEX[f"{side}_knee"]] - world[:, INDEX[f"{side}_ankle"]], axis=1
        )
        assert np.allclose(thigh + shank, leg, atol=1e-9)
        assert np.allclose(thigh, leg * 0.245 / 0.491, atol=1e-9)
    hips = world[:, [INDEX["left_hip"], INDEX["right_hip"]]]
    assert np.allclose(hips.mean(axis=1), 0.0, atol=1e-12)  # MediaPipe: origin at the hip midpoint
    assert np.allclose(np.linalg.norm(hips[:, 0] - hips[:, 1], axis=1), values["pelvis_width_m"])
    assert leg == pytest.approx(0.491 * 1.75)


def test_a_given_belt_speed_sets_the_speed_and_the_hip_extension_follows():
    run = generate_run(dataclasses.replace(ON_FRAMES, belt_speed_m_s=3.0))
    values = run.truth.values
    assert values["belt_speed_m_s"] == 3.0
    assert values["step_length_m"] == pytest.approx(3.0 * 0.4)
    # a faster belt carries the foot further back: more hip extension than the default 12 deg
    assert values["hip_extension_deg"] > 15.0
    thigh = _angle_behind_deg(_xy(run, "left_hip"), _xy(run, "left_knee"), -1)
    for f in _frames(run, "left", "toe_off"):
        assert thigh[f] == pytest.approx(values["hip_extension_deg_left"], abs=1e-6)
    heel = _xy(run, "left_heel")[:, 0]
    f = _frames(run, "left", "foot_strike")[0]
    assert np.diff(heel[f + 4 : f + 14]).mean() * 100 == pytest.approx(values["belt_speed_px_s"])


def test_contact_asymmetry_splits_contact_time_per_side():
    spec = dataclasses.replace(ON_FRAMES, contact_asymmetry_pct=10.0)
    values = generate_run(spec).truth.values
    assert values["contact_time_ms_left"] == pytest.approx(252.0)
    assert values["contact_time_ms_right"] == pytest.approx(228.0)
    assert values["contact_time_ms"] == pytest.approx(240.0)
    assert values["hip_extension_deg_left"] == pytest.approx(12.0, abs=1e-6)
    assert values["hip_extension_deg_right"] == pytest.approx(12.0, abs=1e-6)


# ------------------------------------------------------------------ frontal truth
def test_rear_view_shows_pelvic_drop_drift_lean_and_step_width(rear_run):
    values = rear_run.truth.values
    left_hip, right_hip = _xy(rear_run, "left_hip"), _xy(rear_run, "right_hip")
    # rear view: the runner's left is image-left; tilt positive when the left hip is higher
    d = right_hip - left_hip
    tilt = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        for f in _frames(rear_run, side, "foot_strike"):
            if f + CONTACT_FRAMES < tilt.size:
                stance = sign * tilt[f : f + CONTACT_FRAMES + 1]
                assert stance.max() == pytest.approx(7.0, abs=1e-9)
                assert np.argmax(stance) == CONTACT_FRAMES // 2  # peak at mid-stance
    assert values["pelvic_drop_deg"] == pytest.approx(7.0, abs=1e-9)
    # drift: the extremes are at the mid-stances, which are frames here
    mid_x = 0.5 * (left_hip[:, 0] + right_hip[:, 0])
    drift_pct = np.ptp(mid_x) / values["pelvis_width_px"] * 100
    assert drift_pct == pytest.approx(20.0, abs=1e-9)
    assert values["lateral_drift_pct"] == pytest.approx(20.0, abs=1e-9)
    # the hip midpoint moves toward the stance foot
    f_left_mid = _frames(rear_run, "left", "foot_strike")[0] + CONTACT_FRAMES // 2
    assert mid_x[f_left_mid] == pytest.approx(mid_x.min())
    # trunk lean toward the stance side
    shoulders = 0.5 * (_xy(rear_run, "left_shoulder") + _xy(rear_run, "right_shoulder"))
    trunk = shoulders - 0.5 * (left_hip + right_hip)
    lean_left = np.degrees(np.arctan2(-trunk[:, 0], -trunk[:, 1]))
    assert lean_left[f_left_mid] == pytest.approx(values["trunk_lean_deg"], abs=1e-9)
    # step width between the heels at their strikes
    fl = _frames(rear_run, "left", "foot_strike")[0]
    fr = _frames(rear_run, "right", "foot_strike")[0]
    width_px = _xy(rear_run, "right_heel")[fr, 0] - _xy(rear_run, "left_heel")[fl, 0]
    assert width_px / values["leg_length_px"] == pytest.approx(0.05, abs=1e-9)


# ------------------------------------------------------------------ camera
def test_rear_and_front_views_mirror_each_other(rear_run):
    front = generate_run(dataclasses.replace(rear_run.truth.spec, view="front"))
    rear_xy = rear_run.clean_tracks.image_xy_px
    front_xy = front.clean_tracks.image_xy_px
    width = rear_run.truth.spec.width_px
    assert np.allclose(rear_xy[..., 0] + front_xy[..., 0], width, atol=1e-9)
    assert np.allclose(rear_xy[..., 1], front_xy[..., 1], atol=1e-9)
    # rear: the runner's left hip is on image-left; front: on image-right
    assert (
        rear_run.clean_tracks.xy("left_hip")[:, 0] < rear_run.clean_tracks.xy("right_hip")[:, 0]
    ).all()
    # both views see the runner's depth axis reversed
    assert np.allclose(
        rear_run.clean_tracks.world_xyz_m[..., 2], -front.clean_tracks.world_xyz_m[..., 2]
    )


def test_facing_left_and_right_mirror_each_other(side_run):
    right = generate_run(dataclasses.replace(side_run.truth.spec, facing="right"))
    left_xy = side_run.clean_tracks.image_xy_px
    right_xy = right.clean_tracks.image_xy_px
    assert np.allclose(left_xy[..., 0] + right_xy[..., 0], 720, atol=1e-9)
    assert np.allclose(left_xy[..., 1], right_xy[..., 1], atol=1e-9)
    # an unmirrored camera sees the left side of a runner running toward image-left
    world = side_run.clean_tracks
    assert (world.xyz("left_hip")[:, 2] < world.xyz("right_hip")[:, 2]).all()
    assert (
        world.visibility[:, INDEX["left_knee"]] > world.visibility[:, INDEX["right_knee"]]
    ).all()
    assert (
        right.clean_tracks.xyz("right_hip")[:, 2] < right.clean_tracks.xyz("left_hip")[:, 2]
    ).all()
    # naming the other side mirrors the picture but keeps the running direction
    mirrored = generate_run(dataclasses.replace(side_run.truth.spec, near_side="right"))
    assert np.allclose(mirrored.clean_tracks.image_xy_px, left_xy, atol=1e-9)
    assert (
        mirrored.clean_tracks.xyz("right_hip")[:, 2] < mirrored.clean_tracks.xyz("left_hip")[:, 2]
    ).all()


@pytest.mark.parametrize("roll_deg", [10.0, -25.0])
def test_camera_roll_rotates_the_image_counter_clockwise(side_run, roll_deg):
    spec = side_run.truth.spec
    rolled = generate_run(dataclasses.replace(spec, camera_roll_deg=roll_deg)).clean_tracks
    centre = np.array([spec.width_px / 2, spec.height_px / 2])
    a = side_run.clean_tracks.image_xy_px - centre
    b = rolled.image_xy_px - centre
    # angles as the viewer sees them (y up), counter-clockwise positive
    turn = np.degrees(np.arctan2(-b[..., 1], b[..., 0]) - np.arctan2(-a[..., 1], a[..., 0]))
    turn = (turn + 180) % 360 - 180
    assert np.allclose(turn, roll_deg, atol=1e-9)
    assert np.allclose(np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1))


def test_standing_height_spans_the_requested_share_of_the_frame(side_run):
    values = side_run.truth.values
    assert values["px_per_m"] == pytest.approx(0.6 * 1280 / 1.75)
    assert values["leg_length_px"] == pytest.approx(values["leg_length_m"] * values["px_per_m"])
    tracks = side_run.clean_tracks
    assert tracks.image_xy_px.shape == (240, 33, 2)
    assert np.isfinite(tracks.image_xy_px).all() and np.isfinite(tracks.world_xyz_m).all()
    assert ((tracks.visibility > 0) & (tracks.visibility <= 1)).all()
    assert (tracks.presence > 0.9).all()


def test_pinhole_camera_approaches_orthographic_far_away(side_run):
    spec = side_run.truth.spec
    ortho = side_run.clean_tracks
    far = generate_run(dataclasses.replace(spec, camera_distance_m=1e6)).clean_tracks
    assert np.allclose(far.image_xy_px, ortho.image_xy_px, atol=1e-3)
    # at D = 2.5 m a point's offset from the image centre grows by D / (D + depth): the near
    # hip is w/2 = 0.0875 m nearer than the line of progression, the far one farther, and the
    # lateral drift (+-0.0175 m) moves both: D / (D - 0.0875 -+ 0.0175) = 1.029..1.044 for the
    # near hip, D / (D + 0.0875 -+ 0.0175) = 0.960..0.973 for the far one (the 4 deg pelvic
    # drop shortens the half-width by 0.2 %, hence the 1e-3 margin)
    near = generate_run(dataclasses.replace(spec, camera_distance_m=2.5)).clean_tracks
    centre = np.array([spec.width_px / 2, spec.height_px / 2])

    def growth(side):
        offset = near.xy(f"{side}_hip") - centre
        return np.linalg.norm(offset, axis=1) / np.linalg.norm(
            ortho.xy(f"{side}_hip") - centre, axis=1
        )

    assert ((growth("left") > 2.5 / 2.43 - 1e-3) & (growth("left") < 2.5 / 2.395 + 1e-3)).all()
    assert ((growth("right") > 2.5 / 2.605 - 1e-3) & (growth("right") < 2.5 / 2.57 + 1e-3)).all()


# ------------------------------------------------------------------ imperfections
def test_dropouts_and_swaps_cover_the_share_and_exactly_the_reported_frames():
    spec = dataclasses.replace(
        RunnerSpec(), dropout_frac=0.05, dropout_burst_frames=3, swap_frac=0.04, seed=7
    )
    run = generate_run(spec)
    n = run.tracks.n_frames
    dropped, swapped = run.truth.dropped_frames, run.truth.swapped_frames
    # dropouts: exactly round(0.05 * 360 / 3) = 6 bursts of 3 frames
    assert np.array_equal(~run.tracks.has_pose, dropped)
    assert dropped.sum() == 18
    assert np.isnan(run.tracks.world_xyz_m[dropped]).all()
    # swaps: 7 bursts of 2 frames minus any frame that was also dropped
    assert 0.04 * n - 2 * 2 <= swapped.sum() <= 0.04 * n + 2
    assert not (swapped & dropped).any()
    clean = run.clean_tracks.image_xy_px
    assert np.array_equal(run.tracks.image_xy_px[swapped], clean[swapped][:, list(MIRROR_INDEX)])
    kept = ~swapped & ~dropped
    assert np.array_equal(run.tracks.image_xy_px[kept], clean[kept])


def test_noise_has_the_requested_spread():
    run = generate_run(dataclasses.replace(RunnerSpec(), noise_px=2.0, noise_world_m=0.01))
    error = run.tracks.image_xy_px - run.clean_tracks.image_xy_px
    # 360 x 33 x 2 samples: the sample sd is within 2 % of 2 px with overwhelming probability
    assert error.std() == pytest.approx(2.0, rel=0.02)
    world_error = run.tracks.world_xyz_m - run.clean_tracks.world_xyz_m
    assert world_error.std() == pytest.approx(0.01, rel=0.02)


def test_same_seed_gives_identical_output_and_another_seed_does_not():
    spec = dataclasses.replace(RunnerSpec(), noise_px=1.0, dropout_frac=0.02, swap_frac=0.02)
    a, b = generate_run(spec), generate_run(spec)
    c = generate_run(dataclasses.replace(spec, seed=1))
    assert np.array_equal(a.tracks.image_xy_px, b.tracks.image_xy_px, equal_nan=True)
    assert np.array_equal(a.truth.swapped_frames, b.truth.swapped_frames)
    assert a.truth.values == b.truth.values
    assert not np.array_equal(a.tracks.image_xy_px, c.tracks.image_xy_px, equal_nan=True)


def test_generation_at_240_fps_is_fast():
    start = time.perf_counter()
    run = generate_run(RunnerSpec(fps=240.0, duration_s=12.0))
    elapsed_s = time.perf_counter() - start
    assert run.tracks.n_frames == 2880
    # about 0.2 s on the development machine; generous for a loaded CI runner
    assert elapsed_s < 2.0


# ------------------------------------------------------------------ spec handling
def test_phase_offset_shifts_the_events():
    a = generate_run(ON_FRAMES).truth
    b = generate_run(dataclasses.replace(ON_FRAMES, phase_offset=0.25)).truth
    # a quarter stride (0.2 s) later in the cycle: every event comes 0.2 s earlier in the clip
    first_b = b.event_times("left", "foot_strike")[0]
    assert first_b == pytest.approx(0.4 - 0.2)
    assert a.event_times("right", "foot_strike")[0] == pytest.approx(0.0)


def test_invalid_specs_are_refused_with_every_problem_named():
    with pytest.raises(ValueError, match="flight phase") as info:
        generate_run(RunnerSpec(contact_time_ms=400.0, view="top"))  # type: ignore[arg-type]
    assert "view must be one of" in str(info.value)


def test_cohort_is_reproducible_and_respects_ranges():
    a = cohort(20, seed=3, pelvic_drop_deg=(0.0, 10.0), view=["rear", "front"], fps=60.0)
    b = cohort(20, seed=3, pelvic_drop_deg=(0.0, 10.0), view=["rear", "front"], fps=60.0)
    assert a == b
    drops = [s.pelvic_drop_deg for s in a]
    assert min(drops) >= 0.0 and max(drops) <= 10.0 and np.std(drops) > 1.0
    assert {s.view for s in a} == {"rear", "front"}
    assert all(s.fps == 60.0 for s in a)
    assert len({s.seed for s in a}) == 20
    with pytest.raises(ValueError, match="Unknown RunnerSpec field"):
        cohort(2, seed=0, pelvic_dorp_deg=(0.0, 1.0))


def test_a_cohort_of_typical_runners_generates_with_exact_headline_truth():
    specs = cohort(
        12,
        seed=11,
        cadence_spm=(155.0, 185.0),
        contact_time_ms=(190.0, 270.0),
        overstride_leg=(0.05, 0.25),
        hip_extension_deg=(5.0, 20.0),
        pelvic_drop_deg=(0.0, 10.0),
        lateral_drift_pct=(5.0, 50.0),
        duration_s=3.0,
    )
    for spec in specs:
        values = generate_run(spec).truth.values
        assert values["hip_extension_deg"] == pytest.approx(spec.hip_extension_deg, abs=1e-6)
        assert values["overstride_leg"] == pytest.approx(spec.overstride_leg, abs=1e-9)
        assert values["pelvic_drop_deg"] == pytest.approx(spec.pelvic_drop_deg, abs=1e-9)
        assert values["lateral_drift_pct"] == pytest.approx(spec.lateral_drift_pct, abs=1e-6)
        assert values["contact_time_ms"] == pytest.approx(spec.contact_time_ms)
        assert values["vertical_oscillation_leg"] >= spec.vertical_oscillation_leg - 1e-6
        assert math.isfinite(values["belt_speed_m_s"]) and values["belt_speed_m_s"] > 0
