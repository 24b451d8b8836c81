"""``report.html``: one self-contained page from Jinja templates shipped in the package.

The page is built from a plain context (dicts, lists and strings: :func:`report_context`) by
``templates/report.html.j2``, with autoescaping on, the stylesheet inlined and every figure a
data URI, so the file opens offline, can be e-mailed, and prints (``@media print``) as it reads.
Every sentence comes from the words catalogue (``[report.*]``, ``[finding.*]``,
``[exercises.*]``, ``[advice]``, ``[guide]``, ``[disclaimer]``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe

from gaitlab import __version__
from gaitlab.config import load_defaults
from gaitlab.metrics import registry
from gaitlab.metrics.sagittal import NEAR_LEG_METRICS
from gaitlab.report.cycles import CycleCurves
from gaitlab.report.exercises import flagged_exercises, week_plan
from gaitlab.report.figures import Reference, cycle_plot_svg, image_jpeg_uri, plot_references
from gaitlab.report.keyframes import KeyFrame
from gaitlab.report.plain import (
    GUIDE_ANCHORS,
    PATTERN_VIEW,
    format_number,
    in_cm,
    method_error,
    missing_clips,
    verdict_cards,
)
from gaitlab.result import Check, Evidence, Finding, Metric
from gaitlab.words import entry, say

if TYPE_CHECKING:
    from gaitlab.config.settings import Settings
    from gaitlab.result.analysis import Analysis, ClipAnalysis
    from gaitlab.signals.view import ViewEstimate


#: Metrics listed under "Other measurements" when measured (evidence metrics are not repeated).
OTHER_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_time_ms",
    "flight_time_ms",
    "duty_factor_pct",
    "knee_flexion_strike_deg",
    "knee_flexion_peak_stance_deg",
    "shank_angle_strike_deg",
    "foot_angle_strike_deg",
    "trunk_forward_lean_deg",
    "step_width_leg",
    "crossover_steps_pct",
    "knee_frontal_projection_deg",
)
_COMPARISON_WORDS = {"<": "<", ">": ">", "<=": "≤", ">=": "≥"}


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment: package templates, autoescaping always on, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gaitlab.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["inline_code"] = inline_code
    return env


def inline_code(text: str) -> markupsafe.Markup:
    """``text`` escaped, with spans between backticks (a command to type) set as code."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def render_html(context: Mapping[str, Any]) -> str:
    """The report page for a context from :func:`report_context`."""
    return environment().get_template("report.html.j2").render(**context)


# ----------------------------------------------------------------------------- formatting
def format_value(value: float | None, unit: str) -> str:
    """A number with its unit, rounded for people (:func:`gaitlab.report.plain.format_number`)."""
    return format_number(value, unit)


def metric_label(name: str) -> str:
    """A metric's name for people (:func:`gaitlab.metrics.registry.label`)."""
    return registry.label(name)


def catalogue_entry(key: str) -> Any | None:
    """The catalogue entry at ``key``, or None when the catalogue has none."""
    try:
        return entry(key)
    except KeyError:
        return None


# ----------------------------------------------------------------------------- sections
def side_difference(m: Metric | None, settings: Settings, *, far_leg_said: bool = False) -> str:
    """A word on whether a metric's left/right difference is real: larger than both the
    stride-to-stride spread of two side means (95 %) and the method's smallest detectable
    change (``mdc`` of the history settings); from a side view, the far leg's value is less
    reliable and is not compared (said once per table when ``far_leg_said``)."""
    if m is None or m.left is None or m.right is None:
        return ""
    unit = m.unit
    diff = abs(m.left - m.right)
    if m.name in NEAR_LEG_METRICS:
        if not far_leg_said:
            return say("report.sides.far_leg", diff=format_value(diff, unit))
        return ""
    limits = []
    err = method_error(settings, m.name)
    if err is not None:
        limits.append(err * math.sqrt(2.0))
    if m.sd is not None and m.n_strides >= 4:
        limits.append(1.96 * m.sd * math.sqrt(4.0 / m.n_strides))
    if not limits:
        return say("report.sides.unknown", diff=format_value(diff, unit))
    limit = max(limits)
    key = "report.sides.real" if diff > limit else "report.sides.not_real"
    return say(key, diff=format_value(diff, unit), limit=format_value(limit, unit))


