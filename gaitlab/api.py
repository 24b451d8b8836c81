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
import importlib
import itertools
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitlab.config import Settings, as_settings
from gaitlab.errors import GaitlabError, InputError
from gaitlab.pose.extract import PoseResult, extract_pose
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality.observe import CaptureFigures, CaptureObserver
from gaitlab.result import Finding, Metric, ViewLabel
from gaitlab.video import probe
from gaitlab.video.info import VideoInfo
from gaitlab.words import say

if TYPE_CHECKING:
    import pandas as pd

    from gaitlab.markers.model import MarkerTracks
    from gaitlab.result.analysis import Analysis, ClipAnalysis, Pool
    from gaitlab.signals.clean import CleanResult
    from gaitlab.signals.view import ViewEstimate

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

#: What the analysis after the pose stage imports (SciPy and pandas: 1-2 s of CPU). Imported
#: in a background thread while the pose pass runs (:func:`preload`), not at start-up.
ANALYSIS_MODULES: tuple[str, ...] = (
    "gaitlab.result.analysis",
    "gaitlab.signals.clean",
    "gaitlab.signals.concat",
    "gaitlab.signals.view",
    "gaitlab.events.count",
    "gaitlab.metrics.timing",
    "gaitlab.metrics.sagittal",
    "gaitlab.metrics.frontal",
    "gaitlab.findings.framework",
    "gaitlab.quality.preflight",
)


def __getattr__(name: str) -> Any:
    """The result classes, imported on first use (they bring pandas)."""
    if name in ("Analysis", "ClipAnalysis", "Pool"):
        from gaitlab.result import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'gaitlab.api' has no attribute {name!r}")


def _import_all(modules: Sequence[str]) -> None:
    for name in modules:
        importlib.import_module(name)


def preload(modules: Sequence[str]) -> threading.Thread:
    """Import ``modules`` in a background (daemon) thread and return it (join it before use;
    a module imported meanwhile by another thread simply waits for the import to finish)."""
    thread = threading.Thread(
        target=_import_all, args=(tuple(modules),), name="gaitlab-preload", daemon=True
    )
    thread.start()
    return thread


