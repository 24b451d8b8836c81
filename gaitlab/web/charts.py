"""History charts: one metric over a runner's sessions, as a small self-contained SVG.

The axes tell the truth about what changed:

- the value axis is at least :data:`MIN_SPAN_MDC` times the metric's smallest detectable change
  tall, so a change within the method's own error looks small (cadence 169 -> 168 is not drawn
  as a fall), and it starts at zero when the values are positive and zero is near;
- the band of the smallest detectable change around the first session is shaded;
- each later session carries a bar: the range around the session before it within which a
  change is *not* real (the larger of the smallest detectable change and what the two sessions'
  stride-to-stride spread allows), so the rule that decided is visible, not only the band;
- a point that changed for real is filled, one that did not is hollow, and a session whose clip
  carried capture warnings is drawn as a square; every point says on hover what it is and why.

No words are made here: titles and hover texts come in with the data (from the catalogue).
Only SVG presentation attributes are used (no ``style``), so the page's CSP needs no inline style.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import math
from collections.abc import Sequence

#: The value axis spans at least this many smallest detectable changes.
MIN_SPAN_MDC = 8.0

_LEFT, _RIGHT, _TOP, _BOTTOM = 48.0, 12.0, 24.0, 30.0
_INK, _MUTED, _WARN = "#1b1f24", "#5b6470", "#a15c07"


@dataclasses.dataclass(frozen=True)
class Point:
    """One session on the chart.

    Attributes
    ----------
    date
        ``YYYY-MM-DD``.
    value
        The metric's value.
    real
        True when it changed for real against the session before (None for the first).
    window
        The range around the previous value within which a change is not real (None for the
        first, or when the two sessions are not comparable).
    note
        What the point says on hover (date, value, change and why).
    warned
        The session's clip carried capture warnings.
    """

    date: str
    value: float
    real: bool | None = None
    window: tuple[float, float] | None = None
    note: str = ""
    warned: bool = False


@dataclasses.dataclass(frozen=True)
class Chart:
    """A metric's chart: its title and unit, the points oldest first, the smallest detectable
    change ``mdc`` and the band around the first session (None without points)."""

    metric: str
    title: str
    unit: str
    mdc: float
    points: tuple[Point, ...]
    band: tuple[float, float] | None


def nice_step(span: float, n_ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``n_ticks``."""
    raw = span / max(n_ticks - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def value_axis(values: Sequence[float], mdc: float) -> tuple[float, float, list[float]]:
    """The value axis of a chart: ``(low, high, ticks)``.

    Holds every value; at least ``MIN_SPAN_MDC * mdc`` tall around them; from zero when all
    values are positive and zero is near (the low end would fall below zero, or lie within a
    third of the top); ends on round ticks.
    """
    lo, hi = min(values), max(values)
    span = max((hi - lo) * 1.2, MIN_SPAN_MDC * mdc, 1e-9)
    centre = (lo + hi) / 2
    low, high = centre - span / 2, centre + span / 2
    if lo >= 0 and (low < 0 or low < high / 3):
        low, high = 0.0, max(high - min(low, 0.0), hi * 1.1)
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    return low, high, ticks


def _day(date: str) -> float:
    try:
        return float(_dt.date.fromisoformat(date).toordinal())
    except ValueError:
        return 0.0


def _number(x: float) -> str:
    return f"{x:.4g}"


class _Frame:
    """Maps dates and values to the drawing area."""

    def __init__(self, chart: Chart, width_px: int, height_px: int) -> None:
        values = [p.value for p in chart.points] + [v for p in chart.points for v in p.window or ()]
        values += list(chart.band or ())
        self.low, self.high, self.ticks = value_axis(values, chart.mdc)
        self.width = width_px - _LEFT - _RIGHT
        self.height = height_px - _TOP - _BOTTOM
        self.days = [_day(p.date) for p in chart.points]
        self.n = len(chart.points)

    def x(self, i: int) -> float:
        first, last = min(self.days), max(self.days)
        if last > first:
            return _LEFT + (self.days[i] - first) / (last - first) * self.width
        return _LEFT + (self.width / 2 if self.n == 1 else i / (self.n - 1) * self.width)

    def y(self, value: float) -> float:
        return _TOP + (self.high - value) / (self.high - self.low) * self.height


def _axes(frame: _Frame) -> list[str]:
    parts = []
    for tick in frame.ticks:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + frame.width}" y2="{y:.1f}" '
            f'stroke="#d8dde3" stroke-width="1"/><text class="tick" x="{_LEFT - 5}" '
            f'y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{_MUTED}">'
            f"{_number(tick)}</text>"
        )
    return parts


