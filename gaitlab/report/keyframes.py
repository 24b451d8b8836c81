"""Key frames: the moments a reported number comes from, with the skeleton and the measurement
drawn on the very frame.

Side view (the leg nearer the camera): foot strike (the heel's distance ahead of the hips,
``foot_strike_ahead_leg``), the peak knee bend in stance (``knee_flexion_peak_stance_deg``) and
the peak hip extension at or just after toe-off (``hip_extension_deg``). Rear or front view:
the pelvis furthest to the side (``lateral_drift_pct``) and the trunk leaning most
(``trunk_lean_deg``), both with a foot on the ground. All moments come from one usable stride:
the one whose value of the finding's main number (hip extension, pelvis travel) is nearest the
value the report gives, so the picture shows a typical stride. The frame shown is the one the
stride's value is read at: a stride-table column naming it (:data:`FRAME_COLUMNS`, written by
the events stage) when there is one, else the frame where the metric's own definition finds
its peak. A side-view frame where the two legs lie on top of each other (the pose model lost
the swing leg: :func:`legs_overlap`) is never shown; another stride is taken.

Frames are read by time with :func:`gaitlab.video.iter_frames` (one seek, a stride's frames);
a clip without a video (landmarks given, ``pose.video.codec == "none"``) or whose file cannot
be read any more gets the skeleton on a plain background. :func:`write_keyframes` writes them
as PNG files with an ``index.json`` (for the web app and other tools).
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
from gaitlab.metrics import frontal, registry, sagittal
from gaitlab.pose.body import leg_length_px
from gaitlab.pose.landmarks import INDEX, side_index
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report import draw
from gaitlab.report.cycles import frontal_signals, side_roll_turn_deg, usable_strides
from gaitlab.video import iter_frames
from gaitlab.words import say

if TYPE_CHECKING:
    from gaitlab.result.analysis import ClipAnalysis


SIDE_KEYS: tuple[str, ...] = ("foot_strike", "mid_stance", "toe_off")
FRONTAL_KEYS: tuple[str, ...] = ("peak_drift", "peak_lean")
#: The metric each moment documents (its unit is the registry's).
MOMENT_METRICS: dict[str, str] = {
    "foot_strike": "foot_strike_ahead_leg",
    "mid_stance": "knee_flexion_peak_stance_deg",
    "toe_off": "hip_extension_deg",
    "peak_drift": "lateral_drift_pct",
    "peak_lean": "trunk_lean_deg",
}
#: Stride-table columns naming the frame a stride's value is read at, used when present.
FRAME_COLUMNS: dict[str, str] = {
    "foot_strike": C.FOOT_STRIKE_FRAME,
    "mid_stance": "knee_flexion_peak_stance_frame",
    "toe_off": "hip_extension_frame",
    "peak_drift": "lateral_drift_frame",
    "peak_lean": "trunk_lean_frame",
}
#: Two feet closer than this share of a leg length (ankle, heel and toe each) lie on top of each
#: other: at foot strike, peak knee bend and toe-off the swing foot is well away from the stance
#: foot (ahead, behind, or lifted toward the knee), so such a frame has lost the swing leg. On
#: male_side.mp4 the frames that drew both legs on one leg had the feet 0.11-0.20 leg lengths
#: apart; true mid-stance frames of the same clip 0.35 or more.
LEG_OVERLAP_SHARE: float = 0.2
#: The parts compared by :func:`legs_overlap`.
OVERLAP_PARTS: tuple[str, ...] = ("ankle", "heel", "foot_index")
#: Margin around the runner in a key frame, as a share of the runner's height in the picture.
CROP_MARGIN: float = 0.12
#: Key frames are scaled down to at most this height (pixels).
MAX_HEIGHT_PX: int = 640
#: Version of ``keyframes/index.json``.
INDEX_SCHEMA: int = 1


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
        What the drawing shows: ``ahead_leg``, ``knee_deg``, ``thigh_deg``, ``drift_pct``
        or ``lean_deg``.
    plain
        True when drawn on a plain background (no video).
    metric, value, unit
        The number the moment documents (:data:`MOMENT_METRICS`) and this stride's value.
    reported, n_strides
        The value the report gives for that metric (a mean over strides) and how many
        strides it averages; None when the report has none.
    """

    key: str
    clip: str
    side: str
    frame_index: int
    time_s: float
    image: np.ndarray
    values: Mapping[str, float]
    plain: bool
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    reported: float | None = None
    n_strides: int = 0


