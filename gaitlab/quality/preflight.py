"""The two entry points of the capture checks.

* :func:`preflight` (``gaitlab check``): a decision in seconds, from a few frames and a short
  burst, before analysing a clip. Two things run at once, one per core: the look for people
  (:mod:`gaitlab.pose.people`, the same function on the same frames as the analysis's pose
  stage: the runner, the others, the runner's size, whole body, view, lighting and the scene's
  verticals) and 2.5 s of consecutive frames at mid-clip tracked as the pose stage tracks them
  (the step rate, hence the strides to expect, the tilt of rear/front views and camera shake).
* :func:`clip_checks`: the same checks from a finished analysis
  (:class:`gaitlab.result.analysis.ClipAnalysis`), so the report and ``summary.json`` carry them.
  The pixels' figures come from the pose pass (:class:`gaitlab.quality.observe.CaptureObserver`
  rides along it), the people from its look: nothing is decoded again and no second model runs.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitlab.config import Settings, as_settings
from gaitlab.errors import InputError
from gaitlab.markers.model import MarkerTracks
from gaitlab.markers.observer import MarkerObserver
from gaitlab.pose.extract import closer_look
from gaitlab.pose.landmarker import LandmarkerOptions, RunnerChoice, track_pose
from gaitlab.pose.model import ModelFile, find_model
from gaitlab.pose.people import (
    PeopleSeen,
    box_of,
    look_at_people,
    look_times_s,
    n_look_frames,
    needs_closer_look,
    needs_tiles,
)
from gaitlab.pose.tracks import PoseTracks
from gaitlab.quality import checks as ck
from gaitlab.quality import measure
from gaitlab.quality.observe import CaptureFigures, CaptureObserver, burst_window
from gaitlab.quality.settings import CheckSettings
from gaitlab.result import Check
from gaitlab.video import Frame, VideoInfo, frames_at, iter_frames, probe
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
        The view classified from the frames looked at.
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
    view: Any  # gaitlab.signals.view.ViewEstimate
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
class _Background:
    """Run a function in a thread; :meth:`result` waits and returns (or re-raises)."""

    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name=name, daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _import_analysis_modules() -> None:
    """Import what the checks' last steps need (SciPy, pandas: about 1 s), beside the model."""
    import gaitlab.events.detect
    import gaitlab.events.strides
    import gaitlab.metrics.frontal
    import gaitlab.metrics.sagittal
    import gaitlab.metrics.timing
    import gaitlab.signals.clean
    import gaitlab.signals.view  # noqa: F401


def look_once(
    path: Path,
    info: VideoInfo,
    model: ModelFile,
    settings: Settings,
    *,
    n: int | None = None,
) -> tuple[PeopleSeen, list[Frame]]:
    """The look for people of the pose stage, on the same frames (decoded by seeking), with
    the closer look it takes when one runner is not alone in every frame.

    Returns the look that decides and the frames it looked at.
    """
    options = LandmarkerOptions.from_settings(settings.pose)
    size = (info.width_px, info.height_px)
    n = int(n or n_look_frames(info.duration_s, settings))
    frames = frames_at(path, look_times_s(info.duration_s, n), slowmo_factor=info.slowmo_factor)
    seen = look_at_people(frames, model.path, frame_size_px=size, options=options)
    if needs_closer_look(seen) or needs_tiles(seen, size):
        seen, looked = closer_look(path, info, model, settings, seen, frames)
        frames = list(looked) if looked is not None else frames
    return seen, frames


