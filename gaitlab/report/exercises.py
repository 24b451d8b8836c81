"""Exercises a person can do: cards with instructions and a drawing, a step-by-step plan and a
week to tick off, for every flagged finding.

Used by the report's "What to do" section and by the one-page home programme
(``home-programme.html`` / ``.pdf``). Every sentence comes from the words catalogue:
``[exercises.<pattern>]`` (the finding's exercises), ``[exercise.<id>]`` (one card) and
``[programme]`` (headings, plan, week). The drawings are the shipped SVGs of
:mod:`gaitlab.report.exercise_pictures`.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from gaitlab.report.exercise_pictures import shipped_svg
from gaitlab.result import Finding
from gaitlab.words import entry, say

#: The card's fields, in the order shown (labels in ``[programme.card]``).
CARD_FIELDS: tuple[str, ...] = ("start", "move", "hold", "sets", "feel", "mistake")
#: Days in the week to tick off, and the days of a strength session (a rest day between).
WEEK_DAYS: int = 7
STRENGTH_DAYS: tuple[int, ...] = (1, 3, 5)
#: The week's rows for each finding's exercises, and the days each one is done.
WEEK_ROWS: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {
    "hip_tightness": (("stretch", tuple(range(1, WEEK_DAYS + 1))),),
    "hip_weakness": (("strength", STRENGTH_DAYS), ("activate", tuple(range(1, WEEK_DAYS + 1)))),
}


@functools.cache
def picture_uri(name: str) -> str:
    """The shipped drawing ``name`` as an SVG data URI."""
    svg = shipped_svg(name).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def exercise_id(item: Mapping[str, Any], pattern: str) -> str:
    """The card id of a finding's exercise item (its ``id``; items stored before ids existed
    are matched by name)."""
    if "id" in item:
        return str(item["id"])
    for known in entry(f"exercises.{pattern}.items"):
        if known["name"] == item.get("name"):
            return str(known["id"])
    raise KeyError(f"No exercise card for '{item.get('name')}' in the words catalogue.")


def exercise_card(item: Mapping[str, Any], pattern: str) -> dict[str, Any]:
    """One exercise as a card: name, plain description, dosage, the instructions as
    ``(label, text)`` rows, and the drawing."""
    key = exercise_id(item, pattern)
    card = entry(f"exercise.{key}")
    return {
        "id": key,
        "name": str(item["name"]),
        "what": card["what"],
        "dose": str(item.get("dose", "")),
        "rows": [(say(f"programme.card.{f}"), card[f]) for f in CARD_FIELDS],
        "picture": picture_uri(card["picture"]),
        "alt": say("programme.picture_alt", name=item["name"]),
    }


def finding_exercises(finding: Finding) -> dict[str, Any]:
    """A flagged finding's exercises: title, intro, the plan's steps, the glute switching-on
    steps (hip weakness) and the cards."""
    pattern = finding.pattern
    block = entry(f"exercises.{pattern}")
    items = finding.exercises or tuple(block["items"])
    activation = list(block.get("activation", []))
    return {
        "pattern": pattern,
        "title": say(f"finding.{pattern}.title"),
        "intro": block["intro"],
        "plan": list(entry(f"programme.plan_steps.{pattern}")),
        "activation_intro": (
            say(f"programme.plan_steps.{pattern}_activation") if activation else ""
        ),
        "activation": activation,
        "cards": [exercise_card(x, pattern) for x in items],
    }


def week_plan(patterns: Sequence[str]) -> dict[str, Any]:
    """The week to tick off: day headings and one row per kind of exercise, with the days it
    is done."""
    rows = []
    for pattern in patterns:
        for key, days in WEEK_ROWS.get(pattern, ()):
            rows.append(
                {
                    "label": say(f"programme.week_row.{key}"),
                    "days": [d in days for d in range(1, WEEK_DAYS + 1)],
                }
            )
    return {
        "days": [say("programme.day", n=d) for d in range(1, WEEK_DAYS + 1)],
        "rows": rows,
    }


def flagged_exercises(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """:func:`finding_exercises` of every flagged finding, in the findings' order."""
    return [finding_exercises(f) for f in findings if f.status == "flagged"]
