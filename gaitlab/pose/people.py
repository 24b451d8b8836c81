"""The one look for people: a few frames spread over the clip, and everyone in them.

The pose stage (which person is the runner; how many others are about) and ``gaitlab check``
look at the same frames (:func:`look_times_s`, :class:`LookSchedule`) with the same function
(:func:`look_at_frame`), so they count the same people on the same clip.

In each frame, MediaPipe looks for up to :data:`MAX_PEOPLE` people (IMAGE mode). Its detector
mostly returns the most prominent person only, even when asked for several, so the frame is
looked at a second time with everyone found blanked out (:func:`blank_boxes`), and the people
found then are added. Across frames, the people of the first look are linked into tracks and the
runner is chosen among them (:func:`gaitlab.pose.landmarker.choose_runner`, as the pose stage
always has); everyone seen either way is counted (:func:`count_others`).

:class:`PeopleLook` does the look in a background thread on frames handed over while the clip
is being tracked, so that it overlaps the tracking; :func:`look_at_people` does it in line.
"""

from __future__ import annotations

import dataclasses
import math
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from gaitlab.config import Settings
from gaitlab.pose.landmarker import (
    LandmarkerOptions,
    PersonSighting,
    PoseArrays,
    RunnerChoice,
    choose_runner,
    link_sightings,
    open_landmarker,
    result_arrays,
    sight_people_in_tiles,
    to_mp_image,
)
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks

#: Most people looked for in each frame.
MAX_PEOPLE: int = 3
#: Margin (share of the box's width, height) blanked around each person for the second look.
BLANK_MARGIN: tuple[float, float] = (0.15, 0.1)
#: Grey level people are blanked with.
BLANK_LEVEL: int = 127
#: A runner found on whole frames shorter than this share of the frame's shorter side (or no
#: runner at all) makes the look go again in tiles (:func:`look_in_tiles`).
SMALL_RUNNER_SHARE: float = 0.25


# --------------------------------------------------------------------------- which frames
def n_runner_samples(duration_s: float, *, per_s: float, minimum: int, maximum: int) -> int:
    """How many frames to look at, ``per_s`` a second within ``[minimum, maximum]``."""
    return int(min(maximum, max(minimum, round(duration_s * per_s))))


def n_look_frames(duration_s: float, settings: Settings) -> int:
    """Frames the look at people takes: the ``[checks] sample_frames``, or more when the
    ``[pose] runner_sample_*`` settings ask for more on a long clip."""
    pose = settings.pose
    by_length = n_runner_samples(
        duration_s,
        per_s=pose.runner_sample_frames_per_s,
        minimum=pose.runner_sample_min,
        maximum=pose.runner_sample_max,
    )
    return max(int(settings.checks.sample_frames), by_length)


def n_closer_frames(duration_s: float, settings: Settings) -> int:
    """Frames of the closer look taken when the first look does not find one runner alone in
    every frame (``[pose] runner_dense_*``); never fewer than the first look's."""
    pose = settings.pose
    dense = n_runner_samples(
        duration_s,
        per_s=pose.runner_dense_frames_per_s,
        minimum=0,
        maximum=pose.runner_dense_max,
    )
    return max(dense, n_look_frames(duration_s, settings))


def look_times_s(duration_s: float, n: int) -> np.ndarray:
    """The times looked at: the middle of each of ``n`` equal parts of the clip."""
    n = max(int(n), 0)
    return (np.arange(n) + 0.5) * (float(duration_s) / max(n, 1))


@dataclasses.dataclass(frozen=True)
class LookSchedule:
    """Which decoded frames are looked at: for each target time, the first frame at or after
    the target less half a frame period (the rule :func:`gaitlab.video.frames_at` follows when
    it seeks to the same times).

    Attributes
    ----------
    times_s
        Target times, increasing.
    period_s
        Nominal frame period.
    """

    times_s: np.ndarray
    period_s: float

    @classmethod
    def for_clip(cls, duration_s: float, fps: float, n: int) -> LookSchedule:
        """The schedule of ``n`` frames over a clip."""
        return cls(look_times_s(duration_s, n), 1.0 / fps if fps > 0 else 0.0)

    def wants(self, time_s: float, previous_time_s: float | None) -> bool:
        """True when the frame at ``time_s``, decoded right after one at ``previous_time_s``
        (None for the clip's first frame), is looked at."""
        edges = self.times_s - 0.5 * self.period_s
        low = -math.inf if previous_time_s is None else previous_time_s
        i = int(np.searchsorted(edges, low, side="right"))
        return i < edges.size and edges[i] <= time_s


