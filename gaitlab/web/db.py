"""The web app's service layer: an embedded SQLite database (WAL mode) and its functions.

Every function takes an open connection and, for a therapist's data, the owner's id: a query
never reads or changes a row of another owner, so the routes above cannot leak one by mistake.
The routes, the workers and later interfaces (a JSON API, history per runner) all go through
these functions; none writes SQL of its own.

Rows come back as small frozen dataclasses. Ids are random 32-hex strings (not counters), so an
id says nothing about how many runners or clips exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

#: Bumped when the schema changes; :func:`migrate` upgrades older files in place.
#: 1: users, logins, runners, sessions, clips, analyses. 2: api_tokens, users.solo.
#: 3: login_devices, clips.view_set, analyses.refused.
SCHEMA_VERSION = 3

JobState = Literal["queued", "running", "done", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS logins (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_s REAL NOT NULL,
    expires_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at_s);
CREATE TABLE IF NOT EXISTS runners (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    height_cm REAL,
    notes TEXT NOT NULL DEFAULT '',
    created_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runners_owner ON runners(owner_id, name);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    runner_id TEXT NOT NULL REFERENCES runners(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_runner ON sessions(owner_id, runner_id, date);
CREATE TABLE IF NOT EXISTS clips (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    stored_name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    view TEXT,
    checks_json TEXT NOT NULL DEFAULT '[]',
    created_s REAL NOT NULL,
    view_set TEXT
);
CREATE INDEX IF NOT EXISTS clips_session ON clips(owner_id, session_id, created_s);
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    claim_token TEXT,
    worker_pid INTEGER,
    heartbeat_s REAL,
    stage TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_s REAL NOT NULL,
    started_s REAL,
    finished_s REAL,
    refused INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS analyses_queue ON analyses(state, created_s);
CREATE INDEX IF NOT EXISTS analyses_session ON analyses(owner_id, session_id, created_s);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT '',
    created_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens(user_id);
CREATE TABLE IF NOT EXISTS login_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_s REAL NOT NULL,
    expires_s REAL NOT NULL
);
"""

#: Columns added to a table after it was first made: (table, column, definition), each with
#: the schema version that added it.
_ADDED_COLUMNS = (
    ("users", "solo", "INTEGER NOT NULL DEFAULT 0"),  # 2
    ("clips", "view_set", "TEXT"),  # 3
    ("analyses", "refused", "INTEGER NOT NULL DEFAULT 0"),  # 3
)


def new_id() -> str:
    """A random 128-bit id as 32 hex digits."""
    return secrets.token_hex(16)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open the database at ``path`` (created if missing) in WAL mode with foreign keys on.

    The connection is in autocommit mode; group changes with :func:`transaction`.
    """
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a committed row survives a power cut
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> None:
    """Create the tables of a new database, or bring an older one up to :data:`SCHEMA_VERSION`
    in place, in one transaction (a no-op on an up-to-date database).

    Every ``CREATE`` in the schema is ``IF NOT EXISTS``, so the same script adds the tables and
    indexes an older database lacks; columns added to existing tables later are added when
    missing. A database of a newer gaitlab raises ``RuntimeError`` and is left unchanged.
    """
    with transaction(conn):  # one at a time: a server and a command may start together
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"The database has schema {version}, newer than this gaitlab ({SCHEMA_VERSION})."
            )
        if version == SCHEMA_VERSION:
            return
        for statement in _SCHEMA.split(";"):  # no statement holds a ';' of its own
            if statement.strip():
                conn.execute(statement)
        for table, column, definition in _ADDED_COLUMNS:
            if column not in _columns(conn, table):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}


# --------------------------------------------------------------------------- rows


@dataclasses.dataclass(frozen=True)
class User:
    """An account; ``solo``: a runner using gaitlab alone (``gaitlab users solo``)."""

    id: str
    name: str
    password_hash: str
    solo: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "solo", bool(self.solo))  # SQLite stores it as 0 / 1


@dataclasses.dataclass(frozen=True)
class Runner:
    id: str
    owner_id: str
    name: str
    height_cm: float | None
    notes: str
    created_s: float


@dataclasses.dataclass(frozen=True)
class Session:
    id: str
    owner_id: str
    runner_id: str
    date: str
    notes: str
    created_s: float


@dataclasses.dataclass(frozen=True)
class Clip:
    id: str
    owner_id: str
    session_id: str
    stored_name: str
    display_name: str
    size_bytes: int
    sha256: str
    view: str | None
    checks_json: str
    created_s: float
    view_set: str | None = None

    @property
    def checks(self) -> list[dict[str, Any]]:
        """The clip's capture checks (``gaitlab.result.Check.as_dict()`` each)."""
        return json.loads(self.checks_json)


