"""The robustness suite: altered copies of a real clip, and the rule each must meet.

Each :class:`Variant` is an ffmpeg recipe that changes one thing about a clip (rotation
metadata, a mirror image, a lower resolution, another codec, a variable frame rate, darkness,
camera tilt, feet out of the picture, a second person). The rule (:func:`judge`): either the
variant's results stay within :data:`TOLERANCES` of the original's (a mirrored clip: with left and
right exchanged), or both ``gaitlab check`` and the analysis' checks raise the check named for
that problem (``warn`` or ``fail``), a check the original clip does not raise.

Used by ``tests/test_robustness.py`` and ``benchmarks/robustness.py`` (which writes the table
in ``benchmarks/results/robustness.md``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab.result import Check, Metric

FfmpegArgs = Callable[[Path, Path, Path], list[list[str]]]


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """How far a metric may move: ``abs`` in its unit, or ``rel`` as a share of the original."""

    kind: str  # "abs" or "rel"
    limit: float

    def exceeded(self, original: float, variant: float) -> float | None:
        """The deviation (in the tolerance's terms) when over the limit, else None."""
        d = abs(variant - original)
        if self.kind == "rel":
            d = d / abs(original) if original else math.inf
        return d if d > self.limit else None


#: cadence 1%, angles 3 degrees, drift 15% (of the original value).
CADENCE_TOLERANCE = Tolerance("rel", 0.01)
ANGLE_TOLERANCE = Tolerance("abs", 3.0)
DRIFT_TOLERANCE = Tolerance("rel", 0.15)
#: Metrics that are not results but measurements of the camera (they change by design).
CAMERA_METRICS: frozenset[str] = frozenset({"camera_roll_deg"})


def tolerance_for(name: str, metric: Metric) -> Tolerance | None:
    """The tolerance of a metric by name: cadence, angles (unit ``deg``) and drift; None for
    the metrics the suite does not compare."""
    if name in CAMERA_METRICS:
        return None
    if name == "cadence_spm":
        return CADENCE_TOLERANCE
    if name.startswith("lateral_drift"):
        return DRIFT_TOLERANCE
    if metric.unit == "deg" and name.endswith("_deg"):
        return ANGLE_TOLERANCE
    return None


@dataclasses.dataclass(frozen=True)
class Deviation:
    """One compared figure outside its tolerance."""

    metric: str
    part: str  # "value" (the headline)
    original: float | None
    variant: float | None
    deviation: float | None

    def describe(self) -> str:
        if self.original is None or self.variant is None:
            return f"{self.metric}.{self.part}: {self.original} -> {self.variant}"
        return f"{self.metric}.{self.part}: {self.original:.2f} -> {self.variant:.2f}"


def compare_metrics(
    original: Mapping[str, Metric], variant: Mapping[str, Metric]
) -> list[Deviation]:
    """Headline values of ``variant`` outside their tolerance of ``original``'s.

    Compared: cadence, every angle and drift that the original measured. A figure the variant
    lost (None where the original had a value) counts as a deviation. Per-side values are not
    compared: they rest on half the strides, and re-encoding alone (HEVC) moved per-side
    cadence by 5% while the headline moved by 0.2%. A mirrored clip is compared the same way:
    headline values do not depend on which side is called left (the side-view angles are the
    near leg's, the drift and lean are the mean of both sides).
    """
    out: list[Deviation] = []
    for name, m in original.items():
        tol = tolerance_for(name, m)
        if tol is None or m.value is None:
            continue
        v = variant.get(name)
        if v is None or v.value is None:
            out.append(Deviation(name, "value", float(m.value), None, None))
            continue
        d = tol.exceeded(float(m.value), float(v.value))
        if d is not None:
            out.append(Deviation(name, "value", float(m.value), float(v.value), d))
    return out


def raised(checks: Sequence[Check], name: str) -> bool:
    """True when the check ``name`` is there with ``warn`` or ``fail``."""
    return any(c.name == name and c.status != "pass" for c in checks)


@dataclasses.dataclass(frozen=True)
class Variant:
    """One altered copy of a clip.

    Attributes
    ----------
    name
        Short identifier.
    description
        What was changed, for the table.
    check
        The check named for this problem (None: the results must stay within tolerance).
    ffmpeg
        ``(source, extra_source, output) ->`` the ffmpeg command lines (arguments without
        ``ffmpeg -y``) to run in turn; ``extra_source`` is a longer copy of the source clip,
        for pasting in a second person. Intermediate files go beside ``output``.
    mirrored
        The picture is mirrored: left and right exchange.
    """

    name: str
    description: str
    check: str | None
    ffmpeg: FfmpegArgs
    mirrored: bool = False


#: Encoder settings of every re-encoded variant (fast; quality close to the source).
X264: tuple[str, ...] = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
                         "-pix_fmt", "yuv420p", "-an")  # fmt: skip


