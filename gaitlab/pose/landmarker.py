"""Pose extraction: MediaPipe PoseLandmarker (Tasks API, VIDEO mode) over a stream of frames.

Two steps, so that a clip with one person costs about what bare single-pose inference costs and
a clip with several people still follows the runner:

1. :func:`choose_runner` looks at a few frames spread over the clip (IMAGE mode, several poses),
   links the people it sees into tracks and picks the runner: the person seen most often, largest,
   and whose legs move like walking or running (the feet alternate front/back or up/down).
   :class:`PeopleLook` does that look in a background thread, on frames handed over while the
   clip is being tracked, so that it overlaps the tracking.
2. :func:`track_pose` runs VIDEO mode with one pose on every frame. When more than one person was
   seen, each frame is cropped to a fixed-size window that follows the chosen runner, so the tracker
   cannot drift onto someone else; poses found outside the runner's window are discarded.

Frames without a pose are kept as missing (NaN), never dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import threading
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


class FrameObserver(Protocol):
    """Something that looks at every decoded frame of the pose pass, with the pose in it.

    Frames are decoded once; work that needs pixels (e.g. :mod:`gaitlab.markers`) rides along.
    ``reset`` is called before each pass (a clip may be tracked twice when the runner must be
    followed).
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
    """

    times_s: np.ndarray
    centres_px: np.ndarray
    crop_size_px: tuple[int, int] | None
    n_people: int
    score: float = 0.0

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
def _mp():
    """Import MediaPipe lazily (it is slow to import and noisy)."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return mp, BaseOptions, vision


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
    _, base_options, vision = _mp()
    running_mode = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE
    opts = vision.PoseLandmarkerOptions(
        base_options=base_options(model_asset_path=str(model_path)),
        running_mode=running_mode,
        num_poses=num_poses,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
        output_segmentation_masks=segmentation,
    )
    try:
        landmarker = vision.PoseLandmarker.create_from_options(opts)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(say("error.model.cannot_load", path=model_path, problem=exc)) from None
    with landmarker:
        yield landmarker


def to_mp_image(rgb: np.ndarray):
    """Wrap an RGB uint8 array as ``mp.Image`` (made C-contiguous: padded rows break detection)."""
    mp, _, _ = _mp()
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


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
def sight_people(
    frames: Iterable[Any],
    model_path: str | Path,
    *,
    max_people: int = 3,
    options: LandmarkerOptions | None = None,
) -> list[PersonSighting]:
    """Every person MediaPipe finds in a few frames (IMAGE mode, several poses per frame).

    Parameters
    ----------
    frames
        Objects with ``time_s`` and ``rgb`` (see :mod:`gaitlab.video`).
    """
    sightings: list[PersonSighting] = []
    with open_landmarker(model_path, mode="image", num_poses=max_people, options=options) as lm:
        for frame in frames:
            h, w = frame.rgb.shape[:2]
            result = lm.detect(to_mp_image(frame.rgb))
            for i in range(len(result.pose_landmarks)):
                img, _, _, _ = result_arrays(result, i, w, h)
                box = np.array([*img.min(axis=0), *img.max(axis=0)])
                sightings.append(
                    PersonSighting(
                        time_s=float(frame.time_s),
                        hip_xy_px=(img[_L_HIP] + img[_R_HIP]) / 2,
                        box_xyxy_px=box,
                        ankle_diff_px=img[_L_ANKLE] - img[_R_ANKLE],
                    )
                )
    return sightings


