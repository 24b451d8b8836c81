"""Pose extraction: MediaPipe PoseLandmarker (Tasks API, VIDEO mode) over a stream of frames.

Two steps, so that a clip with one person costs about what bare single-pose inference costs and
a clip with several people still follows the runner:

1. :func:`choose_runner` picks the runner among the people seen in a few frames spread over the
   clip (:mod:`gaitlab.pose.people` looks at them, IMAGE mode, several poses): the person seen
   most often, largest, and whose legs move like walking or running (the feet alternate
   front/back or up/down).
2. :class:`VideoTracker` (and :func:`track_pose` over a stream) runs VIDEO mode with one pose on
   every frame. When more than one person was seen, each frame is cropped to a fixed-size window
   that follows the chosen runner, so the tracker cannot drift onto someone else; poses found
   outside the runner's window are discarded.

Frames without a pose are kept as missing (NaN), never dropped. MediaPipe itself is imported
leanly and lazily (:func:`_mp`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from gaitlab.config import PoseSettings, load_defaults
from gaitlab.errors import InputError, ModelError
from gaitlab.pose.landmarks import INDEX, N_LANDMARKS
from gaitlab.pose.tracks import PoseTracks
from gaitlab.words import say

_L_HIP, _R_HIP = INDEX["left_hip"], INDEX["right_hip"]
_L_ANKLE, _R_ANKLE = INDEX["left_ankle"], INDEX["right_ankle"]


@dataclasses.dataclass(frozen=True)
class LandmarkerOptions:
    """Options passed to MediaPipe's PoseLandmarker (the same for tracking and benchmarks).

    Attributes
    ----------
    min_detection_confidence, min_presence_confidence, min_tracking_confidence
        MediaPipe's thresholds (0..1).
    """

    min_detection_confidence: float
    min_presence_confidence: float
    min_tracking_confidence: float

    @classmethod
    def from_settings(cls, pose: PoseSettings | None = None) -> LandmarkerOptions:
        """The thresholds of a ``[pose]`` settings section (None: the shipped defaults)."""
        pose = pose if pose is not None else load_defaults().pose
        return cls(
            min_detection_confidence=pose.min_detection_confidence,
            min_presence_confidence=pose.min_presence_confidence,
            min_tracking_confidence=pose.min_tracking_confidence,
        )


@dataclasses.dataclass(frozen=True)
class PersonSighting:
    """One person seen in one sampled frame."""

    time_s: float
    hip_xy_px: np.ndarray  # (2,)
    box_xyxy_px: np.ndarray  # (4,) x0, y0, x1, y1 of the landmarks
    ankle_diff_px: np.ndarray  # (2,) left ankle minus right ankle

    @property
    def height_px(self) -> float:
        return float(self.box_xyxy_px[3] - self.box_xyxy_px[1])


@dataclasses.dataclass(frozen=True)
class RunnerChoice:
    """Where the runner is over time, from the sampled frames.

    Attributes
    ----------
    times_s
        Times of the sampled frames in which the runner was seen.
    centres_px
        ``(n, 2)`` centre of the runner's box at those times.
    crop_size_px
        ``(width, height)`` of the window that follows the runner, or None to use whole frames
        (only one person was seen).
    n_people
        Number of distinct people seen in the sample.
    score
        Score of the chosen track (for diagnostics).
    height_px
        The runner's median height in the sampled frames (landmark box).
    """

    times_s: np.ndarray
    centres_px: np.ndarray
    crop_size_px: tuple[int, int] | None
    n_people: int
    score: float = 0.0
    height_px: float = 0.0

    @property
    def follows(self) -> bool:
        """True when frames are cropped to follow the runner."""
        return self.crop_size_px is not None

    def centre_at(self, time_s: float) -> np.ndarray | None:
        """Runner's box centre at ``time_s`` (linear interpolation between sightings).

        Outside the sighted span the nearest sighting is used for up to one sampling interval;
        beyond that the runner is taken to be absent (None).
        """
        t = self.times_s
        if t.size == 0:
            return None
        margin = float(np.median(np.diff(t))) if t.size > 1 else 1.0
        if time_s < t[0] - margin or time_s > t[-1] + margin:
            return None
        x = np.interp(time_s, t, self.centres_px[:, 0])
        y = np.interp(time_s, t, self.centres_px[:, 1])
        return np.array([x, y])

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_people_seen": self.n_people,
            "follow_crop_px": list(self.crop_size_px) if self.crop_size_px else None,
            "n_sightings": int(self.times_s.size),
        }


# --------------------------------------------------------------------------- MediaPipe glue
@dataclasses.dataclass(frozen=True)
class _MediaPipe:
    """The few MediaPipe classes gaitlab uses."""

    image: Any  # mediapipe.Image
    image_format: Any  # mediapipe.ImageFormat
    base_options: Any  # mediapipe.tasks.BaseOptions
    running_mode: Any  # mediapipe.tasks.vision.RunningMode
    vision: Any  # the module holding PoseLandmarker and PoseLandmarkerOptions


_MP_LOCK = threading.Lock()
_MP: list[_MediaPipe] = []
#: The packages whose ``__init__`` ``import mediapipe`` runs: they import every task (audio,
#: text, all of vision) and matplotlib's pyplot for the drawing helpers.
_MP_PACKAGES: tuple[str, ...] = (
    "mediapipe",
    "mediapipe.tasks",
    "mediapipe.tasks.python",
    "mediapipe.tasks.python.vision",
)


def _mp() -> _MediaPipe:
    """MediaPipe's pose landmarker, imported lazily and leanly (thread-safe, once).

    ``import mediapipe`` costs about 1 s of CPU, most of it in tasks gaitlab does not use and in
    ``matplotlib.pyplot``; the pose landmarker's own modules cost under 0.1 s. So, unless the
    whole package is already imported, the four package ``__init__`` files are skipped
    (placeholder packages stand in while the pose landmarker's modules are imported), and every
    ``mediapipe`` entry is then taken out of ``sys.modules`` again: the classes kept here work
    on, and a later ``import mediapipe`` anywhere else in the process imports the whole package
    afresh, as if this had never happened.
    """
    with _MP_LOCK:
        if not _MP:
            _MP.append(_import_mediapipe())
        return _MP[0]


def _import_mediapipe() -> _MediaPipe:
    if "mediapipe" in sys.modules:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        return _MediaPipe(
            mp.Image, mp.ImageFormat, BaseOptions, vision.RunningMode, vision.pose_landmarker
        )
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(say("error.model.no_mediapipe"))
    root = Path(next(iter(spec.submodule_search_locations)))
    for name in _MP_PACKAGES:
        folder = str(root.joinpath(*name.split(".")[1:]))
        package = types.ModuleType(name)
        package.__path__ = [folder]
        package.__package__ = name
        package.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        package.__spec__.submodule_search_locations = [folder]
        sys.modules[name] = package
    try:
        from mediapipe.tasks.python.core import base_options, mediapipe_c_bindings
        from mediapipe.tasks.python.vision import pose_landmarker
        from mediapipe.tasks.python.vision.core import image, vision_task_running_mode

        # the native library, found through the package it lives in (loaded once per process)
        mediapipe_c_bindings.load_raw_library()
    finally:
        for name in [n for n in sys.modules if n == "mediapipe" or n.startswith("mediapipe.")]:
            del sys.modules[name]
    return _MediaPipe(
        image.Image,
        image.ImageFormat,
        base_options.BaseOptions,
        vision_task_running_mode.VisionTaskRunningMode,
        pose_landmarker,
    )


@contextlib.contextmanager
def open_landmarker(
    model_path: str | Path,
    *,
    mode: str = "video",
    num_poses: int = 1,
    options: LandmarkerOptions | None = None,
    segmentation: bool = False,
) -> Iterator[Any]:
    """Open a MediaPipe PoseLandmarker and close it on exit.

    Parameters
    ----------
    model_path
        Path of a ``.task`` bundle (see :func:`gaitlab.pose.model.find_model`).
    mode
        ``"video"`` (tracking, smoothed, needs increasing timestamps) or ``"image"``.
    num_poses
        Maximum number of poses per frame.
    options
        Detection, presence and tracking thresholds (None: the ``[pose]`` defaults).
    segmentation
        Also output a person segmentation mask per frame.
    """
    options = options if options is not None else LandmarkerOptions.from_settings()
    mp = _mp()
    running_mode = mp.running_mode.VIDEO if mode == "video" else mp.running_mode.IMAGE
    opts = mp.vision.PoseLandmarkerOptions(
        base_options=mp.base_options(model_asset_path=str(model_path)),
        running_mode=running_mode,
        num_poses=num_poses,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
        output_segmentation_masks=segmentation,
    )
    try:
        landmarker = mp.vision.PoseLandmarker.create_from_options(opts)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(say("error.model.cannot_load", path=model_path, problem=exc)) from None
    with landmarker:
        yield landmarker


def to_mp_image(rgb: np.ndarray):
    """Wrap an RGB uint8 array as ``mp.Image`` (made C-contiguous: padded rows break detection)."""
    mp = _mp()
    return mp.image(image_format=mp.image_format.SRGB, data=np.ascontiguousarray(rgb))


def result_arrays(result: Any, index: int, width_px: float, height_px: float):
    """Arrays of pose ``index`` in a MediaPipe result, image coordinates scaled to pixels.

    Returns
    -------
    image_xy_px : (33, 2), world_xyz_m : (33, 3), visibility : (33,), presence : (33,)
    """
    lms = result.pose_landmarks[index]
    img = np.array([(lm.x, lm.y) for lm in lms], dtype=float) * (width_px, height_px)
    vis = np.array([lm.visibility if lm.visibility is not None else np.nan for lm in lms], float)
    pres = np.array([lm.presence if lm.presence is not None else np.nan for lm in lms], float)
    if result.pose_world_landmarks and len(result.pose_world_landmarks) > index:
        world = np.array([(w.x, w.y, w.z) for w in result.pose_world_landmarks[index]], float)
    else:
        world = np.full((N_LANDMARKS, 3), np.nan)
    return img, world, vis, pres


# --------------------------------------------------------------------------- runner selection
def link_sightings(
    sightings: Sequence[PersonSighting],
    *,
    max_speed_heights_per_s: float = 3.0,
    max_vertical_heights: float = 0.5,
    max_size_ratio: float = 1.4,
) -> list[list[PersonSighting]]:
    """Group sightings into people by proximity over time (greedy, largest people first).

    A sighting joins a track when, against the track's last sighting, its hip moved sideways by
    at most ``max_speed_heights_per_s`` body heights per second (people run across a frame, at
    least half a body height is always allowed), up or down by at most ``max_vertical_heights``
    body heights (people do not change floors), and its size changed by at most
    ``max_size_ratio``; one sighting per track and time.
    """
    tracks: list[list[PersonSighting]] = []
    for t in sorted({s.time_s for s in sightings}):
        now = sorted(
            (s for s in sightings if s.time_s == t), key=lambda s: s.height_px, reverse=True
        )
        taken: set[int] = set()
        for s in now:
            best, best_d = None, np.inf
            for k, tr in enumerate(tracks):
                if k in taken:
                    continue
                last = tr[-1]
                dt = max(t - last.time_s, 1e-3)
                size = max(s.height_px, last.height_px, 1.0)
                ratio = size / max(min(s.height_px, last.height_px), 1.0)
                dx, dy = np.abs(s.hip_xy_px - last.hip_xy_px)
                if (
                    dx <= max(0.5, max_speed_heights_per_s * dt) * size
                    and dy <= max_vertical_heights * size
                    and ratio <= max_size_ratio
                    and dx + dy < best_d
                ):
                    best, best_d = k, dx + dy
            if best is None:
                tracks.append([s])
                taken.add(len(tracks) - 1)
            else:
                tracks[best].append(s)
                taken.add(best)
    return tracks


def gait_motion_score(track: Sequence[PersonSighting]) -> float:
    """How much a person's feet alternate, 0 (still, or jumping with both feet) to about 1.

    Walking and running make the vector from the right to the left ankle swing through zero
    (front/back in a side view, up/down in a rear view); standing or jumping jacks do not.
    Score = max over x and y of ``(mean|d| - |mean d|) / body height * 4``, clipped to 1.
    """
    if len(track) < 2:
        return 0.0
    d = np.array([s.ankle_diff_px for s in track])
    height = float(np.median([s.height_px for s in track])) or 1.0
    alternation = np.mean(np.abs(d), axis=0) - np.abs(np.mean(d, axis=0))
    return float(min(1.0, 4.0 * np.max(alternation) / height))


def choose_runner(
    sightings: Sequence[PersonSighting],
    *,
    n_samples: int,
    frame_size_px: tuple[int, int],
    crop_margin: float = 0.25,
    min_presence_for_whole_frames: float = 0.8,
) -> RunnerChoice | None:
    """Pick the runner among the people seen in the sampled frames.

    Score = (share of sampled frames the person is in) x (median body height in pixels)
    x (0.25 + gait motion score). Returns None when nobody was seen.

    Parameters
    ----------
    n_samples
        Number of frames that were sampled.
    frame_size_px
        ``(width, height)`` of the frames.
    crop_margin
        Margin around the runner's largest box, as a share of its size, for the follow window.
    min_presence_for_whole_frames
        Track on whole frames only if the only person seen is in at least this share of the
        sampled frames.
    """
    tracks = link_sightings(sightings)
    if not tracks:
        return None

    def score(tr: list[PersonSighting]) -> float:
        presence = len(tr) / max(n_samples, 1)
        size = float(np.median([s.height_px for s in tr]))
        return presence * size * (0.25 + gait_motion_score(tr))

    best = max(tracks, key=score)
    times = np.array([s.time_s for s in best])
    boxes = np.array([s.box_xyxy_px for s in best])
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    crop = None
    # Whole frames only when one person was seen in (nearly) every sampled frame: a runner on a
    # treadmill alone. Otherwise follow the runner, so the tracker cannot latch onto someone seen
    # between the samples.
    if len(tracks) > 1 or len(best) < min_presence_for_whole_frames * n_samples:
        w = float(np.max(boxes[:, 2] - boxes[:, 0]))
        h = float(np.max(boxes[:, 3] - boxes[:, 1]))
        side = max(w, h) * (1 + 2 * crop_margin)
        fw, fh = frame_size_px
        crop = (int(min(fw, side)), int(min(fh, side)))
    return RunnerChoice(
        times_s=times,
        centres_px=centres,
        crop_size_px=crop,
        n_people=len(tracks),
        score=score(best),
        height_px=float(np.median([s.height_px for s in best])),
    )


def crop_window(
    centre_px: np.ndarray, crop_size_px: tuple[int, int], frame_size_px: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Top-left corner and size ``(x0, y0, w, h)`` of a window centred on ``centre_px``, kept
    inside the frame."""
    cw, ch = crop_size_px
    fw, fh = frame_size_px
    x0 = int(np.clip(round(centre_px[0] - cw / 2), 0, max(fw - cw, 0)))
    y0 = int(np.clip(round(centre_px[1] - ch / 2), 0, max(fh - ch, 0)))
    return x0, y0, cw, ch


def sight_people_in_tiles(
    frames: Iterable[Any],
    model_path: str | Path,
    *,
    max_people: int = 3,
    options: LandmarkerOptions | None = None,
) -> list[PersonSighting]:
    """People looked for (IMAGE mode, up to ``max_people``) in square tiles of each frame, for
    people too small to be found in the whole frame.

    MediaPipe's person detector sees the whole frame at 224 x 224: a runner 140 px tall in a
    1680 x 720 wide shot is 19 px there and is not found, while in a tile the height of the
    frame (720 x 720) the same runner is found in every frame (``side_track_far.mp4``: 15 of
    15 sampled frames, against 0 on whole frames). Tiles are as large as the frame's shorter
    side, overlapping by half. A person whose box touches a tile's inner edge is left to the
    tile that holds them whole; the same person seen in two tiles is kept once (the larger).
    """
    sightings: list[PersonSighting] = []
    with open_landmarker(model_path, mode="image", num_poses=max_people, options=options) as lm:
        for frame in frames:
            h, w = frame.rgb.shape[:2]
            side = min(h, w)
            seen: list[PersonSighting] = []
            for x0, y0 in _tile_corners(w, h, side):
                tile = frame.rgb[y0 : y0 + side, x0 : x0 + side]
                result = lm.detect(to_mp_image(tile))
                for i in range(len(result.pose_landmarks)):
                    img, _, _, _ = result_arrays(result, i, side, side)
                    if _cut_by_tile(img, x0, y0, side, w, h):
                        continue
                    img = img + np.array([x0, y0], dtype=float)
                    seen.append(
                        PersonSighting(
                            time_s=float(frame.time_s),
                            hip_xy_px=(img[_L_HIP] + img[_R_HIP]) / 2,
                            box_xyxy_px=np.array([*img.min(axis=0), *img.max(axis=0)]),
                            ankle_diff_px=img[_L_ANKLE] - img[_R_ANKLE],
                        )
                    )
            sightings.extend(_distinct(seen))
    return sightings


def _tile_corners(w: int, h: int, side: int) -> list[tuple[int, int]]:
    """Top-left corners of square tiles of ``side`` px covering a ``w`` x ``h`` frame, half
    overlapping."""
    xs = sorted({*range(0, max(w - side, 0) + 1, max(side // 2, 1)), max(w - side, 0)})
    ys = sorted({*range(0, max(h - side, 0) + 1, max(side // 2, 1)), max(h - side, 0)})
    return [(x, y) for y in ys for x in xs]


def _cut_by_tile(img: np.ndarray, x0: int, y0: int, side: int, w: int, h: int) -> bool:
    """True when a pose's box reaches a tile edge that is not also the frame's edge."""
    margin = 2.0
    lo, hi = img.min(axis=0), img.max(axis=0)
    return bool(
        (lo[0] <= margin and x0 > 0)
        or (hi[0] >= side - margin and x0 + side < w)
        or (lo[1] <= margin and y0 > 0)
        or (hi[1] >= side - margin and y0 + side < h)
    )


def _distinct(seen: list[PersonSighting]) -> list[PersonSighting]:
    """One sighting per person of one frame: of two whose hips are closer than half a body
    height, the larger."""
    out: list[PersonSighting] = []
    for s in sorted(seen, key=lambda s: s.height_px, reverse=True):
        if all(np.linalg.norm(s.hip_xy_px - o.hip_xy_px) > 0.5 * o.height_px for o in out):
            out.append(s)
    return out


# --------------------------------------------------------------------------- tracking
#: One pose in one frame: ``(image_xy_px (33, 2), world_xyz_m (33, 3), visibility (33,),
#: presence (33,))``.
PoseArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class FrameObserver(Protocol):
    """Something that looks at every decoded frame of the pose pass, with the pose in it.

    Frames are decoded once; work that needs pixels (the capture checks, the sticker finder)
    rides along. ``reset`` is called before each pass (a clip may be tracked twice when the
    runner must be followed). In a pass cut into chunks tracked at the same time, frames arrive
    out of order, each frame once, from the chunk's thread; calls to one observer never overlap
    (the pass holds a lock per observer).
    """

    def reset(self) -> None:
        """Forget the frames of an earlier pass."""

    def observe(
        self,
        frame_rgb: np.ndarray,
        frame_index: int,
        time_s: float,
        landmarks_px: np.ndarray | None,
        world_xyz_m: np.ndarray | None = None,
    ) -> None:
        """Look at one frame (``landmarks_px``: ``(33, 2)`` or None when no pose)."""


class VideoTracker:
    """One VIDEO-mode landmarker following one pose through consecutive frames.

    Parameters
    ----------
    model_path
        The ``.task`` bundle.
    frame_size_px
        ``(width, height)`` of the frames.
    runner
        Where the runner is (from :func:`choose_runner`); when it follows a crop window, each
        frame is cropped to it and frames where the runner is absent get no pose.
    options
        MediaPipe thresholds (None: the ``[pose]`` defaults).

    Use it in a ``with`` block (or call :meth:`close`).
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        frame_size_px: tuple[int, int],
        runner: RunnerChoice | None = None,
        options: LandmarkerOptions | None = None,
    ) -> None:
        self._model_path = model_path
        self._options = options
        self._frame_size = (int(frame_size_px[0]), int(frame_size_px[1]))
        self._runner = runner if runner is not None and runner.follows else None
        self._stack = contextlib.ExitStack()
        self._landmarker = self._open()
        self._last_ms = -1
        #: Times the tracker latched onto someone else and was started afresh.
        self.resets = 0

    def _open(self) -> Any:
        return self._stack.enter_context(
            open_landmarker(self._model_path, mode="video", num_poses=1, options=self._options)
        )

    def step(self, time_s: float, rgb: np.ndarray) -> PoseArrays | None:
        """The pose in the next frame (``time_s`` increasing), or None."""
        fw, fh = self._frame_size
        x0 = y0 = 0
        w, h = fw, fh
        runner = self._runner
        centre = runner.centre_at(time_s) if runner is not None else None
        if runner is not None:
            if centre is None:
                return None
            x0, y0, w, h = crop_window(centre, runner.crop_size_px, self._frame_size)
            rgb = rgb[y0 : y0 + h, x0 : x0 + w]
        ts_ms = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = ts_ms
        result = self._landmarker.detect_for_video(to_mp_image(rgb), ts_ms)
        if not result.pose_landmarks:
            return None
        img, world, vis, pres = result_arrays(result, 0, w, h)
        img += np.array([x0, y0], dtype=float)
        if centre is not None and _strayed(img, centre, max(w, h)):
            # the tracker latched onto someone else: drop it and start afresh
            self.resets += 1
            self._stack.close()
            self._landmarker = self._open()
            self._last_ms = -1
            return None
        return img, world, vis, pres

    def close(self) -> None:
        """Close the landmarker."""
        self._stack.close()

    def __enter__(self) -> VideoTracker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TrackRows:
    """The per-frame rows of a track, filled frame by frame (missing poses as NaN)."""

    _MISSING: PoseArrays = (
        np.full((N_LANDMARKS, 2), np.nan),
        np.full((N_LANDMARKS, 3), np.nan),
        np.full(N_LANDMARKS, np.nan),
        np.full(N_LANDMARKS, np.nan),
    )

    def __init__(self) -> None:
        self.times: list[float] = []
        self.poses: list[PoseArrays] = []

    def add(self, time_s: float, pose: PoseArrays | None) -> None:
        """Append one frame."""
        self.times.append(float(time_s))
        self.poses.append(pose if pose is not None else self._MISSING)

    def __len__(self) -> int:
        return len(self.times)

    def extend(self, other: TrackRows) -> None:
        """Append the frames of another (later) part."""
        self.times.extend(other.times)
        self.poses.extend(other.poses)

    def tracks(
        self, *, fps: float, frame_size_px: tuple[int, int], meta: dict[str, Any]
    ) -> PoseTracks:
        """The rows as :class:`PoseTracks`."""
        if not self.times:
            raise InputError(say("error.video.no_decodable_frames"))
        fw, fh = frame_size_px
        return PoseTracks(
            time_s=np.asarray(self.times, dtype=float),
            image_xy_px=np.asarray([p[0] for p in self.poses], dtype=float),
            world_xyz_m=np.asarray([p[1] for p in self.poses], dtype=float),
            visibility=np.asarray([p[2] for p in self.poses], dtype=float),
            presence=np.asarray([p[3] for p in self.poses], dtype=float),
            fps=float(fps),
            width_px=int(fw),
            height_px=int(fh),
            meta=meta,
        )


def track_pose(
    frames: Iterable[Any],
    model_path: str | Path,
    *,
    fps: float,
    frame_size_px: tuple[int, int],
    runner: RunnerChoice | None = None,
    options: LandmarkerOptions | None = None,
    progress: Callable[[int], None] | None = None,
    meta: dict[str, Any] | None = None,
    observers: Sequence[FrameObserver] = (),
) -> PoseTracks:
    """Track one pose through every frame (VIDEO mode) and return the tracks.

    Parameters
    ----------
    frames
        Iterable of frames with ``time_s`` (seconds, increasing), ``rgb`` (H, W, 3 uint8) and
        ``index`` (position in the clip, when observers are given).
    model_path
        The ``.task`` bundle.
    fps
        Nominal frame rate (stored with the tracks).
    frame_size_px
        ``(width, height)`` of the frames.
    runner
        Where the runner is (from :func:`choose_runner`); when it follows a crop window, each
        frame is cropped to it and frames where the runner is absent get no pose.
    options
        MediaPipe thresholds (None: the ``[pose]`` defaults).
    progress
        Called with the number of frames done after each frame.
    meta
        Metadata stored with the tracks.
    observers
        Handed every frame with the pose found in it (after :meth:`FrameObserver.reset`).
    """
    for observer in observers:
        observer.reset()
    rows = TrackRows()
    with VideoTracker(
        model_path, frame_size_px=frame_size_px, runner=runner, options=options
    ) as tracker:
        for n, frame in enumerate(frames, start=1):
            t = float(frame.time_s)
            found = tracker.step(t, frame.rgb)
            rows.add(t, found)
            for observer in observers:
                observer.observe(
                    frame.rgb,
                    int(frame.index),
                    t,
                    None if found is None else found[0],
                    None if found is None else found[1],
                )
            if progress is not None:
                progress(n)
    meta = {**(meta or {}), "tracker_resets": tracker.resets}
    return rows.tracks(fps=fps, frame_size_px=frame_size_px, meta=meta)


def _strayed(image_xy_px: np.ndarray, centre_px: np.ndarray, window_px: float) -> bool:
    """True when a pose's hips lie farther than 40% of the window from the expected centre."""
    hip = (image_xy_px[_L_HIP] + image_xy_px[_R_HIP]) / 2
    return bool(np.linalg.norm(hip - centre_px) > 0.4 * window_px)
