"""The metric registry: one declaration per metric, read by everything that shows a metric.

Each metric gaitlab reports is declared once, in :data:`METRICS`: its name (with the unit as
suffix), the unit symbol people read, the camera view it needs, how left and right apply, and
what a missing value means. Its label and accuracy statement are sentences, so they live in the
words catalogue under ``[metric.<name>]`` (``label = ...``, ``accuracy = ...``); the registry
names them (:func:`label`, :func:`accuracy`). The metric builders make every
:class:`~gaitlab.result.Metric` through :func:`make_metric` (or :func:`from_summary`), which
takes the unit and view from here and checks the sides against the declaration; the report, the
batch tables, the web pages and the JSON schema's tests read labels, units and order from here.

How to add a metric
-------------------
1. Add a :class:`MetricSpec` to :data:`METRICS` (the order is the order tables and pages use).
2. Add ``[metric.<name>]`` with ``label`` and ``accuracy`` to ``gaitlab/words/catalogue.toml``
   (accuracy variants, e.g. by method, as ``accuracy_<variant>``; placeholders are filled by
   the builder's ``accuracy_fields``).
3. Build it with :func:`make_metric` / :func:`from_summary` in its stage.

Nothing else: a test fails when a unit or a label of a metric is written anywhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from gaitlab.result import Metric
from gaitlab.words import say

#: How left and right apply: ``per_side`` (a mean per side beside the headline value) or
#: ``none`` (one value for the runner, or a clip-wide quantity).
Sides = Literal["per_side", "none"]

#: What a missing value (``value`` None, with a ``reason``) means, besides the view not fitting
#: (a metric of another view is not reported at all):
#:
#: * ``too_few_strides``: the clip has too few usable strides (steps) per side;
#: * ``needs_height``: also when the runner's height is not given;
#: * ``needs_height_or_belt_speed``: also when neither the height nor the belt speed is given;
#: * ``smoothed_tracks``: also on MediaPipe's smoothed (VIDEO-mode) tracks, which shift it;
#: * ``not_seen``: the landmarks it is read from were not seen;
#: * ``not_measurable``: it cannot be measured from video landmarks at all; always missing,
#:   reported so that findings can show it as not measured;
#: * ``needs_stickers``: it needs skin stickers on the pelvis (:mod:`gaitlab.markers`), and
#:   their standing zero for some; missing without them.
Missing = Literal[
    "too_few_strides",
    "needs_height",
    "needs_height_or_belt_speed",
    "smoothed_tracks",
    "not_seen",
    "not_measurable",
    "needs_stickers",
]

#: The views a metric can need, as ``Metric.view_needed`` says them.
View = Literal["any", "side", "rear/front"]


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """The declaration of one metric.

    Attributes
    ----------
    name
        The metric's name, with its unit as suffix (``cadence_spm``, ``contact_time_ms``).
    unit
        The unit symbol people read (``"steps/min"``, ``"ms"``, ``"deg"``, ``"leg length"``).
    views
        The view(s) it is measured from; a metric read from two kinds of view in two ways
        (``camera_roll_deg``) lists both, and its builder says which.
    sides
        How left and right apply (:data:`Sides`).
    asymmetry
        Whether ``asymmetry_pct`` (left against right) is reported.
    missing
        What a missing value means (:data:`Missing`).
    """

    name: str
    unit: str
    views: tuple[View, ...]
    sides: Sides = "per_side"
    asymmetry: bool = True
    missing: Missing = "too_few_strides"

    @property
    def view(self) -> View:
        """The view it needs (the first, for a metric with two)."""
        return self.views[0]


def _spec(name: str, unit: str, view: View | tuple[View, ...], **kw: Any) -> MetricSpec:
    return MetricSpec(name, unit, view if isinstance(view, tuple) else (view,), **kw)


#: Every metric, in the order tables and pages list them.
METRICS: Mapping[str, MetricSpec] = {
    s.name: s
    for s in (
        # timing (gaitlab.metrics.timing)
        _spec("cadence_spm", "steps/min", "any", asymmetry=False),
        _spec("step_time_ms", "ms", "any"),
        _spec("stride_time_ms", "ms", "any"),
        _spec("contact_time_ms", "ms", "side"),
        _spec("flight_time_ms", "ms", "side"),
        _spec("duty_factor_pct", "%", "side"),
        _spec("contact_time_asymmetry_pct", "%", "side", asymmetry=False),
        _spec("step_time_asymmetry_pct", "%", "any", asymmetry=False),
        _spec("vertical_oscillation_leg", "leg length", "side"),
        _spec("vertical_oscillation_cm", "cm", "side", missing="needs_height"),
        # side view (gaitlab.metrics.sagittal)
        _spec("hip_extension_deg", "deg", "side"),
        _spec("step_length_leg", "leg length", "side"),
        _spec("step_length_m", "m", "side", missing="needs_height_or_belt_speed"),
        _spec("foot_strike_ahead_leg", "leg length", "side"),
        _spec("toe_off_behind_leg", "leg length", "side"),
        _spec("stance_behind_hips_pct", "% of stance", "side"),
        _spec("contact_length_leg", "leg length", "side"),
        _spec("knee_flexion_strike_deg", "deg", "side"),
        _spec("knee_flexion_peak_stance_deg", "deg", "side"),
        _spec("shank_angle_strike_deg", "deg", "side"),
        _spec("foot_angle_strike_deg", "deg", "side"),
        _spec("foot_strike_pattern", "% of strikes", "side", sides="none"),
        _spec("trunk_forward_lean_deg", "deg", "side", sides="none"),
        # side view, from stickers on the ASIS and PSIS (gaitlab.metrics.pelvis)
        _spec("anterior_pelvic_tilt_deg", "deg", "side", sides="none", missing="needs_stickers"),
        _spec("pelvic_tilt_standing_deg", "deg", "side", sides="none", missing="needs_stickers"),
        _spec("pelvic_tilt_change_deg", "deg", "side", sides="none", missing="needs_stickers"),
        _spec("pelvic_tilt_range_deg", "deg", "side", sides="none", missing="needs_stickers"),
        _spec("hip_extension_pelvis_deg", "deg", "side", sides="none", missing="needs_stickers"),
        # rear/front view (gaitlab.metrics.frontal)
        _spec("lateral_drift_pct", "% pelvis width", "rear/front"),
        _spec("lateral_drift_cm", "cm", "rear/front", missing="needs_height"),
        _spec("drift_peak_stance_pct", "% of stance", "rear/front", missing="smoothed_tracks"),
        _spec("trunk_lean_deg", "deg", "rear/front"),
        # from stickers on both PSIS (or ASIS) (gaitlab.metrics.pelvis)
        _spec("pelvic_drop_deg", "deg", "rear/front", missing="needs_stickers"),
        _spec("pelvic_drop_mean_deg", "deg", "rear/front", missing="needs_stickers"),
        _spec("hip_line_tilt_deg", "deg", "rear/front"),
        _spec("knee_frontal_projection_deg", "deg", "rear/front"),
        _spec("step_width_leg", "leg length", "rear/front"),
        _spec("crossover_steps_pct", "% of steps", "rear/front"),
        # both (read differently from the side and from behind)
        _spec("camera_roll_deg", "deg", ("side", "rear/front"), sides="none", missing="not_seen"),
    )
}


def spec(name: str) -> MetricSpec:
    """The declaration of metric ``name``.

    Raises
    ------
    KeyError
        Naming the metric when it is not declared.
    """
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not declared in gaitlab.metrics.registry") from None


def label(name: str) -> str:
    """The metric's name for people (``metric.<name>.label`` in the words catalogue); for a
    name that is not a metric (an old summary), the name made readable."""
    if name not in METRICS:
        return name.replace("_", " ")
    return say(f"metric.{name}.label")


def unit(name: str) -> str:
    """The metric's unit symbol (empty for a name that is not a metric)."""
    return METRICS[name].unit if name in METRICS else ""


