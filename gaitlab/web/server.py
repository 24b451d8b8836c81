"""Running the web app: the data folder's lock, the TLS warning and uvicorn."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gaitlab.errors import GaitlabError
from gaitlab.web import auth, db
from gaitlab.web.hosts import hosts_to_allow, is_loopback
from gaitlab.web.storage import Layout
from gaitlab.words import say

if TYPE_CHECKING:
    from gaitlab.web.app import WebSettings


def tls_warning(host: str, *, tls: bool) -> str | None:
    """The plain warning for listening beyond loopback without TLS, or None."""
    return None if tls or is_loopback(host) else say("web.serve.no_tls", host=host)


@contextlib.contextmanager
def data_lock(data_dir: Path) -> Iterator[IO[str]]:
    """Hold the data folder's lock: one server per data folder (the lock goes with the process,
    however it ends)."""
    Layout(data_dir).create()
    lock_file = open(data_dir / "serve.lock", "a+")  # noqa: SIM115 (held while serving)
    try:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GaitlabError(say("web.serve.locked", data=data_dir)) from None
        lock_file.truncate(0)
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        yield lock_file
    finally:
        lock_file.close()


@contextlib.contextmanager
def open_db(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """The data folder's database, created and migrated if needed."""
    layout = Layout(data_dir).create()
    conn = db.connect(layout.db_path)
    try:
        db.migrate(conn)
        yield conn
    finally:
        conn.close()


def add_user(data_dir: Path, name: str, password: str) -> db.User:
    """Create an account in the data folder (raises :class:`GaitlabError` with the reason)."""
    with open_db(data_dir) as conn:
        try:
            return auth.add_user(conn, name, password)
        except ValueError as exc:
            raise GaitlabError(str(exc)) from None


def set_password(data_dir: Path, name: str, password: str) -> None:
    with open_db(data_dir) as conn:
        try:
            auth.set_password(conn, name, password)
        except ValueError as exc:
            raise GaitlabError(str(exc)) from None


def user_names(data_dir: Path) -> list[str]:
    with open_db(data_dir) as conn:
        return [u.name for u in db.list_users(conn)]


def run(
    *,
    data_dir: Path,
    host: str,
    port: int,
    workers: int,
    max_upload_mb: float,
    config_path: Path | None,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    allowed_hosts: Sequence[str] = (),
    trusted_proxies: Sequence[str] = (),
    log_level: str = "warning",
) -> None:
    """Serve the app with uvicorn until stopped (Ctrl-C or SIGTERM); the analysis workers stop
    with it, and jobs they were running are queued again for the next start.

    ``allowed_hosts``: the names other devices use to reach the server (``--allowed-host``),
    required when ``host`` is every address (0.0.0.0 or ::); see :func:`hosts_to_allow`.
    ``trusted_proxies``: the reverse proxies whose ``X-Forwarded-For`` is believed
    (``--trusted-proxy``); see :func:`uvicorn_options`.
    """
    import uvicorn

    from gaitlab.web.app import WebSettings, create_app

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise GaitlabError(say("web.serve.tls_pair"))
    if max_upload_mb <= 0:
        raise GaitlabError(say("web.serve.upload_limit", value=max_upload_mb))
    settings = WebSettings(
        data_dir=data_dir,
        max_upload_mb=max_upload_mb,
        workers=workers,
        config_path=config_path,
        secure_cookies=ssl_certfile is not None,
        allowed_hosts=hosts_to_allow(host, allowed_hosts),
        trusted_proxies=tuple(trusted_proxies),
    )
    with data_lock(data_dir):
        app = create_app(settings)
        uvicorn.run(
            app,
            **uvicorn_options(
                settings, host=host, port=port, ssl_certfile=ssl_certfile,
                ssl_keyfile=ssl_keyfile, log_level=log_level,
            ),
        )  # fmt: skip


def uvicorn_options(
    settings: WebSettings,
    *,
    host: str,
    port: int,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
    log_level: str = "warning",
) -> dict[str, Any]:
    """uvicorn's options for serving the app of ``settings``.

    ``X-Forwarded-For`` (and ``-Proto``) are read only from ``settings.trusted_proxies``:
    uvicorn's own default believes them from loopback, so any program on this computer could
    pose as any address (and escape the per-address login throttle).
    """
    return {
        "host": host,
        "port": port,
        "ssl_certfile": str(ssl_certfile) if ssl_certfile else None,
        "ssl_keyfile": str(ssl_keyfile) if ssl_keyfile else None,
        "log_level": log_level,
        "server_header": False,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
