"""The pose-track data model shared by every stage after pose extraction.

A :class:`PoseTracks` holds, for every decoded frame of a clip (frames without a pose included,
as NaN), the 33 BlazePose landmarks in two coordinate systems:

* ``image_xy_px``: pixels in the *upright* frame (rotation metadata applied), x to the right,
  y down, origin at the top-left corner;
* ``world_xyz_m``: MediaPipe's metric "world" coordinates, metres, origin between the hips,
  x to the image right, y down, z toward the camera negative.

beside per-landmark ``visibility`` and ``presence`` (0..1), the real per-frame timestamps
``time_s``, the nominal ``fps`` and a provenance record (source video, model, options and every
processing step applied, in order), in the spirit of the ``movement`` package's data model.

Instances are immutable; processing functions return new instances via :meth:`PoseTracks.replace`
and record themselves with :meth:`PoseTracks.with_step`.

Two on-disk formats:

* a tidy CSV (one row per frame and landmark) that a spreadsheet opens;
* a compressed ``.npz`` with the arrays and the metadata as JSON, about 20x faster to load.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.errors import InputError
from gaitlab.io import atomic_path
from gaitlab.pose.landmarks import INDEX, LANDMARK_NAMES, N_LANDMARKS
from gaitlab.words import say

TIDY_COLUMNS: tuple[str, ...] = (
    "frame",
    "time_s",
    "landmark",
    "x_px",
    "y_px",
    "x_m",
    "y_m",
    "z_m",
    "visibility",
    "presence",
)


@dataclasses.dataclass(frozen=True, eq=False)
class PoseTracks:
    """Landmark tracks of one person through one clip.

    Attributes
    ----------
    time_s
        ``(T,)`` timestamp of each frame in seconds from the clip start, strictly increasing.
    image_xy_px
        ``(T, 33, 2)`` image coordinates in pixels of the upright frame; NaN where missing.
    world_xyz_m
        ``(T, 33, 3)`` world coordinates in metres (hip-centred); NaN where missing.
    visibility
        ``(T, 33)`` MediaPipe visibility (likelihood the landmark is visible), NaN where missing.
    presence
        ``(T, 33)`` MediaPipe presence (likelihood the landmark is in the frame), NaN where missing.
    fps
        Nominal frame rate of the clip (frames per second), after any slow-motion correction.
    width_px, height_px
        Size of the upright frame in pixels.
    meta
        Free-form JSON-serialisable metadata: ``source`` (video path), ``model`` (name, sha256),
        ``options`` and ``steps`` (list of processing steps, each a dict with ``name`` and its
        parameters).
    """

    time_s: np.ndarray
    image_xy_px: np.ndarray
    world_xyz_m: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    fps: float
    width_px: int
    height_px: int
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = validate_arrays(
            self.time_s, self.image_xy_px, self.world_xyz_m, self.visibility, self.presence
        )
        if problems:
            raise ValueError("Invalid PoseTracks: " + "; ".join(problems) + ".")

    # ------------------------------------------------------------------ basic views
    @property
    def n_frames(self) -> int:
        """Number of frames (with or without a pose)."""
        return int(self.time_s.shape[0])

    @property
    def has_pose(self) -> np.ndarray:
        """``(T,)`` bool: True where the frame has a pose (any landmark present)."""
        return ~np.all(np.isnan(self.image_xy_px[:, :, 0]), axis=1)

    @property
    def detection_rate(self) -> float:
        """Share of frames with a pose, 0..1 (0 for an empty track)."""
        return float(self.has_pose.mean()) if self.n_frames else 0.0

    @property
    def duration_s(self) -> float:
        """Time from the first to one frame past the last frame, in seconds."""
        if self.n_frames == 0:
            return 0.0
        return float(self.time_s[-1] - self.time_s[0] + 1.0 / self.fps)

    def xy(self, name: str) -> np.ndarray:
        """``(T, 2)`` image coordinates (pixels) of one landmark by name."""
        return self.image_xy_px[:, INDEX[name], :]

    def xyz(self, name: str) -> np.ndarray:
        """``(T, 3)`` world coordinates (metres) of one landmark by name."""
        return self.world_xyz_m[:, INDEX[name], :]

    # ------------------------------------------------------------------ derivation
    def replace(self, **changes: Any) -> PoseTracks:
        """A copy with some fields replaced (arrays are not copied unless replaced)."""
        return dataclasses.replace(self, **changes)

    def with_step(self, name: str, **params: Any) -> PoseTracks:
        """A copy whose ``meta["steps"]`` records one more processing step."""
        meta = dict(self.meta)
        meta["steps"] = [*meta.get("steps", []), {"name": name, **params}]
        return dataclasses.replace(self, meta=meta)

    def slice_frames(self, start: int, stop: int) -> PoseTracks:
        """Frames ``start:stop`` as a new track (timestamps kept)."""
        s = slice(start, stop)
        return dataclasses.replace(
            self,
            time_s=self.time_s[s],
            image_xy_px=self.image_xy_px[s],
            world_xyz_m=self.world_xyz_m[s],
            visibility=self.visibility[s],
            presence=self.presence[s],
        )

    @classmethod
    def empty(
        cls, time_s: np.ndarray, fps: float, width_px: int, height_px: int, **meta: Any
    ) -> PoseTracks:
        """A track of ``len(time_s)`` frames with every landmark missing."""
        t = np.asarray(time_s, dtype=float)
        n = t.shape[0]
        return cls(
            time_s=t,
            image_xy_px=np.full((n, N_LANDMARKS, 2), np.nan),
            world_xyz_m=np.full((n, N_LANDMARKS, 3), np.nan),
            visibility=np.full((n, N_LANDMARKS), np.nan),
            presence=np.full((n, N_LANDMARKS), np.nan),
            fps=float(fps),
            width_px=int(width_px),
            height_px=int(height_px),
            meta=dict(meta),
        )

    # ------------------------------------------------------------------ persistence
    def header(self) -> dict[str, Any]:
        """The JSON-serialisable metadata saved beside the arrays."""
        return {
            "format": "gaitlab.pose_tracks",
            "format_version": 1,
            "fps": self.fps,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "landmarks": list(LANDMARK_NAMES),
            "coordinates": {
                "image": "pixels of the upright frame; x right, y down, origin top-left",
                "world": "metres, MediaPipe world landmarks: origin between the hips, y down",
            },
            "meta": _jsonable(dict(self.meta)),
        }

    def save_npz(self, path: str | Path) -> Path:
        """Write the tracks to a compressed ``.npz`` (atomically). Returns the path."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(
                fh,
                time_s=self.time_s,
                image_xy_px=self.image_xy_px.astype(np.float32),
                world_xyz_m=self.world_xyz_m.astype(np.float32),
                visibility=self.visibility.astype(np.float32),
                presence=self.presence.astype(np.float32),
                header=np.array(json.dumps(self.header())),
            )
        return path

    @classmethod
    def load_npz(cls, path: str | Path) -> PoseTracks:
        """Read tracks written by :meth:`save_npz`."""
        try:
            with np.load(Path(path), allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                return cls(
                    time_s=z["time_s"].astype(float),
                    image_xy_px=z["image_xy_px"].astype(float),
                    world_xyz_m=z["world_xyz_m"].astype(float),
                    visibility=z["visibility"].astype(float),
                    presence=z["presence"].astype(float),
                    fps=float(header["fps"]),
                    width_px=int(header["width_px"]),
                    height_px=int(header["height_px"]),
                    meta=header.get("meta", {}),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(say("error.tracks.not_npz", path=path, problem=exc)) from None

    def to_frame(self):  # -> pandas.DataFrame
        """The tidy long table: one row per frame and landmark, columns :data:`TIDY_COLUMNS`."""
        import pandas as pd

        n = self.n_frames
        frame = np.repeat(np.arange(n), N_LANDMARKS)
        return pd.DataFrame(
            {
                "frame": frame,
                "time_s": np.repeat(self.time_s, N_LANDMARKS),
                "landmark": np.tile(np.array(LANDMARK_NAMES, dtype=object), n),
                "x_px": self.image_xy_px[:, :, 0].ravel(),
                "y_px": self.image_xy_px[:, :, 1].ravel(),
                "x_m": self.world_xyz_m[:, :, 0].ravel(),
                "y_m": self.world_xyz_m[:, :, 1].ravel(),
                "z_m": self.world_xyz_m[:, :, 2].ravel(),
                "visibility": self.visibility.ravel(),
                "presence": self.presence.ravel(),
            },
            columns=list(TIDY_COLUMNS),
        )

    def save_csv(self, path: str | Path) -> Path:
        """Write the tidy CSV (atomically) and a ``.json`` sidecar with the metadata."""
        path = Path(path)
        with atomic_path(path) as tmp:
            self.to_frame().to_csv(tmp, index=False, float_format="%.4f")
        sidecar = path.with_suffix(".json")
        with atomic_path(sidecar) as tmp:
            tmp.write_text(json.dumps(self.header(), indent=1))
        return path

    @classmethod
    def load_csv(cls, path: str | Path) -> PoseTracks:
        """Read a tidy CSV written by :meth:`save_csv` (its ``.json`` sidecar beside it)."""
        import pandas as pd

        path = Path(path)
        try:
            header = json.loads(path.with_suffix(".json").read_text())
            df = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise InputError(say("error.tracks.not_csv", path=path, problem=exc)) from None
        n = int(df["frame"].max()) + 1 if len(df) else 0
        order = {name: i for i, name in enumerate(LANDMARK_NAMES)}
        idx = df["frame"].to_numpy() * N_LANDMARKS + df["landmark"].map(order).to_numpy()

        def grid(cols: list[str]) -> np.ndarray:
            out = np.full((n * N_LANDMARKS, len(cols)), np.nan)
            out[idx] = df[cols].to_numpy(dtype=float)
            return out.reshape(n, N_LANDMARKS, len(cols))

        time_s = np.full(n, np.nan)
        time_s[df["frame"].to_numpy()] = df["time_s"].to_numpy(dtype=float)
        return cls(
            time_s=time_s,
            image_xy_px=grid(["x_px", "y_px"]),
            world_xyz_m=grid(["x_m", "y_m", "z_m"]),
            visibility=grid(["visibility"])[:, :, 0],
            presence=grid(["presence"])[:, :, 0],
            fps=float(header["fps"]),
            width_px=int(header["width_px"]),
            height_px=int(header["height_px"]),
            meta=header.get("meta", {}),
        )


def validate_arrays(
    time_s: np.ndarray,
    image_xy_px: np.ndarray,
    world_xyz_m: np.ndarray,
    visibility: np.ndarray,
    presence: np.ndarray,
) -> list[str]:
    """Every shape problem of a set of track arrays (empty list when they are consistent)."""
    problems: list[str] = []
    if time_s.ndim != 1:
        problems.append(f"time_s must be 1-D, got shape {time_s.shape}")
        return problems
    n = time_s.shape[0]
    expected = {
        "image_xy_px": (image_xy_px, (n, N_LANDMARKS, 2)),
        "world_xyz_m": (world_xyz_m, (n, N_LANDMARKS, 3)),
        "visibility": (visibility, (n, N_LANDMARKS)),
        "presence": (presence, (n, N_LANDMARKS)),
    }
    for name, (arr, shape) in expected.items():
        if arr.shape != shape:
            problems.append(f"{name} must have shape {shape}, got {arr.shape}")
    if n > 1 and not np.all(np.diff(time_s) > 0):
        problems.append("time_s must be strictly increasing")
    return problems


def _jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays inside ``obj`` to plain Python for JSON."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj
