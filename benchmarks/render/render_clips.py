"""Render running clips of a posed body model with known answers (pixel-level validation).

The body is `anny` (Apache-2.0, MakeHuman-based, PyTorch). Each frame it is posed through a
running cycle whose joint and pelvis angles are chosen here, skinned by anny, and drawn with a
painter's-algorithm, Lambert-shaded polygon fill (OpenCV) seen through a pinhole camera. Each
clip is written as H.264 mp4 (ffmpeg) plus ``<clip>.truth.json`` with the true per-frame values.

World frame (anny's): x = the body's left, y = backward, z = up, metres. The runner runs in place
(treadmill) facing -y.

Run (from the repo root, with the render venv, see README.md)::

    /work/scratch/render-venv/bin/python benchmarks/render/render_clips.py \\
        --out /work/scratch/renders

This is a benchmark script, not part of the gaitlab package: it needs torch and anny.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

View = Literal["rear", "front", "side"]
Background = Literal["plain", "tiles"]

LEG_BONES = ("upperleg01", "lowerleg01", "foot")


# --------------------------------------------------------------------------- specs


@dataclasses.dataclass(frozen=True)
class Clothes:
    """Colours (RGB 0-255) of the clothing regions and where the regions end."""

    shirt_rgb: tuple[int, int, int] = (40, 90, 170)
    shorts_rgb: tuple[int, int, int] = (30, 30, 35)
    skin_rgb: tuple[int, int, int] = (224, 172, 140)
    shoes_rgb: tuple[int, int, int] = (235, 235, 235)
    hair_rgb: tuple[int, int, int] = (60, 40, 25)
    shorts_hem_frac: float = 0.45  # shorts end this far down the thigh (0 hip, 1 knee)
    waist_above_hip_m: float = 0.10  # shorts waistband height above the hip joint centres
    sleeve_frac: float = 0.5  # sleeves end this far down the upper arm


@dataclasses.dataclass(frozen=True)
class GaitSpec:
    """The running pattern (all angles in degrees)."""

    cadence_spm: float = 170.0
    contact_time_ms: float = 250.0
    hip_extension_deg: float = 12.0  # peak thigh angle behind vertical (late stance)
    hip_flexion_deg: float = 35.0  # peak thigh angle in front of vertical (late swing)
    knee_strike_deg: float = 15.0
    knee_stance_peak_deg: float = 40.0
    knee_swing_peak_deg: float = 100.0
    anterior_tilt_deg: float = 0.0  # mean pelvis forward tilt relative to the rest pose
    tilt_range_deg: float = 4.0  # peak-to-peak sagittal tilt oscillation (two per stride)
    pelvic_drop_deg: float = 4.0  # peak frontal drop of the swing side in each stance
    pelvic_rotation_deg: float = 5.0  # transverse rotation amplitude
    lateral_drift_m: float = 0.02  # amplitude (half peak-to-peak) toward the stance side
    bounce_m: float = 0.07  # vertical peak-to-peak pelvis travel
    trunk_forward_deg: float = 8.0
    trunk_lean_deg: float = 1.0  # peak lateral trunk lean toward the stance side
    stance_adduction_deg: float = 4.0  # leg tilted in under the body (world frontal angle)
    arm_swing_deg: float = 30.0
    elbow_deg: float = 85.0


@dataclasses.dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera looking at the runner's pelvis."""

    view: View = "rear"
    distance_m: float = 3.5
    height_m: float = 1.0  # above the floor
    vfov_deg: float = 60.0
    width_px: int = 720
    height_px: int = 1280
    side_sign: int = 1  # side view: +1 camera on the runner's left, -1 on the right


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """One clip: body, clothes, gait, camera, background."""

    name: str
    phenotype: dict[str, float] = dataclasses.field(default_factory=dict)
    clothes: Clothes = Clothes()
    gait: GaitSpec = GaitSpec()
    camera: CameraSpec = CameraSpec()
    background: Background = "plain"
    wall_rgb: tuple[int, int, int] = (200, 200, 195)
    floor_rgb: tuple[int, int, int] = (120, 115, 105)
    fps: float = 30.0
    duration_s: float = 5.0
    phase_offset: float = 0.1


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
    """Rotation about z (vertical)."""
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


