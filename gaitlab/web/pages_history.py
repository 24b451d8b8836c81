"""The history and compare pages: ``/runners/{runner_id}/history`` and
``/runners/{runner_id}/compare?a=SESSION&b=SESSION``.

Added by :func:`add_history_pages` inside :func:`gaitlab.web.app.create_app` with the app's
templates; the data come from :mod:`gaitlab.web.history` through the same helpers as the JSON API
(:mod:`gaitlab.web.api`), so a page and ``/api/v1`` never disagree.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from gaitlab.web import api, db
from gaitlab.web import history as H
from gaitlab.web.app import Conn, Me, NotFoundError, own_runner


def add_history_pages(app: FastAPI, settings: Any, templates: Jinja2Templates) -> None:
    """Add the page routes to the app (``settings``: its :class:`~gaitlab.web.app.WebSettings`;
    ``templates``: its templates, whose ``base.html`` the pages extend)."""
    from gaitlab.config import load_config

    rules = H.rules_from_config(load_config(settings.config_path))

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        context["max_upload_mb"] = settings.max_upload_mb
        return templates.TemplateResponse(request, name, context)

    @app.get("/runners/{runner_id}/history", response_class=HTMLResponse)
    def history_page(request: Request, conn: Conn, me: Me, runner_id: str) -> Response:
        runner = own_runner(conn, me, runner_id)
        sessions = list(reversed(db.list_sessions(conn, me.user.id, runner_id)))
        results = api.session_results(conn, request.app.state.layout, me.user.id, sessions)
        history = H.build_history(results, rules)
        units = {n: H.unit_of(results, n) for n in rules.names}
        measured = {n: any(r.readings[n] for r in history.rows) for n in rules.names}
        plots = [
            H.series_svg(H.plot_series(history, n, unit=units[n]), title=metric_title(n))
            for n in rules.names
            if measured[n]
        ]
        done = [r for r in history.rows if r.analysis_id is not None]
        return page(
            request, "history.html", me=me, runner=runner, history=history, units=units,
            plots=plots, done=done, measured=measured, title=metric_title, patterns=H.PATTERNS,
        )  # fmt: skip

    @app.get("/runners/{runner_id}/compare", response_class=HTMLResponse)
    def compare_page(
        request: Request,
        conn: Conn,
        me: Me,
        runner_id: str,
        a: Annotated[str, Query()] = "",
        b: Annotated[str, Query()] = "",
    ) -> Response:
        runner = own_runner(conn, me, runner_id)
        sa, sb = db.get_session(conn, me.user.id, a), db.get_session(conn, me.user.id, b)
        if sa is None or sb is None or not sa.runner_id == sb.runner_id == runner.id:
            raise NotFoundError  # unknown, someone else's, or another runner's session
        layout = request.app.state.layout
        ra, rb = api.session_results(conn, layout, me.user.id, [sa, sb])
        comparison = H.compare_sessions(ra, rb, rules)
        frames = {s.session_id: api.keyframes_of(layout, s.analysis_id) for s in (ra, rb)}
        units = {n: H.unit_of([ra, rb], n) for n in rules.names}
        return page(
            request, "compare.html", me=me, runner=runner, c=comparison, frames=frames,
            units=units, title=metric_title, patterns=H.PATTERNS,
        )  # fmt: skip


def metric_title(name: str) -> str:
    """A metric's name for people (:func:`gaitlab.metrics.registry.label`)."""
    from gaitlab.metrics import registry

    return registry.label(name)
