"""The rendered body: an anny mesh of one phenotype, dressed, posed per frame, plus attachments.

How to add things to the body (skin stickers, markers, a bib)::

    body = Body(phenotype, clothes)

    def stickers(posed: PosedBody) -> list[Mesh]:
        # posed.vertices (V,3) world metres; posed.bone_transforms (J,4,4) world transforms of
        # the bones (bone frame -> world); posed.skinning_matrices (J,4,4) rest -> posed;
        # body.vertex_bone_indices / vertex_bone_weights (V,K) are anny's skinning weights
        centre = posed.vertices[body.landmark_vertices["asis_left"]]
        return [disc_mesh(centre, normal, radius_m=0.015, rgb=(255, 255, 0))]

    body.attach(stickers)

Every frame, :meth:`Body.pose` returns a :class:`PosedBody` whose :meth:`PosedBody.meshes` holds
the body mesh and each attachment's meshes; the renderer (``scene.render``) draws them all in
one painter's-algorithm pass (back-face culled, depth-sorted triangles, flat Lambert shading), so
an attachment is hidden by the limbs in front of it like the skin is. A :class:`Mesh` is plain
arrays: vertices (N,3) world metres, triangles (M,3) with outward (counter-clockwise seen from
outside) winding, and one RGB colour per triangle; ``double_sided=True`` skips back-face culling
(for flat discs).

``Body.landmark_vertices`` names rest-pose vertices nearest the anatomical landmarks (ASIS and
PSIS per side: approximate, found from the hip joint centres and the pelvis surface, see
:func:`pelvis_landmark_vertices`); the skin moves with them through anny's skinning.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from gait import FramePose, Skeleton


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
class Mesh:
    """Triangles to draw: vertices (N,3) metres, faces (M,3), one RGB (0-255) per face."""

    vertices: np.ndarray
    faces: np.ndarray
    face_rgb: np.ndarray
    double_sided: bool = False


@dataclasses.dataclass(frozen=True)
class PosedBody:
    """One frame of the body.

    Attributes
    ----------
    vertices
        Skinned vertices (V, 3), world metres.
    faces, face_rgb
        The body's triangles and their colours (clothes).
    bone_heads
        Bone head positions (J, 3) (joint centres; names in ``Body.labels``).
    bone_transforms
        World transforms of the bones (J, 4, 4).
    skinning_matrices
        Rest -> posed transforms (J, 4, 4): a rest point skinned to bone j alone moves to
        ``skinning_matrices[j] @ [p, 1]``.
    pose
        The :class:`gait.FramePose` it was posed from.
    extras
        The attachments' meshes for this frame.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_rgb: np.ndarray
    bone_heads: np.ndarray
    bone_transforms: np.ndarray
    skinning_matrices: np.ndarray
    pose: FramePose
    extras: tuple[Mesh, ...] = ()

    def meshes(self) -> list[Mesh]:
        """The body and its attachments, as the renderer draws them."""
        return [Mesh(self.vertices, self.faces, self.face_rgb), *self.extras]


Attachment = Callable[[PosedBody], "list[Mesh]"]
_MODEL: dict[str, object] = {}


