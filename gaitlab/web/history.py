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
import datetime as _dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from gaitlab.config import Settings

#: The two findings, in the order they are shown.
PATTERNS: tuple[str, ...] = ("hip_tightness", "hip_weakness")

Better = Literal["higher", "lower", "either"]
Verdict = Literal["real_change", "no_real_change", "not_comparable"]
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
    """One session and the summary of its latest finished analysis (None: no result yet)."""

    session_id: str
    date: str
    summary: Mapping[str, Any] | None = None
    analysis_id: str | None = None


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


# --------------------------------------------------------------------------- the plot


def _day_number(date: str) -> float:
    try:
        return float(_dt.date.fromisoformat(date).toordinal())
    except ValueError:
        return 0.0


def series_svg(series: PlotSeries, *, title: str, width_px: int = 360, height_px: int = 160) -> str:
    """A small self-contained SVG of one metric over time: the values joined by a line, the
    "no real change" band shaded, and points that changed for real against the previous one
    filled (others hollow).

    Uses SVG presentation attributes only (no ``style``), so the page's Content Security Policy
    needs no inline styles.
    """
    left, right, top, bottom = 44.0, 10.0, 20.0, 26.0
    w, h = width_px - left - right, height_px - top - bottom
    triples = zip(series.dates, series.values, series.verdicts, strict=True)
    points = [(d, v, k) for d, v, k in triples if v is not None]
    esc = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history-plot" width="{width_px}" '
        f'height="{height_px}" viewBox="0 0 {width_px} {height_px}" role="img" '
        f'aria-label="{esc(title)}">',
        f'<text x="{left}" y="13" font-size="12" fill="#222">{esc(title)}'
        f"{esc(f' ({series.unit})') if series.unit else ''}</text>",
    ]
    if not points:
        parts.append(f'<text x="{left}" y="{top + h / 2}" font-size="11" fill="#666">-</text>')
        parts.append("</svg>")
        return "".join(parts)
    lows = [v for _, v, _ in points] + [series.band_low or points[0][1]]
    highs = [v for _, v, _ in points] + [series.band_high or points[0][1]]
    y_min, y_max = min(lows), max(highs)
    pad = (y_max - y_min) * 0.1 or max(abs(y_max) * 0.05, 1e-3)
    y_min, y_max = y_min - pad, y_max + pad
    days = [_day_number(d) for d, _, _ in points]
    d_min, d_max = min(days), max(days)

    def x_of(day: float, i: int) -> float:
        if d_max > d_min:
            return left + (day - d_min) / (d_max - d_min) * w
        return left + (w / 2 if len(points) == 1 else i / (len(points) - 1) * w)

    def y_of(v: float) -> float:
        return top + (y_max - v) / (y_max - y_min) * h

    if series.band_low is not None and series.band_high is not None:
        y_hi, y_lo = y_of(series.band_high), y_of(series.band_low)
        parts.append(
            f'<rect class="band" x="{left:.1f}" y="{y_hi:.1f}" width="{w:.1f}" '
            f'height="{y_lo - y_hi:.1f}" fill="#9ab" fill-opacity="0.25"/>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#888"/>'
        f'<text x="{left - 4}" y="{y_of(y_max - pad) + 4:.1f}" font-size="10" '
        f'text-anchor="end" fill="#444">{y_max - pad:.3g}</text>'
        f'<text x="{left - 4}" y="{y_of(y_min + pad) + 4:.1f}" font-size="10" '
        f'text-anchor="end" fill="#444">{y_min + pad:.3g}</text>'
    )
    xy = [
        (x_of(day, i), y_of(v)) for i, (day, (_, v, _)) in enumerate(zip(days, points, strict=True))
    ]
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#246" stroke-width="1.5"/>')
    for (x, y), (date, value, verdict) in zip(xy, points, strict=True):
        fill = "#246" if verdict == "real_change" else "#fff"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="#246" '
            f'stroke-width="1.5" data-verdict="{verdict or "first"}">'
            f"<title>{esc(date)}: {value:.3g}</title></circle>"
        )
    parts.append(
        f'<text x="{left}" y="{height_px - 8}" font-size="10" fill="#444">{esc(points[0][0])}'
        f'</text><text x="{left + w}" y="{height_px - 8}" font-size="10" text-anchor="end" '
        f'fill="#444">{esc(points[-1][0])}</text></svg>'
    )
    return "".join(parts)


# --------------------------------------------------------------------------- two sessions


@dataclasses.dataclass(frozen=True)
class KeyFrameRef:
    """One key frame of a report: its key (``foot_strike``, ...), caption and image URI."""

    key: str
    caption: str
    uri: str


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


_FIGURE = re.compile(
    r'<figure class="keyframe" data-key="(?P<key>[\w-]+)">\s*<img src="(?P<uri>data:image/'
    r'(?:jpeg|png);base64,[A-Za-z0-9+/=]+)"[^>]*?alt="(?P<alt>[^"]*)"',
)


def keyframes_in_report(report_html: str) -> list[KeyFrameRef]:
    """The key frames embedded in a ``report.html`` (``<figure class="keyframe">`` with a
    ``data:`` image), in report order."""
    return [
        KeyFrameRef(m["key"], html.unescape(m["alt"]), m["uri"])
        for m in _FIGURE.finditer(report_html)
    ]
