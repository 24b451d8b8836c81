"""The runner's layer of the report: what was found, in plain words, how sure it is, which
number decided it, and what to film next.

Numbers are phrased the way a therapist says them ("hip extension 14 deg: above the 10 deg
minimum, normal"). How sure a result is compares the value's distance from its threshold with
the method's error for that metric (``e95``, the bound of 95 % of one measurement's error, read
from the history settings, where ``mdc = e95 * sqrt(2)``). A finding that could not be
assessed says which clip was given and why it could not be used, or that none was given, and
how to add one. Every sentence comes from the words catalogue (``[report.plain]``,
``[report.phrase]``, ``[report.next]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitlab.metrics import registry
from gaitlab.pose.body import HEIGHT_PER_LEG_LENGTH
from gaitlab.result import Evidence, Finding, Metric
from gaitlab.words import say

if TYPE_CHECKING:
    from gaitlab.config.settings import Settings
    from gaitlab.result.analysis import Analysis, ClipAnalysis

#: The view each pattern needs, and the filming guide's part (an anchor on the page) for it.
GUIDE_ANCHORS: dict[str, str] = {"side": "guide-side", "rear": "guide-rear"}
PATTERN_VIEW: dict[str, str] = {"hip_tightness": "side", "hip_weakness": "rear"}
#: The placeholder file names of the command that adds a clip.
PLACEHOLDER: dict[str, str] = {"side": "SIDE.mp4", "rear": "REAR.mp4"}
#: Trunk and feet must be seen in this share of frames for a view to be judged
#: (:data:`gaitlab.signals.view.MIN_POSE_SHARE`).
MIN_POSE_SHARE: float = 0.5


def format_number(value: float | None, unit: str) -> str:
    """A number with its unit for people (``12.5 deg``, ``0.28 leg lengths``, ``169
    steps/min``, ``42% of the pelvis width``); ``–`` when missing."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "leg length":
        return say("report.unit.leg_lengths", value=value)
    if unit.startswith("% "):
        return say("report.unit.percent_of", value=value, of=unit[2:])
    if unit == "%":
        return f"{value:.0f}%"
    if unit in ("steps/min", "ms"):
        return f"{value:.0f} {unit}"
    if unit == "deg":
        return f"{value:.1f} deg"
    if unit == "cm":
        return f"{value:.1f} cm"
    return f"{value:.2f} {unit}".strip()


def metric_name(name: str) -> str:
    """A metric's name for people (:func:`gaitlab.metrics.registry.label`)."""
    return registry.label(name)


#: Metrics in leg lengths (or % of the pelvis width) whose value in centimetres is a metric of
#: its own when the runner's height is given.
CM_SIBLINGS: dict[str, tuple[str, float]] = {
    "lateral_drift_pct": ("lateral_drift_cm", 1.0),
    "step_length_leg": ("step_length_m", 100.0),
    "vertical_oscillation_leg": ("vertical_oscillation_cm", 1.0),
}


def in_cm(
    name: str, value: float | None, unit: str, metrics: Mapping[str, Metric], settings: Settings
) -> str:
    """`` (27 cm)`` after a distance when the runner's height is known: the metric's own
    centimetre sibling (:data:`CM_SIBLINGS`) for its headline value, else leg lengths times
    the leg length from the height (0.491 x height); empty otherwise."""
    height_m = float(settings.runner.height_m)
    if value is None or not math.isfinite(value) or height_m <= 0:
        return ""
    sibling = CM_SIBLINGS.get(name)
    if sibling is not None:
        m, sib = metrics.get(name), metrics.get(sibling[0])
        if m is not None and sib is not None and sib.value is not None and m.value == value:
            return say("report.unit.cm_after", value=sib.value * sibling[1])
    if unit != "leg length":
        return ""
    leg_m = height_m / HEIGHT_PER_LEG_LENGTH
    return say("report.unit.cm_after", value=value * leg_m * 100.0)


