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
import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitlab.config import Settings, as_settings
from gaitlab.errors import GaitlabError, InputError
from gaitlab.events import columns as C
from gaitlab.events.detect import detect_contacts
from gaitlab.events.strides import shift_strides, stride_table
from gaitlab.findings.framework import PATTERNS, assess_pattern
from gaitlab.markers.model import MarkerTracks
from gaitlab.markers.observer import MarkerObserver
from gaitlab.markers.standing import find_standing
from gaitlab.metrics.frontal import frontal_metrics
from gaitlab.metrics.pelvis import clip_pelvis, pool_pelvis
from gaitlab.metrics.sagittal import sagittal_metrics
from gaitlab.metrics.timing import timing_metrics
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.extract import PoseResult, extract_pose
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import clip_checks
from gaitlab.result import Finding, Metric
from gaitlab.result.analysis import Analysis, ClipAnalysis, Pool
from gaitlab.signals.clean import CleanResult, clean
from gaitlab.signals.concat import concat_tracks
from gaitlab.signals.view import ViewEstimate, classify_view
from gaitlab.video import probe
from gaitlab.video.info import VideoInfo
from gaitlab.words import say

__all__ = [
    "Analysis",
    "ClipAnalysis",
    "Pool",
    "ProgressFn",
    "analyze",
    "analyze_clip",
    "analyze_pose",
    "analyze_tracks",
    "assemble",
    "assess",
    "clean_tracks",
    "clip_metrics",
    "merge_metrics",
    "pool_clips",
]

ProgressFn = Callable[[str, int, int], None]


def analyze_clip(
    path: str | Path,
    model: ModelFile,
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    standing_markers: Sequence[MarkerTracks] = (),
) -> ClipAnalysis:
    """Run the pipeline on one clip: pose (with the sticker finder riding along), then
    :func:`analyze_pose`.

    ``standing_markers`` are the stickers of separate standing clips (:func:`standing_clip`).
    """
    path = Path(path)
    pose, markers = extract_pose_and_markers(path, model, settings, progress=progress)
    return analyze_pose(
        pose, settings, path=path, markers=markers, standing_markers=standing_markers
    )


def extract_pose_and_markers(
    path: Path, model: ModelFile, settings: Settings, *, progress: ProgressFn | None = None
) -> tuple[PoseResult, MarkerTracks | None]:
    """The pose stage, with :class:`~gaitlab.markers.observer.MarkerObserver` seeing every
    frame when ``[markers] enabled``; returns the pose and the stickers (or None)."""
    observer = None
    if settings.markers.enabled:
        info = probe(path, slowmo_factor=settings.video.slowmo_factor)
        observer = MarkerObserver((info.width_px, info.height_px), settings.markers)
    pose = extract_pose(
        path,
        model,
        settings,
        progress=(lambda n, total: progress(path.name, n, total)) if progress else None,
        frame_observer=observer,
    )
    return pose, observer.result() if observer is not None else None


def standing_clip(path: str | Path, model: ModelFile, settings: Settings) -> MarkerTracks:
    """The stickers of a short clip of the runner standing still (``--standing``).

    Raises
    ------
    gaitlab.errors.InputError
        When the clip is unreadable, or no sticker is found in it.
    """
    path = Path(path)
    short = dataclasses.replace(
        settings,
        video=dataclasses.replace(settings.video, min_duration_s=0.0),
        markers=dataclasses.replace(settings.markers, enabled=True),
    )
    _, markers = extract_pose_and_markers(path, model, short)
    if markers is None or not markers.markers:
        raise InputError(say("markers.standing_clip_empty", name=path.name))
    return markers


def analyze_tracks(
    tracks: PoseTracks,
    config: Settings | Mapping[str, Any] | None = None,
    *,
    name: str = "landmarks",
) -> ClipAnalysis:
    """Run everything after the pose stage on landmarks you already have.

    For synthetic runs (:func:`gaitlab.synthetic.generate_run`), landmarks saved by an earlier
    run, or another pose estimator's output converted to :class:`~gaitlab.pose.tracks.PoseTracks`.

    Parameters
    ----------
    tracks
        The runner's landmarks (NaN where missing).
    config
        Settings (:func:`gaitlab.config.load_config`), a dict of overrides of the defaults, or
        None for the defaults.
    name
        The clip name every number will carry.
    """
    settings = as_settings(config)
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
    return analyze_pose(pose, settings, path=Path(name))


def analyze_pose(
    pose: PoseResult,
    settings: Settings,
    *,
    path: Path,
    markers: MarkerTracks | None = None,
    standing_markers: Sequence[MarkerTracks] = (),
) -> ClipAnalysis:
    """Everything after the pose stage: view, cleaning, events, strides, metrics, checks.

    A standing-still phase at the start of the clip (:func:`gaitlab.markers.standing.
    find_standing`) is left out of the strides (it sets the stickers' zero); ``markers`` are the
    clip's stickers (None when not looked for), ``standing_markers`` those of standing clips.
    """
    view = classify_view(pose.tracks)
    cleaned = clean_tracks(pose.tracks, view, settings)
    contacts = detect_contacts(cleaned.tracks)
    ms = settings.markers
    standing = find_standing(
        pose.tracks.time_s,
        pose.tracks.image_xy_px,
        min_duration_s=ms.standing_min_s,
        max_start_s=ms.standing_max_start_s,
        max_speed_leg_per_s=ms.standing_max_speed_leg_per_s,
    )
    time_range = None
    if standing is not None and pose.tracks.n_frames:
        time_range = (standing.stop_s + ms.standing_settle_s, float(pose.tracks.time_s[-1]) + 1.0)
    strides = stride_table(contacts, cleaned.tracks, time_range_s=time_range)
    metrics = clip_metrics(cleaned.tracks, strides, view, settings, clip=path.name)
    pelvis, pelvis_metric = clip_pelvis(
        cleaned.tracks,
        strides,
        view,
        markers,
        ms,
        min_per_side=settings.findings.min_steps_per_side,
        standing=standing,
        standing_markers=standing_markers,
        clip=path.name,
    )
    clip = ClipAnalysis(
        name=path.name,
        path=path,
        pose=pose,
        view=view,
        tracks=cleaned.tracks,
        cleaning=cleaned.report,
        strides=strides,
        metrics=metrics | pelvis_metric,
        markers=markers,
        pelvis=pelvis,
        standing=standing,
    )
    return dataclasses.replace(clip, checks=clip_checks(clip, settings))


