"""The stickers of one clip: per sticker, its centre in every frame (NaN where it was not seen)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.io import atomic_path

#: Sticker names: the bony point and the runner's side it is on.
MARKER_IDS: tuple[str, ...] = ("psis_left", "psis_right", "asis_left", "asis_right")


def marker_id(point: str, side: str) -> str:
    """``marker_id("psis", "left") == "psis_left"``."""
    return f"{point}_{side}"


@dataclasses.dataclass(frozen=True, eq=False)
class MarkerTrack:
    """One sticker through one clip.

    Attributes
    ----------
    marker_id
        Which bony point and side (one of :data:`MARKER_IDS`).
    centre_px
        ``(T, 2)`` sub-pixel centre in the upright frame (x right, y down); NaN where the
        sticker was not seen (hidden, out of the picture, partly covered, or no pose).
    radius_px
        ``(T,)`` radius of a disc with the sticker's area in the picture; NaN where unseen.
    score
        ``(T,)`` how much the blob looked like a sticker (0-1); 0 where unseen.
    colour_rgb
        The sticker's colour as seen (median over the frames, 0-255).
    colour
        The nearest colour name (``"green"``, ...).
    """

    marker_id: str
    centre_px: np.ndarray
    radius_px: np.ndarray
    score: np.ndarray
    colour_rgb: tuple[int, int, int]
    colour: str

    @property
    def seen(self) -> np.ndarray:
        """``(T,)`` True where the sticker was seen."""
        return np.isfinite(self.centre_px).all(axis=1)


@dataclasses.dataclass(frozen=True, eq=False)
class MarkerTracks:
    """Every sticker found in one clip.

    Attributes
    ----------
    time_s
        ``(T,)`` frame times, as in the pose tracks.
    markers
        Sticker tracks by id; stickers never found are absent.
    layout
        Which stickers the camera can see: ``"rear"`` (both PSIS), ``"front"`` (both ASIS),
        ``"side"`` (ASIS and PSIS of the side facing the camera) or ``"none"``.
    near_side
        For a side view, the runner's side facing the camera (``"left"``/``"right"``).
    width_px, height_px
        Frame size.
    frames_with_pose
        Frames where the pose was known (stickers were looked for in those).
    looked_for
        The ids the layout expects (a missing one is reported as not found).
    meta
        How they were found (settings, colours named, time per frame).
    """

    time_s: np.ndarray
    markers: Mapping[str, MarkerTrack]
    layout: str
    near_side: str | None
    width_px: int
    height_px: int
    frames_with_pose: int
    looked_for: tuple[str, ...] = ()
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.time_s.size)

    def get(self, marker: str) -> MarkerTrack | None:
        """The track of one sticker, or None when it was not found."""
        return self.markers.get(marker)

    def centre(self, marker: str) -> np.ndarray:
        """``(T, 2)`` centres of one sticker (all NaN when it was not found)."""
        track = self.markers.get(marker)
        if track is None:
            return np.full((self.n_frames, 2), np.nan)
        return track.centre_px

    def seen_share(self, marker: str) -> float:
        """Share of frames with a pose in which the sticker was seen."""
        track = self.markers.get(marker)
        if track is None or self.frames_with_pose == 0:
            return 0.0
        return float(track.seen.sum()) / self.frames_with_pose

    @property
    def missing(self) -> tuple[str, ...]:
        """Stickers the layout expects that were not found."""
        return tuple(m for m in self.looked_for if m not in self.markers)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-frame arrays): the ``markers`` block of ``summary.json``."""
        return {
            "layout": self.layout,
            "near_side": self.near_side,
            "looked_for": list(self.looked_for),
            "missing": list(self.missing),
            "found": {
                m: {
                    "colour": t.colour,
                    "colour_rgb": list(t.colour_rgb),
                    "seen_share": round(self.seen_share(m), 4),
                    "radius_px": (
                        round(float(np.nanmedian(t.radius_px)), 2) if t.seen.any() else None
                    ),
                }
                for m, t in self.markers.items()
            },
        }

    def save(self, path: str | Path) -> Path:
        """Write to a compressed ``.npz`` (arrays + metadata as JSON), atomically."""
        path = Path(path)
        arrays: dict[str, np.ndarray] = {"time_s": self.time_s}
        head: dict[str, Any] = {
            "layout": self.layout,
            "near_side": self.near_side,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "frames_with_pose": self.frames_with_pose,
            "looked_for": list(self.looked_for),
            "meta": dict(self.meta),
            "markers": {},
        }
        for m, t in self.markers.items():
            arrays[f"{m}.centre_px"] = t.centre_px
            arrays[f"{m}.radius_px"] = t.radius_px
            arrays[f"{m}.score"] = t.score
            head["markers"][m] = {"colour_rgb": list(t.colour_rgb), "colour": t.colour}
        arrays["header"] = np.array(json.dumps(head))
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> MarkerTracks:
        """Read what :meth:`save` wrote."""
        with np.load(Path(path), allow_pickle=False) as data:
            head = json.loads(str(data["header"]))
            markers = {
                m: MarkerTrack(
                    marker_id=m,
                    centre_px=data[f"{m}.centre_px"],
                    radius_px=data[f"{m}.radius_px"],
                    score=data[f"{m}.score"],
                    colour_rgb=tuple(info["colour_rgb"]),
                    colour=info["colour"],
                )
                for m, info in head["markers"].items()
            }
            return cls(
                time_s=data["time_s"],
                markers=markers,
                layout=head["layout"],
                near_side=head["near_side"],
                width_px=int(head["width_px"]),
                height_px=int(head["height_px"]),
                frames_with_pose=int(head["frames_with_pose"]),
                looked_for=tuple(head["looked_for"]),
                meta=head["meta"],
            )


def no_markers(
    time_s: np.ndarray, width_px: int, height_px: int, frames_with_pose: int
) -> MarkerTracks:
    """The result for a clip with no sticker."""
    return MarkerTracks(
        time_s=np.asarray(time_s, dtype=float),
        markers={},
        layout="none",
        near_side=None,
        width_px=width_px,
        height_px=height_px,
        frames_with_pose=frames_with_pose,
    )
