"""Skin stickers on the rendered runners: flat discs and raised balls on the ASIS and PSIS.

Built on the renderer of this folder (:mod:`body`, :mod:`gait`, :mod:`scene`,
:mod:`render_clips`), without changing it: a sticker is an attachment of the :class:`body.Body`
(a per-frame mesh drawn in the same painter's pass as the body, so an arm in front hides it).

**Where.** At the rest-pose vertices :func:`body.pelvis_landmark_vertices` names for the ASIS
and PSIS of each side, moved by a placement error (a few mm in the skin's tangent plane, as a
clinician's palpation misses the bone), and anchored to the triangle under that point
(barycentric), so the sticker rides on the skinned surface.

**The skin over the pelvis must follow the pelvis.** anny skins the vertices there mostly to the
lumbar spine (``spine04`` 0.53-0.57, ``spine03`` 0.03-0.16, ``spine05`` 0.22, ``pelvis.L/R``
0.07): posed with the renderer's lumbar blend, the line between the two PSIS vertices followed
only about 60% of a known pelvic drop, and the ASIS-PSIS line about 57% of a known tilt
(``--check-skin`` measures it). A real sticker on the bony points moves with the bone (skin
slides about 1.5 mm under a 10 deg tilt, Borhani 2013). So, for these renders only,
:func:`pin_pelvis_skin` reweights the skin within 4 cm of each landmark vertex fully to the bone
that carries the pelvis (``spine05``), blending back to anny's weights by 7 cm; with that, both
lines follow the skeleton's pelvis to within a few hundredths of a degree.

**Kinds.** ``flat``: a disc 0.1 mm thick, 1.5 mm off the skin along the normal (so the painter's
sort puts it in front of the skin under it). ``ball``: a sphere standing off the skin on a short
stem along the normal (the raised marker clinicians use from the side: a flat sticker on the
PSIS is edge-on to a side camera).

**Standing.** A clip may start with the runner standing still (arms down, pelvis at the rest
pose), then blend into running over ``ramp_s``; or a separate standing clip is rendered beside
the running one (same body, stickers, camera). The truth marks each frame's ``phase``.

**Truth** (added to the renderer's per-frame truth): the pelvis's frontal angle
(``pelvic_drop_deg``, from the hip joint centres) and its sagittal tilt from the posed ``spine05``
bone (``pelvis_tilt_deg``: the forward axis against the horizontal, + = anterior); the same
angles of the posed *mesh* lines between the landmark vertices (``psis_line_deg``,
``asis_psis_deg`` per side), so a placement error shows as an offset the standing phase removes;
and each sticker's centre projected into the picture (``stickers_px``) with whether its face
turns toward the camera.

Run from the repository root with the benchmark's environment (``setup.sh``)::

    benchmarks/render/.venv/bin/python benchmarks/render/stickers.py --check-skin
    benchmarks/render/.venv/bin/python benchmarks/render/stickers.py            # the marker set
    ... --list, --only NAME..., --duration-s S, --out DIR

Clips go to ``benchmarks/render/out/markers/`` unless ``--out`` says otherwise.
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

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import contact  # noqa: E402
import render_clips as rc  # noqa: E402
from body import Body, Clothes, Mesh, PosedBody  # noqa: E402
from gait import FramePose, Runner, align, rot_x, rot_y, unit  # noqa: E402
from scene import LIGHT, Mp4Writer, downsample, merge, render  # noqa: E402

DEFAULT_OUT = HERE / "out" / "markers"
PIN_IN_M = 0.04
PIN_OUT_M = 0.07
PELVIS_BONE = "spine05"
SKIN_BONES = ("root", "pelvis.L", "pelvis.R", "spine05", "spine04", "spine03", "spine02")

Kind = Literal["flat", "ball"]

# matte sticker colours (RGB 0-255)
GREEN = (30, 170, 70)
ORANGE = (245, 120, 20)
MAGENTA = (215, 40, 150)
BLUE = (30, 90, 225)
YELLOW = (235, 205, 30)
CYAN = (20, 180, 200)


# --------------------------------------------------------------------------- skin


_ORIGINAL_WEIGHTS: dict[str, Any] = {}


def pin_pelvis_skin(body: Body, r_in_m: float = PIN_IN_M, r_out_m: float = PIN_OUT_M) -> np.ndarray:
    """Skin the vertices around the ASIS and PSIS to the pelvis bone; returns their ids.

    Vertices within ``r_in_m`` of a landmark vertex (rest pose) follow ``spine05`` alone; between
    ``r_in_m`` and ``r_out_m`` the weight moves back linearly to anny's. Only vertices skinned
    mainly to the pelvis or the lower spine are touched (not the thigh). Changes both the body's
    numpy weights and the shared anny model's (which skins the mesh), so call it for each body
    before posing it; the model's original weights are restored first.
    """
    torch = body.torch
    model = body.model
    if "w" not in _ORIGINAL_WEIGHTS:
        _ORIGINAL_WEIGHTS["w"] = model.vertex_bone_weights.detach().clone()
        _ORIGINAL_WEIGHTS["i"] = model.vertex_bone_indices.detach().clone()
    w = _ORIGINAL_WEIGHTS["w"].numpy().astype(np.float64).copy()
    idx = _ORIGINAL_WEIGHTS["i"].numpy().copy()
    rest = body.rest_vertices
    lm = np.array([rest[v] for v in body.landmark_vertices.values()])
    d = np.min(np.linalg.norm(rest[:, None, :] - lm[None], axis=2), axis=1)
    names = np.array(body.labels)
    dom = np.take_along_axis(idx, np.argmax(w, axis=1)[:, None], axis=1)[:, 0]
    eligible = np.isin(names[dom], SKIN_BONES)
    alpha = np.clip((r_out_m - d) / (r_out_m - r_in_m), 0.0, 1.0) * eligible
    bone = body.index[PELVIS_BONE]
    ids = np.nonzero(alpha > 0)[0]
    for v in ids:
        a = alpha[v]
        slot = np.nonzero(idx[v] == bone)[0]
        if slot.size == 0:
            slot = np.array([int(np.argmin(w[v]))])
            w[v, slot[0]] = 0.0
            idx[v, slot[0]] = bone
        w[v] *= 1.0 - a
        w[v, slot[0]] += a
        w[v] /= w[v].sum()
    with torch.no_grad():
        model.vertex_bone_weights.copy_(torch.as_tensor(w, dtype=model.vertex_bone_weights.dtype))
        model.vertex_bone_indices.copy_(torch.as_tensor(idx, dtype=model.vertex_bone_indices.dtype))
    body.vertex_bone_weights = w
    body.vertex_bone_indices = idx
    return ids


def _test_pose(body: Body, drop_deg: float = 0.0, tilt_deg: float = 0.0) -> FramePose:
    """A standing pose with the pelvis turned (lumbar blend as the running cycle uses it)."""
    r = rot_y(drop_deg) @ rot_x(tilt_deg)
    rots = {
        "root": r,
        "spine05": r,
        "spine04": rot_y(0.5 * drop_deg) @ rot_x(0.5 * tilt_deg),
        "spine03": np.eye(3),
        "upperleg01.L": np.eye(3),
        "upperleg01.R": np.eye(3),
    }
    return FramePose(rots, body.rest_heads[0].copy(), {})


def mesh_angles(body: Body, vertices: np.ndarray) -> dict[str, float]:
    """Angles of the lines between the landmark vertices of a posed mesh, degrees.

    ``psis_line_deg``: frontal angle of the PSIS line, + = left side lower (as the renderer's
    ``pelvic_drop_deg``); ``asis_psis_deg.<side>``: the ASIS-PSIS line in the sagittal plane,
    + = ASIS lower (anterior tilt).
    """
    lv = body.landmark_vertices
    out: dict[str, Any] = {}
    if "psis_left" in lv and "psis_right" in lv:
        out["psis_line_deg"] = rc.frontal_angle_deg(
            vertices[lv["psis_left"]], vertices[lv["psis_right"]]
        )
    out["asis_psis_deg"] = {}
    for side in ("left", "right"):
        if f"asis_{side}" in lv and f"psis_{side}" in lv:
            d = vertices[lv[f"asis_{side}"]] - vertices[lv[f"psis_{side}"]]
            out["asis_psis_deg"][side] = math.degrees(math.atan2(-d[2], -d[1]))
    return out


def skin_follow(body: Body, drop_deg: float = 10.0, tilt_deg: float = 10.0) -> dict[str, float]:
    """Share of a known pelvic drop / tilt that the mesh lines between the landmarks follow."""
    ids = np.array(sorted(body.landmark_vertices.values()))
    lookup = {v: k for k, v in enumerate(ids)}

    def angles(fp: FramePose) -> dict[str, Any]:
        pts = body.skin(fp, ids)
        full = np.zeros((len(body.rest_vertices), 3))
        for v, k in lookup.items():
            full[v] = pts[k]
        return mesh_angles(body, full)

    base = angles(_test_pose(body))
    dropped = angles(_test_pose(body, drop_deg=drop_deg))
    tilted = angles(_test_pose(body, tilt_deg=tilt_deg))
    return {
        "drop_follow": (dropped["psis_line_deg"] - base["psis_line_deg"]) / drop_deg,
        "tilt_follow": (tilted["asis_psis_deg"]["left"] - base["asis_psis_deg"]["left"]) / tilt_deg,
    }


# --------------------------------------------------------------------------- stickers


@dataclasses.dataclass(frozen=True)
class StickerSpec:
    """One sticker: which bony point, kind, size (mm), colour, placement error (mm)."""

    point: str  # "asis_left", "psis_right", ...
    kind: Kind = "flat"
    diameter_mm: float = 25.0
    rgb: tuple[int, int, int] = GREEN
    error_mm: tuple[float, float] = (0.0, 0.0)  # along the skin: (toward the left, up)
    stem_mm: float = 6.0  # ball: gap between the skin and the ball


@dataclasses.dataclass(frozen=True)
class Anchor:
    """A point on the mesh: a triangle, barycentric weights, and the faces around it."""

    face: int
    bary: np.ndarray
    ring: np.ndarray  # faces touching the triangle's three vertices

    def point(self, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
        return self.bary @ vertices[faces[self.face]]

    def normal(self, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """The interpolated (area-weighted vertex) normal at the point, outward."""
        tri = vertices[faces[self.ring]]
        fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        out = np.zeros(3)
        for k, v in enumerate(faces[self.face]):
            touching = (faces[self.ring] == v).any(axis=1)
            out += self.bary[k] * unit(fn[touching].sum(axis=0))
        return unit(out)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (outward for anny's counter-clockwise faces)."""
    tri = vertices[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    vn = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(vn, faces[:, k], fn)
    return vn / (np.linalg.norm(vn, axis=1, keepdims=True) + 1e-12)


def anchor_at(body: Body, spec: StickerSpec) -> Anchor:
    """The rest-pose surface point of a sticker, its placement error applied."""
    v0 = body.landmark_vertices[spec.point]
    rest = body.rest_vertices
    faces = body.faces
    n = vertex_normals(rest, faces)[v0]
    up = unit(np.array([0.0, 0.0, 1.0]) - n * n[2])
    left = unit(np.cross(up, n)) if spec.point.startswith("psis") else unit(np.cross(n, up))
    if left[0] < 0:
        left = -left
    target = rest[v0] + 0.001 * (spec.error_mm[0] * left + spec.error_mm[1] * up)
    near = np.nonzero(np.linalg.norm(rest - target, axis=1) < 0.03)[0]
    cand = np.nonzero(np.isin(faces, near).any(axis=1))[0]
    best = None
    for f in cand:
        a, b, c = rest[faces[f]]
        fn = unit(np.cross(b - a, c - a))
        p = target - fn * float((target - a) @ fn)
        m = np.column_stack([b - a, c - a])
        uv, *_ = np.linalg.lstsq(m, p - a, rcond=None)
        bary = np.array([1 - uv.sum(), uv[0], uv[1]])
        outside = float(np.clip(-bary, 0, None).sum())
        dist = float(np.linalg.norm(p - target)) + outside
        if best is None or dist < best[0]:
            best = (dist, f, np.clip(bary, 0, None) / np.clip(bary, 0, None).sum())
    assert best is not None, spec.point
    ring = np.nonzero(np.isin(faces, faces[best[1]]).any(axis=1))[0]
    return Anchor(int(best[1]), best[2], ring)


def _disc(centre: np.ndarray, normal: np.ndarray, radius: float, rgb, n_seg: int = 24) -> Mesh:
    """A flat disc facing ``normal`` (counter-clockwise seen from outside)."""
    a = unit(np.cross(normal, [0.0, 0.0, 1.0] if abs(normal[2]) < 0.9 else [1.0, 0.0, 0.0]))
    b = np.cross(normal, a)
    ang = np.linspace(0, 2 * np.pi, n_seg, endpoint=False)
    ring = centre + radius * (np.cos(ang)[:, None] * a + np.sin(ang)[:, None] * b)
    verts = np.vstack([centre, ring])
    faces = np.array([[0, 1 + k, 1 + (k + 1) % n_seg] for k in range(n_seg)])
    return Mesh(verts, faces, np.tile(np.asarray(rgb, float), (n_seg, 1)))


def _icosphere(level: int = 2) -> tuple[np.ndarray, np.ndarray]:
    t = (1 + 5**0.5) / 2
    v = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t),
         (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]  # fmt: skip
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4),
         (11, 10, 2), (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8),
         (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]  # fmt: skip
    verts = [unit(np.array(p, float)) for p in v]
    faces = [tuple(x) for x in f]
    for _ in range(level):
        cache: dict[tuple[int, int], int] = {}

        def mid(i: int, j: int, cache: dict[tuple[int, int], int] = cache) -> int:
            key = (min(i, j), max(i, j))
            if key not in cache:
                verts.append(unit((verts[i] + verts[j]) / 2))
                cache[key] = len(verts) - 1
            return cache[key]

        nf = []
        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            nf += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = nf
    return np.array(verts), np.array(faces)


