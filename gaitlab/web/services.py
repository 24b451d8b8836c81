"""What the routes do, apart from HTTP: the steps of logging in, ...

Pages and the JSON API call these functions (and tests call them too); they take plain values
and the app's state, and return plain values.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from gaitlab.web import auth, db

#: How a login attempt waits out its delay (tests replace it to record the delays instead).
pause = asyncio.sleep


@dataclasses.dataclass(frozen=True)
class LoginResult:
    """How a login attempt ended: 303 (logged in: the login token, and a new device token when
    the browser had none for this account), 401 (wrong name or password) or 429 (too many
    attempts of this address at once)."""

    status: int
    token: str = ""
    device: str = ""


async def log_in(
    state: Any, name: str, password: str, address: str, device: str | None
) -> LoginResult:
    """Try a login as :class:`~gaitlab.web.auth.LoginThrottle` allows: wait the delay the
    recent failures of the name and the address call for, then check the password."""
    db_path = state.layout.db_path
    throttle: auth.LoginThrottle = state.throttle
    known = await run_in_threadpool(_known_device, db_path, name, device)
    with state.pending_logins.admit(address, always=known) as admitted:
        if not admitted:
            return LoginResult(429)
        delay_s = await run_in_threadpool(_login_delay_s, db_path, name, address, throttle, known)
        await pause(delay_s)
        lifetimes_s = (state.settings.login_lifetime_s, throttle.device_cookie_days * 86400)
        return await run_in_threadpool(
            _check_login, db_path, name, password, address, lifetimes_s, new_device=not known
        )


def _known_device(db_path: Path, name: str, device: str | None) -> bool:
    with contextlib.closing(db.connect(db_path)) as conn:
        user = db.get_user_by_name(conn, name)
        return user is not None and auth.device_user_id(conn, device) == user.id


def _login_delay_s(
    db_path: Path, name: str, address: str, throttle: auth.LoginThrottle, known: bool
) -> float:
    with contextlib.closing(db.connect(db_path)) as conn:
        return auth.login_delay_s(conn, name, address, throttle, known=known)


def _check_login(
    db_path: Path, name: str, password: str, address: str, lifetimes_s: tuple[float, float], *,
    new_device: bool,
) -> LoginResult:  # fmt: skip
    """Check the password; on success start a login (and remember the browser)."""
    with contextlib.closing(db.connect(db_path)) as conn:
        user = auth.authenticate(conn, name, password, address)
        if user is None:
            return LoginResult(401)
        login_s, device_s = lifetimes_s
        with db.transaction(conn):
            token = auth.start_login(conn, user, login_s)
            device = auth.remember_device(conn, user, device_s) if new_device else ""
        return LoginResult(303, token, device)
