"""Line drawings of the exercises: a simple human figure drawn from 2D joint positions.

Each exercise is drawn once as a small SVG, seen from the side on a floor line (the hip 90/90
stretch from above, where its two right angles show): the start
position in light grey, the end (or hold) position in blue, an orange arrow for the movement
and a soft orange patch where the stretch or the effort should be felt. The figure has thick
rounded limbs; in side views the limbs further from the viewer are paler. The pictures carry no
words (their names and instructions live in the words catalogue), so they serve every language.

The drawings are made by this module and ship as package data in ``gaitlab/report/pictures/``
(licensed with the project, Apache-2.0). After changing a pose, regenerate them with::

    python -m gaitlab.report.exercise_pictures

A test checks that the shipped files are what this module draws.

Poses are written in centimetres of a 1.75 m figure, x to the right and y up, the floor at
``y = 0`` (top views: y is the figure's forward direction seen from above). Joints of the near
(``n``) and far (``f``) side: ``shoulder``, ``elbow``, ``hand``, ``hip``, ``knee``, ``ankle``,
``toe``; plus ``head``. :func:`two_link` places a knee or elbow between its two ends.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path

Point = tuple[float, float]

#: Segment lengths (cm) of the drawn figure.
TRUNK_CM = 52.0
NECK_CM = 21.0
HEAD_R_CM = 10.5
UPPER_ARM_CM = 29.0
FOREARM_CM = 27.0
THIGH_CM = 44.0
SHIN_CM = 43.0
FOOT_CM = 19.0

#: Stroke widths (cm) of the body parts.
TRUNK_W = 17.0
THIGH_W = 11.5
SHIN_W = 9.5
ARM_W = 8.0
FOOT_W = 6.0

#: Colours: the end position (near side, far side), the start position, the movement, props.
INK = "#2f5f8a"
INK_FAR = "#93b3cf"
GHOST = "#c3cad3"
GHOST_FAR = "#dde2e8"
ARROW = "#d55e00"
FEEL = "#e69f00"
BAND = "#009e73"
FLOOR = "#7b8591"
MAT = "#e9ecf0"
PROP = "#9aa3ad"

#: Width-to-height ratio of every picture (so cards line up), and the margin around content.
ASPECT = 1.5
MARGIN_CM = 8.0

#: The folder of the shipped pictures, inside the package.
PICTURES = "pictures"


# ----------------------------------------------------------------------------- geometry
def at(p: Point, angle_deg: float, length: float) -> Point:
    """The point ``length`` away from ``p`` at ``angle_deg`` (0 = right, 90 = up)."""
    a = math.radians(angle_deg)
    return (p[0] + length * math.cos(a), p[1] + length * math.sin(a))


def shift(p: Point, dx: float = 0.0, dy: float = 0.0) -> Point:
    """``p`` moved by ``(dx, dy)``."""
    return (p[0] + dx, p[1] + dy)


def two_link(a: Point, c: Point, la: float, lc: float, bend: int) -> Point:
    """The middle joint of a two-segment limb from ``a`` to ``c`` with segment lengths ``la``
    (from ``a``) and ``lc``: on the left of the line a->c for ``bend = +1``, on its right for
    ``-1``. A reach longer than the limb gives the straight limb pointing at ``c``."""
    dx, dy = c[0] - a[0], c[1] - a[1]
    d = math.hypot(dx, dy)
    if d == 0:
        return (a[0], a[1] + la)
    ux, uy = dx / d, dy / d
    d = min(d, la + lc)
    along = (la * la - lc * lc + d * d) / (2 * d)
    h = math.sqrt(max(0.0, la * la - along * along))
    return (a[0] + along * ux - bend * h * uy, a[1] + along * uy + bend * h * ux)


@dataclasses.dataclass(frozen=True)
class Pose:
    """The joint positions of one drawn position of the figure.

    ``joints`` maps ``head`` and ``<n|f>_<joint>`` to points; a limb whose joints are missing
    is not drawn. ``depth`` (toward the viewer, for poses made in 3D) sets the drawing order
    of the body parts; without it the far side is drawn first, then the trunk, then the near
    side. ``frontal`` poses (seen from the front or behind) draw both sides in one colour.
    """

    joints: Mapping[str, Point]
    frontal: bool = False
    depth: Mapping[str, float] | None = None


def side_pose(
    *,
    hip: Point,
    trunk_deg: float,
    head_deg: float | None = None,
    legs: Mapping[str, tuple[Point, Point, Point]],
    arms: Mapping[str, tuple[Point, Point]],
) -> Pose:
    """A pose seen from the side: hips at ``hip``, the trunk at ``trunk_deg``, the head
    along the trunk (or at ``head_deg`` from the shoulders); ``legs`` as ``side -> (knee,
    ankle, toe)`` and ``arms`` as ``side -> (elbow, hand)`` with ``side`` ``n`` or ``f``."""
    shoulder = at(hip, trunk_deg, TRUNK_CM)
    head = at(shoulder, trunk_deg if head_deg is None else head_deg, NECK_CM)
    joints: dict[str, Point] = {"head": head}
    for s in ("n", "f"):
        joints[f"{s}_hip"], joints[f"{s}_shoulder"] = hip, shoulder
    for s, (knee, ankle, toe) in legs.items():
        joints.update({f"{s}_knee": knee, f"{s}_ankle": ankle, f"{s}_toe": toe})
    for s, (elbow, hand) in arms.items():
        joints.update({f"{s}_elbow": elbow, f"{s}_hand": hand})
    return Pose(joints)


def leg_to(hip: Point, ankle: Point, bend: int, toe_deg: float) -> tuple[Point, Point, Point]:
    """A leg from ``hip`` to ``ankle``, the knee bent to side ``bend`` of hip->ankle, the foot
    pointing at ``toe_deg``: ``(knee, ankle, toe)``."""
    return two_link(hip, ankle, THIGH_CM, SHIN_CM, bend), ankle, at(ankle, toe_deg, FOOT_CM)


def leg_angles(
    hip: Point, thigh_deg: float, shin_deg: float, toe_deg: float, *, scale: float = 1.0
) -> tuple[Point, Point, Point]:
    """A leg from ``hip`` by segment angles (``scale`` < 1 shortens it, for a leg pointing
    toward or away from the viewer): ``(knee, ankle, toe)``."""
    knee = at(hip, thigh_deg, THIGH_CM * scale)
    ankle = at(knee, shin_deg, SHIN_CM * scale)
    return knee, ankle, at(ankle, toe_deg, FOOT_CM * scale)


def arm_to(shoulder: Point, hand: Point, bend: int) -> tuple[Point, Point]:
    """An arm from ``shoulder`` reaching ``hand``, the elbow to side ``bend``."""
    return two_link(shoulder, hand, UPPER_ARM_CM, FOREARM_CM, bend), hand


def shoulder_of(hip: Point, trunk_deg: float) -> Point:
    """The shoulders of a trunk from ``hip`` at ``trunk_deg``."""
    return at(hip, trunk_deg, TRUNK_CM)


# ----------------------------------------------------------------------------- pictures
@dataclasses.dataclass(frozen=True)
class Arrow:
    """The movement: a curve from ``start`` to ``end`` bulging by ``bend`` (cm, + = to the left
    of start->end), with a head at both ends when the movement goes there and back."""

    start: Point
    end: Point
    bend: float = 0.0
    both: bool = False


@dataclasses.dataclass(frozen=True)
class Picture:
    """One exercise drawing: the start and end positions, the movement, where it is felt,
    and the props (``floor``, ``mat`` seen from above as ``(x0, y0, x1, y1)``, ``chair`` at
    ``(x_back, seat_height_cm)``, ``band`` as a list of point pairs) and right angles to mark
    as ``(a, vertex, b)``."""

    start: Pose | None
    end: Pose
    arrows: tuple[Arrow, ...]
    feel: tuple[Point, ...] = ()
    floor: bool = True
    mat: tuple[Point, ...] = ()
    chair: tuple[float, float] | None = None
    band: tuple[tuple[Point, Point], ...] = ()
    right_angles: tuple[tuple[Point, Point, Point], ...] = ()


def kneeling_hip_flexor() -> Picture:
    """Half-kneeling, back knee on the floor: the hips move forward, trunk upright."""
    back_knee = (0.0, 6.0)
    back_ankle, back_toe = (-SHIN_CM, 7.0), (-SHIN_CM - FOOT_CM + 2, 2.0)
    front_ankle = (46.0, 7.0)

    def pose(hip: Point) -> Pose:
        shoulder = shoulder_of(hip, 90.0)
        hand = shift(two_link(hip, front_ankle, THIGH_CM, SHIN_CM, 1), -6, 6)
        return side_pose(
            hip=hip,
            trunk_deg=90.0,
            legs={
                "f": leg_to(hip, front_ankle, 1, 0.0),
                "n": (back_knee, back_ankle, back_toe),
            },
            arms={"f": arm_to(shoulder, hand, -1), "n": arm_to(shoulder, hand, -1)},
        )

    start_hip = at(back_knee, 90.0, THIGH_CM)
    end_hip = at(back_knee, 68.0, THIGH_CM)
    return Picture(
        start=pose(start_hip),
        end=pose(end_hip),
        arrows=(Arrow(shift(start_hip, -44, -2), shift(start_hip, -12, -2), 3.0),),
        feel=(shift(end_hip, 2, -10),),
    )


# ----------------------------------------------------------------------------- 3D poses
Point3 = tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class Camera:
    """An orthographic view of 3D points (x right, y up, z toward the viewer): turned by
    ``azimuth_deg`` about the vertical, then looking down by ``elevation_deg``."""

    azimuth_deg: float
    elevation_deg: float

    def p(self, q: Point3) -> Point:
        """The picture point of ``q``."""
        a, e = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        x = q[0] * math.cos(a) + q[2] * math.sin(a)
        z = -q[0] * math.sin(a) + q[2] * math.cos(a)
        return (x, q[1] * math.cos(e) - z * math.sin(e))

    def depth(self, q: Point3) -> float:
        """How far ``q`` is toward the viewer."""
        a, e = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        z = -q[0] * math.sin(a) + q[2] * math.cos(a)
        return q[1] * math.sin(e) + z * math.cos(e)

    def pose(self, joints: Mapping[str, Point3]) -> Pose:
        """A drawn pose from 3D joints."""
        return Pose(
            {k: self.p(v) for k, v in joints.items()},
            depth={k: self.depth(v) for k, v in joints.items()},
        )

    def floor(self, x0: float, z0: float, x1: float, z1: float) -> tuple[Point, ...]:
        """The corners of a floor rectangle (a mat) in the picture."""
        return tuple(self.p((x, 0.0, z)) for x, z in ((x0, z0), (x1, z0), (x1, z1), (x0, z1)))


def _add(a: Point3, b: Point3, k: float = 1.0) -> Point3:
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


def _unit(v: Point3) -> Point3:
    n = math.sqrt(sum(c * c for c in v)) or 1.0
    return (v[0] / n, v[1] / n, v[2] / n)


def along(a: Point3, direction: Point3, length: float) -> Point3:
    """The point ``length`` from ``a`` in ``direction``."""
    return _add(a, _unit(direction), length)


def two_link3(a: Point3, c: Point3, la: float, lc: float, toward: Point3) -> Point3:
    """The middle joint of a limb from ``a`` to ``c`` (segment lengths ``la``, ``lc``), bent
    toward the direction ``toward``."""
    d_vec = (c[0] - a[0], c[1] - a[1], c[2] - a[2])
    d = math.sqrt(sum(v * v for v in d_vec))
    u = _unit(d_vec)
    d = min(max(d, 1e-6), la + lc - 1e-6)
    t = _unit(toward)
    dot = sum(x * y for x, y in zip(t, u, strict=True))
    h_dir = _unit(_add(t, u, -dot))
    s = (la * la - lc * lc + d * d) / (2 * d)
    h = math.sqrt(max(0.0, la * la - s * s))
    return _add(_add(a, u, s), h_dir, h)


#: The view of each exercise drawn in 3D.
CAMERAS: dict[str, Camera] = {
    "clamshell": Camera(azimuth_deg=0.0, elevation_deg=0.0),
}


def hip_90_90() -> Picture:
    """Seated, seen from above (the floor is the page): the front leg bent at a right angle in
    front of the body, the back leg bent at a right angle to the side (both angles marked);
    the trunk leans forward over the front shin."""
    r_hip, l_hip = (9.0, 0.0), (-9.0, 0.0)
    r_knee, l_knee = (11.0, THIGH_CM), (-9.0 - THIGH_CM, 0.0)
    r_ankle, l_ankle = (11.0 - SHIN_CM, THIGH_CM), (-9.0 - THIGH_CM, -SHIN_CM)

    def pose(lean_cm: float) -> Pose:
        sh_y = lean_cm
        r_sh, l_sh = (17.0, sh_y), (-17.0, sh_y)
        l_hand = (-32.0, 16.0)  # the other hand rests on the front knee, under the trunk
        joints = {
            "head": (0.0, sh_y + 12.0),
            "n_hip": r_hip,
            "f_hip": l_hip,
            "n_shoulder": r_sh,
            "f_shoulder": l_sh,
            "n_knee": r_knee,
            "n_ankle": r_ankle,
            "n_toe": shift(r_ankle, -12.0, 2.0),
            "f_knee": l_knee,
            "f_ankle": l_ankle,
            "f_toe": shift(l_ankle, -2.0, -12.0),
            "f_elbow": two_link(l_sh, l_hand, UPPER_ARM_CM, FOREARM_CM, -1),
            "f_hand": l_hand,
        }
        # seen from above: legs on the floor, then the arms, the trunk and the head on top
        height = {k: 50.0 if "shoulder" in k or k == "head" else 30.0 if "hip" in k else 0.0
                  for k in joints}  # fmt: skip
        height.update({k: 35.0 for k in ("f_elbow", "f_hand")})
        height["head"] = 70.0
        return Pose(joints, depth=height)

    return Picture(
        start=None,
        end=pose(6.0),
        arrows=(Arrow((0.0, 30.0), (0.0, 52.0), 0.0),),
        feel=((17.0, -8.0),),
        floor=False,
        mat=((-72.0, -62.0), (42.0, -62.0), (42.0, 66.0), (-72.0, 66.0)),
        right_angles=((r_hip, r_knee, r_ankle), (l_hip, l_knee, l_ankle)),
    )


def _supine(cam: Camera, hip_y: float = 10.0) -> dict[str, Point3]:
    """Hips, shoulders and head of a figure lying on its back, head toward -x, its left side
    toward +z."""
    return {
        "l_hip": (0.0, hip_y, 9.0),
        "r_hip": (0.0, hip_y, -9.0),
        "l_shoulder": (-TRUNK_CM, 10.0, 16.0),
        "r_shoulder": (-TRUNK_CM, 10.0, -16.0),
        "head": (-TRUNK_CM - NECK_CM, 12.0, 0.0),
    }


def figure_4() -> Picture:
    """Lying on the back, seen from the side of the crossed (stretched) leg: its ankle rests
    on the other knee, and the other thigh is pulled toward the chest with the hands."""
    hip = (0.0, 10.0)
    shoulder = shoulder_of(hip, 180.0)
    support = leg_angles(hip, 98.0, -4.0, 60.0)
    crossed_ankle = at(support[0], -85.0, 7.0)
    crossed_knee = at(hip, 42.0, 0.7 * THIGH_CM)
    hand = at(hip, 98.0, 0.7 * THIGH_CM)
    end = side_pose(
        hip=hip,
        trunk_deg=180.0,
        head_deg=178.0,
        legs={
            "f": support,
            "n": (crossed_knee, crossed_ankle, at(crossed_ankle, 160.0, 0.8 * FOOT_CM)),
        },
        arms={"f": arm_to(shoulder, hand, -1)},
    )
    knee = support[0]
    return Picture(
        start=None,
        end=end,
        arrows=(Arrow(shift(knee, 26, 6), shift(knee, 2, 20), 8.0),),
        feel=(shift(hip, 6.0, 2.0),),
    )


def piriformis() -> Picture:
    """Lying on the back, seen from the side of the stretched leg: its knee is pulled up and
    across toward the opposite shoulder; the other leg stays straight on the floor."""
    hip = (0.0, 10.0)
    shoulder = shoulder_of(hip, 180.0)
    straight = ((THIGH_CM, 8.0), (THIGH_CM + SHIN_CM, 7.0), (THIGH_CM + SHIN_CM + 2, 24.0))

    def pose(pulled: bool) -> Pose:
        if pulled:
            leg = leg_angles(hip, 118.0, -20.0, 20.0, scale=0.92)
            hand = shift(leg[0], -2.0, -6.0)
            arm = arm_to(shoulder, hand, -1)
        else:
            leg = straight
            arm = arm_to(shoulder, (-4.0, 5.0), 1)
        return side_pose(
            hip=hip,
            trunk_deg=180.0,
            head_deg=178.0,
            legs={"n": leg, "f": straight},
            arms={"f": arm},
        )

    start, end = pose(False), pose(True)
    return Picture(
        start=start,
        end=end,
        arrows=(
            Arrow(shift(start.joints["n_knee"], 4, 16), shift(end.joints["n_knee"], -12, 6), 14.0),
        ),
        feel=(shift(hip, 4.0, 0.0),),
    )


def clamshell() -> Picture:
    """Lying on the left side, hips and knees bent, feet together: the top knee opens like a
    clamshell while the feet stay together (seen from the front)."""
    cam = CAMERAS["clamshell"]
    b_hip, t_hip = (0.0, 11.0, 0.0), (0.0, 29.0, 0.0)
    b_sh, t_sh = (-TRUNK_CM, 12.0, 0.0), (-TRUNK_CM, 42.0, 0.0)
    thigh_dir = (0.71, 0.0, 0.71)
    b_knee = along(b_hip, thigh_dir, THIGH_CM)
    b_ankle = along(b_knee, (0.71, 0.0, -0.71), SHIN_CM)
    t_ankle = _add(b_ankle, (0.0, 12.0, 0.0))

    def pose(open_: bool) -> Pose:
        toward = (0.0, 1.0, 0.15) if open_ else (0.0, 0.0, 1.0)
        t_knee = two_link3(t_hip, t_ankle, THIGH_CM, SHIN_CM, toward)
        joints = {
            "head": (-TRUNK_CM - NECK_CM, 30.0, 0.0),
            "f_hip": b_hip,
            "n_hip": t_hip,
            "f_shoulder": b_sh,
            "n_shoulder": t_sh,
            "f_knee": b_knee,
            "f_ankle": b_ankle,
            "f_toe": along(b_ankle, (1.0, -0.1, 0.2), FOOT_CM),
            "n_knee": t_knee,
            "n_ankle": t_ankle,
            "n_toe": along(t_ankle, (1.0, 0.0, 0.2), FOOT_CM),
            "f_elbow": (-TRUNK_CM - 24, 6.0, 4.0),
            "f_hand": (-TRUNK_CM - 50, 6.0, 8.0),
            "n_elbow": two_link3(t_sh, (-28.0, 3.0, 26.0), UPPER_ARM_CM, FOREARM_CM, (0, 1, 0)),
            "n_hand": (-28.0, 3.0, 26.0),
        }
        return cam.pose(joints)

    start, end = pose(False), pose(True)
    band_b = cam.p(along(b_hip, thigh_dir, 0.8 * THIGH_CM))
    hip2, knee2 = end.joints["n_hip"], end.joints["n_knee"]
    band_t = (0.2 * hip2[0] + 0.8 * knee2[0], 0.2 * hip2[1] + 0.8 * knee2[1])
    return Picture(
        start=start,
        end=end,
        arrows=(Arrow(shift(start.joints["n_knee"], 12, 4), shift(knee2, 14, 4), -10.0),),
        feel=(cam.p((-4.0, 34.0, -8.0)),),
        band=((band_b, band_t),),
    )


def bridge() -> Picture:
    """Lying on the back, knees bent, feet flat: the hips lift until shoulders, hips and knees
    are in line."""
    shoulder = (-TRUNK_CM, 10.0)
    ankle = (40.0, 7.0)

    def pose(trunk_up_deg: float) -> Pose:
        hip = at(shoulder, trunk_up_deg, TRUNK_CM)
        trunk_deg = trunk_up_deg + 180.0
        return side_pose(
            hip=hip,
            trunk_deg=trunk_deg,
            head_deg=178.0,
            legs={"n": leg_to(hip, ankle, 1, 8.0), "f": leg_to(hip, shift(ankle, -2), 1, 8.0)},
            arms={"n": ((shoulder[0] + 24, 5.0), (shoulder[0] + 50, 5.0))},
        )

    start, end = pose(0.0), pose(27.0)
    s_hip, e_hip = start.joints["n_hip"], end.joints["n_hip"]
    return Picture(
        start=start,
        end=end,
        arrows=(Arrow(shift(s_hip, 0, -1), shift(e_hip, 0, 2), 0.0),),
        feel=(shift(e_hip, -4.0, -8.0),),
    )


def glute_blaster() -> Picture:
    """On hands and knees: one leg is pushed straight back and up to hip height."""
    hip = (0.0, 52.0)
    trunk_deg = 4.0
    shoulder = shoulder_of(hip, trunk_deg)
    hand = (shoulder[0] + 2, 4.0)
    support = ((1.0, 6.0), (-SHIN_CM + 1, 7.0), (-SHIN_CM - FOOT_CM + 3, 2.0))

    def pose(kick: bool) -> Pose:
        leg = leg_angles(hip, 184.0, 188.0, 270.0 + 8.0) if kick else support
        return side_pose(
            hip=hip,
            trunk_deg=trunk_deg,
            head_deg=20.0,
            legs={"n": leg, "f": support},
            arms={"n": arm_to(shoulder, hand, 1), "f": arm_to(shoulder, shift(hand, -3), 1)},
        )

    start, end = pose(False), pose(True)
    return Picture(
        start=start,
        end=end,
        arrows=(
            Arrow(
                shift(start.joints["n_ankle"], -8, 10), shift(end.joints["n_ankle"], 6, -12), -16.0
            ),
        ),
        feel=(shift(hip, -2.0, 4.0),),
    )


def sit_to_stand() -> Picture:
    """From standing in front of a chair, the hips go back and down until they nearly touch
    the seat (or sit on it), arms forward, then back up: a squat or sit-to-stand."""
    ankle = (30.0, 7.0)
    seat_cm = 46.0

    def pose(hip: Point, trunk_deg: float, arm_deg: float) -> Pose:
        shoulder = shoulder_of(hip, trunk_deg)
        hand = at(shoulder, arm_deg, UPPER_ARM_CM + FOREARM_CM - 2)
        return side_pose(
            hip=hip,
            trunk_deg=trunk_deg,
            legs={"n": leg_to(hip, ankle, 1, 0.0), "f": leg_to(hip, shift(ankle, -3), 1, 0.0)},
            arms={"n": arm_to(shoulder, hand, -1), "f": arm_to(shoulder, shift(hand, -2, 2), -1)},
        )

    stand_hip, squat_hip = (ankle[0] - 3.0, ankle[1] + 85.0), (-6.0, seat_cm + 10.0)
    start, end = pose(stand_hip, 90.0, -90.0), pose(squat_hip, 52.0, 5.0)
    return Picture(
        start=start,
        end=end,
        arrows=(Arrow((-21.0, 118.0), (-21.0, 64.0), 0.0, both=True),),
        feel=(shift(squat_hip, -2.0, -2.0),),
        chair=(-36.0, seat_cm),
    )


def side_steps() -> Picture:
    """Seen from the front, a band around the ankles, knees slightly bent: a step to the side,
    then the other foot follows."""

    def pose(x: float, right_out_cm: float) -> Pose:
        hip_y = 86.0
        n_hip, f_hip = (x + 9.0, hip_y), (x - 9.0, hip_y)
        n_sh, f_sh = (x + 19.0, hip_y + TRUNK_CM), (x - 19.0, hip_y + TRUNK_CM)
        n_ankle, f_ankle = (x + 14.0 + right_out_cm, 7.0), (x - 14.0, 7.0)
        return Pose(
            {
                "head": (x, hip_y + TRUNK_CM + NECK_CM),
                "n_hip": n_hip,
                "f_hip": f_hip,
                "n_shoulder": n_sh,
                "f_shoulder": f_sh,
                "n_knee": two_link(n_hip, n_ankle, THIGH_CM, SHIN_CM, 1),
                "f_knee": two_link(f_hip, f_ankle, THIGH_CM, SHIN_CM, -1),
                "n_ankle": n_ankle,
                "f_ankle": f_ankle,
                "n_toe": shift(n_ankle, 7.0, -3.0),
                "f_toe": shift(f_ankle, -7.0, -3.0),
                "n_elbow": (x + 27.0, hip_y + 26.0),
                "n_hand": (x + 22.0, hip_y + 2.0),
                "f_elbow": (x - 27.0, hip_y + 26.0),
                "f_hand": (x - 22.0, hip_y + 2.0),
            },
            frontal=True,
        )

    start, end = pose(0.0, 0.0), pose(16.0, 14.0)
    return Picture(
        start=start,
        end=end,
        arrows=(Arrow((-10.0, 178.0), (40.0, 178.0), 0.0),),
        feel=((29.0, 92.0), (3.0, 92.0)),
        band=((shift(end.joints["f_ankle"], 0, 8), shift(end.joints["n_ankle"], 0, 8)),),
    )


#: Every drawing, by the exercise's picture name (the catalogue's ``picture`` field).
DRAWINGS: dict[str, Callable[[], Picture]] = {
    "kneeling_hip_flexor": kneeling_hip_flexor,
    "hip_90_90": hip_90_90,
    "figure_4": figure_4,
    "piriformis": piriformis,
    "clamshell": clamshell,
    "bridge": bridge,
    "glute_blaster": glute_blaster,
    "sit_to_stand": sit_to_stand,
    "side_steps": side_steps,
}


# ----------------------------------------------------------------------------- SVG
def _f(v: float) -> str:
    """A coordinate with one decimal, no trailing ``.0``."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _polyline(points: list[Point], colour: str, width: float) -> str:
    pts = " ".join(f"{_f(x)},{_f(-y)}" for x, y in points)
    return (
        f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{_f(width)}" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )


#: The body's segments: joints, width, and the side whose colour they take (None = trunk).
SEGMENTS: tuple[tuple[tuple[str, ...], float, str | None], ...] = (
    *(
        seg
        for s in ("f", "n")
        for seg in (
            ((f"{s}_hip", f"{s}_knee"), THIGH_W, s),
            ((f"{s}_knee", f"{s}_ankle"), SHIN_W, s),
            ((f"{s}_ankle", f"{s}_toe"), FOOT_W, s),
            ((f"{s}_shoulder", f"{s}_elbow"), ARM_W, s),
            ((f"{s}_elbow", f"{s}_hand"), ARM_W, s),
        )
    ),
)
_SIDE_ORDER = {"f": -1.0, None: 0.0, "n": 1.0}


def _mid(a: Point, b: Point) -> Point:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def pose_svg(pose: Pose, near: str, far: str) -> list[str]:
    """SVG elements drawing ``pose``, back to front: by depth when the pose has it, else the
    far limbs, the trunk and head, then the near limbs."""
    j = pose.joints
    colour = {"n": near, "f": near if pose.frontal else far, None: near}
    items: list[tuple[float, int, str]] = []

    def depth(names: tuple[str, ...], side: str | None) -> float:
        if pose.depth is None:
            return _SIDE_ORDER[side]
        return sum(pose.depth[n] for n in names) / len(names)

    for names, width, side in SEGMENTS:
        if all(n in j for n in names):
            line = _polyline([j[n] for n in names], colour[side], width)
            items.append((depth(names, side), len(items), line))
    hips, shoulders = ("n_hip", "f_hip"), ("n_shoulder", "f_shoulder")
    mid_hip, mid_sh = _mid(*(j[n] for n in hips)), _mid(*(j[n] for n in shoulders))
    trunk_names = hips + shoulders
    if pose.frontal or pose.depth is not None:
        outline = [j["f_hip"], j["n_hip"], j["n_shoulder"], j["f_shoulder"], j["f_hip"]]
        trunk = _polyline(outline, near, TRUNK_W * 0.5)
        fill = " ".join(f"{_f(x)},{_f(-y)}" for x, y in outline)
        trunk = f'<polygon points="{fill}" fill="{near}"/>' + trunk
    else:
        trunk = _polyline([mid_hip, mid_sh], near, TRUNK_W)
    items.append((depth(trunk_names, None), len(items), trunk))
    head = j["head"]
    neck = _polyline([mid_sh, head], near, ARM_W) + (
        f'<circle cx="{_f(head[0])}" cy="{_f(-head[1])}" r="{_f(HEAD_R_CM)}" fill="{near}"/>'
    )
    items.append((depth(("head",), None), len(items), neck))
    return [svg for _, _, svg in sorted(items)]


def _head(tip: Point, control: Point) -> tuple[Point, list[Point]]:
    """Where the shaft ends and the triangle of an arrow head at ``tip`` coming from the
    direction of ``control``."""
    tx, ty = tip[0] - control[0], tip[1] - control[1]
    tl = math.hypot(tx, ty) or 1.0
    tx, ty = tx / tl, ty / tl
    head_len, head_w = 10.0, 6.5
    bx, by = tip[0] - head_len * tx, tip[1] - head_len * ty
    return (bx, by), [
        tip,
        (bx - head_w * ty, by + head_w * tx),
        (bx + head_w * ty, by - head_w * tx),
    ]


def arrow_svg(arrow: Arrow) -> list[str]:
    """A curved arrow with filled heads."""
    (x0, y0), (x1, y1) = arrow.start, arrow.end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    control = ((x0 + x1) / 2 + arrow.bend * nx * 2, (y0 + y1) / 2 + arrow.bend * ny * 2)
    end, heads = _head(arrow.end, control)
    triangles = [heads]
    begin = arrow.start
    if arrow.both:
        begin, tail = _head(arrow.start, control)
        triangles.append(tail)
    path = (
        f'<path d="M{_f(begin[0])},{_f(-begin[1])} Q{_f(control[0])},{_f(-control[1])} '
        f'{_f(end[0])},{_f(-end[1])}" fill="none" stroke="{ARROW}" stroke-width="3.5" '
        'stroke-linecap="round"/>'
    )
    polys = [
        '<polygon points="' + " ".join(f"{_f(x)},{_f(-y)}" for x, y in t) + f'" fill="{ARROW}"/>'
        for t in triangles
    ]
    return [path, *polys]


def right_angle_svg(a: Point, vertex: Point, b: Point, size: float = 9.0) -> str:
    """A small square in the angle at ``vertex`` between the directions to ``a`` and ``b``."""
    ua = (a[0] - vertex[0], a[1] - vertex[1])
    ub = (b[0] - vertex[0], b[1] - vertex[1])
    na, nb = math.hypot(*ua) or 1.0, math.hypot(*ub) or 1.0
    pa = (vertex[0] + size * ua[0] / na, vertex[1] + size * ua[1] / na)
    pb = (vertex[0] + size * ub[0] / nb, vertex[1] + size * ub[1] / nb)
    corner = (pa[0] + pb[0] - vertex[0], pa[1] + pb[1] - vertex[1])
    return _polyline([pa, corner, pb], ARROW, 2.5)


def _chair_svg(x_back: float, seat_cm: float) -> list[str]:
    front = x_back + 42.0
    lines = [
        [(x_back, 0.0), (x_back, seat_cm + 44.0)],
        [(x_back, seat_cm), (front, seat_cm)],
        [(front, seat_cm), (front, 0.0)],
    ]
    return [_polyline(p, PROP, 4.0) for p in lines]


def _points(picture: Picture) -> list[Point]:
    poses = (picture.start, picture.end) if picture.start else (picture.end,)
    pts = [p for pose in poses for p in pose.joints.values()]
    for a in picture.arrows:
        pts += [a.start, a.end]
    pts += list(picture.mat)
    if picture.chair:
        pts += [(picture.chair[0], 0.0), (picture.chair[0], picture.chair[1] + 44.0)]
    return pts


def view_box(picture: Picture) -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` in SVG units (y down) around everything drawn, widened to
    :data:`ASPECT`."""
    pts = _points(picture)
    pad = MARGIN_CM + TRUNK_W / 2
    x0 = min(p[0] for p in pts) - pad
    x1 = max(p[0] for p in pts) + pad
    y0 = min(p[1] for p in pts) - pad
    y1 = max(p[1] for p in pts) + pad
    if picture.floor:
        y0 = min(y0, -6.0)
    w, h = x1 - x0, y1 - y0
    if w / h < ASPECT:
        x0 -= (ASPECT * h - w) / 2
        w = ASPECT * h
    else:
        y0 -= (w / ASPECT - h) / 2
        h = w / ASPECT
    return x0, -(y0 + h), w, h


def picture_svg(name: str) -> str:
    """The SVG document of the drawing ``name`` (a key of :data:`DRAWINGS`)."""
    picture = DRAWINGS[name]()
    x, y, w, h = view_box(picture)
    parts = []
    if picture.mat:
        corners = " ".join(f"{_f(px)},{_f(-py)}" for px, py in picture.mat)
        parts.append(
            f'<polygon points="{corners}" fill="{MAT}" stroke="{FLOOR}" stroke-width="1.5"/>'
        )
    if picture.floor:
        parts.append(
            f'<rect x="{_f(x)}" y="0" width="{_f(w)}" height="{_f(y + h)}" fill="{MAT}"/>'
            f'<line x1="{_f(x)}" y1="0" x2="{_f(x + w)}" y2="0" stroke="{FLOOR}" '
            'stroke-width="2"/>'
        )
    if picture.chair:
        parts += _chair_svg(*picture.chair)
    if picture.start is not None:
        parts += pose_svg(picture.start, GHOST, GHOST_FAR)
    parts += pose_svg(picture.end, INK, INK_FAR)
    for p in picture.feel:
        parts.append(
            f'<circle cx="{_f(p[0])}" cy="{_f(-p[1])}" r="11" fill="{FEEL}" fill-opacity="0.55"/>'
        )
    for a, b in picture.band:
        parts.append(_polyline([a, b], BAND, 4.0))
    for a, v, b in picture.right_angles:
        parts.append(right_angle_svg(a, v, b))
    for arrow in picture.arrows:
        parts += arrow_svg(arrow)
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_f(x)} {_f(y)} {_f(w)} {_f(h)}" '
        f'width="{round(w * 2)}" height="{round(h * 2)}">\n'
        "<!-- gaitlab exercise drawing; Apache-2.0, made by gaitlab.report.exercise_pictures -->\n"
        f"{body}\n</svg>\n"
    )


def shipped_svg(name: str) -> str:
    """The shipped drawing ``name`` (package data)."""
    folder = resources.files("gaitlab.report").joinpath(PICTURES)
    return folder.joinpath(f"{name}.svg").read_text(encoding="utf-8")


def write_pictures(folder: str | Path) -> list[Path]:
    """Write every drawing as ``<name>.svg`` into ``folder``."""
    from gaitlab.io import write_text_atomic

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    return [write_text_atomic(out / f"{name}.svg", picture_svg(name)) for name in DRAWINGS]


def main() -> None:
    """Regenerate the shipped drawings in the package folder."""
    folder = Path(__file__).with_name(PICTURES)
    for path in write_pictures(folder):
        print(path.name)


if __name__ == "__main__":
    main()