def clean_tracks(tracks: PoseTracks, view: ViewEstimate, settings: Settings) -> CleanResult:
    """:func:`gaitlab.signals.clean.clean` with the ``[signals]`` settings, for this view."""
    return clean(tracks, settings.signals, view=view.label if view.label != "unsuitable" else None)


def clip_metrics(
    tracks: PoseTracks,
    strides: pd.DataFrame,
    view: ViewEstimate,
    settings: Settings,
    *,
    clip: str,
) -> dict[str, Metric]:
    """Timing metrics, plus the side-view or the rear/front-view metrics the view allows."""
    height_m = settings.runner.known_height_m
    min_steps = settings.findings.min_steps_per_side
    metrics = timing_metrics(strides, tracks, height_m=height_m, clip=clip, min_per_side=min_steps)
    leg_px = leg_length_px(tracks)
    if view.label == "side" and view.facing is not None:
        metrics |= sagittal_metrics(
            tracks,
            strides,
            facing=view.facing,
            leg_px=leg_px,
            height_m=height_m,
            belt_speed_m_s=settings.runner.known_belt_speed_m_s,
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


def pool_clips(clips: Sequence[ClipAnalysis], settings: Settings) -> tuple[Pool, ...]:
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
        metrics = clip_metrics(tracks, strides, members[0].view, settings, clip=name)
        metrics |= pool_pelvis(
            [(m.markers, m.pelvis) for m in members],
            view=label,
            min_per_side=settings.findings.min_steps_per_side,
            clip=name,
        )
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
    settings: Settings,
    pools: Sequence[Pool] = (),
) -> tuple[Finding, ...]:
    """Both findings, each from the clips whose view can show it.

    Where clips of that view were pooled, the pool with the most usable strides is used;
    otherwise the single clip with the most.
    """
    out = []
    for pattern in PATTERNS:
        pattern_cfg = settings.findings.pattern(pattern)
        views = pattern_cfg.views
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
                min_steps_per_side=settings.findings.min_steps_per_side,
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
    config: Settings | Mapping[str, Any] | None = None,
    model: str | Path | None = None,
    progress: ProgressFn | None = None,
    standing: str | Path | Sequence[str | Path] = (),
) -> Analysis:
    """Analyse one clip, or several clips of one session, into one assessment.

    Parameters
    ----------
    videos
        A video path, or the paths of the clips of one session (e.g. a side and a rear clip).
    config
        Settings (:func:`gaitlab.config.load_config`), a dict of overrides of the defaults
        (``{"runner": {"height_m": 1.8}}``), or None for the defaults.
    model
        A model name from the manifest or a path to a ``.task`` file; None for the config's.
    progress
        Called with ``(clip_name, frames_done, frames_total)``.
    standing
        Short clips of the runner standing still, filmed from the same spots as the running
        clips, with the pelvis stickers on: they set the stickers' zero when a running clip has
        no standing-still phase of its own (each serves the clips that see the same stickers).

    Raises
    ------
    gaitlab.errors.GaitlabError
        With a one-sentence message for any problem with the input, the model or the settings.
    """
    settings = as_settings(config)
    paths = [videos] if isinstance(videos, str | Path) else list(videos)
    if not paths:
        raise GaitlabError(say("error.video.no_video_given"))
    model_file = find_model(model if model is not None else settings.pose.model)
    stand_paths = [standing] if isinstance(standing, str | Path) else list(standing)
    stands = tuple(standing_clip(p, model_file, settings) for p in stand_paths)
    clips = tuple(
        analyze_clip(p, model_file, settings, progress=progress, standing_markers=stands)
        for p in paths
    )
    return assemble(clips, settings)


def assemble(
    clips: Sequence[ClipAnalysis], config: Settings | Mapping[str, Any] | None = None
) -> Analysis:
    """One assessment from analysed clips: merged metrics and both findings.

    >>> side = analyze_tracks(side_tracks, name="side.mp4")          # doctest: +SKIP
    >>> rear = analyze_tracks(rear_tracks, name="rear.mp4")          # doctest: +SKIP
    >>> assemble([side, rear], load_defaults()).findings             # doctest: +SKIP
    """
    settings = as_settings(config)
    clips = tuple(clips)
    pools = pool_clips(clips, settings)
    return Analysis(
        clips=clips,
        metrics=merge_metrics(clips, pools),
        findings=assess(clips, settings, pools),
        settings=settings,
        pools=pools,
    )