_SPHERE = _icosphere(2)


def _ball(centre: np.ndarray, radius: float, rgb) -> Mesh:
    v, f = _SPHERE
    return Mesh(centre + radius * v, f, np.tile(np.asarray(rgb, float), (len(f), 1)))


def sticker_centre(spec: StickerSpec, anchor: Anchor, posed: PosedBody):
    """World centre of the sticker's visible part and its normal, one frame."""
    p = anchor.point(posed.vertices, posed.faces)
    n = anchor.normal(posed.vertices, posed.faces)
    if spec.kind == "flat":
        return p + 0.0015 * n, n
    r = 0.0005 * spec.diameter_mm
    return p + n * (0.001 * spec.stem_mm + r), n


def sticker_meshes(specs: list[StickerSpec], anchors: list[Anchor], posed: PosedBody) -> list[Mesh]:
    """The stickers' meshes for one posed frame."""
    out = []
    for spec, anchor in zip(specs, anchors, strict=True):
        c, n = sticker_centre(spec, anchor, posed)
        r = 0.0005 * spec.diameter_mm
        if spec.kind == "flat":
            out.append(_disc(c, n, r, spec.rgb))
        else:
            out.append(_ball(c, r, spec.rgb))
            base = anchor.point(posed.vertices, posed.faces)
            stem = _disc(base + 0.5 * 0.001 * spec.stem_mm * n, n, 0.004, (60, 60, 60), n_seg=8)
            out.append(stem)
    return out