def track_burst(
    path: Path,
    info: VideoInfo,
    model: ModelFile,
    settings: Settings,
    capture: CaptureObserver,
    *,
    runner: RunnerChoice | None = None,
    stickers: MarkerObserver | None = None,
) -> PoseTracks:
    """Track the runner through ``[checks] burst_s`` of consecutive frames at mid-clip, as the
    pose stage tracks them (VIDEO mode; following the runner when given one that must be
    followed), handing the frames to ``capture`` (shake) and to ``stickers`` (the pelvis
    stickers, when looked for)."""
    start_s, n, every = burst_window(info, settings.checks.burst_s, settings.checks.burst_max_fps)
    with iter_frames(
        path, slowmo_factor=info.slowmo_factor, start_s=start_s, max_frames=n, every_nth=every
    ) as frames:
        return track_pose(
            frames,
            model.path,
            fps=info.fps / every,
            frame_size_px=(info.width_px, info.height_px),
            runner=runner if runner is not None and runner.follows else None,
            options=LandmarkerOptions.from_settings(settings.pose),
            observers=(capture,) if stickers is None else (capture, stickers),
        )


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
        Frames spread over the clip to look at; None for the pose stage's number
        (:func:`gaitlab.pose.people.n_look_frames`).

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
    path = Path(path)
    info = probe(path, slowmo_factor=cfg.video.slowmo_factor)
    if info.truncated:
        raise InputError(say("error.video.truncated", name=path.name, duration_s=info.duration_s))
    model_file = (
        model
        if isinstance(model, ModelFile)
        else find_model(model if model is not None else cfg.pose.model)
    )
    imports = _Background(_import_analysis_modules, "gaitlab-check-imports")
    capture = CaptureObserver(info, burst_s=settings.burst_s, burst_max_fps=settings.burst_max_fps)
    stickers = (
        MarkerObserver((info.width_px, info.height_px), cfg.markers)
        if cfg.markers.enabled
        else None
    )
    # one core looks for people while the other tracks the burst on whole frames
    burst_job = _Background(
        lambda: track_burst(path, info, model_file, cfg, capture, stickers=stickers),
        "gaitlab-check-burst",
    )
    seen, frames = look_once(path, info, model_file, cfg, n=n_samples)
    burst = burst_job.result()
    if seen.runner is not None and seen.runner.follows:
        # more than one person: follow the runner through the burst, as the pose stage does
        burst = track_burst(
            path, info, model_file, cfg, capture, runner=seen.runner, stickers=stickers
        )
    imports.result()
    preflight = _decide(path, info, cfg, seen, frames, burst, capture, start)
    markers = stickers.result() if stickers is not None else None
    checks = _markers_check(markers, preflight.view.label, cfg, None)
    return dataclasses.replace(preflight, checks=preflight.checks + checks) if checks else preflight


def _decide(
    path: Path,
    info: VideoInfo,
    cfg: Settings,
    seen: PeopleSeen,
    frames: list[Frame],
    burst: PoseTracks,
    capture: CaptureObserver,
    start: float,
) -> Preflight:
    """The checks from the look at people and the burst."""
    from gaitlab.metrics.timing import spectral_cadence_spm

    settings = CheckSettings.from_settings(cfg)

    if seen.in_tiles and seen.runner is not None:
        # a runner found only in tiles: the look's whole-frame poses are not theirs; the burst,
        # tracked following the runner as the pose stage does, shows them
        sample = burst
        boxes = [_box_at(seen.runner, frame.time_s) for frame in frames]
    else:
        sample = seen.runner_tracks(
            fps=info.fps, frame_size_px=(info.width_px, info.height_px), source=str(info.path)
        )
        boxes = list(measure.runner_boxes_px(sample))
    for frame, box in zip(frames, boxes, strict=True):
        capture.look(frame.rgb, frame.time_s, box if np.all(np.isfinite(box)) else None)
    view = view_of_runner(sample)
    cadence = spectral_cadence_spm(burst) if burst.has_pose.any() else None
    step_hz = cadence / 60.0 if cadence else None
    height = measure.runner_height_px(sample)
    figures = capture.figures()
    roll = figures.scene_roll_deg if view.label == "side" else None
    if roll is None:
        roll = roll_from_tracks(burst, view.label, step_hz)
    seen_share = float(sample.has_pose.mean()) if sample.n_frames else 0.0
    per_side = measure.strides_per_side_estimate(
        info.duration_s * seen_share, step_hz or FALLBACK_STEP_HZ
    )
    timed = (
        strides_timed(burst, cfg, step_hz) if per_side >= settings.min_strides_per_side else None
    )
    if timed is not None:
        # long enough, but the analysis's own event detection times only this share of the
        # burst's strides: so many usable strides can be expected
        per_side = int(per_side * min(1.0, timed[0] / timed[1]))
    checks = assemble_checks(
        settings,
        view=view,
        whole_body_share=measure.whole_body_share(sample),
        video=info,
        runner_height_px=height,
        runner_luma=figures.runner_luma,
        shake_pct=measure.shake_pct(figures.shifts_px, height),
        roll_deg=roll,
        n_others=seen.n_others,
        strides_per_side=per_side,
        strides_estimated=True,
        strides_timed=timed,
    )
    return Preflight(
        path=path,
        video=info,
        view=view,
        checks=checks,
        cadence_spm=cadence,
        elapsed_s=time.perf_counter() - start,
    )


