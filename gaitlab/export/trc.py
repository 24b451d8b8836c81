"""OpenSim marker files (``.trc``) from MediaPipe's world landmarks.

What is written
---------------
The 33 BlazePose landmarks (names as in :mod:`gaitlab.pose.landmarks`) from
``PoseTracks.world_xyz_m``: MediaPipe's metric estimate, in metres, **origin at the midpoint of
the hips in every frame** (the body is not located in the room: the pelvis never travels, as on a
treadmill). Frames without a pose are ``NaN``, as OpenSim writes missing markers.

Axes
----
MediaPipe world axes are x to the image right, y down, z away from the camera. OpenSim's
convention is Y up, X forward (the direction of travel), Z to the subject's right (right-handed).
The file is written in that convention:

* ``Y = -y`` (up);
* ``X`` = the runner's forward direction, chosen by ``forward``: ``"image_left"`` or
  ``"image_right"`` for a side view (gaitlab's ``view.facing``), ``"away"`` for a rear view
  (running away from the camera), ``"toward"`` for a front view; None keeps X = image right;
* ``Z = X x Y`` (right-handed; the runner's right when X is forward).

For a side view of a runner facing image-left: ``X = -x, Y = -y, Z = z``. The rotation about the
vertical is all that changes between choices; distances between landmarks are kept exactly.

>>> write_trc(tracks, "run.trc", forward="image_left")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from gaitlab.io import atomic_path
from gaitlab.pose.landmarks import INDEX, LANDMARK_NAMES
from gaitlab.pose.tracks import PoseTracks

Forward = Literal["image_left", "image_right", "away", "toward"]
Units = Literal["m", "mm"]

#: The runner's forward direction in (image right, up, toward the camera) coordinates.
_FORWARD: dict[str | None, tuple[float, float, float]] = {
    None: (1.0, 0.0, 0.0),
    "image_right": (1.0, 0.0, 0.0),
    "image_left": (-1.0, 0.0, 0.0),
    "away": (0.0, 0.0, -1.0),
    "toward": (0.0, 0.0, 1.0),
}
_SCALE: dict[str, float] = {"m": 1.0, "mm": 1000.0}


@dataclasses.dataclass(frozen=True)
class TrcData:
    """The content of a ``.trc`` file.

    Attributes
    ----------
    rate_hz
        ``DataRate`` (frames per second).
    units
        ``"m"`` or ``"mm"``.
    marker_names
        Marker names, in column order.
    frame
        Frame numbers (1-based).
    time_s
        Frame times.
    xyz
        ``(n_frames, n_markers, 3)`` positions in ``units``; NaN where missing.
    """

    rate_hz: float
    units: str
    marker_names: tuple[str, ...]
    frame: np.ndarray
    time_s: np.ndarray
    xyz: np.ndarray


def opensim_rotation(forward: Forward | None) -> np.ndarray:
    """The 3x3 matrix taking MediaPipe world (x right, y down, z away) to OpenSim axes.

    Rows are OpenSim's X, Y, Z expressed in MediaPipe's axes.
    """
    if forward not in _FORWARD:
        raise ValueError(f"forward must be one of {sorted(map(str, _FORWARD))}, got {forward!r}")
    flip = np.diag([1.0, -1.0, -1.0])  # MediaPipe -> (image right, up, toward the camera)
    x_axis = np.asarray(_FORWARD[forward])
    y_axis = np.array([0.0, 1.0, 0.0])
    z_axis = np.cross(x_axis, y_axis)
    return np.vstack([x_axis, y_axis, z_axis]) @ flip


def to_opensim_axes(world_xyz_m: np.ndarray, forward: Forward | None = None) -> np.ndarray:
    """MediaPipe world coordinates ``(..., 3)`` in OpenSim's axes (metres, Y up)."""
    return np.asarray(world_xyz_m, dtype=float) @ opensim_rotation(forward).T


def forward_from_view(label: str | None, facing: str | None) -> Forward | None:
    """The ``forward`` choice for a gaitlab view (``view.label``, ``view.facing``)."""
    if label == "side" and facing in ("left", "right"):
        return "image_left" if facing == "left" else "image_right"
    return {"rear": "away", "front": "toward"}.get(label or "")


def write_trc(
    tracks: PoseTracks,
    path: str | Path,
    *,
    forward: Forward | None = None,
    units: Units = "m",
    markers: Sequence[str] = LANDMARK_NAMES,
    decimals: int = 6,
) -> Path:
    """Write the world landmarks of ``tracks`` as an OpenSim ``.trc`` file (atomically).

    Parameters
    ----------
    tracks
        The landmarks (``world_xyz_m`` and ``time_s`` are used).
    path
        The file to write.
    forward
        The runner's direction of travel in the image, which becomes OpenSim's +X (see the
        module notes); None keeps X = image right.
    units
        ``"m"`` (as measured) or ``"mm"``.
    markers
        Landmark names to write, in order.
    decimals
        Decimal places written (6 in metres is a micrometre).
    """
    if units not in _SCALE:
        raise ValueError(f"units must be 'm' or 'mm', got {units!r}")
    idx = [INDEX[name] for name in markers]
    xyz = to_opensim_axes(tracks.world_xyz_m[:, idx, :], forward) * _SCALE[units]
    n_frames, n_markers = xyz.shape[:2]
    rate = float(tracks.fps)
    path = Path(path)
    header = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{rate:.6g}\t{rate:.6g}\t{n_frames}\t{n_markers}\t{units}\t{rate:.6g}\t1\t{n_frames}",
        "Frame#\tTime\t" + "\t".join(f"{name}\t\t" for name in markers).rstrip("\t"),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, n_markers + 1)),
        "",
    ]
    fmt = f"{{:.{decimals}f}}"
    lines = []
    flat = xyz.reshape(n_frames, n_markers * 3)
    for i in range(n_frames):
        values = "\t".join("NaN" if np.isnan(v) else fmt.format(v) for v in flat[i])
        lines.append(f"{i + 1}\t{tracks.time_s[i]:.6f}\t{values}")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return path


def read_trc(path: str | Path) -> TrcData:
    """Read a ``.trc`` file (the layout :func:`write_trc` and OpenSim write).

    Raises
    ------
    ValueError
        When the header or a data line does not have the expected fields.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise ValueError(f"{path} is not a .trc file (no PathFileType header).")
    keys, values = lines[1].split("\t"), lines[2].split("\t")
    info = dict(zip(keys, values, strict=False))
    n_markers = int(info["NumMarkers"])
    names = tuple(n for n in lines[3].split("\t")[2:] if n)
    if len(names) != n_markers:
        raise ValueError(f"{path}: {len(names)} marker names for NumMarkers={n_markers}.")
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    width = 2 + 3 * n_markers
    if any(len(row) != width for row in rows):
        raise ValueError(f"{path}: a data line does not have {width} fields.")
    data = np.array([[float(v) if v else np.nan for v in row] for row in rows], dtype=float)
    data = data.reshape(len(rows), width)
    if len(rows) != int(info["NumFrames"]):
        raise ValueError(f"{path}: {len(rows)} data lines for NumFrames={info['NumFrames']}.")
    return TrcData(
        rate_hz=float(info["DataRate"]),
        units=info["Units"],
        marker_names=names,
        frame=data[:, 0].astype(int),
        time_s=data[:, 1],
        xyz=data[:, 2:].reshape(len(rows), n_markers, 3),
    )