def _fill(img: np.ndarray, cam, mesh: Mesh, ss: int, select: np.ndarray | None = None) -> None:
    """Draw a mesh's front faces far to near with the renderer's flat Lambert shading."""
    cv = cam.to_camera(mesh.vertices)
    faces = mesh.faces if select is None else mesh.faces[select]
    rgb = mesh.face_rgb if select is None else mesh.face_rgb[select]
    tri = cv[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    centroid = tri.mean(axis=1)
    facing = np.einsum("ij,ij->i", n, -centroid) > 0
    facing &= tri[:, :, 2].min(axis=1) > 0.05
    wv = mesh.vertices[faces]
    nw = np.cross(wv[:, 1] - wv[:, 0], wv[:, 2] - wv[:, 0])
    nw /= np.linalg.norm(nw, axis=1, keepdims=True) + 1e-12
    lam = np.clip(nw @ LIGHT, 0.0, 1.0)
    colour = np.clip(rgb * (0.38 + 0.62 * lam)[:, None], 0, 255).astype(np.uint8).tolist()
    z = np.maximum(tri[:, :, 2], 1e-6)
    px = np.stack(
        [cam.focal_px * tri[:, :, 0] / z + cam.cx, cam.focal_px * tri[:, :, 1] / z + cam.cy], 2
    )
    pts = np.round(px * ss * 16).astype(np.int64).clip(-(2**28), 2**28).astype(np.int32)
    keep = np.nonzero(facing)[0]
    for k in keep[np.argsort(-centroid[keep, 2], kind="stable")]:
        cv2.fillConvexPoly(img, pts[k], colour[k], cv2.LINE_8, 4)


def draw_over(
    img: np.ndarray,
    cam,
    stickers: list[Mesh],
    scene_meshes: list[Mesh],
    ss: int,
    gap_m: float = 0.03,
) -> None:
    """Draw the stickers over a rendered picture, then whatever is clearly in front of them.

    The painter's sort of :func:`scene.render` orders triangles by their centroids, so the large
    skin triangles around a sticker on a curved back would cover parts of it. Drawn on top
    instead, each sticker is then covered again by the scene's triangles that lie at least
    ``gap_m`` nearer the camera and overlap it in the picture (an arm, a hand, a handrail).
    """
    if not stickers:
        return
    every = merge(scene_meshes)
    cv = cam.to_camera(every.vertices)
    tri = cv[every.faces]
    depth = tri[:, :, 2].mean(axis=1)
    z = np.maximum(tri[:, :, 2], 1e-6)
    px = np.stack(
        [cam.focal_px * tri[:, :, 0] / z + cam.cx, cam.focal_px * tri[:, :, 1] / z + cam.cy], 2
    )
    lo, hi = px.min(axis=1), px.max(axis=1)
    for st in stickers:
        sv = cam.to_camera(st.vertices)
        if sv[:, 2].min() <= 0.05:
            continue
        sp = np.stack(
            [
                cam.focal_px * sv[:, 0] / sv[:, 2] + cam.cx,
                cam.focal_px * sv[:, 1] / sv[:, 2] + cam.cy,
            ],
            1,
        )
        _fill(img, cam, st, ss)
        s_lo, s_hi = sp.min(axis=0) - 1, sp.max(axis=0) + 1
        over = (
            (depth < sv[:, 2].min() - gap_m)
            & (lo[:, 0] <= s_hi[0]) & (hi[:, 0] >= s_lo[0])
            & (lo[:, 1] <= s_hi[1]) & (hi[:, 1] >= s_lo[1])
        )  # fmt: skip
        if over.any():
            _fill(img, cam, every, ss, select=np.nonzero(over)[0])


# --------------------------------------------------------------------------- poses


def _quat(m: np.ndarray) -> np.ndarray:
    w = math.sqrt(max(0.0, 1 + m[0, 0] + m[1, 1] + m[2, 2])) / 2
    x = math.copysign(math.sqrt(max(0.0, 1 + m[0, 0] - m[1, 1] - m[2, 2])) / 2, m[2, 1] - m[1, 2])
    y = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] + m[1, 1] - m[2, 2])) / 2, m[0, 2] - m[2, 0])
    z = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] - m[1, 1] + m[2, 2])) / 2, m[1, 0] - m[0, 1])
    return np.array([w, x, y, z])


