"""The capture checks as pure functions: measured figures and thresholds in, a :class:`Check` out.

Every function returns one :class:`gaitlab.result.Check` whose ``message`` and ``fix`` come from
the words catalogue (``[check.*]``). A figure that could not be measured (None) gives a ``warn``
saying so: the clip may be fine, but gaitlab could not tell.
"""

from __future__ import annotations

import math

import numpy as np

from gaitlab.markers.model import MarkerTracks
from gaitlab.result import Check, ViewLabel
from gaitlab.words import say

#: Relative shortfall of a frame rate still counted as the rate named: phones report 59.94 fps
#: for "60" (NTSC timing) and averages such as 59.7 for variable frame rates.
FPS_TOLERANCE: float = 0.05
#: Findings each usable view can serve.
VIEW_SERVES: dict[str, tuple[str, ...]] = {
    "side": ("hip_tightness", "cadence_spm", "contact_time_ms", "side_angles"),
    "rear": ("hip_weakness", "cadence_spm", "lateral_drift_pct", "trunk_lean_deg"),
    "front": ("hip_weakness", "cadence_spm", "lateral_drift_pct", "trunk_lean_deg"),
}


def _unmeasured(name: str, unit: str = "") -> Check:
    what = say(f"check.labels.{name}")
    return Check(
        name=name,
        status="warn",
        message=say("check.not_measured", what=what),
        fix=say(f"check.{name}.fix"),
        unit=unit,
    )


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def check_view(
    label: ViewLabel, confidence: float, *, reason: str | None = None, min_confidence: float = 0.2
) -> Check:
    """The camera view and which finding it can serve.

    Parameters
    ----------
    label
        ``side``, ``rear``, ``front`` or ``unsuitable``
        (:func:`gaitlab.signals.view.classify_view`).
    confidence
        0..1 confidence of the label.
    reason
        Why the view is unsuitable (the classifier's first reason), for the message.
    min_confidence
        Below this a usable view gets a warning (the camera is not square to the runner).
    """
    if label == "unsuitable":
        return Check(
            name="view",
            status="fail",
            message=say("check.view.unsuitable", reason=reason or say("check.view.no_reason")),
            fix=say("check.view.fix"),
            value=round(float(confidence), 3),
        )
    serves = VIEW_SERVES[label]
    if confidence < min_confidence:
        return Check(
            name="view",
            status="warn",
            message=say("check.view.unclear", label=label, confidence=confidence),
            fix=say("check.view.fix"),
            value=round(float(confidence), 3),
            serves=serves,
        )
    return Check(
        name="view",
        status="pass",
        message=say(f"check.view.{label}"),
        value=round(float(confidence), 3),
        serves=serves,
    )


def check_whole_body(
    in_frame_share: float | None, *, warn_below_share: float, fail_below_share: float
) -> Check:
    """Whether the head and both feet stay in the picture.

    Parameters
    ----------
    in_frame_share
        Share (0..1) of the frames with the runner in which the nose and both heels and toes lie
        inside the picture (:func:`gaitlab.quality.measure.whole_body_share`).
    warn_below_share, fail_below_share
        Thresholds on that share.
    """
    if not _finite(in_frame_share):
        return _unmeasured("whole_body", "%")
    share = float(in_frame_share)
    value = round(100.0 * share, 1)
    if share < fail_below_share:
        status, text = "fail", say("check.whole_body.fail", missing=1 - share)
    elif share < warn_below_share:
        status, text = "warn", say("check.whole_body.warn", missing=1 - share)
    else:
        return Check(
            "whole_body", "pass", say("check.whole_body.pass", share=share), value=value, unit="%"
        )
    return Check("whole_body", status, text, say("check.whole_body.fix"), value, "%")


def check_frame_rate(
    fps: float,
    *,
    recommended_fps: float,
    min_fps: float,
    variable: bool | None = None,
) -> Check:
    """Frame rate: enough for contact times (``recommended_fps``) or only for cadence and angles.

    Parameters
    ----------
    fps
        Real-time frame rate (after any slow-motion factor).
    recommended_fps
        At or above (less :data:`FPS_TOLERANCE`): ``pass``, contact times measurable.
    min_fps
        Below (less :data:`FPS_TOLERANCE`): ``fail``.
    variable
        True when the clip has a variable frame rate (noted in the message, not a problem).
    """
    note = say("check.frame_rate.variable") if variable else ""
    value = round(float(fps), 2)
    if fps >= recommended_fps * (1 - FPS_TOLERANCE):
        return Check(
            "frame_rate",
            "pass",
            say("check.frame_rate.pass", fps=fps) + note,
            value=value,
            unit="fps",
            serves=("cadence_spm", "contact_time_ms", "angles"),
        )
    if fps >= min_fps * (1 - FPS_TOLERANCE):
        return Check(
            "frame_rate",
            "warn",
            say("check.frame_rate.warn", fps=fps) + note,
            say("check.frame_rate.fix"),
            value,
            "fps",
            ("cadence_spm", "angles"),
        )
    return Check(
        "frame_rate",
        "fail",
        say("check.frame_rate.fail", fps=fps) + note,
        say("check.frame_rate.fix"),
        value,
        "fps",
    )


