"""The synthetic camera: body-frame metres to MediaPipe-like image and world coordinates.

Views (the camera is level, its optical axis horizontal, aimed at the middle of the standing
body on the line of progression):

* ``side``: the camera looks at the runner's side. ``facing`` is the direction of running in
  the image. A real (unmirrored) camera that sees a runner run toward image-left sees the
  runner's *left* side (as in ``male_side.mp4``, whose left-side landmarks are the visible ones);
  running toward image-right it sees the right side. ``near_side=None`` takes that side;
  naming the other side gives a horizontally mirrored picture (a selfie-style video), in which
  the runner still runs toward ``facing``.
* ``rear``: the camera is behind the runner, who runs away from it: the runner's left appears
  on image-left.
* ``front``: the camera is in front, the runner runs toward it: the runner's left appears on
  image-right.

Projection: scaled orthographic by default (``camera_distance_m=None``), so an angle in the
plane the view faces (sagittal for ``side``, frontal for ``rear``/``front``) appears in the
image exactly; with ``camera_distance_m`` a pinhole camera at that distance from the line of
progression (same scale at that depth). The standing body spans ``body_height_frac`` of the
image height and the middle of the standing body (half its height, on the line of progression)
projects to the image centre.

An overground runner (side view) drifts across the image at ``overground_speed_px_s`` in the
running direction, crossing the image centre at mid-clip (a panning camera following a runner
imperfectly): the stance foot, planted on the ground, then moves backward in the image at the
belt speed in px/s minus ``overground_speed_px_s`` (the ground the camera sees slides by).

``camera_roll_deg`` rotates the image about its centre, positive = counter-clockwise as the
viewer sees it: with ``d = (x - cx, y - cy)`` (y down), ``x' = cx + dx cos r + dy sin r`` and
``y' = cy - dx sin r + dy cos r``. World coordinates (MediaPipe's convention: metres, origin at
the hip midpoint of each frame, x = image right, y = image down, z = depth, smaller = nearer the
camera) are in the camera's frame and rolled the same way about the z axis.
"""

from __future__ import annotations

import math

import numpy as np

from gaitlab.pose.landmarks import INDEX, LANDMARK_NAMES, N_LANDMARKS
from gaitlab.synthetic.kinematics import FWD, LAT, UP
from gaitlab.synthetic.spec import RunnerSpec


def implied_near_side(facing: str) -> str:
    """The side an unmirrored side-view camera sees for a runner running toward ``facing``."""
    return "left" if facing == "left" else "right"


def body_to_camera(spec: RunnerSpec) -> np.ndarray:
    """``(3, 3)`` matrix mapping body (forward, left, up) to camera (x right, y down, z depth)."""
    m = np.zeros((3, 3))
    m[1, UP] = -1.0
    if spec.view == "side":
        near = spec.near_side or implied_near_side(spec.facing)
        m[0, FWD] = -1.0 if spec.facing == "left" else 1.0
        m[2, LAT] = -1.0 if near == "left" else 1.0
    elif spec.view == "rear":
        m[0, LAT] = -1.0
        m[2, FWD] = 1.0
    else:  # front
        m[0, LAT] = 1.0
        m[2, FWD] = -1.0
    return m


def px_per_m(spec: RunnerSpec) -> float:
    """Image scale at the line of progression: the standing height spans ``body_height_frac``."""
    return spec.body_height_frac * spec.height_px / spec.height_m


def roll(xy: np.ndarray, roll_deg: float) -> np.ndarray:
    """Rotate ``(..., 2)`` offsets (y down) counter-clockwise on screen by ``roll_deg``."""
    r = math.radians(roll_deg)
    c, s = math.cos(r), math.sin(r)
    x, y = xy[..., 0], xy[..., 1]
    return np.stack([c * x + s * y, -s * x + c * y], -1)


def project(
    spec: RunnerSpec, points_m: np.ndarray, time_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Image pixels ``(T, 33, 2)`` and world metres ``(T, 33, 3)`` of body-frame landmarks.

    Parameters
    ----------
    spec
        The runner and camera.
    points_m
        ``(T, 33, 3)`` landmarks in the body frame (forward, left, up), metres.
    time_s
        ``(T,)`` clip times (used for the overground drift).
    """
    rot = body_to_camera(spec)
    centre = np.array([0.0, 0.0, spec.height_m / 2])
    cam = (points_m - centre) @ rot.T
    scale = px_per_m(spec)
    if spec.camera_distance_m is None:
        offset = scale * cam[..., :2]
    else:
        depth = spec.camera_distance_m + cam[..., 2:3]
        offset = scale * spec.camera_distance_m * cam[..., :2] / depth
    if spec.overground_speed_px_s:
        t_mid = 0.5 * (time_s[0] + time_s[-1]) if time_s.size else 0.0
        offset[..., 0] += rot[0, FWD] * spec.overground_speed_px_s * (time_s - t_mid)[:, None]
    image = roll(offset, spec.camera_roll_deg)
    image[..., 0] += spec.width_px / 2
    image[..., 1] += spec.height_px / 2
    hip_mid = 0.5 * (cam[:, INDEX["left_hip"]] + cam[:, INDEX["right_hip"]])
    world = cam - hip_mid[:, None, :]
    world[..., :2] = roll(world[..., :2], spec.camera_roll_deg)
    return image, world


def visibility(spec: RunnerSpec, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 33)`` visibility and presence resembling MediaPipe's for the view.

    Side view: near-side landmarks 0.99; far side hip and shoulder 0.98, far knee 0.6, far
    ankle/heel/toe 0.75, far elbow/wrist/hand 0.1 (hidden behind the trunk, as MediaPipe reports
    on ``male_side.mp4``). Rear view: face 0.5, the rest 0.99. Front view: 0.99. Presence 0.99.
    """
    vis = np.full(N_LANDMARKS, 0.99)
    if spec.view == "side":
        rot = body_to_camera(spec)
        near = "left" if rot[2, LAT] < 0 else "right"
        far = "right" if near == "left" else "left"
        for i, name in enumerate(LANDMARK_NAMES):
            if not name.startswith(far):
                continue
            part = name[len(far) + 1 :]
            if part in ("knee",):
                vis[i] = 0.6
            elif part in ("ankle", "heel", "foot_index"):
                vis[i] = 0.75
            elif part in ("elbow", "wrist", "pinky", "index", "thumb"):
                vis[i] = 0.1
            else:
                vis[i] = 0.98
    elif spec.view == "rear":
        for name in LANDMARK_NAMES[:11]:
            vis[INDEX[name]] = 0.5
    return np.tile(vis, (n_frames, 1)), np.full((n_frames, N_LANDMARKS), 0.99)
