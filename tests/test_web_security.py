"""What a security audit of ``gaitlab serve`` found, each reproduced as an attack or a fault.

Each test here failed on the code the audit examined; the failure seen is written in the commit
message that fixed it. They go through HTTP like the attacker did (the ``TestClient``, or
uvicorn on loopback where the server itself matters: worker processes, proxy headers), with the
fake analysis of ``test_web.py``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gaitlab.web import db
from tests.test_web import (
    Therapist,
    add_user,
    files_under,
    login,
    make_app,
    row_count,
    short_clip,  # noqa: F401 (a fixture)
)
from tests.test_web_api import serve_on_loopback

#: Headers every answer carries, errors and server errors included.
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


def assert_security_headers(r: httpx.Response) -> None:
    for name in SECURITY_HEADERS:
        assert name in r.headers, (r.request.url, r.status_code, name)
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
def alice(tmp_path: Path, short_clip: Path) -> tuple[Any, Therapist]:  # noqa: F811
    add_user(tmp_path, "alice")
    app = make_app(tmp_path)
    return app, Therapist(app, "alice", short_clip)


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


# --------------------------------------------------------------------------- 1: workers


def test_replacement_worker_outlives_the_thread_that_started_it(
    tmp_path: Path,
    short_clip: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kill the worker once; its replacement must survive page traffic and do the next analysis.

    Linux sends ``PR_SET_PDEATHSIG`` when the *thread* that started a process exits. The server's
    thread pool retires threads idle for ``MAX_IDLE_TIME`` (10 s in anyio; shortened here so the
    test takes seconds): a replacement started from a pool thread was SIGKILLed after the next
    burst of requests, and the job failed after three such deaths.
    """
    from anyio._backends import _asyncio as anyio_asyncio

    monkeypatch.setattr(anyio_asyncio.WorkerThread, "MAX_IDLE_TIME", 1.0)
    add_user(tmp_path, "alice")
    app = make_app(tmp_path, workers=1, watch_s=0.3)
    with serve_on_loopback(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        csrf = login(client, "alice")
        r = client.post("/runners", data={"name": "R", "csrf_token": csrf})
        r = client.post(r.headers["location"] + "/sessions", data={"date": "", "csrf_token": csrf})
        session = r.headers["location"]
        wait_for(lambda: len(app.state.pool.pids()) == 1, 30, "no worker started")
        [first] = app.state.pool.pids()
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: app.state.pool.pids() not in (set(), {first}), 30, "no replacement")
        [replacement] = app.state.pool.pids()
        for _ in range(3):  # bursts of page loads after the pool's threads went idle
            time.sleep(1.5)
            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(lambda _: client.get("/").status_code, range(16)))
            assert statuses == [200] * 16
        time.sleep(0.5)
        assert app.state.pool.pids() == {replacement}  # still the same, alive
        with open(short_clip, "rb") as fh:
            r = client.post(
                session + "/clips",
                data={"csrf_token": csrf},
                files={"clip": ("side.mp4", fh)},
                headers={"accept": "application/json"},
            )
        assert r.status_code == 200, r.text

        def done() -> bool:
            status = client.get(session + "/status").json()
            assert status["state"] != "failed", status
            return status["state"] == "done"

        wait_for(done, 60, "the analysis did not finish")
        assert app.state.pool.pids() == {replacement}
    with sqlite3.connect(tmp_path / "gaitlab.db") as conn:
        assert conn.execute("SELECT state, attempts FROM analyses").fetchall() == [("done", 1)]


# --------------------------------------------------------------------------- 2: uploads


@pytest.fixture(scope="module")
def mkv_clip(short_clip: Path) -> Path:  # noqa: F811
    """The short clip remuxed into Matroska (a valid video the server keeps as ``.mkv``)."""
    from tests.conftest import run_ffmpeg

    path = short_clip.with_suffix(".mkv")
    run_ffmpeg("-i", short_clip, "-c", "copy", "-f", "matroska", path)
    return path


def test_an_upload_is_served_only_as_the_video_it_is(
    alice: tuple[Any, Therapist], mkv_clip: Path
) -> None:
    """A valid MKV uploaded as ``view.html`` came back as ``text/html`` (``.svg`` and ``.js``
    likewise): an HTML "clip" could run script on the app's origin."""
    app, a = alice
    for name in ("view.html", "drawing.svg", "script.js"):
        assert a.upload(mkv_clip, name=name).status_code == 303
    conn = db.connect(app.state.layout.db_path)
    clips = [c for c in db.list_clips(conn, a.user_id, a.session_id) if c.id != a.clip_id]
    conn.close()
    assert len(clips) == 3
    for clip in clips:
        r = a.client.get(f"/clips/{clip.id}/video")
        assert r.status_code == 200 and r.content == mkv_clip.read_bytes()
        assert r.headers["content-type"] == "video/x-matroska", clip.display_name
        assert_security_headers(r)
        csp = r.headers["content-security-policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp
        stem = clip.display_name.rsplit(".", 1)[0]
        assert r.headers["content-disposition"] == f'inline; filename="{stem}.mkv"'
    r = a.client.get(f"/clips/{a.clip_id}/video")  # the MP4 of the fixture
    assert r.headers["content-type"] == "video/mp4"
    assert "sandbox" in r.headers["content-security-policy"]
