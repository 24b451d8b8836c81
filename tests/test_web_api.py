"""The JSON API (``/api/v1``), the history and compare pages, and the account commands.

Analyses are faked: the injected analysis writes a ``summary.json`` made by the real pipeline
from synthetic runners (``analyze_tracks`` + ``assemble``), so history and compare see real
numbers while each job takes milliseconds. The OpenAPI fuzzing runs schemathesis against a
uvicorn server on loopback, bounded in examples and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gaitlab.config import load_defaults
from gaitlab.web import accounts, db, jobs, tokens
from gaitlab.web.app import WebSettings, create_app
from gaitlab.web.routers.api import PREFIX, api_routes
from gaitlab.web.server import add_user
from tests.test_web import ALLOWED_HOSTS

PASSWORD = "correct horse battery"

#: Hip extension (deg) of the synthetic runner in each of three sessions: 5.5 -> 6.0 is below
#: the 3.8 deg minimal detectable change, 6.0 -> 14 is far above it.
HIP_DEG = {"2026-09-01": 5.5, "2026-09-15": 6.0, "2026-10-13": 14.0}

#: A report page (the key frames are files listed in keyframes/index.json).
REPORT_HTML = "<html><body><h1>Report of {date}</h1></body></html>"
#: A 1 x 1 PNG, as a key frame's picture.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a48e0000000049454e44ae426082"
)


def write_keyframe(out_dir: Path, date: str) -> None:
    """One key frame and its index, as the report writes them."""
    (out_dir / "keyframes").mkdir()
    (out_dir / "keyframes" / "side-toe_off.png").write_bytes(PNG_1PX)
    entry = {
        "file": "keyframes/side-toe_off.png", "clip": "side.mp4", "moment": "toe_off",
        "side": "left", "frame": 31, "time_s": 1.033, "caption": f"Toe-off {date}",
        "metric": "hip_extension_deg", "value": 6.0, "unit": "deg",
    }  # fmt: skip
    index = {"schema": 1, "frames": [entry]}
    (out_dir / "keyframes" / "index.json").write_text(json.dumps(index))


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, Any]]:
    """summary.json content of a side clip per session date (the real pipeline, synthetic)."""
    from gaitlab.api import analyze_tracks, assemble
    from gaitlab.synthetic import RunnerSpec, generate_run

    config = load_defaults()
    out = {}
    for i, (date, hip_deg) in enumerate(HIP_DEG.items()):
        run = generate_run(RunnerSpec(view="side", hip_extension_deg=hip_deg, noise_px=1.0, seed=i))
        clip = analyze_tracks(run.tracks, config, name="side.mp4")
        out[date] = assemble([clip], config).to_summary()
    return out


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 2 s of male_side.mp4 (stream copy): a real, small video."""
    from tests.conftest import MALE_SIDE, run_ffmpeg

    path = tmp_path_factory.mktemp("api_clip") / "short.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-frames:v", 60, "-c", "copy", "-an", path)
    return path


def passing_checks(path: Path, config: Mapping[str, Any]) -> tuple[str | None, list[dict]]:
    return "side", [{"name": "view", "status": "pass", "message": "ok", "fix": None}]


def run_queued(app: Any, summary_of: Callable[[str], dict[str, Any]]) -> list[str]:
    """Run every queued job in this process; each writes the summary ``summary_of(date)`` of its
    session's date and a report page with one key frame."""
    layout = app.state.layout
    conn = db.connect(layout.db_path)
    states = []

    def analyze(
        clips: list[Path], out_dir: Path, *, config: Any, progress: Any, views: Any, **names: str
    ) -> None:
        assert names == {"runner": db.job_session(conn, job)[1].name, "session_date": date}
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.html").write_text(REPORT_HTML.format(date=date))
        (out_dir / "summary.json").write_text(json.dumps(summary_of(date)))
        write_keyframe(out_dir, date)

    try:
        while (job := db.claim_next(conn, os.getpid())) is not None:
            date = db.job_session(conn, job)[0].date
            states.append(
                jobs.run_job(
                    conn,
                    layout,
                    job,
                    analyze_fn=analyze,
                    checks_fn=passing_checks,
                    config=load_defaults(),
                    progress_every_s=0,
                )
            )
    finally:
        conn.close()
    return states


class Account:
    """A user with an API token, a runner and three analysed sessions (made through the API)."""

    def __init__(self, app: Any, data: Path, name: str, clip: Path, summaries: dict) -> None:
        add_user(data, name, PASSWORD)
        self.token = accounts.issue_token(data, name, "tests")
        self.client = TestClient(app, follow_redirects=False)
        self.client.headers["authorization"] = f"Bearer {self.token}"
        r = self.client.post(f"{PREFIX}/runners", json={"name": f"{name}'s runner"})
        assert r.status_code == 201, r.text
        self.runner_id = r.json()["id"]
        self.session_ids = []
        for date in HIP_DEG:
            r = self.client.post(f"{PREFIX}/runners/{self.runner_id}/sessions", json={"date": date})
            assert r.status_code == 201, r.text
            session_id = r.json()["id"]
            with open(clip, "rb") as fh:
                r = self.client.post(
                    f"{PREFIX}/sessions/{session_id}/clips",
                    files={"clip": ("side.mp4", fh, "video/mp4")},
                )
            assert r.status_code == 201, r.text
            assert r.json()["status_url"] == f"{PREFIX}/sessions/{session_id}/status"
            self.session_ids.append(session_id)
        self.clip_id = r.json()["clip"]["id"]
        assert run_queued(app, summaries.__getitem__) == ["done"] * 3


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, short_clip: Path, summaries: dict
) -> tuple[Any, Account, Account]:
    """One app with two users, each with a runner and three finished sessions."""
    data = tmp_path_factory.mktemp("api_data")
    app = create_app(
        WebSettings(
            data_dir=data,
            workers=0,
            max_upload_mb=1.0,
            checks_fn="tests.test_web_api:passing_checks",
            allowed_hosts=ALLOWED_HOSTS,
        )
    )
    alice = Account(app, data, "alice", short_clip, summaries)
    bob = Account(app, data, "bob", short_clip, summaries)
    return app, alice, bob


# --------------------------------------------------------------------------- the flow


def test_upload_status_results_history_and_compare(world: tuple[Any, Account, Account]) -> None:
    _, alice, _ = world
    c = alice.client
    s0, s1, s2 = alice.session_ids

    status = c.get(f"{PREFIX}/sessions/{s2}/status").json()
    assert status["state"] == "done" and status["analysis_id"]
    detail = c.get(f"{PREFIX}/sessions/{s2}").json()
    assert [clip["name"] for clip in detail["clips"]] == ["side.mp4"]
    assert detail["clips"][0]["size_bytes"] > 0

    results = c.get(f"{PREFIX}/sessions/{s0}/results").json()
    hip = results["summary"]["metrics"]["hip_extension_deg"]["value"]
    assert hip == pytest.approx(5.5, abs=2.7)  # the synthetic runner, within the method's e95

    history = c.get(f"{PREFIX}/runners/{alice.runner_id}/history").json()
    assert [row["session_id"] for row in history["rows"]] == [s0, s1, s2]
    series = {s["metric"]: s for s in history["series"]}["hip_extension_deg"]
    assert series["dates"] == list(HIP_DEG)
    assert series["verdicts"] == [None, "no_real_change", "real_change"]
    assert series["values"][0] == hip
    assert series["band_high"] - series["band_low"] == pytest.approx(2 * 3.8)
    assert history["rows"][2]["changes"]["hip_extension_deg"]["direction"] == "better"
    tight = [row["findings"]["hip_tightness"] for row in history["rows"]]
    assert tight == ["flagged", "flagged", "not_flagged"]
    assert history["rows"][0]["findings"]["hip_weakness"] == "not_assessed"  # side view only
    rules = {m["name"]: m for m in history["metrics"]}
    assert rules["hip_extension_deg"]["mdc"] == 3.8 and rules["hip_extension_deg"]["unit"] == "deg"

    compare = c.get(f"{PREFIX}/compare", params={"a": s2, "b": s0}).json()
    assert (compare["a"]["session_id"], compare["b"]["session_id"]) == (s0, s2)
    assert compare["a"]["keyframes"] == [{"key": "toe_off", "caption": "Toe-off 2026-09-01"}]
    assert compare["b"]["keyframes"][0]["caption"] == "Toe-off 2026-10-13"
    assert compare["changes"]["hip_extension_deg"]["verdict"] == "real_change"
    assert compare["a"]["findings"]["hip_tightness"] == "flagged"


