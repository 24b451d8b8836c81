"""The synthetic runner's body and motion: 3-D landmark positions as functions of time.

Everything here lives in the *body frame*, metres, right-handed: axis 0 = forward (the running
direction), axis 1 = the runner's left, axis 2 = up; the ground is the plane ``up = 0`` and the
line of progression is ``left = 0``. The pelvis stays at forward position 0 (treadmill: the
belt carries the ground backward at belt speed ``v``). :mod:`gaitlab.synthetic.camera` maps this
frame to pixels and to MediaPipe world coordinates. The model, in the order
:func:`build_model` solves it:

1. **Body** (:func:`body_from_spec`): segment lengths as fractions of standing height H
   (Winter, *Biomechanics and Motor Control of Human Movement*, 4th ed.): thigh 0.245 H, shank
   0.246 H (leg length = hip joint centre to ankle joint centre = 0.491 H; a given
   ``leg_length_m`` is split in the same ratio), ankle joint 0.039 H above the ground, heel to
   toe (MediaPipe ``heel`` to ``foot_index``) 0.145 H with the ankle 0.035 H ahead of the heel,
   hip joint centres 0.10 H apart, trunk (hip midpoint to shoulder midpoint) 0.288 H, shoulders
   0.20 H apart, upper arm 0.186 H, forearm 0.146 H; face points at fixed offsets above the
   shoulders.
2. **Timing**: stride time ``T = 120 / cadence``; the right foot strikes at gait time 0 and the
   left at ``T / 2``; contact times split ``contact_asymmetry_pct`` around the mean; toe-off =
   strike + contact time. Every stride is identical.
3. **Stance foot** (:func:`stance_foot`): a rigid heel-ankle-toe triangle rolling on the
   ground. From strike to 15 % of stance it rotates about its contact point (the heel if
   ``foot_angle_strike_deg > 0``, the toe if < 0) down to flat (cosine blend: no rotation
   speed at strike); flat until 60 %; then it rotates about the toe to
   ``foot_angle_toe_off_deg`` at toe-off, fastest at toe-off. At strike the heel is
   ``overstride_leg * L`` ahead of the hip midpoint; the feet are ``+-step_width / 2`` to the
   side of the line of progression. The contact point never slides on the ground.
4. **Belt speed**: at toe-off the thigh (hip joint centre to knee, projected on the sagittal
   plane) is ``hip_extension_deg`` behind vertical with the knee flexed
   ``knee_flexion_toe_off_deg``; that places the toe, and ``v`` = ground distance from the
   strike position to the toe-off position / contact time. ``knee_flexion_toe_off_deg=None``
   picks the toe-off knee flexion that puts the pelvis as high at toe-off as at strike (a
   level flight arc). A given ``belt_speed_m_s`` is used instead; the toe-off knee flexion is
   then solved per side so the hip extension still holds (also done when contact times are
   asymmetric).
5. **Stance leg and pelvis height** (:func:`stance_knee_rad`): from strike to 45 % of stance
   the knee flexion rises on a cubic from ``knee_flexion_strike_deg`` (at the rate that leaves
   the thigh still at strike) to ``knee_flexion_peak_stance_deg``; from there the sagittal
   thigh angle follows a cubic to ``hip_extension_deg`` at toe-off with zero rate, the knee
   flexion being solved for it, so the thigh's extension peaks at toe-off. The stance hip
   joint centre sits where that leg reaches the planted ankle (two-link geometry), so the
   pelvis height, and with it the bounce, follows from the leg.
6. **Flight** (:func:`pelvis_height_m`): a cubic joins the height and vertical speed of the two
   stances, raised by a smooth bump so the hip midpoint's peak-to-peak bounce equals
   ``vertical_oscillation_leg`` when the stances alone bounce less (the bump never lowers
   the arc; the truth reports the realised bounce).
7. **Swing foot** (:func:`swing_foot`): a planar two-link leg hanging from the hip joint
   centre, keyframed in joint angles (piecewise monotonic cubics): the thigh flexes to its
   most forward angle at 80 % of swing and retracts into strike; the knee flexes to its peak
   (heel recovery, ``70 + 12 v`` degrees, at most 130) at 40 % and extends until 92 %. Both
   ends join the stance foot with continuous position and foot rotation rate; the velocity
   jumps only vertically, as a real foot's does: the landing point (heel, or toe for a
   forefoot strike) meets the ground moving down at ``touchdown_speed_m_s`` (the impact) and
   along it with the ground, and stops there (contact begins exactly at strike, at ground
   height); the toe leaves the ground moving up at ``liftoff_speed_m_s`` with at least
   ``LIFT_OFF_ACC_M_S2`` of upward acceleration (a lift term is added if needed). Since the
   foot's rotation rate is continuous, heel, ankle and toe all get the same vertical velocity
   jump at both events. With a touchdown speed of 0 the landing point instead settles from
   above with an upward acceleration (``LANDING_ACC_M_S2``) and no speed. A bump keeps heel and
   toe at least 2.5 % of leg length above the ground in mid-swing. The foot angle follows keys
   from the toe-off angle (its rotation continuing briefly) through level at 60 % of swing to
   the strike angle.
8. **Knees** (:func:`knee_ik`): two-link inverse kinematics between hip joint centre and ankle,
   the knee bending forward; ``knee_valgus_deg`` rotates the knee medially about the hip-ankle
   axis during stance (``sin^2`` bump peaking at mid-stance).
9. **Frontal plane**: during each stance the hip line tilts down on the swing side by
   ``pelvic_drop_deg * sin^2(pi s)`` (s = stance progress), rotating about the hip midpoint;
   the hip midpoint moves sideways as ``lateral_drift_pct / 200 * w * cos(...)``, furthest
   toward the left foot at left mid-stance and toward the right half a stride later; the
   trunk leans toward the stance side by ``trunk_lean_deg * sin^2(pi s)``.
10. **Upper body**: the trunk (hip midpoint to shoulder midpoint) points along
    ``(tan(forward lean), tan(lateral lean), 1)``, so its sagittal and frontal projections show
    exactly those angles; the shoulders counter-rotate (+-6 deg about the trunk); the head stays
    upright; the arms swing opposite to the legs (upper arm -10 +- 30 deg from vertical, elbow
    85 +- 15 deg).

``anterior_pelvic_tilt_deg`` rotates the pelvis about the line through the hip joint centres,
which moves no landmark (MediaPipe's hip landmarks are joint centres): it is recorded in the
truth only. There is no pelvic rotation about the vertical axis and no stride-to-stride
variability.

Limits: the knee values at strike and mid-stance are exact in 3-D (their sagittal projections
differ by a fraction of a degree); the stance geometry sets a smallest possible bounce, so a
requested ``vertical_oscillation_leg`` below it is exceeded (reported in the truth). Specs whose
stance poses cannot be joined by the flight raise ``ValueError``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping

import numpy as np
from scipy.optimize import brentq

from gaitlab.pose.landmarks import INDEX, N_LANDMARKS
from gaitlab.synthetic.spec import RunnerSpec

FWD, LAT, UP = 0, 1, 2
SIDES: tuple[str, str] = ("left", "right")
#: +1 for the left side (the body frame's lateral axis points to the runner's left), -1 right.
SIDE_SIGN: Mapping[str, float] = {"left": 1.0, "right": -1.0}

#: Share of stance at which the foot is flat after strike.
FOOT_FLAT_SHARE = 0.15
#: Share of stance at which the heel starts to rise.
HEEL_RISE_SHARE = 0.60
#: Share of stance at which the knee is most flexed.
KNEE_PEAK_SHARE = 0.45
#: Peak knee flexion in swing (heel recovery): a + b * v degrees (v in m/s), at most c.
SWING_KNEE_PEAK_DEG = (70.0, 12.0, 130.0)
#: Shares of swing at which the thigh is most flexed, the knee most and least flexed.
SWING_KEYS = (0.80, 0.40, 0.92)
#: Height of heel and toe above the ground at mid-swing at least this share of leg length (the
#: requirement fades as ``64 x^3 (1 - x)^3`` toward toe-off and strike).
SWING_CLEARANCE_LEG = 0.025
#: Shares of swing at which the foot is most plantarflexed and then level.
SWING_FOOT_KEYS = (0.15, 0.60)
#: Peak thigh flexion in late swing: the strike thigh angle plus a + b * v degrees forward.
SWING_THIGH_REACH_DEG = (4.0, 2.0)
#: Smallest upward acceleration of the toe as it leaves the ground (a lift is added if needed).
LIFT_OFF_ACC_M_S2 = 20.0
#: Smallest upward acceleration of the landing point at touchdown when it lands with no speed
#: (``touchdown_speed_m_s=0``: it settles from above).
LANDING_ACC_M_S2 = 20.0

#: Largest lift acceleration of the swing foot (m/s^2) before the spec is refused.
MAX_LIFT_M_S2 = 300.0
#: Largest mean vertical speed of the pelvis in flight before the spec is refused (m/s).
MAX_FLIGHT_SPEED_M_S = 1.0

_BISECTION_STEPS = 48


# ---------------------------------------------------------------------------------- body
@dataclasses.dataclass(frozen=True)
class Body:
    """Segment lengths of the synthetic runner in metres (see the module docstring)."""

    height_m: float
    thigh_m: float
    shank_m: float
    pelvis_width_m: float
    ankle_height_m: float
    heel_to_ankle_m: float
    heel_to_toe_m: float
    trunk_m: float
    shoulder_width_m: float
    upper_arm_m: float
    forearm_m: float

    @property
    def leg_length_m(self) -> float:
        """Hip joint centre to ankle joint centre with the leg straight (thigh + shank)."""
        return self.thigh_m + self.shank_m

    def foot_points(self) -> dict[str, np.ndarray]:
        """Heel, ankle and toe (``foot_index``) in the foot's (forward, up) frame, heel at 0."""
        return {
            "heel": np.array([0.0, 0.0]),
            "ankle": np.array([self.heel_to_ankle_m, self.ankle_height_m]),
            "toe": np.array([self.heel_to_toe_m, 0.0]),
        }


def body_from_spec(spec: RunnerSpec) -> Body:
    """Segment lengths from the spec's height (and optional leg length and pelvis width)."""
    h = spec.height_m
    thigh_share = 0.245 / (0.245 + 0.246)
    leg = spec.leg_length_m if spec.leg_length_m is not None else 0.491 * h
    return Body(
        height_m=h,
        thigh_m=leg * thigh_share,
        shank_m=leg * (1.0 - thigh_share),
        pelvis_width_m=spec.pelvis_width_m if spec.pelvis_width_m is not None else 0.10 * h,
        ankle_height_m=0.039 * h,
        heel_to_ankle_m=0.035 * h,
        heel_to_toe_m=0.145 * h,
        trunk_m=0.288 * h,
        shoulder_width_m=0.20 * h,
        upper_arm_m=0.186 * h,
        forearm_m=0.146 * h,
    )


# ---------------------------------------------------------------------------------- curves
def blend(x: np.ndarray | float) -> np.ndarray:
    """Cosine ramp from 0 (x <= 0) to 1 (x >= 1) with zero slope at both ends."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def _bump_mid(x: np.ndarray) -> np.ndarray:
    """``64 x^3 (1-x)^3``: 1 at x = 0.5, zero value, slope and curvature at 0 and 1."""
    return 64.0 * x**3 * (1.0 - x) ** 3


def _cubic(x: np.ndarray, p0: float, r0: float, p1: float, r1: float, d: float) -> np.ndarray:
    """Cubic Hermite on ``x`` in [0, 1]: values p0, p1 and rates (per second) r0, r1."""
    x2, x3 = x * x, x**3
    return (
        p0 * (2 * x3 - 3 * x2 + 1)
        + r0 * d * (x3 - 2 * x2 + x)
        + p1 * (-2 * x3 + 3 * x2)
        + r1 * d * (x3 - x2)
    )


def rotate2(angle_rad: np.ndarray | float, vec: np.ndarray) -> np.ndarray:
    """Rotate (forward, up) vectors by ``angle_rad`` (positive = toe up); broadcasts."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.stack([c * vec[..., 0] - s * vec[..., 1], s * vec[..., 0] + c * vec[..., 1]], -1)


# ---------------------------------------------------------------------------------- geometry
def leg_span_m(body: Body, knee_rad: np.ndarray | float) -> np.ndarray:
    """Hip-to-ankle distance of a leg whose knee is flexed ``knee_rad`` (0 = straight)."""
    t, s = body.thigh_m, body.shank_m
    return np.sqrt(t * t + s * s + 2 * t * s * np.cos(knee_rad))


def knee_ik(
    body: Body, hip: np.ndarray, ankle: np.ndarray, valgus_rad: np.ndarray, side_sign: float
) -> np.ndarray:
    """Knee positions ``(N, 3)`` from hip and ankle: two-link inverse kinematics.

    The knee lies in the plane of the hip-ankle line and the forward axis, ahead of the line,
    then is rotated about the hip-ankle axis toward the midline by ``valgus_rad``. A hip-ankle
    distance beyond reach straightens the leg along the line.
    """
    t, s = body.thigh_m, body.shank_m
    span = ankle - hip
    d = np.linalg.norm(span, axis=-1)
    e = span / d[:, None]
    dc = np.clip(d, abs(t - s) + 1e-9, t + s)
    along = (t * t - s * s + dc * dc) / (2 * dc)
    radius = np.sqrt(np.maximum(t * t - along * along, 0.0))
    pole = np.zeros_like(e)
    pole[:, FWD] = 1.0
    n = pole - np.sum(pole * e, axis=1)[:, None] * e
    n /= np.linalg.norm(n, axis=1)[:, None]
    medial = side_sign * np.stack(  # e x n
        [
            e[:, 1] * n[:, 2] - e[:, 2] * n[:, 1],
            e[:, 2] * n[:, 0] - e[:, 0] * n[:, 2],
            e[:, 0] * n[:, 1] - e[:, 1] * n[:, 0],
        ],
        -1,
    )
    direction = np.cos(valgus_rad)[:, None] * n + np.sin(valgus_rad)[:, None] * medial
    return hip + along[:, None] * e + radius[:, None] * direction


def sagittal_angle_deg(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Angle from vertical of the segment ``top -> bottom`` in the sagittal plane, degrees.

    Positive when ``bottom`` is *behind* ``top`` (thigh extension, shank of a trailing leg).
    """
    return np.degrees(np.arctan2(top[..., FWD] - bottom[..., FWD], top[..., UP] - bottom[..., UP]))


def planar_leg(body: Body, thigh_rad: np.ndarray, knee_rad: np.ndarray) -> np.ndarray:
    """Sagittal hip-to-ankle vector ``(N, 2)`` (forward, up) of a planar two-link leg.

    ``thigh_rad`` is the thigh's angle behind vertical, ``knee_rad`` the knee flexion.
    """
    shank = thigh_rad + knee_rad
    return np.stack(
        [
            -body.thigh_m * np.sin(thigh_rad) - body.shank_m * np.sin(shank),
            -body.thigh_m * np.cos(thigh_rad) - body.shank_m * np.cos(shank),
        ],
        -1,
    )


def _joint_state(body: Body, r: np.ndarray, rd: np.ndarray) -> tuple[tuple, tuple]:
    """(angle, rate) of thigh and knee of a planar leg with hip-to-ankle vector ``r`` (forward,
    up) moving with velocity ``rd``."""
    t, s = body.thigh_m, body.shank_m
    d = math.hypot(r[0], r[1])
    knee = math.pi - math.acos(float(np.clip((t * t + s * s - d * d) / (2 * t * s), -1.0, 1.0)))
    line = math.atan2(-r[0], -r[1])
    thigh = line - math.acos(float(np.clip((t * t + d * d - s * s) / (2 * t * d), -1.0, 1.0)))
    shank = thigh + knee
    jac = np.array(
        [
            [-t * math.cos(thigh) - s * math.cos(shank), -s * math.cos(shank)],
            [t * math.sin(thigh) + s * math.sin(shank), s * math.sin(shank)],
        ]
    )
    rate = np.linalg.solve(jac, rd)
    return (thigh, float(rate[0])), (knee, float(rate[1]))


def hermite_keys(x: np.ndarray, keys: list[tuple[float, float, float]], d: float) -> np.ndarray:
    """Piecewise cubic Hermite through ``keys`` = [(x_i, value_i, rate_i per second), ...].

    ``x`` (increasing keys ``x_i`` cover its range) is in units of ``d`` seconds.
    """
    out = np.empty_like(x)
    for (xa, va, ra), (xb, vb, rb) in itertools.pairwise(keys):
        sel = (x >= xa) & (x <= xb)
        out[sel] = _cubic((x[sel] - xa) / (xb - xa), va, ra, vb, rb, (xb - xa) * d)
    return out


# ---------------------------------------------------------------------------------- model
@dataclasses.dataclass(frozen=True)
class GaitModel:
    """Every constant of the motion, solved once from a spec by :func:`build_model`."""

    body: Body
    stride_s: float
    contact_s: Mapping[str, float]
    first_strike_s: Mapping[str, float]
    belt_speed_m_s: float
    knee_strike_rad: float
    knee_peak_rad: float
    foot_strike_rad: float
    foot_toe_off_rad: float
    hip_extension_rad: Mapping[str, float]
    heel_ground_m: float
    step_width_m: float
    drift_amplitude_m: float
    pelvic_drop_rad: float
    trunk_lean_rad: float
    trunk_forward_rad: float
    valgus_rad: float
    touchdown_speed_m_s: float = 0.0
    liftoff_speed_m_s: float = 0.0
    knee_toe_off_rad: Mapping[str, float] = dataclasses.field(default_factory=dict)
    knee_rate_strike_rad_s: Mapping[str, float] = dataclasses.field(default_factory=dict)
    thigh_mid: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    flight: Mapping[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)
    swing: Mapping[str, dict] = dataclasses.field(default_factory=dict)

    def local_time(self, side: str, t: np.ndarray) -> np.ndarray:
        """Time since the side's last foot strike, in [0, stride)."""
        return np.mod(t - self.first_strike_s[side], self.stride_s)

    def in_stance(self, side: str, t: np.ndarray) -> np.ndarray:
        """True while the side's foot is on the ground (toe-off instant included)."""
        return self.local_time(side, t) <= self.contact_s[side]

    def stance_bump(self, side: str, t: np.ndarray) -> np.ndarray:
        """``sin^2(pi s)`` during the side's stance (s = stance progress 0..1), 0 in swing."""
        s = self.local_time(side, t) / self.contact_s[side]
        return np.where(s <= 1.0, np.sin(np.pi * np.minimum(s, 1.0)) ** 2, 0.0)


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


# ------------------------------------------------------------------ frontal-plane curves
def pelvis_lateral_m(m: GaitModel, t: np.ndarray) -> np.ndarray:
    """Hip midpoint position to the runner's left of the line of progression (m)."""
    left_mid = m.first_strike_s["left"] + m.contact_s["left"] / 2
    return m.drift_amplitude_m * np.cos(2 * np.pi * (t - left_mid) / m.stride_s)


def pelvic_obliquity_rad(m: GaitModel, t: np.ndarray) -> np.ndarray:
    """Tilt of the hip line, positive = left hip higher (right side dropped in left stance)."""
    return m.pelvic_drop_rad * (m.stance_bump("left", t) - m.stance_bump("right", t))


def trunk_lateral_rad(m: GaitModel, t: np.ndarray) -> np.ndarray:
    """Frontal-plane trunk lean, positive = shoulders toward the runner's left."""
    return m.trunk_lean_rad * (m.stance_bump("left", t) - m.stance_bump("right", t))


def hip_offset(m: GaitModel, side: str, t: np.ndarray) -> np.ndarray:
    """``(N, 3)`` hip joint centre relative to the hip midpoint."""
    psi = pelvic_obliquity_rad(m, t)
    half = SIDE_SIGN[side] * m.body.pelvis_width_m / 2
    out = np.zeros((np.size(t), 3))
    out[:, LAT] = half * np.cos(psi)
    out[:, UP] = half * np.sin(psi)
    return out


def hip_joint(m: GaitModel, side: str, t: np.ndarray, mid_height_m: np.ndarray) -> np.ndarray:
    """``(N, 3)`` hip joint centre of one side with the hip midpoint at the given height."""
    hip = hip_offset(m, side, t)
    hip[:, LAT] += pelvis_lateral_m(m, t)
    hip[:, UP] += mid_height_m
    return hip


# ------------------------------------------------------------------ stance foot
def _heel_rise(x: np.ndarray) -> np.ndarray:
    """0 -> 1 over x in [0, 1], starting at rest and fastest at the end (toe-off)."""
    return 1.0 - np.cos(0.5 * np.pi * np.clip(x, 0.0, 1.0))


def _to3(sag: np.ndarray, lateral: float | np.ndarray) -> np.ndarray:
    """(forward, up) -> (forward, left, up)."""
    out = np.empty((sag.shape[0], 3))
    out[:, FWD] = sag[:, 0]
    out[:, LAT] = lateral
    out[:, UP] = sag[:, 1]
    return out


def stance_foot(m: GaitModel, side: str, tau: np.ndarray) -> dict[str, np.ndarray]:
    """Heel, ankle and toe ``(N, 3)`` and foot angle (rad) at stance time ``tau`` (s).

    The foot rolls on the ground (``up = 0``), which moves backward at belt speed.
    """
    tc = m.contact_s[side]
    pts = m.body.foot_points()
    t_flat, t_rise = FOOT_FLAT_SHARE * tc, HEEL_RISE_SHARE * tc
    phi = np.zeros_like(tau)
    early = tau < t_flat
    late = tau > t_rise
    phi[early] = m.foot_strike_rad * (1 - blend(tau[early] / t_flat))
    phi[late] = m.foot_toe_off_rad * _heel_rise((tau[late] - t_rise) / (tc - t_rise))
    toe_pivot = late | (early & (m.foot_strike_rad < 0))
    pivot_vec = np.where(toe_pivot[:, None], pts["toe"], pts["heel"])
    pivot_pos = np.zeros((tau.size, 2))
    pivot_pos[:, 0] = m.heel_ground_m + pivot_vec[:, 0] - m.belt_speed_m_s * tau
    out: dict[str, np.ndarray] = {"phi": phi}
    for name, vec in pts.items():
        sag = pivot_pos + rotate2(phi, vec - pivot_vec)
        out[name] = _to3(sag, SIDE_SIGN[side] * m.step_width_m / 2)
    return out


def _toe_off_foot_state(m: GaitModel, side: str) -> dict:
    """Sagittal ankle position, velocity, acceleration and foot (angle, rate) at toe-off.

    The foot rotates about the toe with ``phi = phi_to * (1 - cos(pi x / 2))``: at toe-off its
    angular velocity is ``phi_to * pi / (2 D)`` and its angular acceleration is zero.
    """
    tc = m.contact_s[side]
    pts = m.body.foot_points()
    phi = m.foot_toe_off_rad
    rate = phi * np.pi / (2 * tc * (1 - HEEL_RISE_SHARE))
    rel = pts["ankle"] - pts["toe"]
    toe = np.array([m.heel_ground_m + pts["toe"][0] - m.belt_speed_m_s * tc, 0.0])
    return {
        "ankle": toe + rotate2(phi, rel),
        "vel": np.array([-m.belt_speed_m_s, 0.0]) + rate * rotate2(phi + np.pi / 2, rel),
        "acc": -(rate**2) * rotate2(phi, rel),
        "phi": (phi, rate),
    }


# ------------------------------------------------------------------ stance leg and pelvis
def stance_knee_rad(m: GaitModel, side: str, tau: np.ndarray) -> np.ndarray:
    """Knee flexion (rad) of the stance leg at stance time ``tau`` (s).

    Strike to ``KNEE_PEAK_SHARE``: a cubic from the strike flexion (at the rate that leaves
    the thigh still at strike) to the peak (rate 0). Then the sagittal thigh angle follows a
    cubic from its mid-stance value and rate to ``hip_extension_deg`` at toe-off with rate 0,
    and the knee flexion is solved for it, so the thigh's extension peaks at toe-off.
    """
    tc = m.contact_s[side]
    s = tau / tc
    knee = _cubic(
        np.clip(s / KNEE_PEAK_SHARE, 0.0, 1.0),
        m.knee_strike_rad,
        m.knee_rate_strike_rad_s.get(side, 0.0),
        m.knee_peak_rad,
        0.0,
        KNEE_PEAK_SHARE * tc,
    )
    late = s > KNEE_PEAK_SHARE
    if side in m.thigh_mid and np.any(late):
        angle, rate = m.thigh_mid[side]
        x = (s[late] - KNEE_PEAK_SHARE) / (1 - KNEE_PEAK_SHARE)
        target = _cubic(x, angle, rate, m.hip_extension_rad[side], 0.0, (1 - KNEE_PEAK_SHARE) * tc)
        t = m.first_strike_s[side] + tau[late]
        ankle = stance_foot(m, side, tau[late])["ankle"]
        knee[late] = solve_knee_for_thigh(m, side, t, ankle, target)
    return knee


def stance_hip_height_m(m: GaitModel, side: str, tau: np.ndarray) -> np.ndarray:
    """Height of the stance hip joint centre at stance time ``tau``: the leg, with its knee
    flexion, spans the distance to the planted ankle."""
    t = m.first_strike_s[side] + tau
    ankle = stance_foot(m, side, tau)["ankle"]
    return _hip_for_knee(m, side, t, ankle, stance_knee_rad(m, side, tau))[:, UP]


def _flight_curve(m: GaitModel, side: str, tau_fl: np.ndarray) -> np.ndarray:
    """Hip height ``tau_fl`` (s) after ``side``'s toe-off: a cubic joining height and rate of
    the two stances, raised by a bump that sets the bounce."""
    h0, r0, h1, r1, duration, bump = m.flight[side]
    x = np.clip(tau_fl / duration, 0.0, 1.0)
    return _cubic(x, h0, r0, h1, r1, duration) + bump * _bump_mid(x)


def pelvis_height_m(m: GaitModel, t: np.ndarray) -> np.ndarray:
    """Hip midpoint height above the ground at gait times ``t``.

    In stance the stance hip joint centre is where the leg puts it and the midpoint sits below
    it by half the pelvis width times the sine of the obliquity; in flight both hips follow
    the flight curve (the obliquity is zero).
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    out = np.empty(t.size)
    for side in SIDES:
        tau = m.local_time(side, t)
        stance = tau <= m.contact_s[side]
        flight = (tau > m.contact_s[side]) & (tau < m.stride_s / 2)
        out[stance] = stance_hip_height_m(m, side, tau[stance])
        out[flight] = _flight_curve(m, side, tau[flight] - m.contact_s[side])
    return out - 0.5 * m.body.pelvis_width_m * np.abs(np.sin(pelvic_obliquity_rad(m, t)))


def _end_state(m: GaitModel, side: str, at_toe_off: bool) -> tuple[float, float]:
    """(height, rate) of the stance hip at strike or toe-off (one-sided differences)."""
    tc = m.contact_s[side]
    h = 1e-4 * tc
    tau = tc - h * np.arange(3) if at_toe_off else h * np.arange(3)
    f = stance_hip_height_m(m, side, tau)
    rate = (3 * f[0] - 4 * f[1] + f[2]) / (2 * h)
    return float(f[0]), float(rate if at_toe_off else -rate)


# ------------------------------------------------------------------ swing foot
def _swing_states(m: GaitModel, side: str) -> dict:
    """Keyframes of one side's swing: thigh angle, knee flexion, foot angle, clearance.

    The swing is planned as a planar two-link leg hanging from the hip joint centre, so the
    leg can neither over-reach nor pass through the ground under the hip. Thigh: from its
    toe-off state to its most flexed angle at 80 % of swing (rate 0), then to its strike state
    (late-swing retraction). Knee: from its toe-off state to its peak (heel recovery) at 40 %
    (rate 0), to its least flexed angle at 92 % (rate 0), then to its strike state. End rates
    come from the ankle velocity: the stance foot's at toe-off plus the lift-off speed (up),
    and the ground's at strike plus the touchdown speed (down); the middle keys are placed so
    that every piece is monotonic. A lift term (``x^2 (1-x)^4`` and ``x^4 (1-x)^2``, so
    position and velocity at the ends are untouched) gives the toe at least
    ``LIFT_OFF_ACC_M_S2`` of upward acceleration as it leaves the ground and, when it lands
    with no speed, the landing point at least ``LANDING_ACC_M_S2`` as it arrives; a bump raises
    the foot if it would pass closer to the ground than ``SWING_CLEARANCE_LEG`` in mid-swing.
    """
    other = _other(side)
    start = _toe_off_foot_state(m, side)
    t_to = m.first_strike_s[side] + m.contact_s[side]
    h0, hd0 = m.flight[side][0:2]  # pelvis at this side's toe-off
    h1, hd1 = m.flight[other][2:4]  # pelvis at this side's next strike
    # obliquity is 0 with zero rate at both instants: the hip joint moves with the midpoint.
    # The foot leaves the ground with the stance foot's velocity plus the lift-off speed (up)
    # and meets it with the ground's velocity plus the touchdown speed (down); the foot's
    # rotation rate is continuous, so every foot point gets the same vertical jump.
    r0 = start["ankle"] - np.array([0.0, h0])
    rd0 = start["vel"] + np.array([0.0, m.liftoff_speed_m_s - hd0])
    strike = stance_foot(m, side, np.array([0.0]))
    r1 = strike["ankle"][0, [FWD, UP]] - np.array([0.0, h1])
    rd1 = np.array([-m.belt_speed_m_s, -m.touchdown_speed_m_s - hd1])
    (thigh0, w_thigh0), (knee0, w_knee0) = _joint_state(m.body, r0, rd0)
    (thigh1, w_thigh1), (knee1, w_knee1) = _joint_state(m.body, r1, rd1)
    d = m.stride_s - m.contact_s[side]
    v = m.belt_speed_m_s
    x_flex, x_peak, x_ext = SWING_KEYS
    reach = math.radians(SWING_THIGH_REACH_DEG[0] + SWING_THIGH_REACH_DEG[1] * v)
    thigh_flex = min(
        thigh1 - max(reach, w_thigh1 * (1 - x_flex) * d / 3),
        thigh0 + min(w_thigh0, 0.0) * x_flex * d / 3,
    )
    peak = min(SWING_KNEE_PEAK_DEG[0] + SWING_KNEE_PEAK_DEG[1] * v, SWING_KNEE_PEAK_DEG[2])
    knee_peak = max(math.radians(peak), knee0 + max(w_knee0, 0.0) * x_peak * d / 3)
    knee_ext = min(knee1 - w_knee1 * (1 - x_ext) * d / 3, knee_peak)
    knee_ext = max(knee_ext, math.radians(2.0))
    phi0, w_phi0 = start["phi"]
    x_low, x_level = SWING_FOOT_KEYS
    states: dict = {
        "thigh": [(0.0, thigh0, w_thigh0), (x_flex, thigh_flex, 0.0), (1.0, thigh1, w_thigh1)],
        "knee": [
            (0.0, knee0, w_knee0),
            (x_peak, knee_peak, 0.0),
            (x_ext, knee_ext, 0.0),
            (1.0, knee1, w_knee1),
        ],
        "phi": [
            (0.0, phi0, w_phi0),
            (x_low, phi0 + min(w_phi0, 0.0) * x_low * d / 3, 0.0),
            (x_level, 0.0, 0.0),
            (1.0, m.foot_strike_rad, 0.0),
        ],
        "lift": (0.0, 0.0),
        "clearance": 0.0,
    }
    # lift: the contact point leaves / meets the ground with an upward acceleration
    h = 1e-4 * d
    contact = "heel" if m.foot_strike_rad >= 0 else "toe"
    acc = []
    for tau, point in ((h * np.arange(4), "toe"), (d - h * np.arange(4), contact)):
        t = t_to + tau
        hip = hip_joint(m, side, t, pelvis_height_m(m, t))
        trial = dataclasses.replace(m, swing={**m.swing, side: states})
        height = swing_foot(trial, side, tau, hip)[point][:, UP]
        acc.append((2 * height[0] - 5 * height[1] + 4 * height[2] - height[3]) / h**2)
    # (a landing point that arrives with a touchdown speed comes from above: no lift needed)
    landing_lift = max(0.0, LANDING_ACC_M_S2 - acc[1]) if m.touchdown_speed_m_s <= 0 else 0.0
    states["lift"] = (max(0.0, LIFT_OFF_ACC_M_S2 - acc[0]), landing_lift)
    if max(states["lift"]) > MAX_LIFT_M_S2:
        raise ValueError(
            f"the {side} foot cannot leave and meet the ground smoothly in this swing; use a "
            "longer flight (shorter contact_time_ms) or a gentler stance (knee flexion, "
            "overstride, hip extension)."
        )
    x = np.linspace(0.05, 0.95, 181)
    t = t_to + x * d
    hip = hip_joint(m, side, t, pelvis_height_m(m, t))
    target = SWING_CLEARANCE_LEG * m.body.leg_length_m * _bump_mid(x)
    for _ in range(4):
        trial = dataclasses.replace(m, swing={**m.swing, side: states})
        foot = swing_foot(trial, side, x * d, hip)
        gap = target - np.minimum(foot["heel"][:, UP], foot["toe"][:, UP])
        if gap.max() <= 1e-6:
            break
        states["clearance"] = min(
            states["clearance"] + float(np.max(gap / _bump_mid(x))), 0.5 * m.body.leg_length_m
        )
    return states


def swing_foot(
    m: GaitModel, side: str, tau_sw: np.ndarray, hip: np.ndarray
) -> dict[str, np.ndarray]:
    """Heel, ankle, toe ``(N, 3)`` and foot angle at time ``tau_sw`` (s) since toe-off.

    ``hip`` is the side's hip joint centre ``(N, 3)`` at those times.
    """
    d = m.stride_s - m.contact_s[side]
    x = np.clip(tau_sw / d, 0.0, 1.0)
    states = m.swing[side]
    lateral = SIDE_SIGN[side] * m.step_width_m / 2
    body = m.body
    thigh = hermite_keys(x, states["thigh"], d)
    knee = hermite_keys(x, states["knee"], d)
    # keep the 3-D hip-ankle distance within reach (the hip is to the side of the ankle)
    reach2 = (body.leg_length_m * (1 - 1e-9)) ** 2 - (hip[:, LAT] - lateral) ** 2
    cos_floor = (reach2 - body.thigh_m**2 - body.shank_m**2) / (2 * body.thigh_m * body.shank_m)
    knee = np.maximum(knee, np.arccos(np.clip(cos_floor, -1.0, 1.0)))
    phi = hermite_keys(x, states["phi"], d)
    ankle = hip[:, [FWD, UP]] + planar_leg(body, thigh, knee)
    lift0, lift1 = states["lift"]
    ankle[:, 1] += 0.5 * d * d * (lift0 * x**2 * (1 - x) ** 4 + lift1 * x**4 * (1 - x) ** 2)
    ankle[:, 1] += states["clearance"] * _bump_mid(x)
    # safety net: never further from the hip than the leg reaches
    ankle[:, 1] = np.maximum(
        ankle[:, 1], hip[:, UP] - np.sqrt(np.maximum(reach2 - ankle[:, 0] ** 2, 0.0))
    )
    pts = body.foot_points()
    heel = ankle - rotate2(phi, pts["ankle"])
    return {
        "phi": phi,
        "ankle": _to3(ankle, lateral),
        "heel": _to3(heel, lateral),
        "toe": _to3(heel + rotate2(phi, pts["toe"]), lateral),
    }


def foot_at(m: GaitModel, side: str, t: np.ndarray, hip: np.ndarray) -> dict[str, np.ndarray]:
    """Heel, ankle, toe ``(N, 3)`` and foot angle of one side at gait times ``t``.

    ``hip`` is that side's hip joint centre ``(N, 3)`` (used in swing).
    """
    tau = m.local_time(side, t)
    stance = tau <= m.contact_s[side]
    out = {k: np.empty((t.size, 3)) for k in ("heel", "ankle", "toe")}
    out["phi"] = np.empty(t.size)
    for mask, part in (
        (stance, stance_foot(m, side, tau[stance])),
        (~stance, swing_foot(m, side, tau[~stance] - m.contact_s[side], hip[~stance])),
    ):
        for k in out:
            out[k][mask] = part[k]
    return out


# ------------------------------------------------------------------ solving the model
def thigh_angle_rad(
    m: GaitModel, side: str, t: np.ndarray, hip: np.ndarray, ankle: np.ndarray
) -> np.ndarray:
    """Sagittal thigh angle behind vertical of a leg from its hip and ankle (knee by IK)."""
    valgus = m.valgus_rad * m.stance_bump(side, t)
    knee = knee_ik(m.body, hip, ankle, valgus, SIDE_SIGN[side])
    return np.radians(sagittal_angle_deg(hip, knee))


def _hip_for_knee(
    m: GaitModel, side: str, t: np.ndarray, ankle: np.ndarray, knee_rad: np.ndarray
) -> np.ndarray:
    """Hip joint centre ``(N, 3)`` of a stance leg whose knee is flexed ``knee_rad``: forward at
    the pelvis (0), sideways where drift and obliquity put it, at the height that gives the
    leg its span to the planted ankle."""
    hip = hip_joint(m, side, t, np.zeros(np.size(t)))
    horiz2 = ankle[:, FWD] ** 2 + (ankle[:, LAT] - hip[:, LAT]) ** 2
    span = leg_span_m(m.body, knee_rad)
    hip[:, UP] = ankle[:, UP] + np.sqrt(np.maximum(span**2 - horiz2, 0.0))
    return hip


def solve_knee_for_thigh(
    m: GaitModel, side: str, t: np.ndarray, ankle: np.ndarray, thigh_rad: np.ndarray
) -> np.ndarray:
    """Knee flexion (rad) that puts the stance thigh at ``thigh_rad`` behind vertical.

    Vectorised bisection: with the ankle planted, more knee flexion lowers the hip and brings
    the thigh forward (the sagittal thigh angle decreases monotonically).
    """
    hip0 = hip_joint(m, side, t, np.zeros(np.size(t)))
    horiz2 = ankle[:, FWD] ** 2 + (ankle[:, LAT] - hip0[:, LAT]) ** 2
    tt, ss = m.body.thigh_m, m.body.shank_m
    cos_max = np.clip((horiz2 - tt * tt - ss * ss) / (2 * tt * ss), -1.0, 1.0)
    lo = np.zeros(np.size(t))
    hi = np.minimum(np.arccos(cos_max), np.radians(150.0))
    valgus = m.valgus_rad * m.stance_bump(side, t)
    hip = hip0.copy()
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        hip[:, UP] = ankle[:, UP] + np.sqrt(np.maximum(leg_span_m(m.body, mid) ** 2 - horiz2, 0.0))
        knee = knee_ik(m.body, hip, ankle, valgus, SIDE_SIGN[side])
        too_far_back = np.radians(sagittal_angle_deg(hip, knee)) > thigh_rad
        lo = np.where(too_far_back, mid, lo)
        hi = np.where(too_far_back, hi, mid)
    return 0.5 * (lo + hi)


def _solve_toe_off_ankle_fwd(m: GaitModel, side: str, knee_rad: float) -> float:
    """Forward position of the ankle at toe-off that gives the requested thigh angle."""
    t = np.array([m.first_strike_s[side] + m.contact_s[side]])
    pts = m.body.foot_points()
    rel_up = float(rotate2(m.foot_toe_off_rad, pts["ankle"] - pts["toe"])[1])
    lateral = SIDE_SIGN[side] * m.step_width_m / 2
    hip_lat = float(hip_joint(m, side, t, np.zeros(1))[0, LAT])
    span = float(leg_span_m(m.body, knee_rad))
    reach = math.sqrt(max(span**2 - (lateral - hip_lat) ** 2, 0.0))

    def thigh_minus_target(fwd: float) -> float:
        ankle = np.array([[fwd, lateral, rel_up]])
        hip = _hip_for_knee(m, side, t, ankle, np.array([knee_rad]))
        return float(thigh_angle_rad(m, side, t, hip, ankle)[0]) - m.hip_extension_rad[side]

    lo, hi = -reach * (1 - 1e-9), 0.0
    if thigh_minus_target(lo) < 0 or thigh_minus_target(hi) > 0:
        raise ValueError(
            "hip_extension_deg cannot be reached with this knee_flexion_toe_off_deg; "
            "choose a smaller hip extension or less knee flexion at toe-off."
        )
    return brentq(thigh_minus_target, lo, hi, xtol=1e-13)


def _level_toe_off_knee(m: GaitModel) -> float:
    """Toe-off knee flexion (rad) that puts the pelvis as high at toe-off as at strike.

    Used when ``knee_flexion_toe_off_deg`` is None: the flight arc then starts and ends at the
    same height, as in a ballistic flight. Clamped to [3, 70] degrees. (The obliquity is zero
    at both instants, so the hip joint centre and the midpoint are equally high.)
    """
    side = "left"
    tc = m.contact_s[side]
    h_strike = _hip_height(m, side, 0.0, m.knee_strike_rad)
    pts = m.body.foot_points()
    rel = rotate2(m.foot_toe_off_rad, pts["ankle"] - pts["toe"])
    lateral = SIDE_SIGN[side] * m.step_width_m / 2
    t = np.array([m.first_strike_s[side] + tc])

    def excess(knee_rad: float) -> float:
        fwd = _solve_toe_off_ankle_fwd(m, side, knee_rad)
        ankle = np.array([[fwd, lateral, rel[1]]])
        hip = _hip_for_knee(m, side, t, ankle, np.array([knee_rad]))
        return float(hip[0, UP]) - h_strike

    lo, hi = math.radians(3.0), math.radians(70.0)
    if excess(lo) <= 0:
        return lo
    if excess(hi) >= 0:
        return hi
    return brentq(excess, lo, hi, xtol=1e-10)


def _level_knee_for_ankle(m: GaitModel, side: str, t: np.ndarray, ankle: np.ndarray) -> float:
    """Knee flexion (rad) that puts the hip as high at toe-off (ankle given) as at strike."""
    h_strike = _hip_height(m, side, 0.0, m.knee_strike_rad)
    hip_lat = hip_joint(m, side, t, np.zeros(1))[0, LAT]
    span2 = (h_strike - ankle[0, UP]) ** 2 + ankle[0, FWD] ** 2 + (ankle[0, LAT] - hip_lat) ** 2
    tt, ss = m.body.thigh_m, m.body.shank_m
    cos_knee = (span2 - tt * tt - ss * ss) / (2 * tt * ss)
    return float(np.arccos(np.clip(cos_knee, -1.0, math.cos(math.radians(3.0)))))


def _hip_height(m: GaitModel, side: str, tau: float, knee_rad: float) -> float:
    """Height of the stance hip joint centre that gives ``knee_rad`` of flexion at ``tau``."""
    t = np.array([m.first_strike_s[side] + tau])
    ankle = stance_foot(m, side, np.array([tau]))["ankle"]
    return float(_hip_for_knee(m, side, t, ankle, np.array([knee_rad]))[0, UP])


def _knee_rate_at_strike(m: GaitModel, side: str) -> float:
    """Knee flexion rate at strike that leaves the stance thigh momentarily still.

    The thigh then extends through stance and the swing can end with a retraction. The rate
    is kept within what a monotonic rise to the peak allows.
    """
    tc = m.contact_s[side]
    h = 1e-4 * tc
    tau = h * np.arange(3)
    t = m.first_strike_s[side] + tau
    ankle = stance_foot(m, side, tau)["ankle"]

    def thigh_rate(rate: float) -> float:
        trial = dataclasses.replace(m, knee_rate_strike_rad_s={side: rate})
        hip = _hip_for_knee(trial, side, t, ankle, stance_knee_rad(trial, side, tau))
        a = thigh_angle_rad(trial, side, t, hip, ankle)
        return float((-3 * a[0] + 4 * a[1] - a[2]) / (2 * h))

    at_zero = thigh_rate(0.0)
    slope = thigh_rate(1.0) - at_zero
    rate = -at_zero / slope if slope < 0 else 0.0
    limit = 3 * max(m.knee_peak_rad - m.knee_strike_rad, 0.0) / (KNEE_PEAK_SHARE * tc)
    return float(np.clip(rate, 0.0, limit))


def _thigh_mid(m: GaitModel, side: str) -> tuple[float, float]:
    """Sagittal thigh angle (rad) and its rate at the knee's peak, from the early schedule."""
    tc = m.contact_s[side]
    h = 1e-4 * tc
    tau = KNEE_PEAK_SHARE * tc - h * np.arange(3)
    t = m.first_strike_s[side] + tau
    ankle = stance_foot(m, side, tau)["ankle"]
    hip = _hip_for_knee(m, side, t, ankle, stance_knee_rad(m, side, tau))
    a = thigh_angle_rad(m, side, t, hip, ankle)
    return float(a[0]), float((3 * a[0] - 4 * a[1] + a[2]) / (2 * h))


def _solve_flights(m: GaitModel, bounce_m: float) -> dict[str, tuple[float, ...]]:
    """Flight curves: cubics joining the stances, raised so the bounce is ``bounce_m``.

    The bump only raises the arc: if the stances alone bounce more, the realised (larger)
    value is what the truth reports.
    """
    half_width = 0.5 * m.body.pelvis_width_m
    lows, highs = [], []
    for side in SIDES:
        tau = np.linspace(0.0, m.contact_s[side], 201)
        t = m.first_strike_s[side] + tau
        mid = stance_hip_height_m(m, side, tau) - half_width * np.abs(
            np.sin(pelvic_obliquity_rad(m, t))
        )
        lows.append(mid.min())
        highs.append(mid.max())
    low, high = min(lows), max(highs)
    x = np.linspace(0.0, 1.0, 401)
    flights: dict[str, tuple[float, ...]] = {}
    for side in SIDES:
        h0, r0 = _end_state(m, side, at_toe_off=True)
        h1, r1 = _end_state(m, _other(side), at_toe_off=False)
        duration = m.stride_s / 2 - m.contact_s[side]
        if abs(h1 - h0) > MAX_FLIGHT_SPEED_M_S * duration + 0.02 * m.body.leg_length_m:
            raise ValueError(
                f"the pelvis would have to move {abs(h1 - h0) * 100:.0f} cm in a "
                f"{duration * 1000:.0f} ms flight between the toe-off and strike poses; "
                "change overstride_leg, hip_extension_deg, contact_time_ms, belt_speed_m_s or "
                "the knee flexion at strike / toe-off."
            )
        base = _cubic(x, h0, r0, h1, r1, duration)

        def excess(c: float, base: np.ndarray = base) -> float:
            arc = base + c * _bump_mid(x)
            return max(high, float(arc.max())) - min(low, float(arc.min())) - bounce_m

        bump = 0.0
        if excess(0.0) < 0:
            bump = brentq(excess, 0.0, bounce_m + high - low + 1.0, xtol=1e-12)
        flights[side] = (h0, r0, h1, r1, duration, bump)
    return flights


def build_model(spec: RunnerSpec) -> GaitModel:
    """Solve every constant of the motion from a spec (see the module docstring)."""
    body = body_from_spec(spec)
    leg = body.leg_length_m
    stride = 120.0 / spec.cadence_spm
    mean_tc = spec.contact_time_ms / 1000.0
    half = spec.contact_asymmetry_pct / 200.0
    contact = {"left": mean_tc * (1 + half), "right": mean_tc * (1 - half)}
    pts = body.foot_points()
    foot_strike = math.radians(spec.foot_angle_strike_deg)
    heel_at_strike = spec.overstride_leg * leg
    if foot_strike < 0:  # the toe lands first: its ground point sets where the flat heel will be
        heel_ground = heel_at_strike + pts["toe"][0] * math.cos(foot_strike) - pts["toe"][0]
    else:
        heel_ground = heel_at_strike
    m = GaitModel(
        body=body,
        stride_s=stride,
        contact_s=contact,
        first_strike_s={"right": 0.0, "left": stride / 2},
        belt_speed_m_s=1.0,
        knee_strike_rad=math.radians(spec.knee_flexion_strike_deg),
        knee_peak_rad=math.radians(spec.knee_flexion_peak_stance_deg),
        foot_strike_rad=foot_strike,
        foot_toe_off_rad=math.radians(spec.foot_angle_toe_off_deg),
        hip_extension_rad={side: math.radians(spec.hip_extension_deg) for side in SIDES},
        heel_ground_m=heel_ground,
        step_width_m=spec.step_width_leg * leg,
        drift_amplitude_m=spec.lateral_drift_pct / 200.0 * body.pelvis_width_m,
        pelvic_drop_rad=math.radians(spec.pelvic_drop_deg),
        trunk_lean_rad=math.radians(spec.trunk_lean_deg),
        trunk_forward_rad=math.radians(spec.trunk_forward_lean_deg),
        valgus_rad=math.radians(spec.knee_valgus_deg),
        touchdown_speed_m_s=spec.touchdown_speed_m_s,
        liftoff_speed_m_s=spec.liftoff_speed_m_s,
    )
    # belt speed: from the symmetric toe-off geometry unless given
    if spec.belt_speed_m_s is None:
        sym = dataclasses.replace(m, contact_s={"left": mean_tc, "right": mean_tc})
        if spec.knee_flexion_toe_off_deg is None:
            knee_to = _level_toe_off_knee(sym)
        else:
            knee_to = math.radians(spec.knee_flexion_toe_off_deg)
        ankle_fwd = _solve_toe_off_ankle_fwd(sym, "left", knee_to)
        toe_fwd = ankle_fwd - rotate2(m.foot_toe_off_rad, pts["ankle"] - pts["toe"])[0]
        speed = (heel_ground + pts["toe"][0] - toe_fwd) / mean_tc
    else:
        speed = spec.belt_speed_m_s
    if speed <= 0:
        raise ValueError(
            "overstride_leg and hip_extension_deg leave no distance for the stance foot to "
            "travel; raise one of them."
        )
    m = dataclasses.replace(m, belt_speed_m_s=speed)
    # per side: the toe-off knee flexion that gives the hip extension (or, with a given belt
    # speed, the hip extension that a given or level toe-off knee flexion gives)
    knee_to: dict[str, float] = {}
    hip_ext: dict[str, float] = {}
    for side in SIDES:
        tc = contact[side]
        ankle = stance_foot(m, side, np.array([tc]))["ankle"]
        t_to = np.array([m.first_strike_s[side] + tc])
        if spec.belt_speed_m_s is None:
            target = np.array([m.hip_extension_rad[side]])
            k = float(solve_knee_for_thigh(m, side, t_to, ankle, target)[0])
        elif spec.knee_flexion_toe_off_deg is None:
            k = _level_knee_for_ankle(m, side, t_to, ankle)
        else:
            k = math.radians(spec.knee_flexion_toe_off_deg)
        hip = _hip_for_knee(m, side, t_to, ankle, np.array([k]))
        reached = float(thigh_angle_rad(m, side, t_to, hip, ankle)[0])
        if spec.belt_speed_m_s is None and abs(reached - m.hip_extension_rad[side]) > 1e-6:
            k = -1.0
        if not 0.0 < k < math.radians(100):
            raise ValueError(
                f"the {side} leg cannot reach its toe-off pose with this belt speed, contact "
                "time, overstride and hip extension; change one of them."
            )
        knee_to[side] = k
        hip_ext[side] = reached
    m = dataclasses.replace(m, hip_extension_rad=hip_ext)
    m = dataclasses.replace(m, knee_toe_off_rad=knee_to)
    m = dataclasses.replace(
        m, knee_rate_strike_rad_s={side: _knee_rate_at_strike(m, side) for side in SIDES}
    )
    m = dataclasses.replace(m, thigh_mid={side: _thigh_mid(m, side) for side in SIDES})
    m = dataclasses.replace(m, flight=_solve_flights(m, spec.vertical_oscillation_leg * leg))
    for side in SIDES:
        m = dataclasses.replace(m, swing={**m.swing, side: _swing_states(m, side)})
    return m


# ---------------------------------------------------------------------------------- pose
def pose_at(m: GaitModel, t: np.ndarray) -> np.ndarray:
    """All 33 landmarks ``(N, 33, 3)`` in the body frame at gait times ``t`` (s)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    body = m.body
    out = np.empty((t.size, N_LANDMARKS, 3))
    mid = np.zeros((t.size, 3))
    mid[:, LAT] = pelvis_lateral_m(m, t)
    mid[:, UP] = pelvis_height_m(m, t)
    for side in SIDES:
        hip = mid + hip_offset(m, side, t)
        foot = foot_at(m, side, t, hip)
        valgus = m.valgus_rad * m.stance_bump(side, t)
        out[:, INDEX[f"{side}_hip"]] = hip
        out[:, INDEX[f"{side}_knee"]] = knee_ik(body, hip, foot["ankle"], valgus, SIDE_SIGN[side])
        out[:, INDEX[f"{side}_ankle"]] = foot["ankle"]
        out[:, INDEX[f"{side}_heel"]] = foot["heel"]
        out[:, INDEX[f"{side}_foot_index"]] = foot["toe"]
    _upper_body(m, t, mid, out)
    return out


#: Head landmarks relative to the shoulder midpoint, (forward, left, up) in units of height.
_HEAD_OFFSETS_H: Mapping[str, tuple[float, float, float]] = {
    "nose": (0.065, 0.0, 0.107),
    "left_eye_inner": (0.055, 0.009, 0.118),
    "left_eye": (0.052, 0.018, 0.118),
    "left_eye_outer": (0.047, 0.027, 0.117),
    "left_ear": (0.010, 0.040, 0.112),
    "mouth_left": (0.058, 0.014, 0.090),
}


def _mirror_head(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    return "mouth_right" if name == "mouth_left" else name


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _upper_body(m: GaitModel, t: np.ndarray, mid: np.ndarray, out: np.ndarray) -> None:
    """Fill trunk, head and arm landmarks of ``out`` in place."""
    body = m.body
    n = t.size
    h = body.height_m
    trunk = np.empty((n, 3))
    trunk[:, FWD] = math.tan(m.trunk_forward_rad)
    trunk[:, LAT] = np.tan(trunk_lateral_rad(m, t))
    trunk[:, UP] = 1.0
    trunk = _unit(trunk)
    shoulder_mid = mid + body.trunk_m * trunk
    lateral = np.zeros((n, 3))
    lateral[:, LAT] = 1.0
    lateral = _unit(lateral - np.sum(lateral * trunk, axis=1)[:, None] * trunk)
    forward = np.cross(lateral, trunk)
    phase = 2 * np.pi * t / m.stride_s  # 0 at right foot strike: left arm forward
    yaw = np.radians(6.0) * np.cos(phase)  # left shoulder forward when the left arm is
    for name, (f, lat, up) in _HEAD_OFFSETS_H.items():
        for label, sign in ((name, 1.0), (_mirror_head(name), -1.0)):
            offset = np.array([f, sign * lat, up]) * h
            out[:, INDEX[label]] = shoulder_mid + offset
    for side in SIDES:
        sign = SIDE_SIGN[side]
        arm_phase = phase if side == "left" else phase - np.pi
        shoulder = shoulder_mid + (sign * body.shoulder_width_m / 2) * (
            np.cos(yaw)[:, None] * lateral + np.sin(yaw)[:, None] * forward
        )
        swing = np.radians(-10.0 + 30.0 * np.cos(arm_phase))
        elbow_flex = np.radians(85.0 + 15.0 * np.cos(arm_phase))
        upper = _arm_dir(swing, sign * 0.10)
        fore = _arm_dir(swing + elbow_flex, -sign * 0.25)
        elbow = shoulder + body.upper_arm_m * upper
        wrist = elbow + body.forearm_m * fore
        up_hand = _unit(np.cross(fore, np.broadcast_to([0.0, sign, 0.0], fore.shape)) * sign)
        out[:, INDEX[f"{side}_shoulder"]] = shoulder
        out[:, INDEX[f"{side}_elbow"]] = elbow
        out[:, INDEX[f"{side}_wrist"]] = wrist
        out[:, INDEX[f"{side}_index"]] = wrist + h * (0.045 * fore + 0.012 * up_hand)
        out[:, INDEX[f"{side}_pinky"]] = wrist + h * (0.040 * fore - 0.012 * up_hand)
        out[:, INDEX[f"{side}_thumb"]] = wrist + h * (0.030 * fore + 0.022 * up_hand)


def _arm_dir(angle_rad: np.ndarray, lateral: float) -> np.ndarray:
    """Unit vector pointing down, swung forward by ``angle_rad``, tilted sideways by ``lateral``."""
    out = np.empty((angle_rad.size, 3))
    out[:, FWD] = np.sin(angle_rad)
    out[:, LAT] = lateral
    out[:, UP] = -np.cos(angle_rad)
    return _unit(out)
