"""A runner's history (``/runners/{id}/history``) and two sessions compared
(``/runners/{id}/compare?a=SESSION&b=SESSION``), from the same services as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gaitlab.web import db, services
from gaitlab.web import history as H
from gaitlab.web.dependencies import Conn, Ctx, Me, OwnedRunner
from gaitlab.web.errors import NotFoundError
from gaitlab.web.templating import render
from gaitlab.words import say

router = APIRouter(default_response_class=HTMLResponse)


def metric_title(name: str) -> str:
    """A metric's name for people (``web.history.metric.<name>`` in the words catalogue)."""
    try:
        return say(f"web.history.metric.{name}")
    except KeyError:
        return name.replace("_", " ")


@router.get("/runners/{runner_id}/history")
def history_page(request: Request, ctx: Ctx, conn: Conn, runner: OwnedRunner, me: Me) -> Response:
    history, results = services.runner_history(ctx, conn, runner)
    rules = ctx.rules
    units = {n: H.unit_of(results, n) for n in rules.names}
    measured = {n: any(r.readings[n] for r in history.rows) for n in rules.names}
    plots = [
        H.series_svg(H.plot_series(history, n, unit=units[n]), title=metric_title(n))
        for n in rules.names
        if measured[n]
    ]
    done = [r for r in history.rows if r.analysis_id is not None]
    return render(
        request, "history.html", me=me, runner=runner, history=history, units=units,
        plots=plots, done=done, measured=measured, title=metric_title, patterns=H.PATTERNS,
    )  # fmt: skip


@router.get("/runners/{runner_id}/compare")
def compare_page(
    request: Request,
    ctx: Ctx,
    conn: Conn,
    runner: OwnedRunner,
    me: Me,
    a: Annotated[str, Query()] = "",
    b: Annotated[str, Query()] = "",
) -> Response:
    sa, sb = db.get_session(conn, me.user.id, a), db.get_session(conn, me.user.id, b)
    if sa is None or sb is None or not sa.runner_id == sb.runner_id == runner.id:
        raise NotFoundError  # unknown, someone else's, or another runner's session
    comparison = services.compare(ctx, conn, me.user.id, sa, sb)
    frames = {
        s.session_id: services.keyframes_of(ctx, s.analysis_id)
        for s in (comparison.a, comparison.b)
    }
    units = {n: H.unit_of([comparison.a, comparison.b], n) for n in ctx.rules.names}
    return render(
        request, "compare.html", me=me, runner=runner, c=comparison, frames=frames,
        units=units, title=metric_title, patterns=H.PATTERNS,
    )  # fmt: skip
