"""The two entry points of the capture checks.

* :func:`preflight` (``gaitlab check``): a quick look at a video file before analysing it.
  Ten frames spread over the clip (IMAGE mode, up to three people each, and again with the
  runner blanked out) give the people, the runner's size, whether the whole body is in the
  picture, the view, the lighting and (side views) the tilt of the scene's verticals; 2.5 s of
  consecutive frames at mid-clip (VIDEO mode, following the runner) give the step rate (hence
  the strides to expect), the tilt of rear/front views (hip and shoulder lines) and camera
  shake.
* :func:`clip_checks`: the same checks from a finished analysis
  (:class:`gaitlab.result.analysis.ClipAnalysis`), so the report and ``summary.json`` carry them.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitlab.config import Settings, as_settings
from gaitlab.errors import InputError
from gaitlab.markers.model import MarkerTracks
from gaitlab.markers.observer import MarkerObserver
from gaitlab.metrics import frontal, sagittal
from gaitlab.metrics.timing import spectral_cadence_spm
from gaitlab.pose.extract import n_runner_samples
from gaitlab.pose.landmarker import LandmarkerOptions
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import checks as ck
from gaitlab.quality import look, measure
from gaitlab.quality.settings import CheckSettings
from gaitlab.result import Check
from gaitlab.signals.view import ViewEstimate, classify_view
from gaitlab.video import VideoInfo, probe, sample_frames
from gaitlab.words import say

if TYPE_CHECKING:
    from gaitlab.result.analysis import ClipAnalysis

#: Step rate assumed when it cannot be measured (fast running: a "too few strides" verdict is
#: then safe).
FALLBACK_STEP_HZ: float = 3.0


@dataclasses.dataclass(frozen=True)
class Preflight:
    """What ``gaitlab check`` found.

    Attributes
    ----------
    path
        The video file.
    video
        Facts about the clip (:func:`gaitlab.video.probe`).
    view
        The view classified from the sampled frames.
    checks
        The checks, in the order view, whole_body, frame_rate, resolution, lighting, shake,
        tilt, people, strides.
    cadence_spm
        Step rate measured at mid-clip, or None.
    elapsed_s
        Wall time the preflight took.
    """

    path: Path
    video: VideoInfo
    view: ViewEstimate
    checks: tuple[Check, ...]
    cadence_spm: float | None
    elapsed_s: float

    @property
    def usable(self) -> bool:
        """True when no check failed (warnings allowed)."""
        return all(c.status != "fail" for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``gaitlab check --json``, the web upload, batch)."""
        return {
            "file": self.path.name,
            "usable": self.usable,
            "video": self.video.as_dict(),
            "view": {k: self.view.as_dict()[k] for k in ("label", "facing", "confidence")},
            "cadence_spm": None if self.cadence_spm is None else round(self.cadence_spm, 1),
            "checks": [c.as_dict() for c in self.checks],
            "elapsed_s": round(self.elapsed_s, 2),
        }


