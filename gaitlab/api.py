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
import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitlab import __version__
from gaitlab.config import load_defaults
from gaitlab.errors import GaitlabError
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import shift_strides, stride_table
from gaitlab.findings.framework import PATTERNS, assess_pattern
from gaitlab.io import atomic_path, write_json_atomic
from gaitlab.metrics.common import leg_length_px
from gaitlab.metrics.frontal import frontal_metrics
from gaitlab.metrics.sagittal import sagittal_metrics
from gaitlab.metrics.timing import timing_metrics
from gaitlab.pose.extract import PoseResult, extract_pose
from gaitlab.pose.landmarker import LandmarkerOptions
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import clip_checks
from gaitlab.result import SCHEMA_VERSION, Check, Finding, Metric, ViewLabel
from gaitlab.schema import validation_errors
from gaitlab.signals.clean import CleanReport, CleanResult, clean
from gaitlab.signals.concat import concat_tracks
from gaitlab.signals.view import ViewEstimate, classify_view, view_as_set
from gaitlab.video.info import VideoInfo
from gaitlab.words import say

ProgressFn = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class ClipAnalysis:
    """Everything gaitlab found in one clip.

    Attributes
    ----------
    name, path
        The clip's file name and path.
    pose
        The pose stage's result (raw tracks, video facts, model).
    view
        The camera view, running direction and setting.
    tracks
        The cleaned tracks every metric is computed from.
    cleaning
        What cleaning found and did.
    strides
        The stride table (columns in :mod:`gaitlab.events.columns`).
    metrics
        The clip's metrics by name.
    checks
        The clip's capture checks (view, whole body, frame rate, ...), see
        :mod:`gaitlab.quality`.
    """

    name: str
    path: Path
    pose: PoseResult
    view: ViewEstimate
    tracks: PoseTracks
    cleaning: CleanReport
    strides: pd.DataFrame
    metrics: Mapping[str, Metric]
    checks: tuple[Check, ...] = ()

    def usable_steps(self) -> dict[str, int]:
        """Usable strides per side (each stride starts with one step of that foot)."""
        ok = self.strides[self.strides[C.USABLE]] if len(self.strides) else self.strides
        return {side: int((ok[C.SIDE] == side).sum()) for side in ("left", "right")}

    def as_dict(self) -> dict[str, Any]:
        view = self.view.as_dict()
        return {
            "name": self.name,
            "path": str(self.path),
            "video": self.pose.video.as_dict(),
            "pose": self.pose.as_dict(),
            "view": view,
            "signals": self.cleaning.as_dict(),
            "strides": {
                "n_strides": len(self.strides),
                "usable_per_side": self.usable_steps(),
            },
            "checks": [c.as_dict() for c in self.checks],
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """The result of one assessment (one or more clips of one session)."""

    clips: tuple[ClipAnalysis, ...]
    metrics: Mapping[str, Metric]
    findings: tuple[Finding, ...]
    settings: Mapping[str, Any]
    pools: tuple[Pool, ...] = ()

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
            "view": {k: first["view"][k] for k in ("label", "facing", "confidence", "setting")},
            "clips": clips,
            "pools": [p.as_dict() for p in self.pools],
            "metrics": {name: m.as_dict() for name, m in self.metrics.items()},
            "findings": [f.as_dict() for f in self.findings],
            "settings": dict(self.settings),
        }

    def strides_table(self) -> pd.DataFrame:
        """Every stride of every clip, with a ``clip`` column first."""
        tables = [c.strides.assign(clip=c.name) for c in self.clips]
        table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        return table[["clip", *C.STRIDE_COLUMNS]] if len(table) else table

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``summary.json``, ``strides.csv`` and each clip's landmarks into ``out_dir``.

        Every file is written atomically; ``summary.json`` is written last, so a folder with a
        ``summary.json`` is complete.

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
        with atomic_path(out / "strides.csv") as tmp:
            self.strides_table().to_csv(tmp, index=False, float_format="%.4f")
        written["strides"] = out / "strides.csv"
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
    view: ViewLabel | None = None,
) -> ClipAnalysis:
    """Run the pipeline on one clip: pose, then :func:`analyze_pose` (``view``: the view the
    clip shows, when a person has said so; None to find it)."""
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
        runner_dense_frames_per_s=float(pose_cfg["runner_dense_frames_per_s"]),
        runner_dense_max=int(pose_cfg["runner_dense_max"]),
        min_duration_s=float(config["video"]["min_duration_s"]),
        progress=(lambda n, total: progress(path.name, n, total)) if progress else None,
    )
    return analyze_pose(pose, config, path=path, view=view)