# --------------------------------------------------------------------------- gait curves


def periodic_curve(phase: float, keys: list[tuple[float, float]]) -> float:
    """Periodic Catmull-Rom interpolation through (phase, value) keys, phase in [0, 1)."""
    ph = np.array([k[0] for k in keys])
    val = np.array([k[1] for k in keys])
    n = len(keys)
    p = phase % 1.0
    i = int(np.searchsorted(ph, p, side="right") - 1) % n
    j = (i + 1) % n
    p0, p1 = ph[i], ph[j] + (1.0 if j <= i else 0.0)
    pp = p if p >= p0 else p + 1.0
    t = (pp - p0) / (p1 - p0)
    v0, v1, v2, v3 = val[(i - 1) % n], val[i], val[j], val[(j + 1) % n]
    return float(
        0.5
        * (
            2 * v1
            + (-v0 + v2) * t
            + (2 * v0 - 5 * v1 + 4 * v2 - v3) * t**2
            + (-v0 + 3 * v1 - 3 * v2 + v3) * t**3
        )
    )


def leg_angles(phase: float, gait: GaitSpec, duty: float) -> dict[str, float]:
    """Thigh, shank and foot world sagittal angles of one leg (phase 0 = its foot strike).

    Angles are in degrees from vertical, positive = segment end behind (for the foot: toe down).
    """
    ext, flex = gait.hip_extension_deg, gait.hip_flexion_deg
    thigh = periodic_curve(
        phase,
        [
            (0.0, -0.7 * flex),
            (duty * 0.5, 0.5 * (ext - 0.7 * flex)),
            (duty + 0.03, ext),
            (0.62, -0.2 * flex),
            (0.85, -flex),
        ],
    )
    knee = periodic_curve(
        phase,
        [
            (0.0, gait.knee_strike_deg),
            (duty * 0.4, gait.knee_stance_peak_deg),
            (duty, 0.55 * gait.knee_stance_peak_deg),
            (0.45 + 0.5 * duty * 0.5, gait.knee_swing_peak_deg),
            (0.9, 0.6 * gait.knee_strike_deg + 20.0),
        ],
    )
    foot = periodic_curve(
        phase,
        [(0.0, -8.0), (duty * 0.4, 0.0), (duty, 30.0), (0.6, 25.0), (0.9, -5.0)],
    )
    return {"thigh": thigh, "shank": thigh + knee, "foot": foot, "knee": knee}


def stance_bump(phase: float, duty: float) -> float:
    """0..1 bump over one stance (peak at 40% of stance), 0 in flight/swing."""
    p = phase % 1.0
    if p >= duty:
        return 0.0
    x = p / duty
    # skewed sine: earlier peak, as in running pelvic drop
    return math.sin(math.pi * x ** (0.75))


@dataclasses.dataclass(frozen=True)
class FramePose:
    """World rotations (relative to rest) of the posed segments and the pelvis position."""

    rotations: dict[str, np.ndarray]
    pelvis_offset_m: np.ndarray  # added to the rest root head
    commanded: dict[str, float]


