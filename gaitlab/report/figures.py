"""Figures of the report: plots over the gait cycle as inline SVG, key frames as JPEG.

Plots draw every stride faint and the mean bold, left and right in the colours of the skeleton
drawings (:mod:`gaitlab.report.draw`), the mean toe-off dotted, and, where the finding has one,
the threshold the number is judged against (a dashed line or a shaded band, labelled). They are
written as SVG with their text kept as text, sized so that the labels stay at least 12 CSS
pixels on a 375 px phone screen (:data:`FIGSIZE_PT`, :data:`FONT_PT`); the plot's title and
what its axis means are HTML beside it (the page's caption), so they wrap on a phone.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from gaitlab.pose.landmarks import SIDES
from gaitlab.report import draw
from gaitlab.report.cycles import CycleCurves
from gaitlab.result import Evidence
from gaitlab.words import say

if TYPE_CHECKING:
    from gaitlab.config.settings import Settings

#: Figure size in points (= CSS pixels at 100 %): shown at most this wide on a phone
#: (343 px of a 375 px screen), so 13-point labels stay above 12 px.
FIGSIZE_PT: tuple[float, float] = (360.0, 240.0)
#: Size of the tick, axis and legend labels (points = CSS pixels at the figure's own size).
FONT_PT: float = 13.0
#: Fixed margins (shares of the figure): computing a layout per figure is slow.
MARGINS: dict[str, float] = {"left": 0.2, "right": 0.95, "bottom": 0.19, "top": 0.84}
#: Opacity and width of the per-stride lines and of the mean.
STRIDE_ALPHA: float = 0.25
STRIDE_WIDTH: float = 0.8
#: The faint per-stride lines are drawn through every 2nd % of the cycle (smooth at this size,
#: half the file); the means through every point.
STRIDE_EVERY_PCT: int = 2
MEAN_WIDTH: float = 2.4
#: The reference drawn: dashed line or band, in a colour apart from left and right.
REFERENCE_COLOUR: str = "#333333"
BAND_COLOUR: str = "#e6e6e6"
#: Smallest span of a plot's vertical axis, in the curve's unit, by curve: a nearly constant
#: signal (a steady trunk lean) is drawn as a flat line, not magnified noise.
MIN_SPAN: dict[str, float] = {
    "hip_angle": 10.0,
    "knee_angle": 10.0,
    "trunk_forward": 6.0,
    "foot_forward": 0.2,
    "pelvis_travel": 10.0,
    "trunk_side": 6.0,
    "foot_side": 0.1,
}


@dataclasses.dataclass(frozen=True)
class Reference:
    """What a plot is read against: a threshold line at ``value`` (``kind = "line"``), lines
    at ``+-value`` (``"both"``), a band of ``value`` from top to bottom centred on zero
    (``"band"``, a peak-to-peak travel), or the usual range from ``value`` to ``high``
    (``"range"``). ``label`` is drawn beside it."""

    kind: str
    value: float
    label: str
    high: float | None = None


#: The finding metric each plot shows, and how its threshold is drawn on that plot:
#: hip extension is the thigh angle's peak; the foot's landing distance is the curve at 0 %;
#: pelvis drift is the curve's peak-to-peak travel; trunk lean its peak either way.
PLOT_METRICS: dict[str, tuple[str, str]] = {
    "hip_angle": ("hip_extension_deg", "line"),
    "foot_forward": ("foot_strike_ahead_leg", "line"),
    "pelvis_travel": ("lateral_drift_pct", "band"),
    "trunk_side": ("trunk_lean_deg", "both"),
}


#: Plots without a threshold that show a metric's usual range (``[reference.<metric>]``).
PLOT_RANGES: dict[str, str] = {"knee_angle": "knee_flexion_peak_stance_deg"}


def plot_references(
    evidence: Sequence[Evidence], settings: Settings | None = None
) -> dict[str, Reference]:
    """The reference of each plot: the findings' thresholds (which a user's ``--config`` may
    have changed) from their evidence, else a usual range from the settings."""
    by_metric = {e.metric: e for e in evidence}
    out = {}
    for key, metric in PLOT_RANGES.items():
        ref = settings.reference_for(metric) if settings is not None else None
        if ref is not None and ref.low is not None and ref.high is not None:
            label = say(f"report.plot.reference.{key}", low=ref.low, high=ref.high)
            out[key] = Reference("range", float(ref.low), label, float(ref.high))
    for key, (metric, kind) in PLOT_METRICS.items():
        e = by_metric.get(metric)
        if e is None or e.threshold is None:
            continue
        value = float(e.threshold)
        out[key] = Reference(kind, value, say(f"report.plot.reference.{key}", value=value))
    return out


def side_colour(side: str) -> tuple[float, float, float]:
    """The matplotlib colour (0..1 RGB) of a side, as in the skeleton drawings."""
    rgb = draw.LEFT if side == "left" else draw.RIGHT
    return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)


def jpeg_data_uri(jpeg: bytes) -> str:
    """``data:image/jpeg;base64,...`` for ``jpeg`` bytes."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def cycle_figure(curves: CycleCurves, reference: Reference | None = None) -> Figure:
    """One signal over the gait cycle: strides faint, means bold, mean toe-off dotted, the
    reference dashed or shaded; the legend above the axes."""
    fig = Figure(figsize=(FIGSIZE_PT[0] / 72, FIGSIZE_PT[1] / 72))
    fig.subplots_adjust(**MARGINS)
    ax = fig.add_subplot()
    if reference is not None:
        toe = [t for t in curves.toe_off_pct.values() if np.isfinite(t)]
        _draw_reference(ax, reference, stance_end_pct=float(np.mean(toe)) if toe else 100.0)
    for side in SIDES:
        colour = side_colour(side)
        rows = curves.curves.get(side, np.zeros((0, curves.percent.size)))
        whole = [row for row in rows if np.isfinite(row).all()]
        if whole:
            # one collection for all strides: much faster to draw and smaller as SVG
            step = STRIDE_EVERY_PCT
            segments = [np.column_stack([curves.percent[::step], row[::step]]) for row in whole]
            ax.add_collection(
                LineCollection(
                    segments, colors=[colour], alpha=STRIDE_ALPHA, linewidths=STRIDE_WIDTH
                )
            )
        n = curves.n_strides(side)
        if n:
            ax.plot(
                curves.percent,
                curves.mean(side),
                color=colour,
                lw=MEAN_WIDTH,
                label=say(f"report.plot.{side}", n=n),
            )
        toe = curves.toe_off_pct.get(side, float("nan"))
        if np.isfinite(toe):
            ax.axvline(toe, color=colour, ls=":", lw=1.2)
    ax.autoscale_view()
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    _keep_span(ax, MIN_SPAN.get(curves.key, 1.0), reference)
    ax.set_xlabel(say("report.plot.xlabel"), fontsize=FONT_PT)
    ax.set_ylabel(say(f"report.plot.{curves.key}_unit"), fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT)
    ax.grid(True, lw=0.4, alpha=0.5)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(MARGINS["left"] - 0.02, 1.0),
            ncol=2,
            fontsize=FONT_PT,
            frameon=False,
            handlelength=1.4,
            columnspacing=1.0,
        )
    return fig


