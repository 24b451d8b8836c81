"""The JSON API beside the pages, under ``/api/v1`` (described at ``/api/v1/openapi.json``).

Authentication: an API token (``Authorization: Bearer glt_...``, made with
``gaitlab users token NAME``), or the browser's login cookie. A write (POST) with the cookie
must also carry the login's CSRF token in ``X-CSRF-Token``; a token needs none (a browser never
sends it by itself). Every route goes through :mod:`gaitlab.web.db`, which returns only the
caller's rows: an id of another user's runner or session is a 404, the same as an unknown id.

Uploads go through the same steps as the upload page (:mod:`gaitlab.web.uploads`: streamed to
disk, container sniffed, ``ffprobe`` read) before they are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import sqlite3
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gaitlab.web import auth, db, storage, tokens, uploads
from gaitlab.web import history as H
from gaitlab.web.app import Conn
from gaitlab.words import say

PREFIX = "/api/v1"
API_VERSION = "1.0"

#: Ids are 32 hex digits (:func:`gaitlab.web.db.new_id`); anything else is refused (422).
ID_PATTERN = r"^[0-9a-f]{32}$"


# --------------------------------------------------------------------------- models


def _utf8(text: str) -> str:
    """Refuse text that cannot be stored (lone surrogates from ``\\ud800`` escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return text


Text = Annotated[str, AfterValidator(_utf8)]


class ErrorOut(BaseModel):
    detail: str


class MeOut(BaseModel):
    name: str


class RunnerIn(BaseModel):
    name: Text = Field(min_length=1, max_length=200, description="Name or code of the runner.")
    height_cm: float | None = Field(
        default=None, ge=50, le=250, description="Height in cm (distances are then also in cm)."
    )
    notes: Text = Field(default="", max_length=4000)


class RunnerOut(BaseModel):
    id: str
    name: str
    height_cm: float | None
    notes: str
    created_utc: str


class SessionIn(BaseModel):
    date: _dt.date | None = Field(default=None, description="Day of the session (default today).")
    notes: Text = Field(default="", max_length=4000)


class SessionOut(BaseModel):
    id: str
    runner_id: str
    date: str
    notes: str
    created_utc: str


class ClipOut(BaseModel):
    id: str
    session_id: str
    name: str
    size_bytes: int
    sha256: str
    view: str | None
    checks: list[dict[str, Any]]


class StatusOut(BaseModel):
    session_id: str
    state: Literal["none", "queued", "running", "done", "failed"]
    analysis_id: str | None = None
    stage: str = ""
    stage_text: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None


class SessionDetailOut(SessionOut):
    clips: list[ClipOut]
    status: StatusOut


class UploadOut(BaseModel):
    clip: ClipOut
    status_url: str


class ResultsOut(BaseModel):
    session_id: str
    analysis_id: str
    summary: dict[str, Any] = Field(description="The analysis's summary.json.")
    files: dict[str, str] = Field(description="Download URLs by kind (pdf, csv, video, json).")


class ChangeOut(BaseModel):
    before: float | None
    after: float | None
    delta: float | None
    mdc: float
    stride_noise: float | None
    needed: float | None
    verdict: Literal["real_change", "no_real_change", "not_comparable"]
    direction: Literal["better", "worse", "up", "down"] | None


class MetricRuleOut(BaseModel):
    name: str
    unit: str
    mdc: float
    better: Literal["higher", "lower", "either"]
    source: str


class HistoryRowOut(BaseModel):
    session_id: str
    date: str
    analysis_id: str | None
    findings: dict[str, str]
    values: dict[str, float | None]
    changes: dict[str, ChangeOut]
    previous_session_id: str | None


class SeriesOut(BaseModel):
    metric: str
    unit: str
    session_ids: list[str]
    dates: list[str]
    values: list[float | None]
    verdicts: list[Literal["real_change", "no_real_change", "not_comparable"] | None]
    mdc: float
    band_low: float | None
    band_high: float | None


class HistoryOut(BaseModel):
    runner_id: str
    metrics: list[MetricRuleOut]
    rows: list[HistoryRowOut]
    series: list[SeriesOut]
    overall: dict[str, ChangeOut]


class KeyFrameOut(BaseModel):
    key: str
    caption: str


class CompareSideOut(BaseModel):
    session_id: str
    date: str
    analysis_id: str | None
    findings: dict[str, str]
    values: dict[str, float | None]
    keyframes: list[KeyFrameOut]
    report_url: str | None


class CompareOut(BaseModel):
    runner_id: str
    a: CompareSideOut
    b: CompareSideOut
    changes: dict[str, ChangeOut]


# --------------------------------------------------------------------------- plumbing


def _utc(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def runner_out(r: db.Runner) -> RunnerOut:
    return RunnerOut(
        id=r.id, name=r.name, height_cm=r.height_cm, notes=r.notes, created_utc=_utc(r.created_s)
    )


def session_out(s: db.Session) -> SessionOut:
    return SessionOut(
        id=s.id, runner_id=s.runner_id, date=s.date, notes=s.notes, created_utc=_utc(s.created_s)
    )


def clip_out(c: db.Clip) -> ClipOut:
    return ClipOut(
        id=c.id, session_id=c.session_id, name=c.display_name, size_bytes=c.size_bytes,
        sha256=c.sha256, view=c.view, checks=c.checks,
    )  # fmt: skip


def change_out(c: H.Change) -> ChangeOut:
    return ChangeOut(
        before=c.before, after=c.after, delta=c.delta, mdc=c.mdc, stride_noise=c.stride_noise,
        needed=c.needed, verdict=c.verdict, direction=c.direction,
    )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: the user, and for a cookie login its CSRF token (None with a token)."""

    user: db.User
    csrf: str | None


def _error(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def not_found() -> HTTPException:
    return _error(404, say("web.not_found"))


def latest_done(conn: sqlite3.Connection, owner_id: str, session_id: str) -> db.Analysis | None:
    """The session's newest finished analysis (the one its report and results come from)."""
    analyses = db.list_analyses(conn, owner_id, session_id)
    return next((a for a in analyses if a.state == "done"), None)


def session_results(
    conn: sqlite3.Connection, layout: storage.Layout, owner_id: str, sessions: list[db.Session]
) -> list[H.SessionResult]:
    """Each session with the summary of its latest finished analysis (None without one)."""
    out = []
    for s in sessions:
        job = latest_done(conn, owner_id, s.id)
        summary = storage.read_summary(layout, job.id) if job else None
        out.append(H.SessionResult(s.id, s.date, summary, job.id if summary else None))
    return out


def stage_text(stage: str) -> str:
    """The words for a job's stage (the stage name itself for one the catalogue lacks)."""
    if not stage:
        return ""
    try:
        return say(f"web.stage.{stage}")
    except KeyError:
        return stage


def status_of(conn: sqlite3.Connection, owner_id: str, session_id: str) -> StatusOut:
    analyses = db.list_analyses(conn, owner_id, session_id)
    if not analyses:
        return StatusOut(session_id=session_id, state="none")
    job = analyses[0]
    return StatusOut(
        session_id=session_id, state=job.state, analysis_id=job.id, stage=job.stage,
        stage_text=stage_text(job.stage), done=job.done,
        total=job.total, error=job.error,
    )  # fmt: skip


def keyframes_of(layout: storage.Layout, analysis_id: str | None) -> list[H.KeyFrameRef]:
    """The key frames in an analysis's ``report.html`` (none when it has no report)."""
    if analysis_id is None:
        return []
    try:
        text = (layout.report_dir(analysis_id) / "report.html").read_text("utf-8")
    except OSError:
        return []
    return H.keyframes_in_report(text)


# --------------------------------------------------------------------------- the routes

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"clip": {"type": "string", "format": "binary"}},
                "required": ["clip"],
            }
        }
    },
}

