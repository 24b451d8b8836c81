"""The JSON API under ``/api/v1`` (described at ``/api/v1/openapi.json``).

Authentication, ownership and CSRF are the pages' own (:mod:`gaitlab.web.dependencies`): an
API token (``Authorization: Bearer glt_...``, made with ``gaitlab users token NAME``) or the
browser's login cookie, which must send the login's CSRF token in ``X-CSRF-Token`` to change
anything. Another user's id is a 404, the same as an unknown id. Uploads go through the same
steps as the upload page (:func:`gaitlab.web.services.accept_upload`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import RouteContext

from gaitlab.web import db, schemas, services, storage
from gaitlab.web.dependencies import (
    ID_PATTERN,
    Conn,
    Ctx,
    Me,
    OwnedRunner,
    OwnedSession,
    UploadCsrf,
    Writer,
)
from gaitlab.web.errors import NotFoundError
from gaitlab.web.routers import app_routes
from gaitlab.words import say

PREFIX = "/api/v1"
API_VERSION = "1.0"

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "clip": {"type": "string", "format": "binary"},
                    "view": {
                        "type": "string",
                        "enum": ["auto", "side", "rear", "front"],
                        "description": "The view the clip shows (default auto: found by "
                        "the analysis).",
                    },
                },
                "required": ["clip"],
            }
        }
    },
}

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.ErrorOut, "description": "Not authenticated."},
    404: {"model": schemas.ErrorOut, "description": "No such object (or another user's)."},
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorOut, "description": "A body that is not valid JSON (or form)."},
    403: {"model": schemas.ErrorOut, "description": "Cookie login without X-CSRF-Token."},
}

router = APIRouter(prefix=PREFIX, tags=["gaitlab"], responses=_ERRORS)


def refused(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, me: Me) -> dict[str, Any]:
    """This API's OpenAPI description."""
    return api_openapi(request.app)


@router.get("/me", response_model=schemas.MeOut)
def who_am_i(me: Me) -> schemas.MeOut:
    """The account the token or login belongs to."""
    return schemas.MeOut(name=me.user.name)


@router.get("/runners", response_model=list[schemas.RunnerOut])
def list_runners(conn: Conn, me: Me) -> list[schemas.RunnerOut]:
    """The account's runners, by name."""
    return [schemas.runner_out(r) for r in db.list_runners(conn, me.user.id)]


@router.post("/runners", response_model=schemas.RunnerOut, status_code=201, responses=_WRITE_ERRORS)
def create_runner(conn: Conn, me: Writer, body: schemas.RunnerIn) -> schemas.RunnerOut:
    """Add a runner."""
    fields = services.runner_fields(body.name, body.height_cm, body.notes)
    return schemas.runner_out(services.create_runner(conn, me.user.id, **fields))


@router.get("/runners/{runner_id}", response_model=schemas.RunnerOut)
def get_runner(runner: OwnedRunner) -> schemas.RunnerOut:
    """One runner."""
    return schemas.runner_out(runner)


@router.get("/runners/{runner_id}/sessions", response_model=list[schemas.SessionOut])
def list_sessions(conn: Conn, runner: OwnedRunner) -> list[schemas.SessionOut]:
    """The runner's sessions, newest first."""
    return [schemas.session_out(s) for s in db.list_sessions(conn, runner.owner_id, runner.id)]


@router.post(
    "/runners/{runner_id}/sessions",
    response_model=schemas.SessionOut,
    status_code=201,
    responses=_WRITE_ERRORS,
)
def create_session(
    conn: Conn, runner: OwnedRunner, me: Writer, body: schemas.SessionIn
) -> schemas.SessionOut:
    """Start a session of the runner (clips are then uploaded into it)."""
    session = services.create_session(conn, runner, day=body.date, notes=body.notes)
    return schemas.session_out(session)


@router.get("/sessions/{session_id}", response_model=schemas.SessionDetailOut)
def get_session(conn: Conn, session: OwnedSession) -> schemas.SessionDetailOut:
    """A session with its clips and the state of its analysis."""
    clips = [schemas.clip_out(c) for c in db.list_clips(conn, session.owner_id, session.id)]
    status = schemas.status_out(services.status_of(conn, session))
    return schemas.SessionDetailOut(
        **schemas.session_out(session).model_dump(), clips=clips, status=status
    )


