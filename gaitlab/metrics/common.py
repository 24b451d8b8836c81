"""Helpers shared by the metric modules: per-side aggregation, asymmetry, and making a metric.

The body scale (leg length, :data:`~gaitlab.pose.body.HEIGHT_PER_LEG_LENGTH`) lives in
:mod:`gaitlab.pose.body`, below the signal and event stages that also use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from gaitlab.metrics import registry
from gaitlab.metrics.registry import STANDARD
from gaitlab.pose.landmarks import SIDES
from gaitlab.result import Metric
from gaitlab.words import say


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """``(left - right) / mean(left, right) * 100``; None if a side is missing or the mean is 0."""
    if left is None or right is None or not (np.isfinite(left) and np.isfinite(right)):
        return None
    mean = 0.5 * (left + right)
    if mean == 0:
        return None
    return float((left - right) / mean * 100.0)


@dataclasses.dataclass(frozen=True)
class SideSummary:
    """Mean and spread of one quantity over the usable steps or strides of both sides.

    Attributes
    ----------
    value
        Mean over all usable values (both sides pooled), None if too few.
    left, right
        Per-side means, None where that side has too few values.
    asymmetry_pct
        ``(left - right) / mean * 100`` when both sides exist.
    sd
        Standard deviation over all usable values.
    n
        Number of values the mean rests on.
    n_left, n_right
        Number of usable values per side.
    """

    value: float | None
    left: float | None
    right: float | None
    asymmetry_pct: float | None
    sd: float | None
    n: int
    n_left: int
    n_right: int


def summarise_sides(
    values: Sequence[float] | np.ndarray,
    sides: Sequence[str] | np.ndarray,
    *,
    min_per_side: int,
) -> SideSummary:
    """Pool per-step (or per-stride) values into a headline mean, per-side means and asymmetry.

    Parameters
    ----------
    values
        One value per step or stride; NaN entries are ignored.
    sides
        ``"left"`` or ``"right"`` for each value.
    min_per_side
        A side with fewer finite values gets no mean. The headline value needs at least this
        many on each side, so that one well-tracked leg cannot stand in for the runner.

    Returns
    -------
    SideSummary
    """
    v = np.asarray(values, dtype=float)
    s = np.asarray(sides, dtype=object)
    ok = np.isfinite(v)
    per_side: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for side in SIDES:
        sel = v[ok & (s == side)]
        counts[side] = int(sel.size)
        per_side[side] = float(np.mean(sel)) if sel.size >= min_per_side else None
    both = all(counts[side] >= min_per_side for side in SIDES)
    pooled = v[ok]
    return SideSummary(
        value=float(np.mean(pooled)) if both else None,
        left=per_side["left"],
        right=per_side["right"],
        asymmetry_pct=asymmetry_pct(per_side["left"], per_side["right"]),
        sd=float(np.std(pooled, ddof=1)) if both and pooled.size > 1 else None,
        n=int(pooled.size) if both else 0,
        n_left=counts["left"],
        n_right=counts["right"],
    )


def shortfall_reason(left: int, right: int, found: int, need: int) -> str:
    """Why a value is missing when a side has too few usable strides (or steps)."""
    return say("metric.reason.too_few_strides", left=left, right=right, found=found, need=need)


def from_summary(
    name: str,
    s: SideSummary,
    *,
    clip: str | None,
    shortfall: str,
    reason: str | None = None,
    accuracy: str | None = STANDARD,
    **extra: Any,
) -> Metric:
    """The metric ``name`` from a :class:`SideSummary`, as its registry entry declares it.

    Per-side means and the asymmetry are kept where the metric has them
    (:class:`~gaitlab.metrics.registry.MetricSpec`); a missing value gets ``shortfall`` as
    its reason, a present one ``reason``; ``extra`` overrides any field.
    """
    spec = registry.spec(name)
    per_side = spec.sides == "per_side"
    fields: dict[str, Any] = {
        "value": s.value,
        "n_strides": s.n,
        "left": s.left if per_side else None,
        "right": s.right if per_side else None,
        "asymmetry_pct": s.asymmetry_pct if per_side and spec.asymmetry else None,
        "sd": s.sd,
        "reason": reason if s.value is not None else shortfall,
        "accuracy": accuracy,
    }
    fields.update(extra)
    return registry.make_metric(name, clip=clip, **fields)
