"""The pose stage as one call: a video file in, landmark tracks of the runner out.

One pass over the clip decodes every frame once. The clip is cut into chunks tracked at the same
time, one per core (:mod:`gaitlab.pose.chunks`); each chunk has its own reader and landmarker,
in its own thread. Every frame the pass keeps is handed, with the pose found in it, to the
per-frame observers (the capture checks' measurements, the sticker finder:
:class:`gaitlab.pose.landmarker.FrameObserver`), and the few frames of the look for people
(:mod:`gaitlab.pose.people`) go to that look, which runs in a background thread meanwhile.
A second pass, following the runner, only follows for clips where the runner is not alone.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gaitlab.config import Settings, load_defaults
from gaitlab.errors import InputError
from gaitlab.pose.chunks import Chunk, plan_chunks, resolve_workers
from gaitlab.pose.landmarker import (
    FrameObserver,
    LandmarkerOptions,
    PoseArrays,
    RunnerChoice,
    TrackRows,
    VideoTracker,
)
from gaitlab.pose.model import ModelFile
from gaitlab.pose.people import (
    LookSchedule,
    PeopleLook,
    PeopleSeen,
    look_at_people,
    look_in_tiles,
    look_times_s,
    n_closer_frames,
    n_look_frames,
    n_runner_samples,
    needs_closer_look,
    needs_tiles,
    settle,
)
from gaitlab.pose.tracks import PoseTracks
from gaitlab.video import Frame, VideoInfo, frames_at, iter_frames, probe
from gaitlab.words import say

__all__ = [
    "LookHandler",
    "PoseResult",
    "closer_look",
    "extract_pose",
    "n_runner_samples",
    "track_clip",
]

#: Takes a frame of the look for people and the pose tracked in it (or None).
LookHandler = Callable[[Frame, PoseArrays | None], None]


@dataclasses.dataclass(frozen=True)
class PoseResult:
    """What the pose stage hands on.

    Attributes
    ----------
    tracks
        The runner's landmarks on every frame (missing frames as NaN).
    video
        Facts about the clip.
    runner
        How the runner was chosen (None when nobody was seen in the frames looked at and whole
        frames were tracked).
    model
        The model file used (None when the landmarks were given, e.g. synthetic tracks).
    people
        The look for people that chose the runner (None when the landmarks were given).
    """

    tracks: PoseTracks
    video: VideoInfo
    runner: RunnerChoice | None
    model: ModelFile | None
    people: PeopleSeen | None = None

    def as_dict(self) -> dict:
        """The ``pose`` block of ``summary.json``."""
        has = self.tracks.has_pose
        model = (
            {"name": self.model.name, "sha256": self.model.sha256, "file": self.model.path.name}
            if self.model is not None
            else {"name": "none (landmarks given)", "sha256": "", "file": None}
        )
        return {
            "model": model,
            "frames_with_pose": int(has.sum()),
            "detection_rate": round(float(has.mean()) if has.size else 0.0, 4),
            "runner_selection": self.runner.as_dict() if self.runner else None,
            "mode": "video",
        }


class _Progress:
    """Frames done over all chunks, reported through one callback (thread-safe)."""

    def __init__(self, total: int, report: Callable[[int, int], None] | None) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = total
        self._report = report

    def tick(self) -> None:
        if self._report is None:
            return
        with self._lock:
            self._done += 1
            self._report(self._done, self._total)


@dataclasses.dataclass(frozen=True)
class _PassPlan:
    """What one pass over the clip needs besides its chunk."""

    path: Path
    info: VideoInfo
    model_path: Path
    options: LandmarkerOptions
    runner: RunnerChoice | None
    observers: tuple[tuple[FrameObserver, threading.Lock], ...]
    look: tuple[LookSchedule, tuple[LookHandler, ...]] | None


def _track_chunk(
    plan: _PassPlan, chunk: Chunk, progress: _Progress, stop: threading.Event
) -> tuple[TrackRows, int]:
    """Track one chunk: its warm-up frames, dropped, then its own frames, handed on."""
    info = plan.info
    rows = TrackRows()
    previous_s: float | None = None
    with (
        iter_frames(
            plan.path, slowmo_factor=info.slowmo_factor, start_s=chunk.decode_from_s
        ) as frames,
        VideoTracker(
            plan.model_path,
            frame_size_px=(info.width_px, info.height_px),
            runner=plan.runner,
            options=plan.options,
        ) as tracker,
    ):
        for frame in frames:
            if stop.is_set():
                break
            t = float(frame.time_s)
            if t >= chunk.end_s:
                break
            found = tracker.step(t, frame.rgb)
            if chunk.keeps(t):
                rows.add(t, found)
                if plan.look is not None and plan.look[0].wants(t, previous_s):
                    for hand in plan.look[1]:
                        hand(frame, found)
                for observer, lock in plan.observers:
                    with lock:
                        observer.observe(
                            frame.rgb,
                            int(frame.index),
                            t,
                            None if found is None else found[0],
                            None if found is None else found[1],
                        )
                progress.tick()
            previous_s = t
    return rows, tracker.resets


def _run_pass(
    plan: _PassPlan,
    chunks: Sequence[Chunk],
    progress: _Progress,
    meta: dict[str, Any],
) -> PoseTracks:
    """Track every chunk at once (the first in this thread) and join them by time."""
    for observer, _ in plan.observers:
        observer.reset()
    results: list[tuple[TrackRows, int] | None] = [None] * len(chunks)
    errors: list[BaseException] = []
    stop = threading.Event()

    def work(i: int) -> None:
        try:
            results[i] = _track_chunk(plan, chunks[i], progress, stop)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
            stop.set()

    threads = [
        threading.Thread(target=work, args=(i,), name=f"gaitlab-pose-chunk-{i}", daemon=True)
        for i in range(1, len(chunks))
    ]
    for thread in threads:
        thread.start()
    try:
        results[0] = _track_chunk(plan, chunks[0], progress, stop)
    finally:
        if results[0] is None:  # the first chunk failed or was interrupted: stop the others
            stop.set()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    rows = TrackRows()
    resets = 0
    for result in results:
        assert result is not None
        rows.extend(result[0])
        resets += result[1]
    meta = {
        **meta,
        "tracker_resets": resets,
        "chunks": [c.as_dict() for c in chunks],
    }
    info = plan.info
    return rows.tracks(fps=info.fps, frame_size_px=(info.width_px, info.height_px), meta=meta)


def track_clip(
    path: str | Path,
    info: VideoInfo,
    model: ModelFile,
    settings: Settings,
    *,
    runner: RunnerChoice | None = None,
    observers: Sequence[FrameObserver] = (),
    look: tuple[LookSchedule, Sequence[LookHandler]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PoseTracks:
    """One pass over the clip: every frame decoded once and tracked, in chunks tracked at the
    same time (``[pose] chunks``; one chunk on one core or for short clips).

    Parameters
    ----------
    path, info
        The video file and its facts (:func:`gaitlab.video.probe`).
    model
        The verified pose model.
    settings
        The settings (``[pose]`` thresholds and chunking).
    runner
        Follow this runner (a crop window) instead of tracking on whole frames.
    observers
        Handed every frame the pass keeps, each frame once (after ``reset()``).
    look
        A schedule of frames to look at, and the functions they are handed to with the pose
        tracked in them.
    progress
        Called with ``(frames_done, frames_total)``.
    """
    pose_cfg = settings.pose
    options = LandmarkerOptions.from_settings(pose_cfg)
    chunks = plan_chunks(
        info.n_frames,
        info.fps,
        workers=resolve_workers(pose_cfg.chunks),
        warmup_frames=pose_cfg.chunk_warmup_frames,
        min_frames=pose_cfg.chunk_min_frames,
    )
    plan = _PassPlan(
        path=Path(path),
        info=info,
        model_path=model.path,
        options=options,
        runner=runner,
        observers=tuple((o, threading.Lock()) for o in observers),
        look=None if look is None else (look[0], tuple(look[1])),
    )
    meta = {
        "source": str(path),
        "model": {"name": model.name, "sha256": model.sha256},
        "landmarker": dataclasses.asdict(options),
        "slowmo_factor": info.slowmo_factor,
        "chunk_warmup_frames": pose_cfg.chunk_warmup_frames,
    }
    return _run_pass(plan, chunks, _Progress(info.n_frames, progress), meta)


def closer_look(
    path: str | Path,
    info: VideoInfo,
    model: ModelFile,
    settings: Settings,
    seen: PeopleSeen,
    frames: Sequence[Frame] | None = None,
) -> tuple[PeopleSeen, Sequence[Frame] | None]:
    """The look that decides when the first one was not clear (``gaitlab analyze`` and
    ``gaitlab check`` both take it): more frames when one runner was not alone in every frame
    looked at, then tiles of the frames when the runner is missing or small
    (:func:`gaitlab.pose.people.look_in_tiles`).

    ``frames``: those of the first look when at hand (else decoded again if needed). Returns
    the look that decides and its frames (None when they were not decoded here).
    """
    options = LandmarkerOptions.from_settings(settings.pose)
    size = (info.width_px, info.height_px)
    slowmo = info.slowmo_factor
    if needs_closer_look(seen):
        n_closer = n_closer_frames(info.duration_s, settings)
        if n_closer > seen.n_frames:
            more = frames_at(path, look_times_s(info.duration_s, n_closer), slowmo_factor=slowmo)
            closer = look_at_people(more, model.path, frame_size_px=size, options=options)
            if settle(seen, closer) is closer:
                seen, frames = closer, more
    if needs_tiles(seen, size):
        if frames is None:
            frames = frames_at(path, seen.times_s, slowmo_factor=slowmo)
        seen = look_in_tiles(seen, frames, model.path, frame_size_px=size, options=options)
    return seen, frames


def extract_pose(
    path: str | Path,
    model: ModelFile,
    settings: Settings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    observers: Sequence[FrameObserver] = (),
    look_observers: Sequence[LookHandler] = (),
    info: VideoInfo | None = None,
) -> PoseResult:
    """Decode a clip, choose the runner and track their pose through every frame.

    Parameters
    ----------
    path
        The video file.
    model
        The verified pose model (:func:`gaitlab.pose.model.find_model`).
    settings
        The ``[pose]`` section (MediaPipe thresholds; chunks tracked at once; how many frames
        to look at to choose the runner, and how many more when the first look finds more than
        one person or a person who is not in every frame looked at), the ``[checks]`` section
        (frames looked at) and the ``[video]`` section (the slow-motion factor; the shortest
        clip taken); None for the shipped defaults.
    progress
        Called with ``(frames_done, frames_total)`` as frames are processed.
    observers
        Handed every frame of the pass whose tracks are returned, with the pose in it
        (:class:`gaitlab.pose.landmarker.FrameObserver`).
    look_observers
        Handed the frames of the look for people (``(frame, pose)``), in each pass.
    info
        The clip's facts, when already probed.

    Raises
    ------
    InputError
        When the file is not a readable video or no person is found in it.
    """
    settings = settings if settings is not None else load_defaults()
    slowmo_factor = settings.video.slowmo_factor
    if info is None:
        info = probe(path, slowmo_factor=slowmo_factor)
    if info.duration_s < settings.video.min_duration_s:
        raise InputError(
            say("error.video.too_short", name=Path(path).name, duration_s=info.duration_s)
        )
    if info.truncated:
        raise InputError(
            say("error.video.truncated", name=Path(path).name, duration_s=info.duration_s)
        )
    frame_size = (info.width_px, info.height_px)
    options = LandmarkerOptions.from_settings(settings.pose)
    schedule = LookSchedule.for_clip(
        info.duration_s, info.fps, n_look_frames(info.duration_s, settings)
    )
    # One pass that tracks on whole frames and hands a few frames to the look for people,
    # which runs in a background thread meanwhile.
    with PeopleLook(model.path, frame_size_px=frame_size, options=options) as look:
        tracks = track_clip(
            path,
            info,
            model,
            settings,
            observers=observers,
            look=(schedule, (lambda frame, _: look.add(frame), *look_observers)),
            progress=progress,
        )
        seen = look.result()
    if needs_closer_look(seen) or needs_tiles(seen, frame_size):
        # Not one runner alone in every frame looked at, or a runner too small to be sure of:
        # look closer for the runner's path (in tiles of the frames when small) and, when they
        # must be followed, track again following them (a second pass only such clips pay for).
        seen, _ = closer_look(path, info, model, settings, seen)
        if seen.runner is not None and seen.runner.follows:
            tracks = track_clip(
                path,
                info,
                model,
                settings,
                runner=seen.runner,
                observers=observers,
                look=(schedule, tuple(look_observers)),
                progress=progress,
            )
    if not tracks.has_pose.any():
        raise InputError(say("error.video.no_person", name=Path(path).name))
    return PoseResult(tracks=tracks, video=info, runner=seen.runner, model=model, people=seen)
