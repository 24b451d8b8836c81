"""Cameras, scene geometry and the painter's-algorithm renderer of the rendered-runner benchmark.

Cameras: a pinhole looking at the runner's pelvis from behind, in front or beside, with roll;
``rig`` says how it moves: ``static`` (tripod), ``pan`` (tripod turning to follow an overground
runner, with a little lag), ``track`` (carried alongside the runner at its speed, with a little
shake). Scene: floor and wall planes, floor tiles or running-track lanes, wall posters, boxes
(trees, posts, benches) and a treadmill (deck, moving belt stripes, motor hood, uprights,
console and handrails) drawn as 3D boxes, so that a moving camera sees the background move and
the console and handrails hide the legs behind them.

Drawing: planes first (clipped at the camera's near plane), then every triangle of the body,
its attachments and the boxes, back-face culled and sorted far to near, filled with
``cv2.fillConvexPoly`` at ``ss`` x supersampling with flat Lambert shading.
"""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
from body import Mesh
from numba import njit

NEAR_M = 0.05


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
        return (np.atleast_2d(pts) - self.position) @ self.rotation.T

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World (N,3) -> pixels (N,2)."""
        c = self.to_camera(pts)
        return np.stack(
            [
                self.focal_px * c[:, 0] / c[:, 2] + self.cx,
                self.focal_px * c[:, 1] / c[:, 2] + self.cy,
            ],
            axis=1,
        )


def look_at(
    position: np.ndarray,
    target: np.ndarray,
    *,
    vfov_deg: float,
    width_px: int,
    height_px: int,
    roll_deg: float = 0.0,
) -> Camera:
    """A camera at ``position`` looking at ``target``, turned ``roll_deg`` about its axis
    (+ = the picture turns clockwise, i.e. the camera rolls counter-clockwise)."""
    fwd = target - position
    fwd = fwd / np.linalg.norm(fwd)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    a = math.radians(roll_deg)
    right, down = (
        math.cos(a) * right + math.sin(a) * down,
        -math.sin(a) * right + math.cos(a) * down,
    )
    f = 0.5 * height_px / math.tan(math.radians(vfov_deg) / 2)
    return Camera(position, np.stack([right, down, fwd]), f, width_px / 2, height_px / 2)


# --------------------------------------------------------------------------- geometry


@dataclasses.dataclass(frozen=True)
class Box:
    """An axis-aligned box (world metres) of one colour."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    rgb: tuple[int, int, int]

    def mesh(self, step_m: float = 0.0) -> Mesh:
        """Its triangles, outward winding; faces cut into cells of at most ``step_m`` (so that
        depth sorting against the body works cell by cell), 0 = two triangles per face."""
        (x0, y0, z0), (x1, y1, z1) = self.lo, self.hi
        c = np.array(
            [
                [x0, y0, z0],
                [x1, y0, z0],
                [x1, y1, z0],
                [x0, y1, z0],
                [x0, y0, z1],
                [x1, y0, z1],
                [x1, y1, z1],
                [x0, y1, z1],
            ],
            dtype=float,
        )
        quads = [(0, 3, 2, 1), (4, 5, 6, 7), (0, 1, 5, 4), (2, 3, 7, 6), (1, 2, 6, 5), (3, 0, 4, 7)]
        verts: list[np.ndarray] = []
        faces: list[tuple[int, int, int]] = []
        for a, b, _, d in quads:
            pa, pb, pd = c[a], c[b], c[d]
            nu = max(1, math.ceil(np.linalg.norm(pb - pa) / step_m)) if step_m else 1
            nv = max(1, math.ceil(np.linalg.norm(pd - pa) / step_m)) if step_m else 1
            base = len(verts)
            for i in range(nu + 1):
                for j in range(nv + 1):
                    verts.append(pa + (pb - pa) * i / nu + (pd - pa) * j / nv)
            for i in range(nu):
                for j in range(nv):
                    p00 = base + i * (nv + 1) + j
                    p10, p01, p11 = p00 + nv + 1, p00 + 1, p00 + nv + 2
                    faces += [(p00, p10, p11), (p00, p11, p01)]
        f = np.array(faces)
        return Mesh(np.array(verts), f, np.tile(np.array(self.rgb, float), (len(f), 1)))


