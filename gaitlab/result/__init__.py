"""The result data model: metrics, findings and the summary written as ``summary.json``.

One format with one owner (the analysis core). ``summary.json`` is validated against the JSON
Schema shipped in ``gaitlab/schema/`` (``schema_version`` in every file). Later stages add keys;
none renames or drops one.

Two layers: this module holds the values every stage may make or read (:class:`Metric`,
:class:`Evidence`, :class:`Finding`, :class:`Check`; it imports nothing of the pipeline), and
:mod:`gaitlab.result.analysis` the assembled result (:class:`~gaitlab.result.analysis.ClipAnalysis`,
:class:`~gaitlab.result.analysis.Pool`, :class:`~gaitlab.result.analysis.Analysis`), which
carries the stages' outputs and sits above them. A metric is made through
:func:`gaitlab.metrics.registry.make_metric`, never by calling :class:`Metric` directly.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

SCHEMA_VERSION = "1.0"

ViewLabel = Literal["side", "rear", "front", "unsuitable"]
FindingStatus = Literal["flagged", "not_flagged", "insufficient_evidence", "not_assessed"]
CheckStatus = Literal["pass", "warn", "fail"]
FINDING_STATUSES: tuple[str, ...] = (
    "flagged",
    "not_flagged",
    "insufficient_evidence",
    "not_assessed",
)


@dataclasses.dataclass(frozen=True)
class Metric:
    """One measured quantity of a clip.

    Attributes
    ----------
    name
        Metric name with its unit as suffix (``cadence_spm``, ``contact_time_ms``).
    value
        The headline value (mean over usable strides/steps), or None when it could not be
        measured; ``reason`` then says why.
    unit
        Unit symbol for people (``"steps/min"``, ``"ms"``, ``"deg"``, ``"% leg length"``).
    view_needed
        The camera view(s) the metric needs: ``"side"``, ``"rear/front"`` or ``"any"``.
    n_strides
        Number of strides (or steps) the value rests on.
    left, right
        Per-side means where the metric has a side.
    asymmetry_pct
        ``(left - right) / mean(left, right) * 100`` where both sides exist.
    sd
        Standard deviation across strides/steps.
    accuracy
        How far the number can be trusted: a short statement of the method's measured error.
    estimate
        True for values that are estimates by construction (e.g. anterior pelvic tilt).
    clip
        Name of the clip the value comes from.
    reason
        Why the value is missing or low-confidence.
    label
        A category read from the value where the metric has one (``foot_strike_pattern``:
        ``"rearfoot"``, ``"midfoot"`` or ``"forefoot"``), else None.
    """

    name: str
    value: float | None
    unit: str
    view_needed: str
    n_strides: int = 0
    left: float | None = None
    right: float | None = None
    asymmetry_pct: float | None = None
    sd: float | None = None
    accuracy: str | None = None
    estimate: bool = False
    clip: str | None = None
    reason: str | None = None
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict without the ``name`` (it is the key in ``metrics``)."""
        d = dataclasses.asdict(self)
        d.pop("name")
        return {k: _clean_number(v) for k, v in d.items()}


@dataclasses.dataclass(frozen=True)
class Evidence:
    """One sign behind a finding: the metric, its value, the threshold and where it comes from."""

    metric: str
    value: float | None
    threshold: float | None
    comparison: Literal[">", "<", ">=", "<="]
    met: bool | None
    source: str
    role: Literal["primary", "supporting", "observation"] = "primary"
    unit: str = ""
    trust: str | None = None
    clip: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: _clean_number(v) for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class Finding:
    """The assessment of one pattern (``hip_tightness`` or ``hip_weakness``)."""

    pattern: Literal["hip_tightness", "hip_weakness"]
    status: FindingStatus
    view_needed: str
    summary: str
    evidence: tuple[Evidence, ...] = ()
    exercises: tuple[dict[str, Any], ...] = ()
    clip: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "status": self.status,
            "view_needed": self.view_needed,
            "summary": self.summary,
            "evidence": [e.as_dict() for e in self.evidence],
            "exercises": [dict(x) for x in self.exercises],
            "clip": self.clip,
            "reason": self.reason,
        }


@dataclasses.dataclass(frozen=True)
class Check:
    """One capture check of a clip (for `gaitlab check`, the report and the web upload).

    Attributes
    ----------
    name
        The check's identifier: ``view``, ``whole_body``, ``frame_rate``, ``resolution``,
        ``lighting``, ``shake``, ``tilt``, ``people``, ``strides``, ``markers``.
    status
        ``"pass"``, ``"warn"`` (usable, with a limit) or ``"fail"`` (the clip cannot serve).
    message
        One sentence on what was found, in plain words, from the words catalogue.
    fix
        One line on how to film a better clip, or None when the check passed.
    value
        The measured figure behind the verdict, where there is one.
    unit
        Its unit (``"fps"``, ``"px"``, ``"deg"``...).
    serves
        What the clip can serve despite (or because of) this check: finding or metric names.
    """

    name: str
    status: CheckStatus
    message: str
    fix: str | None = None
    value: float | None = None
    unit: str = ""
    serves: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d = {k: _clean_number(v) for k, v in dataclasses.asdict(self).items()}
        d["serves"] = list(self.serves)
        return d


def _clean_number(v: Any) -> Any:
    """NaN/inf become None (JSON has no NaN); numpy scalars become Python numbers."""
    if hasattr(v, "item") and not isinstance(v, list | dict | str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