def _box_at(runner: RunnerChoice, time_s: float) -> np.ndarray:
    """The runner's box at ``time_s`` from their sightings (centre, height; half as wide as
    tall), NaN where they were not seen."""
    centre = runner.centre_at(time_s)
    if centre is None or runner.height_px <= 0:
        return np.full(4, np.nan)
    half = np.array([0.25, 0.5]) * runner.height_px
    return np.concatenate([centre - half, centre + half])


def assemble_checks(
    settings: CheckSettings,
    *,
    view: Any,
    whole_body_share: float | None,
    video: VideoInfo,
    runner_height_px: float | None,
    runner_luma: float | None,
    shake_pct: float | None,
    roll_deg: float | None,
    n_others: int | None,
    strides_per_side: int | None,
    strides_estimated: bool,
    strides_timed: tuple[int, int, float] | None = None,
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
            strides_per_side,
            min_per_side=s.min_strides_per_side,
            estimated=strides_estimated,
            timed=strides_timed,
        )
    )
    return tuple(out)


def usable_strides(
    tracks: PoseTracks, settings: Settings, *, view: Any | None = None
) -> dict[str, int]:
    """Usable strides of each side in ``tracks``, found by the function ``gaitlab analyze``
    finds them with (:func:`gaitlab.events.count.find_strides`), so that ``check`` and
    ``analyze`` count the same strides on the same frames (``view``: when already classified).
    """
    from gaitlab.events.count import find_strides

    return find_strides(tracks, view=view, settings=settings).usable_per_side()


def strides_timed(
    burst: PoseTracks, settings: Settings, step_hz: float | None
) -> tuple[int, int, float] | None:
    """``(usable, expected, burst_s)``: usable strides per side (the side with fewer) in the
    burst (:func:`usable_strides`), and the strides per side its step rate says it holds. None
    when the burst is too short to hold a whole stride per side, or shows no runner in a side
    or rear/front view."""
    from gaitlab.signals.view import classify_view

    if not burst.has_pose.any() or step_hz is None:
        return None
    burst_s = burst.duration_s
    expected = measure.strides_per_side_estimate(burst_s * float(burst.has_pose.mean()), step_hz)
    view = classify_view(burst)
    if expected < 1 or view.label == "unsuitable":
        return None
    return min(usable_strides(burst, settings, view=view).values()), expected, burst_s


def view_of_runner(sample: PoseTracks) -> Any:
    """The view classified from the frames looked at that show the runner (how long the runner
    is in view is the strides check's business, not the view's)."""
    from gaitlab.signals.view import classify_view

    seen = np.flatnonzero(sample.has_pose)
    return classify_view(
        sample.replace(
            time_s=sample.time_s[seen],
            image_xy_px=sample.image_xy_px[seen],
            world_xyz_m=sample.world_xyz_m[seen],
            visibility=sample.visibility[seen],
            presence=sample.presence[seen],
        )
    )


