"""Timing metrics (cadence, contact, flight, duty factor, step and stride time, vertical
oscillation), against synthetic runners with known values, on the real treadmill clip, and on
clips too short or too still to measure."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitlab.config import load_defaults
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import stride_table
from gaitlab.metrics.common import asymmetry_pct, summarise_sides
from gaitlab.metrics.timing import spectral_cadence_spm, timing_metrics
from gaitlab.pose.body import HEIGHT_PER_LEG_LENGTH, leg_length_px
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import Metric
from gaitlab.signals.clean import clean
from gaitlab.signals.view import classify_view
from gaitlab.synthetic import RunnerSpec, SyntheticRun, cohort, generate_run

DATA = Path(__file__).parent / "data"
#: Usable steps per side for a value, as the analysis asks ([findings] min_steps_per_side).
MIN_STEPS = load_defaults().findings.min_steps_per_side

TIMING_NAMES = (
    "cadence_spm",
    "step_time_ms",
    "stride_time_ms",
    "contact_time_ms",
    "flight_time_ms",
    "duty_factor_pct",
    "contact_time_asymmetry_pct",
    "step_time_asymmetry_pct",
    "vertical_oscillation_leg",
    "vertical_oscillation_cm",
)


def _metrics(tracks: PoseTracks, *, height_m: float | None = None) -> dict[str, Metric]:
    """The pipeline as the analysis runs it: view, cleaning, events, strides, metrics."""
    view = classify_view(tracks)
    cleaned = clean(tracks, view=None if view.label == "unsuitable" else view.label).tracks
    strides = stride_table(detect_contacts(cleaned), cleaned)
    return timing_metrics(strides, cleaned, height_m=height_m, clip="test", min_per_side=MIN_STEPS)


#: 8 runners at each of 30, 60 and 120 fps, 10 s each (a real analysis needs 10 s or more; the
#: cadence fit gains from every stride), noise 1-2 px, 2% dropped and 5% swapped frames.
SYNTH_FPS = (30.0, 60.0, 120.0)
SYNTH_RANGES = dict(
    duration_s=10.0,
    noise_px=(1.0, 2.0),
    dropout_frac=0.02,
    swap_frac=0.05,
    cadence_spm=(150.0, 185.0),
    contact_time_ms=(180.0, 270.0),
    phase_offset=(0.0, 1.0),
    facing=["left", "right"],
    foot_angle_strike_deg=(-10.0, 20.0),
    overstride_leg=(0.0, 0.3),
    vertical_oscillation_leg=(0.06, 0.12),
    height_m=(1.55, 1.95),
)


@pytest.fixture(scope="module")
def synthetic_results() -> list[tuple[SyntheticRun, dict[str, Metric]]]:
    out = []
    for i, fps in enumerate(SYNTH_FPS):
        for spec in cohort(8, seed=200 + i, fps=fps, view="side", **SYNTH_RANGES):
            run = generate_run(spec)
            out.append((run, _metrics(run.tracks, height_m=spec.height_m)))
    return out


def test_every_timing_metric_is_reported_with_its_unit_in_the_name(synthetic_results):
    # An asymmetry is a value only when left and right differ by more than the method can tell
    # apart (this runner's sides are identical): otherwise no value, and the reason.
    _, metrics = synthetic_results[0]
    assert tuple(metrics) == TIMING_NAMES
    for name, m in metrics.items():
        assert m.name == name
        if name.endswith("_asymmetry_pct") and m.value is None:
            assert "tell apart" in m.reason, name
        else:
            assert m.value is not None, (name, m.reason)
        assert m.clip == "test"


def test_cadence_within_half_a_percent(synthetic_results):
    # Tolerance: 0.5% (the requirement); measured max 0.12% on this cohort.
    for run, m in synthetic_results:
        true = run.truth.values["cadence_spm"]
        assert m["cadence_spm"].value == pytest.approx(true, rel=0.005)
        # the spectral cross-check agrees, so no warning is attached
        assert m["cadence_spm"].reason is None


def test_step_and_stride_times_within_a_tenth_of_a_frame_on_average(synthetic_results):
    # Tolerance: mean over strides within 0.15 frame (measured under 0.05 frame: event timing
    # errors of consecutive strikes largely cancel in their differences).
    for run, m in synthetic_results:
        frame_ms = 1000.0 / run.truth.spec.fps
        for name in ("step_time_ms", "stride_time_ms"):
            assert abs(m[name].value - run.truth.values[name]) <= 0.15 * frame_ms


def _contact_tolerance_ms(fps: float) -> float:
    """Per-runner tolerance of contact and flight time on the synthetic runners: 40 ms.

    The event constants follow the hand labels of real footage (contact time -1 ms on
    ``male_side.mp4``, see ``test_footprints``) and the planted-feet renders (+0.2 frame). The
    synthetic runner's foot keeps moving back past the pelvis for longer after it lifts off,
    so its toe-offs read 10-17 ms late and its contacts 18-28 ms long at every frame rate
    (measured per runner at most 32 / 37 / 28 ms at 30 / 60 / 120 fps): a property of the
    synthetic foot, not met by the footage the constants are measured on.
    """
    return 40.0


def test_contact_and_flight_time_on_synthetic_runners(synthetic_results):
    # Tolerance: per runner within 40 ms (see _contact_tolerance_ms); over the runners of each
    # frame rate, the mean error within 30 ms (measured 22 / 28 / 24 ms), and contact and
    # flight errors mirror each other (the strikes, which both share, are right).
    errors: dict[float, list[float]] = {fps: [] for fps in SYNTH_FPS}
    for run, m in synthetic_results:
        fps = run.truth.spec.fps
        for name in ("contact_time_ms", "flight_time_ms"):
            err_ms = m[name].value - run.truth.values[name]
            assert abs(err_ms) <= _contact_tolerance_ms(fps)
        contact_err = m["contact_time_ms"].value - run.truth.values["contact_time_ms"]
        flight_err = m["flight_time_ms"].value - run.truth.values["flight_time_ms"]
        assert abs(contact_err + flight_err) <= 1000.0 / fps
        errors[fps].append(contact_err)
    for errs in errors.values():
        assert abs(float(np.mean(errs))) <= 30.0


def test_duty_factor_follows_contact_time(synthetic_results):
    # Tolerance: the contact-time tolerance as a share of the stride, per runner.
    for run, m in synthetic_results:
        stride_ms = run.truth.values["stride_time_ms"]
        limit_pct = _contact_tolerance_ms(run.truth.spec.fps) / stride_ms * 100
        assert abs(m["duty_factor_pct"].value - run.truth.values["duty_factor_pct"]) <= limit_pct


def test_vertical_oscillation_in_leg_lengths_and_centimetres(synthetic_results):
    # Tolerance: 0.015 leg lengths (about 1.3 cm; 15% of a typical 0.09; measured max 0.009):
    # noise of 1-2 px on a 30-40 px bounce biases a peak-to-peak, and 30 fps samples can miss
    # the peak. The cm value uses the height and the 0.491 leg/height ratio that the synthetic
    # body shares (measured max 0.7 cm).
    for run, m in synthetic_results:
        true_leg = run.truth.values["vertical_oscillation_leg"]
        assert m["vertical_oscillation_leg"].value == pytest.approx(true_leg, abs=0.015)
        true_cm = run.truth.values["vertical_oscillation_m"] * 100
        assert m["vertical_oscillation_cm"].value == pytest.approx(true_cm, abs=1.5)
        assert m["vertical_oscillation_cm"].estimate


def test_contact_asymmetry_is_measured():
    # A runner whose left contacts are 12% longer than the right ones (60 fps, 1 px noise): a
    # difference beyond what the method can tell apart, so both sides are shown; their
    # difference within one frame of the true one (both sides carry the synthetic toe-off
    # bias, see _contact_tolerance_ms), asymmetry within 6 points.
    spec = RunnerSpec(duration_s=10.0, fps=60.0, noise_px=1.0, contact_asymmetry_pct=12.0)
    run = generate_run(spec)
    metrics = _metrics(run.tracks)
    m = metrics["contact_time_ms"]
    frame_ms = 1000.0 / spec.fps
    true_diff = run.truth.values["contact_time_ms_left"] - run.truth.values["contact_time_ms_right"]
    assert m.left - m.right == pytest.approx(true_diff, abs=frame_ms)
    assert m.left == pytest.approx(run.truth.values["contact_time_ms_left"], abs=40.0)
    assert m.asymmetry_pct == pytest.approx(12.0, abs=6.0)
    assert metrics["contact_time_asymmetry_pct"].value == pytest.approx(12.0, abs=6.0)


def test_identical_sides_show_one_value_with_the_reason():
    # A runner whose sides are identical (60 fps, 1.5 px noise): no per-side contact, flight or
    # step times and no asymmetry, and the reason beside the one value.
    run = generate_run(RunnerSpec(duration_s=10.0, fps=60.0, noise_px=1.5, seed=11))
    metrics = _metrics(run.tracks)
    for name in ("contact_time_ms", "flight_time_ms", "step_time_ms", "duty_factor_pct"):
        m = metrics[name]
        assert m.value is not None and m.left is None and m.right is None, name
        assert "tell apart" in m.reason, name
    assert metrics["step_time_asymmetry_pct"].value is None
    assert metrics["cadence_spm"].left is None and metrics["cadence_spm"].reason is None


def test_leg_length_in_pixels_matches_the_synthetic_body():
    # Tolerance: 1% (thigh + shank is exact in an orthographic side view; noise of 1.5 px on
    # each of three landmarks averages out in the median).
    run = generate_run(RunnerSpec(duration_s=4.0, noise_px=1.5))
    assert leg_length_px(run.tracks) == pytest.approx(run.truth.values["leg_length_px"], rel=0.01)


def test_height_to_leg_length_ratio_is_winters():
    # Winter's table: thigh 0.245 H + shank 0.246 H.
    assert pytest.approx(1.0 / 0.491) == HEIGHT_PER_LEG_LENGTH


# ----------------------------------------------------------------------------- real clip
@pytest.fixture(scope="module")
def real_tracks() -> PoseTracks:
    return PoseTracks.load_npz(DATA / "male_side.tracks.npz")


def test_real_clip_timing_is_right_and_plausible(real_tracks):
    m = _metrics(real_tracks, height_m=1.75)
    # Cadence: 168.9 +- 0.5 steps/min measured from raw pixels without a pose model; 1%.
    assert m["cadence_spm"].value == pytest.approx(168.9, rel=0.01)
    assert m["cadence_spm"].reason is None  # the pelvis bounce agrees
    # Plausibility ranges for a recreational runner near 170 steps/min (literature, not
    # measured on this clip).
    assert 180 <= m["contact_time_ms"].value <= 320
    assert 25 <= m["duty_factor_pct"].value <= 48
    # 12 s at 168.9 steps/min: 16-17 strides per foot, nearly all usable
    assert m["cadence_spm"].n_strides >= 28


def test_spectral_cadence_of_the_real_clip(real_tracks):
    # The pelvis bounce alone: within 1% of 168.9 (it is the cross-check).
    assert spectral_cadence_spm(real_tracks) == pytest.approx(168.9, rel=0.01)


# ----------------------------------------------------------------------------- too little
def _assert_all_missing_with_a_reason(metrics: dict[str, Metric]) -> None:
    for name, m in metrics.items():
        assert m.value is None, name
        assert m.left is None and m.right is None, name
        assert m.reason, name


def test_a_two_second_slice_is_too_short(real_tracks):
    # 2 s of the running clip holds about 3 strides per foot: not enough for any timing metric.
    for start in (0, 150, 300):
        _assert_all_missing_with_a_reason(_metrics(real_tracks.slice_frames(start, start + 60)))


def test_the_walking_clip_gives_no_running_metrics():
    # side_walk_60fps: 2.3 s of walking, about one stride; walking steps (over 0.5 s) are not
    # plausible running steps either.
    walk = PoseTracks.load_npz(DATA / "side_walk_60fps.tracks.npz")
    _assert_all_missing_with_a_reason(_metrics(walk, height_m=1.7))


def test_a_runner_standing_still_gives_no_metrics():
    run = generate_run(RunnerSpec(duration_s=10.0, noise_px=1.5))
    frozen = np.repeat(run.tracks.image_xy_px[20:21], run.tracks.n_frames, axis=0)
    noise = np.random.default_rng(1).normal(0.0, 1.5, frozen.shape)
    still = run.tracks.replace(image_xy_px=frozen + noise)
    metrics = _metrics(still, height_m=1.75)
    _assert_all_missing_with_a_reason(metrics)
    assert "0 left and 0 right" in metrics["cadence_spm"].reason


def test_vertical_oscillation_cm_needs_the_height(synthetic_results):
    run, _ = synthetic_results[0]
    m = _metrics(run.tracks)  # no height given
    assert m["vertical_oscillation_leg"].value is not None
    assert m["vertical_oscillation_cm"].value is None
    assert "height" in m["vertical_oscillation_cm"].reason


def test_metrics_serialise_without_nan(synthetic_results):
    _, metrics = synthetic_results[0]
    for m in metrics.values():
        d = m.as_dict()
        assert "name" not in d
        assert all(not (isinstance(v, float) and np.isnan(v)) for v in d.values())


# ----------------------------------------------------------------------------- helpers
def test_summarise_sides_needs_both_sides():
    values = [300.0, 310.0, 290.0, 250.0, 260.0, 240.0]
    sides = ["left"] * 3 + ["right"] * 3
    s = summarise_sides(values, sides, min_per_side=3)
    assert s.value == pytest.approx(275.0)
    assert (s.left, s.right) == (pytest.approx(300.0), pytest.approx(250.0))
    assert s.asymmetry_pct == pytest.approx(50.0 / 275.0 * 100)
    assert (s.n, s.n_left, s.n_right) == (6, 3, 3)
    # one side short: no headline value, the other side's mean is still given
    s = summarise_sides(values[:5], sides[:5], min_per_side=3)
    assert s.value is None and s.right is None and s.left == pytest.approx(300.0)
    # NaN values do not count
    s = summarise_sides([*values, np.nan], [*sides, "left"], min_per_side=3)
    assert s.n_left == 3


def test_asymmetry_pct():
    assert asymmetry_pct(110.0, 90.0) == pytest.approx(20.0)
    assert asymmetry_pct(None, 90.0) is None
    assert asymmetry_pct(0.0, 0.0) is None


def test_stride_table_of_nothing_gives_missing_metrics(real_tracks):
    # No stride of the 12-s clip timed: every timing value is missing with the reason, except
    # the cadence, which comes from the running rhythm (the runner runs 12 s), with the note.
    empty = stride_table(detect_contacts(real_tracks.slice_frames(0, 5)), real_tracks)
    assert isinstance(empty, pd.DataFrame) and len(empty) == 0
    metrics = timing_metrics(empty, real_tracks, min_per_side=MIN_STEPS)
    cadence = metrics.pop("cadence_spm")
    _assert_all_missing_with_a_reason(metrics)
    assert cadence.value == pytest.approx(168.9, rel=0.01)
    assert "running rhythm" in cadence.reason and cadence.estimate


def test_cadence_from_a_few_strides_says_so(real_tracks):
    # 4 s of the clip: too few strides for the other timing values, enough for the cadence
    # (3 s of running and at least 3 usable strides), with the note beside it.
    metrics = _metrics(real_tracks.slice_frames(0, 120))
    assert metrics["contact_time_ms"].value is None
    cadence = metrics["cadence_spm"]
    assert cadence.value == pytest.approx(168.9, rel=0.01)
    assert "usable strides" in cadence.reason


def test_metric_is_frozen():
    m = Metric(name="x", value=1.0, unit="ms", view_needed="side")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.value = 2.0  # type: ignore[misc]


def test_rear_view_shows_no_left_right_timing():
    # From behind the events are timed only to within a few frames (rendered rear views: 4% of
    # strikes within one frame), too coarse for per-side timing: one value and the reason.
    run = generate_run(RunnerSpec(duration_s=10.0, fps=60.0, noise_px=1.0, view="rear", seed=5))
    metrics = _metrics(run.tracks)
    for name in ("contact_time_ms", "step_time_ms", "flight_time_ms"):
        m = metrics[name]
        assert m.value is not None and m.left is None and m.right is None, name
        assert "from behind or in front" in m.reason, name
    assert metrics["step_time_asymmetry_pct"].value is None
    assert metrics["cadence_spm"].value is not None and metrics["cadence_spm"].left is None
