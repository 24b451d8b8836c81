"""Turning metrics into findings: signs, thresholds, statuses and evidence.

A pattern (``hip_tightness``, ``hip_weakness``) is judged from *signs*: each sign compares one
metric with a threshold from the config (``[findings.<pattern>.signs.<metric>]``), with its source
or stated rationale. A sign is ``primary`` (it can flag the pattern), ``supporting`` (shown as
evidence with its result, but it decides nothing: it never flags, never blocks a flag and cannot
stand in for an unmeasured primary sign) or ``observation`` (reported beside the finding, never
part of it, e.g. overstriding).

Status, in order:

1. ``not_assessed``: no clip has a view that can show the pattern (a side view cannot show hip
   weakness; a rear view cannot show hip tightness). Never "normal".
2. ``insufficient_evidence``: a suitable clip exists, but fewer than ``min_steps_per_side`` usable
   steps per side, or no primary sign could be measured.
3. ``flagged``: at least ``min_primary_met`` primary signs are met (counting only measured ones).
4. ``not_flagged``: otherwise.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

from gaitlab.config import PatternSettings, SignSettings
from gaitlab.result import Evidence, Finding, Metric
from gaitlab.words import entry, say

PATTERNS: tuple[str, ...] = ("hip_tightness", "hip_weakness")
_COMPARE = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}


def evaluate_sign(sign: SignSettings, metric: Metric | None) -> Evidence:
    """The evidence item for one configured sign given the measured metric (or None)."""
    value = None if metric is None else metric.value
    met = None if value is None else bool(_COMPARE[sign.comparison](value, sign.threshold))
    source = sign.source if sign.source != "none" else f"none: {sign.rationale or ''}".strip()
    return Evidence(
        metric=sign.metric,
        value=value,
        threshold=sign.threshold,
        comparison=sign.comparison,
        met=met,
        source=source,
        role=sign.role,
        unit=metric.unit if metric is not None else "",
        trust=metric.accuracy if metric is not None else None,
        clip=metric.clip if metric is not None else None,
        note=(metric.reason if metric is not None and value is None else None)
        if metric is not None
        else say("finding.reason.not_measured"),
    )


def exercises_for(pattern: str) -> tuple[dict[str, Any], ...]:
    """The article's exercises for a pattern, from the words catalogue."""
    block = entry(f"exercises.{pattern}")
    items = tuple(dict(x) for x in block["items"])
    return items


def assess_pattern(
    pattern: str,
    *,
    views: Sequence[str],
    metrics: Mapping[str, Metric],
    pattern_cfg: PatternSettings,
    steps_per_side: Mapping[str, int],
    min_steps_per_side: int,
    clip: str | None = None,
) -> Finding:
    """Judge one pattern from the metrics of the clip(s) whose view can show it.

    Parameters
    ----------
    pattern
        ``"hip_tightness"`` or ``"hip_weakness"``.
    views
        The view labels available (``"side"``, ``"rear"``, ``"front"``, ``"unsuitable"``).
    metrics
        Measured metrics of the clip(s) with a suitable view.
    pattern_cfg
        The ``[findings.<pattern>]`` settings (``views``, ``min_primary_met``, ``signs``).
    steps_per_side
        Usable steps per side (``{"left": n, "right": n}``) in the suitable clip(s).
    min_steps_per_side
        Fewer usable steps on either side gives ``insufficient_evidence``.
    clip
        Name of the clip the finding rests on.
    """
    view_needed = say(f"finding.{pattern}.view_needed")
    suitable = [v for v in views if v in pattern_cfg.views]
    if not suitable:
        return Finding(
            pattern=pattern,  # type: ignore[arg-type]
            status="not_assessed",
            view_needed=view_needed,
            summary=say(f"finding.{pattern}.not_assessed"),
            reason=say(
                "finding.reason.needs_view",
                view_needed=view_needed,
                views=", ".join(views) or say("finding.reason.no_usable_clip"),
            ),
        )
    evidence = tuple(evaluate_sign(s, metrics.get(s.metric)) for s in pattern_cfg.signs)
    fewest = min(steps_per_side.get("left", 0), steps_per_side.get("right", 0))
    primary = [e for e in evidence if e.role == "primary"]
    measured = [e for e in primary if e.met is not None]
    reason = None
    if fewest < min_steps_per_side:
        reason = say("finding.reason.too_few_steps", fewest=fewest, need=min_steps_per_side)
    elif not measured:
        reason = say("finding.reason.nothing_measured")
    if reason is not None:
        return Finding(
            pattern=pattern,  # type: ignore[arg-type]
            status="insufficient_evidence",
            view_needed=view_needed,
            summary=say(f"finding.{pattern}.insufficient_evidence", reason=reason),
            evidence=evidence,
            clip=clip,
            reason=reason,
        )
    n_met = sum(bool(e.met) for e in measured)
    flagged = n_met >= pattern_cfg.min_primary_met
    return Finding(
        pattern=pattern,  # type: ignore[arg-type]
        status="flagged" if flagged else "not_flagged",
        view_needed=view_needed,
        summary=say(f"finding.{pattern}.{'flagged' if flagged else 'not_flagged'}"),
        evidence=evidence,
        exercises=exercises_for(pattern) if flagged else (),
        clip=clip,
        reason=say("finding.reason.signs_met", met=n_met, measured=len(measured)),
    )