def merge(meshes: list[Mesh]) -> Mesh:
    """One mesh of many (double-sided if any is)."""
    verts, faces, rgb, off = [], [], [], 0
    for m in meshes:
        verts.append(m.vertices)
        faces.append(m.faces + off)
        rgb.append(m.face_rgb)
        off += len(m.vertices)
    return Mesh(np.concatenate(verts), np.concatenate(faces), np.concatenate(rgb))


@dataclasses.dataclass(frozen=True)
class Plane:
    """A flat polygon (world metres) drawn before everything else: floor, wall, stripes."""

    points: np.ndarray  # (N,3), convex, in order
    rgb: tuple[int, int, int]


def clip_near(cam_pts: np.ndarray, near: float = NEAR_M) -> np.ndarray:
    """Sutherland-Hodgman clip of a convex polygon (camera coordinates) to z >= near."""
    out = []
    n = len(cam_pts)
    for i in range(n):
        a, b = cam_pts[i], cam_pts[(i + 1) % n]
        ina, inb = a[2] >= near, b[2] >= near
        if ina:
            out.append(a)
        if ina != inb:
            t = (near - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out)


def draw_plane(img: np.ndarray, cam: Camera, plane: Plane, ss: int) -> None:
    """Fill one plane polygon, clipped at the near plane."""
    c = clip_near(cam.to_camera(plane.points))
    if len(c) < 3:
        return
    px = np.stack(
        [cam.focal_px * c[:, 0] / c[:, 2] + cam.cx, cam.focal_px * c[:, 1] / c[:, 2] + cam.cy],
        axis=1,
    )
    pts = np.round((px * ss + (ss - 1) / 2.0) * 16).astype(np.int64)
    lim = 2**28
    pts = np.clip(pts, -lim, lim).astype(np.int32)
    cv2.fillPoly(img, [pts], plane.rgb, cv2.LINE_8, 4)


def quad(x0: float, x1: float, y0: float, y1: float, z: float) -> np.ndarray:
    """A horizontal rectangle at height z."""
    return np.array([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]], float)


def wall_quad(y: float, x0: float, x1: float, z0: float, z1: float) -> np.ndarray:
    """A vertical rectangle in the plane y = const."""
    return np.array([[x0, y, z0], [x1, y, z0], [x1, y, z1], [x0, y, z1]], float)


def side_wall_quad(x: float, y0: float, y1: float, z0: float, z1: float) -> np.ndarray:
    """A vertical rectangle in the plane x = const."""
    return np.array([[x, y0, z0], [x, y1, z0], [x, y1, z1], [x, y0, z1]], float)


# --------------------------------------------------------------------------- drawing

LIGHT = np.array([-0.4, -0.6, -0.7]) / np.linalg.norm([-0.4, -0.6, -0.7])


