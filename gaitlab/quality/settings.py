"""The capture checks' thresholds in one flat object, from the ``[checks]`` settings section."""

from __future__ import annotations

import dataclasses

from gaitlab.config import Settings, load_defaults


@dataclasses.dataclass(frozen=True)
class CheckSettings:
    """Thresholds of every capture check (see ``[checks]`` in ``gaitlab/config/defaults.toml``).

    Attributes
    ----------
    sample_frames
        Frames spread over the clip that the preflight looks at.
    burst_s, burst_max_fps
        Seconds of consecutive frames read at mid-clip (step rate, tilt, shake), at most this
        many frames per second.
    whole_body_warn_below, whole_body_fail_below
        Share of frames with head and feet in the picture.
    recommended_fps, min_fps
        Frame-rate thresholds.
    resolution_warn_below_px, resolution_fail_below_px
        Runner height thresholds.
    luma_warn_below, luma_fail_below, luma_warn_above
        Brightness thresholds (0-255).
    shake_warn_above_pct, shake_fail_above_pct
        Camera movement thresholds (% of the runner's height per frame).
    tilt_warn_above_deg_side, tilt_warn_above_deg_frontal
        Camera roll thresholds.
    min_strides_per_side
        ``[findings] min_steps_per_side``.
    dense_frames_per_s, dense_max
        ``[pose] runner_dense_frames_per_s`` and ``runner_dense_max``: the closer look taken
        when more than one person (or a runner who comes and goes) is seen, as the pose stage
        takes it.
    """

    sample_frames: int
    burst_s: float
    burst_max_fps: float
    whole_body_warn_below: float
    whole_body_fail_below: float
    recommended_fps: float
    min_fps: float
    resolution_warn_below_px: float
    resolution_fail_below_px: float
    luma_warn_below: float
    luma_fail_below: float
    luma_warn_above: float
    shake_warn_above_pct: float
    shake_fail_above_pct: float
    tilt_warn_above_deg_side: float
    tilt_warn_above_deg_frontal: float
    min_strides_per_side: int
    dense_frames_per_s: float
    dense_max: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CheckSettings:
        """The checks' values from the settings (None: the shipped defaults)."""
        settings = settings if settings is not None else load_defaults()
        c = settings.checks
        return cls(
            sample_frames=c.sample_frames,
            burst_s=c.burst_s,
            burst_max_fps=c.burst_max_fps,
            whole_body_warn_below=c.whole_body.warn_below_share,
            whole_body_fail_below=c.whole_body.fail_below_share,
            recommended_fps=c.frame_rate.recommended_fps,
            min_fps=c.frame_rate.min_fps,
            resolution_warn_below_px=c.resolution.warn_below_px,
            resolution_fail_below_px=c.resolution.fail_below_px,
            luma_warn_below=c.lighting.warn_below_luma,
            luma_fail_below=c.lighting.fail_below_luma,
            luma_warn_above=c.lighting.warn_above_luma,
            shake_warn_above_pct=c.shake.warn_above_pct,
            shake_fail_above_pct=c.shake.fail_above_pct,
            tilt_warn_above_deg_side=c.tilt.warn_above_deg_side,
            tilt_warn_above_deg_frontal=c.tilt.warn_above_deg_frontal,
            min_strides_per_side=settings.findings.min_steps_per_side,
            dense_frames_per_s=settings.pose.runner_dense_frames_per_s,
            dense_max=settings.pose.runner_dense_max,
        )
