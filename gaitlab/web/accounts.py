"""Account helpers for the command line: API tokens and the runner on their own.

``gaitlab users token NAME`` makes an API token (:mod:`gaitlab.web.tokens`);
``gaitlab users solo NAME`` makes one account with one runner profile, for a runner who uses
gaitlab alone (from a phone on the same network: ``gaitlab serve --host 0.0.0.0``); the web app
then opens on that runner's page instead of the list of runners.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from gaitlab.errors import GaitlabError
from gaitlab.web import db, tokens
from gaitlab.web.server import add_user, open_db
from gaitlab.words import say


def _user(conn: sqlite3.Connection, name: str) -> db.User:
    user = db.get_user_by_name(conn, name)
    if user is None:
        raise GaitlabError(say("web.users.no_such_list", name=name))
    return user


def issue_token(data_dir: Path, name: str, label: str = "") -> str:
    """A new API token for the account ``name`` (the token itself; only its hash is kept)."""
    with open_db(data_dir) as conn, db.transaction(conn):
        return tokens.create_token(conn, _user(conn, name).id, label)


def revoke_tokens(data_dir: Path, name: str) -> int:
    """Remove every API token of the account ``name``; returns how many there were."""
    with open_db(data_dir) as conn, db.transaction(conn):
        return tokens.revoke_tokens(conn, _user(conn, name).id)


def add_solo(
    data_dir: Path, name: str, password: str, *, height_cm: float | None = None
) -> tuple[db.User, db.Runner]:
    """One account named ``name`` with one runner profile of the same name (and height)."""
    if height_cm is not None and not 50 <= height_cm <= 250:
        raise GaitlabError(say("web.users.bad_height", height_cm=height_cm))
    user = add_user(data_dir, name, password)
    with open_db(data_dir) as conn, db.transaction(conn):
        db.set_solo(conn, user.id)
        runner = db.create_runner(conn, user.id, name=user.name, height_cm=height_cm, notes="")
    return dataclasses.replace(user, solo=True), runner
