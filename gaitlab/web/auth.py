"""Accounts: argon2 password hashes, login tokens, CSRF tokens and the login rate limit.

The browser holds a random login token in an HttpOnly, SameSite=Lax cookie; the database keeps
only its SHA-256, so a copy of the database does not let anyone log in. Each login has its own
CSRF token, sent back by every form; before login, the login form uses a double-submit token
(a random cookie that the form must repeat).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import sqlite3

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gaitlab.web import db

#: Cookie names.
LOGIN_COOKIE = "gaitlab_login"
ANON_CSRF_COOKIE = "gaitlab_csrf"

#: Minimum password length for new accounts.
MIN_PASSWORD_CHARS = 10

_HASHER = PasswordHasher()
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
        raise ValueError("The account name must be 1-100 characters.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
    with db.transaction(conn):
        if db.get_user_by_name(conn, name) is not None:
            raise ValueError(f"An account named '{name}' already exists.")
        return db.create_user(conn, name, hash_password(password))


def set_password(conn: sqlite3.Connection, name: str, password: str) -> None:
    """Change an account's password (and log it out everywhere)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
    with db.transaction(conn):
        user = db.get_user_by_name(conn, name)
        if user is None:
            raise ValueError(f"There is no account named '{name}'.")
        db.set_password_hash(conn, user.id, hash_password(password))


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """Failed logins allowed per account name and per client address within ``window_s``."""

    per_name: int = 5
    per_address: int = 20
    window_s: float = 900.0


def login_blocked(conn: sqlite3.Connection, name: str, address: str, limit: RateLimit) -> bool:
    """True when too many logins failed recently for this name or from this address."""
    return (
        db.count_login_failures(conn, f"name:{name.lower()}", limit.window_s) >= limit.per_name
        or db.count_login_failures(conn, f"addr:{address}", limit.window_s) >= limit.per_address
    )


def authenticate(
    conn: sqlite3.Connection, name: str, password: str, address: str
) -> db.User | None:
    """The user whose name and password these are, or None (the failure is counted)."""
    user = db.get_user_by_name(conn, name)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and ok:
        db.clear_login_failures(conn, f"name:{name.lower()}")
        return user
    db.record_login_failure(conn, [f"name:{name.lower()}", f"addr:{address}"])
    return None


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
