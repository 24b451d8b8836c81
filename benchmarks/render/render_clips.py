"""Render running clips of a posed body model with known answers (pixel-level validation).

The body is `anny` (Apache-2.0, MakeHuman-based, PyTorch; :mod:`body`). Each frame it is posed
by :mod:`gait` (planted feet: from strike to toe-off the stance foot rests on the floor and moves
with the belt, or stays put overground), skinned by anny, and drawn by :mod:`scene`'s
painter's-algorithm renderer through a static, panning or tracking pinhole camera, in a room, on
a treadmill with console and handrails, on a running track or on a park path. Each clip is
written as H.264 mp4 (ffmpeg) plus ``<clip>.truth.json``: the true per-frame values (from the
posed skeleton), the true foot strikes and toe-offs (from the posed mesh, :mod:`contact`), and
the contact check of every rendered frame.

World frame (anny's): x = the body's left, y = backward, z = up, metres. The runner faces -y.

Run from the repository root with the benchmark's environment (``setup.sh`` here)::

    benchmarks/render/.venv/bin/python benchmarks/render/render_clips.py            # main + scenes
    benchmarks/render/.venv/bin/python benchmarks/render/render_clips.py --set frontal
    ... --list, --only NAME..., --duration-s S, --supersample N, --out DIR

Clips go to ``benchmarks/render/out/<set>/`` (ignored by git) unless ``--out`` says otherwise.
This is a benchmark script, not part of the gaitlab package: it needs torch and anny.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import contact  # noqa: E402
from body import Body, Clothes, PosedBody  # noqa: E402
from gait import GaitSpec, Runner, rot_z  # noqa: E402
from scene import Box, Camera, Mp4Writer, Plane, downsample, look_at, render  # noqa: E402

View = Literal["rear", "front", "side"]
Rig = Literal["static", "pan", "track"]
SceneKind = Literal["room", "track", "park"]

DEFAULT_OUT = HERE / "out"
DECK_HEIGHT_M = 0.20


# --------------------------------------------------------------------------- specs


@dataclasses.dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera looking at the runner.

    ``height_m`` is above the floor the camera stands on (the room floor, not the belt).
    ``azimuth_deg`` turns a side camera toward the runner's front. ``roll_deg``: + = the picture
    turns counter-clockwise. ``rig``: ``static``, ``pan`` (turns to follow, fixed position) or
    ``track`` (moves alongside at the runner's speed). ``aim_ahead_m``: a static camera behind an
    overground runner looks this far down the path.
    """

    view: View = "rear"
    distance_m: float = 3.5
    height_m: float = 1.0
    vfov_deg: float = 60.0
    width_px: int = 720
    height_px: int = 1280
    side_sign: int = 1  # side view: +1 camera on the runner's left, -1 on the right
    roll_deg: float = 0.0
    azimuth_deg: float = 0.0
    rig: Rig = "static"
    aim_height_m: float | None = None  # look-at height above the room floor (None: pelvis)
    aim_ahead_m: float = 0.0
    pan_lag_s: float = 0.12
    shake_m: float = 0.0


@dataclasses.dataclass(frozen=True)
class SceneSpec:
    """Where the runner runs: ``room`` (wall and floor), ``track`` or ``park`` (outdoors)."""

    kind: SceneKind = "room"
    treadmill: bool = True  # on a belt (in place); False: overground toward -y
    deck: bool = False  # draw the treadmill: deck, moving belt, motor hood
    console: bool = False  # and its console, uprights and handrails
    tiles: bool = False
    wall_rgb: tuple[int, int, int] = (200, 200, 195)
    floor_rgb: tuple[int, int, int] = (120, 115, 105)


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """One clip: body, clothes, gait, camera, scene, frame rate, blur and compression."""

    name: str
    phenotype: dict[str, float] = dataclasses.field(default_factory=dict)
    clothes: Clothes = dataclasses.field(default_factory=Clothes)
    gait: GaitSpec = dataclasses.field(default_factory=GaitSpec)
    camera: CameraSpec = dataclasses.field(default_factory=CameraSpec)
    scene: SceneSpec = dataclasses.field(default_factory=SceneSpec)
    fps: float = 30.0
    duration_s: float = 5.0
    phase_offset: float = 0.1
    blur_subframes: int = 1  # >1: average this many renders over the shutter
    shutter_frac: float = 0.5  # shutter open for this share of the frame interval
    crf: int = 18  # libx264 quality (18 clean, 30-35 heavy compression)


# --------------------------------------------------------------------------- the camera


def view_direction(spec: CameraSpec) -> np.ndarray:
    """Unit vector from the runner to the camera (horizontal)."""
    if spec.view == "rear":
        d = np.array([0.0, 1.0, 0.0])
    elif spec.view == "front":
        d = np.array([0.0, -1.0, 0.0])
    else:
        d = np.array([float(spec.side_sign), 0.0, 0.0])
        d = rot_z(-spec.side_sign * spec.azimuth_deg) @ d
    return d


def camera_at(
    spec: CameraSpec, t_s: float, pelvis_at, room_floor_z: float, ref: np.ndarray
) -> Camera:
    """The camera of time t. ``pelvis_at(t)`` is the root position; ``ref`` the anchor."""
    d = view_direction(spec)
    aim_h = spec.aim_height_m
    if spec.rig == "static":
        base = ref
        target = ref + np.array([0.0, -spec.aim_ahead_m, 0.0])
    elif spec.rig == "pan":
        base = ref
        target = pelvis_at(t_s - spec.pan_lag_s)
    else:
        base = pelvis_at(t_s)
        target = base.copy()
    pos = np.array([base[0], base[1], room_floor_z + spec.height_m]) + spec.distance_m * d
    target = target.copy()
    if aim_h is not None:
        target[2] = room_floor_z + aim_h
    if spec.shake_m:
        # a hand-held wobble: two slow sines per axis, deterministic
        w = np.array(
            [
                math.sin(2 * math.pi * 1.3 * t_s) + 0.5 * math.sin(2 * math.pi * 3.1 * t_s + 1),
                math.sin(2 * math.pi * 0.9 * t_s + 2) + 0.5 * math.sin(2 * math.pi * 2.3 * t_s),
                math.sin(2 * math.pi * 1.7 * t_s + 4) + 0.5 * math.sin(2 * math.pi * 3.7 * t_s),
            ]
        )
        pos = pos + spec.shake_m * w
        target = target + 0.5 * spec.shake_m * w[::-1]
    return look_at(
        pos,
        target,
        vfov_deg=spec.vfov_deg,
        width_px=spec.width_px,
        height_px=spec.height_px,
        roll_deg=spec.roll_deg,
    )


