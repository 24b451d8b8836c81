"""The one Python API: a clip (or the clips of one session) in, an :class:`Analysis` out.

The command line, the batch runner and the web app are thin layers over :func:`analyze`.

>>> import gaitlab
>>> result = gaitlab.analyze("sample_videos/male_side.mp4")      # doctest: +SKIP
>>> result.metrics["cadence_spm"].value                          # doctest: +SKIP
168.6
>>> result.save("out/")                                           # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.config import load_defaults
from gaitlab.errors import GaitlabError
from gaitlab.io import write_json_atomic
from gaitlab.pose.extract import PoseResult, extract_pose
from gaitlab.pose.landmarker import LandmarkerOptions
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.result import SCHEMA_VERSION, Finding, Metric
from gaitlab.schema import validation_errors

ProgressFn = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class ClipAnalysis:
    """Everything gaitlab found in one clip."""

    name: str
    path: Path
    pose: PoseResult

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "video": self.pose.video.as_dict(),
            "pose": self.pose.as_dict(),
            "view": {"label": "unsuitable", "facing": None, "confidence": 0.0, "setting": None},
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """The result of one assessment (one or more clips of one session)."""

    clips: tuple[ClipAnalysis, ...]
    metrics: Mapping[str, Metric]
    findings: tuple[Finding, ...]
    settings: Mapping[str, Any]

    def to_summary(self) -> dict[str, Any]:
        """The ``summary.json`` content (validated against the shipped schema)."""
        clips = [c.as_dict() for c in self.clips]
        first = clips[0]
        return {
            "schema_version": SCHEMA_VERSION,
            "gaitlab_version": __version__,
            "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "video": first["video"],
            "pose": first["pose"],
            "view": first["view"],
            "clips": clips,
            "metrics": {name: m.as_dict() for name, m in self.metrics.items()},
            "findings": [f.as_dict() for f in self.findings],
            "settings": dict(self.settings),
        }

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``summary.json`` and each clip's landmarks into ``out_dir`` (atomically).

        Returns
        -------
        dict
            What was written, by kind.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for clip in self.clips:
            stem = Path(clip.name).stem
            written[f"landmarks:{clip.name}"] = clip.pose.tracks.save_csv(
                out / f"{stem}.landmarks.csv"
            )
            clip.pose.tracks.save_npz(out / f"{stem}.landmarks.npz")
        summary = self.to_summary()
        problems = validation_errors(summary)
        if problems:  # a bug, not a user error: never write a summary that breaks the schema
            raise RuntimeError("summary.json would break its schema: " + "; ".join(problems))
        written["summary"] = write_json_atomic(out / "summary.json", summary)
        return written


def landmarker_options(config: Mapping[str, Any]) -> LandmarkerOptions:
    """MediaPipe options from the ``[pose]`` section."""
    pose = config["pose"]
    return LandmarkerOptions(
        min_detection_confidence=float(pose["min_detection_confidence"]),
        min_presence_confidence=float(pose["min_presence_confidence"]),
        min_tracking_confidence=float(pose["min_tracking_confidence"]),
    )


def analyze_clip(
    path: str | Path,
    model: ModelFile,
    config: Mapping[str, Any],
    *,
    progress: ProgressFn | None = None,
) -> ClipAnalysis:
    """Run the pipeline on one clip."""
    path = Path(path)
    pose_cfg = config["pose"]
    pose = extract_pose(
        path,
        model,
        slowmo_factor=float(config["video"]["slowmo_factor"]),
        options=landmarker_options(config),
        runner_sample_frames_per_s=float(pose_cfg["runner_sample_frames_per_s"]),
        runner_sample_min=int(pose_cfg["runner_sample_min"]),
        runner_sample_max=int(pose_cfg["runner_sample_max"]),
        progress=(lambda n, total: progress(path.name, n, total)) if progress else None,
    )
    return ClipAnalysis(name=path.name, path=path, pose=pose)


def analyze(
    videos: str | Path | Sequence[str | Path],
    *,
    config: Mapping[str, Any] | None = None,
    model: str | Path | None = None,
    progress: ProgressFn | None = None,
) -> Analysis:
    """Analyse one clip, or several clips of one session, into one assessment.

    Parameters
    ----------
    videos
        A video path, or the paths of the clips of one session (e.g. a side and a rear clip).
    config
        A configuration as returned by :func:`gaitlab.config.load_config`; None for the defaults.
    model
        A model name from the manifest or a path to a ``.task`` file; None for the config's.
    progress
        Called with ``(clip_name, frames_done, frames_total)``.

    Raises
    ------
    gaitlab.errors.GaitlabError
        With a one-sentence message for any problem with the input, the model or the settings.
    """
    cfg = dict(config) if config is not None else load_defaults()
    paths = [videos] if isinstance(videos, str | Path) else list(videos)
    if not paths:
        raise GaitlabError("No video was given; name at least one clip to analyse.")
    model_file = find_model(model if model is not None else cfg["pose"]["model"])
    clips = tuple(analyze_clip(p, model_file, cfg, progress=progress) for p in paths)
    return Analysis(clips=clips, metrics={}, findings=(), settings=cfg)