# --------------------------------------------------------------------------- preflight
def preflight(
    path: str | Path,
    model: str | Path | ModelFile | None = None,
    config: Settings | Mapping[str, Any] | None = None,
    *,
    n_samples: int | None = None,
) -> Preflight:
    """Check a video file quickly before analysing it.

    Parameters
    ----------
    path
        The video file.
    model
        A model name or ``.task`` path (or a :class:`~gaitlab.pose.model.ModelFile`); None for
        the configuration's.
    config
        Settings (:func:`gaitlab.config.load_config`), a dict of overrides of the defaults,
        or None for the defaults.
    n_samples
        Frames spread over the clip to look at; None for ``[checks] sample_frames``.

    Raises
    ------
    gaitlab.errors.InputError
        When the file is not a readable video (``gaitlab check`` exits with 2).
    gaitlab.errors.ModelError
        When the pose model cannot be found or loaded.
    """
    start = time.perf_counter()
    cfg = as_settings(config)
    settings = CheckSettings.from_settings(cfg)
    slowmo = cfg.video.slowmo_factor
    path = Path(path)
    info = probe(path, slowmo_factor=slowmo)
    if info.truncated:
        raise InputError(say("error.video.truncated", name=path.name, duration_s=info.duration_s))
    model_file = (
        model
        if isinstance(model, ModelFile)
        else find_model(model if model is not None else cfg.pose.model)
    )
    options = LandmarkerOptions.from_settings(cfg.pose)
    people = look.sample_and_look(
        path,
        model_file,
        info,
        options=options,
        n=int(n_samples or settings.sample_frames),
        slowmo_factor=slowmo,
    )
    if people.runner is None or people.runner.follows:
        # more than one person, or a runner who comes and goes: look closer, as the pose stage
        # does (gaitlab.pose.extract)
        n_dense = n_runner_samples(
            info.duration_s,
            per_s=settings.dense_frames_per_s,
            minimum=0,
            maximum=settings.dense_max,
        )
        if n_dense > len(people.frames):
            closer = look.sample_and_look(
                path, model_file, info, options=options, n=n_dense, slowmo_factor=slowmo
            )
            if closer.runner is not None:
                people = closer
    sample = people.tracks
    view = view_of_runner(sample)
    stickers = (
        MarkerObserver((info.width_px, info.height_px), cfg.markers)
        if cfg.markers.enabled
        else None
    )
    burst, shifts = look.track_burst(
        path,
        info,
        model_file,
        options=options,
        runner=people.runner,
        fallback_box_px=look.median_box(sample),
        burst_s=settings.burst_s,
        max_fps=settings.burst_max_fps,
        observer=stickers,
    )
    cadence = spectral_cadence_spm(burst) if burst.has_pose.any() else None
    step_hz = cadence / 60.0 if cadence else None
    height = measure.runner_height_px(sample)
    boxes = measure.runner_boxes_px(sample)
    rgbs = [f.rgb for f in people.frames]
    roll = None
    if view.label == "side":
        roll = measure.scene_roll_from_frames(rgbs, boxes)
    if roll is None:
        roll = roll_from_tracks(burst, view.label, step_hz)
    seen_share = float(sample.has_pose.mean()) if sample.n_frames else 0.0
    per_side = measure.strides_per_side_estimate(
        info.duration_s * seen_share, step_hz or FALLBACK_STEP_HZ
    )
    checks = assemble_checks(
        settings,
        view=view,
        whole_body_share=measure.whole_body_share(sample),
        video=info,
        runner_height_px=height,
        runner_luma=measure.runner_luma(rgbs, boxes),
        shake_pct=measure.shake_pct(shifts, height),
        roll_deg=roll,
        n_others=people.n_others,
        strides_per_side=per_side,
        strides_estimated=True,
    )
    checks += _markers_check(stickers.result() if stickers else None, view.label, cfg, None)
    return Preflight(
        path=path,
        video=info,
        view=view,
        checks=checks,
        cadence_spm=cadence,
        elapsed_s=time.perf_counter() - start,
    )


def assemble_checks(
    settings: CheckSettings,
    *,
    view: ViewEstimate,
    whole_body_share: float | None,
    video: VideoInfo,
    runner_height_px: float | None,
    runner_luma: float | None,
    shake_pct: float | None,
    roll_deg: float | None,
    n_others: int | None,
    strides_per_side: int | None,
    strides_estimated: bool,
) -> tuple[Check, ...]:
    """Every check from the measured figures, in the order of :data:`gaitlab.quality.CHECK_NAMES`.

    A figure that could not be measured (None) gives a ``warn`` saying so. Lighting and shake
    are left out for clips without a video (``video.codec == "none"``: landmarks given), the
    people check when ``n_others`` is None.
    """
    s = settings
    out = [
        ck.check_view(
            view.label, view.confidence, reason=view.reasons[0] if view.reasons else None
        ),
        ck.check_whole_body(
            whole_body_share,
            warn_below_share=s.whole_body_warn_below,
            fail_below_share=s.whole_body_fail_below,
        ),
        ck.check_frame_rate(
            video.fps,
            recommended_fps=s.recommended_fps,
            min_fps=s.min_fps,
            variable=video.is_variable_frame_rate,
        ),
        ck.check_resolution(
            runner_height_px,
            (video.width_px, video.height_px),
            warn_below_px=s.resolution_warn_below_px,
            fail_below_px=s.resolution_fail_below_px,
        ),
    ]
    if video.codec != "none":  # a real video: its pixels were looked at
        out.append(
            ck.check_lighting(
                runner_luma,
                warn_below_luma=s.luma_warn_below,
                fail_below_luma=s.luma_fail_below,
                warn_above_luma=s.luma_warn_above,
            )
        )
        out.append(
            ck.check_shake(
                shake_pct,
                warn_above_pct=s.shake_warn_above_pct,
                fail_above_pct=s.shake_fail_above_pct,
            )
        )
    out.append(
        ck.check_tilt(
            roll_deg,
            view.label,
            warn_above_deg_side=s.tilt_warn_above_deg_side,
            warn_above_deg_frontal=s.tilt_warn_above_deg_frontal,
        )
    )
    if n_others is not None:
        out.append(ck.check_people(n_others))
    out.append(
        ck.check_strides(
            strides_per_side, min_per_side=s.min_strides_per_side, estimated=strides_estimated
        )
    )
    return tuple(out)


