"""``home-programme.html`` (and ``.pdf``): one printable page of exercises a therapist can hand
over, for the findings that were flagged.

The page names the runner and the session, lists the plan step by step, a week to tick off,
and a card per exercise (instructions and drawing: :mod:`gaitlab.report.exercises`). It is
written beside the report only when a finding is flagged: with nothing flagged there is no
exercise to give.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from gaitlab import __version__
from gaitlab.report.exercises import flagged_exercises, week_plan
from gaitlab.result import Finding
from gaitlab.words import entry, say

#: File names of the home programme, beside the report.
HTML_NAME = "home-programme.html"
PDF_NAME = "home-programme.pdf"


def has_programme(findings: Sequence[Finding]) -> bool:
    """True when a finding is flagged (so there are exercises to give)."""
    return any(f.status == "flagged" for f in findings)


def programme_context(
    findings: Sequence[Finding],
    *,
    runner: str | None = None,
    session_date: _dt.date | None = None,
    created: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything the home programme shows, as plain data.

    Parameters
    ----------
    findings
        The analysis' findings; the flagged ones give the exercises.
    runner
        The runner's name or code, or None.
    session_date
        The date the clips were filmed, or None (then the page says the day it was made).
    created
        When the page is made (now by default).
    """
    created = created or _dt.datetime.now(_dt.UTC)
    flagged = flagged_exercises(findings)
    day = (session_date or created.date()).isoformat()
    return {
        "lang": "en",
        "title": say("programme.title"),
        "runner_line": say("programme.for_runner", runner=runner) if runner else "",
        "session_line": say("programme.session", date=day),
        "made_line": say("programme.made", version=__version__, date=created.strftime("%Y-%m-%d")),
        "found": say("programme.found", findings=", ".join(f["title"] for f in flagged)),
        "legend": say("programme.legend"),
        "flagged": flagged,
        "n_cards": sum(len(f["cards"]) for f in flagged),
        "week": week_plan([f["pattern"] for f in flagged]),
        "disclaimer": say("disclaimer.text"),
        "w": dict(entry("programme")),
    }


def render_programme(context: dict[str, Any]) -> str:
    """The home programme page for a context from :func:`programme_context`."""
    from gaitlab.report.html import environment

    return environment().get_template("home-programme.html.j2").render(**context)