@contextmanager
def quick_handover(interval_s: float = 0.001) -> Iterator[None]:
    """Hand the GIL on every ``interval_s`` (default 5 ms) while Python code runs beside the
    pose pass, so its threads, which need the GIL briefly between model calls, do not wait."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, interval_s))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def analyze_clip(
    path: str | Path,
    model: ModelFile,
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    view: ViewLabel | None = None,
    standing_markers: Sequence[MarkerTracks] = (),
) -> ClipAnalysis:
    """Run the pipeline on one clip: pose (with the capture checks' measurements and the
    sticker finder riding along), then :func:`analyze_pose`.

    ``view``: the view the clip shows, when a person has said so (None to find it);
    ``standing_markers``: the stickers of separate standing clips (:func:`standing_clip`).
    """
    path = Path(path)
    pose, markers, capture = extract_pose_and_markers(path, model, settings, progress=progress)
    return analyze_pose(
        pose,
        settings,
        path=path,
        capture=capture,
        view=view,
        markers=markers,
        standing_markers=standing_markers,
    )


def extract_pose_and_markers(
    path: Path, model: ModelFile, settings: Settings, *, progress: ProgressFn | None = None
) -> tuple[PoseResult, MarkerTracks | None, CaptureFigures]:
    """The pose stage, the clip decoded once: the capture checks' measurements
    (:class:`gaitlab.quality.observe.CaptureObserver`) and, when ``[markers] enabled``, the
    sticker finder (:class:`gaitlab.markers.observer.MarkerObserver`) see its frames.

    Returns the pose, the stickers (None when not looked for) and the capture figures.
    """
    info = probe(path, slowmo_factor=settings.video.slowmo_factor)
    checks = settings.checks
    capture = CaptureObserver(info, burst_s=checks.burst_s, burst_max_fps=checks.burst_max_fps)
    stickers = None
    if settings.markers.enabled:
        from gaitlab.markers.observer import MarkerObserver

        stickers = MarkerObserver((info.width_px, info.height_px), settings.markers)
    pose = extract_pose(
        path,
        model,
        settings,
        progress=(lambda n, total: progress(path.name, n, total)) if progress else None,
        observers=(capture,) if stickers is None else (capture, stickers),
        look_observers=(capture.look_at_pose,),
        info=info,
    )
    return pose, stickers.result() if stickers is not None else None, capture.figures()


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
    _, markers, _ = extract_pose_and_markers(path, model, short)
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
    capture: CaptureFigures | None = None,
    view: ViewLabel | None = None,
    markers: MarkerTracks | None = None,
    standing_markers: Sequence[MarkerTracks] = (),
) -> ClipAnalysis:
    """Everything after the pose stage: view (found, or as ``view`` says), cleaning, events,
    strides, metrics, checks.

    ``capture``: the capture checks' measurements from the pose pass (None: measured from the
    video file now, for clips that have one). A standing-still phase at the start of the clip
    (:func:`gaitlab.markers.standing.find_standing`) is left out of the strides (it sets the
    stickers' zero); ``markers`` are the clip's stickers (None when not looked for),
    ``standing_markers`` those of standing clips.
    """
    from gaitlab.events.count import find_strides
    from gaitlab.markers.standing import find_standing
    from gaitlab.metrics.pelvis import clip_pelvis
    from gaitlab.metrics.sagittal import with_key_frames
    from gaitlab.pose.body import leg_length_px
    from gaitlab.quality.preflight import clip_checks
    from gaitlab.result.analysis import ClipAnalysis
    from gaitlab.signals.view import view_as_set

    ms = settings.markers
    standing = find_standing(
        pose.tracks.time_s,
        pose.tracks.image_xy_px,
        min_duration_s=ms.standing_min_s,
        max_start_s=ms.standing_max_start_s,
        max_speed_leg_per_s=ms.standing_max_speed_leg_per_s,
    )
    set_view = None if view is None else view_as_set(pose.tracks, view)
    found = find_strides(
        pose.tracks,
        view=set_view,
        settings=settings,
        start_s=None if standing is None else standing.stop_s + ms.standing_settle_s,
    )
    view, cleaned, strides = found.view, found.cleaned, found.table
    if view.label == "side" and view.facing is not None:
        leg_px = leg_length_px(cleaned.tracks)
        strides = with_key_frames(cleaned.tracks, strides, facing=view.facing, leg_px=leg_px)
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
    return dataclasses.replace(clip, checks=clip_checks(clip, settings, capture))


def clean_tracks(tracks: PoseTracks, view: ViewEstimate, settings: Settings) -> CleanResult:
    """:func:`gaitlab.signals.clean.clean` with the ``[signals]`` settings, for this view."""
    from gaitlab.signals.clean import clean

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
    from gaitlab.metrics.frontal import frontal_metrics
    from gaitlab.metrics.sagittal import sagittal_metrics
    from gaitlab.metrics.timing import timing_metrics
    from gaitlab.pose.body import leg_length_px

    height_m = settings.runner.known_height_m
    min_steps = settings.findings.min_steps_per_side
    metrics = timing_metrics(
        strides,
        tracks,
        height_m=height_m,
        clip=clip,
        min_per_side=min_steps,
        view=view,
        events=settings.events,
    )
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
    import pandas as pd

    from gaitlab.events.strides import shift_strides
    from gaitlab.metrics.pelvis import pool_pelvis
    from gaitlab.pose.body import leg_length_px
    from gaitlab.result.analysis import Pool
    from gaitlab.signals.concat import concat_tracks

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
        # the joined tracks are analysed whole (each member's stretch is already in its strides)
        view = dataclasses.replace(members[0].view, frames=None)
        metrics = clip_metrics(tracks, strides, view, settings, clip=name)
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
    import pandas as pd

    from gaitlab.events import columns as C

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
    from gaitlab.findings.framework import PATTERNS, assess_pattern

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
    views: Sequence[ViewLabel | None] | None = None,
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
    views
        For each video, the view it shows (``side``, ``rear``, ``front``) when a person has
        said so, or None to let the analysis find it; None: find every clip's view.
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
    views = list(views) if views is not None else [None] * len(paths)
    # SciPy and pandas are imported while the first clip's pose pass runs.
    importing = preload(ANALYSIS_MODULES)
    stand_paths = [standing] if isinstance(standing, str | Path) else list(standing)
    stands = tuple(standing_clip(p, model_file, settings) for p in stand_paths)
    clips = []
    for p, v in zip(paths, views, strict=True):
        with quick_handover() if importing.is_alive() else nullcontext():
            clips.append(
                analyze_clip(
                    p, model_file, settings, progress=progress, view=v, standing_markers=stands
                )
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
    from gaitlab.result.analysis import Analysis

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
