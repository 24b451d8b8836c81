"""The pages around the therapist's data: the runner list (home), logging in and out, and the
filming guide (which anyone may open)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gaitlab.web import auth, services
from gaitlab.web.dependencies import Conn, Ctx, MaybeMe, Me, Writer, same_site
from gaitlab.web.errors import CsrfError
from gaitlab.web.templating import render
from gaitlab.words import say

router = APIRouter(default_response_class=HTMLResponse)


def see_other(url: str) -> RedirectResponse:
    """The answer to a form post: go to ``url`` (303)."""
    return RedirectResponse(url, status_code=303)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None):
    """An HttpOnly, SameSite=Lax cookie for the whole site (Secure over TLS)."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax",
        secure=request.app.state.context.settings.secure_cookies, path="/",
    )  # fmt: skip


@router.get("/")
def runners_page(request: Request, ctx: Ctx, conn: Conn, me: Me) -> Response:
    """The runner list with each runner's last visit (a runner's own account: their page)."""
    overview = services.runner_overview(ctx, conn, me.user.id)
    if me.user.solo and len(overview) == 1:
        return see_other(f"/runners/{overview[0].runner.id}")
    return render(request, "runners.html", me=me, overview=overview)


def login_page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
    token = request.cookies.get(auth.ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", status_code, csrf=token, error=error)
    set_cookie(request, response, auth.ANON_CSRF_COOKIE, token, None)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return login_page(request)


@router.post("/login")
async def login(
    request: Request,
    ctx: Ctx,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Log in (slowed down after failures: :class:`gaitlab.web.auth.LoginThrottle`)."""
    if not same_site(request):
        raise CsrfError
    if not auth.same_token(csrf_token, request.cookies.get(auth.ANON_CSRF_COOKIE)):
        raise CsrfError
    result = await services.log_in(
        ctx, request.app.state.pending_logins, name=name, password=password,
        address=request.client.host if request.client else "unknown",
        device=request.cookies.get(auth.DEVICE_COOKIE),
    )  # fmt: skip
    if result.status != 303:
        message = say("web.auth.failed" if result.status == 401 else "web.auth.busy")
        return login_page(request, result.status, message)
    response = see_other("/")
    set_cookie(
        request, response, auth.LOGIN_COOKIE, result.token, int(ctx.settings.login_lifetime_s)
    )
    if result.device:
        max_age = int(ctx.throttle.device_cookie_days * 86400)
        set_cookie(request, response, auth.DEVICE_COOKIE, result.device, max_age)
    response.delete_cookie(auth.ANON_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, conn: Conn, me: Writer) -> Response:
    auth.end_login(conn, request.cookies.get(auth.LOGIN_COOKIE))
    response = see_other("/login")
    response.delete_cookie(auth.LOGIN_COOKIE, path="/")
    return response


@router.get("/guide")
def guide(request: Request, me: MaybeMe) -> Response:
    """The filming guide, written for the web app."""
    return render(request, "guide.html", me=me, guide=services.web_guide())
