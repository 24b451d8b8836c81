"""The therapists' web app: pages over the service layer in :mod:`gaitlab.web.db`.

:func:`create_app` builds the FastAPI application for one data folder. Every route that shows or
changes a therapist's data takes the logged-in user from the login cookie and passes the user's
id to the service functions, which never return another owner's rows: an id that is not the
user's is a 404, whoever owns it. Every form carries a CSRF token.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from gaitlab.config import load_config
from gaitlab.web import auth, db, jobs, security, services, storage, uploads
from gaitlab.web.hosts import LOOPBACK_HOSTS
from gaitlab.words import entry, say

HERE = Path(__file__).parent

#: Paths anyone may open without logging in (everything else refuses anonymous requests).
PUBLIC_PATHS = ("/login", "/guide", "/static")


@dataclasses.dataclass(frozen=True)
class WebSettings:
    """How one app instance runs.

    Attributes
    ----------
    data_dir
        The data folder (database, uploads, reports).
    max_upload_mb
        The largest clip accepted, in MB (10^6 bytes).
    workers
        Analysis worker processes started with the app (0: none, as in tests that run jobs
        themselves).
    analysis_fn, checks_fn
        ``"module:function"`` of the analysis and of the capture checks (tests inject fakes).
    config_path
        A gaitlab configuration file for the analyses (None: the defaults).
    secure_cookies
        Mark cookies ``Secure`` (set when serving over TLS).
    allowed_hosts
        The host names (or addresses) browsers may use to reach the app; any other ``Host``
        header is refused with 400. Default: this computer's loopback names only.
    trusted_proxies
        Addresses of reverse proxies whose ``X-Forwarded-For`` names the client (read by
        uvicorn: :func:`gaitlab.web.server.uvicorn_options`); from anyone else it is ignored.
    login_lifetime_s
        How long a login lasts.
    """

    data_dir: Path
    max_upload_mb: float = 500.0
    workers: int = 1
    analysis_fn: str = jobs.DEFAULT_ANALYSIS
    checks_fn: str = jobs.DEFAULT_CHECKS
    config_path: Path | None = None
    secure_cookies: bool = False
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    trusted_proxies: tuple[str, ...] = ()
    login_lifetime_s: float = 12 * 3600.0
    watch_s: float = 2.0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1e6)


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The logged-in user of a request and the login's CSRF token."""

    user: db.User
    csrf: str


class NotLoggedInError(Exception):
    """Raised by :func:`viewer` for an anonymous request."""


class NotFoundError(Exception):
    """No such object for this user (including: it is someone else's)."""


class CsrfError(Exception):
    """A form post without the right CSRF token."""


def get_conn(request: Request) -> Iterator[sqlite3.Connection]:
    """A database connection for one request (closed after it)."""
    conn = db.connect(request.app.state.layout.db_path)
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(get_conn)]


def viewer(request: Request, conn: Conn) -> Viewer:
    """The logged-in user (raises :class:`NotLoggedInError` for an anonymous request)."""
    login = auth.current_login(conn, request.cookies.get(auth.LOGIN_COOKIE))
    if login is None:
        raise NotLoggedInError
    return Viewer(*login)


Me = Annotated[Viewer, Depends(viewer)]


def check_origin(request: Request) -> None:
    """Refuse a post whose ``Origin`` header names another site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host"):
        raise CsrfError


async def csrf_form(request: Request, me: Me) -> Viewer:
    """The viewer, after checking the posted form's CSRF token (and the Origin)."""
    check_origin(request)
    form = await request.form()
    if not auth.same_token(str(form.get("csrf_token", "")), me.csrf):
        raise CsrfError
    return me


Poster = Annotated[Viewer, Depends(csrf_form)]


