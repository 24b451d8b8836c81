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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

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


# --------------------------------------------------------------------------- 3: bad Unicode


#: Raw bytes of text that is not valid Unicode: a lone surrogate as UTF-8 would write it, and
#: bytes that are not UTF-8 at all.
BAD_BYTES = (b"a\xed\xa0\x80b", b"\xff\xfe", b"\xc3")


def test_invalid_unicode_anywhere_is_never_a_server_error(alice: tuple[Any, Therapist]) -> None:
    """``POST /api/v1/runners`` with ``{"name": "a\\ud800b"}`` was a 500 (the 422 handler echoed
    the input and could not encode it), without the security headers."""
    from urllib.parse import quote_from_bytes

    app, a = alice
    c = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    c.cookies = a.client.cookies
    api = {"content-type": "application/json", "x-csrf-token": a.csrf}
    answers = []
    for escaped in ("a\\ud800b", "\\udfff", "\\ud800\\udbff", "x\\u0000y"):
        for body in (f'{{"name": "{escaped}"}}', f'{{"name": "R", "notes": "{escaped}"}}'):
            answers.append(c.post("/api/v1/runners", content=body.encode(), headers=api))
            url = f"/api/v1/runners/{a.runner_id}/sessions"
            answers.append(c.post(url, content=body.replace("name", "notes").encode(), headers=api))
    for raw in BAD_BYTES:
        q = quote_from_bytes(raw)
        answers.append(c.post("/api/v1/runners", content=b'{"name": "' + raw + b'"}', headers=api))
        form = {"content-type": "application/x-www-form-urlencoded"}
        for body in (f"name={q}&csrf_token={a.csrf}", f"name=R&notes={q}&csrf_token={a.csrf}"):
            answers.append(c.post("/runners", content=body.encode(), headers=form))
            answers.append(c.post(f"/runners/{a.runner_id}", content=body.encode(), headers=form))
        session_form = f"date={q}&notes={q}&csrf_token={a.csrf}".encode()
        answers.append(
            c.post(f"/runners/{a.runner_id}/sessions", content=session_form, headers=form)
        )
        answers.append(c.get(f"/runners/{a.runner_id}/compare?a={q}&b={q}"))
        answers.append(c.get(f"/api/v1/compare?a={q}&b={q}"))
        answers.append(c.get(f"/runners/{q}"))
        answers.append(c.get(f"/api/v1/runners/{q}/history"))
        answers.append(c.get("/", headers={"x-anything": raw}))
        anonymous = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        token = login_form_token(anonymous)
        login = f"name={q}&password={q}&csrf_token={token}".encode()
        answers.append(anonymous.post("/login", content=login, headers=form))
        answers.append(upload_named(c, a, raw))
    for r in answers:
        assert r.status_code < 500, (r.request.method, r.request.url, r.status_code, r.text)
        assert_security_headers(r)
        r.content.decode("utf-8")  # every answer is valid UTF-8
    # the pages still show every runner that was stored
    for page in ("/", f"/runners/{a.runner_id}", f"/sessions/{a.session_id}"):
        r = c.get(page)
        assert r.status_code == 200, (page, r.text)
    runners = c.get("/api/v1/runners")
    assert runners.status_code == 200 and len(runners.json()) >= 2


def login_form_token(client: TestClient) -> str:
    from tests.test_web import csrf_of

    return csrf_of(client.get("/login").text)


def upload_named(c: TestClient, a: Therapist, raw_name: bytes) -> httpx.Response:
    """An upload whose multipart file name is the bytes ``raw_name`` (not valid UTF-8)."""
    b = b"b0undary"
    body = (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + a.csrf.encode() + b"\r\n--" + b
        + b'\r\nContent-Disposition: form-data; name="clip"; filename="' + raw_name + b'.mp4"'
        + b"\r\nContent-Type: video/mp4\r\n\r\nnot a video\r\n--" + b + b"--\r\n"
    )  # fmt: skip
    headers = {"content-type": "multipart/form-data; boundary=b0undary"}
    return c.post(f"/sessions/{a.session_id}/clips", content=body, headers=headers)