def evidence_row(
    e: Evidence, metrics: Mapping[str, Metric], settings: Settings | None = None
) -> dict[str, Any]:
    """One evidence line: value, sides, threshold and its source, result and trust."""
    m = metrics.get(e.metric)
    unit = e.unit or (m.unit if m is not None else "")
    if e.met is None:
        result = say("report.evidence.not_assessed")
    else:
        result = say("report.evidence.met" if e.met else "report.evidence.not_met")
    source = e.source
    if source.startswith("none"):
        rationale = source.partition(":")[2].strip()
        source = say("report.evidence.no_cutoff", rationale=rationale)
    n = m.n_strides if m is not None else 0
    return {
        "metric": e.metric,
        "label": metric_label(e.metric),
        "role": say(f"report.evidence.role_{e.role}"),
        "value": format_value(e.value, unit)
        + in_cm(e.metric, e.value, unit, metrics, settings or load_defaults()),
        "left": format_value(m.left if m is not None else None, unit),
        "right": format_value(m.right if m is not None else None, unit),
        "threshold": f"{_COMPARISON_WORDS[e.comparison]} {format_value(e.threshold, unit)}",
        "source": source,
        "result": result,
        "met": e.met,
        "trust": e.trust or "",
        "strides": n,
        "strides_text": say("report.evidence.n_strides", n=n) if n else "",
        "note": e.note or (m.reason if m is not None and m.reason else ""),
        "sides": side_difference(m, settings or load_defaults()),
        "normal": normal_range(e.metric, settings or load_defaults()),
    }


def tracking_line(clip: ClipAnalysis) -> str:
    """How well the runner was tracked in a clip, in one sentence."""
    has = clip.pose.tracks.has_pose
    cleaning = clip.cleaning
    return say(
        "report.evidence.tracking",
        clip=clip.name,
        tracked_pct=100.0 * float(has.mean()) if has.size else 0.0,
        filled=say("words.frames", n=int(cleaning.frames_filled)),
        swaps=say("words.frames", n=len(cleaning.swapped_frames)),
    )


def evidence_sections(analysis: Analysis) -> list[dict[str, Any]]:
    """Per finding: its evidence lines, the strides and tracking behind them."""
    by_name = {c.name: c for c in analysis.clips}
    out = []
    for f in analysis.findings:
        clip = by_name.get(f.clip) if f.clip else None
        metrics = clip.metrics if clip is not None else analysis.metrics
        steps = clip.usable_steps() if clip is not None else {}
        out.append(
            {
                "pattern": f.pattern,
                "title": say(f"finding.{f.pattern}.title"),
                "status": f.status,
                "status_label": say(f"report.status.{f.status}"),
                "explanation": say(f"finding.{f.pattern}.explanation"),
                "rows": [evidence_row(e, metrics, analysis.settings) for e in f.evidence],
                "strides": (
                    say(
                        "report.evidence.strides",
                        n=steps["left"] + steps["right"],
                        left=steps["left"],
                        right=steps["right"],
                    )
                    if steps
                    else ""
                ),
                "tracking": tracking_line(clip) if clip is not None else "",
                "reason": " ".join(
                    missing_clips(analysis.clips, PATTERN_VIEW.get(f.pattern, "side"))
                )
                if f.status == "not_assessed"
                else "",
            }
        )
    return out


def normal_range(name: str, settings: Settings) -> str:
    """The usual values of a metric with their source (the settings' ``[reference.<name>]``
    and the catalogue's sentence), or an empty string when none are known."""
    ref = settings.reference_for(name)
    if ref is None:
        return ""
    text = say(f"metric.{name}.usual", low=ref.low, high=ref.high)
    if ref.source.startswith("none"):
        source = say("reference.no_source")
    else:
        source = ref.source.split(" (")[0]  # the citation; the config keeps the detail
    return say("report.reference.range", text=text, source=source)


#: Metrics timed from foot contacts: coarse below the recommended frame rate.
TIMED_METRICS: tuple[str, ...] = ("contact_time_ms", "flight_time_ms", "duty_factor_pct")


def timing_note(name: str, analysis: Analysis) -> str:
    """That a contact time from a clip below the recommended frame rate is coarse (said where
    the number is shown, so it is never a headline without it)."""
    if name not in TIMED_METRICS:
        return ""
    recommended = float(analysis.settings.checks.frame_rate.recommended_fps)
    fps = min((float(c.pose.video.fps) for c in analysis.clips if c.view.label == "side"),
              default=recommended)  # fmt: skip
    if fps >= recommended:
        return ""
    return say("report.timing_coarse", fps=fps, recommended=recommended)