def test_results_before_the_analysis_is_a_409(world: tuple[Any, Account, Account]) -> None:
    _, alice, _ = world
    r = alice.client.post(f"{PREFIX}/runners/{alice.runner_id}/sessions", json={})
    assert r.status_code == 201 and r.json()["date"]  # today by default
    new = r.json()["id"]
    assert alice.client.get(f"{PREFIX}/sessions/{new}/status").json()["state"] == "none"
    assert alice.client.get(f"{PREFIX}/sessions/{new}/results").status_code == 409


def test_uploads_are_checked_like_the_page(
    world: tuple[Any, Account, Account], tmp_path: Path
) -> None:
    app, alice, _ = world
    layout = app.state.layout
    before = sorted(p.name for p in layout.uploads.iterdir())
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video at all")
    url = f"{PREFIX}/sessions/{alice.session_ids[0]}/clips"
    with open(fake, "rb") as fh:
        r = alice.client.post(url, files={"clip": ("fake.mp4", fh, "video/mp4")})
    assert r.status_code == 415 and "not a video" in r.json()["detail"]
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * 1_100_000)  # over the 1 MB limit of this app
    with open(big, "rb") as fh:
        r = alice.client.post(url, files={"clip": ("big.mp4", fh, "video/mp4")})
    assert r.status_code == 413
    r = alice.client.post(url, content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 400
    # a malformed multipart body (found by schemathesis) is refused, not a server error
    b = "7c5156fb04a2177cf9e322ad31ebde44"
    body = f"--{b}\r\nNone--{b}--\r\n".encode()
    form = {"content-type": f"multipart/form-data; boundary={b}"}
    r = alice.client.post(url, content=body, headers=form)
    assert r.status_code == 400
    assert sorted(p.name for p in layout.uploads.iterdir()) == before
    assert list(layout.work.iterdir()) == []


# --------------------------------------------------------------------------- authentication


def test_cookie_login_reads_but_writes_only_with_the_csrf_header(
    world: tuple[Any, Account, Account],
) -> None:
    app, _, _ = world
    browser = TestClient(app, follow_redirects=False)
    page = browser.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = browser.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").text).group(1)
    assert browser.get(f"{PREFIX}/me").json() == {"name": "alice"}
    assert browser.post(f"{PREFIX}/runners", json={"name": "x"}).status_code == 403
    wrong = {"x-csrf-token": "forged"}
    assert browser.post(f"{PREFIX}/runners", json={"name": "x"}, headers=wrong).status_code == 403
    other_site = {"x-csrf-token": csrf, "origin": "https://evil.example"}
    r = browser.post(f"{PREFIX}/runners", json={"name": "x"}, headers=other_site)
    assert r.status_code == 403
    r = browser.post(f"{PREFIX}/runners", json={"name": "Cookie"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 201


def test_bad_tokens_are_refused_and_tokens_are_stored_hashed(
    world: tuple[Any, Account, Account],
) -> None:
    app, alice, _ = world
    anonymous = TestClient(app)
    for header in ("Bearer glt_nope", "Bearer " + alice.token + "x", "Basic YWxpY2U6eA=="):
        r = anonymous.get(f"{PREFIX}/me", headers={"authorization": header})
        assert r.status_code == 401, header
    conn = db.connect(app.state.layout.db_path)
    stored = [r[0] for r in conn.execute("SELECT token_hash FROM api_tokens")]
    conn.close()
    assert len(stored) >= 2 and alice.token not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)


def test_schema_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A data folder made before API tokens and solo accounts (schema 1: today's tables without
    ``api_tokens`` and ``users.solo``) is upgraded by ``migrate`` with its rows kept; a database
    of a newer gaitlab is refused rather than changed."""
    path = tmp_path / "gaitlab.db"
    conn = db.connect(path)
    conn.executescript(db._SCHEMA + "DROP TABLE api_tokens; PRAGMA user_version=1;")
    assert "solo" not in {r["name"] for r in conn.execute("PRAGMA table_info(users)")}
    conn.execute("INSERT INTO users VALUES ('u1', 'alice', 'hash', 0)")
    conn.close()
    token = accounts.issue_token(tmp_path, "alice", "script")  # opens and migrates the folder
    conn = db.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION == 3
        assert tokens.user_of_token(conn, token) == db.User("u1", "alice", "hash", solo=False)
        db.migrate(conn)  # a no-op now
        conn.execute(f"PRAGMA user_version={db.SCHEMA_VERSION + 1}")
        with pytest.raises(RuntimeError, match="newer"):
            db.migrate(conn)
    finally:
        conn.close()


# --------------------------------------------------------------------------- isolation


def id_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, query id names) of every API route that takes an id."""
    out = []
    for route in api_routes(app):
        query_ids = [p.name for p in route.dependant.query_params if p.name in ("a", "b")]
        if route.param_convertors or query_ids:
            out += [(m, route.path, query_ids) for m in sorted(route.methods)]
    return out


def test_every_api_route_with_an_id_is_404_for_another_user(
    world: tuple[Any, Account, Account], short_clip: Path
) -> None:
    app, alice, bob = world
    routes = id_routes(app)
    assert len(routes) >= 9  # runner, sessions (get, post), session, clips, status, results, ...
    values = {"runner_id": alice.runner_id, "session_id": alice.session_ids[0]}
    query = {"a": alice.session_ids[0], "b": alice.session_ids[1]}
    anonymous = TestClient(app, follow_redirects=False)
    checked = 0
    for method, path, query_ids in routes:
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
        params = {k: query[k] for k in query_ids}
        for client in (bob.client, anonymous):
            with open(short_clip, "rb") as fh:
                kwargs: dict[str, Any] = {"params": params}
                if method == "POST":
                    kwargs.update(
                        files={"clip": ("x.mp4", fh)} if url.endswith("/clips") else None,
                        json=None if url.endswith("/clips") else {"name": "x"},
                    )
                r = client.request(method, url, **kwargs)
            expected = 404 if client is bob.client else 401
            assert r.status_code == expected, (method, path, r.status_code, r.text)
            assert "alice" not in r.text
            checked += 1
    # a mixed pair (one own session, one of someone else) is a 404 too
    r = bob.client.get(f"{PREFIX}/compare", params={"a": bob.session_ids[0], "b": query["b"]})
    assert r.status_code == 404
    assert checked == 2 * len(routes)
    # nothing of alice's changed or moved to bob
    history = alice.client.get(f"{PREFIX}/runners/{alice.runner_id}/history").json()
    assert len(history["rows"]) >= 3
    assert [r["name"] for r in bob.client.get(f"{PREFIX}/runners").json()] == ["bob's runner"]


def test_every_api_route_refuses_anonymous_requests(world: tuple[Any, Account, Account]) -> None:
    app, alice, _ = world
    anonymous = TestClient(app, follow_redirects=False)
    values = {"runner_id": alice.runner_id, "session_id": alice.session_ids[0]}
    n = 0
    for route in api_routes(app):
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], route.path)
        for method in route.methods:
            r = anonymous.request(method, url, params={"a": "0" * 32, "b": "0" * 32})
            assert r.status_code == 401, (method, route.path)
            assert r.headers["www-authenticate"] == "Bearer"
            n += 1
    assert n >= 12


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_describes_every_api_route(world: tuple[Any, Account, Account]) -> None:
    app, alice, _ = world
    spec = alice.client.get(f"{PREFIX}/openapi.json").json()
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    served = {
        (m, r.path)
        for r in api_routes(app)
        for m in r.methods
        if r.path != f"{PREFIX}/openapi.json"
    }
    assert described == served
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyCookie"}
    upload = spec["paths"][f"{PREFIX}/sessions/{{session_id}}/clips"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "400", "401", "403", "404", "413", "415"} <= set(upload["responses"])
    assert all(isinstance(r.original_route, APIRoute) for r in api_routes(app))


