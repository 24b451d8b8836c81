"""A runner's history (``/runners/{id}/history``) and two sessions compared
(``/runners/{id}/compare?a=SESSION&b=SESSION``), from the same services as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gaitlab.web import charts, db, services
from gaitlab.web import history as H
from gaitlab.web.dependencies import Conn, Ctx, Me, OwnedRunner
from gaitlab.web.errors import NotFoundError
from gaitlab.web.templating import render
from gaitlab.web.wording import change_text, metric_title, number
from gaitlab.words import say

router = APIRouter(default_response_class=HTMLResponse)


def point_note(row: H.HistoryRow, value: float, change: H.Change | None, unit: str) -> str:
    """What a point of a chart says on hover: date, value, and the change with its reason."""
    text = say("web.history.point", date=row.date, value=number(value), unit=unit).strip()
    if change is not None:
        text += f"; {change_text(change, unit)}"
    if row.warnings:
        text += f"; {say('web.history.warned')}: " + "; ".join(row.warnings)
    return text


def chart_of(history: H.History, metric: str, unit: str) -> charts.Chart:
    """The chart of one metric over the sessions with a result."""
    series = H.plot_series(history, metric, unit=unit)
    rows = {r.session_id: r for r in history.rows}
    points = []
    for session_id, value in zip(series.session_ids, series.values, strict=True):
        if value is None:
            continue
        row = rows[session_id]
        change = row.changes.get(metric)
        comparable = change is not None and change.needed is not None and change.before is not None
        window = None
        if comparable:
            window = (change.before - change.needed, change.before + change.needed)  # type: ignore[operator]
        real = None if not comparable else change.verdict == "real_change"  # type: ignore[union-attr]
        note = point_note(row, value, change, unit)
        points.append(charts.Point(row.date, value, real, window, note, bool(row.warnings)))
    band = None if series.band_low is None else (series.band_low, series.band_high or 0.0)
    return charts.Chart(metric, metric_title(metric), unit, series.mdc, tuple(points), band)


@router.get("/runners/{runner_id}/history")
def history_page(request: Request, ctx: Ctx, conn: Conn, runner: OwnedRunner, me: Me) -> Response:
    """The runner's sessions, newest first: both findings and the key metrics with each
    change and why it counts or not, a chart per metric, and what to compare."""
    history, results = services.runner_history(ctx, conn, runner)
    units = {n: H.unit_of(results, n) for n in ctx.rules.names}
    measured = [n for n in ctx.rules.names if any(r.readings[n] for r in history.rows)]
    plots = [charts.chart_svg(chart_of(history, n, units[n])) for n in measured]
    return render(
        request, "history.html", me=me, runner=runner, history=history, units=units,
        plots=plots, measured=measured, patterns=H.PATTERNS,
        done=[r for r in history.rows if r.analysis_id is not None],
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
    """Two sessions side by side, earlier first: findings, metrics with their changes, any
    capture warnings, and the key frames of each."""
    sa, sb = db.get_session(conn, me.user.id, a), db.get_session(conn, me.user.id, b)
    if sa is None or sb is None or not sa.runner_id == sb.runner_id == runner.id:
        raise NotFoundError  # unknown, someone else's, or another runner's session
    c = services.compare(ctx, conn, me.user.id, sa, sb)
    sides = [(s, H.capture_warnings(s.summary), services.keyframes_of(ctx, s.analysis_id))
             for s in (c.a, c.b)]  # fmt: skip
    units = {n: H.unit_of([c.a, c.b], n) for n in ctx.rules.names}
    return render(
        request, "compare.html", me=me, runner=runner, c=c, sides=sides, units=units,
        patterns=H.PATTERNS,
    )  # fmt: skip
