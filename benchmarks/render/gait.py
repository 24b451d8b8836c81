"""Running kinematics with planted feet: the stance foot rests on the floor from strike to toe-off.

The motion is built in the *ground frame* (the floor the stance foot stands on; for a treadmill,
the belt): the runner progresses at ``speed_m_s`` toward -y, and each stance foot stays where it
landed. For a treadmill the whole body is then carried back with the belt (+y at the belt speed),
so the pelvis stays roughly in place and the stance foot moves back with the belt; overground,
the ground frame is the world.

Stance: the foot's world sagittal angle goes from ``strike_foot_deg`` (toe up: heel strike; toe
down: forefoot strike) to flat, stays flat, then the heel rises to ``toe_off_foot_deg`` at
toe-off. While the toe is up the foot rolls on its heel point, while the heel is up on its toe
point, each pinned to the floor where the flat foot stands; so the sole never slides. The leg is
solved from the hip joint to the ankle with a two-bone IK (knee toward the running direction).

Swing: the ankle's path relative to the hip is a cubic Hermite curve from the toe-off position to
the next strike position through a heel-recovery and a reach key pose, leaving the floor with an
upward and landing with a downward velocity, never lower than the floor.

The pelvis height is set so that the stance knee is never straighter than
``knee_min_stance_deg``, and the foot is placed at strike so that the peak thigh extension of
the stance is ``hip_extension_deg``: both are solved per body, so the pattern (normal, tight)
means the same on every phenotype.

World frame (anny's): x = the body's left, y = backward, z = up, metres.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

SIDES = ("R", "L")
SIGN = {"R": -1.0, "L": 1.0}


# --------------------------------------------------------------------------- specs


@dataclasses.dataclass(frozen=True)
class GaitSpec:
    """The running pattern (angles in degrees, + thigh = extension, + foot = toe down)."""

    cadence_spm: float = 170.0
    contact_time_ms: float = 250.0
    left_contact_scale: float = 1.0  # left contact time = contact_time_ms * this (asymmetry)
    left_step_phase: float = 0.5  # left strike at this fraction of the stride after the right
    speed_m_s: float = 2.8  # running speed over the ground (belt speed on a treadmill)
    hip_extension_deg: float = 12.0  # peak stance thigh angle behind vertical (solved for)
    hip_flexion_deg: float = 35.0  # thigh angle in front of vertical in late swing
    knee_min_stance_deg: float = 14.0  # the straightest the stance knee gets (sets pelvis height)
    knee_swing_peak_deg: float = 100.0
    strike_foot_deg: float = -12.0  # foot angle at strike (- = toe up: heel strike)
    toe_off_foot_deg: float = 32.0  # foot angle at toe-off (heel up)
    foot_flat_frac: float = 0.18  # share of stance by which the foot is flat
    heel_rise_frac: float = 0.5  # share of stance at which the heel starts to rise
    step_width_m: float = 0.10  # lateral distance between the two feet's centre lines
    toe_out_deg: float = 6.0
    anterior_tilt_deg: float = 0.0  # mean pelvis forward tilt relative to the rest pose
    tilt_range_deg: float = 4.0  # peak-to-peak sagittal tilt oscillation (two per stride)
    pelvic_drop_deg: float = 4.0  # peak frontal drop of the swing side in each stance
    pelvic_rotation_deg: float = 5.0  # transverse rotation amplitude
    lateral_drift_m: float = 0.02  # amplitude (half peak-to-peak) toward the stance side
    bounce_m: float = 0.07  # vertical peak-to-peak pelvis travel
    trunk_forward_deg: float = 8.0
    trunk_lean_deg: float = 1.0  # peak lateral trunk lean toward the stance side
    arm_swing_deg: float = 30.0
    elbow_deg: float = 85.0
    strike_impact_m_s: float = 0.6  # downward speed of the ankle when the foot lands
    lift_off_m_s: float = 0.4  # upward speed of the ankle when the foot leaves


# --------------------------------------------------------------------------- rotations


def rot_x(deg: float) -> np.ndarray:
    """Rotation about x (positive: a downward vector swings to +y, i.e. backward)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation about y (positive: the +x side goes down)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation about z (vertical; positive turns -y toward +x)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def unit(v: np.ndarray) -> np.ndarray:
    """v / |v|."""
    return v / np.linalg.norm(v)


