"""API tokens: long random secrets for scripts (``Authorization: Bearer <token>``).

A token is shown once, when it is made (``gaitlab users token NAME``); the database keeps only
its SHA-256 (a token has 256 random bits, so a fast hash is enough: there is nothing to guess
from a copy of the database). The ``api_tokens`` table is part of the schema in
:mod:`gaitlab.web.db` (version 2).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time

from gaitlab.web import db

#: Every token starts with this, so a leaked one is easy to recognise (and to search logs for).
PREFIX = "glt_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(conn: sqlite3.Connection, user_id: str, label: str = "") -> str:
    """A new token for ``user_id``; returns the token itself (stored only as its hash)."""
    token = PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_s) VALUES (?, ?, ?, ?)",
        (_hash(token), user_id, label[:200], time.time()),
    )
    return token


def user_of_token(conn: sqlite3.Connection, token: str) -> db.User | None:
    """The user a token belongs to, or None for an unknown token."""
    if not token.startswith(PREFIX):
        return None
    row = conn.execute(
        "SELECT users.* FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
        "WHERE api_tokens.token_hash = ?",
        (_hash(token),),
    ).fetchone()
    return db.User(row["id"], row["name"], row["password_hash"], row["solo"]) if row else None


def revoke_tokens(conn: sqlite3.Connection, user_id: str) -> int:
    """Remove every token of ``user_id``; returns how many there were."""
    return conn.execute("DELETE FROM api_tokens WHERE user_id = ?", (user_id,)).rowcount
