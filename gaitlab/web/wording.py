"""The words the pages use for states, findings and changes (one word for each state
everywhere), from the words catalogue; the templates get these functions as globals."""

from __future__ import annotations

from gaitlab.metrics import registry
from gaitlab.web import history as H
from gaitlab.web.keyframes import KeyFrame
from gaitlab.words import say


def finding_word(status: str) -> str:
    """A finding's status as the report says it (``flagged`` -> "Flagged", ...)."""
    try:
        return say(f"report.status.{status}")
    except KeyError:
        return status.replace("_", " ")


def state_word(state: str) -> str:
    """A session's state: ``none``, ``queued``, ``running``, ``done``, ``failed``, ``refused``."""
    return say(f"web.state.{state}")


def stage_text(stage: str) -> str:
    """The words for a job's stage (the stage name itself for one the catalogue lacks: an
    analysis function may report stages of its own)."""
    if not stage:
        return ""
    try:
        return say(f"web.stage.{stage}")
    except KeyError:
        return stage


def metric_title(name: str) -> str:
    """A metric's name for people (:func:`gaitlab.metrics.registry.label`)."""
    return registry.label(name)


def number(x: float) -> str:
    """A value as the pages show it: 3 significant digits."""
    return f"{x:.3g}"


def change_text(change: H.Change, unit: str) -> str:
    """What a change is and why: the difference, the verdict, and the rule that decided
    ("-1: no real change, within the method's smallest detectable change (+-0.7 steps/min)")."""
    if change.verdict == "not_comparable" or change.delta is None or change.rule is None:
        return say("web.history.why.not_comparable")
    rule = say(f"web.history.why.{change.rule}", needed=f"{change.needed:.2g}", unit=unit)
    delta = f"{change.delta:+.2g}"
    if change.verdict == "no_real_change":
        return say("web.history.why.no_real_change", delta=delta, rule=rule)
    direction = say(f"web.history.direction.{change.direction}")
    return say("web.history.why.real_change", delta=delta, rule=rule, direction=direction)


def moment_label(k: KeyFrame) -> str:
    """A key moment's button: "Toe-off, left · 9.37 s"."""
    try:
        name = say(f"web.review.moment.{k.moment}")
    except KeyError:
        name = k.moment.replace("_", " ").capitalize()
    if k.side is None:
        return say("web.review.moment_label_no_side", name=name, time_s=k.time_s)
    side = say(f"web.review.side.{k.side}")
    return say("web.review.moment_label", name=name, side=side, time_s=k.time_s)


GLOBALS = {
    "moment_label": moment_label,
    "finding_word": finding_word,
    "state_word": state_word,
    "stage_text": stage_text,
    "metric_title": metric_title,
    "number": number,
    "change_text": change_text,
}