def analyze_tracks(
    tracks: PoseTracks, config: Mapping[str, Any] | None = None, *, name: str = "landmarks"
) -> ClipAnalysis:
    """Run everything after the pose stage on landmarks you already have.

    For synthetic runs (:func:`gaitlab.synthetic.generate_run`), landmarks saved by an earlier
    run, or another pose estimator's output converted to :class:`~gaitlab.pose.tracks.PoseTracks`.

    Parameters
    ----------
    tracks
        The runner's landmarks (NaN where missing).
    config
        A configuration as from :func:`gaitlab.config.load_config`; None for the defaults.
    name
        The clip name every number will carry.
    """
    cfg = dict(config) if config is not None else load_defaults()
    n = len(tracks.time_s)
    duration_s = float(tracks.time_s[-1] - tracks.time_s[0]) + 1 / tracks.fps if n else 0.0
    video = VideoInfo(
        path=Path(name),
        fps=float(tracks.fps),
        n_frames=n,
        duration_s=duration_s,
        width_px=int(tracks.width_px),
        height_px=int(tracks.height_px),
        rotation_deg=0,
        codec="none",
        pix_fmt="none",
        bit_depth=8,
        is_variable_frame_rate=None,
        slowmo_factor=1.0,
        truncated=False,
        container="none",
    )
    pose = PoseResult(tracks=tracks, video=video, runner=None, model=None)
    return analyze_pose(pose, cfg, path=Path(name))


def analyze_pose(
    pose: PoseResult, config: Mapping[str, Any], *, path: Path, view: ViewLabel | None = None
) -> ClipAnalysis:
    """Everything after the pose stage: view (found, or as ``view`` says), cleaning, events,
    strides, metrics, checks."""
    view = classify_view(pose.tracks) if view is None else view_as_set(pose.tracks, view)
    cleaned = clean_tracks(pose.tracks, view, config)
    contacts = detect_contacts(cleaned.tracks)
    strides = stride_table(contacts, cleaned.tracks)
    metrics = clip_metrics(cleaned.tracks, strides, view, config, clip=path.name)
    clip = ClipAnalysis(
        name=path.name,
        path=path,
        pose=pose,
        view=view,
        tracks=cleaned.tracks,
        cleaning=cleaned.report,
        strides=strides,
        metrics=metrics,
    )
    return dataclasses.replace(clip, checks=clip_checks(clip, config))


def clean_tracks(tracks: PoseTracks, view: ViewEstimate, config: Mapping[str, Any]) -> CleanResult:
    """:func:`gaitlab.signals.clean.clean` with the ``[signals]`` settings, for this view."""
    sig = config["signals"]
    return clean(
        tracks,
        view=view.label if view.label != "unsuitable" else None,
        max_speed_leg_per_s=float(sig["max_speed_leg_per_s"]),
        min_visibility=float(sig["min_visibility"]),
        max_gap_s=float(sig["max_gap_s"]),
        cutoff_hz=sig["cutoff_hz"],
        filter_order=int(sig["filter_order"]),
    )