# ----------------------------------------------------------------------------- choosing
def nearest_frame(time_s: np.ndarray, t: float) -> int:
    """Index of the frame nearest to ``t``."""
    return int(np.argmin(np.abs(time_s - t)))


def ranked_strides(values: np.ndarray, target: float | None) -> np.ndarray:
    """Row positions of the finite ``values``, nearest to ``target`` first (to their median
    when there is no target)."""
    ok = np.flatnonzero(np.isfinite(values))
    if not ok.size:
        return ok
    goal = float(np.median(values[ok])) if target is None else float(target)
    return ok[np.argsort(np.abs(values[ok] - goal), kind="stable")]


def peak_frame(series: np.ndarray, time_s: np.ndarray, start_s: float, end_s: float) -> int | None:
    """The frame where ``series`` peaks between ``start_s`` and ``end_s`` (the frames inside
    and the nearest frame to each end, as the metrics' windows sample them); None when the
    window has no finite value."""
    inside = _frames_between(time_s, start_s, end_s)
    ends = [nearest_frame(time_s, start_s), nearest_frame(time_s, end_s)]
    idx = np.unique(np.concatenate([inside, ends]))
    y = series[idx]
    if not np.isfinite(y).any():
        return None
    return int(idx[int(np.nanargmax(y))])


def legs_overlap(xy: np.ndarray, leg_px: float, share: float = LEG_OVERLAP_SHARE) -> bool:
    """True when the two feet of a frame's ``(33, 2)`` landmarks lie within ``share`` of a leg
    length of each other at the ankle, heel and toe (the two drawn legs are one leg)."""
    for part in OVERLAP_PARTS:
        d = np.linalg.norm(xy[INDEX[f"left_{part}"]] - xy[INDEX[f"right_{part}"]])
        if not (np.isfinite(d) and d < share * leg_px):
            return False
    return True


def _stride_frame(stride: pd.Series, key: str) -> int | None:
    """The frame a stride-table column names for ``key``, when the table has it."""
    column = FRAME_COLUMNS.get(key)
    if column is None or column not in stride.index:
        return None
    v = stride[column]
    return int(v) if v is not None and np.isfinite(float(v)) else None


def side_moments(
    pts: np.ndarray, time_s: np.ndarray, stride: pd.Series, side: str
) -> dict[str, int | None]:
    """Frames of a stride's foot strike, peak knee bend in stance and peak hip extension, in
    the running frame ``pts`` and the windows of :mod:`gaitlab.metrics.sagittal` (or the
    stride table's frame columns)."""
    fs, to = float(stride[C.FOOT_STRIKE_S]), float(stride[C.TOE_OFF_S])
    contact = to - fs
    hip, knee, ankle = (pts[:, side_index(side, p)] for p in ("hip", "knee", "ankle"))
    a, b = sagittal.KNEE_PEAK_WINDOW
    knee_peak = peak_frame(
        sagittal.knee_flexion_deg(hip, knee, ankle), time_s, fs + a * contact, fs + b * contact
    )
    hip_peak = peak_frame(
        sagittal.segment_angle_deg(hip, knee),
        time_s,
        fs + sagittal.HIP_EXTENSION_FROM * contact,
        to,
    )
    computed = {
        "foot_strike": nearest_frame(time_s, fs),
        "mid_stance": knee_peak,
        "toe_off": hip_peak,
    }
    given = {k: _stride_frame(stride, k) for k in computed}
    return {k: v if given[k] is None else given[k] for k, v in computed.items()}


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
        given = _stride_frame(stride, key)
        if given is not None:
            out[key] = given
            continue
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