@dataclasses.dataclass(frozen=True)
class Analysis:
    """One analysis job of a session (its row doubles as the queue entry)."""

    id: str
    owner_id: str
    session_id: str
    state: JobState
    attempts: int
    claim_token: str | None
    worker_pid: int | None
    heartbeat_s: float | None
    stage: str
    done: int
    total: int
    error: str | None
    created_s: float
    started_s: float | None
    finished_s: float | None
    refused: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "refused", bool(self.refused))  # SQLite stores it as 0 / 1


def _row(cls: type, row: sqlite3.Row | None) -> Any:
    if row is None:
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: row[k] for k in row.keys() if k in names})  # noqa: SIM118


# --------------------------------------------------------------------------- users and logins


def create_user(conn: sqlite3.Connection, name: str, password_hash: str) -> User:
    """Add an account; raises ``sqlite3.IntegrityError`` when the name is taken."""
    user = User(id=new_id(), name=name, password_hash=password_hash)
    conn.execute(
        "INSERT INTO users (id, name, password_hash, created_s) VALUES (?, ?, ?, ?)",
        (user.id, user.name, user.password_hash, time.time()),
    )
    return user


def set_solo(conn: sqlite3.Connection, user_id: str, solo: bool = True) -> None:
    """Mark an account as a runner's own (its home page is then the runner's page)."""
    conn.execute("UPDATE users SET solo = ? WHERE id = ?", (int(solo), user_id))


def get_user_by_name(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return _row(User, row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_row(User, r) for r in conn.execute("SELECT * FROM users ORDER BY name")]


def set_password_hash(conn: sqlite3.Connection, user_id: str, password_hash: str) -> None:
    """Change a password: every login, API token and remembered browser of the account ends
    (whoever had the old password must not keep the account's data)."""
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
    for table in ("logins", "api_tokens", "login_devices"):
        conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))


def create_login(
    conn: sqlite3.Connection, user_id: str, token_hash: str, csrf_token: str, lifetime_s: float
) -> None:
    """Record a login (the browser holds the token; the database only its hash)."""
    now = time.time()
    conn.execute("DELETE FROM logins WHERE expires_s < ?", (now,))
    conn.execute(
        "INSERT INTO logins (token_hash, user_id, csrf_token, created_s, expires_s) "
        "VALUES (?, ?, ?, ?, ?)",
        (token_hash, user_id, csrf_token, now, now + lifetime_s),
    )


def get_login(conn: sqlite3.Connection, token_hash: str) -> tuple[User, str] | None:
    """The logged-in user and the login's CSRF token, or None (unknown or expired)."""
    row = conn.execute(
        "SELECT users.*, logins.csrf_token FROM logins JOIN users ON users.id = logins.user_id "
        "WHERE logins.token_hash = ? AND logins.expires_s > ?",
        (token_hash, time.time()),
    ).fetchone()
    return (_row(User, row), row["csrf_token"]) if row else None


def delete_login(conn: sqlite3.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM logins WHERE token_hash = ?", (token_hash,))


def create_device(
    conn: sqlite3.Connection, user_id: str, token_hash: str, lifetime_s: float
) -> None:
    """Record a browser that logged in to ``user_id`` (it holds the token; we keep the hash)."""
    now = time.time()
    conn.execute("DELETE FROM login_devices WHERE expires_s < ?", (now,))
    conn.execute(
        "INSERT INTO login_devices (token_hash, user_id, created_s, expires_s) VALUES (?, ?, ?, ?)",
        (token_hash, user_id, now, now + lifetime_s),
    )


def get_device(conn: sqlite3.Connection, token_hash: str) -> str | None:
    """The account id a device token was given to (None: unknown or expired)."""
    row = conn.execute(
        "SELECT user_id FROM login_devices WHERE token_hash = ? AND expires_s > ?",
        (token_hash, time.time()),
    ).fetchone()
    return row[0] if row else None


def record_login_failure(conn: sqlite3.Connection, keys: list[str]) -> None:
    now = time.time()
    conn.executemany(
        "INSERT INTO login_failures (key, at_s) VALUES (?, ?)", [(k, now) for k in keys]
    )


def count_login_failures(conn: sqlite3.Connection, key: str, window_s: float) -> int:
    since = time.time() - window_s
    conn.execute("DELETE FROM login_failures WHERE at_s < ?", (time.time() - 86400,))
    row = conn.execute(
        "SELECT COUNT(*) FROM login_failures WHERE key = ? AND at_s >= ?", (key, since)
    ).fetchone()
    return int(row[0])


def clear_login_failures(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))