_bearer = HTTPBearer(auto_error=False, description="An API token from `gaitlab users token NAME`.")
_cookie = APIKeyCookie(
    name=auth.LOGIN_COOKIE, auto_error=False, description="The browser's login (GET only, or "
    "with the login's CSRF token in X-CSRF-Token)."
)  # fmt: skip


def principal(
    conn: Conn,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    if bearer is not None:
        user = tokens.user_of_token(conn, bearer.credentials)
        if user is None:
            raise HTTPException(
                401, say("web.api.token_invalid"),
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        return Principal(user, None)
    login = auth.current_login(conn, cookie)
    if login is None:
        raise HTTPException(401, say("web.auth.required"), headers={"WWW-Authenticate": "Bearer"})
    return Principal(*login)


Who = Annotated[Principal, Depends(principal)]


RunnerId = Annotated[str, PathParam(pattern=ID_PATTERN, description="A runner's id.")]
SessionId = Annotated[str, PathParam(pattern=ID_PATTERN, description="A session's id.")]


def owned_runner(conn: Conn, who: Who, runner_id: RunnerId) -> db.Runner:
    """The caller's runner ``runner_id`` (404 for an unknown id and for another user's)."""
    runner = db.get_runner(conn, who.user.id, runner_id)
    if runner is None:
        raise not_found()
    return runner


def owned_session(conn: Conn, who: Who, session_id: SessionId) -> db.Session:
    """The caller's session ``session_id`` (404 for an unknown id and for another user's)."""
    session = db.get_session(conn, who.user.id, session_id)
    if session is None:
        raise not_found()
    return session


def may_write(request: Request, who: Who) -> Principal:
    """The caller, allowed to change data: a bearer token always; a cookie login only with its
    CSRF token in ``X-CSRF-Token`` and from this site (403 otherwise).

    Declared after the id dependencies of a route, so another user's id is a 404 before this.
    """
    if who.csrf is None:
        return who
    origin = request.headers.get("origin")
    same_site = not origin or origin == "null" or (
        origin.split("://", 1)[-1] == request.headers.get("host")
    )  # fmt: skip
    if not same_site or not auth.same_token(request.headers.get("x-csrf-token"), who.csrf):
        raise _error(403, say("web.csrf"))
    return who


OwnedRunner = Annotated[db.Runner, Depends(owned_runner)]
OwnedSession = Annotated[db.Session, Depends(owned_session)]
Writer = Annotated[Principal, Depends(may_write)]


class _Routes:
    """Registers routes on an app under :data:`PREFIX` with shared tags and error responses.

    Routes go straight onto the app (not an included router), so ``app.routes`` lists each
    API route as an ``APIRoute`` like every page route, and tests that walk the routes see
    them.
    """

    def __init__(self, app: FastAPI, responses: dict[int | str, dict[str, Any]]) -> None:
        self.app = app
        self.responses = responses

    def _options(self, options: dict[str, Any]) -> dict[str, Any]:
        responses = {**self.responses, **options.pop("responses", {})}
        return {"tags": ["gaitlab"], "responses": responses, **options}

    def get(self, path: str, **options: Any) -> Any:
        return self.app.get(PREFIX + path, **self._options(options))

    def post(self, path: str, **options: Any) -> Any:
        return self.app.post(PREFIX + path, **self._options(options))


_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A body that is not valid JSON (or form)."},
    403: {"model": ErrorOut, "description": "Cookie login without X-CSRF-Token."},
}


def add_api_routes(app: FastAPI, settings: Any) -> None:
    """Add the API routes to an app made by :func:`gaitlab.web.app.create_app` (which sets
    ``app.state.layout``); ``settings`` is its :class:`~gaitlab.web.app.WebSettings`."""
    from gaitlab.config import load_config

    rules = H.rules_from_config(load_config(settings.config_path))
    errors: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorOut, "description": "Not authenticated."},
        404: {"model": ErrorOut, "description": "No such object (or another user's)."},
    }
    router = _Routes(app, errors)

    @router.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request, who: Who) -> dict[str, Any]:
        """This API's OpenAPI description."""
        return api_openapi(request.app)

    @router.get("/me", response_model=MeOut)
    def me(who: Who) -> MeOut:
        """The account the token or login belongs to."""
        return MeOut(name=who.user.name)

    @router.get("/runners", response_model=list[RunnerOut])
    def list_runners(conn: Conn, who: Who) -> list[RunnerOut]:
        """The account's runners, by name."""
        return [runner_out(r) for r in db.list_runners(conn, who.user.id)]

    @router.post("/runners", response_model=RunnerOut, status_code=201, responses=_FORBIDDEN)
    def create_runner(conn: Conn, who: Writer, body: RunnerIn) -> RunnerOut:
        """Add a runner."""
        with db.transaction(conn):
            runner = db.create_runner(
                conn, who.user.id, name=body.name.strip()[:200] or "Runner",
                height_cm=body.height_cm, notes=body.notes,
            )  # fmt: skip
        return runner_out(runner)

    @router.get("/runners/{runner_id}", response_model=RunnerOut)
    def get_runner(runner: OwnedRunner) -> RunnerOut:
        """One runner."""
        return runner_out(runner)

    @router.get("/runners/{runner_id}/sessions", response_model=list[SessionOut])
    def list_sessions(conn: Conn, runner: OwnedRunner) -> list[SessionOut]:
        """The runner's sessions, newest first."""
        return [session_out(s) for s in db.list_sessions(conn, runner.owner_id, runner.id)]

    @router.post(
        "/runners/{runner_id}/sessions", response_model=SessionOut, status_code=201,
        responses=_FORBIDDEN,
    )  # fmt: skip
    def create_session(conn: Conn, runner: OwnedRunner, who: Writer, body: SessionIn) -> SessionOut:
        """Start a session of the runner (clips are then uploaded into it)."""
        day = (body.date or _dt.date.today()).isoformat()
        with db.transaction(conn):
            session = db.create_session(conn, who.user.id, runner.id, date=day, notes=body.notes)
        if session is None:
            raise not_found()
        return session_out(session)

    @router.get("/sessions/{session_id}", response_model=SessionDetailOut)
    def get_session(conn: Conn, session: OwnedSession) -> SessionDetailOut:
        """A session with its clips and the state of its analysis."""
        clips = [clip_out(c) for c in db.list_clips(conn, session.owner_id, session.id)]
        status = status_of(conn, session.owner_id, session.id)
        return SessionDetailOut(**session_out(session).model_dump(), clips=clips, status=status)

    @router.post(
        "/sessions/{session_id}/clips",
        response_model=UploadOut,
        status_code=201,
        openapi_extra={"requestBody": _UPLOAD_BODY},
        responses={
            **_FORBIDDEN,
            400: {"model": ErrorOut, "description": "No clip in the request."},
            413: {
                "model": ErrorOut,
                "description": "The clip is over the size or length limit.",
            },
            415: {"model": ErrorOut, "description": "Not a video gaitlab can read."},
        },
    )
    async def upload_clip(request: Request, session: OwnedSession, who: Writer) -> UploadOut:
        """Upload one clip (multipart field ``clip``, streamed to disk); its analysis starts by
        itself. Poll ``status`` until ``done``, then read ``results``."""
        layout: storage.Layout = request.app.state.layout
        try:
            received = await uploads.receive_upload(
                request, layout, max_bytes=settings.max_upload_bytes, form_csrf=None
            )  # may_write has checked the caller
            clip = await run_in_threadpool(
                uploads.keep_upload,
                layout,
                received,
                who.user.id,
                session.id,
                max_clip_s=request.app.state.max_clip_s,
            )
        except storage.UploadRefusedError as exc:
            raise _error(exc.status, exc.message) from None
        return UploadOut(clip=clip_out(clip), status_url=f"{PREFIX}/sessions/{session.id}/status")

    @router.get("/sessions/{session_id}/status", response_model=StatusOut)
    def session_status(conn: Conn, session: OwnedSession) -> StatusOut:
        """The state of the session's latest analysis (``none`` before the first upload)."""
        return status_of(conn, session.owner_id, session.id)

    @router.get(
        "/sessions/{session_id}/results",
        response_model=ResultsOut,
        responses={409: {"model": ErrorOut, "description": "No finished analysis yet."}},
    )
    def session_results_route(request: Request, conn: Conn, session: OwnedSession) -> ResultsOut:
        """The session's latest finished analysis: its ``summary.json`` and download links."""
        job = latest_done(conn, session.owner_id, session.id)
        layout: storage.Layout = request.app.state.layout
        summary = storage.read_summary(layout, job.id) if job else None
        if job is None or summary is None:
            raise _error(409, say("web.api.no_results"))
        folder = layout.report_dir(job.id)
        files = {
            kind: f"/analyses/{job.id}/download/{kind}"
            for kind, (name, _) in storage.DOWNLOADS.items()
            if (folder / name).is_file()
        }
        return ResultsOut(session_id=session.id, analysis_id=job.id, summary=summary, files=files)

    @router.get("/runners/{runner_id}/history", response_model=HistoryOut)
    def runner_history(request: Request, conn: Conn, runner: OwnedRunner) -> HistoryOut:
        """Key metrics and both findings across the runner's sessions, oldest first, with each
        change marked ``real_change`` or ``no_real_change`` against the metric's minimal
        detectable change and the strides' spread."""
        sessions = list(reversed(db.list_sessions(conn, runner.owner_id, runner.id)))
        results = session_results(conn, request.app.state.layout, runner.owner_id, sessions)
        return history_out(runner.id, H.build_history(results, rules), results)

    @router.get(
        "/compare",
        response_model=CompareOut,
        responses={400: {"model": ErrorOut, "description": "Sessions of different runners."}},
    )
    def compare(
        request: Request,
        conn: Conn,
        who: Who,
        a: Annotated[str, Query(pattern=ID_PATTERN, description="A session id.")],
        b: Annotated[str, Query(pattern=ID_PATTERN, description="Another session id.")],
    ) -> CompareOut:
        """Two sessions of one runner side by side (earlier first): metrics, findings, changes
        and the key frames of each report."""
        sa, sb = db.get_session(conn, who.user.id, a), db.get_session(conn, who.user.id, b)
        if sa is None or sb is None:
            raise not_found()
        if sa.runner_id != sb.runner_id:
            raise _error(400, say("web.api.different_runners"))
        layout: storage.Layout = request.app.state.layout
        ra, rb = session_results(conn, layout, who.user.id, [sa, sb])
        return compare_out(sa.runner_id, H.compare_sessions(ra, rb, rules), layout)


