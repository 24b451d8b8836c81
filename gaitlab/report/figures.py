"""Figures of the report as PNG data URIs (matplotlib's Agg canvas, no pyplot state).

Plots over the gait cycle draw every stride faint and the mean bold, left and right in the
colours of the skeleton drawings (:mod:`gaitlab.report.draw`), with the mean toe-off marked.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gaitlab.pose.landmarks import SIDES
from gaitlab.report import draw
from gaitlab.report.cycles import CycleCurves
from gaitlab.words import say

#: Figure size (inches) and resolution: 840 x 450 pixels, sharp at the width shown and in print.
FIGSIZE_IN: tuple[float, float] = (5.6, 3.0)
DPI: int = 150
#: Fixed margins (shares of the figure): computing a layout per figure costs a third of the
#: drawing time.
MARGINS: dict[str, float] = {"left": 0.115, "right": 0.97, "bottom": 0.15, "top": 0.9}
#: PNG compression (zlib level 1-9): level 3 is about as small as the default 6, and faster.
PNG_COMPRESS_LEVEL: int = 3
#: Opacity and width of the per-stride lines and of the mean.
STRIDE_ALPHA: float = 0.25
STRIDE_WIDTH: float = 0.8
MEAN_WIDTH: float = 2.4
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


def side_colour(side: str) -> tuple[float, float, float]:
    """The matplotlib colour (0..1 RGB) of a side, as in the skeleton drawings."""
    rgb = draw.LEFT if side == "left" else draw.RIGHT
    return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for ``png`` bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def jpeg_data_uri(jpeg: bytes) -> str:
    """``data:image/jpeg;base64,...`` for ``jpeg`` bytes."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def figure_png(fig: Figure) -> bytes:
    """The figure rendered to PNG bytes."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buf.getvalue()


def cycle_figure(curves: CycleCurves) -> Figure:
    """One signal over the gait cycle: strides faint, means bold, mean toe-off dotted.

    The title and axis labels are the words catalogue's ``report.plot.<key>`` entries.
    """
    fig = Figure(figsize=FIGSIZE_IN)
    fig.subplots_adjust(**MARGINS)
    ax = fig.add_subplot()
    for side in SIDES:
        colour = side_colour(side)
        rows = curves.curves.get(side, np.zeros((0, curves.percent.size)))
        for row in rows:
            if np.isfinite(row).all():
                ax.plot(curves.percent, row, color=colour, alpha=STRIDE_ALPHA, lw=STRIDE_WIDTH)
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
    ax.set_xlim(0, 100)
    _keep_span(ax, MIN_SPAN.get(curves.key, 1.0))
    ax.set_xlabel(say("report.plot.xlabel"), fontsize=8)
    ax.set_ylabel(say(f"report.plot.{curves.key}_y"), fontsize=8)
    ax.set_title(say(f"report.plot.{curves.key}"), fontsize=10, loc="left")
    ax.tick_params(labelsize=7)
    ax.grid(True, lw=0.4, alpha=0.5)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False, loc="best")
    return fig


def _keep_span(ax, min_span: float) -> None:
    """Widen the vertical axis to at least ``min_span`` around its middle; no offset labels."""
    lo, hi = ax.get_ylim()
    if hi - lo < min_span:
        mid = 0.5 * (lo + hi)
        ax.set_ylim(mid - min_span / 2, mid + min_span / 2)
    ax.ticklabel_format(axis="y", useOffset=False)


def cycle_plot_uri(curves: CycleCurves) -> str:
    """:func:`cycle_figure` as a PNG data URI."""
    return png_data_uri(figure_png(cycle_figure(curves)))


def image_jpeg_uri(rgb: np.ndarray, quality: int = 85) -> str:
    """An RGB picture as a JPEG data URI."""
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB picture
        raise RuntimeError("OpenCV could not encode a key frame as JPEG.")
    return jpeg_data_uri(buf.tobytes())