def test_a_server_error_carries_the_security_headers_and_says_what_to_do(
    alice: tuple[Any, Therapist], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gaitlab.words import say

    app, a = alice

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(db, "list_runners", broken)
    c = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    c.cookies = a.client.cookies
    for path in ("/", "/api/v1/runners"):
        r = c.get(path)
        assert r.status_code == 500, path
        assert_security_headers(r)
        assert "a bug" not in r.text and "Traceback" not in r.text
        assert say("web.server_error") in r.content.decode()


# --------------------------------------------------------------------------- 4: clip length


def test_a_clip_longer_than_the_limit_is_refused_before_it_is_queued(
    tmp_path: Path,
    short_clip: Path,  # noqa: F811
) -> None:
    """A 120 s clip held the only worker for minutes: the length is now read from the container
    at upload, and a clip over ``[web] max_clip_s`` is refused with a sentence saying so."""
    from gaitlab.config import load_defaults
    from gaitlab.words import say

    assert load_defaults().web.max_clip_s == 60  # the shipped limit
    config = tmp_path / "gaitlab.toml"
    config.write_text("[web]\nmax_clip_s = 1.5\n")  # the 2 s test clip is too long for it
    data = tmp_path / "data"
    add_user(data, "alice")
    app = make_app(data, config_path=config)
    client = TestClient(app, follow_redirects=False)
    csrf = login(client, "alice")
    r = client.post("/runners", data={"name": "R", "csrf_token": csrf})
    r = client.post(r.headers["location"] + "/sessions", data={"date": "", "csrf_token": csrf})
    session = r.headers["location"]
    expected = say("web.upload.too_long", clip="long run.mp4", duration_s=2.0, limit_s=1.5)
    for accept in ("text/html", "application/json"):
        with open(short_clip, "rb") as fh:
            r = client.post(
                session + "/clips",
                data={"csrf_token": csrf},
                files={"clip": ("long run.mp4", fh)},
                headers={"accept": accept},
            )
        assert r.status_code == 413
        if accept == "application/json":
            assert r.json()["error"] == expected
        else:
            assert str(escape(expected)) in r.text
    layout = app.state.layout
    assert files_under(layout.uploads) == [] and files_under(layout.work) == []
    assert row_count(layout, "clips") == 0 and row_count(layout, "analyses") == 0


# --------------------------------------------------------------------------- 5: logins


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small parameters, so that hundreds of login attempts take seconds on a busy
    machine (the throttle under test does not depend on the hash's cost)."""
    from argon2 import PasswordHasher

    from gaitlab.web import auth

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_HASHER", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not anyone's password"))


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the server chose for each login attempt, in order (recorded, not waited)."""
    import asyncio

    from gaitlab.web import services

    recorded: list[float] = []

    async def record(delay_s: float) -> None:
        recorded.append(delay_s)
        await asyncio.sleep(0)

    monkeypatch.setattr(services, "pause", record)
    return recorded


def throttled_app(tmp_path: Path, **login: float) -> Any:
    """An app whose ``[web.login]`` settings are ``login`` (alice's account exists)."""
    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / "gaitlab.toml"
    config.write_text("[web.login]\n" + "".join(f"{k} = {v}\n" for k, v in login.items()))
    data = tmp_path / "data"
    add_user(data, "alice")
    return make_app(data, config_path=config)


def try_login(client: TestClient, name: str, password: str) -> int:
    token = login_form_token(client)
    r = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
    return r.status_code


def from_address(app: Any, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 50000))


RIGHT = "correct horse battery"


