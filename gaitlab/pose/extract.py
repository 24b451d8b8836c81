"""The pose stage as one call: a video file in, landmark tracks of the runner out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from gaitlab.config import Settings, load_defaults
from gaitlab.errors import InputError
from gaitlab.pose.landmarker import (
    FrameObserver,
    LandmarkerOptions,
    PeopleLook,
    RunnerChoice,
    choose_runner,
    sight_people,
    track_pose,
)
from gaitlab.pose.model import ModelFile
from gaitlab.pose.tracks import PoseTracks
from gaitlab.video import Frame, VideoInfo, iter_frames, probe, sample_frames
from gaitlab.words import say


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
        How the runner was chosen (None when nobody was seen in the sampled frames and whole
        frames were tracked).
    model
        The model file used (None when the landmarks were given, e.g. synthetic tracks).
    """

    tracks: PoseTracks
    video: VideoInfo
    runner: RunnerChoice | None
    model: ModelFile | None

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


def n_runner_samples(duration_s: float, *, per_s: float, minimum: int, maximum: int) -> int:
    """How many frames to look at when choosing the runner."""
    return int(min(maximum, max(minimum, round(duration_s * per_s))))


def _handing(
    frames: Iterable[Frame], keep: set[int], hand: Callable[[Frame], None]
) -> Iterator[Frame]:
    """Pass frames through, handing those whose position is in ``keep`` to ``hand``."""
    for i, frame in enumerate(frames):
        if i in keep:
            hand(frame)
        yield frame


def _ignore(frame: Frame) -> None:
    """Hand frames to nobody."""


def _look_for_runner(
    path: str | Path,
    model: ModelFile,
    n: int,
    slowmo_factor: float,
    options: LandmarkerOptions,
    frame_size: tuple[int, int],
) -> RunnerChoice | None:
    sample = sample_frames(path, n, slowmo_factor=slowmo_factor)
    sightings = sight_people(sample, model.path, options=options)
    return choose_runner(sightings, n_samples=len(sample), frame_size_px=frame_size)


def extract_pose(
    path: str | Path,
    model: ModelFile,
    settings: Settings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    frame_observer: FrameObserver | None = None,
) -> PoseResult:
    """Decode a clip, choose the runner and track their pose through every frame.

    Parameters
    ----------
    path
        The video file.
    model
        The verified pose model (:func:`gaitlab.pose.model.find_model`).
    settings
        The ``[pose]`` section (MediaPipe thresholds; how many frames to look at to choose the
        runner, and how many more when the first look finds more than one person or a person
        who is not in every sampled frame) and the ``[video]`` section (the slow-motion factor;
        the shortest clip taken); None for the shipped defaults.
    progress
        Called with ``(frames_done, frames_total)`` as frames are processed.
    frame_observer
        Sees every frame of the pass whose tracks are returned, with the pose in it (e.g. the
        sticker finder, :class:`gaitlab.markers.observer.MarkerObserver`).

    Raises
    ------
    InputError
        When the file is not a readable video or no person is found in it.
    """
    settings = settings if settings is not None else load_defaults()
    pose_cfg, slowmo_factor = settings.pose, settings.video.slowmo_factor
    options = LandmarkerOptions.from_settings(pose_cfg)
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
    n_samples = n_runner_samples(
        info.duration_s,
        per_s=pose_cfg.runner_sample_frames_per_s,
        minimum=pose_cfg.runner_sample_min,
        maximum=pose_cfg.runner_sample_max,
    )
    total = info.n_frames
    meta = {
        "source": str(path),
        "model": {"name": model.name, "sha256": model.sha256},
        "landmarker": dataclasses.asdict(options),
        "slowmo_factor": slowmo_factor,
    }

    def track(
        runner: RunnerChoice | None, keep: set[int], hand: Callable[[Frame], None]
    ) -> PoseTracks:
        with iter_frames(path, slowmo_factor=slowmo_factor) as frames:
            return track_pose(
                _handing(frames, keep, hand),
                model.path,
                fps=info.fps,
                frame_size_px=frame_size,
                runner=runner,
                options=options,
                progress=(lambda n: progress(n, total)) if progress else None,
                meta=meta,
                observer=frame_observer,
            )

    # One pass that tracks on whole frames and hands a few frames to a look for people, which
    # runs in a background thread meanwhile (it overlaps the tracking on a free core).
    keep = set(np.linspace(0, max(total - 1, 0), n_samples).round().astype(int).tolist())
    with PeopleLook(model.path, options=options) as look:
        tracks = track(None, keep, look.add)
        sightings = look.result()
    runner = choose_runner(sightings, n_samples=look.n_frames, frame_size_px=frame_size)
    if runner is None or runner.follows:
        # Not one runner alone in every sampled frame: look closely for the runner's path and
        # track again, following them (a second pass only such clips pay for).
        n_dense = n_runner_samples(
            info.duration_s,
            per_s=pose_cfg.runner_dense_frames_per_s,
            minimum=0,
            maximum=pose_cfg.runner_dense_max,
        )
        dense = _look_for_runner(
            path, model, max(n_dense, n_samples), slowmo_factor, options, frame_size
        )
        if dense is not None and dense.follows:
            runner = dense
            tracks = track(runner, set(), _ignore)
    if not tracks.has_pose.any():
        raise InputError(say("error.video.no_person", name=Path(path).name))
    return PoseResult(tracks=tracks, video=info, runner=runner, model=model)