def clip_metrics(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    view: ViewEstimate,
    config: Mapping[str, Any],
    *,
    clip: str,
) -> dict[str, Metric]:
    """Timing metrics, plus the side-view or the rear/front-view metrics the view allows."""
    runner = config["runner"]
    height_m = float(runner["height_m"]) or None
    min_steps = int(config["findings"]["min_steps_per_side"])
    metrics = timing_metrics(strides, tracks, height_m=height_m, clip=clip, min_per_side=min_steps)
    leg_px = leg_length_px(tracks)
    if view.label == "side" and view.facing is not None:
        metrics |= sagittal_metrics(
            tracks,
            strides,
            facing=view.facing,
            leg_px=leg_px,
            height_m=height_m,
            belt_speed_m_s=float(runner["belt_speed_m_s"]) or None,
            clip=clip,
            min_per_side=min_steps,
        )
    elif view.label in ("rear", "front"):
        metrics |= frontal_metrics(
            tracks,
            strides,
            view=view.label,
            leg_px=leg_px,
            height_m=height_m,
            clip=clip,
            min_per_side=min_steps,
        )
    return metrics


@dataclasses.dataclass(frozen=True)
class Pool:
    """Clips of one view whose strides count together.

    Attributes
    ----------
    view
        The shared view (``side``, ``rear`` or ``front``).
    clips
        Names of the clips, in order.
    name
        The name every pooled number carries (the clip names joined by ``" + "``).
    strides
        The joined stride table (times on the joined time line).
    metrics
        Metrics over the strides of all the clips.
    """

    view: str
    clips: tuple[str, ...]
    name: str
    strides: pd.DataFrame
    metrics: Mapping[str, Metric]

    def usable_steps(self) -> dict[str, int]:
        """Usable strides per side, over all the clips."""
        ok = self.strides[self.strides[C.USABLE]] if len(self.strides) else self.strides
        return {side: int((ok[C.SIDE] == side).sum()) for side in ("left", "right")}

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "clips": list(self.clips),
            "name": self.name,
            "strides": {"n_strides": len(self.strides), "usable_per_side": self.usable_steps()},
        }


def pool_clips(clips: Sequence[ClipAnalysis], config: Mapping[str, Any]) -> tuple[Pool, ...]:
    """Pool the clips that share a view (and, from the side, a running direction).

    Clips pool when they have the same view label, the same facing and the same frame rate
    (within 2%): their tracks are joined end to end (:func:`gaitlab.signals.concat.concat_tracks`),
    each scaled to the first clip's leg length in pixels, and the metrics are computed once
    over all their strides. Clips of one view that cannot pool stay apart (the finding then
    uses the one with the most usable strides).
    """
    groups: dict[tuple[str, str | None, int], list[ClipAnalysis]] = {}
    for clip in clips:
        if clip.view.label == "unsuitable":
            continue
        fps_key = round(np.log(clip.tracks.fps) / np.log(1.02))
        key = (clip.view.label, clip.view.facing, fps_key)
        groups.setdefault(key, []).append(clip)
    pools = []
    for (label, _, _), members in groups.items():
        if len(members) < 2:
            continue
        legs = [leg_length_px(m.tracks) for m in members]
        if not all(np.isfinite(legs)):
            continue
        tracks, dt, df = concat_tracks(
            [m.tracks for m in members],
            scales=[legs[0] / leg for leg in legs],
            min_gaps_s=_whole_strides_apart(members),
        )
        strides = pd.concat(
            [
                shift_strides(m.strides, time_s=t, frames=f)
                for m, t, f in zip(members, dt, df, strict=True)
            ],
            ignore_index=True,
        )
        name = " + ".join(m.name for m in members)
        metrics = clip_metrics(tracks, strides, members[0].view, config, clip=name)
        pools.append(
            Pool(
                view=label,
                clips=tuple(m.name for m in members),
                name=name,
                strides=strides,
                metrics=metrics,
            )
        )
    return tuple(pools)