def _draw_reference(ax, reference: Reference, stance_end_pct: float = 100.0) -> None:
    """The threshold as a dashed line (or two) or a shaded band, labelled at its right end; a
    usual range (of a value in stance) is shaded over the stance only, labelled at its left."""
    v = reference.value
    if reference.kind == "range" and reference.high is not None:
        ax.axhspan(v, reference.high, xmax=stance_end_pct / 100.0, color=BAND_COLOUR, zorder=0)
        ax.annotate(
            reference.label,
            xy=(1, reference.high),
            xycoords="data",
            ha="left",
            va="bottom",
            fontsize=FONT_PT,
            color=REFERENCE_COLOUR,
        )
        return
    elif reference.kind == "band":
        ax.axhspan(-v / 2, v / 2, color=BAND_COLOUR, zorder=0)
        ys = [v / 2]
    else:
        ys = [v, -v] if reference.kind == "both" else [v]
        for y in ys:
            ax.axhline(y, color=REFERENCE_COLOUR, ls="--", lw=1.3, zorder=1)
    ax.annotate(
        reference.label,
        xy=(99, ys[0]),
        xycoords="data",
        ha="right",
        va="bottom",
        fontsize=FONT_PT,
        color=REFERENCE_COLOUR,
    )


def _keep_span(ax, min_span: float, reference: Reference | None) -> None:
    """Widen the vertical axis to at least ``min_span`` around its middle, and to show the
    reference with room for its label; no offset labels."""
    lo, hi = ax.get_ylim()
    if reference is not None:
        v = reference.value / 2 if reference.kind == "band" else reference.value
        top = reference.high if reference.kind == "range" and reference.high is not None else v
        bottom = -v if reference.kind in ("band", "both") else v
        pad = 0.22 * max(hi - lo, min_span)
        lo, hi = min(lo, bottom - 0.05 * pad), max(hi, top + pad)
    if hi - lo < min_span:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - min_span / 2, mid + min_span / 2
    ax.set_ylim(lo, hi)
    ax.ticklabel_format(axis="y", useOffset=False)


def figure_svg(fig: Figure, id_prefix: str) -> str:
    """The figure as an inline ``<svg>`` element: text kept as text, no fixed size (the page
    sizes it), every id prefixed with ``id_prefix`` so several plots can share a page."""
    buf = io.StringIO()
    FigureCanvasSVG(fig)
    with _svg_settings():
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    svg = re.sub(r'id="([^"]+)"', rf'id="{id_prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{id_prefix}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{id_prefix}-\1"', svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'(?<=\sd=")[^"]*', _round_path, svg)
    return svg.replace("<svg ", '<svg class="plot-svg" role="img" ', 1)


_NUMBER = re.compile(r"-?\d+\.\d+")


def _round_path(match: re.Match) -> str:
    """A path's coordinates to 0.1 unit (a tenth of a CSS pixel at the figure's size), on one
    line."""
    d = _NUMBER.sub(lambda m: f"{float(m.group()):.1f}".rstrip("0").rstrip("."), match.group())
    return re.sub(r"\s+", " ", d).strip()


def _svg_settings():
    """matplotlib settings for inline SVG (restored afterwards): text as text, stable ids."""
    import matplotlib

    return matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gaitlab"})


def cycle_plot_svg(curves: CycleCurves, reference: Reference | None = None) -> str:
    """:func:`cycle_figure` as an inline SVG element."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", f"plot-{curves.clip}-{curves.key}")
    return figure_svg(cycle_figure(curves, reference), prefix)


def image_jpeg_uri(rgb: np.ndarray, quality: int = 85) -> str:
    """An RGB picture as a JPEG data URI."""
    return jpeg_data_uri(image_jpeg(rgb, quality))


def image_jpeg(rgb: np.ndarray, quality: int = 85) -> bytes:
    """An RGB picture as JPEG bytes."""
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB picture
        raise RuntimeError("OpenCV could not encode a key frame as JPEG.")
    return buf.tobytes()