# --------------------------------------------------------------------------- runners


def create_runner(
    conn: sqlite3.Connection, owner_id: str, *, name: str, height_cm: float | None, notes: str
) -> Runner:
    runner = Runner(new_id(), owner_id, name, height_cm, notes, time.time())
    conn.execute(
        "INSERT INTO runners (id, owner_id, name, height_cm, notes, created_s) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        dataclasses.astuple(runner),
    )
    return runner


def get_runner(conn: sqlite3.Connection, owner_id: str, runner_id: str) -> Runner | None:
    row = conn.execute(
        "SELECT * FROM runners WHERE id = ? AND owner_id = ?", (runner_id, owner_id)
    ).fetchone()
    return _row(Runner, row)


def list_runners(conn: sqlite3.Connection, owner_id: str) -> list[Runner]:
    rows = conn.execute(
        "SELECT * FROM runners WHERE owner_id = ? ORDER BY name COLLATE NOCASE", (owner_id,)
    )
    return [_row(Runner, r) for r in rows]


def update_runner(
    conn: sqlite3.Connection,
    owner_id: str,
    runner_id: str,
    *,
    name: str,
    height_cm: float | None,
    notes: str,
) -> bool:
    cur = conn.execute(
        "UPDATE runners SET name = ?, height_cm = ?, notes = ? WHERE id = ? AND owner_id = ?",
        (name, height_cm, notes, runner_id, owner_id),
    )
    return cur.rowcount == 1


@dataclasses.dataclass(frozen=True)
class Removed:
    """What a delete took away: the files to remove after the rows are gone."""

    clip_files: tuple[str, ...] = ()
    analysis_ids: tuple[str, ...] = ()


def _files_of_sessions(conn: sqlite3.Connection, owner_id: str, where: str, arg: str) -> Removed:
    clips = conn.execute(
        f"SELECT stored_name FROM clips WHERE owner_id = ? AND {where}", (owner_id, arg)
    )
    analyses = conn.execute(
        f"SELECT id FROM analyses WHERE owner_id = ? AND {where}", (owner_id, arg)
    )
    return Removed(tuple(r[0] for r in clips), tuple(r[0] for r in analyses))


def delete_runner(conn: sqlite3.Connection, owner_id: str, runner_id: str) -> Removed | None:
    """Delete a runner with their sessions, clips and analyses (rows cascade).

    Returns
    -------
    Removed or None
        The files to remove, or None when the owner has no such runner.
    """
    if get_runner(conn, owner_id, runner_id) is None:
        return None
    removed = _files_of_sessions(
        conn, owner_id, "session_id IN (SELECT id FROM sessions WHERE runner_id = ?)", runner_id
    )
    conn.execute("DELETE FROM runners WHERE id = ? AND owner_id = ?", (runner_id, owner_id))
    return removed


# --------------------------------------------------------------------------- sessions


def create_session(
    conn: sqlite3.Connection, owner_id: str, runner_id: str, *, date: str, notes: str
) -> Session | None:
    """A new session of the owner's runner (None when the runner is not theirs)."""
    if get_runner(conn, owner_id, runner_id) is None:
        return None
    session = Session(new_id(), owner_id, runner_id, date, notes, time.time())
    conn.execute(
        "INSERT INTO sessions (id, owner_id, runner_id, date, notes, created_s) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        dataclasses.astuple(session),
    )
    return session


def get_session(conn: sqlite3.Connection, owner_id: str, session_id: str) -> Session | None:
    row = conn.execute(
        "SELECT * FROM sessions WHERE id = ? AND owner_id = ?", (session_id, owner_id)
    ).fetchone()
    return _row(Session, row)


def list_sessions(conn: sqlite3.Connection, owner_id: str, runner_id: str) -> list[Session]:
    rows = conn.execute(
        "SELECT * FROM sessions WHERE owner_id = ? AND runner_id = ? "
        "ORDER BY date DESC, created_s DESC",
        (owner_id, runner_id),
    )
    return [_row(Session, r) for r in rows]


def delete_session(conn: sqlite3.Connection, owner_id: str, session_id: str) -> Removed | None:
    """Delete a session with its clips and analyses; None when the owner has no such session."""
    if get_session(conn, owner_id, session_id) is None:
        return None
    removed = _files_of_sessions(conn, owner_id, "session_id = ?", session_id)
    conn.execute("DELETE FROM sessions WHERE id = ? AND owner_id = ?", (session_id, owner_id))
    return removed


# --------------------------------------------------------------------------- clips


