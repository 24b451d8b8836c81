"""The capture checks' measurements, taken from frames already decoded.

In an analysis, :class:`CaptureObserver` rides along the pose pass
(:class:`gaitlab.pose.landmarker.FrameObserver`): the frames of the look for people give the
lighting on the runner and the scene's verticals (tilt), and a second of consecutive frames at
mid-clip gives the camera's movement (shake), each with the runner's box from the pose tracked
in that frame. ``gaitlab check`` feeds the same observer the frames it decodes for its own look
and burst, so both measure the same way. No frame is decoded a second time and no second model
runs for the checks.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from typing import Any

import numpy as np

from gaitlab.pose.people import box_of
from gaitlab.quality import measure
from gaitlab.video import VideoInfo

#: Height (pixels) frames are scaled to for the shake measurement, and how many consecutive
#: frames of the burst it uses (a second at 30 fps).
SHAKE_HEIGHT_PX: int = 320
SHAKE_FRAMES: int = 31


def burst_window(info: VideoInfo, burst_s: float, max_fps: float) -> tuple[float, int, int]:
    """``(start_s, max_frames, every_nth)`` of the consecutive frames read at mid-clip: the
    middle ``burst_s`` seconds (the whole clip if shorter), every n-th frame so that at most
    ``max_fps`` frames per second are read."""
    length_s = min(burst_s, info.duration_s)
    start_s = max(0.0, 0.5 * (info.duration_s - length_s))
    every = max(1, round(info.fps / max_fps))
    return start_s, max(2, round(length_s * info.fps / every)), every


def shake_gray(rgb: np.ndarray, *, height_px: int = SHAKE_HEIGHT_PX) -> tuple[np.ndarray, float]:
    """A grey copy of a frame scaled to ``height_px`` rows (never up), and its scale."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, height_px / h)
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), scale


def frame_shifts_px(
    grays: list[np.ndarray],
    boxes_xyxy_px: np.ndarray,
    fallback_box_px: np.ndarray,
    full_height_px: int,
) -> np.ndarray:
    """``(n - 1, 2)`` background movement between consecutive grey frames, in full-size pixels
    (NaN rows where it could not be measured); the runner's box is left out."""
    out = np.full((max(len(grays) - 1, 0), 2), np.nan)
    if len(grays) < 2:
        return out
    scale = grays[0].shape[0] / float(full_height_px)
    for i in range(len(grays) - 1):
        box = boxes_xyxy_px[i] if np.all(np.isfinite(boxes_xyxy_px[i])) else fallback_box_px
        mask = measure.background_mask(grays[i].shape[:2], np.asarray(box) * scale)
        d = measure.background_shift_px(grays[i], grays[i + 1], mask)
        if d is not None:
            out[i] = d / scale
    return out


@dataclasses.dataclass(frozen=True)
class CaptureFigures:
    """What the pixels said, for :func:`gaitlab.quality.assemble_checks`.

    Attributes
    ----------
    runner_luma
        Median brightness on the runner over the frames looked at (None without a box).
    scene_roll_deg
        Median lean of the scene's verticals over the frames looked at (None with fewer than
        three frames with enough verticals); the tilt of side views.
    shifts_px
        ``(n, 2)`` background movement between consecutive frames of the burst.
    n_looked, n_burst
        Frames measured for each.
    """

    runner_luma: float | None
    scene_roll_deg: float | None
    shifts_px: np.ndarray
    n_looked: int
    n_burst: int


class CaptureObserver:
    """Takes the capture checks' measurements from frames decoded for something else.

    :meth:`look` takes a frame of the look for people (brightness on the runner, the scene's
    verticals); :meth:`observe` takes every frame of a pass and keeps a small grey copy of the
    burst's frames (shake). Frames may come in any order, from several threads.

    Parameters
    ----------
    video
        The clip's facts.
    burst_s, burst_max_fps
        The burst at mid-clip (``[checks]``), as :func:`burst_window` places it.
    """

    def __init__(self, video: VideoInfo, *, burst_s: float, burst_max_fps: float) -> None:
        self._video = video
        start_s, n, every = burst_window(video, burst_s, burst_max_fps)
        fps = video.fps if video.fps > 0 else 30.0
        self._fps = fps
        self._first = math.ceil(start_s * fps - 1e-6)
        self._every = every
        self._n = min(n, SHAKE_FRAMES)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every frame (a new pass starts)."""
        self._looked: dict[float, tuple[float | None, np.ndarray, np.ndarray]] = {}
        self._grays: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def in_burst(self, time_s: float) -> bool:
        """True for the frames of the burst the shake is measured on."""
        k = round(time_s * self._fps) - self._first
        return k >= 0 and k % self._every == 0 and k // self._every < self._n

    def look(self, rgb: np.ndarray, time_s: float, box_xyxy_px: np.ndarray | None) -> None:
        """Measure one frame of the look for people, with the runner's box in it (or None)."""
        box = np.full(4, np.nan) if box_xyxy_px is None else np.asarray(box_xyxy_px, float)
        luma = measure.box_mean_luma(rgb, box)
        gray, scale = measure.roll_picture(rgb)
        with self._lock:
            self._looked[float(time_s)] = (luma, gray, box * scale)

    def look_at_pose(self, frame: Any, pose: Any) -> None:
        """:meth:`look` with the box of a tracked pose (``pose[0]``: image landmarks, or None),
        as the pose pass hands its look frames over."""
        self.look(frame.rgb, float(frame.time_s), None if pose is None else box_of(pose[0]))

    def observe(
        self,
        frame_rgb: np.ndarray,
        frame_index: int,
        time_s: float,
        landmarks_px: np.ndarray | None,
        world_xyz_m: np.ndarray | None = None,
    ) -> None:
        """Keep a grey copy of a burst frame, with the runner's box."""
        if not self.in_burst(time_s):
            return
        gray, _ = shake_gray(frame_rgb)
        box = np.full(4, np.nan) if landmarks_px is None else box_of(landmarks_px)
        with self._lock:
            self._grays[float(time_s)] = (gray, box)

    def figures(self) -> CaptureFigures:
        """The measurements of the frames seen so far."""
        with self._lock:
            looked = [self._looked[t] for t in sorted(self._looked)]
            burst = [self._grays[t] for t in sorted(self._grays)]
        lumas = [luma for luma, _, _ in looked if luma is not None]
        rolls = [measure.scene_roll_of_gray(g, b) for _, g, b in looked]
        rolls = [r for r in rolls if r is not None]
        roll = float(np.median(rolls)) if len(rolls) >= 3 else None
        boxes = np.array([b for _, b in burst]).reshape(-1, 4)
        finite = boxes[np.isfinite(boxes).all(axis=1)]
        fallback = np.median(finite, axis=0) if len(finite) else np.full(4, np.nan)
        shifts = frame_shifts_px([g for g, _ in burst], boxes, fallback, int(self._video.height_px))
        return CaptureFigures(
            runner_luma=float(np.median(lumas)) if lumas else None,
            scene_roll_deg=roll,
            shifts_px=shifts,
            n_looked=len(looked),
            n_burst=len(burst),
        )