@contextlib.contextmanager
def serve_on_loopback(app: Any, **options: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL.
    ``options``: more of ``uvicorn.Config``'s (the address and port are this function's)."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {"log_level": "error"} | {
        k: v for k, v in options.items() if k not in ("host", "port")
    }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


#: A schemathesis hooks module: besides the JSON bodies generated from the schema, bodies whose
#: every string carries text that is not valid Unicode (lone surrogates, sent as ``\\ud800``
#: escapes in the JSON) or unusual code points (a multipart form cannot carry a lone
#: surrogate); each such body drawn is counted in the file named by ``GAITLAB_BAD_UNICODE_LOG``.
BAD_UNICODE_HOOKS = """
import os

import schemathesis
from hypothesis import strategies as st

BAD = ["\\ud800", "a\\udfffb", "\\udbff\\ud800", "\\x00", "\\uffff", "\\U0010ffff", "\\u202e"]


def poison(value, bad):
    if isinstance(value, str):
        return value[:3] + bad
    if isinstance(value, dict):
        return {k: poison(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, bad) for v in value]
    return value


def counted(body, bad):
    with open(os.environ["GAITLAB_BAD_UNICODE_LOG"], "a") as log:
        log.write(repr(bad) + "\\n")
    return poison(body, bad)


@schemathesis.hook
def flatmap_body(context, body):
    multipart = context.operation is not None and context.operation.path.endswith("/clips")
    if multipart or not isinstance(body, dict) or not body:  # JSON bodies only
        return st.just(body)
    return st.one_of(st.just(body), st.sampled_from(BAD).map(lambda bad: counted(body, bad)))
"""