# --------------------------------------------------------------------------- one frame
def blank_boxes(rgb: np.ndarray, boxes_xyxy_px: Sequence[np.ndarray]) -> np.ndarray:
    """A copy of ``rgb`` with each box (grown by :data:`BLANK_MARGIN`) filled with grey."""
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for x0, y0, x1, y1 in boxes_xyxy_px:
        dx, dy = BLANK_MARGIN[0] * (x1 - x0), BLANK_MARGIN[1] * (y1 - y0)
        xa, xb = int(max(0, np.floor(x0 - dx))), int(min(w, np.ceil(x1 + dx)))
        ya, yb = int(max(0, np.floor(y0 - dy))), int(min(h, np.ceil(y1 + dy)))
        out[ya:yb, xa:xb] = BLANK_LEVEL
    return out


def box_of(image_xy_px: np.ndarray) -> np.ndarray:
    """``(4,)`` box ``x0, y0, x1, y1`` around one pose's landmarks."""
    return np.array([*np.nanmin(image_xy_px, axis=0), *np.nanmax(image_xy_px, axis=0)])


def _inside_any(image_xy_px: np.ndarray, boxes_xyxy_px: Sequence[np.ndarray]) -> bool:
    """True when the pose's box centre lies inside one of the boxes."""
    b = box_of(image_xy_px)
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    return any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes_xyxy_px)


@dataclasses.dataclass(frozen=True)
class FrameLook:
    """What one frame showed.

    Attributes
    ----------
    time_s
        The frame's time.
    poses
        Every pose of the first look (the runner is one of them).
    extra_xy_px
        ``(33, 2)`` image landmarks of each person found only with the others blanked out.
    """

    time_s: float
    poses: tuple[PoseArrays, ...]
    extra_xy_px: tuple[np.ndarray, ...]


def look_at_frame(
    landmarker: Any, time_s: float, rgb: np.ndarray, *, second_look: bool = True
) -> FrameLook:
    """Everyone in one frame: a first look, then a second with everyone found blanked out.

    Parameters
    ----------
    landmarker
        An IMAGE-mode landmarker asking for several poses (:data:`MAX_PEOPLE`).
    time_s, rgb
        The frame.
    second_look
        False to skip the look with the people found blanked out.
    """
    h, w = rgb.shape[:2]
    result = landmarker.detect(to_mp_image(rgb))
    poses = tuple(result_arrays(result, i, w, h) for i in range(len(result.pose_landmarks)))
    extra: list[np.ndarray] = []
    if poses and second_look:
        boxes = [box_of(p[0]) for p in poses]
        again = landmarker.detect(to_mp_image(blank_boxes(rgb, boxes)))
        for i in range(len(again.pose_landmarks)):
            img = result_arrays(again, i, w, h)[0]
            if not _inside_any(img, boxes):
                extra.append(img)
    return FrameLook(float(time_s), poses, tuple(extra))


# --------------------------------------------------------------------------- across frames
def sighting(time_s: float, image_xy_px: np.ndarray) -> PersonSighting:
    """A :class:`PersonSighting` from one pose's image landmarks."""
    img = image_xy_px
    return PersonSighting(
        time_s=float(time_s),
        hip_xy_px=(img[INDEX["left_hip"]] + img[INDEX["right_hip"]]) / 2,
        box_xyxy_px=np.array([*img.min(axis=0), *img.max(axis=0)]),
        ankle_diff_px=img[INDEX["left_ankle"]] - img[INDEX["right_ankle"]],
    )