class Body:
    """An anny body of one phenotype, dressed, posed by world segment rotations."""

    def __init__(self, phenotype: dict[str, float], clothes: Clothes) -> None:
        # anny builds ~800 MB of model data once; keep it in this checkout (ignored by git)
        os.environ.setdefault(
            "ANNY_CACHE_DIR", str(Path(__file__).resolve().parent / ".cache" / "anny")
        )
        import anny
        import torch

        self.torch = torch
        if "model" not in _MODEL:  # one anny model per process (building it takes seconds)
            _MODEL["model"] = anny.Anny(pose_parameterization="world-orient")
        self.model = _MODEL["model"]
        self.labels: list[str] = list(self.model.bone_labels)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.parents = [int(p) for p in self.model.bone_parents]
        self.phenotype_kwargs = {k: float(v) for k, v in phenotype.items()}
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=self.phenotype_kwargs)
        self.rest_poses = rest["rest_bone_poses"][0].numpy().astype(np.float64)  # (J,4,4)
        self._rest_inv = np.linalg.inv(self.rest_poses)
        self.rest_heads = rest["rest_bone_heads"][0].numpy()  # (J,3)
        self.rest_vertices = rest["rest_vertices"][0].numpy()
        self.faces = self.model.get_triangular_faces().numpy().astype(np.int64)
        self.vertex_bone_indices = self.model.vertex_bone_indices.numpy()
        self.vertex_bone_weights = self.model.vertex_bone_weights.numpy()
        self.materials = self._materials(clothes)
        palette = np.array(
            [
                clothes.skin_rgb,
                clothes.shirt_rgb,
                clothes.shorts_rgb,
                clothes.shoes_rgb,
                clothes.hair_rgb,
            ],
            dtype=np.float64,
        )
        self.face_rgb = palette[self.materials]
        self.floor_z = float(self.rest_vertices[:, 2].min())
        self.sole_vertices = {s: self._sole(s) for s in ("L", "R")}
        self.landmark_vertices = pelvis_landmark_vertices(self)
        self.attachments: list[Attachment] = []

    def attach(self, fn: Attachment) -> None:
        """Add a per-frame attachment: ``fn(posed) -> list[Mesh]`` drawn with the body."""
        self.attachments.append(fn)

    # --- dominant bone per vertex
    def dominant_bone(self) -> np.ndarray:
        """Index of the bone with the largest skinning weight, per vertex."""
        best = np.argmax(self.vertex_bone_weights, axis=1)
        return np.take_along_axis(self.vertex_bone_indices, best[:, None], axis=1)[:, 0]

    def _sole(self, side: str) -> np.ndarray:
        """Indices of the foot's sole vertices (within 15 mm of the foot's lowest point)."""
        names = np.array(self.labels)[self.dominant_bone()]
        foot = np.char.startswith(names, "foot") | np.char.startswith(names, "toe")
        foot &= np.char.endswith(names, f".{side}")
        idx = np.nonzero(foot)[0]
        z = self.rest_vertices[idx, 2]
        return idx[z < z.min() + 0.015]

    def skeleton(self) -> Skeleton:
        """What the kinematics needs: bones, rest heads, sole points and the floor."""
        heel, toe, sole = {}, {}, {}
        for s in ("L", "R"):
            v = self.rest_vertices[self.sole_vertices[s]]
            sole[s] = v
            low = v[v[:, 2] < v[:, 2].min() + 0.004]
            back = v[v[:, 1] > v[:, 1].max() - 0.03]
            front = v[v[:, 1] < v[:, 1].min() + 0.03]
            x_mid = float(np.median(low[:, 0]))
            heel[s] = np.array([x_mid, float(back[:, 1].max()), float(back[:, 2].min())])
            toe[s] = np.array([x_mid, float(front[:, 1].min()), float(front[:, 2].min())])
        return Skeleton(
            labels=tuple(self.labels),
            parents=tuple(self.parents),
            rest_heads=self.rest_heads.copy(),
            heel=heel,
            toe=toe,
            sole=sole,
            floor_z=self.floor_z,
        )

    # --- clothing regions
    def _materials(self, clothes: Clothes) -> np.ndarray:
        """Per-face region: 0 skin, 1 shirt, 2 shorts, 3 shoes, 4 hair (from rest face centres)."""
        dom = self.dominant_bone()
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
            out[s] = (
                (el - sh) / np.linalg.norm(el - sh),
                (wr - el) / np.linalg.norm(wr - el),
            )
        return out

    def pose(self, frame: FramePose, *, with_extras: bool = True) -> PosedBody:
        """Skin the body for one frame (and build the attachments' meshes)."""
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
        delta[0, :3, 3] = frame.root_m
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(delta[None], dtype=self.model.dtype),
                phenotype_kwargs=self.phenotype_kwargs,
            )
        transforms = out["bone_poses"][0].numpy().astype(np.float64)
        skin = transforms @ self._rest_inv
        posed = PosedBody(
            vertices=out["vertices"][0].numpy().astype(np.float64),
            faces=self.faces,
            face_rgb=self.face_rgb,
            bone_heads=transforms[:, :3, 3].copy(),
            bone_transforms=transforms,
            skinning_matrices=skin,
            pose=frame,
        )
        if with_extras and self.attachments:
            extras = tuple(m for fn in self.attachments for m in fn(posed))
            posed = dataclasses.replace(posed, extras=extras)
        return posed

    def bone_transforms(self, frame: FramePose) -> np.ndarray:
        """World bone transforms (J, 4, 4) of a pose, computed here the way anny poses
        (world rotation times rest orientation, heads chained from the root): cheap, for the
        many sub-frame instants the contact truth needs."""
        j = len(self.labels)
        g: list[np.ndarray] = [np.eye(3)] * j
        out = np.tile(np.eye(4), (j, 1, 1))
        for c in range(j):
            p = self.parents[c]
            name = self.labels[c]
            if name in frame.rotations:
                g[c] = frame.rotations[name]
            elif c > 0:
                g[c] = g[p]
            out[c, :3, :3] = g[c] @ self.rest_poses[c, :3, :3]
            if c == 0 or p < 0:
                out[c, :3, 3] = frame.root_m
            else:
                out[c, :3, 3] = out[p, :3, 3] + g[p] @ (self.rest_heads[c] - self.rest_heads[p])
        return out

    def skin(self, frame: FramePose, vertex_ids: np.ndarray) -> np.ndarray:
        """Linear-blend-skinned positions of some vertices (numpy; matches :meth:`pose`)."""
        skin = self.bone_transforms(frame) @ self._rest_inv
        idx = self.vertex_bone_indices[vertex_ids]
        w = self.vertex_bone_weights[vertex_ids]
        rest = np.concatenate([self.rest_vertices[vertex_ids], np.ones((len(vertex_ids), 1))], 1)
        m = np.einsum("vk,vkab->vab", w, skin[idx])
        return np.einsum("vab,vb->va", m, rest)[:, :3]

    def soles(self, frame: FramePose) -> dict[str, np.ndarray]:
        """Sole vertex positions of both feet ('L', 'R'), world metres."""
        ids = np.concatenate([self.sole_vertices["L"], self.sole_vertices["R"]])
        pts = self.skin(frame, ids)
        n = len(self.sole_vertices["L"])
        return {"L": pts[:n], "R": pts[n:]}

    def joint(self, heads: np.ndarray, name: str) -> np.ndarray:
        """Position of a named bone head (a joint centre)."""
        return heads[self.index[name]]