def history_out(runner_id: str, history: H.History, results: list[H.SessionResult]) -> HistoryOut:
    """The API form of a :class:`gaitlab.web.history.History`."""
    units = {name: H.unit_of(results, name) for name in history.rules.names}
    rows = [
        HistoryRowOut(
            session_id=r.session_id,
            date=r.date,
            analysis_id=r.analysis_id,
            findings=dict(r.findings),
            values={n: v.value if v else None for n, v in r.readings.items()},
            changes={n: change_out(c) for n, c in r.changes.items()},
            previous_session_id=r.previous_session_id,
        )
        for r in history.rows
    ]
    series = [
        SeriesOut(**dataclasses.asdict(H.plot_series(history, n, unit=units[n])))
        for n in history.rules.names
    ]
    metrics = [
        MetricRuleOut(name=m.name, unit=units[m.name], mdc=m.mdc, better=m.better, source=m.source)
        for m in history.rules.metrics
    ]
    overall = {n: change_out(c) for n, c in history.overall.items()}
    return HistoryOut(
        runner_id=runner_id, metrics=metrics, rows=rows, series=series, overall=overall
    )


def compare_out(runner_id: str, c: H.Comparison, layout: storage.Layout) -> CompareOut:
    def side(s: H.SessionResult, index: int) -> CompareSideOut:
        frames = keyframes_of(layout, s.analysis_id)
        values = {n: pair[index].value if pair[index] else None for n, pair in c.readings.items()}
        return CompareSideOut(
            session_id=s.session_id, date=s.date, analysis_id=s.analysis_id,
            findings={p: pair[index] for p, pair in c.findings.items()},
            values=values,
            keyframes=[KeyFrameOut(key=k.key, caption=k.caption) for k in frames],
            report_url=f"/analyses/{s.analysis_id}/files/report.html" if s.analysis_id else None,
        )  # fmt: skip

    return CompareOut(
        runner_id=runner_id, a=side(c.a, 0), b=side(c.b, 1),
        changes={n: change_out(ch) for n, ch in c.changes.items()},
    )  # fmt: skip


def api_routes(app: FastAPI) -> list[APIRoute]:
    """The app's API routes (those under :data:`PREFIX`)."""
    return [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith(PREFIX)]


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
