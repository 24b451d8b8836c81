"""Detect and undo left/right landmark swaps (the commonest tracking failure on treadmills).

A swap is a frame (usually a short burst of frames) where the pose model gives the left leg's
landmarks the right leg's labels and vice versa. Looking at one frame alone a swap is invisible;
it shows as a jump against the neighbouring frames. So the labelling of every frame is chosen
*globally*: each frame is either kept or swapped, and a dynamic programme (Viterbi) picks the
sequence of keep/swap decisions that makes the corrected tracks most continuous.

Model
-----
For each group of landmarks that swap together (legs, arms, face), positions are normalised by
leg length (pixels for image coordinates, metres for world coordinates). The cost of a sequence
of decisions ``s_t`` (0 keep, 1 swap) is

``sum_t  sum_points rho(| X_t(s_t) - pred_t(s_{t-1}, s_{t-2}) |^2)  +  swap_cost * s_t``

where ``X_t(s)`` are the frame's positions under decision ``s``, ``pred_t`` extrapolates the two
previous frames at constant velocity (to the frame's real time, over dropped frames too) and
``rho(e) = min(e, cap^2)`` caps each landmark's term so that one wild landmark cannot force a
swap. The small ``swap_cost`` breaks the tie between a labelling and its mirror image in favour
of the model's own labels, so clean tracks stay untouched. The state of the dynamic programme is
the pair ``(s_{t-1}, s_t)`` (four states), which makes the constant-velocity prediction exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from gaitlab.pose.body import leg_length_m, leg_length_px
from gaitlab.pose.landmarks import INDEX, MIRROR_INDEX, N_LANDMARKS
from gaitlab.pose.tracks import PoseTracks

#: Landmarks (left names; the right ones are their mirrors) that swap together.
SWAP_GROUPS: dict[str, tuple[str, ...]] = {
    "legs": ("left_hip", "left_knee", "left_ankle", "left_heel", "left_foot_index"),
    "arms": (
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_pinky",
        "left_index",
        "left_thumb",
    ),
    "face": ("left_eye_inner", "left_eye", "left_eye_outer", "left_ear", "mouth_left"),
}

#: A gap longer than this (s) breaks the continuity chain: prediction across it is not trusted.
MAX_PREDICTION_GAP_S: float = 0.25


def fix_swaps(
    tracks: PoseTracks,
    *,
    view: Literal["side", "rear", "front"] | None = None,
    use_world: bool = True,
    swap_cost: float = 0.02,
    cap_leg: float = 0.4,
) -> PoseTracks:
    """Detect left/right swaps frame by frame and exchange the labels back.

    Parameters
    ----------
    tracks
        Landmark tracks (raw: before gap filling and filtering, which would smear a swap).
    view
        Camera view if known. In a side view the two hip landmarks nearly coincide in the image,
        so their image positions are left out of the legs' cost (their world positions, which
        differ in depth, are kept). None uses every landmark.
    use_world
        Also use MediaPipe's world coordinates (they separate the legs in depth in a side view).
    swap_cost
        Cost of labelling a frame as swapped, in squared leg lengths: the prior that the model's
        labels are right. Small against the cost of a real swap (about 0.1-1 per landmark).
    cap_leg
        Each landmark's prediction error is capped at this many leg lengths.

    Returns
    -------
    PoseTracks
        Tracks with swapped frames exchanged back. The step records, per landmark group, the
        indices of the frames that were swapped (``swapped_frames``, for the legs) and counts.
    """
    swapped = detect_swaps(
        tracks, view=view, use_world=use_world, swap_cost=swap_cost, cap_leg=cap_leg
    )
    out = apply_swaps(tracks, swapped)
    return out.with_step(
        "fix_swaps",
        view=view,
        use_world=use_world,
        swap_cost=swap_cost,
        cap_leg=cap_leg,
        swapped_frames=np.flatnonzero(swapped["legs"]).tolist(),
        n_swapped={group: int(mask.sum()) for group, mask in swapped.items()},
    )


def detect_swaps(
    tracks: PoseTracks,
    *,
    view: Literal["side", "rear", "front"] | None = None,
    use_world: bool = True,
    swap_cost: float = 0.02,
    cap_leg: float = 0.4,
) -> dict[str, np.ndarray]:
    """``(T,)`` boolean mask of swapped frames for each group of :data:`SWAP_GROUPS`.

    See :func:`fix_swaps` for the parameters.
    """
    leg_px = leg_length_px(tracks)
    leg_m = leg_length_m(tracks)
    out: dict[str, np.ndarray] = {}
    for group, names in SWAP_GROUPS.items():
        left = [INDEX[n] for n in names]
        right = [MIRROR_INDEX[i] for i in left]
        image_left = [i for i in left if not (view == "side" and i == INDEX["left_hip"])]
        image_right = [MIRROR_INDEX[i] for i in image_left]
        parts = [_normalised(tracks.image_xy_px, image_left, image_right, leg_px)]
        if use_world:
            parts.append(_normalised(tracks.world_xyz_m, left, right, leg_m))
        out[group] = _viterbi_swaps(parts, tracks.time_s, swap_cost=swap_cost, cap=cap_leg)
    return out


def apply_swaps(tracks: PoseTracks, swapped: dict[str, np.ndarray]) -> PoseTracks:
    """Exchange the left and right landmarks of each group in the frames marked swapped."""
    # permutation per frame: start from identity, mirror the indices of swapped groups
    perm = np.tile(np.arange(N_LANDMARKS), (tracks.n_frames, 1))
    for group, mask in swapped.items():
        left = [INDEX[n] for n in SWAP_GROUPS[group]]
        right = [MIRROR_INDEX[i] for i in left]
        idx = np.flatnonzero(mask)
        perm[np.ix_(idx, left)] = right
        perm[np.ix_(idx, right)] = left
    rows = np.arange(tracks.n_frames)[:, None]
    return tracks.replace(
        image_xy_px=tracks.image_xy_px[rows, perm],
        world_xyz_m=tracks.world_xyz_m[rows, perm],
        visibility=tracks.visibility[rows, perm],
        presence=tracks.presence[rows, perm],
    )


def _normalised(
    coords: np.ndarray, left: Sequence[int], right: Sequence[int], scale: float
) -> np.ndarray:
    """``(T, 2 sides, P, D)`` positions of a group divided by a body scale."""
    if not np.isfinite(scale) or scale <= 0:
        return np.full((coords.shape[0], 2, len(left), coords.shape[2]), np.nan)
    return np.stack([coords[:, list(left)], coords[:, list(right)]], axis=1) / scale


def _viterbi_swaps(
    parts: Sequence[np.ndarray], time_s: np.ndarray, *, swap_cost: float, cap: float
) -> np.ndarray:
    """Globally optimal keep/swap labelling of each frame (see the module docstring)."""
    n = time_s.shape[0]
    p = np.concatenate([x.reshape(n, 2, -1, x.shape[-1]) for x in parts if x.shape[-1] == 2], 2)
    q = [x for x in parts if x.shape[-1] == 3]
    # put 2-D and 3-D coordinates on a common footing: pad 2-D points with a zero third axis
    pts = [np.concatenate([p, np.zeros((*p.shape[:-1], 1))], axis=-1), *q]
    pts = np.concatenate(pts, axis=2)  # (T, 2 sides, P, 3)
    has_data = np.isfinite(pts).all(axis=-1).any(axis=(1, 2))
    frames = np.flatnonzero(has_data)
    result = np.zeros(n, dtype=bool)
    if frames.size < 3:
        return result
    x = pts[frames]
    t = time_s[frames]
    # x_s[k, s]: positions of frame k under decision s (0 keep, 1 swap)
    xs = np.stack([x, x[:, ::-1]], axis=1)  # (K, 2 states, 2 sides, P, 3)
    valid = np.isfinite(x).all(axis=-1).all(axis=1)  # (K, P): point present on both sides
    first, cost = _transition_costs(xs, valid, t, cap)
    labels = _solve(first, cost, swap_cost)
    result[frames] = labels.astype(bool)
    return result


def _transition_costs(
    xs: np.ndarray, valid: np.ndarray, t: np.ndarray, cap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Costs of the decisions at each frame given the two before.

    Returns
    -------
    first : numpy.ndarray
        ``(2, 2)`` cost of ``(s_0, s_1)``: frame 1 against frame 0 at constant position.
    cost : numpy.ndarray
        ``(K, 2, 2, 2)`` cost of ``(s_{k-2}, s_{k-1}, s_k)`` at frame ``k`` (zero for k < 2).
    """
    cost = np.zeros((xs.shape[0], 2, 2, 2))
    x0 = xs[2:][:, None, None, :]  # (K-2, 1, 1, s0, sides, P, 3)
    x1 = xs[1:-1][:, None, :, None]  # (K-2, 1, s1, 1, ...)
    x2 = xs[:-2][:, :, None, None]  # (K-2, s2, 1, 1, ...)
    dt1 = t[2:] - t[1:-1]
    dt2 = t[1:-1] - t[:-2]
    ratio = np.where(dt2 <= MAX_PREDICTION_GAP_S, dt1 / dt2, 0.0)
    pred = x1 + (x1 - x2) * ratio[:, None, None, None, None, None, None]
    err2 = np.minimum(np.sum((x0 - pred) ** 2, axis=-1), cap**2)  # (K-2, 2, 2, 2, sides, P)
    ok = valid[2:] & valid[1:-1] & valid[:-2]  # (K-2, P)
    ok = ok & (dt1 <= MAX_PREDICTION_GAP_S)[:, None]
    err2 = np.where(ok[:, None, None, None, None, :], err2, 0.0)
    cost[2:] = err2.sum(axis=(-1, -2))
    e1 = np.sum((xs[1][None, :] - xs[0][:, None]) ** 2, axis=-1)  # (s0, s1, sides, P)
    e1 = np.minimum(e1, cap**2)
    ok1 = valid[0] & valid[1]
    first = np.where(ok1, e1, 0.0).sum(axis=(-1, -2))
    return first, cost


def _solve(first: np.ndarray, cost: np.ndarray, swap_cost: float) -> np.ndarray:
    """Viterbi over pair states ``(s_{k-1}, s_k)``; returns the best ``s_k`` for every frame."""
    k_count = cost.shape[0]
    unary = np.array([0.0, swap_cost])
    # acc[a, b]: best total cost of a path ending with s_{k-1} = a, s_k = b
    acc = unary[:, None] + unary[None, :] + first
    back = np.zeros((k_count, 2, 2), dtype=np.int8)
    for k in range(2, k_count):
        # cand[c, a, b] = acc[c, a] + cost[k, c, a, b]; minimise over c = s_{k-2}
        cand = acc[:, :, None] + cost[k]
        back[k] = np.argmin(cand, axis=0)
        acc = np.min(cand, axis=0) + unary[None, :]
    labels = np.zeros(k_count, dtype=np.int8)
    a, b = np.unravel_index(int(np.argmin(acc)), acc.shape)
    labels[-2], labels[-1] = a, b
    for k in range(k_count - 1, 1, -1):
        labels[k - 2] = back[k, labels[k - 1], labels[k]]
    return labels
