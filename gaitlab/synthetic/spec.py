"""What a synthetic runner is asked to be (:class:`RunnerSpec`) and truly did (:class:`Truth`).

The generator (:func:`gaitlab.synthetic.generate_run`) turns a spec into landmark tracks
(:class:`gaitlab.pose.tracks.PoseTracks`, image and world coordinates, exactly as the pose stage
produces them) and returns the true events and metric values beside them, so that every stage of
gaitlab can be validated against a known answer. The motion model is described in
:mod:`gaitlab.synthetic.kinematics`, the camera in :mod:`gaitlab.synthetic.camera`.

Conventions shared with the analysis:

* Angles in degrees. Sagittal angles are measured in the plane a side view shows (forward,
  up), frontal angles in the plane a rear or front view shows (left, up).
* Leg length L = hip joint centre to ankle joint centre with the leg straight (thigh + shank,
  0.491 x height by default). Distances ``*_leg`` are divided by L.
* Pelvis width w = distance between the two hip joint centres (0.10 x height by default).
* ``camera_roll_deg``: rotation of the camera about its optical axis (positive = image content
  rotated counter-clockwise as seen by the viewer).

Truth values (``Truth.values``), measured on the generated 3-D joints at the exact (continuous)
event times or on a dense grid over one stride; keys ending ``_left`` / ``_right`` give the side
(strike/stance of that foot), the key without suffix their mean:

* ``cadence_spm`` steps per minute; ``stride_time_ms``; ``step_time_ms`` (strike to the other
  foot's strike, half a stride); ``contact_time_ms`` (+ sides) strike to toe-off of the same
  foot; ``flight_time_ms`` = step time - mean contact time; ``duty_factor_pct`` = mean contact
  / stride x 100.
* ``overstride_leg`` (+ sides): heel ahead of the hip midpoint at strike (forward distance) / L.
* ``toe_off_behind_leg`` (+ sides): toe (``foot_index``) behind the hip midpoint at toe-off / L.
* ``hip_extension_deg`` (+ sides): peak sagittal thigh angle (hip joint centre to knee) behind
  vertical during stance; it is reached at toe-off and equals the spec's value.
  ``hip_extension_peak_deg`` (+ sides): the same over the whole stride (the thigh may extend a
  little further just after toe-off at high speed).
* ``knee_flexion_strike_deg``, ``knee_flexion_toe_off_deg`` (+ sides): sagittal knee flexion
  (shank angle minus thigh angle, 0 = straight) at strike / toe-off;
  ``knee_flexion_peak_stance_deg`` (+ sides): its maximum during stance.
* ``shank_angle_strike_deg`` (+ sides): sagittal shank (knee to ankle) angle from vertical at
  strike, positive = ankle ahead of the knee.
* ``foot_angle_strike_deg`` (+ sides): sagittal heel-to-toe angle at strike, positive = toe up.
* ``trunk_forward_lean_deg``: sagittal angle of hip midpoint to shoulder midpoint from vertical,
  positive = forward (constant).
* ``vertical_oscillation_m`` / ``vertical_oscillation_leg``: peak-to-peak height of the hip
  midpoint over a stride (m, / L).
* ``step_length_m`` = belt speed x step time (ground covered per step), ``step_length_leg`` =
  that / L; ``contact_length_leg`` = belt speed x mean contact time / L (how far the stance foot
  travels under the body).
* ``pelvic_drop_deg`` (+ sides, by stance side): peak frontal-plane tilt of the hip-joint-centre
  line during that side's stance, positive = the swing-side hip lower; equals the spec's value.
* ``lateral_drift_pct``: peak-to-peak side-to-side travel of the hip midpoint per stride, as %
  of w.
* ``trunk_lean_deg`` (+ sides): peak frontal-plane lean of the trunk (hip midpoint to shoulder
  midpoint) toward the stance side, from vertical.
* ``step_width_leg``: lateral distance between the left and right foot placements / L.
* ``knee_valgus_deg``: the spec's medial rotation of the knee about the hip-ankle axis at
  mid-stance; ``anterior_pelvic_tilt_deg``: the spec's value (it moves no landmark).
* Scale: ``height_m``, ``leg_length_m``, ``pelvis_width_m``, ``belt_speed_m_s`` (runner speed over
  the ground); ``px_per_m`` (image scale on the line of progression), ``leg_length_px``,
  ``pelvis_width_px``, ``belt_speed_px_s``, ``overground_speed_px_s`` (the spec's drift).
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
    leg_length_m: float | None = None  # None: thigh + shank = 0.491 * height (Winter)
    pelvis_width_m: float | None = None  # hip-joint-centre distance; None: 0.10 * height
    # --- sagittal kinematics
    overstride_leg: float = 0.15  # heel ahead of hip midpoint at foot strike / leg length
    hip_extension_deg: float = 12.0  # peak thigh extension from vertical, at toe-off
    knee_flexion_strike_deg: float = 15.0
    knee_flexion_peak_stance_deg: float = 40.0
    knee_flexion_toe_off_deg: float | None = None  # None: pelvis as high as at strike
    foot_angle_strike_deg: float = 10.0  # >0: toe up (rearfoot strike); <0: forefoot
    foot_angle_toe_off_deg: float = -25.0  # heel-to-toe line at toe-off; <0: heel up
    # vertical speed of the landing point (heel, or toe for a forefoot strike) as it meets the
    # ground (downward; it stops there: the impact), and of the toe as it leaves (upward)
    touchdown_speed_m_s: float = 0.6
    liftoff_speed_m_s: float = 0.5
    trunk_forward_lean_deg: float = 8.0
    anterior_pelvic_tilt_deg: float = 15.0  # moves no landmark (hip joint centres): truth only
    vertical_oscillation_leg: float = 0.09  # peak-to-peak hip-midpoint bounce / L (at least)
    belt_speed_m_s: float | None = None  # None: from overstride, hip extension, contact time
    # --- frontal-plane kinematics
    pelvic_drop_deg: float = 4.0
    lateral_drift_pct: float = 20.0
    trunk_lean_deg: float = 2.0
    step_width_leg: float = 0.05  # lateral distance between left and right foot placements / L
    knee_valgus_deg: float = 0.0  # medial knee rotation about the hip-ankle axis, mid-stance
    # --- setting and camera
    view: View = "side"
    facing: Facing = "left"  # direction of running in the image (side view only)
    near_side: Side | None = None  # side view: side nearer the camera; None: implied by facing
    overground_speed_px_s: float = 0.0  # >0: runner drifts across the frame (side view)
    width_px: int = 720
    height_px: int = 1280
    body_height_frac: float = 0.6  # runner's standing height as a share of the frame height
    camera_roll_deg: float = 0.0
    camera_distance_m: float | None = None  # None: scaled orthographic; else pinhole at this range
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
        return np.array(sorted(e.time_s for e in self.events if e.side == side and e.kind == kind))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "spec": dataclasses.asdict(self.spec),
            "events": [dataclasses.asdict(e) for e in self.events],
            "values": dict(self.values),
        }