def add_clip(
    conn: sqlite3.Connection,
    owner_id: str,
    session_id: str,
    *,
    clip_id: str,
    stored_name: str,
    display_name: str,
    size_bytes: int,
    sha256: str,
    view_set: str | None = None,
) -> Clip | None:
    """Record an uploaded clip (its file already in place; ``view_set``: the view the therapist
    says it shows); None when the session is not the owner's."""
    if get_session(conn, owner_id, session_id) is None:
        return None
    clip = Clip(
        clip_id, owner_id, session_id, stored_name, display_name, size_bytes, sha256, None, "[]",
        time.time(), view_set,
    )  # fmt: skip
    conn.execute(
        "INSERT INTO clips (id, owner_id, session_id, stored_name, display_name, size_bytes, "
        "sha256, view, checks_json, created_s, view_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        dataclasses.astuple(clip),
    )
    return clip


def get_clip(conn: sqlite3.Connection, owner_id: str, clip_id: str) -> Clip | None:
    row = conn.execute(
        "SELECT * FROM clips WHERE id = ? AND owner_id = ?", (clip_id, owner_id)
    ).fetchone()
    return _row(Clip, row)


def list_clips(conn: sqlite3.Connection, owner_id: str, session_id: str) -> list[Clip]:
    rows = conn.execute(
        "SELECT * FROM clips WHERE owner_id = ? AND session_id = ? ORDER BY created_s",
        (owner_id, session_id),
    )
    return [_row(Clip, r) for r in rows]


def set_clip_result(
    conn: sqlite3.Connection, clip_id: str, *, view: str | None, checks: list[dict[str, Any]]
) -> None:
    """Store what an analysis found about a clip (worker side: the job already owns it)."""
    conn.execute(
        "UPDATE clips SET view = ?, checks_json = ? WHERE id = ?",
        (view, json.dumps(checks), clip_id),
    )


def set_clip_view(conn: sqlite3.Connection, owner_id: str, clip_id: str, view: str | None) -> bool:
    """Record the view the therapist says a clip shows (None: let the analysis find it)."""
    cur = conn.execute(
        "UPDATE clips SET view_set = ? WHERE id = ? AND owner_id = ?", (view, clip_id, owner_id)
    )
    return cur.rowcount == 1


def delete_clip(conn: sqlite3.Connection, owner_id: str, clip_id: str) -> Removed | None:
    """Delete a clip and the session's analyses (they were made with it).

    Returns None when the owner has no such clip.
    """
    clip = get_clip(conn, owner_id, clip_id)
    if clip is None:
        return None
    analyses = conn.execute(
        "SELECT id FROM analyses WHERE owner_id = ? AND session_id = ?",
        (owner_id, clip.session_id),
    )
    removed = Removed((clip.stored_name,), tuple(r[0] for r in analyses))
    conn.execute(
        "DELETE FROM analyses WHERE owner_id = ? AND session_id = ?", (owner_id, clip.session_id)
    )
    conn.execute("DELETE FROM clips WHERE id = ? AND owner_id = ?", (clip_id, owner_id))
    return removed


def all_stored_names(conn: sqlite3.Connection) -> set[str]:
    """Every clip file name the database knows (for the orphan sweep)."""
    return {r[0] for r in conn.execute("SELECT stored_name FROM clips")}


def all_analysis_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM analyses")}


# --------------------------------------------------------------------------- analyses (the queue)


def enqueue_analysis(conn: sqlite3.Connection, owner_id: str, session_id: str) -> Analysis | None:
    """Queue an analysis of the session's clips; an older one still queued is dropped (this one
    covers the same clips and more). None when the session is not the owner's."""
    if get_session(conn, owner_id, session_id) is None:
        return None
    conn.execute(
        "DELETE FROM analyses WHERE owner_id = ? AND session_id = ? AND state = 'queued'",
        (owner_id, session_id),
    )
    job_id = new_id()
    conn.execute(
        "INSERT INTO analyses (id, owner_id, session_id, created_s) VALUES (?, ?, ?, ?)",
        (job_id, owner_id, session_id, time.time()),
    )
    return get_analysis(conn, owner_id, job_id)


def get_analysis(conn: sqlite3.Connection, owner_id: str, analysis_id: str) -> Analysis | None:
    row = conn.execute(
        "SELECT * FROM analyses WHERE id = ? AND owner_id = ?", (analysis_id, owner_id)
    ).fetchone()
    return _row(Analysis, row)


def list_analyses(conn: sqlite3.Connection, owner_id: str, session_id: str) -> list[Analysis]:
    """The session's analyses, newest first."""
    rows = conn.execute(
        "SELECT * FROM analyses WHERE owner_id = ? AND session_id = ? "
        "ORDER BY created_s DESC, rowid DESC",
        (owner_id, session_id),
    )
    return [_row(Analysis, r) for r in rows]


