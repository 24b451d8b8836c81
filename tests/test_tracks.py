"""The PoseTracks data model: validation, derived views, and both file formats round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.errors import InputError
from gaitlab.pose.landmarks import INDEX, MIRROR_INDEX, N_LANDMARKS
from gaitlab.pose.tracks import PoseTracks


def make_tracks(n: int = 12, seed: int = 0) -> PoseTracks:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 30.0
    tracks = PoseTracks(
        time_s=t,
        image_xy_px=rng.uniform(0, 700, (n, N_LANDMARKS, 2)),
        world_xyz_m=rng.normal(0, 0.4, (n, N_LANDMARKS, 3)),
        visibility=rng.uniform(0, 1, (n, N_LANDMARKS)),
        presence=rng.uniform(0, 1, (n, N_LANDMARKS)),
        fps=30.0,
        width_px=720,
        height_px=1280,
        meta={"source": "synthetic"},
    )
    for arr in (tracks.image_xy_px, tracks.world_xyz_m, tracks.visibility, tracks.presence):
        arr[3] = np.nan  # frame 3 has no pose
    return tracks


def test_missing_frames_are_kept_not_dropped():
    tracks = make_tracks()
    assert tracks.n_frames == 12
    assert tracks.has_pose.tolist() == [i != 3 for i in range(12)]
    assert tracks.detection_rate == pytest.approx(11 / 12)


def test_shape_problems_are_all_reported_at_once():
    good = make_tracks()
    with pytest.raises(ValueError, match=r"image_xy_px.*visibility"):
        PoseTracks(
            time_s=good.time_s,
            image_xy_px=good.image_xy_px[:, :10],
            world_xyz_m=good.world_xyz_m,
            visibility=good.visibility[:5],
            presence=good.presence,
            fps=30.0,
            width_px=720,
            height_px=1280,
        )
    with pytest.raises(ValueError, match="strictly increasing"):
        good.replace(time_s=good.time_s[::-1].copy())


def test_npz_round_trip(tmp_path):
    tracks = make_tracks().with_step("lowpass", cutoff_hz=8.0)
    back = PoseTracks.load_npz(tracks.save_npz(tmp_path / "t.npz"))
    np.testing.assert_allclose(back.image_xy_px, tracks.image_xy_px, rtol=1e-6)
    np.testing.assert_allclose(back.time_s, tracks.time_s)
    assert back.meta["steps"] == [{"name": "lowpass", "cutoff_hz": 8.0}]
    assert (back.width_px, back.height_px, back.fps) == (720, 1280, 30.0)


def test_tidy_csv_round_trip(tmp_path):
    tracks = make_tracks()
    path = tracks.save_csv(tmp_path / "t.csv")
    assert path.with_suffix(".json").exists()
    back = PoseTracks.load_csv(path)
    np.testing.assert_allclose(back.image_xy_px, tracks.image_xy_px, atol=1e-4)
    np.testing.assert_allclose(back.world_xyz_m, tracks.world_xyz_m, atol=1e-4)
    assert np.isnan(back.image_xy_px[3]).all()
    df = tracks.to_frame()
    assert len(df) == 12 * N_LANDMARKS
    row = df[(df.frame == 5) & (df.landmark == "left_heel")].iloc[0]
    assert row.x_px == pytest.approx(tracks.image_xy_px[5, INDEX["left_heel"], 0])


def test_loading_a_non_track_file_is_a_clear_input_error(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_text("not numpy")
    with pytest.raises(InputError, match="not a gaitlab landmark file"):
        PoseTracks.load_npz(bad)


def test_mirror_index_pairs_left_and_right():
    assert MIRROR_INDEX[INDEX["left_hip"]] == INDEX["right_hip"]
    assert MIRROR_INDEX[INDEX["right_foot_index"]] == INDEX["left_foot_index"]
    assert MIRROR_INDEX[INDEX["nose"]] == INDEX["nose"]
    assert sorted(MIRROR_INDEX) == list(range(N_LANDMARKS))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    from gaitlab.io import atomic_path

    target = tmp_path / "result.json"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
