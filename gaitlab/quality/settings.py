"""The capture checks' thresholds, read once from the ``[checks]`` section of the configuration."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


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

    sample_frames: int = 10
    burst_s: float = 2.5
    burst_max_fps: float = 30.0
    whole_body_warn_below: float = 0.9
    whole_body_fail_below: float = 0.5
    recommended_fps: float = 60.0
    min_fps: float = 20.0
    resolution_warn_below_px: float = 300.0
    resolution_fail_below_px: float = 150.0
    luma_warn_below: float = 50.0
    luma_fail_below: float = 20.0
    luma_warn_above: float = 235.0
    shake_warn_above_pct: float = 1.0
    shake_fail_above_pct: float = 4.0
    tilt_warn_above_deg_side: float = 6.0
    tilt_warn_above_deg_frontal: float = 3.0
    min_strides_per_side: int = 7
    dense_frames_per_s: float = 2.0
    dense_max: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CheckSettings:
        """Settings from a configuration (:func:`gaitlab.config.load_config`)."""
        c = config["checks"]
        return cls(
            sample_frames=int(c["sample_frames"]),
            burst_s=float(c["burst_s"]),
            burst_max_fps=float(c["burst_max_fps"]),
            whole_body_warn_below=float(c["whole_body"]["warn_below_share"]),
            whole_body_fail_below=float(c["whole_body"]["fail_below_share"]),
            recommended_fps=float(c["frame_rate"]["recommended_fps"]),
            min_fps=float(c["frame_rate"]["min_fps"]),
            resolution_warn_below_px=float(c["resolution"]["warn_below_px"]),
            resolution_fail_below_px=float(c["resolution"]["fail_below_px"]),
            luma_warn_below=float(c["lighting"]["warn_below_luma"]),
            luma_fail_below=float(c["lighting"]["fail_below_luma"]),
            luma_warn_above=float(c["lighting"]["warn_above_luma"]),
            shake_warn_above_pct=float(c["shake"]["warn_above_pct"]),
            shake_fail_above_pct=float(c["shake"]["fail_above_pct"]),
            tilt_warn_above_deg_side=float(c["tilt"]["warn_above_deg_side"]),
            tilt_warn_above_deg_frontal=float(c["tilt"]["warn_above_deg_frontal"]),
            min_strides_per_side=int(config["findings"]["min_steps_per_side"]),
            dense_frames_per_s=float(config["pose"]["runner_dense_frames_per_s"]),
            dense_max=int(config["pose"]["runner_dense_max"]),
        )
