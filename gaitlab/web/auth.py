"""Accounts: argon2 password hashes, login tokens, CSRF tokens and login throttling.

The browser holds a random login token in an HttpOnly, SameSite=Lax cookie; the database keeps
only its SHA-256, so a copy of the database does not let anyone log in. Each login has its own
CSRF token, sent back by every form; before login, the login form uses a double-submit token
(a random cookie that the form must repeat).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gaitlab.config.settings import WebLoginSettings
from gaitlab.web import db
from gaitlab.words import say

#: Cookie names.
LOGIN_COOKIE = "gaitlab_login"
ANON_CSRF_COOKIE = "gaitlab_csrf"
#: A browser that has logged in to an account before (it is then not slowed down by failures).
DEVICE_COOKIE = "gaitlab_device"

#: Minimum password length for new accounts.
MIN_PASSWORD_CHARS = 10

_HASHER = PasswordHasher()
#: Password hashes checked at once (each takes tens of ms of CPU and 64 MiB).
MAX_HASHING = 2
_HASHING = threading.BoundedSemaphore(MAX_HASHING)
# Verifying against this hash when the name is unknown takes as long as a real check, so the
# answer time does not tell which account names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """An argon2id hash (with its own salt and parameters) of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def add_user(conn: sqlite3.Connection, name: str, password: str) -> db.User:
    """Create an account.

    Raises
    ------
    ValueError
        With a one-sentence reason: empty or taken name, or a password that is too short.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError(say("web.users.bad_name"))
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(say("web.users.short_password", min_chars=MIN_PASSWORD_CHARS))
    with db.transaction(conn):
        if db.get_user_by_name(conn, name) is not None:
            raise ValueError(say("web.users.name_taken", name=name))
        return db.create_user(conn, name, hash_password(password))


def set_password(conn: sqlite3.Connection, name: str, password: str) -> None:
    """Change an account's password: it is logged out everywhere, and its API tokens and
    remembered browsers are revoked."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(say("web.users.short_password", min_chars=MIN_PASSWORD_CHARS))
    with db.transaction(conn):
        user = db.get_user_by_name(conn, name)
        if user is None:
            raise ValueError(say("web.users.no_such", name=name))
        db.set_password_hash(conn, user.id, hash_password(password))


@dataclasses.dataclass(frozen=True)
class LoginThrottle:
    """How failed logins slow down the next attempts (``[web.login]`` in the configuration).

    After ``free_failures`` failures within ``window_s`` (counted per account name and per
    client address), an attempt is answered only after :meth:`delay_s`: ``first_delay_s``,
    doubling with each further failure, at most ``max_delay_s``. The right password always
    works once the delay has passed.
    """

    free_failures: int
    first_delay_s: float
    max_delay_s: float
    window_s: float
    max_pending_per_client: int
    max_pending_quiet: int
    device_cookie_days: float

    @classmethod
    def from_config(cls, section: WebLoginSettings) -> LoginThrottle:
        """The throttle of the ``[web.login]`` settings."""
        return cls(
            free_failures=section.free_failures,
            first_delay_s=section.first_delay_s,
            max_delay_s=section.max_delay_s,
            window_s=section.window_s,
            max_pending_per_client=section.max_pending_per_client,
            max_pending_quiet=section.max_pending_quiet,
            device_cookie_days=section.device_cookie_days,
        )

    def delay_s(self, failures: int) -> float:
        """Seconds an attempt waits after ``failures`` recent failures."""
        if failures < self.free_failures:
            return 0.0
        doublings = min(failures - self.free_failures, 32)
        return min(self.max_delay_s, self.first_delay_s * 2.0**doublings)


def name_key(name: str) -> str:
    """The failure-count key of an account name (case as the accounts: ignored)."""
    return f"name:{name.strip().lower()}"


def address_key(address: str) -> str:
    """The failure-count key of a client address."""
    return f"addr:{address}"


def login_delay_s(
    conn: sqlite3.Connection, name: str, address: str, throttle: LoginThrottle, *, known: bool
) -> float:
    """How long an attempt to log in as ``name`` from ``address`` waits: the larger of the
    account's and the address's delays; none for a browser ``known`` to have logged in to this
    account before (a device cookie)."""
    if known:
        return 0.0
    window_s = throttle.window_s
    by_name = db.count_login_failures(conn, name_key(name), window_s)
    by_address = db.count_login_failures(conn, address_key(address), window_s)
    return throttle.delay_s(max(by_name, by_address))


def address_failures(conn: sqlite3.Connection, address: str, throttle: LoginThrottle) -> int:
    """Failed logins from ``address`` within the throttle's window."""
    return db.count_login_failures(conn, address_key(address), throttle.window_s)


def authenticate(
    conn: sqlite3.Connection, name: str, password: str, address: str
) -> db.User | None:
    """The user whose name and password these are, or None (the failure is counted against the
    name and the address; a success clears the name's count).

    The hash is checked outside any transaction, at most :data:`MAX_HASHING` at a time (each
    takes tens of ms of CPU), so logins never hold the database's write lock while hashing.
    """
    user = db.get_user_by_name(conn, name)
    with _HASHING:
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    with db.transaction(conn):
        if user is not None and ok:
            db.clear_login_failures(conn, name_key(name))
            return user
        db.record_login_failure(conn, [name_key(name), address_key(address)])
    return None


class PendingLogins:
    """The login attempts being answered now, per client address (in this process): at most
    ``limit`` at a time (:meth:`admit`), more are refused at once."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def admit(self, address: str, *, limit: int, always: bool = False) -> Iterator[bool]:
        """Count one attempt of ``address`` while it is answered; yields False when the address
        already has ``limit`` attempts pending (``always``: admitted whatever the count)."""
        with self._lock:
            admitted = always or self._counts.get(address, 0) < limit
            if admitted:
                self._counts[address] = self._counts.get(address, 0) + 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._counts[address] -= 1
                    if not self._counts[address]:
                        del self._counts[address]


def device_user_id(conn: sqlite3.Connection, token: str | None) -> str | None:
    """The account a device cookie was given to (None for none, unknown or expired)."""
    return db.get_device(conn, token_hash(token)) if token else None


def remember_device(conn: sqlite3.Connection, user: db.User, lifetime_s: float) -> str:
    """Record that this browser logged in to ``user``; returns the device cookie's token."""
    token = secrets.token_urlsafe(32)
    db.create_device(conn, user.id, token_hash(token), lifetime_s)
    return token


def start_login(conn: sqlite3.Connection, user: db.User, lifetime_s: float) -> str:
    """Record a new login; returns the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    db.create_login(conn, user.id, token_hash(token), secrets.token_urlsafe(32), lifetime_s)
    return token


def current_login(conn: sqlite3.Connection, token: str | None) -> tuple[db.User, str] | None:
    """The user and CSRF token of a login cookie, or None."""
    if not token:
        return None
    return db.get_login(conn, token_hash(token))


def end_login(conn: sqlite3.Connection, token: str | None) -> None:
    if token:
        db.delete_login(conn, token_hash(token))