# --------------------------------------------------------------------------- the scene


def _hquad(x0: float, x1: float, y0: float, y1: float, z: float) -> np.ndarray:
    return np.array([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]], float)


def scene_geometry(
    spec: ClipSpec, floor_z: float, anchor: np.ndarray, cam0: Camera, path_y: tuple[float, float]
) -> tuple[list[Plane], list[Box], float, tuple[int, int, int]]:
    """Planes (drawn first, in order), boxes (depth-sorted with the body), the room floor
    height and the sky colour."""
    sc = spec.scene
    deck = sc.deck and sc.treadmill
    room_z = floor_z - (DECK_HEIGHT_M if deck else 0.0)
    planes: list[Plane] = []
    boxes: list[Box] = []
    ax, ay = float(anchor[0]), float(anchor[1])
    big = 200.0
    if sc.kind == "room":
        sky = sc.wall_rgb
        planes.append(Plane(_hquad(ax - big, ax + big, ay - big, ay + big, room_z), sc.floor_rgb))
        # back wall: 2.5 m beyond the runner, square to the camera's horizontal view
        fwd = cam0.rotation[2].copy()
        fwd[2] = 0.0
        fwd /= np.linalg.norm(fwd)
        right = np.array([-fwd[1], fwd[0], 0.0])
        c = anchor.copy()
        c[2] = room_z
        wc = c + fwd * 2.5
        wall = np.array(
            [
                wc - right * 30,
                wc + right * 30,
                wc + right * 30 + [0, 0, 6],
                wc - right * 30 + [0, 0, 6],
            ]
        )
        planes.append(Plane(wall, sc.wall_rgb))
        if sc.tiles:
            dark = tuple(int(0.8 * v) for v in sc.floor_rgb)
            for k in np.arange(-8.0, 8.01, 0.5):
                p = c + right * k
                a, b = p - fwd * 8 + [0, 0, 0.001], p + fwd * 2.5 + [0, 0, 0.001]
                w = right * 0.012
                planes.append(Plane(np.array([a - w, a + w, b + w, b - w]), dark))
            for k in np.arange(-8.0, 2.51, 0.5):
                p = c + fwd * k + [0, 0, 0.001]
                w = fwd * 0.012
                a, b = p - right * 12, p + right * 12
                planes.append(Plane(np.array([a - w, b - w, b + w, a + w]), dark))
            rng = np.random.default_rng(3)
            for _ in range(7):
                u = rng.uniform(-3.0, 3.0)
                z = rng.uniform(1.3, 2.4)
                col = tuple(int(v) for v in rng.integers(60, 230, 3))
                p = wc + right * u - fwd * 0.01
                wv, hv = right * 0.45, np.array([0, 0, 0.6])
                planes.append(
                    Plane(
                        np.array(
                            [
                                p + np.array([0, 0, z]),
                                p + wv + np.array([0, 0, z]),
                                p + wv + hv + np.array([0, 0, z]),
                                p + hv + [0, 0, z],
                            ]
                        ),
                        col,
                    )
                )
    elif sc.kind == "track":
        sky = (196, 214, 232)
        planes.append(Plane(_hquad(ax - big, ax + big, ay - big, ay + big, room_z), (92, 128, 70)))
        planes.append(
            Plane(_hquad(ax - 6.5, ax + 4.0, ay - big, ay + big, room_z + 0.001), (176, 92, 70))
        )
        for k in range(-5, 4):
            x = ax + 0.61 + 1.22 * k
            planes.append(
                Plane(
                    _hquad(x - 0.025, x + 0.025, ay - big, ay + big, room_z + 0.002),
                    (240, 240, 235),
                )
            )
        side = -1.0 if spec.camera.side_sign > 0 else 1.0  # the far side from the camera
        fence_x = ax + side * 9.0
        for y in np.arange(path_y[1] - 25, path_y[0] + 25, 2.5):
            boxes.append(
                Box(
                    (fence_x - 0.04, y - 0.04, room_z),
                    (fence_x + 0.04, y + 0.04, room_z + 1.6),
                    (60, 60, 70),
                )
            )
        planes.append(
            Plane(
                np.array(
                    [
                        [fence_x, path_y[1] - 40, room_z + 1.4],
                        [fence_x, path_y[0] + 40, room_z + 1.4],
                        [fence_x, path_y[0] + 40, room_z + 1.5],
                        [fence_x, path_y[1] - 40, room_z + 1.5],
                    ]
                ),
                (70, 70, 80),
            )
        )
        rng = np.random.default_rng(5)
        for y in np.arange(path_y[1] - 40, path_y[0] + 40, 6.0):
            h = rng.uniform(4, 10)
            x0 = ax + side * rng.uniform(28, 40)
            col = tuple(int(v) for v in rng.integers(120, 210, 3))
            boxes.append(
                Box(
                    (min(x0, x0 + side * 6), y, room_z),
                    (max(x0, x0 + side * 6), y + rng.uniform(3, 5.5), room_z + h),
                    col,
                )
            )
    else:  # park: snowy ground, a path along y, trees and benches
        sky = (214, 218, 222)
        planes.append(
            Plane(_hquad(ax - big, ax + big, ay - big, ay + big, room_z), (236, 238, 242))
        )
        planes.append(
            Plane(_hquad(ax - 1.3, ax + 1.3, ay - big, ay + 30, room_z + 0.001), (188, 190, 196))
        )
        rng = np.random.default_rng(7)
        for y in np.arange(ay + 10, ay - 120, -4.5):
            for sx in (-1.0, 1.0):
                x = ax + sx * rng.uniform(2.6, 4.5)
                r = rng.uniform(0.15, 0.3)
                boxes.append(
                    Box(
                        (x - r, y - r, room_z),
                        (x + r, y + r, room_z + rng.uniform(6, 10)),
                        (52, 46, 42),
                    )
                )
        boxes.append(
            Box(
                (ax + 1.8, ay - 6.0, room_z + 0.4),
                (ax + 2.3, ay - 4.4, room_z + 0.48),
                (70, 60, 50),
            )
        )
        boxes.append(
            Box((ax - 15, ay - 130, room_z), (ax + 15, ay - 120, room_z + 12), (200, 196, 180))
        )
    if deck:
        # the belt runs from 0.65 m ahead of the pelvis to 1 m behind; the console stands just
        # ahead of it, its uprights at the front corners, handrails reaching back to the hips
        belt_y0, belt_y1 = ay - 0.65, ay + 1.0
        x0, x1 = ax - 0.30, ax + 0.30
        for pts in (
            np.array(
                [
                    [x0 - 0.06, belt_y0, room_z],
                    [x0 - 0.06, belt_y1, room_z],
                    [x0 - 0.06, belt_y1, floor_z],
                    [x0 - 0.06, belt_y0, floor_z],
                ]
            ),
            np.array(
                [
                    [x1 + 0.06, belt_y1, room_z],
                    [x1 + 0.06, belt_y0, room_z],
                    [x1 + 0.06, belt_y0, floor_z],
                    [x1 + 0.06, belt_y1, floor_z],
                ]
            ),
            np.array(
                [
                    [x1 + 0.06, belt_y1, room_z],
                    [x0 - 0.06, belt_y1, room_z],
                    [x0 - 0.06, belt_y1, floor_z],
                    [x1 + 0.06, belt_y1, floor_z],
                ]
            ),
        ):
            planes.append(Plane(pts, (70, 72, 78)))
        planes.append(
            Plane(_hquad(x0 - 0.06, x0, belt_y0, belt_y1, floor_z - 0.0005), (150, 150, 155))
        )
        planes.append(
            Plane(_hquad(x1, x1 + 0.06, belt_y0, belt_y1, floor_z - 0.0005), (150, 150, 155))
        )
        planes.append(Plane(_hquad(x0, x1, belt_y0, belt_y1, floor_z - 0.001), (45, 45, 48)))
        boxes.append(
            Box(
                (x0 - 0.06, belt_y0 - 0.30, room_z),
                (x1 + 0.06, belt_y0, floor_z + 0.10),
                (60, 62, 68),
            )
        )
        if sc.console:
            for sx in (x0 - 0.12, x1 + 0.06):
                boxes.append(
                    Box(
                        (sx, belt_y0 - 0.22, floor_z + 0.10),
                        (sx + 0.06, belt_y0 - 0.10, floor_z + 1.15),
                        (95, 95, 100),
                    )
                )
                boxes.append(
                    Box(
                        (sx, belt_y0 - 0.22, floor_z + 0.95),
                        (sx + 0.05, ay - 0.05, floor_z + 1.0),
                        (170, 170, 175),
                    )
                )
            boxes.append(
                Box(
                    (x0 - 0.14, belt_y0 - 0.32, floor_z + 1.08),
                    (x1 + 0.14, belt_y0 - 0.02, floor_z + 1.36),
                    (40, 42, 46),
                )
            )
    return planes, boxes, room_z, sky