def view_of_runner(sample: PoseTracks) -> ViewEstimate:
    """The view classified from the sampled frames that show the runner (how long the runner
    is in view is the strides check's business, not the view's)."""
    seen = np.flatnonzero(sample.has_pose)
    return classify_view(sample.replace(**look.frame_rows(sample, seen)))


def roll_from_tracks(tracks: PoseTracks, view: str, step_hz: float | None) -> float | None:
    """Camera roll with the metrics' own estimators: the head's bounce axis for side views
    (:func:`gaitlab.metrics.sagittal.camera_roll_deg`), the hip and shoulder lines for
    rear/front views (:func:`gaitlab.metrics.frontal.camera_roll_deg`)."""
    if view == "side":
        if step_hz is None:
            return None
        return sagittal.camera_roll_deg(tracks, step_hz=step_hz)
    if view in ("rear", "front"):
        roll = frontal.camera_roll_deg(tracks)
        return roll if math.isfinite(roll) else None
    return None


# --------------------------------------------------------------------------- from an analysis
def clip_checks(clip: ClipAnalysis, config: Settings) -> tuple[Check, ...]:
    """The capture checks of an analysed clip, for the report and ``summary.json``.

    From the analysis: the view, the raw landmark tracks (whole body, runner size), the video
    facts (frame rate), the metrics' roll estimate (``camera_roll_deg``), the people the pose
    stage saw, and the usable strides. For a real video file, a few of its frames are also
    read as :func:`preflight` reads them (1-3 s): lighting, shake, the scene's verticals (tilt
    in side views) and a second look for people. Clips without a video (landmarks given) have
    no lighting, shake or people checks.

    Parameters
    ----------
    clip
        A clip analysis (:class:`gaitlab.result.analysis.ClipAnalysis`).
    config
        The settings the clip was analysed with.
    """
    settings = CheckSettings.from_settings(config)
    raw = clip.pose.tracks
    video = clip.pose.video
    model = clip.pose.model
    height = measure.runner_height_px(raw)
    luma = shake = roll = n_others = None
    path = Path(clip.path)
    if video.codec != "none" and path.is_file():
        frames = sample_frames(path, settings.sample_frames, slowmo_factor=video.slowmo_factor)
        rgbs = [f.rgb for f in frames]
        boxes = look.boxes_at(raw, [f.time_s for f in frames])
        luma = measure.runner_luma(rgbs, boxes)
        if clip.view.label == "side":
            roll = measure.scene_roll_from_frames(rgbs, boxes)
        shifts = look.burst_shifts(
            path, video, raw, burst_s=settings.burst_s, max_fps=settings.burst_max_fps
        )
        shake = measure.shake_pct(shifts, height)
        if model is not None:
            options = LandmarkerOptions.from_settings(config.pose)
            n_others = look.look_at_people(frames, model, video, options=options).n_others
    if model is not None and clip.pose.runner is not None:
        n_others = max(n_others or 0, clip.pose.runner.n_people - 1)
    if roll is None:
        roll_metric = clip.metrics.get("camera_roll_deg")
        roll = roll_metric.value if roll_metric is not None else None
    steps = clip.usable_steps()
    return assemble_checks(
        settings,
        view=clip.view,
        whole_body_share=measure.whole_body_share(raw),
        video=video,
        runner_height_px=height,
        runner_luma=luma,
        shake_pct=shake,
        roll_deg=roll,
        n_others=n_others,
        strides_per_side=min(steps.values()) if steps else 0,
        strides_estimated=False,
    ) + _markers_check(
        clip.markers,
        clip.view.label,
        config,
        clip.pelvis.reference if clip.pelvis is not None else "none",
    )


def _markers_check(
    markers: MarkerTracks | None, view: str, config: Settings, standing: str | None
) -> tuple[Check, ...]:
    """The pelvis stickers' check (none when stickers were not looked for)."""
    c = config.checks.markers
    check = ck.check_markers(
        markers,
        view=view,
        min_diameter_px=c.min_diameter_px,
        min_seen_share=c.min_seen_share,
        standing=standing,
    )
    return () if check is None else (check,)


__all__ = ["Preflight", "assemble_checks", "clip_checks", "preflight", "roll_from_tracks"]