def _mat(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def blend(a: FramePose, b: FramePose, w: float) -> FramePose:
    """``(1 - w) a + w b`` (rotations by normalised quaternion interpolation)."""
    rots = {}
    for name in set(a.rotations) | set(b.rotations):
        qa = _quat(a.rotations.get(name, np.eye(3)))
        qb = _quat(b.rotations.get(name, np.eye(3)))
        if qa @ qb < 0:
            qb = -qb
        rots[name] = _mat((1 - w) * qa + w * qb)
    return FramePose(rots, (1 - w) * a.root_m + w * b.root_m, dict(b.commanded))


def standing_pose(body: Body, runner: Runner, root_m: np.ndarray) -> FramePose:
    """Standing still: pelvis and legs at rest, arms hanging at the sides."""
    rots: dict[str, np.ndarray] = {}
    rest_dirs = body.arm_directions()
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        upper_rest, fore_rest = rest_dirs[side]
        rots[f"upperarm01.{side}"] = align(upper_rest, unit(np.array([sgn * 0.15, 0.0, -1.0])))
        rots[f"lowerarm01.{side}"] = align(fore_rest, unit(np.array([sgn * 0.1, -0.15, -1.0])))
    cmd = {"pelvic_drop_deg": 0.0, "anterior_tilt_deg": 0.0, "pelvic_rotation_deg": 0.0}
    return FramePose(rots, root_m, cmd)


# --------------------------------------------------------------------------- clips


@dataclasses.dataclass(frozen=True)
class MarkerClip:
    """A rendered clip with stickers.

    ``standing_s``: seconds of standing still at the start (0: none), then ``ramp_s`` blending
    into running. ``standing_clip_s``: also render a separate standing clip this long
    (``<name>_stand.mp4``). ``split``: ``tune`` (the method may be tuned on it) or ``test``
    (held out: reported, never tuned on).
    """

    clip: rc.ClipSpec
    stickers: tuple[StickerSpec, ...]
    standing_s: float = 0.0
    ramp_s: float = 0.6
    standing_clip_s: float = 0.0
    split: str = "test"
    note: str = ""

    @property
    def name(self) -> str:
        return self.clip.name


def pelvis_tilt_deg(posed: PosedBody, body: Body) -> float:
    """Sagittal tilt of the posed pelvis bone (forward axis vs the horizontal), + = anterior."""
    j = body.index[PELVIS_BONE]
    r = posed.skinning_matrices[j][:3, :3]
    f = r @ np.array([0.0, -1.0, 0.0])
    return math.degrees(math.atan2(-f[2], -f[1]))


def _render_frames(
    mc: MarkerClip,
    body: Body,
    runner: Runner,
    anchors: list[Anchor],
    times: np.ndarray,
    *,
    standing_only: bool,
    path: Path,
    supersample: int,
) -> list[dict[str, Any]]:
    spec = mc.clip
    t_run0 = 0.0 if standing_only else mc.standing_s + (mc.ramp_s if mc.standing_s else 0.0)
    standing_until = math.inf if standing_only else mc.standing_s

    def root_world(tau: float) -> np.ndarray:
        _, root, _ = runner.pelvis(tau)
        return root + runner.belt_offset(tau)

    stand = standing_pose(
        body, runner, np.array([runner.root0[0], root_world(0.0)[1], runner.root0[2]])
    )

    def pose_at(t: float) -> tuple[FramePose, str]:
        if t < standing_until:
            return stand, "standing"
        tau = t - t_run0
        run = runner.pose(tau)
        if t < t_run0:
            w = (t - mc.standing_s) / mc.ramp_s
            return blend(stand, run, 0.5 - 0.5 * math.cos(math.pi * w)), "ramp"
        return run, "running"

    def pelvis_at(t: float) -> np.ndarray:
        return root_world(max(0.0, t - t_run0))

    mid_t = 0.5 * spec.duration_s
    anchor_pt = pelvis_at(
        0.0 if spec.camera.rig == "static" and spec.camera.view == "rear" else mid_t
    )
    anchor_pt = np.array([runner.root0[0], anchor_pt[1], anchor_pt[2]])
    path_y = (float(pelvis_at(0.0)[1]), float(pelvis_at(spec.duration_s)[1]))
    floor_z = runner.sk.floor_z
    room_z = floor_z - (rc.DECK_HEIGHT_M if spec.scene.deck and spec.scene.treadmill else 0.0)
    cam0 = rc.camera_at(spec.camera, 0.0, pelvis_at, room_z, anchor_pt)
    planes, boxes, room_z, sky = rc.scene_geometry(spec, floor_z, anchor_pt, cam0, path_y)
    box_meshes = [b.mesh(step_m=0.3) for b in boxes]
    w, h = spec.camera.width_px, spec.camera.height_px
    writer = Mp4Writer(path, w, h, spec.fps, crf=spec.crf)
    frames = []
    k_sub = max(1, spec.blur_subframes)
    lv = body.landmark_vertices
    for t in times:
        t = float(t)
        acc = np.zeros((h, w, 3), np.float64)
        span = spec.shutter_frac / spec.fps if k_sub > 1 else 0.0
        for j in range(k_sub):
            ts = t - 0.5 * span + span * (j + 0.5) / k_sub if k_sub > 1 else t
            fp, _ = pose_at(ts)
            posed = body.pose(fp)
            cam = rc.camera_at(spec.camera, ts, pelvis_at, room_z, anchor_pt)
            pl = planes
            if spec.scene.deck and spec.scene.treadmill and not standing_only:
                pl = planes + rc.belt_stripes(
                    floor_z, anchor_pt, spec.gait.speed_m_s * max(0.0, ts - t_run0)
                )
            scene_meshes = [*posed.meshes(), *box_meshes]
            img = render(
                cam, pl, scene_meshes, width_px=w, height_px=h, sky_rgb=sky, ss=supersample
            )
            draw_over(
                img,
                cam,
                sticker_meshes(list(mc.stickers), anchors, posed),
                scene_meshes,
                supersample,
            )
            acc += downsample(img, w, h)
        writer.write(np.clip(np.round(acc / k_sub), 0, 255).astype(np.uint8))
        fp, phase = pose_at(t)
        posed = body.pose(fp)
        cam = rc.camera_at(spec.camera, t, pelvis_at, room_z, anchor_pt)
        truth = rc.frame_truth(body, posed, cam, t)
        truth["phase"] = phase
        truth["pelvis_tilt_deg"] = pelvis_tilt_deg(posed, body)
        truth.update(mesh_angles(body, posed.vertices))
        view = {}
        for s, a in zip(mc.stickers, anchors, strict=True):
            c, n = sticker_centre(s, a, posed)
            to_cam = unit(cam.position - c)
            view[s.point] = {
                "px": cam.project(c)[0].round(4).tolist(),
                "facing_cos": round(float(n @ to_cam), 4),
            }
        truth["stickers_px"] = view
        truth["landmark_vertices_px"] = {
            k: cam.project(posed.vertices[v])[0].round(3).tolist() for k, v in lv.items()
        }
        frames.append(truth)
    writer.close()
    return frames


def render_marker_clip(mc: MarkerClip, out_dir: Path, supersample: int = 2) -> Path:
    """Render one clip with stickers (and its standing clip), with truth; returns the mp4."""
    spec = mc.clip
    body = Body(spec.phenotype, spec.clothes)
    pinned = pin_pelvis_skin(body)
    follow = skin_follow(body)
    anchors = [anchor_at(body, s) for s in mc.stickers]
    runner = Runner(
        body.skeleton(),
        spec.gait,
        phase_offset=spec.phase_offset,
        treadmill=spec.scene.treadmill,
        arm_rest_dirs=body.arm_directions(),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    t_run0 = mc.standing_s + (mc.ramp_s if mc.standing_s else 0.0)
    total_s = t_run0 + spec.duration_s  # the clip's duration_s is the running part
    times = np.arange(round(total_s * spec.fps)) / spec.fps
    mp4 = out_dir / f"{spec.name}.mp4"
    frames = _render_frames(
        mc, body, runner, anchors, times, standing_only=False, path=mp4, supersample=supersample
    )
    belt = runner.belt_velocity()
    run_s = spec.duration_s
    commanded = runner.timing.events(run_s)
    sole_fn = lambda tau: body.soles(runner.pose(tau))  # noqa: E731
    events = contact.truth_events(sole_fn, commanded, runner.sk.floor_z, belt, run_s)
    for e in events:
        e["time_s"] = round(e["time_s"] + t_run0, 6)
        e["commanded_s"] = round(e["commanded_s"] + t_run0, 6)
    stand_frames = None
    if mc.standing_clip_s > 0:
        st = np.arange(round(mc.standing_clip_s * spec.fps)) / spec.fps
        stand_frames = _render_frames(
            mc,
            body,
            runner,
            anchors,
            st,
            standing_only=True,
            path=out_dir / f"{spec.name}_stand.mp4",
            supersample=supersample,
        )
    running = [{**f, "time_s": f["time_s"] - t_run0} for f in frames if f["phase"] == "running"]
    stride_s = 120.0 / spec.gait.cadence_spm
    whole = bool(running) and running[-1]["time_s"] >= stride_s
    truth = {
        "clip": spec.name,
        "generator": "benchmarks/render/stickers.py (anny body, stickers on ASIS/PSIS, "
        "pelvis skin pinned to the pelvis bone)",
        "split": mc.split,
        "note": mc.note,
        "conventions": {
            "pelvic_drop_deg": "frontal angle of the true hip-joint-centre line, "
            "+ = left hip lower",
            "pelvis_tilt_deg": "posed pelvis bone's forward axis against the horizontal, sagittal, "
            "+ = anterior; 0 at the rest (standing) pelvis",
            "psis_line_deg": "frontal angle of the posed mesh line between the PSIS landmark "
            "vertices, + = left side lower",
            "asis_psis_deg": "sagittal angle of the posed mesh line PSIS -> ASIS, + = ASIS lower",
            "stickers_px": "projection of each sticker's centre (flat: the disc; ball: the ball "
            "centre); facing_cos = cosine between its normal and the direction to the camera",
            "phase": "standing, ramp (blending into running) or running",
            "events": "from the posed mesh (render_clips conventions), running part only",
        },
        "spec": dataclasses.asdict(spec),
        "stickers": [dataclasses.asdict(s) for s in mc.stickers],
        "standing_s": mc.standing_s,
        "ramp_s": mc.ramp_s,
        "running_from_s": t_run0,
        "standing_clip": f"{spec.name}_stand.mp4" if stand_frames is not None else None,
        "fps": spec.fps,
        "width_px": spec.camera.width_px,
        "height_px": spec.camera.height_px,
        "applied_camera_roll_deg": spec.camera.roll_deg,
        "skin": {
            "pinned_vertices": int(pinned.size),
            **{k: round(v, 4) for k, v in follow.items()},
        },
        "events": events,
        "summary": rc.per_stride_summary(spec, running) if whole else {},
        "frames": frames,
        "standing_frames": stand_frames,
    }
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".json.part")
    with os.fdopen(fd, "w") as fh:
        json.dump(truth, fh, separators=(",", ":"))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_dir / f"{spec.name}.truth.json")
    return mp4