def roll_from_tracks(tracks: PoseTracks, view: str, step_hz: float | None) -> float | None:
    """Camera roll with the metrics' own estimators: the head's bounce axis for side views
    (:func:`gaitlab.metrics.sagittal.camera_roll_deg`), the hip and shoulder lines for
    rear/front views (:func:`gaitlab.metrics.frontal.camera_roll_deg`)."""
    from gaitlab.metrics import frontal, sagittal

    if view == "side":
        if step_hz is None:
            return None
        return sagittal.camera_roll_deg(tracks, step_hz=step_hz)
    if view in ("rear", "front"):
        roll = frontal.camera_roll_deg(tracks)
        return roll if math.isfinite(roll) else None
    return None


# --------------------------------------------------------------------------- from an analysis
def measure_capture(clip: ClipAnalysis, config: Settings) -> CaptureFigures | None:
    """The pixels' figures of an analysed clip whose pose pass had no
    :class:`~gaitlab.quality.observe.CaptureObserver` along: the frames of its look for people
    and the burst, decoded once more (a few dozen frames; no model runs). None for clips
    without a readable video."""
    video = clip.pose.video
    path = Path(clip.path)
    if video.codec == "none" or not path.is_file():
        return None
    checks = config.checks
    capture = CaptureObserver(video, burst_s=checks.burst_s, burst_max_fps=checks.burst_max_fps)
    raw = clip.pose.tracks
    n = clip.pose.people.n_frames if clip.pose.people else n_look_frames(video.duration_s, config)
    for frame in frames_at(
        path, look_times_s(video.duration_s, n), slowmo_factor=video.slowmo_factor
    ):
        i = int(np.argmin(np.abs(raw.time_s - frame.time_s)))
        capture.look(
            frame.rgb, frame.time_s, box_of(raw.image_xy_px[i]) if raw.has_pose[i] else None
        )
    start_s, n_burst, every = burst_window(video, checks.burst_s, checks.burst_max_fps)
    with iter_frames(
        path,
        slowmo_factor=video.slowmo_factor,
        start_s=start_s,
        max_frames=n_burst,
        every_nth=every,
    ) as stream:
        for frame in stream:
            i = int(np.argmin(np.abs(raw.time_s - frame.time_s)))
            pose = raw.image_xy_px[i] if raw.has_pose[i] else None
            capture.observe(frame.rgb, frame.index, frame.time_s, pose)
    return capture.figures()


def clip_checks(
    clip: ClipAnalysis, config: Settings, capture: CaptureFigures | None = None
) -> tuple[Check, ...]:
    """The capture checks of an analysed clip, for the report and ``summary.json``.

    From the analysis: the view, the raw landmark tracks (whole body, runner size), the video
    facts (frame rate), the metrics' roll estimate (``camera_roll_deg``), the people the pose
    stage's look saw, and the usable strides. From the pixels (``capture``, measured during the
    pose pass): lighting, shake and the scene's verticals (tilt in side views). Clips without a
    video (landmarks given) have no lighting, shake or people checks.

    Parameters
    ----------
    clip
        A clip analysis (:class:`gaitlab.result.analysis.ClipAnalysis`).
    config
        The settings the clip was analysed with.
    capture
        The pixels' figures from the pose pass; None to measure them now
        (:func:`measure_capture`).
    """
    settings = CheckSettings.from_settings(config)
    raw = clip.pose.tracks
    video = clip.pose.video
    height = measure.runner_height_px(raw)
    if capture is None:
        capture = measure_capture(clip, config)
    luma = shake = roll = None
    if capture is not None:
        luma = capture.runner_luma
        shake = measure.shake_pct(capture.shifts_px, height)
        roll = capture.scene_roll_deg if clip.view.label == "side" else None
    people = clip.pose.people
    n_others = people.n_others if people is not None and clip.pose.model is not None else None
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


__all__ = [
    "Preflight",
    "assemble_checks",
    "clip_checks",
    "look_once",
    "measure_capture",
    "preflight",
    "roll_from_tracks",
    "strides_timed",
    "track_burst",
    "usable_strides",
]