def count_others(sightings: Sequence[PersonSighting], runner: RunnerChoice | None) -> int:
    """People linked from ``sightings`` (as the pose stage links them) other than the runner.

    The runner's track is the one holding a sighting of the runner
    (:class:`~gaitlab.pose.landmarker.RunnerChoice` ``times_s`` and ``centres_px``).
    """
    tracks = link_sightings(sightings)
    if runner is None:
        return len(tracks)
    mine = {
        (float(t), round(float(x), 3), round(float(y), 3))
        for t, (x, y) in zip(runner.times_s, runner.centres_px, strict=True)
    }

    def key(s: PersonSighting) -> tuple[float, float, float]:
        c = (s.box_xyxy_px[:2] + s.box_xyxy_px[2:]) / 2
        return (float(s.time_s), round(float(c[0]), 3), round(float(c[1]), 3))

    return sum(1 for tr in tracks if not any(key(s) in mine for s in tr))


@dataclasses.dataclass(frozen=True)
class PeopleSeen:
    """What a look at a few frames found.

    Attributes
    ----------
    frames
        What each frame looked at showed, in time order.
    runner
        The runner, chosen among the people of the first looks; None when nobody was seen.
    n_others
        People seen besides the runner (:func:`count_others`, over both looks).
    in_tiles
        The runner was found in tiles of the frames (:func:`look_in_tiles`): the poses of
        ``frames`` are other people's, or the runner's seen too small to trust.
    """

    frames: tuple[FrameLook, ...]
    runner: RunnerChoice | None
    n_others: int
    in_tiles: bool = False

    @property
    def n_frames(self) -> int:
        """Frames looked at."""
        return len(self.frames)

    @property
    def times_s(self) -> np.ndarray:
        """Times of the frames looked at."""
        return np.array([f.time_s for f in self.frames], dtype=float)

    def runner_tracks(
        self, *, fps: float, frame_size_px: tuple[int, int], source: str = ""
    ) -> PoseTracks:
        """The runner's landmarks in the frames looked at (NaN where the runner was not seen).

        In each frame the runner is the pose whose box centre is nearest the runner's sighting
        at that time.
        """
        times = self.times_s
        tracks = PoseTracks.empty(
            times, fps=fps, width_px=frame_size_px[0], height_px=frame_size_px[1], source=source
        )
        if self.runner is None:
            return tracks
        for t, centre in zip(self.runner.times_s, self.runner.centres_px, strict=True):
            i = int(np.argmin(np.abs(times - t)))
            found = self.frames[i].poses
            if not found:
                continue
            centres = [(img.min(axis=0) + img.max(axis=0)) / 2 for img, *_ in found]
            k = int(np.argmin([np.linalg.norm(c - centre) for c in centres]))
            img, world, vis, pres = found[k]
            tracks.image_xy_px[i], tracks.world_xyz_m[i] = img, world
            tracks.visibility[i], tracks.presence[i] = vis, pres
        return tracks

    def as_dict(self) -> dict[str, Any]:
        """For ``summary.json``: frames looked at and people seen."""
        return {"n_frames_looked_at": self.n_frames, "n_others_seen": self.n_others}


def people_seen(looks: Iterable[FrameLook], frame_size_px: tuple[int, int]) -> PeopleSeen:
    """Choose the runner and count the others from the looks at several frames (any order)."""
    frames = tuple(sorted(looks, key=lambda f: f.time_s))
    first = [sighting(f.time_s, p[0]) for f in frames for p in f.poses]
    extra = [sighting(f.time_s, img) for f in frames for img in f.extra_xy_px]
    runner = choose_runner(first, n_samples=len(frames), frame_size_px=frame_size_px)
    return PeopleSeen(frames, runner, count_others([*first, *extra], runner))


def look_at_people(
    frames: Iterable[Any],
    model_path: str | Path,
    *,
    frame_size_px: tuple[int, int],
    options: LandmarkerOptions | None = None,
) -> PeopleSeen:
    """:func:`look_at_frame` on each frame (objects with ``time_s`` and ``rgb``), in line."""
    with open_landmarker(model_path, mode="image", num_poses=MAX_PEOPLE, options=options) as lm:
        looks = [look_at_frame(lm, f.time_s, f.rgb) for f in frames]
    return people_seen(looks, frame_size_px)


def needs_closer_look(seen: PeopleSeen) -> bool:
    """True unless one runner alone was seen in (nearly) every frame looked at."""
    return seen.runner is None or seen.runner.follows