def frame_pose(
    t_s: float,
    gait: GaitSpec,
    phase_offset: float,
    arm_rest_dirs: dict[str, tuple[np.ndarray, np.ndarray]],
) -> FramePose:
    """Pose at time t: the right foot strikes at phase 0, the left at phase 0.5.

    ``arm_rest_dirs`` gives the body's rest upper-arm and forearm directions per side
    (:meth:`Body.arm_directions`), so the arms can be brought down from anny's A-pose.
    """
    stride_s = 120.0 / gait.cadence_spm
    duty = gait.contact_time_ms / 1000.0 / stride_s
    phase = (t_s / stride_s + phase_offset) % 1.0
    ph = {"R": phase, "L": (phase + 0.5) % 1.0}
    stance_r, stance_l = stance_bump(ph["R"], duty), stance_bump(ph["L"], duty)
    # frontal pelvic tilt: + = left side lower (left swings while the right is in stance)
    drop = gait.pelvic_drop_deg * (stance_r - stance_l)
    # lateral drift toward the stance side (right stance -> -x); centred on mid-stance
    mid = duty * 0.5
    drift = -gait.lateral_drift_m * math.cos(2 * math.pi * (phase - mid))
    bounce = 0.5 * gait.bounce_m * math.cos(4 * math.pi * (phase - mid - 0.25))
    # lowest at mid-stance: cos(4 pi (mid - mid - .25)) = cos(-pi) = -1
    tilt = gait.anterior_tilt_deg + 0.5 * gait.tilt_range_deg * math.cos(
        4 * math.pi * (phase - duty)
    )
    rotation = gait.pelvic_rotation_deg * math.cos(2 * math.pi * (phase - mid))
    lean = -gait.trunk_lean_deg * (stance_r - stance_l)  # + = toward +x (left)
    pelvis = rot_z(rotation) @ rot_y(drop) @ rot_x(tilt)
    trunk = rot_z(-0.5 * rotation) @ rot_y(lean) @ rot_x(gait.trunk_forward_deg)
    # anny/MakeHuman skins the pelvis surface mostly to spine05 (with pelvis.L/R and the
    # thighs), so spine05 carries the pelvis; spine04 is the lumbar blend; spine03 up the trunk.
    rots: dict[str, np.ndarray] = {"root": pelvis, "spine05": pelvis}
    rots["spine04"] = (
        rot_z(0.25 * rotation)
        @ rot_y(0.5 * (drop + lean))
        @ rot_x(0.5 * (tilt + gait.trunk_forward_deg))
    )
    rots["spine03"] = trunk
    rots["neck01"] = rot_y(0.5 * lean) @ rot_x(0.3 * gait.trunk_forward_deg)
    commanded = {
        "pelvic_drop_deg": drop,
        "anterior_tilt_deg": tilt,
        "pelvic_rotation_deg": rotation,
        "trunk_lean_deg": lean,
        "drift_m": drift,
        "bounce_m": bounce,
    }
    for side, sgn in (("R", -1.0), ("L", 1.0)):
        a = leg_angles(ph[side], gait, duty)
        # adduction: leg tilted in under the body, more in stance
        add = gait.stance_adduction_deg * (0.6 + 0.4 * stance_bump(ph[side], duty))
        frontal = rot_y(sgn * add)
        rots[f"upperleg01.{side}"] = rot_z(0.5 * rotation) @ frontal @ rot_x(a["thigh"])
        rots[f"lowerleg01.{side}"] = rot_z(0.5 * rotation) @ frontal @ rot_x(a["shank"])
        rots[f"foot.{side}"] = rot_z(0.5 * rotation) @ rot_x(a["foot"])
        commanded[f"thigh_deg.{side}"] = a["thigh"]
        commanded[f"knee_deg.{side}"] = a["knee"]
        # arms: swing opposite to the same-side leg
        swing = -gait.arm_swing_deg * math.sin(2 * math.pi * (ph[side] - 0.0 + 0.25))
        upper_rest, fore_rest = arm_rest_dirs[side]
        upper = unit(np.array([sgn * 0.12, 0.02, -1.0]))  # hanging, slightly out
        fore = unit(rot_x(-gait.elbow_deg) @ upper + np.array([-sgn * 0.35, 0.0, 0.0]))
        swing_rot = trunk @ rot_x(-swing)
        rots[f"upperarm01.{side}"] = swing_rot @ align(upper_rest, upper)
        rots[f"lowerarm01.{side}"] = swing_rot @ align(fore_rest, fore)
    return FramePose(rots, np.array([drift, 0.0, bounce]), commanded)


# --------------------------------------------------------------------------- body