def check_resolution(
    runner_height_px: float | None,
    frame_size_px: tuple[int, int],
    *,
    warn_below_px: float,
    fail_below_px: float,
) -> Check:
    """The runner's size in pixels (what the pose model sees), with the picture size.

    Parameters
    ----------
    runner_height_px
        Median height of the runner's landmarks (head to heels) in pixels.
    frame_size_px
        ``(width, height)`` of the upright picture.
    warn_below_px, fail_below_px
        Thresholds on the runner's height.
    """
    if not _finite(runner_height_px):
        return _unmeasured("resolution", "px")
    h = float(runner_height_px)
    w_px, h_px = frame_size_px
    value = round(h, 1)
    if h < fail_below_px:
        status, key = "fail", "check.resolution.fail"
    elif h < warn_below_px:
        status, key = "warn", "check.resolution.warn"
    else:
        text = say("check.resolution.pass", height=h, width_px=w_px, height_px=h_px)
        return Check("resolution", "pass", text, value=value, unit="px")
    return Check("resolution", status, say(key, height=h), say("check.resolution.fix"), value, "px")


def check_lighting(
    runner_luma: float | None,
    *,
    warn_below_luma: float,
    fail_below_luma: float,
    warn_above_luma: float,
) -> Check:
    """Brightness on the runner (mean Rec. 601 luma, 0-255).

    Parameters
    ----------
    runner_luma
        Median over the looked-at frames of the mean luma inside the runner's box.
    warn_below_luma, fail_below_luma, warn_above_luma
        Thresholds: dim, too dark, overexposed.
    """
    if not _finite(runner_luma):
        return _unmeasured("lighting")
    luma = float(runner_luma)
    value = round(luma, 1)
    if luma < fail_below_luma:
        status, key = "fail", "check.lighting.very_dark"
    elif luma < warn_below_luma:
        status, key = "warn", "check.lighting.dark"
    elif luma > warn_above_luma:
        status, key = "warn", "check.lighting.bright"
    else:
        return Check("lighting", "pass", say("check.lighting.pass", luma=luma), value=value)
    return Check("lighting", status, say(key, luma=luma), say("check.lighting.fix"), value)


def check_shake(shake_pct: float | None, *, warn_above_pct: float, fail_above_pct: float) -> Check:
    """Camera shake: how much the background moves from frame to frame.

    Parameters
    ----------
    shake_pct
        RMS frame-to-frame background movement (after removing any steady pan), in % of the
        runner's height (:func:`gaitlab.quality.measure.shake_pct`).
    warn_above_pct, fail_above_pct
        Thresholds.
    """
    if not _finite(shake_pct):
        return _unmeasured("shake", "%")
    s = float(shake_pct)
    value = round(s, 2)
    if s > fail_above_pct:
        status = "fail"
    elif s > warn_above_pct:
        status = "warn"
    else:
        return Check("shake", "pass", say("check.shake.pass"), value=value, unit="%")
    return Check(
        "shake", status, say(f"check.shake.{status}", shake=s), say("check.shake.fix"), value, "%"
    )


def check_tilt(
    roll_deg: float | None,
    view: ViewLabel,
    *,
    warn_above_deg_side: float,
    warn_above_deg_frontal: float,
) -> Check:
    """Camera tilt (roll about the lens axis): it fakes sideways lean and pelvic drop.

    Never fails: the metrics turn the picture back by the roll they find; a warning says a
    level camera would measure better.

    Parameters
    ----------
    roll_deg
        Roll estimate in degrees: the lean of the scene's verticals for side views
        (:func:`gaitlab.quality.measure.scene_roll_deg`; the head's bounce axis,
        :func:`gaitlab.metrics.sagittal.camera_roll_deg`, where the scene has no verticals),
        the hip and shoulder lines for rear/front views
        (:func:`gaitlab.metrics.frontal.camera_roll_deg`).
    view
        The clip's view (selects the threshold).
    warn_above_deg_side, warn_above_deg_frontal
        Thresholds on ``|roll_deg|``.
    """
    if view == "unsuitable":
        return Check(
            "tilt", "pass", say("check.not_measured", what=say("check.labels.tilt")), unit="deg"
        )
    if not _finite(roll_deg):
        return _unmeasured("tilt", "deg")
    roll = abs(float(roll_deg))
    limit = warn_above_deg_side if view == "side" else warn_above_deg_frontal
    value = round(float(roll_deg), 2) + 0.0  # no "-0.0"
    if roll > limit:
        key = "check.tilt.warn_side" if view == "side" else "check.tilt.warn_frontal"
        return Check("tilt", "warn", say(key, roll=roll), say("check.tilt.fix"), value, "deg")
    return Check("tilt", "pass", say("check.tilt.pass", roll=roll), value=value, unit="deg")


