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
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe

from gaitlab import __version__
from gaitlab.metrics import registry
from gaitlab.report.cycles import CycleCurves
from gaitlab.report.figures import cycle_plot_uri, image_jpeg_uri
from gaitlab.report.keyframes import KeyFrame
from gaitlab.result import Evidence, Finding, Metric
from gaitlab.words import entry, say

if TYPE_CHECKING:
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
    """A number with its unit, rounded for people (``12.5 deg``, ``1.25 leg lengths``)."""
    if value is None:
        return "–"
    if unit == "leg length":
        return f"{value:.2f} leg lengths"
    if unit.startswith("%"):
        return f"{value:.0f}{unit}"
    if unit in ("steps/min", "ms"):
        return f"{value:.0f} {unit}"
    if unit == "deg":
        return f"{value:.1f} deg"
    return f"{value:.2f} {unit}".strip()


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
def verdict_items(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """One line per finding: its title, status and the catalogue's sentence."""
    return [
        {
            "pattern": f.pattern,
            "title": say(f"finding.{f.pattern}.title"),
            "status": f.status,
            "status_label": say(f"report.status.{f.status}"),
            "summary": f.summary,
            "clip": say("report.verdict.from_clip", clip=f.clip) if f.clip else "",
        }
        for f in findings
    ]


def evidence_row(e: Evidence, metrics: Mapping[str, Metric]) -> dict[str, Any]:
    """One evidence line: value, sides, threshold and its source, result and trust."""
    m = metrics.get(e.metric)
    unit = e.unit or (m.unit if m is not None else "")
    if e.met is None:
        result = say("report.evidence.not_measured")
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
        "value": format_value(e.value, unit),
        "left": format_value(m.left if m is not None else None, unit),
        "right": format_value(m.right if m is not None else None, unit),
        "threshold": f"{_COMPARISON_WORDS[e.comparison]} {format_value(e.threshold, unit)}",
        "source": source,
        "result": result,
        "met": e.met,
        "trust": e.trust or "",
        "strides": n,
        "note": e.note or (m.reason if m is not None and m.reason else ""),
    }


def tracking_line(clip: ClipAnalysis) -> str:
    """How well the runner was tracked in a clip, in one sentence."""
    has = clip.pose.tracks.has_pose
    cleaning = clip.cleaning
    return say(
        "report.evidence.tracking",
        clip=clip.name,
        tracked_pct=100.0 * float(has.mean()) if has.size else 0.0,
        filled=int(cleaning.frames_filled),
        swaps=len(cleaning.swapped_frames),
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
                "rows": [evidence_row(e, metrics) for e in f.evidence],
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
                "reason": f.summary if f.status == "not_assessed" else "",
            }
        )
    return out


def other_metric_rows(analysis: Analysis) -> list[dict[str, str]]:
    """Further measured metrics, for reference."""
    rows = []
    for name in OTHER_METRICS:
        m = analysis.metrics.get(name)
        if m is None or m.value is None:
            continue
        rows.append(
            {
                "label": metric_label(name),
                "value": format_value(m.value, m.unit) + (f" ({m.label})" if m.label else ""),
                "left": format_value(m.left, m.unit),
                "right": format_value(m.right, m.unit),
                "strides": str(m.n_strides),
                "trust": m.accuracy or "",
                "clip": m.clip or "",
            }
        )
    return rows


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
                "time": f"{k.time_s:.2f} s",
            }
        )
    return list(groups.values())


def keyframe_caption(k: KeyFrame) -> str:
    """The caption of a key frame, with the value it shows."""
    v = k.values
    fields: dict[str, Any] = {"side": k.side}
    if "ahead_leg" in v:
        fields.update(
            ahead=format_value(v["ahead_leg"], "leg length"),
            knee=format_value(v["knee_deg"], "deg"),
            thigh=format_value(v["thigh_deg"], "deg"),
        )
    if "drift_pct" in v:
        fields["drift"] = f"{v['drift_pct']:.0f}%"
    if "lean_deg" in v:
        fields["lean"] = format_value(v["lean_deg"], "deg")
    return say(f"report.keyframe.{k.key}", **fields)


def plot_groups(curves: Sequence[CycleCurves], views: Mapping[str, str]) -> list[dict[str, Any]]:
    """Plots over the gait cycle grouped by clip."""
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
            {"key": c.key, "uri": cycle_plot_uri(c), "alt": say(f"report.plot.{c.key}")}
        )
    return list(groups.values())


def todo_section(findings: Sequence[Finding]) -> dict[str, Any]:
    """Exercises for each flagged finding, or what was not assessed when nothing is flagged."""
    flagged = []
    for f in findings:
        if f.status != "flagged":
            continue
        block = entry(f"exercises.{f.pattern}")
        flagged.append(
            {
                "title": say(f"finding.{f.pattern}.title"),
                "intro": block["intro"],
                "exercises": [dict(x) for x in (f.exercises or block["items"])],
                "activation": list(block.get("activation", [])),
            }
        )
    not_assessed = [say(f"finding.{f.pattern}.not_assessed") for f in findings
                    if f.status == "not_assessed"]  # fmt: skip
    undecided = [f.summary for f in findings if f.status == "insufficient_evidence"]
    return {
        "flagged": flagged,
        "see_therapist": say("advice.see_therapist"),
        "nothing_flagged": "" if flagged else say("advice.nothing_flagged"),
        "not_assessed": not_assessed + undecided,
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
    """A list item of the guide as ``{"lead", "text"}``: a table item's first value leads."""
    if isinstance(x, dict):
        values = [str(v) for v in x.values()]
        if len(values) > 1:
            return {"lead": values[0], "text": " ".join(values[1:])}
        return {"lead": "", "text": " ".join(values)}
    return {"lead": "", "text": str(x)}


def check_label(name: str) -> str:
    """A capture check's name for people (``check.labels.<name>``, else the name readable)."""
    label = catalogue_entry(f"check.labels.{name}")
    return label if isinstance(label, str) else name.replace("_", " ")


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
                "status": c.status,
                "status_label": say(f"report.quality.status_{c.status}"),
                "message": c.message,
                "fix": c.fix or "",
                "value": "" if c.value is None else f"{c.value:g} {c.unit}".strip(),
            }
            for c in clip.checks
        ]
        out.append(
            {
                "clip": clip.name,
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
    created: _dt.datetime | None = None,
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
        "subtitle": say(
            "report.subtitle", clips=clips, version=__version__, date=created.strftime("%Y-%m-%d")
        ),
        "w": _words(),
        "verdict": verdict_items(analysis.findings),
        "evidence": evidence_sections(analysis),
        "other_metrics": other_metric_rows(analysis),
        "keyframes": keyframes,
        "plots": plot_groups(curves, views),
        "todo": todo_section(analysis.findings),
        "quality": quality_sections(analysis),
        "guide": guide_blocks(guide),
        "better_default": "" if guide is not None else say("report.quality.better_default"),
        "video_href": video_href,
        "video_poster": next(
            (g["frames"][0]["uri"] for g in keyframes if g["clip"] == video_clip), ""
        ),
        "disclaimer": say("disclaimer.text"),
    }


def _words() -> dict[str, Any]:
    """The ``[report]`` catalogue section, for headings and labels in the template."""
    return dict(entry("report"))
