"""A runner's history: key metrics and both findings across sessions, and what really changed.

Pure functions over the ``summary.json`` content of each session's latest finished analysis
(no web framework, no database, no files): the history table, plot data per metric, the change
between consecutive sessions classified against the metric's smallest detectable change, and two
sessions side by side.

A change is a *real change* only when it is larger than both

- the metric's minimal detectable change ``mdc`` (the method's own error, from the ``[history]``
  section of the configuration, each value with its source), and
- ``z * sqrt(sd1**2 / n1 + sd2**2 / n2)``: the uncertainty of the two session means given the
  stride-to-stride spread ``sd`` over ``n_strides`` strides of each session.

Anything smaller is *no real change*; a metric missing in either session is *not comparable*.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from gaitlab.config import Settings

#: The two findings, in the order they are shown.
PATTERNS: tuple[str, ...] = ("hip_tightness", "hip_weakness")

Better = Literal["higher", "lower", "either"]
Verdict = Literal["real_change", "no_real_change", "not_comparable"]
SessionState = Literal["done", "none", "queued", "running", "failed", "refused"]
Rule = Literal["mdc", "stride_spread"]
Direction = Literal["better", "worse", "up", "down"]


@dataclasses.dataclass(frozen=True)
class MetricRule:
    """How one metric is followed over time.

    Attributes
    ----------
    name
        The metric's name in ``summary.json`` (``hip_extension_deg``).
    mdc
        Minimal detectable change, in the metric's unit.
    better
        Which direction is an improvement (``"either"``: neither by itself).
    source
        Where ``mdc`` comes from (a citation, or the rationale when there is none).
    """

    name: str
    mdc: float
    better: Better
    source: str


@dataclasses.dataclass(frozen=True)
class HistoryRules:
    """The metrics followed over time and the confidence factor ``z`` (1.96: 95 %)."""

    metrics: tuple[MetricRule, ...]
    z: float

    def rule(self, name: str) -> MetricRule:
        """The rule of metric ``name`` (``KeyError`` when it is not followed)."""
        for rule in self.metrics:
            if rule.name == name:
                return rule
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.metrics)


def rules_from_config(config: Settings) -> HistoryRules:
    """The ``[history]`` section of gaitlab's settings as :class:`HistoryRules` (at the
    edge: the functions below take the rules, never the configuration)."""
    section = config.history
    rules = [
        MetricRule(
            m.metric, m.mdc, m.better, (m.rationale or "none") if m.source == "none" else m.source
        )
        for m in section.metrics
    ]
    return HistoryRules(tuple(rules), section.z)


@dataclasses.dataclass(frozen=True)
class SessionResult:
    """One session and the summary of its latest finished analysis (None: no result).

    ``state`` says why a session has no result, or that it has one: ``done``, ``none`` (no clip
    yet), ``queued``, ``running``, ``failed`` or ``refused`` (no clip could be used); ``note``
    is the reason of a failure or refusal.
    """

    session_id: str
    date: str
    summary: Mapping[str, Any] | None = None
    analysis_id: str | None = None
    state: SessionState = "done"
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class Reading:
    """One metric of one session, as ``summary.json`` gives it."""

    value: float | None
    unit: str = ""
    sd: float | None = None
    n_strides: int = 0
    left: float | None = None
    right: float | None = None
    clip: str | None = None


@dataclasses.dataclass(frozen=True)
class Change:
    """The change of one metric from one session to a later one.

    Attributes
    ----------
    delta
        ``after - before`` (None when either is missing).
    mdc
        The metric's minimal detectable change.
    stride_noise
        ``z * sqrt(sd1**2/n1 + sd2**2/n2)``, or None when a session has no spread to use.
    needed
        The smallest change counted as real here: the larger of ``mdc`` and ``stride_noise``.
    verdict
        ``real_change``, ``no_real_change`` or ``not_comparable``.
    direction
        For a real change: ``better`` / ``worse`` (metrics with a better direction) or
        ``up`` / ``down``; None otherwise.
    """

    metric: str
    before: float | None
    after: float | None
    delta: float | None
    mdc: float
    stride_noise: float | None
    needed: float | None
    verdict: Verdict
    direction: Direction | None

    @property
    def rule(self) -> Rule | None:
        """Which rule set the threshold ``needed``: ``mdc`` (the method's smallest detectable
        change) or ``stride_spread`` (the two sessions' stride-to-stride spread); None when the
        sessions are not comparable."""
        if self.needed is None:
            return None
        return "stride_spread" if (self.stride_noise or 0.0) > self.mdc else "mdc"


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    """One session in the history table; ``changes`` are against the previous session with a
    result (empty for the first)."""

    session_id: str
    date: str
    analysis_id: str | None
    readings: Mapping[str, Reading | None]
    findings: Mapping[str, str]
    changes: Mapping[str, Change]
    previous_session_id: str | None = None
    state: SessionState = "done"
    note: str | None = None
    warnings: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class History:
    """A runner's sessions, oldest first; ``overall`` is the change from the first session with
    a result to the last."""

    rows: tuple[HistoryRow, ...]
    overall: Mapping[str, Change]
    rules: HistoryRules


@dataclasses.dataclass(frozen=True)
class PlotSeries:
    """Plot data of one metric over time.

    ``dates``/``values`` hold every session with a result (value None where the metric was not
    measured); ``verdicts`` the classification against the previous point (None for the first).
    The "no real change" band is ``band_low``..``band_high``: the first value plus or minus the
    metric's ``mdc`` (None when no session measured it).
    """

    metric: str
    unit: str
    session_ids: tuple[str, ...]
    dates: tuple[str, ...]
    values: tuple[float | None, ...]
    verdicts: tuple[Verdict | None, ...]
    mdc: float
    band_low: float | None
    band_high: float | None


# --------------------------------------------------------------------------- reading summaries


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def reading(summary: Mapping[str, Any] | None, metric: str) -> Reading | None:
    """The metric ``metric`` of a summary, or None when the summary lacks it or has no value."""
    if summary is None:
        return None
    entry = (summary.get("metrics") or {}).get(metric)
    if not isinstance(entry, Mapping) or _number(entry.get("value")) is None:
        return None
    n = entry.get("n_strides")
    return Reading(
        value=_number(entry.get("value")),
        unit=str(entry.get("unit") or ""),
        sd=_number(entry.get("sd")),
        n_strides=int(n) if isinstance(n, int) and not isinstance(n, bool) else 0,
        left=_number(entry.get("left")),
        right=_number(entry.get("right")),
        clip=entry.get("clip") if isinstance(entry.get("clip"), str) else None,
    )


def finding_statuses(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """Status of each of :data:`PATTERNS` (``"none"`` without a result or finding)."""
    out = dict.fromkeys(PATTERNS, "none")
    if summary is None:
        return out
    for finding in summary.get("findings") or []:
        if isinstance(finding, Mapping) and finding.get("pattern") in out:
            out[finding["pattern"]] = str(finding.get("status") or "none")
    return out


def capture_warnings(summary: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The capture checks' warnings of a result ("clip: message"), e.g. dim light or a short
    clip: a session with warnings measures less surely than one without."""
    out = []
    for clip in (summary or {}).get("clips") or []:
        if not isinstance(clip, Mapping):
            continue
        for check in clip.get("checks") or []:
            if isinstance(check, Mapping) and check.get("status") == "warn":
                out.append(f"{clip.get('name', '')}: {check.get('message', '')}".strip(": "))
    return tuple(out)


def unit_of(sessions: Sequence[SessionResult], metric: str) -> str:
    """The metric's unit as the summaries give it (empty when none has it)."""
    for s in sessions:
        entry = ((s.summary or {}).get("metrics") or {}).get(metric)
        if isinstance(entry, Mapping) and entry.get("unit"):
            return str(entry["unit"])
    return ""


# --------------------------------------------------------------------------- changes


def stride_noise(before: Reading, after: Reading, *, z: float) -> float | None:
    """``z * sqrt(sd1**2/n1 + sd2**2/n2)``, or None when either session lacks ``sd`` or has
    fewer than 2 strides."""
    if before.sd is None or after.sd is None or before.n_strides < 2 or after.n_strides < 2:
        return None
    return z * math.sqrt(before.sd**2 / before.n_strides + after.sd**2 / after.n_strides)


def classify_change(
    metric: str,
    before: Reading | None,
    after: Reading | None,
    *,
    mdc: float,
    better: Better,
    z: float,
) -> Change:
    """Classify the change of ``metric`` from ``before`` to ``after``.

    A real change needs ``|after - before|`` above both ``mdc`` and :func:`stride_noise`
    (strictly: a change exactly at the threshold is not detectable).
    """
    if before is None or after is None or before.value is None or after.value is None:
        b = before.value if before else None
        a = after.value if after else None
        return Change(metric, b, a, None, mdc, None, None, "not_comparable", None)
    delta = after.value - before.value
    noise = stride_noise(before, after, z=z)
    needed = max(mdc, noise or 0.0)
    if abs(delta) <= needed:
        return Change(
            metric, before.value, after.value, delta, mdc, noise, needed, "no_real_change", None
        )
    if better == "either":
        direction: Direction = "up" if delta > 0 else "down"
    else:
        improved = (delta > 0) == (better == "higher")
        direction = "better" if improved else "worse"
    return Change(
        metric, before.value, after.value, delta, mdc, noise, needed, "real_change", direction
    )


def changes_between(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, rules: HistoryRules
) -> dict[str, Change]:
    """Every followed metric's change from one summary to another."""
    return {
        r.name: classify_change(
            r.name,
            reading(before, r.name),
            reading(after, r.name),
            mdc=r.mdc,
            better=r.better,
            z=rules.z,
        )
        for r in rules.metrics
    }


# --------------------------------------------------------------------------- the history


def chronological(sessions: Sequence[SessionResult]) -> list[SessionResult]:
    """Sessions oldest first by date (a stable sort: same-day sessions keep the given order)."""
    return sorted(sessions, key=lambda s: s.date)


def build_history(sessions: Sequence[SessionResult], rules: HistoryRules) -> History:
    """The history table of a runner's sessions (in any order; returned oldest first)."""
    rows = []
    previous: SessionResult | None = None
    first: SessionResult | None = None
    for s in chronological(sessions):
        changes: dict[str, Change] = {}
        if s.summary is not None and previous is not None:
            changes = changes_between(previous.summary, s.summary, rules)
        rows.append(
            HistoryRow(
                session_id=s.session_id,
                date=s.date,
                analysis_id=s.analysis_id,
                readings={name: reading(s.summary, name) for name in rules.names},
                findings=finding_statuses(s.summary),
                changes=changes,
                previous_session_id=previous.session_id if changes and previous else None,
                state=s.state if s.summary is None else "done",
                note=s.note,
                warnings=capture_warnings(s.summary),
            )
        )
        if s.summary is not None:
            first = first or s
            previous = s
    overall: dict[str, Change] = {}
    if first is not None and previous is not None and first is not previous:
        overall = changes_between(first.summary, previous.summary, rules)
    return History(tuple(rows), overall, rules)


def plot_series(history: History, metric: str, *, unit: str = "") -> PlotSeries:
    """Plot data of ``metric``: the sessions with a result, oldest first, and the band of
    "no real change" around the first measured value."""
    rule = history.rules.rule(metric)
    rows = [r for r in history.rows if r.analysis_id is not None]
    values = tuple(r.readings[metric].value if r.readings[metric] else None for r in rows)
    verdicts: list[Verdict | None] = []
    for i, row in enumerate(rows):
        change = row.changes.get(metric)
        verdicts.append(change.verdict if change is not None and i > 0 else None)
    unit = unit or next((r.readings[metric].unit for r in rows if r.readings[metric]), "")
    base = next((v for v in values if v is not None), None)
    return PlotSeries(
        metric=metric,
        unit=unit,
        session_ids=tuple(r.session_id for r in rows),
        dates=tuple(r.date for r in rows),
        values=values,
        verdicts=tuple(verdicts),
        mdc=rule.mdc,
        band_low=None if base is None else base - rule.mdc,
        band_high=None if base is None else base + rule.mdc,
    )


# --------------------------------------------------------------------------- two sessions


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two sessions side by side: ``a`` the earlier, ``b`` the later (by date)."""

    a: SessionResult
    b: SessionResult
    readings: Mapping[str, tuple[Reading | None, Reading | None]]
    changes: Mapping[str, Change]
    findings: Mapping[str, tuple[str, str]]


def compare_sessions(a: SessionResult, b: SessionResult, rules: HistoryRules) -> Comparison:
    """Two sessions side by side, earlier first: every followed metric in both, its change
    classified, and both findings' statuses."""
    a, b = chronological([a, b])
    fa, fb = finding_statuses(a.summary), finding_statuses(b.summary)
    return Comparison(
        a=a,
        b=b,
        readings={n: (reading(a.summary, n), reading(b.summary, n)) for n in rules.names},
        changes=changes_between(a.summary, b.summary, rules),
        findings={p: (fa[p], fb[p]) for p in PATTERNS},
    )
