"""Key frames: moments of one typical stride with the skeleton and the measurement drawn on.

Side view: foot strike, mid-stance and toe-off of the near leg (the heel's distance ahead of
the hips, the knee bend, the thigh behind vertical). Rear or front view: the pelvis furthest to
the side and the trunk leaning most, both with a foot on the ground. The stride shown is the
usable one whose stride time is closest to the median (of the near leg in a side view).

Frames are read by time with :func:`gaitlab.video.iter_frames` (one seek, a stride's frames);
a clip without a video (landmarks given, ``pose.video.codec == "none"``) or whose file cannot
be read any more gets the skeleton on a plain background.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gaitlab.errors import GaitlabError
from gaitlab.events import columns as C
from gaitlab.markers.draw import draw_frame_markers
from gaitlab.metrics import frontal, sagittal
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report import draw
from gaitlab.report.cycles import frontal_signals, side_roll_turn_deg, usable_strides
from gaitlab.video import iter_frames

if TYPE_CHECKING:
    from gaitlab.result.analysis import ClipAnalysis


SIDE_KEYS: tuple[str, ...] = ("foot_strike", "mid_stance", "toe_off")
FRONTAL_KEYS: tuple[str, ...] = ("peak_drift", "peak_lean")
#: Margin around the runner in a key frame, as a share of the runner's height in the picture.
CROP_MARGIN: float = 0.12
#: Key frames are scaled down to at most this height (pixels).
MAX_HEIGHT_PX: int = 640


@dataclasses.dataclass(frozen=True)
class KeyFrame:
    """One drawn moment.

    Attributes
    ----------
    key
        ``foot_strike``, ``mid_stance``, ``toe_off``, ``peak_drift`` or ``peak_lean``; its
        caption is ``report.keyframe.<key>`` in the words catalogue.
    clip
        The clip's name.
    side
        The foot on the ground.
    frame_index
        The frame shown (index into the clip's tracks).
    time_s
        Its time.
    image
        The drawn picture, RGB ``uint8``, cropped around the runner.
    values
        What the drawing measures: ``ahead_leg``, ``knee_deg``, ``thigh_deg``, ``drift_pct``
        or ``lean_deg``.
    plain
        True when drawn on a plain background (no video).
    """

    key: str
    clip: str
    side: str
    frame_index: int
    time_s: float
    image: np.ndarray
    values: Mapping[str, float]
    plain: bool


# ----------------------------------------------------------------------------- choosing
def typical_stride(strides: pd.DataFrame, side: str | None = None) -> pd.Series | None:
    """The usable stride (of ``side`` when it has any) whose stride time is nearest the median."""
    ok = usable_strides(strides)
    ok = ok[np.isfinite(ok[C.TOE_OFF_S].to_numpy(float))] if len(ok) else ok
    if side is not None and (ok[C.SIDE] == side).any():
        ok = ok[ok[C.SIDE] == side]
    if not len(ok):
        return None
    times = ok[C.STRIDE_TIME_S].to_numpy(float)
    return ok.iloc[int(np.argmin(np.abs(times - np.median(times))))]


def nearest_frame(time_s: np.ndarray, t: float) -> int:
    """Index of the frame nearest to ``t``."""
    return int(np.argmin(np.abs(time_s - t)))


def side_moments(tracks: PoseTracks, stride: pd.Series) -> dict[str, int]:
    """Frames of the foot strike, mid-stance and toe-off of ``stride``."""
    fs, to = float(stride[C.FOOT_STRIKE_S]), float(stride[C.TOE_OFF_S])
    t = tracks.time_s
    return {
        "foot_strike": nearest_frame(t, fs),
        "mid_stance": nearest_frame(t, 0.5 * (fs + to)),
        "toe_off": nearest_frame(t, to),
    }


def _frames_between(t: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.flatnonzero((t >= a) & (t <= b))


def frontal_moments(
    pelvis_left_pct: np.ndarray, trunk_left_deg: np.ndarray, time_s: np.ndarray, stride: pd.Series
) -> dict[str, int]:
    """Frames of the pelvis furthest toward the stance side (strike to the other foot's strike)
    and of the trunk leaning most toward it (during the contact)."""
    sign = 1.0 if stride[C.SIDE] == "left" else -1.0
    fs = float(stride[C.FOOT_STRIKE_S])
    out = {}
    windows = {
        "peak_drift": (pelvis_left_pct, float(stride[C.OPPOSITE_FOOT_STRIKE_S])),
        "peak_lean": (trunk_left_deg, float(stride[C.TOE_OFF_S])),
    }
    for key, (series, end) in windows.items():
        idx = _frames_between(time_s, fs, end)
        y = sign * series[idx]
        if not idx.size or not np.isfinite(y).any():
            idx = np.array([nearest_frame(time_s, fs)])
            y = np.zeros(1)
        out[key] = int(idx[int(np.nanargmax(y))])
    return out


# ----------------------------------------------------------------------------- reading
def read_frames(
    path: Path, times_s: Sequence[float], *, fps: float, slowmo_factor: float = 1.0
) -> dict[float, np.ndarray]:
    """The pictures at ``times_s`` (real-world seconds), by time, from one pass over the span.

    Seeks once to just before the earliest time and decodes forward to the latest; a time
    with no frame within half a frame interval is left out.
    """
    wanted = sorted(set(float(t) for t in times_s))
    if not wanted:
        return {}
    half = 0.5 / fps
    out: dict[float, np.ndarray] = {}
    with iter_frames(
        path, slowmo_factor=slowmo_factor, start_s=max(0.0, wanted[0] - half), prefetch=0
    ) as frames:
        for frame in frames:
            for t in wanted:
                if t not in out and abs(frame.time_s - t) < half:
                    out[t] = frame.rgb
            if frame.time_s > wanted[-1] + half or len(out) == len(wanted):
                break
    return out


# ----------------------------------------------------------------------------- drawing
def _up(roll_deg: float) -> np.ndarray:
    """The upward direction in the picture for a camera rolled by ``roll_deg`` (the
    convention of :func:`gaitlab.metrics.sagittal.running_frame`)."""
    r = math.radians(roll_deg)
    return np.array([-math.sin(r), -math.cos(r)])


def _mid(xy: np.ndarray, part: str) -> np.ndarray:
    return 0.5 * (xy[INDEX[f"left_{part}"]] + xy[INDEX[f"right_{part}"]])


def draw_side_moment(
    image: np.ndarray,
    xy: np.ndarray,
    key: str,
    side: str,
    *,
    roll_deg: float,
    leg_px: float,
    values: Mapping[str, float],
) -> np.ndarray:
    """Skeleton plus the measurement of a side-view moment (in place)."""
    draw.draw_skeleton(image, xy)
    up = _up(roll_deg)
    hips = _mid(xy, "hip")
    hip, knee = xy[side_index(side, "hip")], xy[side_index(side, "knee")]
    ankle, heel = xy[side_index(side, "ankle")], xy[side_index(side, "heel")]
    if key == "foot_strike":
        top = hips + 0.35 * leg_px * up
        ground = hips - float(np.dot(heel - hips, -up)) * up - 0.05 * leg_px * up
        draw.draw_dashed(image, top, ground)
        foot_on_line = hips + float(np.dot(heel - hips, up)) * up
        draw.draw_line(image, foot_on_line, heel)
        draw.draw_label(image, f"{values['ahead_leg']:+.2f} leg", heel + 0.08 * leg_px * up)
    elif key == "mid_stance":
        draw.draw_arc(image, knee, hip - knee, ankle - knee, 0.18 * leg_px)
        draw.draw_label(
            image, f"{values['knee_deg']:.0f} deg", knee + np.array([0.12 * leg_px, 0.0])
        )
    elif key == "toe_off":
        below = hip - 0.55 * leg_px * up
        draw.draw_dashed(image, hip, below)
        draw.draw_line(image, hip, knee)
        draw.draw_arc(image, hip, -up, knee - hip, 0.3 * leg_px)
        draw.draw_label(image, f"{values['thigh_deg']:.0f} deg", hip + 0.35 * leg_px * up)
    return image


def draw_frontal_moment(
    image: np.ndarray,
    xy: np.ndarray,
    key: str,
    *,
    roll_deg: float,
    leg_px: float,
    ref_hip_xy: np.ndarray | None,
    values: Mapping[str, float],
) -> np.ndarray:
    """Skeleton plus the measurement of a rear/front-view moment (in place)."""
    draw.draw_skeleton(image, xy)
    up = _up(roll_deg)
    hips, shoulders = _mid(xy, "hip"), _mid(xy, "shoulder")
    if key == "peak_drift" and ref_hip_xy is not None:
        draw.draw_dashed(image, ref_hip_xy + 0.8 * leg_px * up, ref_hip_xy - 1.1 * leg_px * up)
        draw.draw_line(image, ref_hip_xy, hips)
        draw.draw_label(image, f"{values['drift_pct']:.0f}%", hips + 0.15 * leg_px * up)
    elif key == "peak_lean":
        trunk = float(np.linalg.norm(shoulders - hips))
        draw.draw_dashed(image, hips, hips + trunk * up)
        draw.draw_line(image, hips, shoulders)
        draw.draw_line(image, xy[INDEX["left_hip"]], xy[INDEX["right_hip"]])
        draw.draw_arc(image, hips, up, shoulders - hips, 0.45 * trunk)
        draw.draw_label(image, f"{values['lean_deg']:.1f} deg", hips + 0.55 * trunk * up)
    return image


def crop_box(xy_frames: Sequence[np.ndarray], width_px: int, height_px: int) -> tuple[int, ...]:
    """``(x0, y0, x1, y1)`` covering the landmarks of all ``xy_frames`` plus a margin."""
    pts = np.concatenate([xy[np.isfinite(xy).all(axis=1)] for xy in xy_frames])
    if not len(pts):
        return 0, 0, width_px, height_px
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    margin = CROP_MARGIN * float(hi[1] - lo[1])
    x0, y0 = (int(max(0, math.floor(v - margin))) for v in lo)
    x1 = int(min(width_px, math.ceil(hi[0] + margin)))
    y1 = int(min(height_px, math.ceil(hi[1] + margin)))
    return x0, y0, max(x1, x0 + 2), max(y1, y0 + 2)


def finish(image: np.ndarray, box: tuple[int, ...]) -> np.ndarray:
    """Crop to ``box`` and scale down to :data:`MAX_HEIGHT_PX` at most."""
    import cv2

    x0, y0, x1, y1 = box
    out = image[y0:y1, x0:x1]
    if out.shape[0] > MAX_HEIGHT_PX:
        scale = MAX_HEIGHT_PX / out.shape[0]
        size = (max(1, round(out.shape[1] * scale)), MAX_HEIGHT_PX)
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(out)


# ----------------------------------------------------------------------------- per clip
def key_frames(clip: ClipAnalysis) -> list[KeyFrame]:
    """The key frames of one analysed clip (none for an unsuitable view or no usable stride).

    Parameters
    ----------
    clip
        A :class:`gaitlab.result.analysis.ClipAnalysis`.
    """
    tracks: PoseTracks = clip.tracks
    strides = usable_strides(clip.strides)
    view = clip.view.label
    if not len(strides) or view == "unsuitable":
        return []
    leg_px = leg_length_px(tracks)
    t = tracks.time_s
    if view == "side" and clip.view.facing not in ("left", "right"):
        return []
    if view == "side":
        near = sagittal.near_side(tracks)
        stride = typical_stride(strides, near)
        if stride is None:
            return []
        side = str(stride[C.SIDE])
        moments = side_moments(tracks, stride)
        roll = side_roll_turn_deg(tracks, strides)
        pts = sagittal.running_frame(tracks, facing=clip.view.facing, roll_deg=roll)
        values = {k: _side_values(pts, i, side, leg_px) for k, i in moments.items()}
    else:
        stride = typical_stride(strides)
        if stride is None:
            return []
        side = str(stride[C.SIDE])
        signals = frontal_signals(tracks, strides, view=view)
        pelvis, trunk = signals["pelvis_travel"](side), signals["trunk_side"](side)
        moments = frontal_moments(pelvis, trunk, t, stride)
        roll = frontal.camera_roll_deg(tracks, strides)
        roll = roll if np.isfinite(roll) else 0.0
        drift = _stride_drift_pct(pelvis, t, stride)
        sign = 1.0 if side == "left" else -1.0
        values = {
            "peak_drift": {"drift_pct": sign * float(drift[moments["peak_drift"]])},
            "peak_lean": {"lean_deg": sign * float(trunk[moments["peak_lean"]])},
        }
    pictures, plain = _pictures(clip, [t[i] for i in moments.values()])
    images = {}
    for key, i in moments.items():
        image = pictures.get(float(t[i]))
        image = draw.plain_canvas(tracks.width_px, tracks.height_px) if image is None else image
        image = np.array(image, copy=True)
        xy = tracks.image_xy_px[i]
        if view == "side":
            draw_side_moment(image, xy, key, side, roll_deg=roll, leg_px=leg_px, values=values[key])
        else:
            ref = _reference_hips(tracks, i, drift, view) if key == "peak_drift" else None
            draw_frontal_moment(
                image, xy, key, roll_deg=roll, leg_px=leg_px, ref_hip_xy=ref, values=values[key]
            )
        if clip.markers is not None and clip.markers.markers:
            draw_frame_markers(image, clip.markers, i)
        images[key] = image
    box = crop_box(
        [tracks.image_xy_px[i] for i in moments.values()], tracks.width_px, tracks.height_px
    )
    return [
        KeyFrame(
            key=key,
            clip=clip.name,
            side=side,
            frame_index=i,
            time_s=float(t[i]),
            image=finish(images[key], box),
            values=values[key],
            plain=plain,
        )
        for key, i in moments.items()
    ]


def _side_values(pts: np.ndarray, i: int, side: str, leg_px: float) -> dict[str, float]:
    """What the side-view drawings show at frame ``i``, in the metrics' running frame."""
    p = pts[i]
    hips = _mid(p, "hip")
    hip, knee = p[side_index(side, "hip")], p[side_index(side, "knee")]
    ankle, heel = p[side_index(side, "ankle")], p[side_index(side, "heel")]
    return {
        "ahead_leg": float((heel[0] - hips[0]) / leg_px),
        "knee_deg": float(sagittal.knee_flexion_deg(hip, knee, ankle)),
        "thigh_deg": float(sagittal.segment_angle_deg(hip, knee)),
    }


def _stride_drift_pct(pelvis_left_pct: np.ndarray, t: np.ndarray, stride: pd.Series) -> np.ndarray:
    """``(T,)`` pelvis position (% of pelvis width, toward the left) from the stride's middle:
    detrended by the line joining its ends and centred over the stride (NaN outside it)."""
    out = np.full(t.shape, np.nan)
    a, b = float(stride[C.START_S]), float(stride[C.END_S])
    idx = _frames_between(t, a, b)
    ends = np.interp([a, b], t, pelvis_left_pct)
    if idx.size < 2 or not np.isfinite(ends).all():
        return out
    d = pelvis_left_pct[idx] - np.interp(t[idx], [a, b], ends)
    out[idx] = d - np.nanmean(d)
    return out


def _reference_hips(
    tracks: PoseTracks, i: int, drift_pct: np.ndarray, view: str
) -> np.ndarray | None:
    """Where the hip midpoint would be at frame ``i`` without the drift (image pixels)."""
    hips = _mid(tracks.image_xy_px[i], "hip")
    width_px = frontal.pelvis_width_px(tracks.image_xy_px)
    d = drift_pct[i]
    if not (np.isfinite(d) and np.isfinite(hips).all() and width_px > 0):
        return None
    toward_left_x = -1.0 if view == "rear" else 1.0  # the runner's left in image x
    return hips - np.array([toward_left_x * d / 100.0 * width_px, 0.0])


def _pictures(clip: ClipAnalysis, times_s: Sequence[float]) -> tuple[dict[float, np.ndarray], bool]:
    """The clip's pictures at ``times_s``, or none (plain background) without a video."""
    video = clip.pose.video
    if video.codec == "none" or not Path(clip.path).is_file():
        return {}, True
    try:
        found = read_frames(
            Path(clip.path),
            [float(x) for x in times_s],
            fps=float(video.fps),
            slowmo_factor=float(video.slowmo_factor),
        )
    except GaitlabError:
        return {}, True
    return found, len(found) < len(set(times_s))
