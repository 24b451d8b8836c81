"""The answers to requests that cannot be served: a page for a browser, JSON for the API.

:func:`add_handlers` registers them on the app. The API (``/api/...``) always answers JSON
``{"detail": ...}``; a browser asking for a page gets a page of the app (not found, form
expired), and an anonymous browser is sent to the login page.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import HTTP_404_NOT_FOUND

from gaitlab.web import security
from gaitlab.web.dependencies import optional_user
from gaitlab.web.errors import CsrfError, NotFoundError, NotLoggedInError
from gaitlab.web.templating import render
from gaitlab.words import say


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem_page(request: Request, status_code: int, message: str) -> Response:
    """A page of the app saying what went wrong, with a way back."""
    me = optional_user(request, request.app.state.context)
    return render(request, "problem.html", status_code, me=me, message=message)


async def on_not_logged_in(request: Request, exc: NotLoggedInError) -> Response:
    """401 (with ``WWW-Authenticate: Bearer``), or the login page for a browser's page."""
    if not is_api(request) and request.method == "GET" and security.wants_html(request):
        return RedirectResponse("/login", status_code=303)
    detail = say("web.api.token_invalid" if exc.token_invalid else "web.auth.required")
    return JSONResponse({"detail": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def on_not_found(request: Request, exc: Exception) -> Response:
    if is_api(request) or not security.wants_html(request):
        return JSONResponse({"detail": say("web.not_found")}, status_code=404)
    return problem_page(request, 404, say("web.not_found"))


async def on_csrf(request: Request, exc: CsrfError) -> Response:
    if is_api(request) or not security.wants_html(request):
        return JSONResponse({"detail": say("web.csrf")}, status_code=403)
    return problem_page(request, 403, say("web.csrf"))


async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own errors (no such route, wrong method): a page for a browser's 404."""
    if exc.status_code == HTTP_404_NOT_FOUND and not is_api(request):
        return await on_not_found(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.status_code)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    """422 for the API; for a page whose address holds a malformed id, not found."""
    if not is_api(request) and request.method == "GET" and security.wants_html(request):
        return problem_page(request, 404, say("web.not_found"))
    return await security.on_validation_error(request, exc)


def add_handlers(app: FastAPI) -> None:
    """Register the handlers above, and :func:`gaitlab.web.security.on_server_error` for 500."""
    app.add_exception_handler(NotLoggedInError, on_not_logged_in)  # type: ignore[arg-type]
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(CsrfError, on_csrf)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, security.on_server_error)