@router.post(
    "/sessions/{session_id}/clips",
    response_model=schemas.UploadOut,
    status_code=201,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        **_WRITE_ERRORS,
        400: {"model": schemas.ErrorOut, "description": "No clip in the request."},
        413: {
            "model": schemas.ErrorOut,
            "description": "The clip is over the size or length limit.",
        },
        415: {"model": schemas.ErrorOut, "description": "Not a video gaitlab can read."},
    },
)
async def upload_clip(
    request: Request, ctx: Ctx, session: OwnedSession, form_csrf: UploadCsrf
) -> schemas.UploadOut:
    """Upload one clip (multipart field ``clip``, streamed to disk); its analysis starts by
    itself. Poll ``status`` until ``done``, then read ``results``."""
    if form_csrf is not None:  # a cookie login must send X-CSRF-Token here
        raise refused(403, say("web.csrf"))
    try:
        clip = await services.accept_upload(request, ctx, session, form_csrf=None)
    except storage.UploadRefusedError as exc:
        raise refused(exc.status, exc.message) from None
    return schemas.UploadOut(
        clip=schemas.clip_out(clip), status_url=f"{PREFIX}/sessions/{session.id}/status"
    )


@router.get("/sessions/{session_id}/status", response_model=schemas.StatusOut)
def session_status(conn: Conn, session: OwnedSession) -> schemas.StatusOut:
    """The state of the session's latest analysis (``none`` before the first upload)."""
    return schemas.status_out(services.status_of(conn, session))


@router.get(
    "/sessions/{session_id}/results",
    response_model=schemas.ResultsOut,
    responses={409: {"model": schemas.ErrorOut, "description": "No finished analysis yet."}},
)
def session_results(ctx: Ctx, conn: Conn, session: OwnedSession) -> schemas.ResultsOut:
    """The session's latest finished analysis: its ``summary.json`` and download links."""
    results = services.results_of(ctx, conn, session)
    if results is None:
        raise refused(409, say("web.api.no_results"))
    return schemas.results_out(session.id, results)


@router.get("/runners/{runner_id}/history", response_model=schemas.HistoryOut)
def runner_history(ctx: Ctx, conn: Conn, runner: OwnedRunner) -> schemas.HistoryOut:
    """Key metrics and both findings across the runner's sessions, oldest first, with each
    change marked ``real_change`` or ``no_real_change`` against the metric's minimal
    detectable change and the strides' spread."""
    history, results = services.runner_history(ctx, conn, runner)
    return schemas.history_out(runner.id, history, results)


@router.get(
    "/compare",
    response_model=schemas.CompareOut,
    responses={400: {"model": schemas.ErrorOut, "description": "Sessions of different runners."}},
)
def compare(
    ctx: Ctx,
    conn: Conn,
    me: Me,
    a: Annotated[str, Query(pattern=ID_PATTERN, description="A session id.")],
    b: Annotated[str, Query(pattern=ID_PATTERN, description="Another session id.")],
) -> schemas.CompareOut:
    """Two sessions of one runner side by side (earlier first): metrics, findings, changes
    and the key frames of each report."""
    sa, sb = db.get_session(conn, me.user.id, a), db.get_session(conn, me.user.id, b)
    if sa is None or sb is None:
        raise NotFoundError
    try:
        comparison = services.compare(ctx, conn, me.user.id, sa, sb)
    except services.DifferentRunnersError:
        raise refused(400, say("web.api.different_runners")) from None
    return schemas.compare_out(
        sa.runner_id, comparison, lambda analysis_id: services.keyframes_of(ctx, analysis_id)
    )


def api_routes(app: FastAPI) -> list[RouteContext]:
    """The app's API routes (those under :data:`PREFIX`)."""
    return [r for r in app_routes(app) if r.path.startswith(PREFIX)]


def api_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the API routes only (the pages are not part of it)."""
    return get_openapi(
        title="gaitlab API",
        version=API_VERSION,
        description=(
            "Runners, sessions, clip uploads, analysis status and results, history and "
            "comparison. Authenticate with `Authorization: Bearer <token>` "
            "(`gaitlab users token NAME`), or the browser's login cookie."
        ),
        routes=api_routes(app),
    )