def test_schemathesis_finds_no_server_error(
    world: tuple[Any, Account, Account], tmp_path: Path
) -> None:
    """Fuzz the API against its own OpenAPI document: bounded (10 examples per operation, 40 s
    overall, 10 s per request); real ids of the user are given for the id parameters, so the
    generated requests reach existing runners and sessions too; JSON bodies also carry lone
    surrogates and other unusual text (:data:`BAD_UNICODE_HOOKS`)."""
    app, alice, _ = world
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is not installed in this environment"
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.runner_id" = "{alice.runner_id}"\n'
        f'"path.session_id" = "{alice.session_ids[0]}"\n'
    )
    hooks = tmp_path / "bad_unicode_hooks.py"
    hooks.write_text(BAD_UNICODE_HOOKS)
    bad_log = tmp_path / "bad_unicode.log"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(hooks), "GAITLAB_BAD_UNICODE_LOG": str(bad_log)}
    report = tmp_path / "report.json"
    with serve_on_loopback(app) as base:
        proc = subprocess.run(
            [
                st, "--config-file", str(config), "run", f"{base}{PREFIX}/openapi.json",
                "-H", f"Authorization: Bearer {alice.token}",
                "--checks", "not_a_server_error,status_code_conformance,"
                "content_type_conformance,response_schema_conformance",
                "--max-examples", "10", "--max-time", "40", "--request-timeout", "10",
                "--seed", "1", "--workers", "1", "--report", "json",
                "--report-json-path", str(report),
            ],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    sent = bad_log.read_text().splitlines()
    assert len(sent) >= 20 and "'\\ud800'" in sent, sent  # lone surrogates were sent
    assert "Server error" not in proc.stdout
    summary = proc.stdout[proc.stdout.rfind("SUMMARY") :]
    print(summary)  # the counts, for the report (pytest -s)
    operations = sum(len(r.methods) for r in api_routes(app)) - 1  # not openapi.json itself
    assert f"Tested: {operations}" in summary, summary
    generated = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert generated and generated[1] == generated[2] and int(generated[1]) >= 100, summary


# --------------------------------------------------------------------------- pages


def test_history_and_compare_pages(world: tuple[Any, Account, Account]) -> None:
    app, alice, bob = world
    browser = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
    browser.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    s0, _, s2 = alice.session_ids

    runner_page = browser.get(f"/runners/{alice.runner_id}").text
    assert f'href="/runners/{alice.runner_id}/history"' in runner_page  # one click away
    page = browser.get(f"/runners/{alice.runner_id}/history")
    assert page.status_code == 200
    html = page.text
    for date in HIP_DEG:
        assert date in html
    assert html.count("<svg") >= 4  # one plot per metric measured in a side view
    assert 'data-verdict="no_real_change"' in html and 'data-verdict="real_change"' in html
    assert "style=" not in html.split("<main>")[1]  # CSP: no inline styles

    page = browser.get(f"/runners/{alice.runner_id}/compare", params={"a": s2, "b": s0})
    assert page.status_code == 200
    html = page.text
    columns = re.findall(r'<div class="column" data-session="(\w+)">', html)
    assert columns == [s0, s2]  # both sessions, earlier first
    assert html.count('<figure class="keyframe"') == 2
    assert "Toe-off 2026-09-01" in html and "Toe-off 2026-10-13" in html

    # another user's runner or sessions: 404; anonymous: to the login page
    assert browser.get(f"/runners/{bob.runner_id}/history").status_code == 404
    mixed = {"a": s0, "b": bob.session_ids[0]}
    assert browser.get(f"/runners/{alice.runner_id}/compare", params=mixed).status_code == 404
    anonymous = TestClient(app, follow_redirects=False)
    r = anonymous.get(f"/runners/{alice.runner_id}/history", headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/login"


# --------------------------------------------------------------------------- the command line


def test_solo_runner_and_token_commands(tmp_path: Path) -> None:
    from gaitlab.cli import app as cli

    runner = CliRunner()
    solo = ["users", "solo", "Sam", "--height-cm", "172", "--data", str(tmp_path)]
    r = runner.invoke(cli, solo, input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "token", "Sam", "--data", str(tmp_path)])
    assert r.exit_code == 0, r.output
    token = re.search(r"(glt_[\w-]+)", r.output).group(1)
    app = create_app(WebSettings(data_dir=tmp_path, workers=0, allowed_hosts=ALLOWED_HOSTS))
    client = TestClient(app, headers={"authorization": f"Bearer {token}"})
    runners = client.get(f"{PREFIX}/runners").json()
    assert [(x["name"], x["height_cm"]) for x in runners] == [("Sam", 172.0)]  # one profile
    r = runner.invoke(cli, ["users", "token", "Sam", "--revoke", "--data", str(tmp_path)])
    assert r.exit_code == 0 and "1" in r.output
    assert client.get(f"{PREFIX}/runners").status_code == 401
    r = runner.invoke(cli, ["users", "token", "Nobody", "--data", str(tmp_path)])
    assert r.exit_code == 2 and "no account named 'Nobody'" in r.output


def browser_login(app: Any, name: str) -> tuple[TestClient, str]:
    """A browser logged in as ``name``, and its CSRF token."""
    browser = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text).group(1)
    r = browser.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/guide").text).group(1)
    return browser, csrf


def test_solo_account_opens_on_its_runner(tmp_path: Path) -> None:
    """``/`` sends a solo account with one runner to that runner's page; a therapist whose one
    runner has their own name, or a solo account with a second runner, sees the list."""
    _, sam_runner = accounts.add_solo(tmp_path, "Sam", PASSWORD)
    theo = add_user(tmp_path, "Theo", PASSWORD)
    conn = db.connect(tmp_path / "gaitlab.db")
    db.create_runner(conn, theo.id, name="Theo", height_cm=None, notes="")
    conn.close()
    app = create_app(WebSettings(data_dir=tmp_path, workers=0, allowed_hosts=ALLOWED_HOSTS))
    sam, sam_csrf = browser_login(app, "Sam")
    r = sam.get("/")
    assert r.status_code == 303 and r.headers["location"] == f"/runners/{sam_runner.id}"
    assert sam.get(r.headers["location"]).status_code == 200
    theo_browser, _ = browser_login(app, "Theo")
    assert theo_browser.get("/").status_code == 200
    r = sam.post("/runners", data={"name": "Sam's friend", "csrf_token": sam_csrf})
    assert r.status_code == 303
    r = sam.get("/")
    assert r.status_code == 200 and "Sam&#39;s friend" in r.text