def claim_next(conn: sqlite3.Connection, worker_pid: int) -> Analysis | None:
    """Take the oldest queued analysis for a worker (atomically: no two workers get one job)."""
    token = secrets.token_hex(8)
    now = time.time()
    with transaction(conn):
        row = conn.execute(
            "UPDATE analyses SET state = 'running', attempts = attempts + 1, claim_token = ?, "
            "worker_pid = ?, heartbeat_s = ?, started_s = ?, stage = 'starting', done = 0, "
            "total = 0, error = NULL "
            "WHERE id = (SELECT id FROM analyses WHERE state = 'queued' "
            "ORDER BY created_s, rowid LIMIT 1) RETURNING *",
            (token, worker_pid, now, now),
        ).fetchone()
    return _row(Analysis, row)


def job_session(conn: sqlite3.Connection, job: Analysis) -> tuple[Session, Runner, list[Clip]]:
    """A claimed job's session, runner and clips (worker side)."""
    session = get_session(conn, job.owner_id, job.session_id)
    assert session is not None  # the job row cascades away with its session
    runner = get_runner(conn, job.owner_id, session.runner_id)
    assert runner is not None
    return session, runner, list_clips(conn, job.owner_id, job.session_id)


def report_progress(
    conn: sqlite3.Connection, job: Analysis, *, stage: str, done: int, total: int
) -> bool:
    """Update a running job's progress and heartbeat.

    Returns
    -------
    bool
        False when the job is no longer this worker's (deleted, or requeued after it was thought
        dead): the worker must stop it.
    """
    cur = conn.execute(
        "UPDATE analyses SET stage = ?, done = ?, total = ?, heartbeat_s = ? "
        "WHERE id = ? AND claim_token = ? AND state = 'running'",
        (stage, done, total, time.time(), job.id, job.claim_token),
    )
    return cur.rowcount == 1


def finish_job(
    conn: sqlite3.Connection,
    job: Analysis,
    *,
    state: Literal["done", "failed"],
    error: str | None = None,
    refused: bool = False,
    publish: Callable[[], None] | None = None,
) -> bool:
    """Mark a claimed job done or failed (``refused``: because no clip could be used);
    ``publish`` (moving its files into place) runs inside the same transaction, so the row says
    done only once the files are there.

    Returns False when the job is no longer this worker's (nothing is changed then).
    """
    with transaction(conn):
        row = conn.execute(
            "SELECT 1 FROM analyses WHERE id = ? AND claim_token = ? AND state = 'running'",
            (job.id, job.claim_token),
        ).fetchone()
        if row is None:
            return False
        if publish is not None:
            publish()
        conn.execute(
            "UPDATE analyses SET state = ?, error = ?, finished_s = ?, stage = ?, refused = ? "
            "WHERE id = ?",
            (state, error, time.time(), state, int(refused), job.id),
        )
    return True


def requeue_abandoned(
    conn: sqlite3.Connection,
    *,
    is_alive: Callable[[int], bool],
    stale_s: float,
    max_attempts: int,
    count_attempt: bool = True,
) -> list[str]:
    """Put running jobs whose worker died (or stopped reporting for ``stale_s``) back in the
    queue; a job that has already been tried ``max_attempts`` times fails instead.

    ``count_attempt=False`` is for a server that stops cleanly: the interrupted run does not
    count against the job.

    Returns the ids of the jobs put back.
    """
    now = time.time()
    requeued = []
    with transaction(conn):
        rows = conn.execute(
            "SELECT id, worker_pid, heartbeat_s, attempts FROM analyses WHERE state = 'running'"
        ).fetchall()
        for row in rows:
            dead = row["worker_pid"] is None or not is_alive(int(row["worker_pid"]))
            stale = row["heartbeat_s"] is None or now - row["heartbeat_s"] > stale_s
            if not (dead or stale):
                continue
            if count_attempt and row["attempts"] >= max_attempts:
                conn.execute(
                    "UPDATE analyses SET state = 'failed', claim_token = NULL, finished_s = ?, "
                    "stage = 'failed', error = ? WHERE id = ?",
                    (now, "The analysis stopped unexpectedly several times.", row["id"]),
                )
            else:
                conn.execute(
                    "UPDATE analyses SET state = 'queued', claim_token = NULL, worker_pid = NULL, "
                    "stage = 'queued', done = 0, total = 0, attempts = attempts - ? WHERE id = ?",
                    (0 if count_attempt else 1, row["id"]),
                )
                requeued.append(row["id"])
    return requeued