def _filtered(vf: str) -> FfmpegArgs:
    return lambda src, _long, out: [["-i", str(src), "-vf", vf, *X264, str(out)]]


def _rotation_tag(src: Path, _long: Path, out: Path) -> list[list[str]]:
    # pixels stored turned 90 degrees clockwise, and a tag saying to turn them back
    turned = out.with_name(f"{out.stem}.turned.mp4")
    return [
        ["-i", str(src), "-vf", "transpose=1", *X264, str(turned)],
        ["-i", str(turned), "-c", "copy", "-metadata:s:v", "rotate=90", str(out)],
    ]


def _hevc10(src: Path, _long: Path, out: Path) -> list[list[str]]:
    return [["-i", str(src), "-c:v", "libx265", "-preset", "ultrafast", "-crf", "20",
             "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-tag:v", "hvc1",
             "-an", str(out)]]  # fmt: skip


def _vfr(src: Path, _long: Path, out: Path) -> list[list[str]]:
    # drop one frame in seven (frame intervals 33 and 67 ms) keeping every frame's own time
    return [["-i", str(src), "-vf", r"select=not(eq(mod(n\,7)\,3))", "-fps_mode", "vfr",
             *X264, str(out)]]  # fmt: skip


def _second_person(src: Path, long: Path, out: Path) -> list[list[str]]:
    # the runner of the same clip 3 s later, cut out with the wall behind him, at three
    # quarters of his size, pasted high on the right of the picture (on the cupboards)
    graph = "[1:v]crop=480:680:80:600,scale=360:510[p];[0:v][p]overlay=360:40:shortest=1"
    return [["-i", str(src), "-ss", "3", "-i", str(long), "-filter_complex", graph, *X264,
             str(out)]]  # fmt: skip


#: The suite, for a portrait 720 x 1280 side-view treadmill clip (``male_side.mp4``).
VARIANTS: tuple[Variant, ...] = (
    Variant(
        "rotation_metadata",
        "stored turned 90 degrees with a rotation tag (as phones do)",
        None,
        _rotation_tag,
    ),
    Variant(
        "mirrored",
        "mirror image (left and right exchanged)",
        None,
        _filtered("hflip"),
        mirrored=True,
    ),
    Variant("480p", "downscaled to 480 x 854", "resolution", _filtered("scale=480:-2")),
    Variant("hevc_10bit", "re-encoded as HEVC Main 10 (yuv420p10le)", None, _hevc10),
    Variant("variable_frame_rate", "one frame in seven dropped, times kept (25.7 fps)", None, _vfr),
    Variant("darkened", "brightness scaled to 30%", "lighting", _filtered("lutyuv=y=val*0.3")),
    Variant(
        "tilt_5", "camera rolled 5 degrees", "tilt", _filtered("rotate=5*PI/180:fillcolor=black")
    ),
    Variant(
        "tilt_10", "camera rolled 10 degrees", "tilt", _filtered("rotate=10*PI/180:fillcolor=black")
    ),
    Variant(
        "feet_cropped",
        "bottom of the picture cut off (feet out of frame)",
        "whole_body",
        _filtered("crop=iw:1100:0:0"),
    ),
    Variant(
        "second_person", "a second runner (3/4 size, 3 s later) pasted in", "people", _second_person
    ),
)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The rule applied to one variant."""

    variant: str
    passed: bool
    within_tolerance: bool
    deviations: tuple[Deviation, ...]
    check: str | None
    raised_by_check: bool  # gaitlab check (preflight)
    raised_by_report: bool  # the analysis' checks
    raised_on_original: bool

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["deviations"] = [dataclasses.asdict(x) for x in self.deviations]
        return d


def judge(
    variant: Variant,
    *,
    original_metrics: Mapping[str, Metric],
    variant_metrics: Mapping[str, Metric],
    original_checks: Sequence[Check],
    variant_preflight: Sequence[Check],
    variant_report: Sequence[Check],
) -> Outcome:
    """Apply the suite's rule to one variant.

    Passed when the results stay within tolerance, or when the variant's named check is raised
    by both the preflight and the report and not by the original (``original_checks``: the
    original's preflight and report checks together).
    """
    deviations = tuple(compare_metrics(original_metrics, variant_metrics))
    name = variant.check
    by_check = name is not None and raised(variant_preflight, name)
    by_report = name is not None and raised(variant_report, name)
    on_original = name is not None and raised(original_checks, name)
    within = not deviations
    return Outcome(
        variant=variant.name,
        passed=within or (by_check and by_report and not on_original),
        within_tolerance=within,
        deviations=deviations,
        check=name,
        raised_by_check=by_check,
        raised_by_report=by_report,
        raised_on_original=on_original,
    )
