"""Security headers on every answer, and answers to bad input and to bugs.

:class:`SecurityHeadersMiddleware` adds the headers to every response that passes through the
app (pages, files, the API, errors); the server-error handler adds them itself, because
Starlette answers an unhandled exception outside every user middleware.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gaitlab.web.hosts import host_name
from gaitlab.words import say

log = logging.getLogger("gaitlab.web")

#: The app's own pages: nothing but the app's own files, no inline script or style.
APP_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
#: ``report.html`` is self-contained (inline styles, images as data: URIs): it may load nothing
#: but its own files, and runs no script.
REPORT_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self' data:; "
    "style-src 'unsafe-inline'; font-src data:; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'none'"
)
#: What a user uploaded: shown only as the video it is, in a sandbox that runs nothing.
UPLOAD_CSP = "default-src 'none'; media-src 'self'; sandbox; frame-ancestors 'self'"


def security_headers(path: str, *, tls: bool) -> list[tuple[str, str]]:
    """The headers every answer to ``path`` carries (a route may set a stricter CSP itself)."""
    headers = [
        ("Content-Security-Policy", APP_CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if not path.startswith("/static/"):
        headers.append(("Cache-Control", "no-store"))
    if tls:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def add_headers(headers: MutableHeaders, extra: Iterable[tuple[str, str]]) -> None:
    """Add each header the response does not set itself (nosniff always)."""
    for name, value in extra:
        if name == "X-Content-Type-Options" or name not in headers:
            headers[name] = value


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: :func:`security_headers` on every HTTP response."""

    def __init__(self, app: ASGIApp, *, tls: bool = False) -> None:
        self.app = app
        self.tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""), tls=self.tls)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(MutableHeaders(scope=message), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedHostMiddleware:
    """Pure ASGI middleware: answer 400 to a request whose ``Host`` is not one of ``allowed``
    (before any route, so no page and no redirect names another site: DNS rebinding and host
    header injection stop here)."""

    def __init__(self, app: ASGIApp, *, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = host_name(headers.get(b"host", b"").decode("latin-1"))
            if host not in self.allowed:
                response = PlainTextResponse(say("web.bad_host"), status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def wants_html(request: Request) -> bool:
    """True for a browser's page request (not the JSON API, not a script's call)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def printable(text: Any) -> str:
    """``text`` as a string that encodes as UTF-8 (a lone surrogate becomes U+FFFD)."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """The errors of a refused request, without the input that was sent (which may not even
    be encodable: a lone surrogate from a ``\\ud800`` escape)."""
    out = []
    for error in exc.errors():
        out.append(
            {
                "type": printable(error.get("type", "")),
                "loc": [e if isinstance(e, int) else printable(e) for e in error.get("loc", ())],
                "msg": printable(error.get("msg", "")),
            }
        )
    return out


async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    """422 with what was wrong, never echoing the input."""
    return JSONResponse({"detail": validation_errors(exc)}, status_code=422)


async def on_server_error(request: Request, exc: Exception) -> Response:
    """500: one sentence for the person, the traceback in the server's log, and the security
    headers (this answer is made outside the middleware that adds them)."""
    log.error("error answering %s %s", request.method, request.url.path, exc_info=exc)
    message = say("web.server_error")
    if wants_html(request):
        response: Response = HTMLResponse(_error_page(message), status_code=500)
    else:
        response = JSONResponse({"detail": message}, status_code=500)
    tls = request.url.scheme == "https"
    add_headers(response.headers, security_headers(request.url.path, tls=tls))
    return response


def _error_page(message: str) -> str:
    """A minimal page for a server error (the templates may be what failed)."""
    import html

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gaitlab</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
        f'<p class="error">{html.escape(message)}</p><p><a href="/">gaitlab</a></p>'
        "</main></body></html>"
    )