def align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking unit vector a to unit vector b (Rodrigues)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k / (1.0 + c)


def frame_rotation(d0: np.ndarray, f0: np.ndarray, d1: np.ndarray, f1: np.ndarray) -> np.ndarray:
    """Rotation taking direction d0 to d1 and the reference f0 (made normal to d0) toward f1."""

    def basis(d: np.ndarray, f: np.ndarray) -> np.ndarray:
        d = unit(d)
        f = unit(f - np.dot(f, d) * d)
        return np.stack([d, f, np.cross(d, f)], axis=1)

    return basis(d1, f1) @ basis(d0, f0).T


# --------------------------------------------------------------------------- small curves


def ease(x: float) -> float:
    """0 -> 1 smoothly (cosine), zero slope at both ends; clipped outside [0, 1]."""
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


def ease_in(x: float) -> float:
    """0 -> 1 starting with zero slope, ending at full slope (quarter cosine)."""
    x = min(max(x, 0.0), 1.0)
    return 1.0 - math.cos(0.5 * math.pi * x)


def hermite(keys: list[tuple[float, np.ndarray]], t0: np.ndarray, t1: np.ndarray, s: float):
    """Cubic Hermite curve through ``(s, value)`` keys, end tangents ``t0``/``t1`` (d/ds).

    Inner tangents are Catmull-Rom (finite differences of the neighbouring keys).
    """
    ss = [k[0] for k in keys]
    vv = [np.asarray(k[1], float) for k in keys]
    n = len(keys)
    tang = [np.asarray(t0, float)]
    for i in range(1, n - 1):
        tang.append((vv[i + 1] - vv[i - 1]) / (ss[i + 1] - ss[i - 1]))
    tang.append(np.asarray(t1, float))
    i = min(max(int(np.searchsorted(ss, s, side="right")) - 1, 0), n - 2)
    h = ss[i + 1] - ss[i]
    u = (s - ss[i]) / h
    h00 = 2 * u**3 - 3 * u**2 + 1
    h10 = u**3 - 2 * u**2 + u
    h01 = -2 * u**3 + 3 * u**2
    h11 = u**3 - u**2
    return h00 * vv[i] + h10 * h * tang[i] + h01 * vv[i + 1] + h11 * h * tang[i + 1]


# --------------------------------------------------------------------------- the skeleton


@dataclasses.dataclass(frozen=True)
class Skeleton:
    """What the kinematics needs of the body's rest pose (anny bone heads and the feet).

    Attributes
    ----------
    labels, parents
        Bone names and parent indices (anny's order; parent of the root is -1 or itself).
    rest_heads
        Rest bone heads (J, 3), metres.
    heel, toe
        Per side, the rest sole points the foot rolls on (back and front of the sole).
    floor_z
        The rest floor height (lowest point of the feet).
    """

    labels: tuple[str, ...]
    parents: tuple[int, ...]
    rest_heads: np.ndarray
    heel: dict[str, np.ndarray]
    toe: dict[str, np.ndarray]
    sole: dict[str, np.ndarray]
    floor_z: float

    def index(self, name: str) -> int:
        """Index of a bone by name."""
        return self.labels.index(name)

    def head(self, name: str) -> np.ndarray:
        """Rest head of a bone."""
        return self.rest_heads[self.index(name)]

    def posed_heads(self, rotations: dict[str, np.ndarray], root_m: np.ndarray) -> np.ndarray:
        """Bone heads for world rotations (relative to rest) and a root head position.

        A bone without a rotation of its own takes its parent's (as :class:`body.Body` poses).
        """
        j = len(self.labels)
        g: list[np.ndarray] = [np.eye(3)] * j
        heads = np.zeros((j, 3))
        for c in range(j):
            name = self.labels[c]
            p = self.parents[c]
            if name in rotations:
                g[c] = rotations[name]
            elif c > 0 and p >= 0:
                g[c] = g[p]
            if c == 0 or p < 0 or p == c:
                heads[c] = root_m
            else:
                heads[c] = heads[p] + g[p] @ (self.rest_heads[c] - self.rest_heads[p])
        return heads


# --------------------------------------------------------------------------- timing