def other_metric_rows(analysis: Analysis) -> list[dict[str, str]]:
    """Further measured metrics, for reference (the far leg's caveat is said once, above the
    table: :func:`other_metrics_note`)."""
    rows = []
    for name in OTHER_METRICS:
        m = analysis.metrics.get(name)
        if m is None or m.value is None:
            continue
        rows.append(
            {
                "metric": name,
                "label": metric_label(name),
                "value": format_value(m.value, m.unit)
                + in_cm(name, m.value, m.unit, analysis.metrics, analysis.settings)
                + (f" ({m.label})" if m.label else ""),
                "left": format_value(m.left, m.unit),
                "right": format_value(m.right, m.unit),
                "strides": str(m.n_strides),
                "trust": m.accuracy or "",
                "clip": m.clip or "",
                "note": side_difference(m, analysis.settings, far_leg_said=True),
                "normal": normal_range(name, analysis.settings),
            }
        )
    return rows


def other_metrics_note(analysis: Analysis) -> str:
    """Said once above the other measurements: that contact times are coarse at this frame
    rate (:func:`timing_note`), and that the far leg's angles are not compared when some come
    from the near leg only."""
    notes = [next((timing_note(n, analysis) for n in TIMED_METRICS if n in analysis.metrics), "")]
    if any(
        name in NEAR_LEG_METRICS and m.value is not None and m.left is not None
        for name, m in analysis.metrics.items()
    ):
        notes.append(say("report.sides.far_leg_table"))
    return " ".join(n for n in notes if n)


def keyframe_groups(frames: Sequence[KeyFrame]) -> list[dict[str, Any]]:
    """Key frames grouped by clip, each with its picture and caption."""
    groups: dict[str, dict[str, Any]] = {}
    for k in frames:
        g = groups.setdefault(
            k.clip,
            {
                "clip": k.clip,
                "note": say("report.keyframe.plain_background", clip=k.clip) if k.plain else "",
                "frames": [],
            },
        )
        g["frames"].append(
            {
                "key": k.key,
                "uri": image_jpeg_uri(k.image),
                "width": int(k.image.shape[1]),
                "height": int(k.image.shape[0]),
                "caption": keyframe_caption(k),
                "time": say("report.keyframe.frame", frame=k.frame_index, time_s=k.time_s),
            }
        )
    return list(groups.values())


def keyframe_caption(k: KeyFrame) -> str:
    """The caption of a key frame: the moment, the value it shows, and the value the report
    gives for that number (a mean over strides)."""
    v = k.values
    fields: dict[str, Any] = {"side": k.side}
    if "ahead_leg" in v:
        fields["ahead"] = format_value(v["ahead_leg"], "leg length")
    if "knee_deg" in v:
        fields["knee"] = format_value(v["knee_deg"], "deg")
    if "thigh_deg" in v:
        fields["thigh"] = format_value(v["thigh_deg"], "deg")
    if "drift_pct" in v:
        fields["drift"] = f"{abs(v['drift_pct']):.0f}%"
        fields["travel"] = format_value(k.value, "% pelvis width")
    if "lean_deg" in v:
        fields["lean"] = format_value(abs(v["lean_deg"]), "deg")
    text = say(f"report.keyframe.{k.key}", **fields)
    if k.reported is not None and k.unit is not None:
        reported = format_value(k.reported, k.unit)
        text += " " + say("report.keyframe.reported", reported=reported, n=k.n_strides)
    return text


def plot_groups(
    curves: Sequence[CycleCurves],
    views: Mapping[str, str],
    references: Mapping[str, Reference] | None = None,
) -> list[dict[str, Any]]:
    """Plots over the gait cycle grouped by clip, each with its threshold drawn (``references``
    by plot key) and its caption."""
    references = references or {}
    groups: dict[str, dict[str, Any]] = {}
    for c in curves:
        g = groups.setdefault(
            c.clip,
            {
                "clip": c.clip,
                "note": say("report.plot.far_leg_note") if views.get(c.clip) == "side" else "",
                "plots": [],
            },
        )
        g["plots"].append(
            {
                "key": c.key,
                "svg": markupsafe.Markup(cycle_plot_svg(c, references.get(c.key))),
                "title": say(f"report.plot.{c.key}"),
                "axis": say(f"report.plot.{c.key}_y"),
            }
        )
    return list(groups.values())


