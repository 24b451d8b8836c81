"""Runners and their sessions: the pages and the forms that change them."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gaitlab.web import services
from gaitlab.web.dependencies import Conn, Ctx, Me, OwnedRunner, OwnedSession, Writer
from gaitlab.web.routers.pages import see_other
from gaitlab.web.schemas import status_out
from gaitlab.web.templating import render

router = APIRouter(default_response_class=HTMLResponse)

NameField = Annotated[str, Form()]
TextField = Annotated[str, Form()]


@router.post("/runners")
def create_runner(
    conn: Conn, me: Writer, name: NameField = "", height_cm: TextField = "", notes: TextField = ""
) -> Response:
    runner = services.create_runner(
        conn, me.user.id, **services.runner_fields(name, height_cm, notes)
    )
    return see_other(f"/runners/{runner.id}")


@router.get("/runners/{runner_id}")
def runner_page(request: Request, ctx: Ctx, conn: Conn, runner: OwnedRunner, me: Me) -> Response:
    sessions = services.session_overview(ctx, conn, runner)
    today = _dt.date.today().isoformat()
    return render(request, "runner.html", me=me, runner=runner, sessions=sessions, today=today)


@router.post("/runners/{runner_id}")
def update_runner(
    conn: Conn,
    runner: OwnedRunner,
    me: Writer,
    name: NameField = "",
    height_cm: TextField = "",
    notes: TextField = "",
) -> Response:
    services.update_runner(conn, runner, **services.runner_fields(name, height_cm, notes))
    return see_other(f"/runners/{runner.id}")


@router.post("/runners/{runner_id}/delete")
def delete_runner(ctx: Ctx, conn: Conn, runner: OwnedRunner, me: Writer) -> Response:
    services.delete_runner(ctx, conn, runner)
    return see_other("/")


@router.post("/runners/{runner_id}/sessions")
def create_session(
    conn: Conn, runner: OwnedRunner, me: Writer, date: TextField = "", notes: TextField = ""
) -> Response:
    session = services.create_session(conn, runner, day=date, notes=notes)
    return see_other(f"/sessions/{session.id}")


@router.get("/sessions/{session_id}")
def session_page(request: Request, ctx: Ctx, conn: Conn, session: OwnedSession, me: Me) -> Response:
    return render(request, "session.html", **services.session_view(ctx, conn, session), me=me)


@router.get("/sessions/{session_id}/status", response_class=JSONResponse)
def session_status(conn: Conn, session: OwnedSession) -> dict[str, Any]:
    """The state of the session's analysis, as ``/api/v1/sessions/{id}/status`` gives it (the
    session page follows it)."""
    return status_out(services.status_of(conn, session)).model_dump()


@router.post("/sessions/{session_id}/analyse")
def analyse_again(conn: Conn, session: OwnedSession, me: Writer) -> Response:
    services.analyse_again(conn, session)
    return see_other(f"/sessions/{session.id}")


@router.post("/sessions/{session_id}/delete")
def delete_session(ctx: Ctx, conn: Conn, session: OwnedSession, me: Writer) -> Response:
    services.delete_session(ctx, conn, session)
    return see_other(f"/runners/{session.runner_id}")
