"""Cleaning of landmark tracks: outliers, gaps, low-pass filter, left/right swaps, and the
composed :func:`gaitlab.signals.clean.clean`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gaitlab.config import load_defaults
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX, MIRROR_INDEX, N_LANDMARKS
from gaitlab.pose.tracks import PoseTracks
from gaitlab.signals.clean import clean
from gaitlab.signals.filters import auto_cutoff_hz, lowpass
from gaitlab.signals.gaps import fill_gaps, find_gaps
from gaitlab.signals.outliers import reject_outliers
from gaitlab.signals.swaps import SWAP_GROUPS, detect_swaps, fix_swaps
from gaitlab.synthetic import RunnerSpec, generate_run

from .mirror import mirror_tracks

DATA = Path(__file__).parent / "data"
#: The shipped [signals] settings.
SIGNALS = load_defaults().signals
OUTLIERS = {
    "max_speed_leg_per_s": SIGNALS.max_speed_leg_per_s,
    "min_visibility": SIGNALS.min_visibility,
}
LEG_NAMES = [f"{s}_{p}" for s in ("left", "right") for p in ("knee", "ankle", "heel", "foot_index")]


def _sine_tracks(fps: float, seconds: float, components: list[tuple[float, float]]) -> PoseTracks:
    """Tracks whose every landmark x is a sum of sines ``(freq_hz, amplitude_px)``; y = 0."""
    t = np.arange(round(fps * seconds)) / fps
    signal = sum(a * np.sin(2 * np.pi * f * t) for f, a in components)
    tracks = PoseTracks.empty(t, fps, 100, 100)
    image = np.zeros((t.size, N_LANDMARKS, 2))
    image[..., 0] = signal[:, None]
    return tracks.replace(
        image_xy_px=image,
        world_xyz_m=np.zeros((t.size, N_LANDMARKS, 3)),
        visibility=np.ones((t.size, N_LANDMARKS)),
        presence=np.ones((t.size, N_LANDMARKS)),
    )


# ----------------------------------------------------------------------------- outliers
@pytest.mark.parametrize("fps", [30.0, 120.0])
def test_outliers_are_blanked_and_nothing_else(fps):
    run = generate_run(RunnerSpec(duration_s=4.0, fps=fps, noise_px=1.5, seed=11))
    tracks = run.tracks
    # clean (noisy) tracks lose nothing: the threshold is above any real motion
    assert reject_outliers(tracks, **OUTLIERS).meta["steps"][-1]["n_blanked"] == 0
    # 12 single-frame jumps of 0.8 leg lengths on leg landmarks are all found, and only they
    rng = np.random.default_rng(0)
    frames = rng.choice(np.arange(5, tracks.n_frames - 5), 12, replace=False)
    names = rng.choice(LEG_NAMES, 12)
    image = tracks.image_xy_px.copy()
    angle = rng.uniform(0, 2 * np.pi, 12)
    jump = 0.8 * leg_length_px(tracks) * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    for f, name, d in zip(frames, names, jump, strict=True):
        image[f, INDEX[name]] += d
    out = reject_outliers(tracks.replace(image_xy_px=image), **OUTLIERS)
    blanked = np.isnan(out.image_xy_px[..., 0])
    expected = np.zeros_like(blanked)
    expected[frames, [INDEX[n] for n in names]] = True
    np.testing.assert_array_equal(blanked, expected)
    assert out.meta["steps"][-1] == {
        "name": "reject_outliers",
        "max_speed_leg_per_s": 15.0,
        "min_visibility": 0.05,
        "min_presence": 0.5,
        "window_frames": 5,
        "n_blanked": 12,
    }


def test_samples_the_model_says_are_absent_are_blanked():
    tracks = generate_run(RunnerSpec(duration_s=2.0)).tracks
    presence = tracks.presence.copy()
    presence[10, INDEX["left_heel"]] = 0.1
    visibility = tracks.visibility.copy()
    visibility[20, INDEX["right_knee"]] = 0.01
    out = reject_outliers(tracks.replace(presence=presence, visibility=visibility), **OUTLIERS)
    blanked = np.argwhere(np.isnan(out.image_xy_px[..., 0]))
    assert blanked.tolist() == [[10, INDEX["left_heel"]], [20, INDEX["right_knee"]]]
    assert np.isnan(out.world_xyz_m[10, INDEX["left_heel"]]).all()


# ----------------------------------------------------------------------------- gaps
@pytest.fixture(scope="module")
def gappy() -> tuple[PoseTracks, PoseTracks]:
    """A clean 60 fps runner and a copy with a 3-frame gap (30-32), a 20-frame gap (100-119)
    and the first 2 frames missing."""
    tracks = generate_run(RunnerSpec(duration_s=4.0, fps=60.0)).clean_tracks
    image = tracks.image_xy_px.copy()
    for s in (slice(0, 2), slice(30, 33), slice(100, 120)):
        image[s] = np.nan
    return tracks, tracks.replace(image_xy_px=image)


def test_short_gaps_are_filled_close_to_the_truth(gappy):
    truth, holed = gappy
    filled = fill_gaps(holed, max_gap_s=0.1)
    # Tolerance: 1.5% of leg length (about 6 px; measured 1.3%): three frames of a foot moving
    # at up to 10 leg lengths per second are bridged by a shape-preserving cubic.
    error = np.abs(filled.image_xy_px[30:33] - truth.image_xy_px[30:33])
    assert np.nanmax(error) <= 0.015 * leg_length_px(truth)
    assert np.isfinite(filled.image_xy_px[30:33]).all()
    # the long gap and the gap at the start are left alone
    assert np.isnan(filled.image_xy_px[100:120]).all()
    assert np.isnan(filled.image_xy_px[0:2]).all()
    # filled samples are counted: 3 frames x 33 landmarks
    assert filled.meta["steps"][-1]["n_filled"] == 3 * N_LANDMARKS


def test_long_gaps_are_reported_with_their_times(gappy):
    _, holed = gappy
    filled = fill_gaps(holed, max_gap_s=0.1)
    gaps = find_gaps(filled, longer_than_s=0.1)
    assert [(g.start_frame, g.stop_frame) for g in gaps] == [(100, 120)]
    (gap,) = gaps
    assert gap.start_s == pytest.approx(100 / 60)
    assert gap.end_s == pytest.approx(120 / 60)
    assert gap.duration_s == pytest.approx(20 / 60)
    # every gap, the short one at the start included, before filling
    assert [(g.start_frame, g.stop_frame) for g in find_gaps(holed)] == [
        (0, 2),
        (30, 33),
        (100, 120),
    ]


def test_cubic_filling_and_bad_method():
    t = np.arange(60) / 30.0
    tracks = _sine_tracks(30.0, 2.0, [(1.0, 50.0)])
    image = tracks.image_xy_px.copy()
    image[20:23] = np.nan
    filled = fill_gaps(
        tracks.replace(image_xy_px=image), max_gap_s=SIGNALS.max_gap_s, method="cubic"
    )
    # Tolerance: 0.5 px on a 50 px, 1 Hz sine bridged over 3 frames
    np.testing.assert_allclose(
        filled.image_xy_px[20:23, 0, 0], 50 * np.sin(2 * np.pi * t[20:23]), atol=0.5
    )
    with pytest.raises(ValueError, match="Allowed values are 'pchip' and 'cubic'"):
        fill_gaps(tracks, max_gap_s=SIGNALS.max_gap_s, method="linear")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- low-pass
def test_lowpass_has_its_cutoff_at_minus_3_db_and_no_lag():
    fps, cutoff = 120.0, 10.0
    # pass band, cut-off and stop band, each on its own
    amplitudes = {}
    for f in (2.0, cutoff, 30.0):
        out = lowpass(
            _sine_tracks(fps, 8.0, [(f, 10.0)]), cutoff_hz=cutoff, order=SIGNALS.filter_order
        )
        x = out.image_xy_px[240:-240, 0, 0]  # away from the ends
        amplitudes[f] = np.sqrt(2) * np.std(x)
    # Tolerance: 1% in the pass band; 2% at the -3 dB point; at least 95% attenuation at 3x
    # the cut-off (4th-order zero-lag response there: 1 / (1 + 3^4) = 1.2%).
    assert amplitudes[2.0] == pytest.approx(10.0, rel=0.01)
    assert amplitudes[cutoff] == pytest.approx(10.0 / np.sqrt(2), rel=0.02)
    assert amplitudes[30.0] < 0.5
    # zero lag: the filtered 2 Hz sine peaks where the input does (within 0.5 ms)
    tracks = _sine_tracks(fps, 8.0, [(2.0, 10.0), (30.0, 5.0)])
    out = lowpass(tracks, cutoff_hz=cutoff, order=SIGNALS.filter_order)
    y = out.image_xy_px[240:-240, 0, 0]
    t = tracks.time_s[240:-240]
    carrier = np.exp(-2j * np.pi * 2.0 * t)
    shift = np.angle(np.sum(y * carrier)) - np.angle(np.sum(np.sin(2 * np.pi * 2.0 * t) * carrier))
    assert abs(shift) / (2 * np.pi * 2.0) < 0.0005
    assert out.meta["steps"][-1]["cutoff_hz"] == cutoff


def test_lowpass_filters_runs_separately_and_keeps_nan():
    tracks = _sine_tracks(120.0, 4.0, [(2.0, 10.0), (40.0, 5.0)])
    image = tracks.image_xy_px.copy()
    image[200:210] = np.nan
    image[215:220] = np.nan  # leaves a 5-sample run (210-214), too short to filter
    out = lowpass(tracks.replace(image_xy_px=image), cutoff_hz=10.0, order=SIGNALS.filter_order)
    assert np.isnan(out.image_xy_px[200:210]).all() and np.isnan(out.image_xy_px[215:220]).all()
    np.testing.assert_array_equal(out.image_xy_px[210:215], image[210:215])
    # both long runs are filtered (the 40 Hz part is gone away from their ends)
    for run in (slice(40, 160), slice(260, 440)):
        residual = out.image_xy_px[run, 0, 0] - 10 * np.sin(2 * np.pi * 2.0 * tracks.time_s[run])
        assert np.max(np.abs(residual)) < 0.5


def test_auto_cutoff_depends_on_frame_rate_and_cadence():
    assert auto_cutoff_hz(30.0, 170.0) is None  # one-euro-smoothed 30 fps: left alone
    assert auto_cutoff_hz(60.0, 170.0) == pytest.approx(4 * 170 / 60)
    assert auto_cutoff_hz(240.0, 200.0) == 12.0  # capped
    assert auto_cutoff_hz(240.0, 90.0) == 8.0  # floored
    tracks = _sine_tracks(30.0, 2.0, [(1.0, 10.0)])
    out = lowpass(tracks, cutoff_hz="auto", order=SIGNALS.filter_order)
    np.testing.assert_array_equal(out.image_xy_px, tracks.image_xy_px)
    assert out.meta["steps"][-1]["cutoff_hz"] is None
    np.testing.assert_array_equal(
        lowpass(tracks, cutoff_hz=None, order=SIGNALS.filter_order).image_xy_px, tracks.image_xy_px
    )
    with pytest.raises(ValueError, match="Allowed values are a positive number of Hz"):
        lowpass(tracks, cutoff_hz=-1.0, order=SIGNALS.filter_order)
    with pytest.raises(ValueError, match="Nyquist"):
        lowpass(tracks, cutoff_hz=20.0, order=SIGNALS.filter_order)


# ----------------------------------------------------------------------------- swaps
@pytest.mark.parametrize(
    "spec",
    [
        RunnerSpec(duration_s=6.0, fps=30.0, noise_px=2.0, dropout_frac=0.02, swap_frac=0.05),
        RunnerSpec(duration_s=6.0, fps=60.0, noise_px=1.0, swap_frac=0.05, facing="right"),
        RunnerSpec(duration_s=6.0, fps=30.0, noise_px=2.0, swap_frac=0.05, view="rear"),
        RunnerSpec(duration_s=6.0, fps=120.0, noise_px=1.5, swap_frac=0.05, view="front"),
        RunnerSpec(duration_s=6.0, fps=30.0, noise_px=1.5, swap_frac=0.05, swap_burst_frames=4),
    ],
    ids=["side30", "side60-right", "rear30", "front120", "side30-burst4"],
)
def test_every_injected_swap_is_repaired(spec):
    for seed in range(3):
        run = generate_run(dataclasses.replace(spec, seed=seed))
        fixed = fix_swaps(run.tracks, view=spec.view)
        found = np.zeros(run.tracks.n_frames, dtype=bool)
        found[fixed.meta["steps"][-1]["swapped_frames"]] = True
        # exactly the swapped frames (dropped frames have no pose and are never swapped)
        np.testing.assert_array_equal(found, run.truth.swapped_frames)
        # after the repair every landmark is back within the noise of the clean track
        error = np.abs(fixed.image_xy_px - run.clean_tracks.image_xy_px)
        assert np.nanmax(error) < 6 * spec.noise_px


def test_no_swap_is_invented_in_clean_tracks():
    for view in ("side", "rear"):
        for fps in (30.0, 120.0):
            run = generate_run(RunnerSpec(duration_s=6.0, fps=fps, noise_px=2.0, view=view))
            swapped = detect_swaps(run.tracks, view=view)
            assert not any(mask.any() for mask in swapped.values())


def test_swaps_of_the_legs_only_are_repaired():
    run = generate_run(RunnerSpec(duration_s=6.0, noise_px=1.5, seed=4))
    tracks = run.tracks
    frames = np.r_[20:22, 61:63, 100:102, 140:142]
    legs = [INDEX[n] for n in SWAP_GROUPS["legs"]]
    image = tracks.image_xy_px.copy()
    world = tracks.world_xyz_m.copy()
    for i in legs:
        j = MIRROR_INDEX[i]
        for arr, src in ((image, tracks.image_xy_px), (world, tracks.world_xyz_m)):
            arr[frames, i], arr[frames, j] = src[frames, j], src[frames, i]
    swapped = detect_swaps(tracks.replace(image_xy_px=image, world_xyz_m=world), view="side")
    assert np.flatnonzero(swapped["legs"]).tolist() == frames.tolist()
    assert not swapped["arms"].any() and not swapped["face"].any()


def test_swaps_injected_into_the_real_clip_are_repaired():
    # The real clip (MediaPipe tracks of male_side.mp4) with 2-frame swaps of every landmark
    # on 5% of frames: all found, nothing else.
    tracks = PoseTracks.load_npz(DATA / "male_side.tracks.npz")
    assert not detect_swaps(tracks, view="side")["legs"].any()
    rng = np.random.default_rng(3)
    frames = np.sort(rng.choice(np.arange(2, tracks.n_frames - 2, 4), 9, replace=False))
    frames = np.r_[frames, frames + 1]
    mirror = np.asarray(MIRROR_INDEX)
    image = tracks.image_xy_px.copy()
    world = tracks.world_xyz_m.copy()
    image[frames] = image[frames][:, mirror]
    world[frames] = world[frames][:, mirror]
    swapped = detect_swaps(tracks.replace(image_xy_px=image, world_xyz_m=world), view="side")
    for mask in swapped.values():
        assert np.flatnonzero(mask).tolist() == np.sort(frames).tolist()


# ----------------------------------------------------------------------------- clean
def test_clean_runs_the_steps_in_order_and_reports():
    spec = RunnerSpec(duration_s=6.0, fps=60.0, noise_px=1.5, dropout_frac=0.03, swap_frac=0.05)
    run = generate_run(spec)
    hole = {}
    for name in ("image_xy_px", "world_xyz_m", "visibility", "presence"):
        hole[name] = getattr(run.tracks, name).copy()
        hole[name][200:230] = np.nan  # 0.5 s without a pose: too long to fill
    tracks = run.tracks.replace(**hole)
    result = clean(tracks, view="side")
    steps = [s["name"] for s in result.tracks.meta["steps"]]
    assert steps == ["fix_swaps", "reject_outliers", "fill_gaps", "lowpass"]
    report = result.report
    assert report.n_frames == tracks.n_frames
    assert report.frames_with_pose == int(tracks.has_pose.sum())
    swapped = np.zeros(tracks.n_frames, dtype=bool)
    swapped[list(report.swapped_frames)] = True
    expected = run.truth.swapped_frames & tracks.has_pose
    np.testing.assert_array_equal(swapped, expected)
    # dropouts are 3-frame bursts (0.05 s): all filled; the 0.5 s hole is reported
    dropped = run.truth.dropped_frames.copy()
    dropped[200:230] = False
    assert report.frames_filled == int(dropped.sum())
    assert [(g.start_frame, g.stop_frame) for g in report.long_gaps] == [(200, 230)]
    assert report.cutoff_hz == pytest.approx(auto_cutoff_hz(60.0))
    assert report.as_dict()["long_gaps"][0]["duration_s"] == pytest.approx(0.5)


def test_mirror_twice_is_the_identity_and_flips_x():
    tracks = generate_run(RunnerSpec(duration_s=1.0)).tracks
    once = mirror_tracks(tracks)
    np.testing.assert_allclose(
        once.image_xy_px[:, INDEX["left_heel"], 0],
        tracks.width_px - tracks.image_xy_px[:, INDEX["right_heel"], 0],
    )
    twice = mirror_tracks(once)
    np.testing.assert_allclose(twice.image_xy_px, tracks.image_xy_px)
    np.testing.assert_allclose(twice.world_xyz_m, tracks.world_xyz_m)