@pytest.mark.usefixtures("cheap_hashing")
def test_an_attackers_failures_never_lock_out_the_right_password(
    tmp_path: Path, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five wrong passwords locked an account for 15 minutes even against its right password,
    and 20 failures from one address locked out everyone behind it. Now each failure only
    slows the next attempts down, up to ``max_delay_s``."""
    from gaitlab.config import load_defaults
    from gaitlab.web import services
    from gaitlab.web.auth import LoginThrottle

    shipped = LoginThrottle.from_config(load_defaults().web.login)
    delays = [shipped.delay_s(n) for n in range(60)]
    assert delays[:3] == [0.0] * 3 and delays[3:7] == [1.0, 2.0, 4.0, 8.0]
    assert delays[-1] == shipped.max_delay_s == 10.0  # progressive, and bounded

    app = throttled_app(tmp_path, free_failures=3, first_delay_s=1.0, max_delay_s=10.0)
    attacker = from_address(app, "203.0.113.9")
    for i in range(50):
        assert try_login(attacker, "alice", f"guess number {i}") == 401
    assert waits == delays[:50]
    # the right password works after the full delay: from another address (the account's
    # failures), then from behind the attacker's address (that address's failures)
    for address in ("198.51.100.7", "203.0.113.9"):
        assert try_login(from_address(app, address), "alice", RIGHT) == 303, address
    assert waits[50:] == [10.0, 10.0]
    # the same, really waited (scaled down): the rightful user gets in after the delay
    app = throttled_app(tmp_path / "b", free_failures=0, first_delay_s=0.5, max_delay_s=0.5)
    monkeypatch.setattr(services, "pause", __import__("asyncio").sleep)
    attacker = from_address(app, "203.0.113.9")
    assert try_login(attacker, "alice", "a guess") == 401
    start = time.perf_counter()
    assert try_login(attacker, "alice", RIGHT) == 303
    assert 0.5 <= time.perf_counter() - start < 0.5 + 10.0


@pytest.mark.usefixtures("cheap_hashing")
def test_failures_slow_down_the_account_and_the_client_but_not_a_known_browser(
    tmp_path: Path, waits: list[float]
) -> None:
    app = throttled_app(tmp_path, free_failures=2, first_delay_s=1.0, max_delay_s=1.0)
    known = from_address(app, "192.0.2.1")  # alice's own browser, before any attack
    assert try_login(known, "alice", RIGHT) == 303
    known.cookies.delete("gaitlab_login")
    # per client: one address guessing many names
    prober = from_address(app, "203.0.113.5")
    for i in range(3):
        assert try_login(prober, f"nobody{i}", "wrong password") == 401
    assert try_login(from_address(app, "203.0.113.6"), "someone", "wrong password") == 401
    assert waits[1:] == [0.0, 0.0, 1.0, 0.0]
    del waits[:]
    # per account: many addresses guessing one account's password
    for i in range(3):
        assert try_login(from_address(app, f"198.51.100.{i}"), "alice", "wrong password") == 401
    assert waits == [0.0, 0.0, 1.0]
    assert try_login(from_address(app, "198.51.100.99"), "alice", RIGHT) == 303
    assert try_login(known, "alice", RIGHT) == 303
    assert waits[3:] == [1.0, 0.0]  # a new browser waits; the one alice used before does not


@pytest.mark.usefixtures("cheap_hashing")
def test_parallel_guesses_from_one_client_are_capped(tmp_path: Path) -> None:
    """Delays alone would let one client guess in parallel: from an address with failures, at
    most ``max_pending_per_client`` attempts are answered at a time; more are refused at once
    (429). A quiet address (people behind one router logging in together) has more room."""
    app = throttled_app(
        tmp_path, free_failures=9, first_delay_s=1.0, max_delay_s=1.0, max_pending_per_client=3,
        max_pending_quiet=12,
    )  # fmt: skip
    with serve_on_loopback(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        token = login_form_token(c)
        form = {"name": "alice", "password": "parallel guess", "csrf_token": token}

        def burst(n: int) -> list[int]:
            with ThreadPoolExecutor(n) as pool:
                return sorted(pool.map(lambda _: c.post("/login", data=form).status_code, range(n)))

        assert burst(9) == [401] * 9  # quiet: all answered (no delay yet: nothing pending long)
        assert burst(9) == [401] * 3 + [429] * 6  # now 9 failures: delayed, and capped
        assert c.post("/login", data=form | {"password": RIGHT}).status_code == 303


# --------------------------------------------------------------------------- 6: Host header


def test_a_foreign_host_header_is_refused_without_a_redirect(alice: tuple[Any, Therapist]) -> None:
    """``GET /runners/`` with ``Host: evil.example`` redirected to ``http://evil.example/runners``,
    and pages were served for any Host (so DNS rebinding reached them)."""
    from gaitlab.web.app import WebSettings

    assert WebSettings(data_dir=Path("x")).allowed_hosts == ("127.0.0.1", "localhost", "::1")
    _, a = alice
    for path in ("/runners/", "/", "/login", "/guide", f"/sessions/{a.session_id}", "/api/v1/me"):
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
            r = a.client.get(path, headers={"host": host})
            assert r.status_code == 400, (path, host, r.status_code)
            assert "location" not in r.headers and "evil" not in r.text
            assert_security_headers(r)
    assert a.client.get("/runners/").headers["location"] == "http://testserver/runners"
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "LOCALHOST:1"):
        assert a.client.get("/", headers={"host": host}).status_code == 200, host


def test_serving_beyond_loopback_requires_naming_the_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from gaitlab.errors import GaitlabError
    from gaitlab.web import server

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    options = dict(
        data_dir=tmp_path, port=8000, workers=1, max_upload_mb=500.0, config_path=None,
        ssl_certfile=None, ssl_keyfile=None,
    )  # fmt: skip
    for host in ("0.0.0.0", "::"):
        with pytest.raises(GaitlabError, match="--allowed-host"):
            server.run(host=host, **options)
    assert served == []
    server.run(host="0.0.0.0", allowed_hosts=("clinic.example", "192.168.1.20"), **options)
    assert served[-1].state.settings.allowed_hosts == (
        "clinic.example", "192.168.1.20", "127.0.0.1", "localhost", "::1",
    )  # fmt: skip
    server.run(host="192.168.1.20", **options)  # an address of its own: that name is allowed
    assert served[-1].state.settings.allowed_hosts == (
        "192.168.1.20", "127.0.0.1", "localhost", "::1",
    )  # fmt: skip
    server.run(host="127.0.0.1", **options)
    assert served[-1].state.settings.allowed_hosts == ("127.0.0.1", "localhost", "::1")


# --------------------------------------------------------------------------- notes


def test_a_password_change_revokes_api_tokens_logins_and_known_browsers(
    alice: tuple[Any, Therapist],
) -> None:
    """API tokens survived a password change: whoever had made one with the old password kept
    the account's data."""
    from gaitlab.web import accounts, server

    app, a = alice
    data = app.state.layout.root
    token = accounts.issue_token(data, "alice", "a script")
    script = TestClient(app, headers={"authorization": f"Bearer {token}"})
    assert script.get("/api/v1/me").status_code == 200
    server.set_password(data, "alice", "a brand new password")
    assert script.get("/api/v1/me").status_code == 401
    assert a.client.get("/", headers={"accept": "text/html"}).headers["location"] == "/login"
    for table in ("api_tokens", "logins", "login_devices"):
        assert row_count(app.state.layout, table) == 0, table
    assert try_login(from_address(app, "192.0.2.1"), "alice", "a brand new password") == 303


def test_forwarded_for_counts_only_from_a_configured_proxy(tmp_path: Path) -> None:
    """``X-Forwarded-For`` was trusted from loopback (uvicorn's default), so any local client
    could pose as any address and escape the per-address login throttle."""
    from gaitlab.web import server

    add_user(tmp_path, "alice")

    def failure_keys(trusted_proxies: tuple[str, ...]) -> set[str]:
        app = make_app(tmp_path, trusted_proxies=trusted_proxies)
        options = server.uvicorn_options(app.state.settings, host="127.0.0.1", port=0)
        with serve_on_loopback(app, **options) as base, httpx.Client(base_url=base) as c:
            for i in range(3):
                token = login_form_token(c)
                forged = {"x-forwarded-for": f"203.0.113.{i}"}
                form = {"name": "alice", "password": "wrong", "csrf_token": token}
                assert c.post("/login", data=form, headers=forged).status_code == 401
        with sqlite3.connect(tmp_path / "gaitlab.db") as conn:
            keys = {r[0] for r in conn.execute("SELECT key FROM login_failures")}
            conn.execute("DELETE FROM login_failures")
        return {k for k in keys if k.startswith("addr:")}

    assert failure_keys(()) == {"addr:127.0.0.1"}  # the forged addresses are ignored
    assert failure_keys(("127.0.0.1",)) == {f"addr:203.0.113.{i}" for i in range(3)}


def test_an_unreadable_clip_is_named_as_the_user_named_it(
    alice: tuple[Any, Therapist], tmp_path: Path
) -> None:
    """The "cannot be read" message named the server's temporary file (``upload-<hex>.part``)."""
    app, a = alice
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(files_under(app.state.layout.uploads)[0].read_bytes()[:3000])
    with open(damaged, "rb") as fh:
        r = a.client.post(
            f"/sessions/{a.session_id}/clips",
            data={"csrf_token": a.csrf},
            files={"clip": ("Monday run.mp4", fh)},
            headers={"accept": "application/json"},
        )
    assert r.status_code == 415
    message = r.json()["error"]
    assert "'Monday run.mp4'" in message and "upload-" not in message, message
    assert files_under(app.state.layout.work) == []


def test_capture_checks_fail_loudly_when_their_module_cannot_be_imported(
    monkeypatch: pytest.MonkeyPatch,
    short_clip: Path,  # noqa: F811
) -> None:
    """An import error in the capture checks must not switch them off silently."""
    import sys

    from gaitlab.config import load_defaults
    from gaitlab.web import jobs

    monkeypatch.setitem(sys.modules, "gaitlab.quality", None)  # as if it failed to import
    with pytest.raises(ImportError):
        jobs.capture_checks(short_clip, load_defaults())