def runner_form(
    name: Annotated[str, Form()] = "",
    height_cm: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    """The runner form's fields for :func:`gaitlab.web.db.create_runner` / ``update_runner``:
    the name (``Runner`` when blank), the height in cm (None outside 50-250 or unreadable) and
    the notes, each cut to its longest."""
    height = None
    with contextlib.suppress(ValueError):
        value = float(height_cm)
        height = value if 50 <= value <= 250 else None
    return {"name": name.strip()[:200] or "Runner", "height_cm": height, "notes": notes[:4000]}


RunnerForm = Annotated[dict[str, Any], Depends(runner_form)]


def own_runner(conn: sqlite3.Connection, me: Viewer, runner_id: str) -> db.Runner:
    """The viewer's runner (raises :class:`NotFoundError` for an unknown or another's id)."""
    runner = db.get_runner(conn, me.user.id, runner_id)
    if runner is None:
        raise NotFoundError
    return runner


def own_session(conn: sqlite3.Connection, me: Viewer, session_id: str) -> db.Session:
    """The viewer's session (raises :class:`NotFoundError` for an unknown or another's id)."""
    session = db.get_session(conn, me.user.id, session_id)
    if session is None:
        raise NotFoundError
    return session


def create_app(settings: WebSettings) -> FastAPI:
    """The web app for one data folder (created and migrated if needed).

    With ``settings.workers > 0`` the app starts that many analysis worker processes when it
    starts serving, restarts any that die, and requeues the jobs a stopped server left running.
    """
    from gaitlab.web import api  # it imports this module's plumbing, so not at the top

    # Absolute: the workers' links to the clips must not depend on the working directory.
    layout = storage.Layout(Path(settings.data_dir).resolve()).create()
    with contextlib.closing(db.connect(layout.db_path)) as conn:
        db.migrate(conn)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = None
        if settings.workers > 0:
            with contextlib.closing(db.connect(layout.db_path)) as conn:
                # Workers of an earlier run are gone: their jobs start again from the start.
                db.requeue_abandoned(conn, is_alive=lambda pid: False, stale_s=0, max_attempts=3)
                storage.sweep_orphans(layout, db.all_stored_names(conn), db.all_analysis_ids(conn))
            worker_settings = jobs.WorkerSettings(
                data_dir=layout.root,
                analysis_fn=settings.analysis_fn,
                checks_fn=settings.checks_fn,
                config_path=settings.config_path,
            )
            pool = jobs.WorkerPool(
                worker_settings, settings.workers, check_every_s=settings.watch_s
            )
            pool.start()
        app.state.pool = pool
        try:
            yield
        finally:
            if pool is not None:
                await run_in_threadpool(pool.stop)
                with contextlib.closing(db.connect(layout.db_path)) as conn:
                    db.requeue_abandoned(
                        conn, is_alive=lambda pid: False, stale_s=0, max_attempts=3,
                        count_attempt=False,
                    )  # fmt: skip

    app = FastAPI(
        title="gaitlab", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.layout = layout
    config = load_config(settings.config_path)
    app.state.max_clip_s = float(config["web"]["max_clip_s"])
    app.state.throttle = auth.LoginThrottle.from_config(config["web"]["login"])
    app.state.pending_logins = auth.PendingLogins(app.state.throttle.max_pending_per_client)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["say"] = say
    templates.env.filters["megabytes"] = lambda n: f"{n / 1e6:.1f} MB"
    templates.env.filters["when"] = lambda t: _dt.datetime.fromtimestamp(t).strftime(
        "%Y-%m-%d %H:%M"
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # ----------------------------------------------------------------------- plumbing

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("me", None)
        context["max_upload_mb"] = settings.max_upload_mb
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def see_other(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(NotLoggedInError)
    async def _anonymous(request: Request, exc: NotLoggedInError) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return see_other("/login")
        return JSONResponse({"detail": say("web.auth.required")}, status_code=401)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return HTMLResponse(say("web.not_found"), status_code=404)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, exc: CsrfError) -> Response:
        return HTMLResponse(say("web.csrf"), status_code=403)

    app.add_middleware(security.TrustedHostMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(security.SecurityHeadersMiddleware, tls=settings.secure_cookies)
    app.add_exception_handler(RequestValidationError, security.on_validation_error)
    app.add_exception_handler(Exception, security.on_server_error)

    def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="lax",
            secure=settings.secure_cookies, path="/",
        )  # fmt: skip

    # ----------------------------------------------------------------------- login

    def login_page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
        token = request.cookies.get(auth.ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = page(request, "login.html", status_code, csrf=token, error=error)
        set_cookie(response, auth.ANON_CSRF_COOKIE, token, None)
        return response

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        return login_page(request)

    @app.post("/login")
    async def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        check_origin(request)
        if not auth.same_token(csrf_token, request.cookies.get(auth.ANON_CSRF_COOKIE)):
            raise CsrfError
        address = request.client.host if request.client else "unknown"
        device = request.cookies.get(auth.DEVICE_COOKIE)
        result = await services.log_in(request.app.state, name, password, address, device)
        if result.status != 303:
            message = say("web.auth.failed" if result.status == 401 else "web.auth.busy")
            return login_page(request, result.status, message)
        response = see_other("/")
        set_cookie(response, auth.LOGIN_COOKIE, result.token, int(settings.login_lifetime_s))
        if result.device:
            days = request.app.state.throttle.device_cookie_days
            set_cookie(response, auth.DEVICE_COOKIE, result.device, int(days * 86400))
        response.delete_cookie(auth.ANON_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, conn: Conn, me: Poster) -> Response:
        auth.end_login(conn, request.cookies.get(auth.LOGIN_COOKIE))
        response = see_other("/login")
        response.delete_cookie(auth.LOGIN_COOKIE, path="/")
        return response

    @app.get("/guide", response_class=HTMLResponse)
    def guide(request: Request, conn: Conn) -> Response:
        login = auth.current_login(conn, request.cookies.get(auth.LOGIN_COOKIE))
        me = Viewer(*login) if login else None
        try:
            content = entry("guide")
        except KeyError:
            content = None
        return page(request, "guide.html", me=me, guide=content)

    # ----------------------------------------------------------------------- runners

    @app.get("/", response_class=HTMLResponse)
    def runners_page(request: Request, conn: Conn, me: Me) -> Response:
        runners = db.list_runners(conn, me.user.id)
        if me.user.solo and len(runners) == 1:  # a runner on their own: straight to their page
            return see_other(f"/runners/{runners[0].id}")
        return page(request, "runners.html", me=me, runners=runners)

    @app.post("/runners")
    def create_runner(conn: Conn, me: Poster, fields: RunnerForm) -> Response:
        with db.transaction(conn):
            runner = db.create_runner(conn, me.user.id, **fields)
        return see_other(f"/runners/{runner.id}")

    @app.get("/runners/{runner_id}", response_class=HTMLResponse)
    def runner_page(request: Request, conn: Conn, me: Me, runner_id: str) -> Response:
        runner = own_runner(conn, me, runner_id)
        sessions = db.list_sessions(conn, me.user.id, runner_id)
        today = _dt.date.today().isoformat()
        return page(request, "runner.html", me=me, runner=runner, sessions=sessions, today=today)

    @app.post("/runners/{runner_id}")
    def update_runner(conn: Conn, me: Poster, runner_id: str, fields: RunnerForm) -> Response:
        with db.transaction(conn):
            if not db.update_runner(conn, me.user.id, runner_id, **fields):
                raise NotFoundError
        return see_other(f"/runners/{runner_id}")

    @app.post("/runners/{runner_id}/delete")
    def delete_runner(conn: Conn, me: Poster, runner_id: str) -> Response:
        with db.transaction(conn):
            removed = db.delete_runner(conn, me.user.id, runner_id)
        if removed is None:
            raise NotFoundError
        storage.remove_files(layout, removed.clip_files, removed.analysis_ids)
        return see_other("/")

    @app.post("/runners/{runner_id}/sessions")
    def create_session(
        conn: Conn,
        me: Poster,
        runner_id: str,
        date: Annotated[str, Form()] = "",
        notes: Annotated[str, Form()] = "",
    ) -> Response:
        day = _parse_date(date)
        with db.transaction(conn):
            session = db.create_session(conn, me.user.id, runner_id, date=day, notes=notes[:4000])
        if session is None:
            raise NotFoundError
        return see_other(f"/sessions/{session.id}")

    # ----------------------------------------------------------------------- sessions

    def session_view(
        request: Request,
        conn: sqlite3.Connection,
        me: Viewer,
        session: db.Session,
        *,
        status_code: int = 200,
        error: str | None = None,
    ) -> Response:
        runner = own_runner(conn, me, session.runner_id)
        clips = db.list_clips(conn, me.user.id, session.id)
        analyses = db.list_analyses(conn, me.user.id, session.id)
        current = analyses[0] if analyses else None
        report = next((a for a in analyses if a.state == "done"), None)
        summary = storage.read_summary(layout, report.id) if report else None
        files = _available_downloads(layout, report.id) if report else {}
        return page(
            request, "session.html", status_code, me=me, runner=runner, session=session,
            clips=clips, current=current, report=report, summary=summary, files=files,
            error=error,
        )  # fmt: skip

    @app.get("/sessions/{session_id}", response_class=HTMLResponse)
    def session_page(request: Request, conn: Conn, me: Me, session_id: str) -> Response:
        return session_view(request, conn, me, own_session(conn, me, session_id))

    @app.get("/sessions/{session_id}/status")
    def session_status(conn: Conn, me: Me, session_id: str) -> dict[str, Any]:
        own_session(conn, me, session_id)
        return api.status_of(conn, me.user.id, session_id).model_dump()  # as /api/v1 says it

    @app.post("/sessions/{session_id}/analyse")
    def reanalyse(conn: Conn, me: Poster, session_id: str) -> Response:
        with db.transaction(conn):
            own_session(conn, me, session_id)
            if db.list_clips(conn, me.user.id, session_id):
                db.enqueue_analysis(conn, me.user.id, session_id)
        return see_other(f"/sessions/{session_id}")

    @app.post("/sessions/{session_id}/delete")
    def delete_session(conn: Conn, me: Poster, session_id: str) -> Response:
        with db.transaction(conn):
            session = db.get_session(conn, me.user.id, session_id)
            removed = db.delete_session(conn, me.user.id, session_id)
        if removed is None or session is None:
            raise NotFoundError
        storage.remove_files(layout, removed.clip_files, removed.analysis_ids)
        return see_other(f"/runners/{session.runner_id}")

    @app.post("/sessions/{session_id}/clips")
    async def upload_clip(request: Request, me: Me, session_id: str) -> Response:
        """Stream one clip to disk, check it is a video, record it and queue the analysis."""
        wants_json = "application/json" in request.headers.get("accept", "")
        check_origin(request)
        header_token = request.headers.get("x-csrf-token")
        if header_token is not None and not auth.same_token(header_token, me.csrf):
            raise CsrfError
        with contextlib.closing(db.connect(layout.db_path)) as conn:
            session = own_session(conn, me, session_id)
        form_csrf = None if header_token is not None else me.csrf
        try:
            received = await uploads.receive_upload(
                request, layout, max_bytes=settings.max_upload_bytes, form_csrf=form_csrf
            )
            clip = await run_in_threadpool(
                uploads.keep_upload,
                layout,
                received,
                me.user.id,
                session.id,
                max_clip_s=request.app.state.max_clip_s,
            )
        except storage.UploadRefusedError as exc:
            if exc.message == uploads.CSRF_REFUSED:
                raise CsrfError from None
            if exc.status == 404:  # the session was deleted meanwhile
                raise NotFoundError from None
            if wants_json:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            with contextlib.closing(db.connect(layout.db_path)) as conn:
                return session_view(
                    request, conn, me, session, status_code=exc.status, error=exc.message
                )
        if wants_json:
            return JSONResponse({"clip_id": clip.id, "session": f"/sessions/{session_id}"})
        return see_other(f"/sessions/{session_id}")

    # ----------------------------------------------------------------------- clips

    @app.get("/clips/{clip_id}/video")
    def clip_video(conn: Conn, me: Me, clip_id: str) -> Response:
        clip = db.get_clip(conn, me.user.id, clip_id)
        if clip is None:
            raise NotFoundError
        media_type, filename = storage.served_clip(clip.stored_name, clip.display_name)
        response = FileResponse(
            layout.clip_path(clip.stored_name),
            media_type=media_type,
            filename=filename,
            content_disposition_type="inline",
        )
        response.headers["Content-Security-Policy"] = security.UPLOAD_CSP
        return response

    @app.post("/clips/{clip_id}/delete")
    def delete_clip(conn: Conn, me: Poster, clip_id: str) -> Response:
        with db.transaction(conn):
            clip = db.get_clip(conn, me.user.id, clip_id)
            removed = db.delete_clip(conn, me.user.id, clip_id)
            if clip is None or removed is None:
                raise NotFoundError
            if db.list_clips(conn, me.user.id, clip.session_id):
                db.enqueue_analysis(conn, me.user.id, clip.session_id)
        storage.remove_files(layout, removed.clip_files, removed.analysis_ids)
        return see_other(f"/sessions/{clip.session_id}")

    # ----------------------------------------------------------------------- reports

    def own_report_dir(conn: sqlite3.Connection, me: Viewer, analysis_id: str) -> Path:
        analysis = db.get_analysis(conn, me.user.id, analysis_id)
        if analysis is None or analysis.state != "done":
            raise NotFoundError
        return layout.report_dir(analysis.id)

    @app.get("/analyses/{analysis_id}/files/{name:path}")
    def report_file(conn: Conn, me: Me, analysis_id: str, name: str) -> Response:
        """A file of a finished analysis, shown in the browser (report.html and what it links)."""
        folder = own_report_dir(conn, me, analysis_id)
        path = _inside(folder, name)
        if path is None:
            raise NotFoundError
        response = FileResponse(path, content_disposition_type="inline")
        if path.suffix in (".html", ".htm"):
            response.headers["Content-Security-Policy"] = security.REPORT_CSP
        return response

    @app.get("/analyses/{analysis_id}/download/{kind}")
    def download(conn: Conn, me: Me, analysis_id: str, kind: str) -> Response:
        folder = own_report_dir(conn, me, analysis_id)
        if kind not in storage.DOWNLOADS:
            raise NotFoundError
        name, media_type = storage.DOWNLOADS[kind]
        path = folder / name
        if not path.is_file():
            raise NotFoundError
        return FileResponse(path, media_type=media_type, filename=f"gaitlab-{name}")

    # JSON API (/api/v1), history and compare pages (issue 10; their own modules)
    from gaitlab.web.pages_history import add_history_pages

    api.add_api_routes(app, settings)
    add_history_pages(app, settings, templates)
    return app


def _parse_date(text: str) -> str:
    try:
        return _dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return _dt.date.today().isoformat()


def _inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` when it is a regular file inside ``folder`` (no ``..``, no links out)."""
    if not name or name.startswith("/") or "\\" in name:
        return None
    parts = Path(name).parts
    if any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    path = folder.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_file() or folder.resolve() not in real.parents:
        return None
    return real


def _available_downloads(layout: storage.Layout, analysis_id: str) -> dict[str, str]:
    folder = layout.report_dir(analysis_id)
    downloads = storage.DOWNLOADS.items()
    out = {kind: name for kind, (name, _) in downloads if (folder / name).is_file()}
    if (folder / "report.html").is_file():
        out["html"] = "report.html"
    return out
