"""Pose extraction on real footage: detection rate, landmark accuracy, following the runner."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from gaitlab.errors import ModelError
from gaitlab.pose.landmarker import open_landmarker, result_arrays, to_mp_image
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.model import find_model
from gaitlab.pose.people import LookSchedule, PeopleLook, look_at_people
from gaitlab.pose.tracks import PoseTracks

DATA = Path(__file__).parent / "data"


def hip_midpoint(tracks: PoseTracks) -> np.ndarray:
    return (tracks.xy("left_hip") + tracks.xy("right_hip")) / 2


def test_male_side_pose_in_at_least_98_percent_of_frames(male_side_run):
    tracks = male_side_run.tracks
    assert tracks.n_frames == 360
    assert tracks.detection_rate >= 0.98
    summary = male_side_run.summary
    assert summary["pose"]["frames_with_pose"] == int(tracks.has_pose.sum())
    assert summary["pose"]["detection_rate"] >= 0.98


def test_male_side_landmarks_in_pixels_and_metres(male_side_run):
    tracks = male_side_run.tracks
    ok = tracks.has_pose
    xy = tracks.image_xy_px[ok]
    # pixels of the 720x1280 upright frame (a few landmarks may fall just outside it)
    assert np.nanmedian(xy[:, :, 0]) == pytest.approx(360, abs=200)
    assert 0 < np.nanmedian(xy[:, :, 1]) < 1280
    # world coordinates in metres, hip-centred: a person's joints lie within about 1 m of the hips
    world = tracks.world_xyz_m[ok]
    assert np.nanmax(np.abs(world[:, INDEX["left_ankle"]])) < 1.5
    assert np.nanmedian(np.linalg.norm(world[:, INDEX["left_hip"]], axis=1)) < 0.2


def test_coco_skier_landmark_error_under_15_px():
    """17 COCO keypoints of a full-body person 347 px tall: mean error under 15 px."""
    import av  # noqa: F401  (decoding via PyAV's image support is not needed; cv2 reads jpg)
    import cv2

    bgr = cv2.imread(str(DATA / "coco_000000000785_skier.jpg"))
    truth = json.loads((DATA / "coco_000000000785_skier.keypoints.json").read_text())
    rgb = np.ascontiguousarray(bgr[:, :, ::-1])
    h, w = rgb.shape[:2]
    with open_landmarker(find_model().path, mode="image", num_poses=1) as lm:
        result = lm.detect(to_mp_image(rgb))
    assert result.pose_landmarks
    image_xy_px, _, _, _ = result_arrays(result, 0, w, h)
    errors = []
    for name, kp in truth["keypoints_px"].items():
        pred = image_xy_px[INDEX[name]]
        errors.append(float(np.hypot(pred[0] - kp["x"], pred[1] - kp["y"])))
    assert len(errors) == 17
    assert np.mean(errors) < 15.0, errors


def test_walker_is_followed_not_the_jumping_man(two_people_run):
    """The walker is followed. Frames 80 and 120: within the marks' 60 px tolerance.

    Frame 160's mark lies about 90 px behind the walker, off her body (checked on the picture:
    her hips are at x ~ 410 px, the mark at 499 px), so there the test checks identity instead:
    the followed hips move continuously from the marked frame 120 to frame 160 at walking speed
    and stay on the ground line, far from the man on the box.
    """
    marks = json.loads((DATA / "two_people_walk_and_jump.walker.json").read_text())
    tol = marks["tolerance_px"]
    hips = hip_midpoint(two_people_run.tracks)
    for frame in ("80", "120"):
        err = np.linalg.norm(hips[int(frame)] - marks["walker_hip_midpoint_px"][frame])
        assert err < tol, (frame, hips[int(frame)], err)
    segment = hips[120:161]
    assert not np.isnan(segment).any()
    step = np.linalg.norm(np.diff(segment, axis=0), axis=1)
    assert step.max() < 25.0  # px per frame: a walker at ~9 px/frame, no jump to another person
    assert np.all(np.abs(segment[:, 1] - 720) < 60)  # hips stay at the walker's height
    # nobody is tracked before the walker enters (the man on the box is not followed)
    assert not two_people_run.tracks.has_pose[:40].any()


def test_odd_width_clip_is_tracked(two_people_run):
    """The 1768 px wide VP9 clip: padded rows must not stop detection."""
    tracks = two_people_run.tracks
    assert (tracks.width_px, tracks.height_px) == (1768, 994)
    assert tracks.has_pose[70:190].mean() > 0.9


def _people_look_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gaitlab-people-look" and t.is_alive()]


def test_people_look_in_background_sees_what_the_look_in_line_sees():
    """The background look (frames handed over in any order, as chunks tracked at once hand
    them) finds exactly what the same look done in line finds: the analysis and ``gaitlab
    check`` count the same people.

    Frames 0, 120 and 140 of the two-people clip: nobody found, the walker, the walker and the
    man on the box. MediaPipe on the CPU is deterministic, so the numbers are equal.
    """
    from gaitlab.video import iter_frames

    with iter_frames(DATA / "two_people_walk_and_jump.mp4", every_nth=20, max_frames=8) as it:
        frames = [f for i, f in enumerate(it) if i in (0, 6, 7)]
    model = find_model().path
    size = (1768, 994)
    inline = look_at_people(frames, model, frame_size_px=size)
    with PeopleLook(model, frame_size_px=size) as look:
        for frame in reversed(frames):
            look.add(frame)
        background = look.result()
    assert look.n_frames == 3
    assert [len(f.poses) for f in inline.frames] == [0, 1, 2]
    assert background.n_others == inline.n_others >= 1
    assert background.runner is not None and inline.runner is not None
    np.testing.assert_array_equal(background.runner.centres_px, inline.runner.centres_px)
    for a, b in zip(inline.frames, background.frames, strict=True):
        assert a.time_s == b.time_s and len(a.poses) == len(b.poses)
        for pa, pb in zip(a.poses, b.poses, strict=True):
            np.testing.assert_array_equal(pa[0], pb[0])
    assert not _people_look_threads()


def test_look_schedule_picks_the_frames_seeking_picks():
    """The pose pass picks its look frames from the stream by the rule the seeking reader
    follows (first frame at or after each target less half a period)."""
    from gaitlab.video import frames_at, iter_frames, probe

    clip = DATA / "side_walk_60fps.mp4"
    info = probe(clip)
    schedule = LookSchedule.for_clip(info.duration_s, info.fps, 10)
    picked, previous = [], None
    with iter_frames(clip) as it:
        for frame in it:
            if schedule.wants(frame.time_s, previous):
                picked.append(frame.time_s)
            previous = frame.time_s
    sought = [f.time_s for f in frames_at(clip, schedule.times_s)]
    assert len(picked) == 10 and picked == pytest.approx(sought, abs=1e-9)


def test_people_look_reports_a_bad_model_and_stops_when_left_early(tmp_path):
    bad = tmp_path / "not_a_model.task"
    bad.write_bytes(b"not a model")
    with PeopleLook(bad, frame_size_px=(64, 64)) as look, pytest.raises(ModelError):
        look.result()
    # leaving the block early (an error while tracking) stops the thread without waiting for
    # frames that never come
    with pytest.raises(RuntimeError), PeopleLook(find_model().path, frame_size_px=(64, 64)) as look:
        look.add(type("F", (), {"time_s": 0.0, "rgb": np.zeros((64, 64, 3), np.uint8)})())
        raise RuntimeError("tracking failed")
    assert not _people_look_threads()
