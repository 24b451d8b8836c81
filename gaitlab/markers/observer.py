"""The sticker finder as an observer of the pose pass: it sees each decoded frame once.

Frames are decoded once, in the pose pass (:mod:`gaitlab.pose.extract`). The pass hands each
frame, with the runner's landmarks in it, to :meth:`MarkerObserver.observe`, which finds the
sticker candidates in a small region around the pelvis (a few milliseconds) and keeps only
those and a few landmarks. :meth:`MarkerObserver.result` links them over the whole clip.
The per-frame work does not depend on the order frames arrive in; the result is the same
whatever the order (frames are sorted by index before linking).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from gaitlab.config import load_defaults
from gaitlab.config.settings import MarkerSettings
from gaitlab.markers.detect import Blob, detect_blobs, pelvis_roi
from gaitlab.markers.model import MarkerTracks
from gaitlab.markers.track import BODY_INDEX, link_markers


class MarkerObserver:
    """Finds skin stickers in the frames of the pose pass.

    Parameters
    ----------
    frame_size_px
        ``(width, height)`` of the upright frames.
    settings
        The ``[markers]`` settings; None for the shipped defaults.
    """

    def __init__(self, frame_size_px: tuple[int, int], settings: MarkerSettings | None = None):
        self.frame_size_px = (int(frame_size_px[0]), int(frame_size_px[1]))
        self.settings = settings if settings is not None else load_defaults().markers
        self.reset()

    def reset(self) -> None:
        """Forget every frame seen (a second pose pass starts again)."""
        self._frames: dict[int, tuple[float, list[Blob], np.ndarray, np.ndarray | None]] = {}
        self._busy_s = 0.0

    def observe(
        self,
        frame_rgb: np.ndarray,
        frame_index: int,
        time_s: float,
        landmarks_px: np.ndarray | None,
        world_xyz_m: np.ndarray | None = None,
    ) -> None:
        """Look for stickers in one frame.

        Parameters
        ----------
        frame_rgb
            The whole upright frame, ``(H, W, 3)`` uint8 RGB.
        frame_index
            Its position in the clip (0-based).
        time_s
            Its time.
        landmarks_px
            The runner's ``(33, 2)`` image landmarks in this frame, or None when no pose.
        world_xyz_m
            The same in MediaPipe's world coordinates ``(33, 3)``, when known (it tells which
            side faces the camera).
        """
        start = time.perf_counter()
        blobs: list[Blob] = []
        body = np.full((BODY_INDEX.size, 2), np.nan)
        world = None
        if landmarks_px is not None and self.settings.enabled:
            lm = np.asarray(landmarks_px, dtype=float)
            body = lm[BODY_INDEX, :2]
            if world_xyz_m is not None:
                world = np.asarray(world_xyz_m, dtype=float)[BODY_INDEX, :3]
            roi = pelvis_roi(lm, self.frame_size_px, self.settings)
            if roi is not None:
                blobs = detect_blobs(frame_rgb, roi, self.settings)
        self._frames[int(frame_index)] = (float(time_s), blobs, body, world)
        self._busy_s += time.perf_counter() - start

    @property
    def n_frames(self) -> int:
        """Frames observed so far."""
        return len(self._frames)

    def result(self) -> MarkerTracks:
        """The stickers of the clip, named and tracked."""
        order = sorted(self._frames)
        n = len(order)
        time_s = np.array([self._frames[i][0] for i in order], dtype=float)
        blobs = [self._frames[i][1] for i in order]
        image = np.array([self._frames[i][2] for i in order], dtype=float).reshape(n, -1, 2)
        have_world = any(self._frames[i][3] is not None for i in order)
        world = None
        if have_world:
            nan3 = np.full((BODY_INDEX.size, 3), np.nan)
            world = np.array(
                [w if (w := self._frames[i][3]) is not None else nan3 for i in order], dtype=float
            )
        w, h = self.frame_size_px
        tracks = link_markers(
            time_s, blobs, image, world, width_px=w, height_px=h, settings=self.settings
        )
        meta: dict[str, Any] = dict(tracks.meta)
        meta["ms_per_frame"] = round(1000.0 * self._busy_s / max(n, 1), 3)
        return MarkerTracks(
            time_s=tracks.time_s,
            markers=tracks.markers,
            layout=tracks.layout,
            near_side=tracks.near_side,
            width_px=tracks.width_px,
            height_px=tracks.height_px,
            frames_with_pose=tracks.frames_with_pose,
            looked_for=tracks.looked_for,
            meta=meta,
        )