def _whole_strides_apart(members: Sequence[ClipAnalysis]) -> list[float]:
    """Gaps that put each clip's first foot strike a whole number of strides after the previous
    clip's last one, so the stride numbering behind cadence runs on across the join."""
    gaps = []
    for prev, nxt in itertools.pairwise(members):
        a, b = prev.strides, nxt.strides
        if not (len(a) and len(b)):
            gaps.append(0.0)
            continue
        period = float(np.median(pd.concat([a, b])[C.STRIDE_TIME_S]))
        first = b.loc[b[C.START_S].idxmin()]  # one foot's first strike in the next clip
        same_foot = a[a[C.SIDE] == first[C.SIDE]]
        if not len(same_foot):
            gaps.append(0.0)
            continue
        last_strike = float(same_foot[C.END_S].max()) - float(prev.tracks.time_s[-1])  # <= 0
        first_strike = float(first[C.START_S]) - float(nxt.tracks.time_s[0])  # >= 0
        least = 3.0 / prev.tracks.fps  # room for the missing frames between the clips
        span = -last_strike + least + first_strike
        n = np.ceil(span / period) if np.isfinite(period) and period > 0 else 0
        gaps.append(float(n * period + last_strike - first_strike) if n else least)
    return gaps


def assess(
    clips: Sequence[ClipAnalysis],
    config: Mapping[str, Any],
    pools: Sequence[Pool] = (),
) -> tuple[Finding, ...]:
    """Both findings, each from the clips whose view can show it.

    Where clips of that view were pooled, the pool with the most usable strides is used;
    otherwise the single clip with the most.
    """
    findings_cfg = config["findings"]
    out = []
    for pattern in PATTERNS:
        pattern_cfg = findings_cfg[pattern]
        views = pattern_cfg["views"]
        sources: list[ClipAnalysis | Pool] = [p for p in pools if p.view in views]
        sources += [c for c in clips if c.view.label in views]
        best = max(sources, key=lambda s: min(s.usable_steps().values()), default=None)
        out.append(
            assess_pattern(
                pattern,
                views=[c.view.label for c in clips],
                metrics=best.metrics if best else {},
                pattern_cfg=pattern_cfg,
                steps_per_side=best.usable_steps() if best else {},
                min_steps_per_side=int(findings_cfg["min_steps_per_side"]),
                clip=best.name if best else None,
            )
        )
    return tuple(out)


def merge_metrics(clips: Sequence[ClipAnalysis], pools: Sequence[Pool] = ()) -> dict[str, Metric]:
    """The assessment's metrics: each name from the first pool, then clip, that measured it."""
    merged: dict[str, Metric] = {}
    for source in [*pools, *clips]:
        for name, metric in source.metrics.items():
            if name not in merged or (merged[name].value is None and metric.value is not None):
                merged[name] = metric
    return merged


def analyze(
    videos: str | Path | Sequence[str | Path],
    *,
    config: Mapping[str, Any] | None = None,
    model: str | Path | None = None,
    progress: ProgressFn | None = None,
    views: Sequence[ViewLabel | None] | None = None,
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
    views
        For each video, the view it shows (``side``, ``rear``, ``front``) when a person has
        said so, or None to let the analysis find it; None: find every clip's view.

    Raises
    ------
    gaitlab.errors.GaitlabError
        With a one-sentence message for any problem with the input, the model or the settings.
    """
    cfg = dict(config) if config is not None else load_defaults()
    paths = [videos] if isinstance(videos, str | Path) else list(videos)
    if not paths:
        raise GaitlabError(say("error.video.no_video_given"))
    model_file = find_model(model if model is not None else cfg["pose"]["model"])
    views = list(views) if views is not None else [None] * len(paths)
    clips = tuple(
        analyze_clip(p, model_file, cfg, progress=progress, view=v)
        for p, v in zip(paths, views, strict=True)
    )
    return assemble(clips, cfg)


def assemble(clips: Sequence[ClipAnalysis], config: Mapping[str, Any]) -> Analysis:
    """One assessment from analysed clips: merged metrics and both findings.

    >>> side = analyze_tracks(side_tracks, name="side.mp4")          # doctest: +SKIP
    >>> rear = analyze_tracks(rear_tracks, name="rear.mp4")          # doctest: +SKIP
    >>> assemble([side, rear], load_defaults()).findings             # doctest: +SKIP
    """
    clips = tuple(clips)
    pools = pool_clips(clips, config)
    return Analysis(
        clips=clips,
        metrics=merge_metrics(clips, pools),
        findings=assess(clips, config, pools),
        settings=dict(config),
        pools=pools,
    )
