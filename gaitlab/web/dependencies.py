"""The dependencies every router shares: the app's context, a database connection, who is
asking, the ownership checks and the CSRF check.

One login stack serves the pages and the JSON API: :func:`current_user` accepts an API token
(``Authorization: Bearer glt_...``) or the browser's login cookie. The ownership checks
(:func:`owned_runner`, :func:`owned_session`, :func:`owned_clip`, :func:`owned_analysis`) go
through :mod:`gaitlab.web.db`, which returns only the caller's rows: another user's id is a 404,
the same as an unknown id. A change (POST) made with the login cookie must carry the login's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) and come from this site; an
API token needs none (a browser never sends one by itself).

Declare the ownership dependencies of a route before :data:`Writer`, so that another user's id
is a 404 before the CSRF check can answer anything.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from gaitlab.web import auth, db, tokens
from gaitlab.web.errors import CsrfError, NotFoundError, NotLoggedInError
from gaitlab.web.settings import Context

#: Ids are 32 hex digits (:func:`gaitlab.web.db.new_id`); anything else is refused.
ID_PATTERN = r"^[0-9a-f]{32}$"


def get_context(request: Request) -> Context:
    """The app's :class:`~gaitlab.web.settings.Context`."""
    return request.app.state.context


Ctx = Annotated[Context, Depends(get_context)]


def get_conn(ctx: Ctx) -> Iterator[sqlite3.Connection]:
    """A database connection for one request (closed after it)."""
    conn = db.connect(ctx.layout.db_path)
    try:
        yield conn
    finally:
        conn.close()


Conn = Annotated[sqlite3.Connection, Depends(get_conn)]


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is asking: the user, and for a cookie login its CSRF token (None with a token)."""

    user: db.User
    csrf: str | None


_bearer = HTTPBearer(auto_error=False, description="An API token from `gaitlab users token NAME`.")
_cookie = APIKeyCookie(
    name=auth.LOGIN_COOKIE,
    auto_error=False,
    description="The browser's login (reads; a change also needs the login's CSRF token in "
    "X-CSRF-Token).",
)


def current_user(
    conn: Conn,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The caller, by API token or login cookie (raises :class:`NotLoggedInError`)."""
    if bearer is not None:
        user = tokens.user_of_token(conn, bearer.credentials)
        if user is None:
            raise NotLoggedInError(token_invalid=True)
        return Principal(user, None)
    login = auth.current_login(conn, cookie)
    if login is None:
        raise NotLoggedInError
    return Principal(*login)


Me = Annotated[Principal, Depends(current_user)]


def optional_user(request: Request, ctx: Ctx) -> Principal | None:
    """The logged-in browser's user, or None (for pages anyone may open)."""
    token = request.cookies.get(auth.LOGIN_COOKIE)
    if not token:
        return None
    conn = db.connect(ctx.layout.db_path)
    try:
        login = auth.current_login(conn, token)
    finally:
        conn.close()
    return Principal(*login) if login else None


MaybeMe = Annotated[Principal | None, Depends(optional_user)]

RunnerId = Annotated[str, PathParam(pattern=ID_PATTERN, description="A runner's id.")]
SessionId = Annotated[str, PathParam(pattern=ID_PATTERN, description="A session's id.")]
ClipId = Annotated[str, PathParam(pattern=ID_PATTERN, description="A clip's id.")]
AnalysisId = Annotated[str, PathParam(pattern=ID_PATTERN, description="An analysis's id.")]


def owned_runner(conn: Conn, me: Me, runner_id: RunnerId) -> db.Runner:
    """The caller's runner ``runner_id`` (404 for an unknown id and for another user's)."""
    runner = db.get_runner(conn, me.user.id, runner_id)
    if runner is None:
        raise NotFoundError
    return runner


def owned_session(conn: Conn, me: Me, session_id: SessionId) -> db.Session:
    """The caller's session ``session_id`` (404 for an unknown id and for another user's)."""
    session = db.get_session(conn, me.user.id, session_id)
    if session is None:
        raise NotFoundError
    return session


def owned_clip(conn: Conn, me: Me, clip_id: ClipId) -> db.Clip:
    """The caller's clip ``clip_id`` (404 for an unknown id and for another user's)."""
    clip = db.get_clip(conn, me.user.id, clip_id)
    if clip is None:
        raise NotFoundError
    return clip


def owned_analysis(conn: Conn, me: Me, analysis_id: AnalysisId) -> db.Analysis:
    """The caller's finished analysis ``analysis_id`` (404 otherwise: unknown, another user's,
    or not finished)."""
    analysis = db.get_analysis(conn, me.user.id, analysis_id)
    if analysis is None or analysis.state != "done":
        raise NotFoundError
    return analysis


OwnedRunner = Annotated[db.Runner, Depends(owned_runner)]
OwnedSession = Annotated[db.Session, Depends(owned_session)]
OwnedClip = Annotated[db.Clip, Depends(owned_clip)]
OwnedAnalysis = Annotated[db.Analysis, Depends(owned_analysis)]


def same_site(request: Request) -> bool:
    """False when the ``Origin`` header names another site than the one asked."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    return origin.split("://", 1)[-1] == request.headers.get("host")


async def may_change(request: Request, me: Me) -> Principal:
    """The caller, allowed to change data: with an API token always; with the login cookie
    only from this site and with the login's CSRF token, in the ``X-CSRF-Token`` header or the
    form's ``csrf_token`` field (raises :class:`CsrfError`)."""
    if me.csrf is None:
        return me
    if not same_site(request):
        raise CsrfError
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        token = str(form.get("csrf_token", ""))
    if not auth.same_token(token, me.csrf):
        raise CsrfError
    return me


Writer = Annotated[Principal, Depends(may_change)]


def upload_csrf(request: Request, me: Me) -> str | None:
    """For an upload (a multipart body read as it streams): None when the caller is already
    checked (an API token, or the right ``X-CSRF-Token`` header), else the login's CSRF token
    that the form's ``csrf_token`` field must carry before the file (raises
    :class:`CsrfError` for another site or a wrong header)."""
    if me.csrf is None:
        return None
    if not same_site(request):
        raise CsrfError
    header = request.headers.get("x-csrf-token")
    if header is None:
        return me.csrf
    if not auth.same_token(header, me.csrf):
        raise CsrfError
    return None


UploadCsrf = Annotated[str | None, Depends(upload_csrf)]