class Body:
    """An anny body of one phenotype, posed by world segment rotations."""

    def __init__(self, phenotype: dict[str, float], clothes: Clothes) -> None:
        import anny
        import torch

        self.torch = torch
        self.model = anny.Anny(pose_parameterization="world-orient")
        self.labels: list[str] = list(self.model.bone_labels)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.parents = [int(p) for p in self.model.bone_parents]
        with torch.no_grad():
            rest = self.model(phenotype_kwargs={k: float(v) for k, v in phenotype.items()})
        self.phenotype_kwargs = {k: float(v) for k, v in phenotype.items()}
        self.rest_poses = rest["rest_bone_poses"][0].numpy()  # (J,4,4)
        self.rest_heads = rest["rest_bone_heads"][0].numpy()  # (J,3)
        self.rest_vertices = rest["rest_vertices"][0].numpy()
        self.faces = self.model.get_triangular_faces().numpy().astype(np.int64)
        self.materials = self._materials(clothes)
        self.floor_z = float(self.rest_vertices[:, 2].min())

    # --- clothing regions
    def _materials(self, clothes: Clothes) -> np.ndarray:
        """Per-face region: 0 skin, 1 shirt, 2 shorts, 3 shoes, 4 hair (from rest face centres)."""
        w = self.model.vertex_bone_weights.numpy()
        ind = self.model.vertex_bone_indices.numpy()
        dom = np.take_along_axis(ind, np.argmax(w, axis=1)[:, None], axis=1)[:, 0]
        names = np.array(self.labels)[dom[self.faces[:, 0]]]
        v = self.rest_vertices[self.faces].mean(axis=1)
        h = self.rest_heads
        hip_z = h[self.index["upperleg01.L"], 2]
        knee_z = h[self.index["lowerleg01.L"], 2]
        ankle_z = h[self.index["foot.L"], 2]
        mat = np.zeros(len(v), dtype=np.int64)
        is_leg = np.char.startswith(names, "upperleg") | np.char.startswith(names, "lowerleg")
        is_pelvis = np.isin(names, ["root", "pelvis.L", "pelvis.R"])
        is_trunk = (
            np.char.startswith(names, "spine")
            | np.char.startswith(names, "clavicle")
            | np.char.startswith(names, "shoulder")
        )
        is_upperarm = np.char.startswith(names, "upperarm")
        is_head = np.isin(names, ["head", "neck02", "neck03", "eye.L", "eye.R"])
        is_foot = np.char.startswith(names, "foot") | np.char.startswith(names, "toe")
        hem_z = hip_z - clothes.shorts_hem_frac * (hip_z - knee_z)
        waist_z = hip_z + clothes.waist_above_hip_m
        shorts = (is_leg | is_pelvis | is_trunk) & (v[:, 2] > hem_z) & (v[:, 2] <= waist_z)
        neck_z = h[self.index["neck01"], 2]
        shirt = (is_trunk | is_pelvis) & (v[:, 2] > waist_z) & (v[:, 2] < neck_z + 0.02)
        # sleeves: upper-arm faces near the shoulder
        sh = h[[self.index["upperarm01.L"], self.index["upperarm01.R"]]]
        el = h[[self.index["lowerarm01.L"], self.index["lowerarm01.R"]]]
        side = (v[:, 0] < 0).astype(int)
        axis = el[side] - sh[side]
        frac = np.einsum("ij,ij->i", v - sh[side], axis) / np.einsum("ij,ij->i", axis, axis)
        sleeve = (is_upperarm | is_trunk) & (frac < clothes.sleeve_frac) & (v[:, 2] > waist_z)
        mat[shirt | sleeve] = 1
        mat[shorts] = 2
        mat[is_foot | (v[:, 2] < ankle_z + 0.02)] = 3
        eye_z = h[self.index["eye.L"], 2]
        hair = is_head & ((v[:, 2] > eye_z + 0.04) | ((v[:, 1] > 0.02) & (v[:, 2] > eye_z - 0.06)))
        mat[hair] = 4
        return mat

    def arm_directions(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Rest unit directions of the upper arm and forearm, per side ('L', 'R')."""
        out = {}
        for s in ("L", "R"):
            sh, el, wr = (
                self.rest_heads[self.index[f"{b}.{s}"]]
                for b in ("upperarm01", "lowerarm01", "wrist")
            )
            out[s] = (unit(el - sh), unit(wr - el))
        return out

    def pose(self, frame: FramePose) -> tuple[np.ndarray, np.ndarray]:
        """Skinned vertices (V,3) and bone heads (J,3) of one frame, world metres."""
        torch = self.torch
        j = len(self.labels)
        g = [np.eye(3)] * j
        for c in range(j):
            name = self.labels[c]
            if name in frame.rotations:
                g[c] = frame.rotations[name]
            elif c > 0:
                g[c] = g[self.parents[c]]
        delta = np.tile(np.eye(4), (j, 1, 1))
        for c in range(j):
            delta[c, :3, :3] = g[c] @ self.rest_poses[c, :3, :3]
        delta[0, :3, 3] = self.rest_heads[0] + frame.pelvis_offset_m
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(delta[None], dtype=self.model.dtype),
                phenotype_kwargs=self.phenotype_kwargs,
            )
        verts = out["vertices"][0].numpy()
        heads = out["bone_poses"][0, :, :3, 3].numpy()
        return verts, heads

    def joint(self, heads: np.ndarray, name: str) -> np.ndarray:
        """Position of a named bone head (a joint centre)."""
        return heads[self.index[name]]


# --------------------------------------------------------------------------- camera


@dataclasses.dataclass(frozen=True)
class Camera:
    """Pinhole camera: world point -> pixel."""

    position: np.ndarray
    rotation: np.ndarray  # rows: image right, image down, forward (world axes)
    focal_px: float
    cx: float
    cy: float

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """World (N,3) -> camera (N,3) coordinates (x right, y down, z forward)."""
        return (pts - self.position) @ self.rotation.T

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World (N,3) -> pixels (N,2)."""
        c = self.to_camera(np.atleast_2d(pts))
        return np.stack(
            [
                self.focal_px * c[:, 0] / c[:, 2] + self.cx,
                self.focal_px * c[:, 1] / c[:, 2] + self.cy,
            ],
            axis=1,
        )


def make_camera(spec: CameraSpec, target: np.ndarray, floor_z: float) -> Camera:
    """Place the camera behind, in front of or beside the runner, looking at ``target``."""
    if spec.view == "rear":
        direction = np.array([0.0, 1.0, 0.0])
    elif spec.view == "front":
        direction = np.array([0.0, -1.0, 0.0])
    else:
        direction = np.array([float(spec.side_sign), 0.0, 0.0])
    pos = np.array([target[0], target[1], floor_z + spec.height_m]) + spec.distance_m * direction
    fwd = target - pos
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    f = 0.5 * spec.height_px / math.tan(math.radians(spec.vfov_deg) / 2)
    return Camera(pos, np.stack([right, down, fwd]), f, spec.width_px / 2, spec.height_px / 2)


# --------------------------------------------------------------------------- drawing


def background_image(spec: ClipSpec, cam: Camera, floor_z: float, ss: int) -> np.ndarray:
    """Wall and floor (floor in the plane z = floor_z, wall 2.5 m beyond the runner)."""
    w, h = spec.camera.width_px * ss, spec.camera.height_px * ss
    img = np.empty((h, w, 3), np.uint8)
    img[:] = spec.wall_rgb
    fwd = cam.rotation[2]
    fwd_h = np.array([fwd[0], fwd[1], 0.0])
    fwd_h /= np.linalg.norm(fwd_h)
    right = cam.rotation[0]
    centre = cam.position + fwd_h * (np.linalg.norm((cam.position)[:2]) + 2.5)
    wall_base = np.array([centre + right * s for s in (-20.0, 20.0)])
    wall_base[:, 2] = floor_z
    far = cam.project(wall_base) * ss
    near = (
        cam.project(
            np.array([cam.position + fwd_h * 0.5 + right * s for s in (20.0, -20.0)]) * [1, 1, 0]
            + [0, 0, floor_z]
        )
        * ss
    )
    poly = np.concatenate([far, near]).astype(np.int32)
    cv2.fillPoly(img, [poly], spec.floor_rgb)
    if spec.background == "tiles":
        dark = tuple(int(0.8 * c) for c in spec.floor_rgb)
        d0 = np.linalg.norm(cam.position[:2])
        for k in np.arange(-8.0, 8.01, 0.5):
            a = cam.position + fwd_h * 0.6 + right * k
            b = cam.position + fwd_h * (d0 + 2.5) + right * k
            pts = cam.project(np.array([[a[0], a[1], floor_z], [b[0], b[1], floor_z]])) * ss
            cv2.line(img, tuple(pts[0].astype(int)), tuple(pts[1].astype(int)), dark, 2 * ss)
        for dd in np.arange(1.0, d0 + 2.5, 0.5):
            a = cam.position + fwd_h * dd - right * 20
            b = cam.position + fwd_h * dd + right * 20
            pts = cam.project(np.array([[a[0], a[1], floor_z], [b[0], b[1], floor_z]])) * ss
            cv2.line(img, tuple(pts[0].astype(int)), tuple(pts[1].astype(int)), dark, 2 * ss)
        # wall posters: a few rectangles
        rng = np.random.default_rng(3)
        for _ in range(6):
            x0 = int(rng.uniform(0, w))
            y0 = int(rng.uniform(0, far[:, 1].min() * 0.8))
            col = tuple(int(c) for c in rng.integers(60, 230, 3))
            cv2.rectangle(img, (x0, y0), (x0 + 80 * ss, y0 + 110 * ss), col, -1)
    return img


def render(
    verts: np.ndarray,
    faces: np.ndarray,
    face_rgb: np.ndarray,
    cam: Camera,
    background: np.ndarray,
    ss: int,
) -> np.ndarray:
    """Painter's algorithm with flat Lambert shading; returns an RGB image (supersampled ss x)."""
    img = background.copy()
    cv = cam.to_camera(verts)
    tri = cv[faces]  # (F,3,3)
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    centroid = tri.mean(axis=1)
    facing = np.einsum("ij,ij->i", n, -centroid) > 0  # front faces (outward normals)
    light = np.array([-0.4, -0.6, -0.7])
    light /= np.linalg.norm(light)
    lam = np.clip(np.einsum("ij,j->i", n, light), 0.0, 1.0)
    shade = 0.38 + 0.62 * lam
    colour = np.clip(face_rgb * shade[:, None], 0, 255).astype(np.uint8)
    px = np.stack(
        [cam.focal_px * cv[:, 0] / cv[:, 2] + cam.cx, cam.focal_px * cv[:, 1] / cv[:, 2] + cam.cy],
        axis=1,
    )
    pts = np.round(px[faces] * ss * 16).astype(np.int32)  # 4 fractional bits
    keep = np.nonzero(facing)[0]
    order = keep[np.argsort(-centroid[keep, 2])]
    for k in order:
        cv2.fillConvexPoly(img, pts[k], colour[k].tolist(), cv2.LINE_8, 4)
    return img


class Mp4Writer:
    """H.264 mp4 through an ffmpeg pipe (yuv420p, crf 18)."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path = path
        self.tmp = path.with_suffix(".part.mp4")
        cmd = [
            "ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-", "-c:v", "libx264",
            "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-threads", "1",
            str(self.tmp),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB frame."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(np.ascontiguousarray(rgb).tobytes())

    def close(self) -> None:
        """Finish the file and move it into place."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed writing {self.path}")
        os.replace(self.tmp, self.path)


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