def check_people(n_others: int) -> Check:
    """Other people in view besides the runner (a warning: gaitlab follows the runner).

    Parameters
    ----------
    n_others
        Number of other people seen (:func:`gaitlab.quality.measure.count_other_people`).
    """
    if n_others <= 0:
        return Check("people", "pass", say("check.people.pass"), value=1.0, unit="people")
    return Check(
        "people",
        "warn",
        say("check.people.warn", others=n_others),
        say("check.people.fix"),
        float(n_others + 1),
        "people",
    )


def check_strides(
    per_side: int | None,
    *,
    min_per_side: int,
    estimated: bool,
    timed: tuple[int, int, float] | None = None,
) -> Check:
    """Enough strides per side for the findings (``[findings] min_steps_per_side``).

    Parameters
    ----------
    per_side
        Usable strides of the side with fewer (an estimate from the clip's length and step rate
        in the preflight; the count from the stride table in an analysis).
    min_per_side
        Fewer: ``fail``.
    estimated
        True when ``per_side`` is an estimate (the message says "about").
    timed
        ``(usable, expected, sample_s)``: strides per side whose foot contacts the analysis's
        own event detection timed in a sample of ``sample_s`` seconds, of those expected there;
        when fewer were timed, a failure says so.
    """
    if per_side is None:
        return _unmeasured("strides", "strides")
    suffix = "_estimated" if estimated else ""
    fields = {"per_side": int(per_side), "min_steps": int(min_per_side)}
    if per_side < min_per_side:
        if timed is not None and timed[0] < timed[1]:
            usable, expected, sample_s = timed
            message = say(
                "check.strides.fail_timed",
                timed=int(usable),
                expected=int(expected),
                sample_s=float(sample_s),
                **fields,
            )
            return Check(
                "strides",
                "fail",
                message,
                say("check.strides.fix_timed"),
                float(per_side),
                "strides",
            )
        return Check(
            "strides",
            "fail",
            say(f"check.strides.fail{suffix}", **fields),
            say("check.strides.fix"),
            float(per_side),
            "strides",
        )
    return Check(
        "strides",
        "pass",
        say(f"check.strides.pass{suffix}", **fields),
        value=float(per_side),
        unit="strides",
    )


def check_markers(
    markers: MarkerTracks | None,
    *,
    view: str,
    min_diameter_px: float,
    min_seen_share: float,
    standing: str | None = None,
) -> Check | None:
    """Skin stickers on the pelvis: found, big enough, seen, and with a zero (optional).

    Parameters
    ----------
    markers
        The stickers found (:mod:`gaitlab.markers`), or None when they were not looked for
        (no check then).
    view
        The clip's view label.
    min_diameter_px
        A sticker smaller than this across (median) gives a warning: its centre is less sure.
    min_seen_share
        A sticker seen in fewer frames with a pose gives a warning.
    standing
        Where the stickers' zero comes from: ``"standing"``, ``"stride_mean"``, ``"none"``, or
        None when not known (the preflight).
    """
    if markers is None:
        return None
    if not markers.markers:
        return Check("markers", "pass", say("check.markers.none"))
    found = list(markers.markers)
    names = ", ".join(say(f"markers.name.{m}") for m in found)
    value = float(min(markers.seen_share(m) for m in found))
    if markers.missing:
        missing = ", ".join(say(f"markers.name.{m}") for m in markers.missing)
        side_psis = view == "side" and any(m.startswith("psis") for m in markers.missing)
        return Check(
            "markers",
            "warn",
            say("check.markers.missing", found=names, missing=missing),
            say("check.markers.fix_side" if side_psis else "check.markers.fix_missing"),
            value,
            "share",
        )
    diameters = [2.0 * float(np.nanmedian(t.radius_px)) for t in markers.markers.values()]
    if min(diameters) < min_diameter_px:
        return Check(
            "markers",
            "warn",
            say("check.markers.small", found=names, diameter=min(diameters)),
            say("check.markers.fix_small"),
            min(diameters),
            "px",
        )
    if value < min_seen_share:
        return Check(
            "markers",
            "warn",
            say("check.markers.hidden", found=names, share=value),
            say("check.markers.fix_hidden"),
            value,
            "share",
        )
    serves = (
        ("pelvic_drop_deg",)
        if markers.layout in ("rear", "front")
        else ("anterior_pelvic_tilt_deg", "pelvic_tilt_change_deg", "pelvic_tilt_range_deg")
    )
    if standing == "stride_mean" or (standing == "none" and markers.layout == "side"):
        return Check(
            "markers",
            "warn",
            say("check.markers.no_standing", found=names),
            say("check.markers.fix_standing"),
            value,
            "share",
            serves,
        )
    return Check(
        "markers",
        "pass",
        say("check.markers.pass", found=names, share=value, diameter=min(diameters)),
        None,
        value,
        "share",
        serves,
    )
