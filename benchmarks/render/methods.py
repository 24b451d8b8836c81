"""Candidate pixel-level measures, each a pure function: landmarks (and image/mask) in, number out.

Inputs shared by all functions:

* ``landmarks_px``: ``(33, 2)`` float array, MediaPipe BlazePose image landmarks in pixels
  (x right, y down), NaN where missing; left/right are the *runner's* (MediaPipe's labels).
* ``mask``: ``(H, W)`` bool array, the person's segmentation (MediaPipe's mask > 0.5).
* ``rgb``: ``(H, W, 3)`` uint8 frame.

Sign conventions (chosen to match ``render_clips.py``'s truth):

* frontal angles: + = the runner's left side lower / the trunk leaning to the runner's left;
  they work for rear and front views alike (the runner's left is found from the hip landmarks).
* sagittal angles: ``facing_sign`` = +1 when the runner faces image +x; thigh angle + = knee
  behind the hip (extension); trunk forward lean + = shoulders ahead of the hips.

Only numpy and OpenCV; nothing here depends on torch or on the renderer, so the functions that
work can move into ``gaitlab`` as they are.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

L_SHOULDER, R_SHOULDER = 11, 12
L_ELBOW, R_ELBOW = 13, 14
L_WRIST, R_WRIST = 15, 16
L_INDEX, R_INDEX = 19, 20
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_HEEL, R_HEEL = 29, 30
L_FOOT, R_FOOT = 31, 32
NOSE, L_EAR, R_EAR = 0, 7, 8


# --------------------------------------------------------------------------- landmark geometry


def hip_midpoint_px(landmarks_px: np.ndarray) -> np.ndarray:
    """Midpoint of the two hip landmarks, ``(2,)`` pixels."""
    return 0.5 * (landmarks_px[L_HIP] + landmarks_px[R_HIP])


def shoulder_midpoint_px(landmarks_px: np.ndarray) -> np.ndarray:
    """Midpoint of the two shoulder landmarks, ``(2,)`` pixels."""
    return 0.5 * (landmarks_px[L_SHOULDER] + landmarks_px[R_SHOULDER])


def torso_length_px(landmarks_px: np.ndarray) -> float:
    """Distance from the hip midpoint to the shoulder midpoint (a body scale), pixels."""
    return float(np.linalg.norm(shoulder_midpoint_px(landmarks_px) - hip_midpoint_px(landmarks_px)))


def runner_left_sign(landmarks_px: np.ndarray) -> float:
    """+1 if the runner's left is toward image +x (front view), -1 if toward -x (rear view)."""
    return 1.0 if landmarks_px[L_HIP, 0] > landmarks_px[R_HIP, 0] else -1.0


def hip_line_angle_deg(landmarks_px: np.ndarray) -> float:
    """Angle of the line between the hip landmarks against the image horizontal.

    + = the runner's left hip landmark lower in the image. This is the naive "2D pelvic drop";
    the landmarks are joint-centre guesses, not the pelvis.
    """
    d = landmarks_px[L_HIP] - landmarks_px[R_HIP]
    return math.degrees(math.atan2(d[1], abs(d[0])))


def trunk_lateral_lean_deg(landmarks_px: np.ndarray) -> float:
    """Hip-midpoint-to-shoulder-midpoint line against the image vertical, frontal view.

    + = shoulders displaced toward the runner's left.
    """
    d = shoulder_midpoint_px(landmarks_px) - hip_midpoint_px(landmarks_px)
    return math.degrees(math.atan2(runner_left_sign(landmarks_px) * d[0], -d[1]))


def facing_sign(landmarks_px: np.ndarray) -> float:
    """+1 if the runner faces image +x (side view), from the nose against the ears."""
    ears = 0.5 * (landmarks_px[L_EAR, 0] + landmarks_px[R_EAR, 0])
    d = landmarks_px[NOSE, 0] - ears
    if not np.isfinite(d) or abs(d) < 1e-6:
        toes = 0.5 * (landmarks_px[L_FOOT, 0] + landmarks_px[R_FOOT, 0])
        heels = 0.5 * (landmarks_px[L_HEEL, 0] + landmarks_px[R_HEEL, 0])
        d = toes - heels
    return 1.0 if d > 0 else -1.0