def _band(frame: _Frame, band: tuple[float, float] | None) -> list[str]:
    if band is None:
        return []
    top, bottom = frame.y(max(band)), frame.y(min(band))
    return [
        f'<rect class="band" x="{_LEFT}" y="{top:.1f}" width="{frame.width:.1f}" '
        f'height="{max(bottom - top, 1.0):.1f}" fill="#9ab" fill-opacity="0.25"/>'
    ]


def _windows(frame: _Frame, points: Sequence[Point]) -> list[str]:
    parts = []
    for i, p in enumerate(points):
        if p.window is None:
            continue
        x, top, bottom = frame.x(i), frame.y(max(p.window)), frame.y(min(p.window))
        parts.append(
            f'<line class="window" x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="#9ab" stroke-width="7" stroke-opacity="0.6" stroke-linecap="round">'
            f"<title>{html.escape(p.note)}</title></line>"
        )
    return parts


def _marks(frame: _Frame, points: Sequence[Point]) -> list[str]:
    xy = [(frame.x(i), frame.y(p.value)) for i, p in enumerate(points)]
    parts = []
    if len(xy) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#246" stroke-width="1.5"/>')
    for (x, y), p in zip(xy, points, strict=True):
        fill = "#246" if p.real else "#fff"
        stroke = _WARN if p.warned else "#246"
        verdict = "first" if p.real is None else ("real_change" if p.real else "no_real_change")
        if p.warned:
            tag, shape = "rect", f'x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" '
            shape += 'data-warned="1"'
        else:
            tag, shape = "circle", f'cx="{x:.1f}" cy="{y:.1f}" r="4.5"'
        parts.append(
            f'<{tag} {shape} fill="{fill}" stroke="{stroke}" stroke-width="2" '
            f'data-verdict="{verdict}"><title>{html.escape(p.note)}</title></{tag}>'
        )
    return parts


def chart_svg(chart: Chart, *, width_px: int = 360, height_px: int = 190) -> str:
    """The chart as an SVG element (see the module's description)."""
    esc = html.escape
    unit = f" ({chart.unit})" if chart.unit else ""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history-plot" width="{width_px}" '
        f'height="{height_px}" viewBox="0 0 {width_px} {height_px}" role="img" '
        f'aria-label="{esc(chart.title + unit)}" data-metric="{esc(chart.metric)}">'
        f'<text x="{_LEFT}" y="15" font-size="13" fill="{_INK}">{esc(chart.title + unit)}</text>'
    )
    if not chart.points:
        return head + "</svg>"
    frame = _Frame(chart, width_px, height_px)
    dates = (
        f'<text x="{_LEFT}" y="{height_px - 9}" font-size="12" fill="{_MUTED}">'
        f"{esc(chart.points[0].date)}</text>"
        f'<text x="{_LEFT + frame.width}" y="{height_px - 9}" font-size="12" text-anchor="end" '
        f'fill="{_MUTED}">{esc(chart.points[-1].date)}</text>'
    )
    body = _axes(frame) + _band(frame, chart.band) + _windows(frame, chart.points)
    return head + "".join(body + _marks(frame, chart.points)) + dates + "</svg>"