def pelvis_landmark_vertices(body: Body) -> dict[str, int]:
    """Rest-pose vertices nearest the ASIS and PSIS of each side (approximate).

    From the rest hip joint centres (anny ``upperleg01`` heads, about 0.2 m apart, wider than
    anatomical ones): ASIS about 9 cm above the hip centre and 1 cm inside it, the most
    anterior skin there; PSIS about 11 cm above, 4.5 cm from the mid-line, the most posterior
    skin. Only vertices skinned mainly to the pelvis or lower spine are candidates. Good to a
    centimetre or two: enough to place a sticker where a clinician would look for the bone.
    """
    names = np.array(body.labels)[body.dominant_bone()]
    cand = np.isin(names, ["root", "pelvis.L", "pelvis.R", "spine05", "spine04"])
    v = body.rest_vertices
    out = {}
    for side, s in (("left", "L"), ("right", "R")):
        hip = body.rest_heads[body.index[f"upperleg01.{s}"]]
        sgn = 1.0 if s == "L" else -1.0
        for name, x, dz, front in (
            ("asis", hip[0] - sgn * 0.01, 0.09, True),
            ("psis", sgn * 0.045, 0.11, False),
        ):
            near = cand & (np.abs(v[:, 0] - x) < 0.015) & (np.abs(v[:, 2] - (hip[2] + dz)) < 0.015)
            idx = np.nonzero(near)[0]
            if idx.size == 0:
                continue
            pick = idx[np.argmin(v[idx, 1])] if front else idx[np.argmax(v[idx, 1])]
            out[f"{name}_{side}"] = int(pick)
    return out
