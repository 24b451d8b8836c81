"""OpenSim .trc export: the file parses, values round-trip, and the axes follow OpenSim's
convention (Y up, X forward, Z to the runner's right).

The runner is the synthetic side-view runner (facing image-left, left side nearer the camera):
its toes are ahead of its heels, its head above its ankles and its right hip farther from the
camera, so each axis can be checked against the body rather than against the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaitlab.export.trc import (
    forward_from_view,
    opensim_rotation,
    read_trc,
    to_opensim_axes,
    write_trc,
)
from gaitlab.pose.landmarks import INDEX, LANDMARK_NAMES
from gaitlab.synthetic import RunnerSpec, generate_run


@pytest.fixture(scope="module")
def tracks():
    """Synthetic side-view runner, 4 s at 30 fps, with frames 10-12 missing (no pose)."""
    run = generate_run(RunnerSpec(view="side", cadence_spm=170, duration_s=4.0)).tracks
    world = run.world_xyz_m.copy()
    world[10:13] = np.nan
    return run.replace(world_xyz_m=world)


def _mean_axis(xyz: np.ndarray, a: str, b: str, axis: int) -> float:
    return float(np.nanmean(xyz[:, INDEX[a], axis] - xyz[:, INDEX[b], axis]))


def test_round_trip_values_and_header(tracks, tmp_path):
    path = write_trc(tracks, tmp_path / "run.trc", forward="image_left")
    trc = read_trc(path)
    assert trc.marker_names == LANDMARK_NAMES
    assert trc.units == "m"
    assert trc.rate_hz == pytest.approx(tracks.fps)
    assert trc.xyz.shape == (len(tracks.time_s), 33, 3)
    np.testing.assert_array_equal(trc.frame, np.arange(1, len(tracks.time_s) + 1))
    np.testing.assert_allclose(trc.time_s, tracks.time_s, atol=5e-7)  # 6 decimals written
    expected = to_opensim_axes(tracks.world_xyz_m, "image_left")
    assert np.isnan(trc.xyz[10:13]).all()  # missing frames stay missing
    np.testing.assert_allclose(trc.xyz, expected, atol=5e-7)  # metres to 6 decimals: 0.5 um
    # an independent reader (pandas, as many biomechanics scripts do) sees the same numbers
    table = pd.read_csv(path, sep="\t", skiprows=5, header=None)
    assert table.shape == (len(tracks.time_s), 2 + 3 * 33)
    np.testing.assert_allclose(table.iloc[:, 2:].to_numpy(), expected.reshape(len(table), -1),
                               atol=5e-7)  # fmt: skip


def test_millimetres(tracks, tmp_path):
    trc = read_trc(write_trc(tracks, tmp_path / "mm.trc", units="mm", decimals=3))
    assert trc.units == "mm"
    np.testing.assert_allclose(trc.xyz, to_opensim_axes(tracks.world_xyz_m) * 1000, atol=5e-4)


def test_axes_follow_the_body(tracks):
    xyz = to_opensim_axes(tracks.world_xyz_m, forward_from_view("side", "left"))
    assert _mean_axis(xyz, "nose", "left_ankle", 1) > 1.0  # Y up: head about 1.4 m above ankles
    assert _mean_axis(xyz, "left_foot_index", "left_heel", 0) > 0.1  # X forward: toes ahead
    assert _mean_axis(xyz, "right_hip", "left_hip", 2) > 0.1  # Z: the runner's right
    backwards = to_opensim_axes(tracks.world_xyz_m, "image_right")
    assert _mean_axis(backwards, "left_foot_index", "left_heel", 0) < -0.1


@pytest.mark.parametrize("forward", [None, "image_left", "image_right", "away", "toward"])
def test_rotations_are_proper_and_keep_distances(tracks, forward):
    rotation = opensim_rotation(forward)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0)  # right-handed in, right-handed out
    world = tracks.world_xyz_m[:, [INDEX["left_hip"], INDEX["left_ankle"]]]
    xyz = to_opensim_axes(world, forward)
    np.testing.assert_allclose(
        np.linalg.norm(xyz[:, 0] - xyz[:, 1], axis=-1),
        np.linalg.norm(world[:, 0] - world[:, 1], axis=-1),
        atol=1e-12,
    )


def test_forward_from_view():
    assert forward_from_view("side", "right") == "image_right"
    assert forward_from_view("rear", None) == "away"
    assert forward_from_view("front", None) == "toward"
    assert forward_from_view("unsuitable", None) is None


def test_reader_rejects_a_broken_file(tracks, tmp_path):
    path = write_trc(tracks, tmp_path / "run.trc")
    lines = path.read_text().splitlines()
    lines[8] = lines[8].rsplit("\t", 1)[0]  # one field short
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="fields"):
        read_trc(path)
    (tmp_path / "other.trc").write_text("hello\n")
    with pytest.raises(ValueError, match=r"not a \.trc"):
        read_trc(tmp_path / "other.trc")