def thigh_label(thigh_deg: float) -> str:
    """The thigh angle named as a therapist reads it: hip extension behind vertical, hip
    flexion in front (``hip ext. 12 deg``, ``hip flex. 20 deg``)."""
    key = "report.label.hip_extension" if thigh_deg >= 0 else "report.label.hip_flexion"
    return say(key, value=abs(thigh_deg))


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
        label = say("report.label.ahead", value=values["ahead_leg"])
        draw.draw_label(image, label, heel + 0.08 * leg_px * up)
    elif key == "mid_stance":
        draw.draw_arc(image, knee, hip - knee, ankle - knee, 0.18 * leg_px)
        label = say("report.label.knee", value=values["knee_deg"])
        draw.draw_label(image, label, knee + np.array([0.12 * leg_px, 0.0]))
    elif key == "toe_off":
        below = hip - 0.55 * leg_px * up
        draw.draw_dashed(image, hip, below)
        draw.draw_line(image, hip, knee)
        draw.draw_arc(image, hip, -up, knee - hip, 0.3 * leg_px)
        draw.draw_label(image, thigh_label(values["thigh_deg"]), hip + 0.35 * leg_px * up)
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
        label = say("report.label.drift", value=abs(values["drift_pct"]))
        draw.draw_label(image, label, hips + 0.15 * leg_px * up)
    elif key == "peak_lean":
        trunk = float(np.linalg.norm(shoulders - hips))
        draw.draw_dashed(image, hips, hips + trunk * up)
        draw.draw_line(image, hips, shoulders)
        draw.draw_line(image, xy[INDEX["left_hip"]], xy[INDEX["right_hip"]])
        draw.draw_arc(image, hips, up, shoulders - hips, 0.45 * trunk)
        label = say("report.label.lean", value=abs(values["lean_deg"]))
        draw.draw_label(image, label, hips + 0.55 * trunk * up)
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
@dataclasses.dataclass(frozen=True)
class _Choice:
    """The stride shown and what each moment shows of it."""

    stride: pd.Series
    side: str
    frames: dict[str, int]
    values: dict[str, dict[str, float]]
    numbers: dict[str, float | None]


def _reported(clip: ClipAnalysis, metric: str) -> tuple[float | None, int]:
    m = clip.metrics.get(metric)
    if m is None or m.value is None:
        return None, 0
    return float(m.value), int(m.n_strides)


def _side_choice(clip: ClipAnalysis, strides: pd.DataFrame, leg_px: float) -> _Choice | None:
    """The near leg's stride whose hip extension is nearest the reported one, with no frame
    where the legs lie on top of each other (or, when every stride has one, the stride with
    fewest, those frames left out)."""
    tracks: PoseTracks = clip.tracks
    facing = clip.view.facing
    roll = side_roll_turn_deg(tracks, strides)
    pts = sagittal.running_frame(tracks, facing=facing, roll_deg=roll)
    table = sagittal.stride_sagittal_table(
        tracks, strides, facing=facing, leg_px=leg_px, roll_deg=roll
    )
    near = sagittal.near_side(tracks)
    rows = strides.reset_index(drop=True)
    ext = table["hip_extension_deg"].to_numpy(float)
    if near is not None and (rows[C.SIDE] == near).any():
        ext = np.where(rows[C.SIDE] == near, ext, np.nan)
    best: _Choice | None = None
    best_lost = len(SIDE_KEYS) + 1
    for k in ranked_strides(ext, _reported(clip, "hip_extension_deg")[0]):
        stride, side = rows.iloc[k], str(rows.iloc[k][C.SIDE])
        frames = {key: i for key, i in side_moments(pts, tracks.time_s, stride, side).items()
                  if i is not None}  # fmt: skip
        lost = [key for key, i in frames.items() if legs_overlap(tracks.image_xy_px[i], leg_px)]
        row = table.iloc[k]
        numbers = {key: float(row[MOMENT_METRICS[key]]) for key in SIDE_KEYS}
        choice = _Choice(
            stride=stride,
            side=side,
            frames={key: i for key, i in frames.items() if key not in lost},
            values={
                "foot_strike": {"ahead_leg": numbers["foot_strike"]},
                "mid_stance": {"knee_deg": numbers["mid_stance"]},
                "toe_off": {"thigh_deg": numbers["toe_off"]},
            },
            numbers=numbers,
        )
        if not lost and len(frames) == len(SIDE_KEYS):
            return choice
        if len(lost) < best_lost:
            best, best_lost = choice, len(lost)
    return best


