"""Which way the camera looks at the runner, which way they run, and on what.

:func:`classify_view` reads four cues from the landmark tracks:

* **Camera angle** (side vs rear/front). The shoulder and hip lines run across the body. In a
  rear or front view they lie in the image plane; in a side view they point at the camera. Two
  estimates of the angle between these lines and the image plane are averaged: from MediaPipe's
  world coordinates (``atan2(|dz|, |dx|)``), and from the image, by comparing each line's
  horizontal width in pixels with its 3-D length in world metres times the pixels-per-metre of
  the leg (``arccos`` of the ratio). 90 degrees is a pure side view, 0 a pure rear or front view.
* **Front vs rear.** Facing the camera, the nose is nearer the camera than the ears (world z)
  and the runner's left shoulder and hip appear on the image *right*.
* **Facing** (side view). The nose is ahead of the ears and the toes ahead of the heels, in the
  direction of running.
* **Setting.** On a treadmill the pelvis stays in place. Overground, the runner crosses the frame
  (side view) or grows or shrinks (rear/front view). A panning camera that follows an
  overground runner looks like a treadmill to these cues.

Every cue is symmetric under mirroring (the tests mirror clips left-right): a mirrored clip
gets the same label and the opposite facing.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Literal

import numpy as np

from gaitlab.pose.body import leg_length_m, leg_length_px
from gaitlab.pose.tracks import PoseTracks
from gaitlab.result import ViewLabel
from gaitlab.words import say

#: Camera angle (degrees between the shoulder/hip lines and the image plane) at or above which a
#: clip is a side view, and at or below which it is a rear/front view; in between it is oblique.
SIDE_MIN_ANGLE_DEG: float = 55.0
FRONTAL_MAX_ANGLE_DEG: float = 35.0
#: Least share of frames with a pose (and with visible feet) for a usable clip.
MIN_POSE_SHARE: float = 0.5
#: A clip that shows the runner in fewer frames is still used when one stretch of it shows the
#: runner this long (s, gaps up to ``STRETCH_MAX_GAP_S`` bridged): a runner moving away from a
#: still camera is large enough for a few seconds and then too small to find. Only that stretch
#: is analysed (:attr:`ViewEstimate.frames`).
MIN_STRETCH_S: float = 2.0
STRETCH_MAX_GAP_S: float = 0.25
#: Horizontal travel of the pelvis (5th to 95th percentile, leg lengths) above which a side clip
#: is overground; treadmill runners drift by about 0.1-0.4 leg lengths.
OVERGROUND_TRAVEL_LEG: float = 1.0
#: Change of apparent size (ratio of leg length in pixels, first vs last third of the clip) above
#: which a rear/front clip is overground (the runner moves toward or away from the camera).
OVERGROUND_SIZE_RATIO: float = 1.25

Facing = Literal["left", "right"]
Setting = Literal["treadmill", "overground"]


@dataclasses.dataclass(frozen=True)
class ViewEstimate:
    """How the camera sees the runner.

    Attributes
    ----------
    label
        ``"side"``, ``"rear"``, ``"front"`` or ``"unsuitable"``.
    facing
        Direction of running in the image, ``"left"`` or ``"right"`` (side views only, else None).
    confidence
        0..1: how clearly the cues separate the label from the alternatives and agree.
    setting
        ``"treadmill"`` (runner stays in place) or ``"overground"``; None when unsuitable.
    camera_angle_deg
        Angle between the runner's shoulder/hip lines and the image plane (90 = side view).
    travel_leg
        Horizontal travel of the pelvis across the clip (5th-95th percentile) in leg lengths.
    reasons
        The cues behind the decision, one short technical statement each.
    frames
        ``(start, stop)``: the frames analysed when only a stretch of the clip shows the runner
        (see :data:`MIN_STRETCH_S`); None when the whole clip is.
    """

    label: ViewLabel
    facing: Facing | None
    confidence: float
    setting: Setting | None
    camera_angle_deg: float | None = None
    travel_leg: float | None = None
    reasons: tuple[str, ...] = ()
    frames: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = dataclasses.asdict(self)
        d["reasons"] = list(self.reasons)
        d["frames"] = list(self.frames) if self.frames is not None else None
        return d


def classify_view(tracks: PoseTracks) -> ViewEstimate:
    """Classify the camera view, the running direction and the setting of a clip.

    Parameters
    ----------
    tracks
        Landmark tracks (raw or cleaned).

    Returns
    -------
    ViewEstimate
        ``label="unsuitable"`` when fewer than half the frames show a pose with the trunk and
        feet, or when the camera looks at the runner obliquely (between 35 and 55 degrees).
    """
    reasons: list[str] = []
    visible = body_visible(tracks)
    share = float(visible.mean()) if tracks.n_frames else 0.0
    leg_px = leg_length_px(tracks)
    if share < MIN_POSE_SHARE or not np.isfinite(leg_px) or leg_px <= 0:
        start, stop = runner_stretch(tracks, visible)
        if (stop - start) / tracks.fps >= MIN_STRETCH_S and stop - start < tracks.n_frames:
            part = classify_view(tracks.slice_frames(start, stop))
            if part.label != "unsuitable":
                seen = say(
                    "view.reason.stretch",
                    share=share,
                    first=start,
                    last=stop - 1,
                    seconds=(stop - start) / tracks.fps,
                )
                return dataclasses.replace(
                    part, reasons=(seen, *part.reasons), frames=(start, stop)
                )
        reasons.append(say("view.reason.too_few_poses", share=share, need=MIN_POSE_SHARE))
        return ViewEstimate("unsuitable", None, 1.0 - share, None, reasons=tuple(reasons))

    angle_world, angle_image = _camera_angles(tracks, leg_px)
    angles = [a for a in (angle_world, angle_image) if np.isfinite(a)]
    angle = float(np.mean(angles)) if angles else float("nan")
    reasons.append(say("view.reason.angle", angle=angle, world=angle_world, image=angle_image))
    travel_leg, size_ratio = _travel(tracks, leg_px)
    coverage = min(1.0, share / 0.9)

    if not np.isfinite(angle) or FRONTAL_MAX_ANGLE_DEG < angle < SIDE_MIN_ANGLE_DEG:
        reasons.append(
            say(
                "view.reason.oblique",
                side_min=SIDE_MIN_ANGLE_DEG,
                frontal_max=FRONTAL_MAX_ANGLE_DEG,
            )
        )
        return ViewEstimate(
            "unsuitable",
            None,
            round(0.5 * coverage, 3),
            None,
            camera_angle_deg=_round(angle),
            travel_leg=_round(travel_leg),
            reasons=tuple(reasons),
        )

    if angle >= SIDE_MIN_ANGLE_DEG:
        label: ViewLabel = "side"
        margin = np.clip((angle - 45.0) / 30.0, 0.0, 1.0)
        score, agreement, cue_text = _facing_cues(tracks, leg_px)
        facing: Facing | None = "left" if score < 0 else "right"
        reasons.append(say("view.reason.facing", facing=facing, cues=cue_text))
        overground = travel_leg > OVERGROUND_TRAVEL_LEG
        reasons.append(say("view.reason.travel", travel_leg=travel_leg))
    else:
        margin = np.clip((45.0 - angle) / 30.0, 0.0, 1.0)
        score, agreement, cue_text = _front_cues(tracks, leg_px)
        label = "front" if score > 0 else "rear"
        facing = None
        reasons.append(say("view.reason.frontal", label=label, cues=cue_text))
        overground = (
            travel_leg > OVERGROUND_TRAVEL_LEG
            or max(size_ratio, 1.0 / size_ratio) > OVERGROUND_SIZE_RATIO
        )
        reasons.append(say("view.reason.size", size_ratio=size_ratio, travel_leg=travel_leg))
    confidence = float(margin * agreement * coverage)
    return ViewEstimate(
        label,
        facing,
        round(confidence, 3),
        "overground" if overground else "treadmill",
        camera_angle_deg=_round(angle),
        travel_leg=_round(travel_leg),
        reasons=tuple(reasons),
    )


def view_as_set(tracks: PoseTracks, label: ViewLabel) -> ViewEstimate:
    """The view a person says a clip shows (``side``, ``rear`` or ``front``), with the running
    direction and the setting read from the clip as :func:`classify_view` reads them.

    For a therapist who corrects the view gaitlab found (the web app's clip page): the
    confidence is 1 and the reasons say the view was set by hand and what was found.
    """
    seen = classify_view(tracks)
    if label == seen.label:
        by_hand = say("view.reason.set_by_hand")
        return dataclasses.replace(seen, confidence=1.0, reasons=(*seen.reasons, by_hand))
    reasons = [say("view.reason.set_by_hand_to", label=label, seen=seen.label)]
    facing: Facing | None = None
    leg_px = leg_length_px(tracks)
    if label == "side" and np.isfinite(leg_px) and leg_px > 0:
        score, _, cue_text = _facing_cues(tracks, leg_px)
        facing = "left" if score < 0 else "right"
        reasons.append(say("view.reason.facing", facing=facing, cues=cue_text))
    travel = seen.travel_leg
    setting: Setting = seen.setting or (
        "overground" if travel is not None and travel > OVERGROUND_TRAVEL_LEG else "treadmill"
    )
    return ViewEstimate(
        label, facing, 1.0, setting, camera_angle_deg=seen.camera_angle_deg, travel_leg=travel,
        reasons=tuple(reasons), frames=seen.frames,
    )  # fmt: skip


def body_visible(tracks: PoseTracks) -> np.ndarray:
    """``(T,)`` True in frames showing the trunk (shoulders, hips) and both feet."""
    trunk_ok = _finite_rows(tracks, ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    feet_ok = _finite_rows(
        tracks, ("left_heel", "right_heel", "left_foot_index", "right_foot_index")
    )
    return trunk_ok & feet_ok


def runner_stretch(tracks: PoseTracks, visible: np.ndarray | None = None) -> tuple[int, int]:
    """``(start, stop)``: the longest stretch of frames showing the runner's trunk and feet,
    gaps up to :data:`STRETCH_MAX_GAP_S` bridged (``(0, 0)`` when none)."""
    visible = body_visible(tracks) if visible is None else visible
    idx = np.flatnonzero(visible)
    if idx.size == 0:
        return 0, 0
    max_gap = max(1, round(STRETCH_MAX_GAP_S * tracks.fps))
    breaks = np.flatnonzero(np.diff(idx) > max_gap)
    starts = np.r_[idx[0], idx[breaks + 1]]
    stops = np.r_[idx[breaks], idx[-1]] + 1
    k = int(np.argmax(stops - starts))
    return int(starts[k]), int(stops[k])


def _round(x: float) -> float | None:
    return round(float(x), 3) if np.isfinite(x) else None


def _finite_rows(tracks: PoseTracks, names: tuple[str, ...]) -> np.ndarray:
    return np.all([np.isfinite(tracks.xy(n)).all(axis=1) for n in names], axis=0)


def _nanmedian(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _camera_angles(tracks: PoseTracks, leg_px: float) -> tuple[float, float]:
    """Median angle (deg) of the shoulder and hip lines to the image plane: (world, image)."""
    leg_m = leg_length_m(tracks)
    px_per_m = leg_px / leg_m if np.isfinite(leg_m) and leg_m > 0 else float("nan")
    world_angles, image_angles = [], []
    for part in ("shoulder", "hip"):
        dw = tracks.xyz(f"left_{part}") - tracks.xyz(f"right_{part}")
        di = tracks.xy(f"left_{part}") - tracks.xy(f"right_{part}")
        world_angles.append(np.degrees(np.arctan2(np.abs(dw[:, 2]), np.abs(dw[:, 0]))))
        length_px = np.hypot(dw[:, 0], dw[:, 2]) * px_per_m
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.clip(np.abs(di[:, 0]) / length_px, 0.0, 1.0)
        image_angles.append(np.degrees(np.arccos(ratio)))
    return _nanmedian(np.concatenate(world_angles)), _nanmedian(np.concatenate(image_angles))


def _facing_cues(tracks: PoseTracks, leg_px: float) -> tuple[float, float, str]:
    """Signed facing score (< 0: running toward image left), cue agreement 0..1, description."""
    ears_x = 0.5 * (tracks.xy("left_ear")[:, 0] + tracks.xy("right_ear")[:, 0])
    nose_dx = _nanmedian(tracks.xy("nose")[:, 0] - ears_x) / leg_px
    toe_dx = (
        _nanmedian(
            np.concatenate(
                [
                    tracks.xy(f"{side}_foot_index")[:, 0] - tracks.xy(f"{side}_heel")[:, 0]
                    for side in ("left", "right")
                ]
            )
        )
        / leg_px
    )
    # nose-ear offset is about 0.05-0.1 leg lengths, toe-heel about 0.2
    cues = np.array([np.clip(nose_dx / 0.05, -1, 1), np.clip(toe_dx / 0.1, -1, 1)])
    cues = cues[np.isfinite(cues)]
    score = float(cues.sum()) if cues.size else 0.0
    agreement = float(abs(score) / np.abs(cues).sum()) if cues.size and abs(score) > 0 else 0.0
    text = say("view.reason.side_cues", nose_dx=nose_dx, toe_dx=toe_dx)
    return score, agreement, text


def _front_cues(tracks: PoseTracks, leg_px: float) -> tuple[float, float, str]:
    """Signed front score (> 0: facing the camera), cue agreement 0..1, description."""
    ears_z = 0.5 * (tracks.xyz("left_ear")[:, 2] + tracks.xyz("right_ear")[:, 2])
    nose_dz = _nanmedian(tracks.xyz("nose")[:, 2] - ears_z)  # < 0: nose nearer the camera
    order_dx = (
        _nanmedian(
            tracks.xy("left_shoulder")[:, 0]
            - tracks.xy("right_shoulder")[:, 0]
            + tracks.xy("left_hip")[:, 0]
            - tracks.xy("right_hip")[:, 0]
        )
        / leg_px
    )  # > 0: the runner's left appears on the image right, as when facing the camera
    cues = np.array([np.clip(-nose_dz / 0.05, -1, 1), np.clip(order_dx / 0.2, -1, 1)])
    cues = cues[np.isfinite(cues)]
    score = float(cues.sum()) if cues.size else 0.0
    agreement = float(abs(score) / np.abs(cues).sum()) if cues.size and abs(score) > 0 else 0.0
    text = say("view.reason.front_cues", nose_cm=-nose_dz * 100, order_dx=order_dx)
    return score, agreement, text


def _travel(tracks: PoseTracks, leg_px: float) -> tuple[float, float]:
    """Pelvis travel across the frame (leg lengths) and apparent size ratio (last/first third)."""
    mid_x = 0.5 * (tracks.xy("left_hip")[:, 0] + tracks.xy("right_hip")[:, 0])
    mid_x = mid_x[np.isfinite(mid_x)]
    travel = (
        float(np.subtract(*np.percentile(mid_x, [95, 5]))) / leg_px if mid_x.size else float("nan")
    )
    n = tracks.n_frames
    third = max(1, n // 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        first = leg_length_px(tracks.slice_frames(0, third))
        last = leg_length_px(tracks.slice_frames(n - third, n))
    ratio = last / first if np.isfinite(first) and np.isfinite(last) and first > 0 else 1.0
    return travel, float(ratio)