class PeopleLook:
    """:func:`sight_people` in a background thread, on frames handed over one by one.

    The pose stage hands over a few frames while it tracks the whole clip, so that opening a
    second (IMAGE-mode) landmarker and looking for everyone in those frames overlaps decoding
    and tracking instead of following them. MediaPipe releases the GIL while it runs a model,
    so the look uses a free core when there is one; on a busy machine it costs what the look
    costs anyway. Use it in a ``with`` block: leaving the block early stops the look.

    Parameters
    ----------
    model_path
        The ``.task`` bundle.
    max_people
        Maximum number of poses per frame.
    options
        Detection, presence and tracking thresholds (None: the ``[pose]`` defaults).
    """

    _END = object()

    def __init__(
        self,
        model_path: str | Path,
        *,
        max_people: int = 3,
        options: LandmarkerOptions | None = None,
    ) -> None:
        self.n_frames = 0
        self._frames: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._sightings: list[PersonSighting] = []
        self._error: Exception | None = None
        self._thread = threading.Thread(
            target=self._work,
            args=(model_path, max_people, options),
            name="gaitlab-people-look",
            daemon=True,
        )
        self._thread.start()

    def _handed(self) -> Iterator[Any]:
        """The frames handed over, until :meth:`result` or an early stop."""
        while True:
            frame = self._frames.get()
            if frame is self._END or self._stop.is_set():
                return
            yield frame

    def _work(
        self, model_path: str | Path, max_people: int, options: LandmarkerOptions | None
    ) -> None:
        try:
            self._sightings = sight_people(
                self._handed(), model_path, max_people=max_people, options=options
            )
        except Exception as exc:  # handed to the caller by result()
            self._error = exc

    def add(self, frame: Any) -> None:
        """Hand over one frame (an object with ``time_s`` and ``rgb``) to look at."""
        self.n_frames += 1
        self._frames.put(frame)

    def result(self) -> list[PersonSighting]:
        """Wait for the look to finish and return every person seen, as :func:`sight_people`.

        Raises
        ------
        ModelError
            As :func:`sight_people`, when the model cannot be loaded.
        """
        self._frames.put(self._END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._sightings

    def close(self) -> None:
        """Stop looking (frames not yet looked at are dropped) and wait for the thread."""
        self._stop.set()
        self._frames.put(self._END)
        self._thread.join()

    def __enter__(self) -> PeopleLook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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


# --------------------------------------------------------------------------- tracking


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
    observer: FrameObserver | None = None,
) -> PoseTracks:
    """Track one pose through every frame (VIDEO mode) and return the tracks.

    Parameters
    ----------
    frames
        Iterable of frames with ``time_s`` (seconds, increasing) and ``rgb`` (H, W, 3 uint8).
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
    observer
        Handed every frame with the pose found in it (after :meth:`FrameObserver.reset`).
    """
    fw, fh = frame_size_px
    if observer is not None:
        observer.reset()
    times: list[float] = []
    img_rows: list[np.ndarray] = []
    world_rows: list[np.ndarray] = []
    vis_rows: list[np.ndarray] = []
    pres_rows: list[np.ndarray] = []
    missing2 = np.full((N_LANDMARKS, 2), np.nan)
    missing3 = np.full((N_LANDMARKS, 3), np.nan)
    missing1 = np.full(N_LANDMARKS, np.nan)
    last_ms = -1
    follow = runner is not None and runner.follows
    resets = 0
    with contextlib.ExitStack() as stack:
        lm = stack.enter_context(
            open_landmarker(model_path, mode="video", num_poses=1, options=options)
        )
        for n, frame in enumerate(frames, start=1):
            t = float(frame.time_s)
            times.append(t)
            found = None
            rgb = frame.rgb
            x0 = y0 = 0
            w, h = fw, fh
            centre = runner.centre_at(t) if follow else None
            if follow and centre is not None:
                x0, y0, w, h = crop_window(centre, runner.crop_size_px, frame_size_px)
                rgb = rgb[y0 : y0 + h, x0 : x0 + w]
            if not follow or centre is not None:
                ts_ms = max(round(t * 1000.0), last_ms + 1)
                last_ms = ts_ms
                result = lm.detect_for_video(to_mp_image(rgb), ts_ms)
                if result.pose_landmarks:
                    img, world, vis, pres = result_arrays(result, 0, w, h)
                    img += np.array([x0, y0], dtype=float)
                    found = (img, world, vis, pres)
                    if centre is not None and _strayed(img, centre, max(w, h)):
                        # the tracker latched onto someone else: drop it and start afresh
                        found = None
                        resets += 1
                        stack.close()
                        lm = stack.enter_context(
                            open_landmarker(model_path, mode="video", num_poses=1, options=options)
                        )
                        last_ms = -1
            if found is None:
                img_rows.append(missing2)
                world_rows.append(missing3)
                vis_rows.append(missing1)
                pres_rows.append(missing1)
            else:
                img_rows.append(found[0])
                world_rows.append(found[1])
                vis_rows.append(found[2])
                pres_rows.append(found[3])
            if observer is not None:
                observer.observe(
                    frame.rgb,
                    n - 1,
                    t,
                    None if found is None else found[0],
                    None if found is None else found[1],
                )
            if progress is not None:
                progress(n)
    meta = {**(meta or {}), "tracker_resets": resets}
    if not times:
        raise InputError(say("error.video.no_decodable_frames"))
    return PoseTracks(
        time_s=np.asarray(times, dtype=float),
        image_xy_px=np.asarray(img_rows, dtype=float),
        world_xyz_m=np.asarray(world_rows, dtype=float),
        visibility=np.asarray(vis_rows, dtype=float),
        presence=np.asarray(pres_rows, dtype=float),
        fps=float(fps),
        width_px=int(fw),
        height_px=int(fh),
        meta=meta,
    )


def _strayed(image_xy_px: np.ndarray, centre_px: np.ndarray, window_px: float) -> bool:
    """True when a pose's hips lie farther than 40% of the window from the expected centre."""
    hip = (image_xy_px[_L_HIP] + image_xy_px[_R_HIP]) / 2
    return bool(np.linalg.norm(hip - centre_px) > 0.4 * window_px)