def todo_section(
    findings: Sequence[Finding],
    programme_href: str | None = None,
    programme_pdf: str | None = None,
) -> dict[str, Any]:
    """Exercises (plan, cards, week) for each flagged finding, or what was not assessed when
    nothing is flagged."""
    flagged = flagged_exercises(findings)
    return {
        "flagged": flagged,
        "week": week_plan([f["pattern"] for f in flagged]),
        "legend": say("programme.legend"),
        "week_title": say("programme.week"),
        "programme": (
            say("programme.link", file=programme_href) if flagged and programme_href else ""
        ),
        "programme_href": programme_href if flagged else None,
        "programme_pdf": (
            say("programme.in_pdf", file=programme_pdf) if flagged and programme_pdf else ""
        ),
        "see_therapist": say("advice.see_therapist") if flagged else "",
        "nothing_flagged": "" if flagged else say("report.plain.nothing_to_change"),
    }


def guide_blocks(node: Any, heading: str = "") -> list[dict[str, Any]]:
    """The catalogue's ``[guide]`` (any shape of strings, lists and tables) as blocks of
    ``{"heading", "paragraphs", "points"}``."""
    if node is None:
        return []
    if isinstance(node, str):
        return [{"heading": heading, "paragraphs": [node], "points": []}]
    if isinstance(node, list):
        items = [_plain(x) for x in node]
        return [{"heading": heading, "paragraphs": [], "points": items}]
    blocks: list[dict[str, Any]] = []
    here: dict[str, Any] = {"heading": heading, "paragraphs": [], "points": []}
    for key, value in node.items():
        if isinstance(value, str):
            if key == "title":
                here["heading"] = value
            else:
                here["paragraphs"].append(value)
        elif isinstance(value, list):
            here["points"].extend(_plain(x) for x in value)
        elif isinstance(value, dict):
            title = value.get("title", "") if isinstance(value.get("title"), str) else ""
            blocks.extend(guide_blocks({k: v for k, v in value.items() if k != "title"}, title))
    return ([here] if here["paragraphs"] or here["points"] or here["heading"] else []) + blocks


def _plain(x: Any) -> dict[str, str]:
    """A list item of the guide as ``{"lead", "text", "anchor"}``: a topic leads its text (a
    ``view`` item gets the anchor the report's next steps link to); else a table item's first
    value leads."""
    if isinstance(x, dict) and "topic" in x and "text" in x:
        view = x.get("view")
        anchor = GUIDE_ANCHORS.get(str(view), "") if view else ""
        return {"lead": str(x["topic"]), "text": str(x["text"]), "anchor": anchor}
    if isinstance(x, dict):
        values = [str(v) for v in x.values()]
        if len(values) > 1:
            return {"lead": values[0], "text": " ".join(values[1:]), "anchor": ""}
        return {"lead": "", "text": " ".join(values), "anchor": ""}
    return {"lead": "", "text": str(x), "anchor": ""}


def check_label(name: str) -> str:
    """A capture check's name for people (``check.labels.<name>``, else the name readable)."""
    label = catalogue_entry(f"check.labels.{name}")
    return label if isinstance(label, str) else name.replace("_", " ")


def check_status_label(c: Check) -> str:
    """A check's result for people: "not measured" (never "pass") when it could not be
    measured."""
    not_measured = say("check.not_measured", what=check_label(c.name))
    if c.message == not_measured:
        return say("report.quality.status_not_measured")
    return say(f"report.quality.status_{c.status}")