# --------------------------------------------------------------------------- the clip set


def _psis(
    rgb, kind: Kind = "flat", d: float = 25.0, err=((0, 0), (0, 0))
) -> tuple[StickerSpec, ...]:
    return (
        StickerSpec("psis_left", kind, d, rgb, err[0]),
        StickerSpec("psis_right", kind, d, rgb, err[1]),
    )


def _side_pair(
    side: str, asis_rgb, psis_rgb, kind: Kind = "ball", d: float = 20.0, err=((0, 0), (0, 0))
) -> tuple[StickerSpec, ...]:
    return (
        StickerSpec(f"asis_{side}", kind, d, asis_rgb, err[0]),
        StickerSpec(f"psis_{side}", kind, d, psis_rgb, err[1]),
    )


def marker_set() -> list[MarkerClip]:
    """Rendered runners with stickers: rear (flat PSIS), side (raised or flat, square or behind)."""
    c, r = rc.ClipSpec, dataclasses.replace
    normal, weak, tight = rc.NORMAL, rc.WEAK, rc.TIGHT
    m, f, hv, tall = rc.MALE, rc.FEMALE, rc.HEAVY, rc.SLIM_TALL
    rear = r(rc.REAR, distance_m=2.6)
    side_l = rc.SIDE_L
    side_r = r(rc.SIDE_L, side_sign=-1)
    behind_l = r(rc.SIDE_L, azimuth_deg=-25.0)
    clips: list[MarkerClip] = []

    def add(spec: rc.ClipSpec, stickers, **kw) -> None:
        clips.append(MarkerClip(spec, tuple(stickers), **kw))

    # rear views: pelvic drop 0-10 deg
    add(
        c("mk_rear_normal_m", m, Clothes(), normal, rear, rc.ROOM),
        _psis(GREEN),
        standing_clip_s=2.0,
        split="tune",
    )
    add(
        c("mk_rear_weak_m", m, Clothes(), weak, rear, rc.ROOM),
        _psis(GREEN),
        standing_clip_s=2.0,
        split="tune",
    )
    add(
        c("mk_rear_nodrop_f", f, rc.GREEN_TOP, rc.NO_DROP, rear, rc.TILES),
        _psis(MAGENTA),
        standing_clip_s=2.0,
    )
    add(
        c(
            "mk_rear_weak_f_60",
            f,
            rc.RED_TOP,
            r(weak, pelvic_drop_deg=10.0),
            rear,
            rc.TILES,
            fps=60.0,
        ),
        _psis(YELLOW, d=22.0),
        standing_clip_s=2.0,
    )
    add(
        c(
            "mk_rear_mid_heavy",
            hv,
            rc.RED_TOP,
            r(normal, pelvic_drop_deg=6.0),
            rc.REAR_HIGH_NEAR,
            rc.ROOM,
        ),
        _psis(GREEN, err=((3, 4), (-2, -3))),
        standing_s=2.5,
        split="tune",
        note="placement error: the left PSIS sticker 7 mm higher than the right",
    )
    add(
        c("mk_rear_weak_tall_roll", tall, rc.LONG_SHIRT, weak, r(rear, roll_deg=5.0), rc.ROOM),
        _psis(BLUE, d=20.0, err=((-4, 5), (3, -5))),
        standing_s=2.5,
        note="5 deg camera roll; PSIS stickers 10 mm apart in height",
    )
    add(
        c(
            "mk_rear_normal_m_120",
            m,
            rc.YELLOW_TOP,
            r(normal, pelvic_drop_deg=3.0),
            rear,
            rc.TREADMILL,
            fps=120.0,
            duration_s=3.0,
        ),
        _psis(MAGENTA),
        standing_clip_s=1.0,
    )
    add(
        c(
            "mk_rear_weak_blur",
            m,
            Clothes(),
            r(weak, pelvic_drop_deg=8.0),
            rear,
            rc.ROOM,
            blur_subframes=5,
            shutter_frac=1.0,
        ),
        _psis(ORANGE),
        standing_clip_s=2.0,
        note="motion blur: a whole frame's shutter",
    )
    add(
        c(
            "mk_rear_mid_f_far",
            f,
            Clothes(),
            r(normal, pelvic_drop_deg=5.5),
            rc.REAR_LOW_FAR,
            rc.TILES,
            fps=60.0,
        ),
        _psis(GREEN, d=25.0),
        standing_clip_s=2.0,
    )
    add(
        c("mk_rear_normal_heavy_crf", hv, rc.GREEN_TOP, normal, rear, rc.TILES, crf=28),
        _psis(MAGENTA, err=((2, -3), (0, 2))),
        standing_clip_s=2.0,
        note="crf 28",
    )
    add(
        c("mk_front_weak_m", m, rc.RED_TOP, weak, rc.FRONT, rc.ROOM),
        (
            StickerSpec("asis_left", "flat", 25.0, CYAN),
            StickerSpec("asis_right", "flat", 25.0, CYAN),
        ),
        standing_clip_s=2.0,
        note="front view, ASIS stickers",
    )
    # side views: anterior tilt 5-25 deg
    tilt = lambda base, mean, rng: r(base, anterior_tilt_deg=mean, tilt_range_deg=rng)  # noqa: E731
    add(
        c("mk_side_t5_m", m, Clothes(), tilt(normal, 5.0, 4.0), side_l, rc.ROOM),
        _side_pair("left", ORANGE, GREEN),
        standing_clip_s=2.0,
        split="tune",
    )
    add(
        c("mk_side_t15_tight_m", m, Clothes(), tilt(tight, 15.0, 6.0), side_l, rc.ROOM),
        _side_pair("left", ORANGE, GREEN),
        standing_s=2.5,
        split="tune",
    )
    add(
        c(
            "mk_side_t25_tight_f_60",
            f,
            rc.GREEN_TOP,
            tilt(tight, 25.0, 8.0),
            side_r,
            rc.TILES,
            fps=60.0,
        ),
        _side_pair("right", MAGENTA, BLUE),
        standing_clip_s=2.0,
    )
    add(
        c("mk_side_t6_heavy", hv, rc.RED_TOP, tilt(normal, 6.0, 5.0), side_l, rc.ROOM),
        _side_pair("left", YELLOW, GREEN, err=((3, -3), (-3, 4))),
        standing_s=2.5,
        note="placement errors 4-5 mm",
    )
    add(
        c(
            "mk_side_t20_tall_roll",
            tall,
            rc.LONG_SHIRT,
            tilt(tight, 20.0, 6.0),
            r(side_l, roll_deg=5.0),
            rc.ROOM,
        ),
        _side_pair("left", ORANGE, BLUE),
        standing_clip_s=2.0,
        note="5 deg camera roll",
    )
    add(
        c(
            "mk_side_t4_m_120",
            m,
            rc.YELLOW_TOP,
            tilt(normal, 4.0, 4.0),
            side_l,
            rc.TREADMILL,
            fps=120.0,
            duration_s=3.0,
        ),
        _side_pair("left", MAGENTA, GREEN, d=16.0),
        standing_clip_s=1.0,
    )
    add(
        c(
            "mk_side_t5_blur",
            m,
            Clothes(),
            tilt(normal, 5.0, 6.0),
            side_l,
            rc.ROOM,
            blur_subframes=5,
            shutter_frac=1.0,
        ),
        _side_pair("left", ORANGE, GREEN),
        standing_clip_s=2.0,
        note="motion blur",
    )
    add(
        c("mk_side_t15_behind_flat", m, Clothes(), tilt(tight, 15.0, 6.0), behind_l, rc.ROOM),
        _side_pair("left", ORANGE, GREEN, kind="flat", d=25.0),
        standing_clip_s=2.0,
        note="camera 25 deg behind the side, flat stickers",
    )
    add(
        c(
            "mk_side_t6_behind_ball_f",
            f,
            rc.GREEN_TOP,
            tilt(normal, 6.0, 5.0),
            r(behind_l, side_sign=-1),
            rc.TILES,
        ),
        _side_pair("right", YELLOW, MAGENTA),
        standing_clip_s=2.0,
        note="camera 25 deg behind the side, raised markers",
    )
    add(
        c("mk_side_t15_square_flat", m, Clothes(), tilt(tight, 15.0, 6.0), side_l, rc.ROOM),
        _side_pair("left", ORANGE, GREEN, kind="flat", d=25.0),
        standing_clip_s=2.0,
        note="square side view, flat stickers: the PSIS is edge-on",
    )
    return clips


