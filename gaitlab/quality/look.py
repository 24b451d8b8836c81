"""Looking at a clip's pixels for the capture checks: people in a few frames, a short burst of
consecutive frames, and the camera's movement between them.

The pose stage's own pieces are reused: :func:`gaitlab.pose.landmarker.choose_runner` picks the
runner, :func:`gaitlab.pose.landmarker.track_pose` follows them through the burst.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from gaitlab.pose.landmarker import (
    FrameObserver,
    LandmarkerOptions,
    PersonSighting,
    RunnerChoice,
    choose_runner,
    link_sightings,
    open_landmarker,
    result_arrays,
    to_mp_image,
    track_pose,
)
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.model import ModelFile
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import measure
from gaitlab.video import Frame, VideoInfo, iter_frames, sample_frames

#: Most people looked for in each sampled frame.
MAX_PEOPLE: int = 3
#: Height (pixels) frames are scaled to for the shake measurement, and how many consecutive
#: frames of the burst it uses (a second at 30 fps).
SHAKE_HEIGHT_PX: int = 320
SHAKE_FRAMES: int = 31
#: Margin (share of the box's width, height) blanked around the runner for the second look.
BLANK_MARGIN: tuple[float, float] = (0.15, 0.1)
#: Grey level the runner is blanked with.
BLANK_LEVEL: int = 127

PoseArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclasses.dataclass(frozen=True)
class PeopleSeen:
    """What a look at a few frames found.

    Attributes
    ----------
    frames
        The sampled frames.
    poses
        Every pose found in each frame (:func:`detect_people`).
    runner
        The runner as the pose stage chooses them, or None when nobody was seen.
    tracks
        The runner's landmarks in the sampled frames (NaN where not seen).
    n_others
        People seen besides the runner (:func:`count_others`).
    """

    frames: list[Frame]
    poses: list[list[PoseArrays]]
    runner: RunnerChoice | None
    tracks: PoseTracks
    n_others: int


def look_at_people(
    frames: list[Frame],
    model: ModelFile,
    video: VideoInfo,
    *,
    options: LandmarkerOptions,
) -> PeopleSeen:
    """Find every person in ``frames``, choose the runner, and count the others.

    MediaPipe's detector mostly returns the most prominent person only, even when asked for
    several, so each frame is looked at a second time with the runner blanked out
    (:func:`blank_boxes`); the people found either way are linked across frames
    (:func:`gaitlab.pose.landmarker.link_sightings`) and counted (:func:`count_others`).
    """
    size = (video.width_px, video.height_px)
    poses = detect_people(frames, model.path, options=options)
    first = [
        sighting(f.time_s, p[0]) for f, found in zip(frames, poses, strict=True) for p in found
    ]
    runner = choose_runner(first, n_samples=len(frames), frame_size_px=size)
    tracks = runner_tracks(frames, poses, runner, video)
    boxes = measure.runner_boxes_px(tracks)
    blanked = [
        Frame(f.index, f.time_s, blank_boxes(f.rgb, [b]))
        for f, b in zip(frames, boxes, strict=True)
        if np.all(np.isfinite(b))
    ]
    second = detect_people(blanked, model.path, options=options) if blanked else []
    extra = [
        sighting(f.time_s, p[0])
        for f, found in zip(blanked, second, strict=True)
        for p in found
        if not _inside_any(p[0], [s for s in first if s.time_s == f.time_s])
    ]
    return PeopleSeen(frames, poses, runner, tracks, count_others([*first, *extra], runner))


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


def _inside_any(image_xy_px: np.ndarray, seen: Sequence[PersonSighting]) -> bool:
    """True when the pose's box centre lies inside the box of a person already seen."""
    c = (np.nanmin(image_xy_px, axis=0) + np.nanmax(image_xy_px, axis=0)) / 2
    return any(
        s.box_xyxy_px[0] <= c[0] <= s.box_xyxy_px[2]
        and s.box_xyxy_px[1] <= c[1] <= s.box_xyxy_px[3]
        for s in seen
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


def sample_and_look(
    path: Path,
    model: ModelFile,
    video: VideoInfo,
    *,
    options: LandmarkerOptions,
    n: int,
    slowmo_factor: float,
) -> PeopleSeen:
    """:func:`look_at_people` on ``n`` frames spread over the clip."""
    frames = sample_frames(path, n, slowmo_factor=slowmo_factor)
    return look_at_people(frames, model, video, options=options)


def frame_rows(tracks: PoseTracks, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The per-frame arrays of ``tracks`` at frame indices ``idx``."""
    return {
        "time_s": tracks.time_s[idx],
        "image_xy_px": tracks.image_xy_px[idx],
        "world_xyz_m": tracks.world_xyz_m[idx],
        "visibility": tracks.visibility[idx],
        "presence": tracks.presence[idx],
    }


def detect_people(
    frames: Sequence[Frame],
    model_path: str | Path,
    *,
    options: LandmarkerOptions,
    max_people: int = MAX_PEOPLE,
) -> list[list[PoseArrays]]:
    """Every pose in each frame (IMAGE mode, several poses): ``(image_xy_px, world_xyz_m,
    visibility, presence)`` per pose, per frame.

    Like :func:`gaitlab.pose.landmarker.sight_people`, but keeping the whole landmark sets, so
    the runner's pose in each frame feeds the view and whole-body checks without a second run.
    """
    out: list[list[PoseArrays]] = []
    with open_landmarker(model_path, mode="image", num_poses=max_people, options=options) as lm:
        for frame in frames:
            h, w = frame.rgb.shape[:2]
            result = lm.detect(to_mp_image(frame.rgb))
            out.append([result_arrays(result, i, w, h) for i in range(len(result.pose_landmarks))])
    return out


def sighting(time_s: float, image_xy_px: np.ndarray) -> PersonSighting:
    """A :class:`PersonSighting` from one pose, as :func:`sight_people` makes it."""
    img = image_xy_px
    return PersonSighting(
        time_s=float(time_s),
        hip_xy_px=(img[INDEX["left_hip"]] + img[INDEX["right_hip"]]) / 2,
        box_xyxy_px=np.array([*img.min(axis=0), *img.max(axis=0)]),
        ankle_diff_px=img[INDEX["left_ankle"]] - img[INDEX["right_ankle"]],
    )


def runner_tracks(
    frames: Sequence[Frame],
    poses: Sequence[Sequence[PoseArrays]],
    runner: RunnerChoice | None,
    video: VideoInfo,
) -> PoseTracks:
    """The runner's landmarks in the sampled frames (NaN where the runner was not seen).

    In each frame the runner is the pose whose box centre is the runner's sighting at that time
    (:class:`~gaitlab.pose.landmarker.RunnerChoice` ``centres_px``).
    """
    times = np.array([f.time_s for f in frames], dtype=float)
    tracks = PoseTracks.empty(
        times,
        fps=video.fps,
        width_px=video.width_px,
        height_px=video.height_px,
        source=str(video.path),
    )
    if runner is None:
        return tracks
    for t, centre in zip(runner.times_s, runner.centres_px, strict=True):
        i = int(np.argmin(np.abs(times - t)))
        found = poses[i]
        if not found:
            continue
        centres = [(img.min(axis=0) + img.max(axis=0)) / 2 for img, *_ in found]
        k = int(np.argmin([np.linalg.norm(c - centre) for c in centres]))
        img, world, vis, pres = found[k]
        tracks.image_xy_px[i], tracks.world_xyz_m[i] = img, world
        tracks.visibility[i], tracks.presence[i] = vis, pres
    return tracks


def gray_copies(
    frames: Iterable[Frame],
    into: list[np.ndarray],
    *,
    height_px: int = SHAKE_HEIGHT_PX,
    max_copies: int = SHAKE_FRAMES,
) -> Iterator[Frame]:
    """Pass frames through, keeping a grey copy, scaled to ``height_px`` rows, of the first
    ``max_copies``."""
    import cv2

    for frame in frames:
        if len(into) >= max_copies:
            yield frame
            continue
        h, w = frame.rgb.shape[:2]
        scale = min(1.0, height_px / h)
        small = cv2.resize(
            frame.rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
        into.append(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        yield frame


def burst_window(info: VideoInfo, burst_s: float, max_fps: float) -> tuple[float, int, int]:
    """``(start_s, max_frames, every_nth)`` of the consecutive frames read at mid-clip: the
    middle ``burst_s`` seconds (the whole clip if shorter), every n-th frame so that at most
    ``max_fps`` frames per second are read."""
    length_s = min(burst_s, info.duration_s)
    start_s = max(0.0, 0.5 * (info.duration_s - length_s))
    every = max(1, round(info.fps / max_fps))
    return start_s, max(2, round(length_s * info.fps / every)), every


def track_burst(
    path: Path,
    video: VideoInfo,
    model: ModelFile,
    *,
    options: LandmarkerOptions,
    runner: RunnerChoice | None,
    fallback_box_px: np.ndarray,
    burst_s: float,
    max_fps: float,
    observer: FrameObserver | None = None,
) -> tuple[PoseTracks, np.ndarray]:
    """Track the runner through ``burst_s`` of consecutive frames at mid-clip, and measure the
    background's movement between the first :data:`SHAKE_FRAMES` of them (shake).

    ``observer`` sees each frame of the burst with the pose in it (the sticker finder).

    Returns
    -------
    tracks : PoseTracks
        The runner in the burst (VIDEO mode; frames cropped to follow the runner when the look
        at people saw more than one person, as the pose stage does).
    shifts_px : numpy.ndarray
        ``(n, 2)`` background movement between consecutive frames (:func:`frame_shifts_px`).
    """
    start_s, n, every = burst_window(video, burst_s, max_fps)
    grays: list[np.ndarray] = []
    with iter_frames(
        path, slowmo_factor=video.slowmo_factor, start_s=start_s, max_frames=n, every_nth=every
    ) as frames:
        tracks = track_pose(
            gray_copies(frames, grays),
            model.path,
            fps=video.fps / every,
            frame_size_px=(video.width_px, video.height_px),
            runner=runner if runner is not None and runner.follows else None,
            options=options,
            observer=observer,
        )
    boxes = measure.runner_boxes_px(tracks)
    return tracks, frame_shifts_px(grays, boxes, fallback_box_px, video.height_px)


def burst_shifts(
    path: Path, video: VideoInfo, tracks: PoseTracks, *, burst_s: float, max_fps: float
) -> np.ndarray:
    """Background movement between the first :data:`SHAKE_FRAMES` frames of the burst, the
    runner's box taken from already-tracked ``tracks`` (nearest frame)."""
    start_s, n, every = burst_window(video, burst_s, max_fps)
    grays: list[np.ndarray] = []
    times: list[float] = []
    with iter_frames(
        path,
        slowmo_factor=video.slowmo_factor,
        start_s=start_s,
        max_frames=min(n, SHAKE_FRAMES),
        every_nth=every,
    ) as stream:
        times = [frame.time_s for frame in gray_copies(stream, grays)]
    boxes = boxes_at(tracks, times)
    return frame_shifts_px(grays, boxes, median_box(tracks), video.height_px)


def boxes_at(tracks: PoseTracks, times_s: Sequence[float]) -> np.ndarray:
    """``(n, 4)`` the runner's box in the tracked frame nearest each time."""
    boxes = measure.runner_boxes_px(tracks)
    if not len(times_s) or not tracks.n_frames:
        return np.full((len(times_s), 4), np.nan)
    idx = [int(np.argmin(np.abs(tracks.time_s - t))) for t in times_s]
    return boxes[idx]


def median_box(tracks: PoseTracks) -> np.ndarray:
    """The runner's median box over the frames with a pose (NaN without any)."""
    if not tracks.has_pose.any():
        return np.full(4, np.nan)
    return np.nanmedian(measure.runner_boxes_px(tracks), axis=0)


def frame_shifts_px(
    grays: Sequence[np.ndarray],
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