@njit(cache=True)
def fill_triangles(img: np.ndarray, pts: np.ndarray, rgb: np.ndarray, order: np.ndarray) -> None:
    """Fill triangles in ``order`` (painter's algorithm), each with one colour.

    ``pts`` (F, 3, 2) are pixel coordinates (pixel centres at integers, as OpenCV's); a pixel is
    filled when its centre is inside the triangle or on its edge. Compiled with numba: the body's
    ~14,000 visible triangles in a few milliseconds instead of one OpenCV call each.
    """
    h, w = img.shape[0], img.shape[1]
    for k in order:
        x0, y0 = pts[k, 0, 0], pts[k, 0, 1]
        x1, y1 = pts[k, 1, 0], pts[k, 1, 1]
        x2, y2 = pts[k, 2, 0], pts[k, 2, 1]
        area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        if area == 0.0:
            continue
        lo_x = max(math.ceil(min(x0, x1, x2)), 0)
        hi_x = min(math.floor(max(x0, x1, x2)), w - 1)
        lo_y = max(math.ceil(min(y0, y1, y2)), 0)
        hi_y = min(math.floor(max(y0, y1, y2)), h - 1)
        r, g, b = rgb[k, 0], rgb[k, 1], rgb[k, 2]
        for py in range(lo_y, hi_y + 1):
            for px in range(lo_x, hi_x + 1):
                e0 = (x1 - px) * (y2 - py) - (x2 - px) * (y1 - py)
                e1 = (x2 - px) * (y0 - py) - (x0 - px) * (y2 - py)
                e2 = (x0 - px) * (y1 - py) - (x1 - px) * (y0 - py)
                if area > 0.0:
                    inside = e0 >= 0.0 and e1 >= 0.0 and e2 >= 0.0
                else:
                    inside = e0 <= 0.0 and e1 <= 0.0 and e2 <= 0.0
                if inside:
                    img[py, px, 0] = r
                    img[py, px, 1] = g
                    img[py, px, 2] = b


def render(
    cam: Camera,
    planes: list[Plane],
    meshes: list[Mesh],
    *,
    width_px: int,
    height_px: int,
    sky_rgb: tuple[int, int, int],
    ss: int,
) -> np.ndarray:
    """Draw the planes, then all triangles far to near; an RGB image at ss x the size."""
    img = np.empty((height_px * ss, width_px * ss, 3), np.uint8)
    img[:] = sky_rgb
    for p in planes:
        draw_plane(img, cam, p, ss)
    m = merge(meshes)
    ds = np.concatenate([np.full(len(x.faces), x.double_sided) for x in meshes])
    cv = cam.to_camera(m.vertices)
    tri = cv[m.faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    centroid = tri.mean(axis=1)
    facing = (np.einsum("ij,ij->i", n, -centroid) > 0) | ds
    in_front = tri[:, :, 2].min(axis=1) > NEAR_M
    # world-space light (camera-independent shading)
    nw = np.cross(
        m.vertices[m.faces[:, 1]] - m.vertices[m.faces[:, 0]],
        m.vertices[m.faces[:, 2]] - m.vertices[m.faces[:, 0]],
    )
    nw /= np.linalg.norm(nw, axis=1, keepdims=True) + 1e-12
    lam = np.einsum("ij,j->i", nw, LIGHT)
    lam = np.where(ds, np.abs(lam), np.clip(lam, 0.0, 1.0))
    colour = np.clip(m.face_rgb * (0.38 + 0.62 * lam)[:, None], 0, 255).astype(np.uint8)
    z = np.maximum(cv[:, 2], 1e-6)
    px = np.stack(
        [cam.focal_px * cv[:, 0] / z + cam.cx, cam.focal_px * cv[:, 1] / z + cam.cy], axis=1
    )
    keep = np.nonzero(facing & in_front)[0]
    order = keep[np.argsort(-centroid[keep, 2], kind="stable")]
    # supersampled pixel coordinates, pixel centres at integers
    pts = px[m.faces] * ss + (ss - 1) / 2.0
    fill_triangles(img, np.ascontiguousarray(pts), colour, order.astype(np.int64))
    return img


def downsample(img: np.ndarray, width_px: int, height_px: int) -> np.ndarray:
    """Area-average a supersampled image to its final size."""
    if img.shape[1] == width_px and img.shape[0] == height_px:
        return img
    return cv2.resize(img, (width_px, height_px), interpolation=cv2.INTER_AREA)


class Mp4Writer:
    """H.264 mp4 through an ffmpeg pipe (yuv420p, constant quality ``crf``)."""

    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int = 18) -> None:
        self.path = path
        self.tmp = path.with_suffix(".part.mp4")
        cmd = [
            "ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-", "-c:v", "libx264",
            "-preset", "medium", "-crf", str(crf), "-pix_fmt", "yuv420p", "-threads", "1",
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
