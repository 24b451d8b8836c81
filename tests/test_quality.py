"""Capture checks: each check on small synthetic inputs, then `gaitlab check` on the real clips.

The unit tests need no pose model and take milliseconds; the command-line verdicts run the
model on a handful of frames per clip (a few seconds each).
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from gaitlab.api import analyze_tracks
from gaitlab.config import load_defaults
from gaitlab.pose import people as look
from gaitlab.pose.landmarker import PersonSighting, RunnerChoice
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import (
    CHECK_NAMES,
    CheckSettings,
    check_frame_rate,
    check_lighting,
    check_people,
    check_resolution,
    check_shake,
    check_strides,
    check_tilt,
    check_view,
    check_whole_body,
    clip_checks,
    measure,
)
from gaitlab.quality.preflight import roll_from_tracks, strides_timed, usable_strides
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.words import entry
from tests.conftest import REPO, TWO_PEOPLE, run_ffmpeg, run_gaitlab

SIDE_WALK = REPO / "tests" / "data" / "side_walk_60fps.mp4"
MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"


# --------------------------------------------------------------------------- check functions
def test_view_says_which_finding_it_serves():
    side = check_view("side", 0.9)
    rear = check_view("rear", 0.9)
    assert (side.status, rear.status) == ("pass", "pass")
    assert "hip_tightness" in side.serves and "hip_weakness" not in side.serves
    assert "hip_weakness" in rear.serves and "hip_tightness" not in rear.serves
    assert check_view("front", 0.1).status == "warn"  # below min_confidence 0.2
    bad = check_view("unsuitable", 0.4, reason="oblique camera")
    assert bad.status == "fail" and "oblique camera" in bad.message and bad.fix


def test_frame_rate_thresholds_and_what_30_fps_serves():
    at30 = check_frame_rate(30.0, recommended_fps=60.0, min_fps=20.0)
    assert at30.status == "warn" and at30.fix
    assert "cadence_spm" in at30.serves and "contact_time_ms" not in at30.serves
    # phones label 59.94 (NTSC) and average variable rates as "60": within FPS_TOLERANCE (5%)
    for fps in (59.94, 59.7, 120.0):
        ok = check_frame_rate(fps, recommended_fps=60.0, min_fps=20.0)
        assert ok.status == "pass" and "contact_time_ms" in ok.serves
    assert check_frame_rate(15.0, recommended_fps=60.0, min_fps=20.0).status == "fail"
    vfr = check_frame_rate(29.0, recommended_fps=60.0, min_fps=20.0, variable=True)
    assert "varies" in vfr.message


@pytest.mark.parametrize(
    ("share", "status"), [(1.0, "pass"), (0.9, "pass"), (0.8, "warn"), (0.49, "fail")]
)
def test_whole_body_thresholds(share, status):
    c = check_whole_body(share, warn_below_share=0.9, fail_below_share=0.5)
    assert c.status == status
    assert c.value == pytest.approx(100 * share)


def test_resolution_lighting_shake_thresholds():
    def res(h):
        return check_resolution(h, (720, 1280), warn_below_px=300, fail_below_px=150).status

    assert [res(h) for h in (540, 250, 100)] == ["pass", "warn", "fail"]

    def light(luma):
        return check_lighting(
            luma, warn_below_luma=50, fail_below_luma=20, warn_above_luma=235
        ).status

    assert [light(v) for v in (88, 30, 10, 245)] == ["pass", "warn", "fail", "warn"]

    def shake(pct):
        return check_shake(pct, warn_above_pct=1.0, fail_above_pct=4.0).status

    assert [shake(v) for v in (0.0, 2.0, 6.0)] == ["pass", "warn", "fail"]


def test_tilt_uses_the_view_threshold_and_never_fails():
    kw = {"warn_above_deg_side": 6.0, "warn_above_deg_frontal": 3.0}
    assert check_tilt(4.0, "side", **kw).status == "pass"
    assert check_tilt(-4.0, "rear", **kw).status == "warn"
    assert check_tilt(-9.0, "side", **kw).status == "warn"
    assert "pelvic drop" in check_tilt(5.0, "front", **kw).message
    assert check_tilt(40.0, "side", **kw).status != "fail"


def test_people_and_strides():
    assert check_people(0).status == "pass"
    two = check_people(1)
    assert two.status == "warn" and two.value == 2.0
    assert check_strides(7, min_per_side=7, estimated=False).status == "pass"
    few = check_strides(1, min_per_side=7, estimated=True)
    assert few.status == "fail" and "about 1" in few.message


def test_unmeasured_figures_warn_rather_than_pass():
    for c in (
        check_whole_body(None, warn_below_share=0.9, fail_below_share=0.5),
        check_lighting(None, warn_below_luma=50, fail_below_luma=20, warn_above_luma=235),
        check_shake(None, warn_above_pct=1, fail_above_pct=4),
        check_tilt(None, "side", warn_above_deg_side=6, warn_above_deg_frontal=3),
        check_strides(None, min_per_side=7, estimated=True),
    ):
        assert c.status == "warn" and "could not be measured" in c.message


def test_check_settings_are_read_from_the_settings():
    """The checks' values come from [checks] (and a user's file), not from defaults of their own."""
    custom = load_defaults().with_overrides(
        {"checks": {"frame_rate": {"min_fps": 12.0}}, "findings": {"min_steps_per_side": 5}}
    )
    s = CheckSettings.from_settings(custom)
    assert (s.min_fps, s.min_strides_per_side) == (12.0, 5)
    default = CheckSettings.from_settings()
    assert default.min_fps == load_defaults().checks.frame_rate.min_fps
    assert default.shake_fail_above_pct == load_defaults().checks.shake.fail_above_pct


def test_filming_guide_is_a_list_covering_the_issue_topics():
    items = entry("guide.items")
    topics = " ".join(i["topic"].lower() + " " + i["text"].lower() for i in items)
    for word in ("tripod", "hip height", "3-4 m", "treadmill", "60 frames", "shorts", "seconds"):
        assert word in topics
    assert all({"topic", "text"} <= set(i) <= {"topic", "text", "view"} for i in items)
    # an item meant for one view names a view the analysis knows; both hip views are covered
    views = [i["view"] for i in items if "view" in i]
    assert set(views) == {"side", "rear"}


# --------------------------------------------------------------------------- measurements
@pytest.fixture(scope="module")
def side_tracks():
    return generate_run(RunnerSpec(view="side", duration_s=4.0)).tracks


def test_whole_body_share_finds_feet_out_of_frame(side_tracks):
    assert measure.whole_body_share(side_tracks) == 1.0
    # move the runner down by the distance between the heels and the bottom edge plus 5 px in
    # every other frame: the heels leave the picture in exactly half the frames
    heel_y = side_tracks.image_xy_px[:, INDEX["left_heel"], 1]
    drop = side_tracks.height_px - np.nanmin(heel_y) + 5
    xy = side_tracks.image_xy_px.copy()
    xy[::2, :, 1] += drop
    share = measure.whole_body_share(side_tracks.replace(image_xy_px=xy))
    assert share == pytest.approx(0.5, abs=1 / side_tracks.n_frames)


def test_runner_height_is_the_landmark_extent(side_tracks):
    spec_frac = 0.6 * 1280  # RunnerSpec body_height_frac x frame height: standing height
    h = measure.runner_height_px(side_tracks)
    # landmarks span eyes to heels, and running lowers the body: 75-100% of standing height
    assert 0.75 * spec_frac < h < spec_frac


def test_luma_of_a_grey_box():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[20:60, 50:150] = (120, 120, 120)
    assert measure.box_mean_luma(rgb, np.array([50, 20, 150, 60])) == pytest.approx(120, abs=0.5)
    # a box reaching outside the picture is clipped to it; a NaN box gives None
    assert measure.box_mean_luma(rgb, np.array([-50, -50, 500, 500])) == pytest.approx(
        120 * 4000 / 20000, abs=0.5
    )
    assert measure.box_mean_luma(rgb, np.full(4, np.nan)) is None


def _texture(h: int = 240, w: int = 320, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (h, w)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 2.0).clip(0, 255).astype(np.uint8)


def test_background_shift_recovers_a_known_camera_move():
    a = _texture()
    m = np.float32([[1, 0, 3.0], [0, 1, -2.0]])
    b = cv2.warpAffine(a, m, (a.shape[1], a.shape[0]), borderMode=cv2.BORDER_REFLECT)
    mask = measure.background_mask(a.shape, np.array([120, 60, 200, 180]))
    d = measure.background_shift_px(a, b, mask)
    # Lucas-Kanade on a blurred random texture is accurate to a few hundredths of a pixel
    assert d == pytest.approx([3.0, -2.0], abs=0.1)
    # a blank picture has no corners to follow
    flat = np.full_like(a, 128)
    assert measure.background_shift_px(flat, flat, mask) is None


def test_shake_ignores_a_steady_pan_and_measures_jitter():
    pan = np.tile([4.0, 0.0], (10, 1))
    assert measure.shake_pct(pan, 200.0) == pytest.approx(0.0)
    jitter = np.array([[2.0, 0.0], [-2.0, 0.0]] * 5)
    # RMS 2 px about the median 0... the median of +-2 alternating is 0: 2 / 200 = 1%
    assert measure.shake_pct(jitter, 200.0) == pytest.approx(1.0)
    assert measure.shake_pct(jitter[:2], 200.0) is None  # too few frame pairs


def _scene_with_verticals(roll_deg: float) -> np.ndarray:
    """A 640 x 480 picture with ten dark vertical bars, turned by ``roll_deg`` (CCW +)."""
    rgb = np.full((640, 480, 3), 200, np.uint8)
    for x in range(30, 480, 45):
        rgb[40:600, x : x + 6] = 40
    rot = cv2.getRotationMatrix2D((240, 320), roll_deg, 1.0)  # OpenCV: + is counter-clockwise
    return cv2.warpAffine(rgb, rot, (480, 640), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("roll_deg", [-10.0, -5.0, 0.0, 5.0, 10.0])
def test_scene_roll_reads_the_tilt_of_vertical_edges(roll_deg):
    est = measure.scene_roll_deg(_scene_with_verticals(roll_deg))
    # Hough angles are quantised to 0.5 deg and the bar edges are anti-aliased: within 0.6
    assert est == pytest.approx(roll_deg, abs=0.6)


def test_scene_roll_without_verticals_is_none():
    assert measure.scene_roll_deg(np.full((640, 480, 3), 128, np.uint8)) is None


def test_frontal_roll_is_the_metrics_own_estimate():
    """Rear views reuse gaitlab.metrics.frontal.camera_roll_deg (median over frames here)."""
    tracks = generate_run(RunnerSpec(view="rear", duration_s=4.0, camera_roll_deg=5.0)).tracks
    # the synthetic runner's hip and shoulder lines swing +-a few degrees per stride; the
    # median over frames of a whole number of strides is within 0.5 deg of the roll
    assert roll_from_tracks(tracks, "rear", None) == pytest.approx(5.0, abs=0.5)


def test_strides_per_side_estimate():
    # 12 s at 2.8 steps/s: 16.8 strides per side, less the one cut by the clip's ends
    assert measure.strides_per_side_estimate(12.0, 2.8) == 15
    assert measure.strides_per_side_estimate(2.3, 1.8) == 1
    assert measure.strides_per_side_estimate(0.0, 2.8) == 0


def _sighting(t: float, x: float, h: float = 500.0) -> PersonSighting:
    return PersonSighting(
        time_s=t,
        hip_xy_px=np.array([x, 600.0]),
        box_xyxy_px=np.array([x - 100, 350.0, x + 100, 350.0 + h]),
        ankle_diff_px=np.array([50.0, 0.0]),
    )


def test_count_others_excludes_the_runner():
    runner_s = [_sighting(t, 300.0) for t in (0.0, 1.0, 2.0)]
    other_s = [_sighting(t, 1200.0, 300.0) for t in (0.0, 2.0)]
    centres = np.array([(s.box_xyxy_px[:2] + s.box_xyxy_px[2:]) / 2 for s in runner_s])
    runner = RunnerChoice(np.array([0.0, 1.0, 2.0]), centres, None, n_people=1)
    assert look.count_others(runner_s, runner) == 0
    assert look.count_others([*runner_s, *other_s], runner) == 1


def test_blank_boxes_greys_the_runner_and_a_margin():
    rgb = np.zeros((100, 100, 3), np.uint8)
    out = look.blank_boxes(rgb, [np.array([40.0, 40.0, 60.0, 60.0])])
    assert out[50, 50, 0] == look.BLANK_LEVEL and out[39, 38, 0] == look.BLANK_LEVEL  # margin
    assert out[10, 10, 0] == 0 and rgb.max() == 0  # elsewhere untouched, input not changed


def test_clip_checks_of_landmarks_only():
    """Synthetic landmarks: no pixels, so no lighting, shake or people check."""
    cfg = load_defaults()
    clip = analyze_tracks(
        generate_run(RunnerSpec(view="side", duration_s=8.0, camera_roll_deg=2.0)).tracks,
        cfg,
        name="synthetic.mp4",
    )
    checks = {c.name: c for c in clip_checks(clip, cfg)}
    assert set(checks) == {"view", "whole_body", "frame_rate", "resolution", "tilt", "strides"}
    assert [n for n in CHECK_NAMES if n in checks] == list(checks)  # reported in order
    assert checks["view"].status == "pass" and "hip_tightness" in checks["view"].serves
    assert checks["frame_rate"].status == "warn"  # 30 fps
    # 8 s at 170 steps/min: 11 strides a side, more than the 7 needed
    assert checks["strides"].status == "pass" and checks["strides"].value >= 9
    # side views without a video: the metrics' bounce-axis roll, within 0.8 deg (its accuracy)
    assert checks["tilt"].value == pytest.approx(2.0, abs=0.8)


# ------------------------------------------------------------ strides: check = analyze
def _burst_of(tracks: PoseTracks, burst_s: float, max_fps: float) -> PoseTracks:
    """The frames ``gaitlab check`` tracks: ``burst_s`` at mid-clip, at most ``max_fps``."""
    every = max(1, round(tracks.fps / max_fps))
    n = round(burst_s * tracks.fps)
    start = max(0, (tracks.n_frames - n) // 2)
    pick = slice(start, start + n, every)
    return tracks.replace(
        time_s=tracks.time_s[pick],
        image_xy_px=tracks.image_xy_px[pick],
        world_xyz_m=tracks.world_xyz_m[pick],
        visibility=tracks.visibility[pick],
        presence=tracks.presence[pick],
        fps=tracks.fps / every,
    )


@pytest.mark.parametrize(
    "name", ["male_side", "side_walk_60fps", "side_track_screenrec", "rear_park_snow"]
)
def test_check_counts_the_strides_analyze_finds_on_the_same_frames(name):
    """On the burst ``check`` tracks, and on a whole clip, the strides check counts exactly the
    usable strides ``analyze`` finds in the same landmarks (real clips' cached tracks)."""
    cfg = load_defaults()
    tracks = PoseTracks.load_npz(REPO / "tests" / "data" / f"{name}.tracks.npz")
    burst = _burst_of(tracks, cfg.checks.burst_s, cfg.checks.burst_max_fps)
    for frames in (burst, tracks):
        assert usable_strides(frames, cfg) == analyze_tracks(frames, cfg, name=name).usable_steps()
    if name == "male_side":  # a clip with strides in its burst: the check's figure is that count
        counted = usable_strides(burst, cfg)
        assert min(counted.values()) >= 2
        usable, expected, _ = strides_timed(burst, cfg, step_hz=168.9 / 60)
        assert usable == min(counted.values()) and expected >= usable


# --------------------------------------------------------------------------- gaitlab check
def _json_check(video) -> tuple[int, dict]:
    proc = run_gaitlab("check", "--json", video)
    return proc.returncode, json.loads(proc.stdout)


def test_check_male_side_usable_with_frame_rate_warning():
    code, out = _json_check(MALE_SIDE)
    assert code == 0 and out["usable"] is True
    by = {c["name"]: c for c in out["checks"]}
    assert [c["name"] for c in out["checks"]] == list(CHECK_NAMES)
    assert by["frame_rate"]["status"] == "warn"
    assert "contact_time_ms" not in by["frame_rate"]["serves"]
    assert by["view"]["status"] == "pass" and "hip_tightness" in by["view"]["serves"]
    # the only warning: a level treadmill clip with the whole body, one person, 12 s
    assert [c["name"] for c in out["checks"] if c["status"] != "pass"] == ["frame_rate"]
    # 12 s at 168.9 steps/min: about 15 strides per side expected
    assert 12 <= by["strides"]["value"] <= 17


def test_check_short_clip_not_usable_for_too_few_strides():
    proc = run_gaitlab("check", SIDE_WALK)
    assert proc.returncode == 1, proc.stderr
    fails = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and "Strides" in fails[0]
    assert "fix:" in proc.stdout and "Clip not usable" in proc.stdout


def test_check_two_people_warns_about_people():
    _, out = _json_check(TWO_PEOPLE)
    people = next(c for c in out["checks"] if c["name"] == "people")
    assert people["status"] == "warn" and people["value"] >= 2


def test_check_measures_a_far_runner_found_in_tiles():
    """side_track_far.mp4: a 146 px runner in a 1680x720 shot, found only in tiles (as the
    pose stage finds them): check measures the runner, not someone else in the frame."""
    code, out = _json_check(REPO / "tests" / "data" / "side_track_far.mp4")
    by = {c["name"]: c for c in out["checks"]}
    assert code == 1 and by["resolution"]["status"] == "fail"
    assert 120 <= by["resolution"]["value"] <= 170
    assert by["whole_body"]["status"] == "pass"


def test_check_text_file_is_not_a_video(tmp_path):
    notes = tmp_path / "notes.mp4"
    notes.write_text("These are my running notes, not a video.\n")
    proc = run_gaitlab("check", notes)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_check_finds_camera_shake(video_short_clip, video_dir):
    """A copy of the 2 s clip whose frame jumps about by up to 12 px: shake is raised."""
    shaky = video_dir / "shaky.mp4"
    run_ffmpeg(
        "-i", video_short_clip, "-vf",
        "crop=iw-24:ih-24:12+12*sin(n*2.1):12+12*cos(n*1.3)",
        "-c:v", "libx264", "-preset", "ultrafast", "-an", shaky,
    )  # fmt: skip
    _, steady = _json_check(video_short_clip)
    _, moved = _json_check(shaky)
    shake = {
        o["file"]: next(c for c in o["checks"] if c["name"] == "shake") for o in (steady, moved)
    }
    assert shake["short.mp4"]["status"] == "pass"
    # jitter of about 12 px RMS on a runner of about 540 px: about 2% of the runner's height
    assert shake["shaky.mp4"]["status"] in ("warn", "fail")
    assert shake["shaky.mp4"]["value"] > 1.0