@dataclasses.dataclass(frozen=True)
class Timing:
    """When each foot strikes and leaves the ground (commanded; the truth comes from the mesh)."""

    stride_s: float
    contact_s: dict[str, float]
    strike_offset_s: dict[str, float]  # first strike of each side at k * stride_s + this

    def stance(self, side: str, t_s: float) -> tuple[int, float]:
        """The stride number k whose strike of ``side`` is the last one at or before t_s, and
        the time since that strike."""
        k = math.floor((t_s - self.strike_offset_s[side]) / self.stride_s)
        return k, t_s - (self.strike_offset_s[side] + k * self.stride_s)

    def strike_s(self, side: str, k: int) -> float:
        """Time of strike number k of ``side``."""
        return self.strike_offset_s[side] + k * self.stride_s

    def events(self, duration_s: float) -> list[dict[str, object]]:
        """Commanded strikes and toe-offs inside [0, duration_s)."""
        out = []
        for side, name in (("R", "right"), ("L", "left")):
            k0 = math.floor(-self.strike_offset_s[side] / self.stride_s) - 1
            k1 = math.ceil((duration_s - self.strike_offset_s[side]) / self.stride_s) + 1
            for k in range(k0, k1 + 1):
                fs = self.strike_s(side, k)
                for kind, t in (("foot_strike", fs), ("toe_off", fs + self.contact_s[side])):
                    if 0.0 <= t < duration_s:
                        out.append({"side": name, "kind": kind, "time_s": round(t, 6)})
        return sorted(out, key=lambda e: float(e["time_s"]))


def timing(gait: GaitSpec, phase_offset: float) -> Timing:
    """The commanded timing: right strike at stride phase 0, left at ``left_step_phase``."""
    stride_s = 120.0 / gait.cadence_spm
    contact = {"R": gait.contact_time_ms / 1000.0}
    contact["L"] = contact["R"] * gait.left_contact_scale
    off = {"R": -phase_offset * stride_s}
    off["L"] = off["R"] + gait.left_step_phase * stride_s
    return Timing(stride_s, contact, off)


# --------------------------------------------------------------------------- the pose


@dataclasses.dataclass(frozen=True)
class FramePose:
    """World rotations (relative to rest) of the posed segments and the root head position.

    ``root_m`` is in the world (belt motion included); ``commanded`` has the chosen values.
    """

    rotations: dict[str, np.ndarray]
    root_m: np.ndarray
    commanded: dict[str, float]


@dataclasses.dataclass(frozen=True)
class Placement:
    """Per-body solution: pelvis height, strike placement (how far ahead of the hip)."""

    root_z_m: float
    strike_ahead_m: float
    left_extra_ahead_m: float = 0.0  # the left heel lands this much further ahead (asymmetry)

    def ahead_m(self, side: str) -> float:
        """How far ahead of the hip the heel of ``side`` lands."""
        return self.strike_ahead_m + (self.left_extra_ahead_m if side == "L" else 0.0)