# --------------------------------------------------------------------------- main


def check_skin(out: Path) -> dict[str, Any]:
    """How much of a known pelvic drop/tilt the landmark lines follow, before and after pinning."""
    rows = {}
    for name, ph in (
        ("male", rc.MALE),
        ("female", rc.FEMALE),
        ("heavy", rc.HEAVY),
        ("slim_tall", rc.SLIM_TALL),
    ):
        body = Body(ph, Clothes())
        if _ORIGINAL_WEIGHTS:
            with body.torch.no_grad():
                body.model.vertex_bone_weights.copy_(_ORIGINAL_WEIGHTS["w"])
                body.model.vertex_bone_indices.copy_(_ORIGINAL_WEIGHTS["i"])
            body.vertex_bone_weights = _ORIGINAL_WEIGHTS["w"].numpy().astype(np.float64)
            body.vertex_bone_indices = _ORIGINAL_WEIGHTS["i"].numpy().copy()
        before = skin_follow(body)
        pin_pelvis_skin(body)
        after = skin_follow(body)
        rows[name] = {"before": before, "after": after}
    out.mkdir(parents=True, exist_ok=True)
    (out / "skin_check.json").write_text(json.dumps(rows, indent=1))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--list", action="store_true")
    p.add_argument("--check-skin", action="store_true")
    p.add_argument("--duration-s", type=float, default=None)
    p.add_argument("--supersample", type=int, default=2)
    p.add_argument("--skip-existing", action="store_true", help="keep clips already rendered")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    if args.check_skin:
        for name, row in check_skin(args.out).items():
            b, a = row["before"], row["after"]
            print(
                f"{name}: drop follow {b['drop_follow']:.3f} -> {a['drop_follow']:.3f}, "
                f"tilt follow {b['tilt_follow']:.3f} -> {a['tilt_follow']:.3f}"
            )
        return 0
    clips = marker_set()
    if args.list:
        for mc in clips:
            print(
                f"{mc.name:32s} {mc.split:5s} {mc.clip.camera.view:5s} "
                f"{mc.clip.fps:5.0f} fps  {mc.note}"
            )
        return 0
    if args.only:
        clips = [mc for mc in clips if mc.name in set(args.only)]
    for mc in clips:
        if args.duration_s:
            mc = dataclasses.replace(
                mc, clip=dataclasses.replace(mc.clip, duration_s=args.duration_s)
            )
        if args.skip_existing and (args.out / f"{mc.name}.truth.json").exists():
            continue
        t0 = time.time()
        render_marker_clip(mc, args.out, supersample=args.supersample)
        print(f"{mc.name}: {time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