def judged(
    e: Evidence,
    metrics: Mapping[str, Metric],
    cm: Callable[[str, float | None, str], str] | None = None,
) -> str:
    """One sign as a therapist says it: ``<measure> <value>: above the <threshold> minimum,
    normal`` (or below it; under/over a limit), or that it was not measured."""
    m = metrics.get(e.metric)
    unit = e.unit or (m.unit if m is not None else "")
    label = metric_name(e.metric)
    if e.met is None or e.value is None:
        return say("report.phrase.not_measured", label=label)
    kind = "min" if e.comparison in ("<", "<=") else "max"
    state = "flag" if e.met else "ok"
    extra = cm(e.metric, e.value, unit) if cm is not None else ""
    return say(
        f"report.phrase.{kind}_{state}",
        label=label,
        value=format_number(e.value, unit) + extra,
        threshold=format_number(e.threshold, "%" if unit.startswith("% ") else unit),
    )


def not_assessed(f: Finding, metrics: Mapping[str, Metric]) -> list[str]:
    """The primary signs of an assessed finding that could not be measured (the pelvis's
    without stickers), each with why and how to measure it next time: they neither flag nor
    clear the finding, and are never read as normal."""
    if f.status == "not_assessed":
        return []
    out = []
    for e in f.evidence:
        if e.role != "primary" or e.met is not None:
            continue
        m = metrics.get(e.metric)
        why = (m.reason if m is not None else None) or e.note or say("finding.reason.not_measured")
        out.append(say("report.phrase.not_assessed", label=metric_name(e.metric), why=why))
    return out


def method_error(settings: Settings, metric: str) -> float | None:
    """The bound of 95 % of one measurement's error of ``metric`` (``mdc / sqrt(2)`` of its
    history settings), or None when the settings have none."""
    rule = next((r for r in settings.history.metrics if r.metric == metric), None)
    return None if rule is None else float(rule.mdc) / math.sqrt(2.0)


def deciding_evidence(f: Finding) -> list[Evidence]:
    """The signs that decided a finding: the primary signs past their threshold when it is
    flagged, else every measured primary sign."""
    primary = [e for e in f.evidence if e.role == "primary" and e.met is not None]
    if f.status == "flagged":
        return [e for e in primary if e.met]
    return primary


def how_sure(f: Finding, metrics: Mapping[str, Metric], settings: Settings) -> str:
    """How sure the result is, in one or two sentences: strides measured, and whether the
    deciding value lies clearly past (or short of) its threshold given the method's error.

    A flagged finding needs one sign past its threshold, so the sign furthest past it (in
    units of the method's error) says how sure the flag is; a finding not flagged needs every
    sign short of its threshold, so the sign nearest its threshold says how sure that is.
    """
    signs = deciding_evidence(f)
    if not signs:
        return ""
    scored = []
    for e in signs:
        err = method_error(settings, e.metric)
        if e.value is None or e.threshold is None:
            continue
        margin = abs(e.value - e.threshold)
        scored.append((margin / err if err else math.inf, e, margin, err))
    if not scored:
        return ""
    pick = max if f.status == "flagged" else min
    _, e, margin, err = pick(scored, key=lambda s: s[0])
    m = metrics.get(e.metric)
    unit = e.unit or (m.unit if m is not None else "")
    parts = []
    if m is not None and m.n_strides:
        parts.append(say("report.plain.strides", n=m.n_strides))
    if err is None:
        parts.append(say("report.plain.no_error", label=metric_name(e.metric)))
    else:
        key = "report.plain.clear" if margin > err else "report.plain.borderline"
        parts.append(
            say(
                key,
                label=metric_name(e.metric),
                margin=format_number(margin, unit),
                error=format_number(err, unit),
            )
        )
    return " ".join(parts)


# ----------------------------------------------------------------------------- film next
def _body_share(clip: ClipAnalysis) -> float | None:
    """Share of frames with the trunk and both feet found (as the view stage counts them)."""
    from gaitlab.pose.landmarks import INDEX

    xy = clip.tracks.image_xy_px
    if not len(xy):
        return None
    parts = ("shoulder", "hip", "heel", "foot_index")
    idx = [INDEX[f"{s}_{p}"] for p in parts for s in ("left", "right")]
    ok = np.isfinite(xy[:, idx]).all(axis=(1, 2))
    return float(ok.mean())


def why_unusable(clip: ClipAnalysis) -> str:
    """Why a clip's view could not be used, in plain words: its first failed capture check,
    else the runner seen too rarely, else an oblique camera."""
    failed = [c for c in clip.checks if c.status == "fail" and c.name != "view"]
    if failed:
        return failed[0].message
    angle = clip.view.camera_angle_deg
    if angle is not None and math.isfinite(angle):
        return say("report.next.why_oblique", angle=angle)
    share = _body_share(clip)
    if share is not None:
        return say("report.next.why_body", share=share, need=MIN_POSE_SHARE)
    return say("report.next.why_other")