def settle(first: PeopleSeen, closer: PeopleSeen | None) -> PeopleSeen:
    """The look that decides: the closer one when it found a runner, else the first."""
    return closer if closer is not None and closer.runner is not None else first


def needs_tiles(seen: PeopleSeen, frame_size_px: tuple[int, int]) -> bool:
    """True when no runner was found on whole frames, or one too small for the whole-frame
    detector to be sure of (:data:`SMALL_RUNNER_SHARE`)."""
    runner = seen.runner
    return runner is None or runner.height_px < SMALL_RUNNER_SHARE * min(frame_size_px)


def look_in_tiles(
    seen: PeopleSeen,
    frames: Sequence[Any],
    model_path: str | Path,
    *,
    frame_size_px: tuple[int, int],
    options: LandmarkerOptions | None = None,
) -> PeopleSeen:
    """``seen`` with the runner found in tiles of the same frames
    (:func:`gaitlab.pose.landmarker.sight_people_in_tiles`) when that runner scores higher,
    followed with a crop window; else ``seen`` unchanged."""
    tiled = sight_people_in_tiles(frames, model_path, options=options)
    in_tiles = choose_runner(tiled, n_samples=len(frames), frame_size_px=frame_size_px)
    if in_tiles is None or (seen.runner is not None and in_tiles.score <= seen.runner.score):
        return seen
    crop = in_tiles.crop_size_px or _crop_for(tiled, frame_size_px)
    runner = dataclasses.replace(in_tiles, crop_size_px=crop)
    return dataclasses.replace(seen, runner=runner, in_tiles=True)


def _crop_for(sightings: list[PersonSighting], frame_size: tuple[int, int]) -> tuple[int, int]:
    """A follow window for a small runner seen in tiles (as :func:`choose_runner` makes)."""
    side = 1.5 * max(max(s.box_xyxy_px[2] - s.box_xyxy_px[0], s.height_px) for s in sightings)
    return int(min(frame_size[0], side)), int(min(frame_size[1], side))


class PeopleLook:
    """:func:`look_at_people` in a background thread, on frames handed over one by one.

    The pose stage hands over the frames of the :class:`LookSchedule` while it tracks the whole
    clip, so that opening a second (IMAGE-mode) landmarker and looking for everyone in those
    frames overlaps decoding and tracking instead of following them. MediaPipe releases the GIL
    while it runs a model, so the look uses a free core when there is one. Frames may be handed
    over from several threads, in any order. Use it in a ``with`` block: leaving the block early
    stops the look.

    Parameters
    ----------
    model_path
        The ``.task`` bundle.
    frame_size_px
        ``(width, height)`` of the frames.
    options
        Detection, presence and tracking thresholds (None: the ``[pose]`` defaults).
    """

    _END = object()

    def __init__(
        self,
        model_path: str | Path,
        *,
        frame_size_px: tuple[int, int],
        options: LandmarkerOptions | None = None,
    ) -> None:
        self.n_frames = 0
        self._frame_size = frame_size_px
        self._lock = threading.Lock()
        self._frames: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._looks: list[FrameLook] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(model_path, options), name="gaitlab-people-look", daemon=True
        )
        self._thread.start()

    def _handed(self) -> Iterator[Any]:
        while True:
            frame = self._frames.get()
            if frame is self._END or self._stop.is_set():
                return
            yield frame

    def _work(self, model_path: str | Path, options: LandmarkerOptions | None) -> None:
        try:
            with open_landmarker(
                model_path, mode="image", num_poses=MAX_PEOPLE, options=options
            ) as lm:
                for frame in self._handed():
                    self._looks.append(look_at_frame(lm, frame.time_s, frame.rgb))
        except Exception as exc:  # handed to the caller by result()
            self._error = exc

    def add(self, frame: Any) -> None:
        """Hand over one frame (an object with ``time_s`` and ``rgb``) to look at."""
        with self._lock:
            self.n_frames += 1
        self._frames.put(frame)

    def reset(self) -> None:
        """Nothing to forget: the look is taken once, in the first pass."""

    def result(self) -> PeopleSeen:
        """Wait for the look to finish and return what it found.

        Raises
        ------
        ModelError
            When the model cannot be loaded.
        """
        self._frames.put(self._END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return people_seen(self._looks, self._frame_size)

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