def quality_sections(analysis: Analysis) -> list[dict[str, Any]]:
    """Per clip: its capture checks (or a fallback) and the measured facts."""
    out = []
    for clip in analysis.clips:
        video = clip.pose.video
        has = clip.pose.tracks.has_pose
        steps = clip.usable_steps()
        no_video = f" ({say('report.quality.no_video')})" if video.codec == "none" else ""
        facts = [
            (say("report.quality.view"), _view_text(clip.view)),
            (say("report.quality.frame_rate"), f"{video.fps:.0f} fps" + no_video),
            (say("report.quality.resolution"), f"{video.width_px} × {video.height_px} px"),
            (say("report.quality.duration"), f"{video.duration_s:.1f} s"),
            (say("report.quality.tracked"), f"{100.0 * float(has.mean()) if has.size else 0:.0f}%"),
            (
                say("report.quality.strides"),
                say(
                    "report.evidence.strides",
                    n=steps["left"] + steps["right"],
                    left=steps["left"],
                    right=steps["right"],
                ),
            ),
        ]
        checks = [
            {
                "name": check_label(c.name),
                "status": "not_measured"
                if c.message == say("check.not_measured", what=check_label(c.name))
                else c.status,
                "status_label": check_status_label(c),
                "message": c.message,
                "fix": c.fix or "",
                "value": "" if c.value is None else f"{c.value:g} {c.unit}".strip(),
            }
            for c in clip.checks
        ]
        passed = [c["name"] for c in checks if c["status"] == "pass"]
        out.append(
            {
                "clip": clip.name,
                "passed": say("report.quality.passed", checks=", ".join(passed)) if passed else "",
                "checks": checks,
                "no_checks": "" if checks else say("report.quality.no_checks"),
                "facts": facts,
            }
        )
    return out


def _view_text(view: ViewEstimate) -> str:
    parts = [view.label]
    if view.facing:
        parts.append(say("report.quality.facing", facing=view.facing))
    if view.setting:
        parts.append(view.setting)
    return ", ".join(parts)


def report_context(
    analysis: Analysis,
    *,
    frames: Sequence[KeyFrame],
    curves: Sequence[CycleCurves],
    video_href: str | None = None,
    video_clip: str | None = None,
    programme_href: str | None = None,
    programme_pdf: str | None = None,
    runner: str | None = None,
    session_date: _dt.date | None = None,
    created: _dt.datetime | None = None,
    open_details: bool = False,
) -> dict[str, Any]:
    """Everything the template shows, as plain data.

    Parameters
    ----------
    analysis
        The :class:`gaitlab.result.analysis.Analysis`.
    frames
        Key frames (:func:`gaitlab.report.keyframes.key_frames`).
    curves
        Curves over the gait cycle (:func:`gaitlab.report.cycles.cycle_curves`).
    video_href
        Relative link to the annotated clip, or None.
    video_clip
        The clip it shows (its first key frame is the video's poster).
    programme_href
        Relative link to the home programme written beside the report, or None.
    programme_pdf
        File name of the home programme's PDF when one is written: the printed report then
        points to it instead of repeating the exercise cards.
    runner
        The runner's name or code, or None.
    session_date
        The day the clips were filmed, or None.
    open_details
        Show the therapist's part open (the printed page prints it whole either way).
    created
        Time stamp shown in the subtitle (now by default).
    """
    created = created or _dt.datetime.now(_dt.UTC)
    clips = ", ".join(c.name for c in analysis.clips)
    guide = catalogue_entry("guide")
    views = {c.name: c.view.label for c in analysis.clips}
    keyframes = keyframe_groups(frames)
    return {
        "lang": "en",
        "title": say("report.title"),
        "who": {
            "runner": say("report.who.runner", runner=runner) if runner else "",
            "session": say("report.who.session", date=session_date.isoformat())
            if session_date
            else say("report.who.no_session"),
            "clips": say("report.who.clips", clips=clips),
            "made": say("report.who.made", version=__version__, date=created.strftime("%Y-%m-%d")),
        },
        "w": _words(),
        "verdict": verdict_cards(analysis),
        "open_details": open_details,
        "evidence": evidence_sections(analysis),
        "other_metrics": other_metric_rows(analysis),
        "other_note": other_metrics_note(analysis),
        "keyframes": keyframes,
        "plots": plot_groups(
            curves,
            views,
            plot_references([e for f in analysis.findings for e in f.evidence], analysis.settings),
        ),
        "todo": todo_section(analysis.findings, programme_href, programme_pdf),
        "quality": quality_sections(analysis),
        "guide": guide_blocks(
            {k: v for k, v in guide.items() if k != "title"} if isinstance(guide, dict) else guide
        ),
        "better_default": "" if guide is not None else say("report.quality.better_default"),
        "video_href": video_href,
        "video_poster": next(
            (g["frames"][0]["uri"] for g in keyframes if g["clip"] == video_clip), ""
        ),
        "disclaimer": say(
            "disclaimer.text"
            if any(f.status == "flagged" for f in analysis.findings)
            else "disclaimer.no_exercises"
        ),
    }


def _words() -> dict[str, Any]:
    """The ``[report]`` catalogue section, for headings and labels in the template."""
    return dict(entry("report"))