def add_clip_command(clips: Sequence[ClipAnalysis], view: str) -> str:
    """The command that analyses the session again with a clip of ``view`` added: the clips
    that could be used, and a placeholder for the new one."""
    kept = [c.name for c in clips if c.view.label != "unsuitable"]
    names = [*kept, PLACEHOLDER[view]] if view == "rear" else [PLACEHOLDER[view], *kept]
    return say("report.next.command", clips=" ".join(_quoted(n) for n in names))


def _quoted(name: str) -> str:
    """A file name as typed on a command line (quoted when it has spaces)."""
    return f'"{name}"' if any(ch.isspace() for ch in name) else name


def missing_clips(clips: Sequence[ClipAnalysis], view: str) -> list[str]:
    """Why no clip of ``view`` could be used: each clip given whose view could not be used,
    with its reason, or that no clip of that view was given."""
    unusable = [c for c in clips if c.view.label == "unsuitable"]
    if unusable:
        return [say("report.next.unusable", clip=c.name, why=why_unusable(c)) for c in unusable]
    return [say(f"report.next.none_given_{view}")]


def film_next(analysis: Analysis) -> list[dict[str, Any]]:
    """For each finding not assessed or not judged: what was given and why it could not be
    used (or that no clip of that view was given), the filming guide's part for the view,
    and the command to add a clip to the same assessment."""
    out = []
    for f in analysis.findings:
        if f.status not in ("not_assessed", "insufficient_evidence"):
            continue
        view = PATTERN_VIEW.get(f.pattern, "side")
        title = say(f"finding.{f.pattern}.title")
        given: list[str] = []
        if f.status == "not_assessed":
            given = missing_clips(analysis.clips, view)
            film = say(f"report.next.film_{view}")
        else:
            given.append(say("report.next.too_few", clip=f.clip or "", reason=f.summary))
            film = say("report.next.film_longer")
        out.append(
            {
                "pattern": f.pattern,
                "title": title,
                "given": given,
                "film": film,
                "guide": GUIDE_ANCHORS[view],
                "guide_text": say(f"report.next.guide_{view}"),
                "command": add_clip_command(analysis.clips, view),
            }
        )
    return out


def verdict_cards(analysis: Analysis) -> list[dict[str, Any]]:
    """One card per finding: the headline, the signs that decided it as a therapist says
    them, what it means for the knees (when found), how sure it is, and its clip."""
    by_name = {c.name: c for c in analysis.clips}
    steps = {n["pattern"]: n for n in film_next(analysis)}
    cards = []
    for f in analysis.findings:
        clip = by_name.get(f.clip) if f.clip else None
        metrics = clip.metrics if clip is not None else analysis.metrics

        def cm(name: str, value: float | None, unit: str, metrics=metrics) -> str:
            return in_cm(name, value, unit, metrics, analysis.settings)

        decided = [judged(e, metrics, cm) for e in deciding_evidence(f)]
        unassessed = not_assessed(f, metrics)
        if f.status == "flagged":
            headline = say(f"report.plain.found_{f.pattern}")
        elif f.status == "not_flagged":
            headline = say(f"report.plain.clear_{f.pattern}")
        elif f.status == "not_assessed":
            headline = say(f"report.plain.not_assessed_{f.pattern}")
        else:
            headline = f.summary
        cards.append(
            {
                "pattern": f.pattern,
                "status": f.status,
                "status_label": say(f"report.status.{f.status}"),
                "title": say(f"finding.{f.pattern}.title"),
                "headline": headline,
                "next": steps.get(f.pattern),
                "decided": decided,
                "decided_intro": say("report.plain.decided_by") if decided else "",
                "unassessed": unassessed,
                "unassessed_intro": say("report.plain.unassessed_intro") if unassessed else "",
                "meaning": say(f"finding.{f.pattern}.explanation") if f.status == "flagged" else "",
                "sure": how_sure(f, metrics, analysis.settings)
                if f.status in ("flagged", "not_flagged")
                else "",
                "clip": say("report.verdict.from_clip", clip=f.clip) if f.clip else "",
            }
        )
    return cards
