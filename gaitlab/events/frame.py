"""The runner's own frame: foot positions relative to the pelvis, in leg lengths of the moment.

A side-view clip moves in ways one number per clip cannot follow: a camera that pans with the
runner moves the ground through the picture at a changing speed, and a runner who comes closer
or moves away changes size. Relative to the pelvis and divided by the body's size *at that
time*, neither matters: a foot on the ground moves backward past the pelvis at the running
speed (in leg lengths per second), whatever the camera does.

* :func:`leg_scale_px`: leg length in pixels frame by frame (a rolling upper percentile of
  thigh + shank, so that a leg pointing at the camera, which only shortens, does not lower it);
* :func:`forward_leg`: how far a foot is ahead of the pelvis along the running direction;
* :func:`slope_per_s`: a local straight-line slope (velocity) over a few samples;
* :func:`step_time_s`: the step period from the two feet's alternation.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from gaitlab.pose.landmarks import side_index
from gaitlab.pose.tracks import PoseTracks

#: Foot landmarks averaged into one foot point (any that are present).
FOOT_POINT: tuple[str, ...] = ("heel", "ankle", "foot_index")
#: Upper percentile of the per-frame leg length taken over the rolling window: the leg's true
#: length is the longest it looks (foreshortening and a bent knee seen end-on only shorten it).
SCALE_PERCENTILE: float = 75.0


def leg_scale_px(tracks: PoseTracks, *, window_s: float) -> np.ndarray:
    """``(T,)`` leg length in pixels at each frame.

    Per frame the longer side's thigh + shank (hip-knee plus knee-ankle, image distances); over
    a rolling window of ``window_s`` the :data:`SCALE_PERCENTILE`-th percentile. Frames whose
    window holds fewer than 3 values take the clip's median.
    """
    per_side = []
    for side in ("left", "right"):
        hip, knee, ankle = (tracks.xy(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
        per_side.append(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1))
    stacked = np.stack(per_side)
    per_frame = np.full(tracks.n_frames, np.nan)
    some = np.isfinite(stacked).any(axis=0)
    per_frame[some] = np.nanmax(stacked[:, some], axis=0)
    n = per_frame.shape[0]
    half = max(1, round(window_s * tracks.fps / 2))
    out = np.full(n, np.nan)
    for i in range(n):
        window = per_frame[max(0, i - half) : i + half + 1]
        window = window[np.isfinite(window)]
        if window.size >= 3:
            out[i] = np.percentile(window, SCALE_PERCENTILE)
    finite = per_frame[np.isfinite(per_frame)]
    out[~np.isfinite(out)] = np.median(finite) if finite.size else np.nan
    return out


def pelvis_xy_px(tracks: PoseTracks) -> np.ndarray:
    """``(T, 2)`` image position of the hip midpoint."""
    return 0.5 * (tracks.xy("left_hip") + tracks.xy("right_hip"))


def foot_point_px(tracks: PoseTracks, side: str, parts: tuple[str, ...] = FOOT_POINT) -> np.ndarray:
    """``(T, 2)`` mean image position of some of a foot's landmarks (those present).

    ``parts`` are landmark names without the side (``"heel"``, ``"ankle"``, ``"foot_index"``).
    """
    pts = np.stack([tracks.image_xy_px[:, side_index(side, p)] for p in parts])
    out = np.full((tracks.n_frames, 2), np.nan)
    some = np.isfinite(pts[..., 0]).any(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out[some] = np.nanmean(pts[:, some], axis=0)
    return out


def forward_leg(
    tracks: PoseTracks,
    side: str,
    *,
    facing: Literal["left", "right"],
    scale_px: np.ndarray,
    parts: tuple[str, ...] = FOOT_POINT,
) -> np.ndarray:
    """``(T,)`` how far a foot is ahead of the pelvis, in leg lengths (behind: negative).

    Parameters
    ----------
    tracks
        Landmark tracks of a side view.
    side
        The foot (the label of the landmarks, ``"left"`` or ``"right"``).
    facing
        The way the runner faces in the picture (:class:`gaitlab.signals.view.ViewEstimate`).
    scale_px
        ``(T,)`` leg length in pixels (:func:`leg_scale_px`).
    parts
        The foot landmarks averaged (:func:`foot_point_px`).
    """
    sign = -1.0 if facing == "left" else 1.0
    dx = foot_point_px(tracks, side, parts)[:, 0] - pelvis_xy_px(tracks)[:, 0]
    return sign * dx / scale_px


def slope_per_s(t: np.ndarray, y: np.ndarray, half: int) -> np.ndarray:
    """``(T,)`` least-squares slope of ``y`` over ``t`` in a window of ``2 * half + 1`` samples.

    A sample gets a slope when its window holds at least ``half + 1`` finite values with one on
    each side of it; otherwise NaN. ``half = 1`` is the central difference where both
    neighbours exist.
    """
    n = y.shape[0]
    out = np.full(n, np.nan)
    ok = np.isfinite(y)
    for k in range(1, n - 1):
        a, b = max(0, k - half), min(n, k + half + 1)
        sel = ok[a:b]
        if sel.sum() < half + 1 or not sel[: k - a].any() or not sel[k - a + 1 :].any():
            continue
        tt, yy = t[a:b][sel], y[a:b][sel]
        tc = tt - tt.mean()
        out[k] = float(np.sum(tc * (yy - yy.mean())) / np.sum(tc * tc))
    return out


def step_time_s(
    t: np.ndarray, forward: dict[str, np.ndarray], *, range_s: tuple[float, float]
) -> float:
    """The step period (s) from how far apart the two feet are, or NaN.

    The distance between the feet along the running direction, ``|u_left - u_right|``, peaks
    once per step whichever foot is ahead (so left/right swaps do not change it). Its
    autocorrelation is searched in ``range_s`` for the first local maximum holding at least
    half of the largest (a two-step lag can be as high as one step on a runner whose sides
    differ), refined by a parabola.
    """
    d = np.abs(forward["left"] - forward["right"])
    ok = np.isfinite(d)
    if ok.sum() < 10:
        return float("nan")
    dt = float(np.median(np.diff(t)))
    x = np.where(ok, d - np.nanmean(d), 0.0)
    n = x.size
    corr = np.correlate(x, x, "full")[n - 1 :]
    counts = np.correlate(ok.astype(float), ok.astype(float), "full")[n - 1 :]
    corr = corr / np.maximum(counts, 1.0)
    lo = max(2, int(np.floor(range_s[0] / dt)))
    hi = min(n - 2, int(np.ceil(range_s[1] / dt)))
    if hi <= lo + 1:
        return float("nan")
    seg = corr[lo : hi + 1]
    best = float(np.max(seg))
    if best <= 0:
        return float("nan")
    for i in range(1, seg.size - 1):
        if seg[i] >= seg[i - 1] and seg[i] >= seg[i + 1] and seg[i] >= 0.5 * best:
            k = lo + i
            a, b, c = corr[k - 1], corr[k], corr[k + 1]
            denom = a - 2 * b + c
            offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
            return float((k + offset) * dt)
    return float("nan")