def belt_stripes(floor_z: float, anchor: np.ndarray, offset_m: float) -> list[Plane]:
    """Light cross-stripes on the belt, carried back with it (so the belt visibly moves)."""
    out = []
    y0, y1 = anchor[1] - 0.65, anchor[1] + 1.0
    spacing = 0.35
    start = y0 + (offset_m % spacing)
    for y in np.arange(start, y1 - 0.03, spacing):
        out.append(
            Plane(
                _hquad(anchor[0] - 0.30, anchor[0] + 0.30, y, y + 0.03, floor_z - 0.0008),
                (85, 85, 90),
            )
        )
    return out


# --------------------------------------------------------------------------- truth


def frontal_angle_deg(left: np.ndarray, right: np.ndarray) -> float:
    """Frontal-plane angle of the right->left line: + = left end lower (world)."""
    d = left - right
    return math.degrees(math.atan2(-d[2], math.hypot(d[0], d[1])))


def sagittal_angle_deg(top: np.ndarray, bottom: np.ndarray) -> float:
    """Angle of top->bottom from the downward vertical, in the y-z plane: + = bottom behind."""
    d = bottom - top
    return math.degrees(math.atan2(d[1], -d[2]))


def lateral_angle_deg(bottom: np.ndarray, top: np.ndarray) -> float:
    """Angle of bottom->top from vertical in the x-z plane: + = top toward +x (left)."""
    d = top - bottom
    return math.degrees(math.atan2(d[0], d[2]))