def accuracy(name: str, variant: str = "", /, **fields: Any) -> str:
    """The metric's accuracy statement (``metric.<name>.accuracy[_<variant>]``), filled in."""
    spec(name)
    key = f"metric.{name}.accuracy" + (f"_{variant}" if variant else "")
    return say(key, **fields)


def missing_meaning(name: str) -> str:
    """What a missing value of this metric means, in a sentence (``metric.missing.*``)."""
    return say(f"metric.missing.{spec(name).missing}")


#: ``accuracy=`` of :func:`make_metric`: the metric's standard statement.
STANDARD = "standard"


def make_metric(
    name: str,
    *,
    value: float | None,
    clip: str | None,
    n_strides: int = 0,
    left: float | None = None,
    right: float | None = None,
    asymmetry_pct: float | None = None,
    sd: float | None = None,
    estimate: bool = False,
    reason: str | None = None,
    label: str | None = None,
    view: View | None = None,
    accuracy: str | None = STANDARD,
) -> Metric:
    """A :class:`~gaitlab.result.Metric` of a declared metric, unit and view from the registry.

    Parameters
    ----------
    name
        A name in :data:`METRICS`.
    value, n_strides, left, right, asymmetry_pct, sd, estimate, reason, label, clip
        As in :class:`~gaitlab.result.Metric`.
    view
        For a metric with two views, the one it was read from.
    accuracy
        ``STANDARD`` for the catalogue's statement, an already filled-in statement
        (:func:`~gaitlab.metrics.registry.accuracy` with a variant or fields), or None.

    Raises
    ------
    ValueError
        When the values contradict the declaration (sides or asymmetry given to a metric
        declared without them, a view it does not have): a bug in the builder.
    """
    s = spec(name)
    if s.sides == "none" and (left is not None or right is not None):
        raise ValueError(f"metric {name!r} is declared without sides but got left/right values")
    if not s.asymmetry and asymmetry_pct is not None:
        raise ValueError(f"metric {name!r} is declared without asymmetry but got one")
    if view is not None and view not in s.views:
        raise ValueError(f"metric {name!r} is not read from the {view} view")
    return Metric(
        name=name,
        value=value,
        unit=s.unit,
        view_needed=view or s.view,
        n_strides=n_strides,
        left=left,
        right=right,
        asymmetry_pct=asymmetry_pct,
        sd=sd,
        accuracy=say(f"metric.{name}.accuracy") if accuracy == STANDARD else accuracy,
        estimate=estimate,
        clip=clip,
        reason=reason,
        label=label,
    )


def summary_problems(summary: Mapping[str, Any]) -> list[str]:
    """Where a ``summary.json``'s metrics disagree with the registry (empty when they agree):
    an undeclared name, another unit, a view the metric does not have."""
    problems = []
    sections = [summary.get("metrics", {})]
    sections += [pool.get("metrics", {}) for pool in summary.get("pools", [])]
    for metrics in sections:
        for name, m in metrics.items():
            if name not in METRICS:
                problems.append(f"metric {name!r} is not declared in gaitlab.metrics.registry")
                continue
            s = METRICS[name]
            if m.get("unit") != s.unit:
                problems.append(f"metric {name!r} has unit {m.get('unit')!r}, not {s.unit!r}")
            if m.get("view_needed") not in s.views:
                problems.append(f"metric {name!r} needs view {m.get('view_needed')!r}")
    return problems