def thigh_angle_deg(landmarks_px: np.ndarray, side: str, facing: float) -> float:
    """Hip-to-knee line against the downward image vertical; + = knee behind the hip.

    ``side`` is ``"left"`` or ``"right"``; ``facing`` from :func:`facing_sign`.
    """
    hip, knee = (L_HIP, L_KNEE) if side == "left" else (R_HIP, R_KNEE)
    d = landmarks_px[knee] - landmarks_px[hip]
    return math.degrees(math.atan2(-facing * d[0], d[1]))


def trunk_forward_lean_deg(landmarks_px: np.ndarray, facing: float) -> float:
    """Hip-midpoint-to-shoulder-midpoint line against the vertical; + = shoulders ahead."""
    d = shoulder_midpoint_px(landmarks_px) - hip_midpoint_px(landmarks_px)
    return math.degrees(math.atan2(facing * d[0], -d[1]))


# --------------------------------------------------------------------------- mask helpers


def remove_arms(mask: np.ndarray, landmarks_px: np.ndarray, width_frac: float = 0.22) -> np.ndarray:
    """The mask with both arms (shoulder-elbow-wrist-hand capsules) erased.

    The capsule width is ``width_frac`` times the torso length. The shoulder end starts a little
    down the upper arm so the torso edge at the armpit is not cut away.
    """
    out = mask.astype(np.uint8).copy()
    thick = max(2, round(width_frac * torso_length_px(landmarks_px)))
    for sh, el, wr, ix in (
        (L_SHOULDER, L_ELBOW, L_WRIST, L_INDEX),
        (R_SHOULDER, R_ELBOW, R_WRIST, R_INDEX),
    ):
        pts = landmarks_px[[sh, el, wr, ix]]
        if not np.all(np.isfinite(pts)):
            continue
        start = pts[0] + 0.35 * (pts[1] - pts[0])
        chain = [start, pts[1], pts[2], pts[3]]
        for a, b in itertools.pairwise(chain):
            cv2.line(out, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), 0, thick)
        cv2.circle(out, tuple(np.round(pts[3]).astype(int)), thick // 2 + 1, 0, -1)
    return out.astype(bool)


def row_run(mask_row: np.ndarray, x_centre: float) -> tuple[float, float]:
    """Ends (first, last column) of the run of mask pixels containing ``x_centre``; NaN if none."""
    w = mask_row.shape[0]
    c = round(x_centre)
    if c < 0 or c >= w or not mask_row[c]:
        return (math.nan, math.nan)
    off = np.flatnonzero(~mask_row)
    left = off[off < c]
    right = off[off > c]
    a = (left[-1] + 1) if left.size else 0
    b = (right[0] - 1) if right.size else w - 1
    return (float(a), float(b))


def side_edges(
    mask: np.ndarray,
    landmarks_px: np.ndarray,
    top_frac: float,
    bottom_frac: float,
    reach_frac: float = 1.3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outer silhouette edges in a band of rows around the hips.

    The band runs from ``top_frac`` torso lengths above the hip midpoint to ``bottom_frac``
    below it. In each row the outermost mask pixel on each side of the hip-to-shoulder centre
    line is taken, looking no further from it than ``reach_frac`` times the hip-landmark
    distance or half the torso length, whichever is larger; holes inside are ignored.
    Returns (rows, left_end_x, right_end_x) in image terms (left = smaller x), NaN if empty.
    """
    hip = hip_midpoint_px(landmarks_px)
    sho = shoulder_midpoint_px(landmarks_px)
    torso = float(np.linalg.norm(sho - hip))
    hip_w = float(abs(landmarks_px[L_HIP, 0] - landmarks_px[R_HIP, 0]))
    reach = max(reach_frac * hip_w, 0.5 * torso)
    h, w = mask.shape
    y0 = max(0, int(hip[1] - top_frac * torso))
    y1 = min(h - 1, int(hip[1] + bottom_frac * torso))
    rows = np.arange(y0, y1 + 1)
    lo = np.full(rows.shape, np.nan)
    hi = np.full(rows.shape, np.nan)
    for k, y in enumerate(rows):
        t = (hip[1] - y) / max(hip[1] - sho[1], 1e-6)
        xc = hip[0] + np.clip(t, 0.0, 1.0) * (sho[0] - hip[0])
        a, b = max(0, int(xc - reach)), min(w - 1, int(xc + reach))
        on = np.flatnonzero(mask[y, a : b + 1])
        if on.size:
            lo[k], hi[k] = a + on[0], a + on[-1]
    return rows, lo, hi


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Moving average over n samples, NaN-aware."""
    if n <= 1:
        return x
    ok = np.isfinite(x).astype(float)
    k = np.ones(n)
    num = np.convolve(np.where(ok > 0, x, 0.0), k, mode="same")
    den = np.convolve(ok, k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > n / 2, num / den, np.nan)


# ------------------------------------------------------------------------- pelvic drop from pixels


def pelvic_drop_edge_shift_deg(
    mask: np.ndarray,
    landmarks_px: np.ndarray,
    top_frac: float = 0.55,
    bottom_frac: float = 0.35,
    max_shift_frac: float = 0.15,
) -> float:
    """Pelvic drop from the vertical offset between the left and right silhouette edges.

    Rear or front view. The arms are erased from the mask, then each side's outer edge is taken
    row by row in a band from the waist to below the buttocks, as its distance from the body's
    centre line. A frontal tilt of the pelvis moves one side's waist/hip contour down and the
    other's up; the vertical shift that best matches the two profiles (least mean absolute
    difference, sub-pixel by a parabola) divided by the pelvis width at hip level gives the
    angle. + = the runner's left side lower. NaN when the band is too broken.
    """
    clean = remove_arms(mask, landmarks_px)
    rows, lo, hi = side_edges(clean, landmarks_px, top_frac, bottom_frac)
    centre = hip_midpoint_px(landmarks_px)[0]
    prof_a = _smooth(centre - lo, 3)  # image-left edge
    prof_b = _smooth(hi - centre, 3)  # image-right edge
    hip_row = int(np.argmin(np.abs(rows - hip_midpoint_px(landmarks_px)[1])))
    width = float(hi[hip_row] - lo[hip_row]) if np.isfinite(hi[hip_row] - lo[hip_row]) else math.nan
    if not np.isfinite(width) or width < 4 or np.isfinite(prof_a).sum() < 0.5 * len(rows):
        return math.nan
    max_shift = max(2, int(max_shift_frac * torso_length_px(landmarks_px)))
    shifts = np.arange(-max_shift, max_shift + 1)
    cost = np.full(shifts.shape, np.inf)
    for k, s in enumerate(shifts):
        # compare a(y) with b(y + s): s > 0 means the right-hand profile sits lower
        a = prof_a[max(0, -s) : len(rows) - max(0, s)]
        b = prof_b[max(0, s) : len(rows) - max(0, -s)] if s >= 0 else prof_b[: len(rows) + s]
        n = min(len(a), len(b))
        d = np.abs(a[:n] - b[:n])
        ok = np.isfinite(d)
        if ok.sum() > 0.4 * len(rows):
            cost[k] = float(d[ok].mean())
    k = int(np.argmin(cost))
    if not np.isfinite(cost[k]):
        return math.nan
    s = float(shifts[k])
    if 0 < k < len(shifts) - 1 and np.isfinite(cost[k - 1]) and np.isfinite(cost[k + 1]):
        den = cost[k - 1] - 2 * cost[k] + cost[k + 1]
        if den > 0:
            s += 0.5 * (cost[k - 1] - cost[k + 1]) / den
    # s > 0: image-right side lower. Runner's left is image-left in a rear view (sign -1).
    right_lower_deg = math.degrees(math.asin(np.clip(s / width, -1, 1)))
    return right_lower_deg * runner_left_sign(landmarks_px)


def pelvic_drop_bulge_deg(
    mask: np.ndarray,
    landmarks_px: np.ndarray,
    top_frac: float = 0.1,
    bottom_frac: float = 0.35,
    plateau_frac: float = 0.02,
) -> float:
    """Pelvic drop from the heights of the widest points of the hips on each side.

    Rear or front view. Arms erased; in a band from ``top_frac`` torso lengths above the hip
    landmarks to ``bottom_frac`` below (below the swinging hands), each side's outer edge is
    measured from the centre line; the hip/buttock bulge height is the centre of the rows within
    ``plateau_frac`` torso lengths of that side's widest point (the widest row alone jumps along
    a flat contour). The line joining the two bulge points gives the angle.
    + = the runner's left side lower.
    """
    clean = remove_arms(mask, landmarks_px)
    rows, lo, hi = side_edges(clean, landmarks_px, top_frac, bottom_frac)
    centre = hip_midpoint_px(landmarks_px)[0]
    a = _smooth(centre - lo, 3)
    b = _smooth(hi - centre, 3)
    if np.isfinite(a).sum() < 5 or np.isfinite(b).sum() < 5:
        return math.nan
    tol = plateau_frac * torso_length_px(landmarks_px)
    ya = float(np.mean(rows[a >= np.nanmax(a) - tol]))
    yb = float(np.mean(rows[b >= np.nanmax(b) - tol]))
    xa, xb = centre - np.nanmax(a), centre + np.nanmax(b)
    right_lower_deg = math.degrees(math.atan2(yb - ya, xb - xa))
    return right_lower_deg * runner_left_sign(landmarks_px)


def pelvic_drop_waistband_deg(
    rgb: np.ndarray, mask: np.ndarray, landmarks_px: np.ndarray, top_frac: float = 0.6
) -> float:
    """Pelvic drop from a horizontal colour edge (e.g. the shirt/shorts waistband) on the back.

    Rear or front view. In the columns between the hip landmarks (inner 70%) and rows from
    ``top_frac`` torso lengths above the hips down to the hips, each column's strongest vertical
    colour change inside the mask is found; a line fitted to them (with outliers trimmed) gives
    the angle. Depends on clothing: needs a visible colour boundary at the waist.
    + = the runner's left side lower.
    """
    hip_l, hip_r = landmarks_px[L_HIP], landmarks_px[R_HIP]
    x0, x1 = sorted([hip_l[0], hip_r[0]])
    span = x1 - x0
    x0, x1 = int(x0 + 0.15 * span), int(x1 - 0.15 * span)
    if x1 - x0 < 4:
        return math.nan
    torso = torso_length_px(landmarks_px)
    ymid = 0.5 * (hip_l[1] + hip_r[1])
    y0, y1 = max(1, int(ymid - top_frac * torso)), min(rgb.shape[0] - 2, int(ymid))
    if y1 - y0 < 4:
        return math.nan
    sub = rgb[y0 - 1 : y1 + 2, x0 : x1 + 1].astype(np.float32)
    grad = np.abs(sub[2:] - sub[:-2]).sum(axis=2)  # central difference along y
    grad *= mask[y0 : y1 + 1, x0 : x1 + 1]
    ys = np.argmax(grad, axis=0).astype(float) + y0
    strength = grad.max(axis=0)
    xs = np.arange(x0, x1 + 1, dtype=float)
    ok = strength > 30.0
    if ok.sum() < 5:
        return math.nan
    xs, ys = xs[ok], ys[ok]
    for _ in range(3):
        p = np.polyfit(xs, ys, 1)
        r = np.abs(ys - np.polyval(p, xs))
        keep = r <= max(1.5, 2.0 * np.median(r))
        if keep.sum() < 5:
            break
        xs, ys = xs[keep], ys[keep]
    p = np.polyfit(xs, ys, 1)
    right_lower_deg = math.degrees(math.atan(p[0]))
    return right_lower_deg * runner_left_sign(landmarks_px)


# --------------------------------------------------------------------------- anterior tilt (side)


def back_contour(
    mask: np.ndarray, landmarks_px: np.ndarray, facing: float, top_frac: float, bottom_frac: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and x of the posterior silhouette edge (arms erased) in a band around the hips."""
    clean = remove_arms(mask, landmarks_px, width_frac=0.25)
    rows, lo, hi = side_edges(clean, landmarks_px, top_frac, bottom_frac)
    back = lo if facing > 0 else hi
    return rows, back


def back_line_tilt_deg(
    mask: np.ndarray,
    landmarks_px: np.ndarray,
    facing: float,
    top_frac: float = 0.45,
    bottom_frac: float = 0.15,
) -> float:
    """Side view: orientation of the lower-back-to-buttock contour relative to the trunk line.

    A line is fitted (x as a function of y) to the posterior silhouette edge from ``top_frac``
    torso lengths above the hip landmarks (lumbar curve) to ``bottom_frac`` below (buttocks);
    its angle from the vertical (+ = lower end further back) minus the trunk's forward lean.
    A proxy that should grow with anterior pelvic tilt (lordosis and buttock protrusion); it is
    not an ASIS-PSIS angle and needs an offset to become one.
    """
    rows, back = back_contour(mask, landmarks_px, facing, top_frac, bottom_frac)
    ok = np.isfinite(back)
    if ok.sum() < 6:
        return math.nan
    p = np.polyfit(rows[ok].astype(float), back[ok], 1)  # dx/dy
    # moving down (dy > 0) the back edge goes backward by -facing * dx
    angle = math.degrees(math.atan(-facing * p[0]))
    return angle - trunk_forward_lean_deg(landmarks_px, facing)


def buttock_lumbar_tilt_deg(
    mask: np.ndarray,
    landmarks_px: np.ndarray,
    facing: float,
    top_frac: float = 0.6,
    bottom_frac: float = 0.3,
) -> float:
    """Side view: angle of the line from the lumbar hollow to the buttock bulge, minus trunk lean.

    On the posterior edge (arms erased), the lumbar hollow is its most anterior point above the
    hip landmarks and the buttock bulge its most posterior point between the hollow and
    ``bottom_frac`` torso lengths below the hips; the line's angle from the vertical
    (+ = bulge behind the hollow) minus the trunk's forward lean. Proxy for anterior tilt.
    """
    rows, back = back_contour(mask, landmarks_px, facing, top_frac, bottom_frac)
    post = -facing * _smooth(back, 5)  # larger = further back
    hip_y = hip_midpoint_px(landmarks_px)[1]
    upper = np.isfinite(post) & (rows < hip_y)
    if upper.sum() < 4:
        return math.nan
    iu = np.flatnonzero(upper)[int(np.nanargmin(post[upper]))]
    lower = np.isfinite(post) & (rows > rows[iu])
    if lower.sum() < 4:
        return math.nan
    il = np.flatnonzero(lower)[int(np.nanargmax(post[lower]))]
    dy = rows[il] - rows[iu]
    dx_back = post[il] - post[iu]
    angle = math.degrees(math.atan2(dx_back, dy))
    return angle - trunk_forward_lean_deg(landmarks_px, facing)


def buttock_protrusion_ratio(
    mask: np.ndarray, landmarks_px: np.ndarray, facing: float, band_frac: float = 0.3
) -> float:
    """Side view: how far the buttock edge sits behind the hip landmarks, per torso length.

    Maximum posterior distance of the back edge (arms erased) from the hip midpoint within
    ``band_frac`` torso lengths of the hips, divided by the torso length. Proxy for anterior
    tilt (and for body shape, so it needs a per-runner baseline).
    """
    _rows, back = back_contour(mask, landmarks_px, facing, band_frac, band_frac)
    hip_x = hip_midpoint_px(landmarks_px)[0]
    post = -facing * (back - hip_x)
    if np.isfinite(post).sum() < 4:
        return math.nan
    return float(np.nanmax(_smooth(post, 3)) / torso_length_px(landmarks_px))