def event_times(spec: ClipSpec) -> list[dict[str, Any]]:
    """Foot strikes and toe-offs (right strike at phase 0, left at 0.5) inside the clip."""
    g = spec.gait
    stride_s = 120.0 / g.cadence_spm
    duty = g.contact_time_ms / 1000.0 / stride_s
    events = []
    t0 = -spec.phase_offset * stride_s
    for k in range(-2, int(spec.duration_s / stride_s) + 3):
        for side, shift in (("right", 0.0), ("left", 0.5)):
            strike = t0 + (k + shift) * stride_s
            for kind, t in (("foot_strike", strike), ("toe_off", strike + duty * stride_s)):
                if 0.0 <= t < spec.duration_s:
                    events.append({"side": side, "kind": kind, "time_s": round(t, 6)})
    return sorted(events, key=lambda e: e["time_s"])


def frame_truth(
    body: Body, heads: np.ndarray, cam: Camera, pose: FramePose, t_s: float
) -> dict[str, Any]:
    """True values of one frame."""
    jn = {
        "hip": "upperleg01",
        "knee": "lowerleg01",
        "ankle": "foot",
        "shoulder": "upperarm01",
    }
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
    # image angle of the hip line, + = left hip lower in the image (image y grows down)
    img_drop = math.degrees(math.atan2(d_img[1], abs(d_img[0]) + 1e-9))
    return {
        "time_s": round(t_s, 6),
        "pelvic_drop_deg": frontal_angle_deg(world["left_hip"], world["right_hip"]),
        "pelvic_drop_image_deg": img_drop,
        "anterior_tilt_deg": pose.commanded["anterior_tilt_deg"],
        "pelvic_rotation_deg": pose.commanded["pelvic_rotation_deg"],
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
            s: pose.commanded[f"knee_deg.{'L' if s == 'left' else 'R'}"] for s in ("left", "right")
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


def render_clip(spec: ClipSpec, out_dir: Path, supersample: int = 2) -> Path:
    """Render one clip and its truth file; returns the mp4 path."""
    body = Body(spec.phenotype, spec.clothes)
    palette = np.array(
        [
            spec.clothes.skin_rgb,
            spec.clothes.shirt_rgb,
            spec.clothes.shorts_rgb,
            spec.clothes.shoes_rgb,
            spec.clothes.hair_rgb,
        ],
        dtype=np.float64,
    )
    # a face takes the region most of its vertices have (ties: the first vertex's)
    face_rgb = palette[body.materials]
    n_frames = round(spec.duration_s * spec.fps)
    times = np.arange(n_frames) / spec.fps
    arms = body.arm_directions()
    poses = [frame_pose(float(t), spec.gait, spec.phase_offset, arms) for t in times]
    posed = [body.pose(p) for p in poses]
    # floor: the lowest point the feet reach (stance) over the clip
    floor_z = float(min(v[:, 2].min() for v, _ in posed))
    target = body.rest_heads[0] + np.array([0.0, 0.0, 0.0])
    cam = make_camera(spec.camera, target, floor_z)
    bg = background_image(spec, cam, floor_z, supersample)
    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{spec.name}.mp4"
    writer = Mp4Writer(mp4, spec.camera.width_px, spec.camera.height_px, spec.fps)
    frames = []
    for t, pose, (verts, heads) in zip(times, poses, posed, strict=True):
        img = render(verts, body.faces, face_rgb, cam, bg, supersample)
        if supersample > 1:
            img = cv2.resize(
                img, (spec.camera.width_px, spec.camera.height_px), interpolation=cv2.INTER_AREA
            )
        writer.write(img)
        frames.append(frame_truth(body, heads, cam, pose, float(t)))
    writer.close()
    truth = {
        "clip": spec.name,
        "generator": "benchmarks/render/render_clips.py (anny body, painter's-algorithm render)",
        "conventions": {
            "world": "x = runner's left, y = backward, z = up, metres; runner faces -y",
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
            "joints_px": "pinhole projections of the true joint centres (x right, y down)",
        },
        "spec": dataclasses.asdict(spec),
        "fps": spec.fps,
        "width_px": spec.camera.width_px,
        "height_px": spec.camera.height_px,
        "camera": {
            "position_m": cam.position.round(4).tolist(),
            "rotation_rows": cam.rotation.round(6).tolist(),
            "focal_px": cam.focal_px,
        },
        "events": event_times(spec),
        "summary": per_stride_summary(spec, frames),
        "frames": frames,
    }
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".json.part")
    with os.fdopen(fd, "w") as fh:
        json.dump(truth, fh, indent=None, separators=(",", ":"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_dir / f"{spec.name}.truth.json")
    return mp4


# --------------------------------------------------------------------------- the clip set

NORMAL = GaitSpec()
WEAK = dataclasses.replace(
    NORMAL,
    pelvic_drop_deg=9.0,
    lateral_drift_m=0.05,
    trunk_lean_deg=6.0,
    stance_adduction_deg=7.0,
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

REAR = CameraSpec(view="rear", distance_m=2.8, height_m=1.0)
REAR_LOW_FAR = CameraSpec(view="rear", distance_m=4.5, height_m=0.6, vfov_deg=45.0)
REAR_HIGH_NEAR = CameraSpec(view="rear", distance_m=2.3, height_m=1.5, vfov_deg=65.0)
FRONT = CameraSpec(view="front", distance_m=3.0, height_m=1.1)
SIDE_L = CameraSpec(view="side", distance_m=3.0, height_m=1.0, side_sign=1)
SIDE_R_LAND = CameraSpec(
    view="side", distance_m=4.0, height_m=1.2, side_sign=-1, width_px=1280, height_px=720,
    vfov_deg=45.0,
)  # fmt: skip


def clip_set(fps_high: float = 60.0) -> list[ClipSpec]:
    """The benchmark clips."""
    c = ClipSpec
    return [
        c("rear_normal_m", MALE, Clothes(), NORMAL, REAR, "plain"),
        c("rear_weak_m", MALE, Clothes(), WEAK, REAR, "plain"),
        c("rear_nodrop_m", MALE, Clothes(), NO_DROP, REAR, "tiles", fps=fps_high),
        c("rear_weak_f_60", FEMALE, GREEN_TOP, WEAK, REAR_LOW_FAR, "tiles", fps=fps_high),
        c("rear_normal_f", FEMALE, GREEN_TOP, NORMAL, REAR_HIGH_NEAR, "plain"),
        c("rear_weak_heavy", HEAVY, RED_TOP, WEAK, REAR_HIGH_NEAR, "tiles"),
        c("rear_mid_tall_60", SLIM_TALL, LONG_SHIRT,
          dataclasses.replace(NORMAL, pelvic_drop_deg=6.5, lateral_drift_m=0.035,
                              trunk_lean_deg=3.0), REAR, "plain", fps=fps_high),
        c("front_weak_m", MALE, RED_TOP, WEAK, FRONT, "plain"),
        c("side_normal_m", MALE, Clothes(), NORMAL, SIDE_L, "plain"),
        c("side_tight_m", MALE, Clothes(), TIGHT, SIDE_L, "plain"),
        c("side_tight_f_60", FEMALE, GREEN_TOP, TIGHT, SIDE_R_LAND, "tiles", fps=fps_high),
        c("side_normal_f_60", FEMALE, GREEN_TOP, NORMAL, SIDE_R_LAND, "tiles", fps=fps_high),
        c("side_mid_heavy", HEAVY, RED_TOP,
          dataclasses.replace(NORMAL, hip_extension_deg=7.0, anterior_tilt_deg=8.0),
          SIDE_L, "plain"),
        c("side_tight_tall", SLIM_TALL, LONG_SHIRT,
          dataclasses.replace(TIGHT, anterior_tilt_deg=20.0, hip_extension_deg=0.0),
          dataclasses.replace(SIDE_R_LAND, width_px=720, height_px=1280, vfov_deg=60.0),
          "plain"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Command line: render the clip set (or some of it)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/work/scratch/renders"))
    ap.add_argument("--only", nargs="*", help="clip names to render (default: all)")
    ap.add_argument("--duration-s", type=float, default=None, help="override clip length")
    ap.add_argument("--supersample", type=int, default=2)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    specs = clip_set()
    if args.list:
        for s in specs:
            sys.stdout.write(f"{s.name}\n")
        return 0
    if args.only:
        specs = [s for s in specs if s.name in set(args.only)]
    for s in specs:
        if args.duration_s:
            s = dataclasses.replace(s, duration_s=args.duration_s)
        t0 = time.time()
        path = render_clip(s, args.out, supersample=args.supersample)
        sys.stdout.write(f"{path} {time.time() - t0:.1f} s\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
