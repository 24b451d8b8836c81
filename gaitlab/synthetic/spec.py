"""What a synthetic runner is asked to be (:class:`RunnerSpec`) and what it truly did (:class:`Truth`).

The generator (:func:`gaitlab.synthetic.generate_run`) turns a spec into landmark tracks
(:class:`gaitlab.pose.tracks.PoseTracks`, image and world coordinates, exactly as the pose stage
produces them) and returns the true events and metric values beside them, so that every stage of
gaitlab can be validated against a known answer.

Conventions shared with the analysis:

* Angles in degrees. Positive ``hip_extension_deg`` = thigh behind vertical at toe-off.
* Distances normalised by leg length (``*_leg``) use leg length = hip joint centre to ankle
  joint centre with the leg straight (thigh + shank).
* ``pelvic_drop_deg``: peak frontal-plane tilt of the pelvis (the hip-joint-centre line) toward
  the swing side during each stance, positive = the swing-side hip lower.
* ``lateral_drift_pct``: peak-to-peak side-to-side travel of the hip midpoint per stride, as %
  of pelvis width (distance between the two hip joint centres).
* ``trunk_lean_deg``: peak lateral lean of the trunk (hip midpoint to shoulder midpoint) toward
  the stance side, from vertical.
* ``overstride_leg``: horizontal distance of the heel ahead of the hip midpoint at foot strike,
  divided by leg length (positive = ahead of the body).
* ``camera_roll_deg``: rotation of the camera about its optical axis (positive = image content
  rotated counter-clockwise as seen by the viewer).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np

View = Literal["side", "rear", "front"]
Facing = Literal["left", "right"]
Side = Literal["left", "right"]


@dataclasses.dataclass(frozen=True)
class RunnerSpec:
    """Parameters of one synthetic runner and one synthetic camera.

    Every field has a typical value for a recreational runner on a treadmill filmed from the
    side at 30 fps, 720x1280 portrait, so ``RunnerSpec()`` is a sensible clip.
    """

    # --- timing
    cadence_spm: float = 170.0
    contact_time_ms: float = 250.0
    duration_s: float = 12.0
    fps: float = 30.0
    phase_offset: float = 0.0  # 0..1 of a stride: where in the cycle the clip starts
    contact_asymmetry_pct: float = 0.0  # (left - right) / mean contact time * 100
    # --- body
    height_m: float = 1.75
    leg_length_m: float | None = None  # None: 0.53 * height
    pelvis_width_m: float | None = None  # hip-joint-centre distance; None: 0.10 * height
    # --- sagittal kinematics
    overstride_leg: float = 0.15  # heel ahead of hip midpoint at foot strike / leg length
    hip_extension_deg: float = 12.0  # peak thigh extension from vertical near toe-off
    knee_flexion_strike_deg: float = 15.0
    knee_flexion_peak_stance_deg: float = 40.0
    foot_angle_strike_deg: float = 10.0  # >0: toe up (rearfoot strike); <0: forefoot
    trunk_forward_lean_deg: float = 8.0
    anterior_pelvic_tilt_deg: float = 15.0  # only moves landmarks a little (joint centres)
    vertical_oscillation_leg: float = 0.09  # peak-to-peak pelvis bounce / leg length
    belt_speed_m_s: float | None = None  # None: derived from step length and cadence
    # --- frontal-plane kinematics
    pelvic_drop_deg: float = 4.0
    lateral_drift_pct: float = 20.0
    trunk_lean_deg: float = 2.0
    step_width_leg: float = 0.05  # lateral distance between the feet at mid-stance / leg length
    knee_valgus_deg: float = 0.0
    # --- setting and camera
    view: View = "side"
    facing: Facing = "left"  # direction of running in the image (side view only)
    overground_speed_px_s: float = 0.0  # >0: runner crosses the frame (overground clip)
    width_px: int = 720
    height_px: int = 1280
    body_height_frac: float = 0.6  # runner's standing height as a share of the frame height
    camera_roll_deg: float = 0.0
    # --- tracking imperfections
    noise_px: float = 0.0  # Gaussian sd on image coordinates
    noise_world_m: float = 0.0  # Gaussian sd on world coordinates
    dropout_frac: float = 0.0  # share of frames with no pose, in bursts
    dropout_burst_frames: int = 3
    swap_frac: float = 0.0  # share of frames where left and right landmarks are exchanged
    swap_burst_frames: int = 2
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class Event:
    """One true gait event."""

    side: Side
    kind: Literal["foot_strike", "toe_off"]
    time_s: float


@dataclasses.dataclass(frozen=True)
class Truth:
    """What the synthetic runner truly did.

    Attributes
    ----------
    spec
        The spec that produced the clip.
    events
        Every foot strike and toe-off inside the clip, sorted by time.
    values
        True metric values keyed by gaitlab metric names (``cadence_spm``, ``contact_time_ms``,
        ``flight_time_ms``, ``duty_factor_pct``, ``step_time_ms``, ``overstride_leg``,
        ``hip_extension_deg``, ``pelvic_drop_deg``, ``lateral_drift_pct``, ...).
    swapped_frames
        ``(T,)`` bool, frames where left and right were exchanged on purpose.
    dropped_frames
        ``(T,)`` bool, frames blanked on purpose.
    """

    spec: RunnerSpec
    events: tuple[Event, ...]
    values: dict[str, float]
    swapped_frames: np.ndarray
    dropped_frames: np.ndarray

    def event_times(self, side: Side, kind: str) -> np.ndarray:
        """Sorted times (s) of one side's events of one kind."""
        return np.array(
            sorted(e.time_s for e in self.events if e.side == side and e.kind == kind)
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "spec": dataclasses.asdict(self.spec),
            "events": [dataclasses.asdict(e) for e in self.events],
            "values": dict(self.values),
        }