class Runner:
    """The kinematics of one body and one gait; :meth:`pose` gives the pose at any time."""

    def __init__(
        self,
        skeleton: Skeleton,
        gait: GaitSpec,
        *,
        phase_offset: float = 0.1,
        treadmill: bool = True,
        arm_rest_dirs: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.sk = skeleton
        self.gait = gait
        self.treadmill = treadmill
        self.timing = timing(gait, phase_offset)
        self.arm_rest_dirs = arm_rest_dirs
        sk = skeleton
        self.hip0 = {s: sk.head(f"upperleg01.{s}") for s in SIDES}
        self.knee0 = {s: sk.head(f"lowerleg01.{s}") for s in SIDES}
        self.ankle0 = {s: sk.head(f"foot.{s}") for s in SIDES}
        self.thigh_len = {s: float(np.linalg.norm(self.knee0[s] - self.hip0[s])) for s in SIDES}
        self.shank_len = {s: float(np.linalg.norm(self.ankle0[s] - self.knee0[s])) for s in SIDES}
        self.root0 = sk.rest_heads[0].copy()
        self.placement = Placement(root_z_m=float(self.root0[2]), strike_ahead_m=0.3)
        self.placement = self._solve_placement()

    # ----- pelvis and trunk

    def _phase(self, t_s: float) -> float:
        """Stride phase of the right foot (0 = its strike)."""
        return ((t_s - self.timing.strike_offset_s["R"]) / self.timing.stride_s) % 1.0

    def _stance_bump(self, side: str, t_s: float) -> float:
        """0..1 bump over one stance of ``side`` (peak at ~40% of stance), 0 otherwise."""
        _, dt = self.timing.stance(side, t_s)
        tc = self.timing.contact_s[side]
        if dt >= tc:
            return 0.0
        return math.sin(math.pi * (dt / tc) ** 0.75)

    def pelvis(self, t_s: float) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """Pelvis rotation, root position in the ground frame, and the commanded values."""
        g = self.gait
        phase = self._phase(t_s)
        duty = self.timing.contact_s["R"] / self.timing.stride_s
        mid = 0.5 * duty
        b_r, b_l = self._stance_bump("R", t_s), self._stance_bump("L", t_s)
        drop = g.pelvic_drop_deg * (b_r - b_l)  # + = left side lower (right stance)
        drift = -g.lateral_drift_m * math.cos(2 * math.pi * (phase - mid))
        bounce = 0.5 * g.bounce_m * math.cos(4 * math.pi * (phase - mid - 0.25))
        tilt = g.anterior_tilt_deg + 0.5 * g.tilt_range_deg * math.cos(4 * math.pi * (phase - duty))
        rotation = g.pelvic_rotation_deg * math.cos(2 * math.pi * (phase - mid))
        lean = -g.trunk_lean_deg * (b_r - b_l)
        rot = rot_z(rotation) @ rot_y(drop) @ rot_x(tilt)
        root = np.array(
            [
                self.root0[0] + drift,
                self.root0[1] - g.speed_m_s * t_s,
                self.placement.root_z_m + bounce,
            ]
        )
        cmd = {
            "pelvic_drop_deg": drop,
            "anterior_tilt_deg": tilt,
            "pelvic_rotation_deg": rotation,
            "trunk_lean_deg": lean,
            "drift_m": drift,
            "bounce_m": bounce,
        }
        return rot, root, cmd

    def hips(self, t_s: float) -> dict[str, np.ndarray]:
        """Hip joint centres (ground frame)."""
        rot, root, _ = self.pelvis(t_s)
        return {s: root + rot @ (self.hip0[s] - self.root0) for s in SIDES}

    # ----- the stance foot

    def foot_rotation(self, theta_deg: float) -> np.ndarray:
        """World rotation of a foot (relative to rest) at sagittal angle theta (+ = toe down)."""
        return rot_x(theta_deg)

    def _yaw(self, side: str) -> np.ndarray:
        """Toe-out: the left foot's toe turns toward +x, the right one's toward -x."""
        return rot_z(SIGN[side] * self.gait.toe_out_deg)

    def stance_foot_angle(self, side: str, u: float) -> float:
        """Foot angle at stance fraction u (0 strike, 1 toe-off)."""
        g = self.gait
        if u < g.foot_flat_frac:
            return g.strike_foot_deg * (1.0 - ease(u / g.foot_flat_frac))
        if u < g.heel_rise_frac:
            return 0.0
        return g.toe_off_foot_deg * ease_in((u - g.heel_rise_frac) / (1.0 - g.heel_rise_frac))

    def flat_foot_heel(self, side: str, k: int) -> np.ndarray:
        """Where the heel point of stance k's foot stands when the foot is flat (ground frame).

        The heel lands ``strike_ahead_m`` ahead of the hip joint (at the strike's time), its
        ankle line ``step_width_m / 2`` out from the body's centre line, at the rest height.
        """
        ts = self.timing.strike_s(side, k)
        hip_y = self.root0[1] - self.gait.speed_m_s * ts + (self.hip0[side][1] - self.root0[1])
        heel0 = self.sk.heel[side]
        x = SIGN[side] * 0.5 * self.gait.step_width_m + (heel0[0] - self.ankle0[side][0])
        return np.array([x, hip_y - self.placement.ahead_m(side), heel0[2]])

    def stance_foot(self, side: str, k: int, u: float) -> tuple[np.ndarray, np.ndarray]:
        """Foot rotation and ankle position (ground frame) at stance fraction u of stance k.

        Toe up: the foot turns about its heel point; toe down: about its toe point; both points
        sit where the flat foot puts them, so the sole rolls without sliding.
        """
        theta = self.stance_foot_angle(side, u)
        yaw = self._yaw(side)
        r = yaw @ self.foot_rotation(theta)
        heel0, toe0 = self.sk.heel[side], self.sk.toe[side]
        heel_g = self.flat_foot_heel(side, k)
        if theta < 0:
            pivot0, pivot_g = heel0, heel_g
        else:
            pivot0, pivot_g = toe0, heel_g + yaw @ (toe0 - heel0)
        ankle = pivot_g + r @ (self.ankle0[side] - pivot0)
        # the heel and the toe are rounded: rest the lowest sole point on the floor
        sole = ankle + (self.sk.sole[side] - self.ankle0[side]) @ r.T
        ankle[2] += self.sk.floor_z - sole[:, 2].min()
        return r, ankle

    # ----- the swing foot

    def _swing_keys(self, side: str, end: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Ankle minus hip at the heel-recovery key pose (sagittal FK: thigh a little forward,
        knee at its swing peak) and at the reach before the foot is pulled back to land."""
        g = self.gait
        l1, l2 = self.thigh_len[side], self.shank_len[side]
        a = math.radians(-0.25 * g.hip_flexion_deg)
        b = math.radians(-0.25 * g.hip_flexion_deg + g.knee_swing_peak_deg)
        recovery = np.array(
            [0.0, l1 * math.sin(a) + l2 * math.sin(b), -(l1 * math.cos(a) + l2 * math.cos(b))]
        )
        reach = end + np.array([0.0, -0.09, 0.035])
        return [(0.35, recovery), (0.8, reach)]

    def _swing_foot_angle(self, side: str, s: float, span_s: float) -> float:
        """Foot angle in swing (s = 0 toe-off, 1 strike), leaving the stance at its own rate."""
        g = self.gait
        tc = self.timing.contact_s[side]
        rate = g.toe_off_foot_deg * 0.5 * math.pi / ((1.0 - g.heel_rise_frac) * tc)  # deg/s
        keys = [
            (0.0, np.array([g.toe_off_foot_deg])),
            (0.3, np.array([g.toe_off_foot_deg + 30.0])),
            (0.7, np.array([10.0])),
            (1.0, np.array([g.strike_foot_deg])),
        ]
        return float(hermite(keys, np.array([rate * span_s]), np.array([0.0]), s)[0])

    def _ankle_rel(self, side: str, t_s: float) -> np.ndarray:
        """Stance ankle minus hip at t (used for the swing's end conditions)."""
        k, dt = self.timing.stance(side, t_s)
        u = dt / self.timing.contact_s[side]
        _, ankle = self.stance_foot(side, k, u)
        return ankle - self.hips(t_s)[side]

    def swing_foot(self, side: str, k: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Foot rotation and ankle (ground frame) at dt after the strike of stance k (swing)."""
        tm = self.timing
        tc = tm.contact_s[side]
        t_off = tm.strike_s(side, k) + tc
        t_next = tm.strike_s(side, k + 1)
        span = t_next - t_off
        s = (dt - tc) / span
        eps = 1e-4
        # end conditions from the stance (ankle relative to the hip, and its rate)
        start = self._stance_rel(side, k, 1.0)
        start_v = (start - self._stance_rel(side, k, 1.0 - eps / tc)) / eps
        end = self._stance_rel(side, k + 1, 0.0)
        end_v = (self._stance_rel(side, k + 1, eps / tc) - end) / eps
        start_v = start_v + np.array([0.0, 0.0, self.gait.lift_off_m_s])
        end_v = end_v + np.array([0.0, 0.0, -self.gait.strike_impact_m_s])
        keys = [(0.0, start)]
        for sk_, rel in self._swing_keys(side, end):
            rel = rel.copy()
            rel[0] = start[0] + (end[0] - start[0]) * sk_
            keys.append((sk_, rel))
        keys.append((1.0, end))
        rel = hermite(keys, start_v * span, end_v * span, s)
        reach = 0.985 * (self.thigh_len[side] + self.shank_len[side])
        if np.linalg.norm(rel) > reach:
            rel = rel * reach / np.linalg.norm(rel)
        theta = self._swing_foot_angle(side, s, span)
        r = self._yaw(side) @ self.foot_rotation(theta)
        hip = self.hips(tm.strike_s(side, k) + dt)[side]
        ankle = hip + rel
        # never below the floor: lift the foot by what its lowest sole point is under it
        sole = ankle + (self.sk.sole[side] - self.ankle0[side]) @ r.T
        under = self.sk.floor_z + 0.004 * math.sin(math.pi * s) - sole[:, 2].min()
        if under > 0:
            ankle = ankle + np.array([0.0, 0.0, under])
        return r, ankle

    def _stance_rel(self, side: str, k: int, u: float) -> np.ndarray:
        t = self.timing.strike_s(side, k) + u * self.timing.contact_s[side]
        _, ankle = self.stance_foot(side, k, u)
        return ankle - self.hips(t)[side]

    def foot(self, side: str, t_s: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """Foot rotation, ankle (ground frame), and whether the foot is commanded in stance."""
        k, dt = self.timing.stance(side, t_s)
        tc = self.timing.contact_s[side]
        if dt <= tc:
            r, a = self.stance_foot(side, k, dt / tc)
            return r, a, True
        r, a = self.swing_foot(side, k, dt)
        return r, a, False

    # ----- the leg

    def leg_ik(
        self, side: str, hip: np.ndarray, ankle: np.ndarray, pole: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Thigh and shank world rotations putting the ankle at ``ankle``; and the knee angle.

        The knee bends toward ``pole``. Out of reach, the leg is straight toward the ankle.
        """
        l1, l2 = self.thigh_len[side], self.shank_len[side]
        d_vec = ankle - hip
        d = float(np.linalg.norm(d_vec))
        d = min(d, (l1 + l2) * 0.99999)
        u = d_vec / np.linalg.norm(d_vec)
        a = (l1 * l1 - l2 * l2 + d * d) / (2 * d)
        h = math.sqrt(max(l1 * l1 - a * a, 0.0))
        w = unit(pole - np.dot(pole, u) * u)
        knee = hip + a * u + h * w
        ankle_reached = hip + d * u
        fwd0 = np.array([0.0, -1.0, 0.0])
        r_thigh = frame_rotation(self.knee0[side] - self.hip0[side], fwd0, knee - hip, pole)
        r_shank = frame_rotation(
            self.ankle0[side] - self.knee0[side], fwd0, ankle_reached - knee, pole
        )
        cos_k = np.dot(unit(knee - hip), unit(ankle_reached - knee))
        return r_thigh, r_shank, math.degrees(math.acos(min(max(cos_k, -1.0), 1.0)))

    def knee_angle(self, side: str, t_s: float) -> float:
        """Knee flexion (deg) at t from the IK (for the placement solve)."""
        hip = self.hips(t_s)[side]
        _, ankle, _ = self.foot(side, t_s)
        d = float(np.linalg.norm(ankle - hip))
        l1, l2 = self.thigh_len[side], self.shank_len[side]
        if d >= l1 + l2:
            return -1.0  # out of reach
        cos_in = (l1 * l1 + l2 * l2 - d * d) / (2 * l1 * l2)
        return 180.0 - math.degrees(math.acos(min(max(cos_in, -1.0), 1.0)))

    def _stance_samples(self, side: str, n: int = 17) -> list[float]:
        k = 2
        t0 = self.timing.strike_s(side, k)
        return [t0 + self.timing.contact_s[side] * i / (n - 1) for i in range(n)]

    def _solve_placement(self) -> Placement:
        """Pelvis height (straightest stance knee = knee_min_stance_deg) and strike placement
        (peak stance thigh extension = hip_extension_deg), by bisection.

        The placement is solved on the right leg; a runner whose sides differ (contact time,
        step timing) gets its own left placement too, so both legs reach the same extension.
        """
        g = self.gait

        def solve_height(ahead: float, extra: float) -> float:
            lo, hi = self.root0[2] - 0.5, self.root0[2] + 0.2

            def min_knee(z: float) -> float:
                self.placement = Placement(z, ahead, extra)
                return min(self.knee_angle(s, t) for s in SIDES for t in self._stance_samples(s))

            for _ in range(17):
                mid = 0.5 * (lo + hi)
                k = min_knee(mid)
                if k < 0 or k < g.knee_min_stance_deg:
                    hi = mid
                else:
                    lo = mid
            return lo

        def peak_thigh(side: str, ahead: float, extra: float) -> float:
            z = solve_height(ahead, extra)
            self.placement = Placement(z, ahead, extra)
            vals = []
            for t in self._stance_samples(side):
                hip = self.hips(t)[side]
                _, ankle, _ = self.foot(side, t)
                rt, _, _ = self.leg_ik(side, hip, ankle, self._pole(side, t))
                knee = hip + rt @ (self.knee0[side] - self.hip0[side])
                d = knee - hip
                vals.append(math.degrees(math.atan2(d[1], -d[2])))
            return max(vals)

        def bisect(f, lo: float, hi: float) -> float:
            for _ in range(15):
                mid = 0.5 * (lo + hi)
                if f(mid) > g.hip_extension_deg:
                    lo = mid  # too much extension: land further ahead
                else:
                    hi = mid
            return 0.5 * (lo + hi)

        symmetric = g.left_contact_scale == 1.0 and g.left_step_phase == 0.5
        extra = 0.0
        ahead = bisect(lambda a: peak_thigh("R", a, extra), -0.3, 0.9)
        if not symmetric:
            for _ in range(2):
                extra = bisect(lambda e, a=ahead: peak_thigh("L", a, e), -0.4, 0.4)
                ahead = bisect(lambda a, e=extra: peak_thigh("R", a, e), -0.3, 0.9)
        return Placement(solve_height(ahead, extra), ahead, extra)

    def _pole(self, side: str, t_s: float) -> np.ndarray:
        _, _, cmd = self.pelvis(t_s)
        return rot_z(
            0.5 * cmd["pelvic_rotation_deg"] + 0.5 * SIGN[side] * self.gait.toe_out_deg
        ) @ (np.array([0.0, -1.0, 0.0]))

    # ----- the whole pose

    def pose(self, t_s: float) -> FramePose:
        """The pose at time t (world frame: belt motion included on a treadmill)."""
        g = self.gait
        pelvis, root, cmd = self.pelvis(t_s)
        trunk = rot_z(-0.5 * cmd["pelvic_rotation_deg"]) @ rot_y(cmd["trunk_lean_deg"])
        trunk = trunk @ rot_x(g.trunk_forward_deg)
        rots: dict[str, np.ndarray] = {"root": pelvis, "spine05": pelvis}
        rots["spine04"] = (
            rot_z(0.25 * cmd["pelvic_rotation_deg"])
            @ rot_y(0.5 * (cmd["pelvic_drop_deg"] + cmd["trunk_lean_deg"]))
            @ rot_x(0.5 * (cmd["anterior_tilt_deg"] + g.trunk_forward_deg))
        )
        rots["spine03"] = trunk
        rots["neck01"] = rot_y(0.5 * cmd["trunk_lean_deg"]) @ rot_x(0.3 * g.trunk_forward_deg)
        hips = {s: root + pelvis @ (self.hip0[s] - self.root0) for s in SIDES}
        for side in SIDES:
            r_foot, ankle, stance = self.foot(side, t_s)
            r_thigh, r_shank, knee = self.leg_ik(side, hips[side], ankle, self._pole(side, t_s))
            rots[f"upperleg01.{side}"] = r_thigh
            rots[f"lowerleg01.{side}"] = r_shank
            rots[f"foot.{side}"] = r_foot
            cmd[f"knee_deg.{side}"] = knee
            cmd[f"stance.{side}"] = float(stance)
            if self.arm_rest_dirs is not None:
                sgn = SIGN[side]
                _, dt = self.timing.stance(side, t_s)
                ph = dt / self.timing.stride_s
                swing = -g.arm_swing_deg * math.sin(2 * math.pi * (ph + 0.25))
                upper_rest, fore_rest = self.arm_rest_dirs[side]
                upper = unit(np.array([sgn * 0.12, 0.02, -1.0]))
                fore = unit(rot_x(-g.elbow_deg) @ upper + np.array([-sgn * 0.35, 0.0, 0.0]))
                swing_rot = trunk @ rot_x(-swing)
                rots[f"upperarm01.{side}"] = swing_rot @ align(upper_rest, upper)
                rots[f"lowerarm01.{side}"] = swing_rot @ align(fore_rest, fore)
        world_root = root + self.belt_offset(t_s)
        return FramePose(rots, world_root, cmd)

    def belt_offset(self, t_s: float) -> np.ndarray:
        """Ground frame -> world: the belt carries everything back on a treadmill."""
        if self.treadmill:
            return np.array([0.0, self.gait.speed_m_s * t_s, 0.0])
        return np.zeros(3)

    def belt_velocity(self) -> np.ndarray:
        """Velocity of the floor the feet stand on, in the world (m/s)."""
        return self.belt_offset(1.0) - self.belt_offset(0.0)