def _frontal_choice(clip: ClipAnalysis, strides: pd.DataFrame) -> tuple[_Choice, np.ndarray] | None:
    """The stride whose pelvis travel is nearest the reported one, its moments and values
    (and its pelvis position from the stride's middle, for the drawing)."""
    tracks: PoseTracks = clip.tracks
    t = tracks.time_s
    signals = frontal_signals(tracks, strides, view=clip.view.label)
    pelvis = signals["pelvis_travel"]("left")
    trunk = signals["trunk_side"]("left")
    # per-stride travel as the metric measures it (% of the pelvis width here), with the
    # travel MediaPipe's smoothing removes added back as the metric adds it
    travel = frontal.add_back_smoothing_loss(frontal.stride_drift_px(pelvis, t, strides), 100.0)
    leans = frontal.stance_peaks(lambda side: (1.0 if side == "left" else -1.0) * trunk, t, strides)
    rows = strides.reset_index(drop=True)
    ptp = travel["ptp_px"].to_numpy(float)
    order = ranked_strides(ptp, _reported(clip, "lateral_drift_pct")[0])
    if not order.size:
        return None
    k = int(order[0])
    stride = rows.iloc[k]
    sign = 1.0 if stride[C.SIDE] == "left" else -1.0
    frames = frontal_moments(pelvis, trunk, t, stride)
    drift = _stride_drift_pct(pelvis, t, stride)
    choice = _Choice(
        stride=stride,
        side=str(stride[C.SIDE]),
        frames=frames,
        values={
            "peak_drift": {"drift_pct": float(sign * drift[frames["peak_drift"]])},
            "peak_lean": {"lean_deg": float(sign * trunk[frames["peak_lean"]])},
        },
        numbers={"peak_drift": float(ptp[k]), "peak_lean": float(leans[k])},
    )
    return choice, drift


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
    strides = strides[np.isfinite(strides[C.TOE_OFF_S].to_numpy(float))]
    if not len(strides):
        return []
    leg_px = leg_length_px(tracks)
    t = tracks.time_s
    drift = None
    if view == "side":
        if clip.view.facing not in ("left", "right"):
            return []
        choice = _side_choice(clip, strides, leg_px)
        roll = side_roll_turn_deg(tracks, strides)
    else:
        found = _frontal_choice(clip, strides)
        if found is None:
            return []
        choice, drift = found
        roll = frontal.camera_roll_deg(tracks, strides)
        roll = roll if np.isfinite(roll) else 0.0
    if choice is None or not choice.frames:
        return []
    moments = choice.frames
    pictures, plain = _pictures(clip, [t[i] for i in moments.values()])
    images = {}
    for key, i in moments.items():
        image = pictures.get(float(t[i]))
        image = draw.plain_canvas(tracks.width_px, tracks.height_px) if image is None else image
        image = np.array(image, copy=True)
        xy = tracks.image_xy_px[i]
        values = choice.values[key]
        if view == "side":
            draw_side_moment(
                image, xy, key, choice.side, roll_deg=roll, leg_px=leg_px, values=values
            )
        else:
            ref = _reference_hips(tracks, i, drift, view) if key == "peak_drift" else None
            draw_frontal_moment(
                image, xy, key, roll_deg=roll, leg_px=leg_px, ref_hip_xy=ref, values=values
            )
        if clip.markers is not None and clip.markers.markers:
            draw_frame_markers(image, clip.markers, i)
        images[key] = image
    box = crop_box(
        [tracks.image_xy_px[i] for i in moments.values()], tracks.width_px, tracks.height_px
    )
    out = []
    for key, i in moments.items():
        metric = MOMENT_METRICS[key]
        unit = registry.unit(metric)
        reported, n = _reported(clip, metric)
        number = choice.numbers.get(key)
        out.append(
            KeyFrame(
                key=key,
                clip=clip.name,
                side=choice.side,
                frame_index=int(i),
                time_s=float(t[i]),
                image=finish(images[key], box),
                values=choice.values[key],
                plain=plain,
                metric=metric,
                value=number if number is not None and np.isfinite(number) else None,
                unit=unit,
                reported=reported,
                n_strides=n,
            )
        )
    return out


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