def joint_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Flexion at b of the chain a-b-c (0 = straight)."""
    u, v = b - a, c - b
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return math.degrees(math.acos(min(max(cos, -1.0), 1.0)))


def frame_truth(body: Body, posed: PosedBody, cam: Camera, t_s: float) -> dict[str, Any]:
    """True values of one frame, from the posed skeleton."""
    heads = posed.bone_heads
    jn = {"hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot", "shoulder": "upperarm01"}
    world = {
        f"{s}_{k}": body.joint(heads, f"{b}.{'L' if s == 'left' else 'R'}")
        for s in ("left", "right")
        for k, b in jn.items()
    }
    px = {k: cam.project(v)[0] for k, v in world.items()}
    hip_mid = 0.5 * (world["left_hip"] + world["right_hip"])
    sho_mid = 0.5 * (world["left_shoulder"] + world["right_shoulder"])
    hip_mid_px = cam.project(hip_mid)[0]
    d_img = px["left_hip"] - px["right_hip"]
    img_drop = math.degrees(math.atan2(d_img[1], abs(d_img[0]) + 1e-9))
    cmd = posed.pose.commanded
    return {
        "time_s": round(t_s, 6),
        "pelvic_drop_deg": frontal_angle_deg(world["left_hip"], world["right_hip"]),
        "pelvic_drop_image_deg": img_drop,
        "anterior_tilt_deg": cmd["anterior_tilt_deg"],
        "pelvic_rotation_deg": cmd["pelvic_rotation_deg"],
        "hip_mid_world_m": hip_mid.round(5).tolist(),
        "hip_mid_px": hip_mid_px.round(3).tolist(),
        "hip_width_m": float(np.linalg.norm(world["left_hip"] - world["right_hip"])),
        "hip_width_px": float(np.linalg.norm(d_img)),
        "trunk_lean_deg": lateral_angle_deg(hip_mid, sho_mid),
        "trunk_forward_deg": sagittal_angle_deg(sho_mid, hip_mid),
        "thigh_deg": {
            s: sagittal_angle_deg(world[f"{s}_hip"], world[f"{s}_knee"]) for s in ("left", "right")
        },
        "knee_flexion_deg": {
            s: joint_angle_deg(world[f"{s}_hip"], world[f"{s}_knee"], world[f"{s}_ankle"])
            for s in ("left", "right")
        },
        "joints_px": {k: v.round(3).tolist() for k, v in px.items()},
    }


def per_stride_summary(spec: ClipSpec, frames: list[dict[str, Any]]) -> dict[str, float]:
    """Clip-level true values (mean over full strides)."""
    t = np.array([f["time_s"] for f in frames])
    drop = np.array([f["pelvic_drop_deg"] for f in frames])
    x = np.array([f["hip_mid_world_m"][0] for f in frames])
    xpx = np.array([f["hip_mid_px"][0] for f in frames])
    width = float(np.mean([f["hip_width_m"] for f in frames]))
    width_px = float(np.mean([f["hip_width_px"] for f in frames]))
    lean = np.array([f["trunk_lean_deg"] for f in frames])
    thigh = {s: np.array([f["thigh_deg"][s] for f in frames]) for s in ("left", "right")}
    tilt = np.array([f["anterior_tilt_deg"] for f in frames])
    stride_s = 120.0 / spec.gait.cadence_spm
    n = int(t[-1] // stride_s)
    pp, pp_px, dmax, dmin, lmax, lmin, ext = [], [], [], [], [], [], []
    for k in range(n):
        m = (t >= k * stride_s) & (t < (k + 1) * stride_s)
        pp.append(np.ptp(x[m]))
        pp_px.append(np.ptp(xpx[m]))
        dmax.append(drop[m].max())
        dmin.append(-drop[m].min())
        lmax.append(lean[m].max())
        lmin.append(-lean[m].min())
        ext.append(max(thigh["left"][m].max(), thigh["right"][m].max()))
    return {
        "n_strides": n,
        "pelvis_width_m": width,
        "pelvis_width_px": width_px,
        "pelvic_drop_peak_deg": float(np.mean(dmax + dmin)),
        "lateral_drift_m": float(np.mean(pp)),
        "lateral_drift_px": float(np.mean(pp_px)),
        "lateral_drift_pct": float(100 * np.mean(pp) / width),
        "trunk_lean_peak_deg": float(np.mean(lmax + lmin)),
        "hip_extension_peak_deg": float(np.mean(ext)),
        "anterior_tilt_mean_deg": float(tilt.mean()),
    }


# --------------------------------------------------------------------------- clip


def _sides_identical(g: GaitSpec) -> bool:
    return g.left_contact_scale == 1.0 and g.left_step_phase == 0.5


def render_clip(spec: ClipSpec, out_dir: Path, supersample: int = 2) -> Path:
    """Render one clip, its truth and its contact check; returns the mp4 path."""
    body = Body(spec.phenotype, spec.clothes)
    sk = body.skeleton()
    runner = Runner(
        sk,
        spec.gait,
        phase_offset=spec.phase_offset,
        treadmill=spec.scene.treadmill,
        arm_rest_dirs=body.arm_directions(),
    )
    floor_z = sk.floor_z
    n_frames = round(spec.duration_s * spec.fps)
    times = np.arange(n_frames) / spec.fps
    belt = runner.belt_velocity()

    def pelvis_at(t: float) -> np.ndarray:
        _, root, _ = runner.pelvis(t)
        return root + runner.belt_offset(t)

    mid_t = 0.5 * spec.duration_s
    overground = not spec.scene.treadmill
    anchor = pelvis_at(0.0 if spec.camera.rig == "static" and spec.camera.view == "rear" else mid_t)
    anchor = np.array([runner.root0[0], anchor[1], anchor[2]])
    path_y = (float(pelvis_at(0.0)[1]), float(pelvis_at(spec.duration_s)[1]))
    room_z = floor_z - (DECK_HEIGHT_M if spec.scene.deck and spec.scene.treadmill else 0.0)
    cam0 = camera_at(spec.camera, 0.0, pelvis_at, room_z, anchor)
    planes, boxes, room_z, sky = scene_geometry(spec, floor_z, anchor, cam0, path_y)
    box_meshes = [b.mesh(step_m=0.3) for b in boxes]
    w, h = spec.camera.width_px, spec.camera.height_px

    def draw(t: float) -> tuple[np.ndarray, PosedBody, Camera]:
        posed = body.pose(runner.pose(t))
        cam = camera_at(spec.camera, t, pelvis_at, room_z, anchor)
        pl = planes
        if spec.scene.deck and spec.scene.treadmill:
            pl = planes + belt_stripes(floor_z, anchor, spec.gait.speed_m_s * t)
        img = render(
            cam,
            pl,
            posed.meshes() + box_meshes,
            width_px=w,
            height_px=h,
            sky_rgb=sky,
            ss=supersample,
        )
        return img, posed, cam

    # the truth events, from the posed mesh around each commanded event
    commanded = runner.timing.events(spec.duration_s)
    sole_fn = lambda t: body.soles(runner.pose(t))  # noqa: E731
    events = contact.truth_events(sole_fn, commanded, floor_z, belt, spec.duration_s)

    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{spec.name}.mp4"
    writer = Mp4Writer(mp4, w, h, spec.fps, crf=spec.crf)
    frames, states, cams = [], [], []
    k_sub = max(1, spec.blur_subframes)
    for t in times:
        t = float(t)
        if k_sub == 1:
            img, posed, cam = draw(t)
            img = downsample(img, w, h)
        else:
            acc = np.zeros((h, w, 3), np.float64)
            span = spec.shutter_frac / spec.fps
            for j in range(k_sub):
                ts = t - 0.5 * span + span * (j + 0.5) / k_sub
                sub, _, _ = draw(ts)
                acc += downsample(sub, w, h)
            img = np.clip(np.round(acc / k_sub), 0, 255).astype(np.uint8)
            posed = body.pose(runner.pose(t), with_extras=False)
            cam = camera_at(spec.camera, t, pelvis_at, room_z, anchor)
        writer.write(img)
        frames.append(frame_truth(body, posed, cam, t))
        now = {s: posed.vertices[body.sole_vertices[s]] for s in ("L", "R")}
        nxt = sole_fn(t + contact.FINE_STEP_S)
        states.append(
            {s: contact.sole_state(now[s], nxt[s], contact.FINE_STEP_S, floor_z, belt) for s in now}
        )
        if spec.camera.rig != "static" or spec.camera.shake_m:
            cams.append(
                {
                    "time_s": round(t, 6),
                    "position_m": cam.position.round(4).tolist(),
                    "rotation_rows": cam.rotation.round(6).tolist(),
                }
            )
    writer.close()
    check = contact.check_clip(times, states, events, spec.fps)
    truth = {
        "clip": spec.name,
        "generator": "benchmarks/render/render_clips.py (anny body, planted feet, "
        "painter's-algorithm render)",
        "conventions": {
            "world": "x = runner's left, y = backward, z = up, metres; runner faces -y",
            "events": "foot strike / toe-off where the lowest sole vertex of the posed mesh comes "
            f"within / leaves {contact.HEIGHT_TOL_M * 1000:.0f} mm of the floor (sub-frame, from "
            f"the mesh, located to {contact.FINE_STEP_S * 500:.1f} ms); commanded_s is the "
            "timing the motion was built from",
            "pelvic_drop_deg": "frontal angle of the true hip-joint-centre line (anny "
            "upperleg01 heads), + = left hip lower",
            "pelvic_drop_image_deg": "same line in the image, + = left hip lower",
            "anterior_tilt_deg": "pelvis forward rotation relative to anny's rest (standing) "
            "pelvis, + = anterior; not an ASIS-PSIS angle",
            "trunk_lean_deg": "hip-mid to shoulder-mid (upperarm01 heads) from vertical, "
            "frontal plane, + = toward the runner's left",
            "trunk_forward_deg": "same line in the sagittal plane, + = forward",
            "thigh_deg": "hip to knee joint centres from the downward vertical, sagittal, "
            "+ = knee behind (hip extension)",
            "knee_flexion_deg": "angle between thigh (hip-knee) and shank (knee-ankle), "
            "posed skeleton",
            "joints_px": "pinhole projections of the true joint centres (x right, y down)",
            "applied_camera_roll_deg": "camera roll, + = picture turned counter-clockwise",
        },
        "spec": dataclasses.asdict(spec),
        "fps": spec.fps,
        "width_px": w,
        "height_px": h,
        "overground": overground,
        "sides_identical": _sides_identical(spec.gait),
        "applied_camera_roll_deg": spec.camera.roll_deg,
        "belt_speed_m_s": float(np.linalg.norm(belt)),
        "placement": {
            "pelvis_root_z_m": float(runner.placement.root_z_m - floor_z),
            "strike_ahead_m": float(runner.placement.strike_ahead_m),
            "left_extra_ahead_m": float(runner.placement.left_extra_ahead_m),
        },
        "camera": {
            "position_m": cam0.position.round(4).tolist(),
            "rotation_rows": cam0.rotation.round(6).tolist(),
            "focal_px": cam0.focal_px,
        },
        "camera_per_frame": cams,
        "events": events,
        "commanded_events": commanded,
        "contact_check": check,
        "summary": per_stride_summary(spec, frames),
        "frames": frames,
    }
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".json.part")
    with os.fdopen(fd, "w") as fh:
        json.dump(truth, fh, indent=None, separators=(",", ":"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_dir / f"{spec.name}.truth.json")
    return mp4


# --------------------------------------------------------------------------- the clip sets

NORMAL = GaitSpec()
WEAK = dataclasses.replace(
    NORMAL, pelvic_drop_deg=9.0, lateral_drift_m=0.05, trunk_lean_deg=6.0, step_width_m=0.04
)
TIGHT = dataclasses.replace(
    NORMAL,
    hip_extension_deg=2.0,
    hip_flexion_deg=40.0,
    anterior_tilt_deg=15.0,
    trunk_forward_deg=12.0,
)
NO_DROP = dataclasses.replace(NORMAL, pelvic_drop_deg=0.0, lateral_drift_m=0.01, trunk_lean_deg=0.0)

MALE = {"gender": 1.0, "height": 0.6, "weight": 0.5, "muscle": 0.6}
FEMALE = {"gender": 0.0, "height": 0.4, "weight": 0.45, "muscle": 0.5}
HEAVY = {"gender": 0.8, "height": 0.5, "weight": 0.85, "muscle": 0.4}
SLIM_TALL = {"gender": 0.3, "height": 0.85, "weight": 0.3, "muscle": 0.5}

RED_TOP = Clothes(shirt_rgb=(190, 40, 40), shorts_rgb=(25, 25, 60), skin_rgb=(150, 105, 80))
GREEN_TOP = Clothes(
    shirt_rgb=(60, 150, 80),
    shorts_rgb=(90, 90, 95),
    skin_rgb=(240, 200, 170),
    shoes_rgb=(30, 30, 30),
    waist_above_hip_m=0.06,
)
LONG_SHIRT = Clothes(
    shirt_rgb=(230, 230, 230),
    shorts_rgb=(20, 20, 20),
    skin_rgb=(100, 70, 55),
    shoes_rgb=(220, 60, 40),
    waist_above_hip_m=0.02,
    shorts_hem_frac=0.3,
)
YELLOW_TOP = Clothes(
    shirt_rgb=(230, 190, 30),
    shorts_rgb=(25, 25, 30),
    skin_rgb=(230, 185, 150),
    shoes_rgb=(240, 240, 240),
    sleeve_frac=1.0,
)

REAR = CameraSpec(view="rear", distance_m=2.8, height_m=1.0)
REAR_LOW_FAR = CameraSpec(view="rear", distance_m=4.5, height_m=0.6, vfov_deg=45.0)
REAR_HIGH_NEAR = CameraSpec(view="rear", distance_m=2.3, height_m=1.5, vfov_deg=65.0)
FRONT = CameraSpec(view="front", distance_m=3.0, height_m=1.1)
SIDE_L = CameraSpec(view="side", distance_m=3.0, height_m=1.0, side_sign=1)
SIDE_R_LAND = CameraSpec(
    view="side",
    distance_m=4.0,
    height_m=1.2,
    side_sign=-1,
    width_px=1280,
    height_px=720,
    vfov_deg=45.0,
)

ROOM = SceneSpec()
TILES = SceneSpec(tiles=True)
TREADMILL = SceneSpec(deck=True)
TREADMILL_CONSOLE = SceneSpec(deck=True, console=True, tiles=True, wall_rgb=(225, 215, 190))
TRACK = SceneSpec(kind="track", treadmill=False)
PARK = SceneSpec(kind="park", treadmill=False)


def main_set() -> list[ClipSpec]:
    """The 14 clips of the first benchmark (same bodies, patterns and cameras), feet planted."""
    c, r = ClipSpec, dataclasses.replace
    return [
        c("rear_normal_m", MALE, Clothes(), NORMAL, REAR, ROOM),
        c("rear_weak_m", MALE, Clothes(), WEAK, REAR, ROOM),
        c("rear_nodrop_m", MALE, Clothes(), NO_DROP, REAR, TILES, fps=60.0),
        c("rear_weak_f_60", FEMALE, GREEN_TOP, WEAK, REAR_LOW_FAR, TILES, fps=60.0),
        c("rear_normal_f", FEMALE, GREEN_TOP, NORMAL, REAR_HIGH_NEAR, ROOM),
        c("rear_weak_heavy", HEAVY, RED_TOP, WEAK, REAR_HIGH_NEAR, TILES),
        c(
            "rear_mid_tall_60",
            SLIM_TALL,
            LONG_SHIRT,
            r(NORMAL, pelvic_drop_deg=6.5, lateral_drift_m=0.035, trunk_lean_deg=3.0),
            REAR,
            ROOM,
            fps=60.0,
        ),
        c("front_weak_m", MALE, RED_TOP, WEAK, FRONT, ROOM),
        c("side_normal_m", MALE, Clothes(), NORMAL, SIDE_L, ROOM),
        c("side_tight_m", MALE, Clothes(), TIGHT, SIDE_L, ROOM),
        c("side_tight_f_60", FEMALE, GREEN_TOP, TIGHT, SIDE_R_LAND, TILES, fps=60.0),
        c("side_normal_f_60", FEMALE, GREEN_TOP, NORMAL, SIDE_R_LAND, TILES, fps=60.0),
        c(
            "side_mid_heavy",
            HEAVY,
            RED_TOP,
            r(NORMAL, hip_extension_deg=7.0, anterior_tilt_deg=8.0),
            SIDE_L,
            ROOM,
        ),
        c(
            "side_tight_tall",
            SLIM_TALL,
            LONG_SHIRT,
            r(TIGHT, anterior_tilt_deg=20.0, hip_extension_deg=0.0),
            r(SIDE_R_LAND, width_px=720, height_px=1280, vfov_deg=60.0),
            ROOM,
        ),
    ]


def scenes_set() -> list[ClipSpec]:
    """Cameras and scenes of real clips: phones low and looking up, treadmill consoles and
    handrails, panning and tracking cameras overground, a runner moving away, 25-120 fps, motion
    blur and heavy compression, camera roll, identical sides and a real asymmetry."""
    c, r = ClipSpec, dataclasses.replace
    phone = CameraSpec(
        view="side", distance_m=2.0, height_m=0.32, vfov_deg=68.0, side_sign=1, aim_height_m=0.95
    )
    console_side = CameraSpec(
        view="side", distance_m=2.6, height_m=1.05, vfov_deg=62.0, side_sign=-1, azimuth_deg=18.0
    )
    pan = CameraSpec(
        view="side",
        distance_m=7.0,
        height_m=1.1,
        vfov_deg=40.0,
        side_sign=1,
        rig="pan",
        width_px=1280,
        height_px=720,
    )
    track_cam = CameraSpec(
        view="side",
        distance_m=4.5,
        height_m=1.2,
        vfov_deg=50.0,
        side_sign=-1,
        rig="track",
        shake_m=0.02,
        width_px=1280,
        height_px=720,
    )
    away = CameraSpec(
        view="rear",
        distance_m=4.0,
        height_m=1.5,
        vfov_deg=42.0,
        aim_ahead_m=6.0,
        aim_height_m=1.0,
        width_px=1280,
        height_px=720,
    )
    jog = r(NORMAL, speed_m_s=2.5, cadence_spm=164.0, contact_time_ms=270.0)
    asym = r(NORMAL, left_contact_scale=1.10)
    return [
        # a phone low and close, looking up (portrait)
        c(
            "phone_low_side_tm_60",
            MALE,
            YELLOW_TOP,
            NORMAL,
            phone,
            r(TREADMILL_CONSOLE, console=False),
            fps=60.0,
        ),
        c(
            "phone_low_rear_tm_30",
            FEMALE,
            RED_TOP,
            NORMAL,
            CameraSpec(view="rear", distance_m=1.9, height_m=0.35, vfov_deg=70.0, aim_height_m=1.0),
            TREADMILL,
        ),
        c(
            "phone_floor_side_30",
            HEAVY,
            GREEN_TOP,
            NORMAL,
            CameraSpec(
                view="side",
                distance_m=2.3,
                height_m=0.08,
                vfov_deg=70.0,
                side_sign=-1,
                aim_height_m=0.9,
            ),
            ROOM,
        ),
        # treadmill console and handrails in front of the runner
        c("console_side_m_30", MALE, Clothes(), NORMAL, console_side, TREADMILL_CONSOLE),
        c(
            "console_side_f_25",
            FEMALE,
            LONG_SHIRT,
            NORMAL,
            r(
                console_side,
                side_sign=1,
                width_px=1280,
                height_px=720,
                vfov_deg=45.0,
                distance_m=3.2,
            ),
            TREADMILL_CONSOLE,
            fps=25.0,
        ),
        c(
            "console_side_heavy_60",
            HEAVY,
            GREEN_TOP,
            NORMAL,
            r(console_side, azimuth_deg=10.0, height_m=1.25),
            TREADMILL_CONSOLE,
            fps=60.0,
        ),
        # overground, the camera follows
        c("pan_track_m_30", MALE, YELLOW_TOP, NORMAL, pan, TRACK, duration_s=6.0),
        c(
            "pan_track_f_60",
            FEMALE,
            Clothes(),
            NORMAL,
            r(pan, side_sign=-1, distance_m=8.0),
            TRACK,
            fps=60.0,
            duration_s=6.0,
        ),
        c("follow_track_m_25", SLIM_TALL, RED_TOP, NORMAL, track_cam, TRACK, fps=25.0),
        # a runner moving away from a rear camera (shrinking)
        c("away_park_m_30", MALE, YELLOW_TOP, jog, away, PARK, duration_s=5.0),
        c(
            "away_park_f_60",
            FEMALE,
            GREEN_TOP,
            jog,
            r(away, vfov_deg=36.0),
            PARK,
            fps=60.0,
            duration_s=5.0,
        ),
        # 25 and 120 fps
        c(
            "side_normal_m_120",
            MALE,
            Clothes(),
            NORMAL,
            SIDE_L,
            TREADMILL,
            fps=120.0,
            duration_s=5.0,
        ),
        c("rear_normal_m_120", MALE, GREEN_TOP, NORMAL, REAR, TREADMILL, fps=120.0, duration_s=5.0),
        c(
            "side_normal_heavy_25",
            HEAVY,
            LONG_SHIRT,
            NORMAL,
            r(SIDE_L, side_sign=-1),
            TILES,
            fps=25.0,
        ),
        # motion blur and heavy compression
        c(
            "blur_side_f_30_crf32",
            FEMALE,
            RED_TOP,
            NORMAL,
            SIDE_L,
            TREADMILL,
            blur_subframes=3,
            crf=32,
        ),
        c(
            "blur_rear_m_30_crf35",
            MALE,
            Clothes(),
            NORMAL,
            REAR,
            TILES,
            fps=30.0,
            blur_subframes=3,
            crf=35,
        ),
        c(
            "crf30_side_tall_30",
            SLIM_TALL,
            GREEN_TOP,
            NORMAL,
            r(SIDE_R_LAND, width_px=720, height_px=1280, vfov_deg=60.0, distance_m=3.2),
            ROOM,
            crf=30,
        ),
        # camera roll
        c("roll5_side_m_30", MALE, YELLOW_TOP, NORMAL, r(SIDE_L, roll_deg=5.0), TREADMILL),
        c("roll5_rear_f_30", FEMALE, Clothes(), NORMAL, r(REAR, roll_deg=-5.0), TILES),
        # identical sides (asymmetry must read ~0) and a real asymmetry (left contact +10%)
        c(
            "sym_side_m_60",
            MALE,
            RED_TOP,
            NORMAL,
            r(SIDE_R_LAND, distance_m=3.3),
            TREADMILL,
            fps=60.0,
            duration_s=7.0,
        ),
        c("sym_side_f_30", FEMALE, YELLOW_TOP, NORMAL, SIDE_L, TILES, duration_s=7.0),
        c(
            "asym_side_m_60",
            MALE,
            RED_TOP,
            asym,
            r(SIDE_R_LAND, distance_m=3.3),
            TREADMILL,
            fps=60.0,
            duration_s=7.0,
        ),
        c("asym_side_f_30", FEMALE, YELLOW_TOP, asym, SIDE_L, TILES, duration_s=7.0),
    ]


def frontal_set() -> list[ClipSpec]:
    """The rear/front set of ``measure_frontal.py``: the main set's rear/front clips at 10 s, a
    held-out set (other drifts, leans, drops, cadences, contact times, bodies, clothes, cameras)
    and four clips with camera roll."""
    r = dataclasses.replace
    n, w = NORMAL, WEAK
    front_high = CameraSpec(view="front", distance_m=2.6, height_m=1.4, vfov_deg=60.0)
    c = ClipSpec
    main = [r(s, duration_s=10.0) for s in main_set() if s.camera.view != "side"]
    held_out = [
        c(
            "ho_rear_d15_heavy",
            HEAVY,
            GREEN_TOP,
            r(n, lateral_drift_m=0.015, trunk_lean_deg=1.0, pelvic_drop_deg=3.0),
            REAR_LOW_FAR,
            ROOM,
            duration_s=10.0,
        ),
        c(
            "ho_rear_d25_tall_60",
            SLIM_TALL,
            RED_TOP,
            r(
                n,
                lateral_drift_m=0.025,
                trunk_lean_deg=2.0,
                pelvic_drop_deg=5.0,
                cadence_spm=180.0,
                contact_time_ms=220.0,
            ),
            REAR_HIGH_NEAR,
            TILES,
            fps=60.0,
            duration_s=10.0,
        ),
        c(
            "ho_rear_d30_f",
            FEMALE,
            Clothes(),
            r(
                n,
                lateral_drift_m=0.03,
                trunk_lean_deg=4.0,
                pelvic_drop_deg=6.0,
                cadence_spm=160.0,
                contact_time_ms=270.0,
            ),
            REAR,
            TILES,
            duration_s=10.0,
        ),
        c(
            "ho_rear_d40_m",
            MALE,
            LONG_SHIRT,
            r(w, lateral_drift_m=0.04, trunk_lean_deg=5.0, pelvic_drop_deg=8.0),
            REAR_LOW_FAR,
            ROOM,
            duration_s=10.0,
        ),
        c("ho_front_d20_f", FEMALE, GREEN_TOP, n, front_high, TILES, duration_s=10.0),
        c(
            "ho_front_d35_heavy_60",
            HEAVY,
            Clothes(),
            r(n, lateral_drift_m=0.035, trunk_lean_deg=4.0, pelvic_drop_deg=6.0, cadence_spm=175.0),
            FRONT,
            ROOM,
            fps=60.0,
            duration_s=10.0,
        ),
        c(
            "ho_rear_weak_tall",
            SLIM_TALL,
            GREEN_TOP,
            r(w, cadence_spm=165.0, contact_time_ms=260.0),
            REAR,
            ROOM,
            duration_s=10.0,
        ),
        c(
            "ho_front_normal_tall",
            SLIM_TALL,
            LONG_SHIRT,
            r(n, cadence_spm=185.0, contact_time_ms=210.0),
            front_high,
            ROOM,
            duration_s=10.0,
        ),
    ]
    by_name = {s.name: s for s in main + held_out}
    roll = [
        r(
            by_name["rear_weak_m"],
            name="rear_weak_m_roll4",
            camera=r(by_name["rear_weak_m"].camera, roll_deg=4.0),
        ),
        r(
            by_name["rear_normal_f"],
            name="rear_normal_f_roll-3",
            camera=r(by_name["rear_normal_f"].camera, roll_deg=-3.0),
        ),
        r(
            by_name["front_weak_m"],
            name="front_weak_m_roll5",
            camera=r(by_name["front_weak_m"].camera, roll_deg=5.0),
        ),
        r(
            by_name["ho_front_d20_f"],
            name="ho_front_d20_f_roll-5",
            camera=r(front_high, roll_deg=-5.0),
        ),
    ]
    return main + held_out + roll


SETS = {"main": main_set, "scenes": scenes_set, "frontal": frontal_set}


def clip_set(name: str = "all") -> list[ClipSpec]:
    """A named set of clips (``main``, ``scenes``, ``frontal``, or ``all`` = scenes + main)."""
    if name == "all":
        return scenes_set() + main_set()
    return SETS[name]()


def main(argv: list[str] | None = None) -> int:
    """Command line: render a clip set (or some of it)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--set", default="all", choices=["all", *SETS])
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default: out/<set>/ here)"
    )
    ap.add_argument("--only", nargs="*", help="clip names to render (default: all of the set)")
    ap.add_argument("--duration-s", type=float, default=None, help="override clip length")
    ap.add_argument("--supersample", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    ap.add_argument(
        "--skip-existing", action="store_true", help="keep clips whose mp4 and truth exist"
    )
    args = ap.parse_args(argv)
    specs = clip_set(args.set)
    if args.list:
        for s in specs:
            sys.stdout.write(f"{s.name}\t{s.camera.view}\t{s.fps:g} fps\t{s.duration_s:g} s\n")
        return 0
    if args.only:
        unknown = set(args.only) - {s.name for s in specs}
        if unknown:
            names = ", ".join(sorted(unknown))
            sys.stderr.write(f"error: no clip named {names} in set {args.set!r} (see --list)\n")
            return 2
        by_name = {s.name: s for s in specs}
        specs = [by_name[n] for n in dict.fromkeys(args.only)]  # in the order given
    import torch

    torch.set_num_threads(1)
    out = args.out or DEFAULT_OUT / args.set
    for s in specs:
        if args.skip_existing and (out / f"{s.name}.truth.json").exists():
            continue
        if args.duration_s:
            s = dataclasses.replace(s, duration_s=args.duration_s)
        t0 = time.time()
        path = render_clip(s, out, supersample=args.supersample)
        chk = json.loads((out / f"{s.name}.truth.json").read_text())["contact_check"]
        sys.stdout.write(
            f"{path.name}: {time.time() - t0:.1f} s; contact check: "
            f"{chk['frames_disagreeing']} frames disagree, strike/toe-off vs commanded "
            f"{chk['left']['event_offset_ms_max_abs']}/"
            f"{chk['right']['event_offset_ms_max_abs']} ms max\n"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
