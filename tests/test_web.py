"""The web app (``gaitlab serve``) through its HTTP interface, with a fake analysis.

The analysis function and the capture checks are injected through the app factory
(:class:`gaitlab.web.app.WebSettings`), so these tests take seconds; the real pipeline runs in
``test_web_browser.py``. Jobs are run in this process (``workers=0``) except in the one test of
the worker processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from starlette.routing import Mount
from typer.testing import CliRunner

from gaitlab.config import load_defaults
from gaitlab.report.write import pdf_name
from gaitlab.web import db, jobs, storage
from gaitlab.web.app import PUBLIC_PATHS, WebSettings, create_app
from gaitlab.web.routers import app_routes
from gaitlab.web.server import is_loopback, tls_warning
from gaitlab.web.storage import Layout, display_name, sniff_container

# --------------------------------------------------------------------------- fakes (injected)


def fake_analyze(
    clips: list[Path],
    out_dir: Path,
    *,
    config: Mapping[str, Any],
    progress: Callable[[str, int, int], None],
    views: list[str | None],
    runner: str,
    session_date: str,
) -> None:
    """Writes what the real pipeline writes (summary.json, strides.csv, report files, the two
    PDFs named as the report names them, listed in files.json); each clip's view is the one set
    by hand, else "side"."""
    for done in range(0, 11, 5):
        progress("analysing", done, 10)
        for hook in DURING_ANALYSIS:
            hook()
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "clips": [
            {"name": p.name, "view": {"label": v or "side"}, "checks": []}
            for p, v in zip(clips, views, strict=True)
        ],
        "metrics": {"cadence_spm": {"value": 168.9, "unit": "steps/min"}},
        "findings": [
            {"pattern": "hip_tightness", "status": "not_flagged", "summary": "FAKE-VERDICT"},
        ],
        "settings": {"runner": config.to_dict()["runner"]},
    }
    (out_dir / "strides.csv").write_text("clip,side\nfake.mp4,left\n")
    (out_dir / "report.html").write_text("<html><body><h1>FAKE-REPORT</h1></body></html>")
    day = storage.parse_date(session_date)
    written = {"report": out_dir / "report.html"}
    for kind, stem, body in (
        ("pdf", "report", b"REPORT"),
        ("programme_pdf", "home-programme", b"HP"),
    ):
        written[kind] = out_dir / pdf_name(stem, runner, day)
        written[kind].write_bytes(b"%PDF-1.4 fake " + body)
    written["video"] = Path(shutil.copy(clips[0], out_dir / "annotated.mp4"))
    (out_dir / "summary.json").write_text(json.dumps(summary))
    storage.write_files_index(out_dir, written)


def fake_checks(path: Path, config: Mapping[str, Any]) -> tuple[str | None, list[dict]]:
    """A clip whose name contains "blurry" fails a check; any other passes with a warning."""
    if "blurry" in path.name:
        check = {
            "name": "lighting",
            "status": "fail",
            "message": "FAKE-TOO-DARK.",
            "fix": "FAKE-FILM-IN-DAYLIGHT.",
        }
        return "side", [check]
    note = {
        "name": "frame_rate",
        "status": "warn",
        "message": "FAKE-30-FPS.",
        "fix": "FAKE-USE-60.",
    }
    return "side", [{"name": "view", "status": "pass", "message": "ok", "fix": None}, note]


def failing_analyze(clips: list[Path], out_dir: Path, **_: Any) -> None:
    from gaitlab.errors import InputError

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "half-written.csv").write_text("x")
    raise InputError("FAKE: no runner was found in the clip; film the whole body.")


#: Called by the fake analysis while it runs (a test's way to act mid-analysis).
DURING_ANALYSIS: list[Callable[[], None]] = []

ANALYZE = "tests.test_web:fake_analyze"
CHECKS = "tests.test_web:fake_checks"
MAX_UPLOAD_MB = 1.0  # the 2 s test clip is about 0.3 MB
#: The TestClient's host name, and loopback (uvicorn in a thread).
ALLOWED_HOSTS = ("testserver", "127.0.0.1", "localhost", "::1")

# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 2 s of male_side.mp4 (stream copy): a real, small video."""
    from tests.conftest import MALE_SIDE, run_ffmpeg

    path = tmp_path_factory.mktemp("web_clip") / "short.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-frames:v", 60, "-c", "copy", "-an", path)
    return path


def make_app(data_dir: Path, **overrides: Any) -> Any:
    settings = dict(
        data_dir=data_dir,
        workers=0,
        analysis_fn=ANALYZE,
        checks_fn=CHECKS,
        max_upload_mb=MAX_UPLOAD_MB,
        allowed_hosts=ALLOWED_HOSTS,
    )
    settings.update(overrides)
    return create_app(WebSettings(**settings))


def add_user(data_dir: Path, name: str, password: str = "correct horse battery") -> None:
    from gaitlab.web.server import add_user as add

    add(data_dir, name, password)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str = "correct horse battery") -> str:
    """Log in; returns the login's CSRF token (read from the runners page)."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


def run_queued(app: Any) -> list[str]:
    """Run every queued job in this process, as a worker would; returns their final states."""
    layout: Layout = app.state.layout
    settings: WebSettings = app.state.settings
    conn = db.connect(layout.db_path)
    states = []
    try:
        while (job := db.claim_next(conn, os.getpid())) is not None:
            states.append(
                jobs.run_job(
                    conn,
                    layout,
                    job,
                    analyze_fn=jobs.load_function(settings.analysis_fn),
                    checks_fn=jobs.load_function(settings.checks_fn),
                    config=load_defaults(),
                    progress_every_s=0,
                )
            )
    finally:
        conn.close()
    return states


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def row_count(layout: Layout, table: str) -> int:
    with sqlite3.connect(layout.db_path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


class Therapist:
    """A logged-in client with one runner, session, uploaded clip and finished analysis."""

    def __init__(self, app: Any, name: str, clip: Path) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = login(self.client, name)
        r = self.client.post("/runners", data={"name": f"{name}'s runner", "csrf_token": self.csrf})
        self.runner_id = r.headers["location"].rsplit("/", 1)[-1]
        r = self.client.post(
            f"/runners/{self.runner_id}/sessions",
            data={"date": "2026-11-25", "csrf_token": self.csrf},
        )
        self.session_id = r.headers["location"].rsplit("/", 1)[-1]
        r = self.upload(clip)
        assert r.status_code == 303, r.text
        assert run_queued(app) == ["done"]
        status = self.client.get(f"/sessions/{self.session_id}/status").json()
        self.analysis_id = status["analysis_id"]
        conn = db.connect(app.state.layout.db_path)
        self.user_id = db.get_user_by_name(conn, name).id
        [clip] = db.list_clips(conn, self.user_id, self.session_id)
        self.clip_id = clip.id
        conn.close()

    def new_session(self, date: str = "2026-11-26") -> str:
        r = self.client.post(
            f"/runners/{self.runner_id}/sessions", data={"date": date, "csrf_token": self.csrf}
        )
        return r.headers["location"].rsplit("/", 1)[-1]

    def upload(
        self, path: Path, *, name: str | None = None, csrf: bool = True, session: str = ""
    ) -> Any:
        data = {"csrf_token": self.csrf} if csrf else {}
        with open(path, "rb") as fh:
            return self.client.post(
                f"/sessions/{session or self.session_id}/clips",
                data=data,
                files={"clip": (name or path.name, fh, "video/mp4")},
            )


@pytest.fixture
def two(tmp_path: Path, short_clip: Path) -> Iterator[tuple[Any, Therapist, Therapist]]:
    """An app with two therapists, each with one finished analysis."""
    add_user(tmp_path, "alice")
    add_user(tmp_path, "bob")
    app = make_app(tmp_path)
    yield app, Therapist(app, "alice", short_clip), Therapist(app, "bob", short_clip)


@pytest.fixture
def alice(tmp_path: Path, short_clip: Path) -> tuple[Any, Therapist]:
    add_user(tmp_path, "alice")
    app = make_app(tmp_path)
    return app, Therapist(app, "alice", short_clip)


def routes_with_ids(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every app route that takes a path parameter."""
    out = []
    for route in app_routes(app):
        if route.param_convertors:
            out += [(m, route.path) for m in sorted(route.methods)]
    return out


def fill(path: str, owner: Therapist) -> str:
    """A route path with ``owner``'s ids; an unknown parameter name fails the test (a new route
    must say which object its id names)."""
    values = {
        "runner_id": owner.runner_id,
        "session_id": owner.session_id,
        "clip_id": owner.clip_id,
        "analysis_id": owner.analysis_id,
        "name": "report.html",
        "kind": "pdf",
    }
    for param in re.findall(r"{(\w+)(?::\w+)?}", path):
        assert param in values, f"route {path}: add its parameter '{param}' to this test"
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path)


# --------------------------------------------------------------------------- accounts


def test_login_sets_safe_cookies_and_logout_ends_it(tmp_path: Path) -> None:
    add_user(tmp_path, "alice")
    client = TestClient(make_app(tmp_path), follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    wrong = {"name": "alice", "password": "wrong password!", "csrf_token": token}
    assert client.post("/login", data=wrong).status_code == 401
    r = client.post("/login", data=wrong | {"name": "nobody"})
    assert r.status_code == 401
    r = client.post(
        "/login", data={"name": "alice", "password": "correct horse battery", "csrf_token": token}
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    with sqlite3.connect(tmp_path / "gaitlab.db") as conn:  # only the token's hash is stored
        stored = conn.execute("SELECT token_hash FROM logins").fetchone()[0]
        password_hash = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert client.cookies.get("gaitlab_login") != stored
    assert password_hash.startswith("$argon2id$")
    page = client.get("/")
    assert page.status_code == 200 and "alice" in page.text
    assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert client.get("/", headers={"accept": "text/html"}).headers["location"] == "/login"


def test_users_command_reads_password_from_stdin(tmp_path: Path) -> None:
    from gaitlab.cli import app

    runner = CliRunner()
    add_carol = ["users", "add", "carol", "--data", str(tmp_path)]
    r = runner.invoke(app, add_carol, input="long enough pw\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, add_carol, input="long enough pw\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["users", "add", "dave", "--data", str(tmp_path)], input="short\n")
    assert r.exit_code == 2 and "at least 10 characters" in r.output
    r = runner.invoke(app, ["users", "list", "--data", str(tmp_path)])
    assert r.output.split() == ["carol"]
    client = TestClient(make_app(tmp_path), follow_redirects=False)
    login(client, "carol", "long enough pw")


def test_tls_warning_beyond_loopback_only() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert tls_warning("127.0.0.1", tls=False) is None
    assert "without TLS" in tls_warning("0.0.0.0", tls=False)
    assert tls_warning("0.0.0.0", tls=True) is None


# --------------------------------------------------------------------------- the main path


def test_upload_analyse_report_and_downloads(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    page = a.client.get(f"/sessions/{a.session_id}")
    assert page.status_code == 200
    assert "FAKE-VERDICT" in page.text and "169 steps/min" in page.text
    assert "FAKE-30-FPS. <em>FAKE-USE-60.</em>" in page.text  # warnings shown, passes not
    assert ">ok<" not in page.text
    assert f"/analyses/{a.analysis_id}/files/report.html" in page.text
    report = a.client.get(f"/analyses/{a.analysis_id}/files/report.html")
    assert report.status_code == 200 and "FAKE-REPORT" in report.text
    assert "default-src 'none'" in report.headers["content-security-policy"]
    downloads = (
        ("pdf", b"%PDF-1.4 fake REPORT"), ("programme_pdf", b"%PDF-1.4 fake HP"),
        ("csv", b"clip,side"), ("video", b"\x00\x00\x00"),
    )  # fmt: skip
    for kind, start in downloads:
        assert f'href="/analyses/{a.analysis_id}/download/{kind}"' in page.text, kind
        r = a.client.get(f"/analyses/{a.analysis_id}/download/{kind}")
        assert r.status_code == 200 and r.content.startswith(start)
        assert r.headers["content-disposition"].startswith("attachment")
    files = f"/analyses/{a.analysis_id}/files/"
    for outside in ("../../gaitlab.db", "%2E%2E/%2E%2E/gaitlab.db", "..%2F..%2Fgaitlab.db"):
        assert a.client.get(files + outside).status_code == 404, outside
    # the clip itself, unchanged
    layout: Layout = app.state.layout
    [stored] = files_under(layout.uploads)
    assert a.client.get(f"/clips/{a.clip_id}/video").content == stored.read_bytes()
    assert files_under(layout.work) == []


def test_relative_data_folder(
    tmp_path: Path, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `gaitlab serve --data gaitlab-data`, the default
    add_user(Path("gaitlab-data"), "alice")
    app = make_app(Path("gaitlab-data"))
    a = Therapist(app, "alice", short_clip)  # uploads, and the analysis finds the clip
    assert a.client.get(f"/analyses/{a.analysis_id}/download/video").content == (
        short_clip.read_bytes()
    )


def test_runner_height_reaches_the_analysis(tmp_path: Path, short_clip: Path) -> None:
    add_user(tmp_path, "alice")
    app = make_app(tmp_path)
    a = Therapist(app, "alice", short_clip)
    a.client.post(
        f"/runners/{a.runner_id}",
        data={"name": "R", "height_cm": "178", "csrf_token": a.csrf},
    )
    a.client.post(f"/sessions/{a.session_id}/analyse", data={"csrf_token": a.csrf})
    assert run_queued(app) == ["done"]
    new = a.client.get(f"/sessions/{a.session_id}/status").json()["analysis_id"]
    summary = a.client.get(f"/analyses/{new}/download/json").json()
    assert summary["settings"]["runner"]["height_m"] == pytest.approx(1.78)


def test_unusable_clip_shows_the_checks_message_and_fix(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    session = a.new_session()
    [clip] = files_under(app.state.layout.uploads)
    assert a.upload(clip, name="blurry.mp4", session=session).status_code == 303
    assert run_queued(app) == ["failed"]
    status = a.client.get(f"/sessions/{session}/status").json()
    assert status["state"] == "failed"
    assert "FAKE-TOO-DARK." in status["error"] and "FAKE-FILM-IN-DAYLIGHT." in status["error"]
    page = a.client.get(f"/sessions/{session}").text
    assert "FAKE-TOO-DARK." in page and "FAKE-FILM-IN-DAYLIGHT." in page


def test_a_stage_the_catalogue_lacks_shows_its_name_not_a_500(
    alice: tuple[Any, Therapist],
) -> None:
    """An analysis function may report stages of its own (the load benchmark's stand-in said
    "busy"): the session page and its status show the stage's name."""
    app, a = alice
    a.client.post(f"/sessions/{a.session_id}/analyse", data={"csrf_token": a.csrf})
    with sqlite3.connect(app.state.layout.db_path) as conn:
        conn.execute("UPDATE analyses SET state = 'running', stage = 'busy' WHERE state = 'queued'")
    page = a.client.get(f"/sessions/{a.session_id}")
    assert page.status_code == 200 and '<p id="job-stage">busy</p>' in page.text
    assert a.client.get(f"/sessions/{a.session_id}/status").json()["stage_text"] == "busy"


def test_failed_analysis_leaves_its_message_and_no_files(tmp_path: Path, short_clip: Path) -> None:
    add_user(tmp_path, "alice")
    app = make_app(tmp_path, analysis_fn="tests.test_web:failing_analyze")
    client = TestClient(app, follow_redirects=False)
    csrf = login(client, "alice")
    r = client.post("/runners", data={"name": "R", "csrf_token": csrf})
    r = client.post(r.headers["location"] + "/sessions", data={"date": "", "csrf_token": csrf})
    session = r.headers["location"]
    with open(short_clip, "rb") as fh:
        client.post(session + "/clips", data={"csrf_token": csrf}, files={"clip": ("a.mp4", fh)})
    assert run_queued(app) == ["failed"]
    assert "no runner was found" in client.get(session + "/status").json()["error"]
    assert files_under(app.state.layout.reports) == [] and files_under(app.state.layout.work) == []


# --------------------------------------------------------------------------- isolation


def test_every_id_route_is_404_for_another_therapist(two: tuple[Any, Therapist, Therapist]) -> None:
    app, alice, bob = two
    routes = routes_with_ids(app)
    assert len(routes) >= 12  # runners, sessions, clips, analyses: pages, posts, files
    for method, path in routes:
        url = fill(path, alice)
        if method == "GET":
            r = bob.client.get(url)
        else:
            data = {"csrf_token": bob.csrf, "name": "x", "date": "2026-01-01"}
            with open(files_under(app.state.layout.uploads)[0], "rb") as fh:
                files = {"clip": ("x.mp4", fh)} if url.endswith("/clips") else None
                r = bob.client.post(url, data=data, files=files)
        assert r.status_code == 404, (method, path, r.status_code)
        assert "alice" not in r.text
    # alice's things are all still there, and still hers
    assert alice.client.get(f"/sessions/{alice.session_id}").status_code == 200
    assert alice.client.get(f"/analyses/{alice.analysis_id}/download/pdf").status_code == 200
    assert "alice&#39;s runner" in alice.client.get("/").text
    assert "alice" not in bob.client.get("/").text
    assert row_count(app.state.layout, "clips") == 2


def test_anonymous_requests_are_refused_everywhere(two: tuple[Any, Therapist, Therapist]) -> None:
    app, alice, _ = two
    anonymous = TestClient(app, follow_redirects=False)
    checked = 0
    for route in app_routes(app):
        if route.path.startswith(PUBLIC_PATHS):
            continue
        for method in route.methods:
            url = fill(route.path, alice)
            r = anonymous.request(method, url, headers={"accept": "text/html"})
            refused = r.status_code == 401 or (
                r.status_code == 303 and r.headers["location"] == "/login"
            )
            assert refused, (method, route.path, r.status_code)
            checked += 1
    assert checked >= 15
    mounts = [r for r in app.routes if isinstance(r, Mount)]
    public = {r.path for r in [*app_routes(app), *mounts] if r.path.startswith(PUBLIC_PATHS)}
    assert public == {"/login", "/guide", "/static"}


# --------------------------------------------------------------------------- forms and uploads


def test_every_form_post_without_csrf_token_is_refused(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    posts = [r.path for r in app_routes(app) if "POST" in r.methods]
    assert len(posts) >= 10
    for path in posts:
        url = fill(path, a)
        for data in ({"name": "x", "password": "y"}, {"name": "x", "csrf_token": "forged"}):
            r = a.client.post(url, data=data)
            assert r.status_code == 403, (path, data, r.status_code)
    # the upload, with its token neither in the form nor in the header
    uploads = files_under(app.state.layout.uploads)
    assert a.upload(uploads[0], csrf=False).status_code == 403
    # a right token from another site's page is refused too (Origin)
    r = a.client.post(
        "/runners",
        data={"name": "x", "csrf_token": a.csrf},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert files_under(app.state.layout.uploads) == uploads
    assert row_count(app.state.layout, "runners") == 1
    assert files_under(app.state.layout.work) == []


def test_oversized_upload_is_413_and_leaves_nothing(
    alice: tuple[Any, Therapist], tmp_path: Path
) -> None:
    app, a = alice
    layout: Layout = app.state.layout
    before = files_under(layout.uploads) + files_under(layout.reports)
    big = tmp_path / "big.mp4"
    head = (files_under(layout.uploads)[0]).read_bytes()[:4096]  # a real MP4 start
    big.write_bytes(head + os.urandom(int(MAX_UPLOAD_MB * 1e6)))
    r = a.upload(big)  # Content-Length says it is too large: refused before reading
    assert r.status_code == 413 and "larger than the 1 MB limit" in r.text

    def chunked() -> Iterator[bytes]:  # no Content-Length: refused while streaming
        boundary = "b0undary"
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{a.csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name="clip"; '
            f'filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        data = big.read_bytes()
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]
        yield f"\r\n--{boundary}--\r\n".encode()

    r = a.client.post(
        f"/sessions/{a.session_id}/clips",
        content=chunked(),
        headers={
            "content-type": "multipart/form-data; boundary=b0undary",
            "accept": "application/json",
        },
    )
    assert r.status_code == 413 and "1 MB" in r.json()["error"]
    assert files_under(layout.uploads) + files_under(layout.reports) == before
    assert files_under(layout.work) == []
    assert row_count(layout, "clips") == 1 and row_count(layout, "analyses") == 1


def test_malformed_upload_is_400_and_leaves_nothing(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    layout: Layout = app.state.layout
    before = files_under(layout.uploads)
    video = before[0].read_bytes()  # a real clip: the file part is complete before the error
    b = "b0undary"
    csrf_part = f'--{b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{a.csrf}\r\n'
    file_part = (
        (
            f'--{b}\r\nContent-Disposition: form-data; name="clip"; filename="ok.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + video
        + b"\r\n"
    )
    bodies = {
        # a header line without a colon, after a whole file part was written to work/
        "bad header after the file": csrf_part.encode()
        + file_part
        + f"--{b}\r\nnot a header\r\n\r\nx\r\n--{b}--\r\n".encode(),
        # the next boundary is followed by neither CRLF nor "--"
        "bad boundary before the file": f"{csrf_part}--{b}\r\nNone--{b}--\r\n".encode(),
    }
    for what, body in bodies.items():
        for accept in ("text/html", "application/json"):
            r = a.client.post(
                f"/sessions/{a.session_id}/clips",
                content=body,
                headers={"content-type": f"multipart/form-data; boundary={b}", "accept": accept},
            )
            assert r.status_code == 400, (what, accept, r.text)
            assert "not a well-formed multipart form" in r.text, what
    # the same broken body without the form's token is a CSRF refusal, as any tokenless form
    r = a.client.post(
        f"/sessions/{a.session_id}/clips",
        content=f"--{b}\r\nNone--{b}--\r\n".encode(),
        headers={"content-type": f"multipart/form-data; boundary={b}"},
    )
    assert r.status_code == 403
    assert files_under(layout.uploads) == before
    assert files_under(layout.work) == []
    assert row_count(layout, "clips") == 1 and row_count(layout, "analyses") == 1


def test_text_file_named_mp4_and_path_filenames(
    alice: tuple[Any, Therapist], tmp_path: Path
) -> None:
    app, a = alice
    layout: Layout = app.state.layout
    notes = tmp_path / "notes.mp4"
    notes.write_text("These are my running notes, not a video.\n" * 20)
    r = a.upload(notes)
    assert r.status_code == 415 and "not a video" in r.text
    r = a.upload(notes, name="../../etc/passwd")
    assert r.status_code == 415
    # a real video sent with a path as its name: stored under a random id, shown as "passwd"
    clip = files_under(layout.uploads)[0]
    copy = tmp_path / "copy.mp4"
    shutil.copy(clip, copy)
    r = a.upload(copy, name="../../etc/passwd")
    assert r.status_code == 303
    stored = [p.name for p in files_under(layout.uploads)]
    assert len(stored) == 2 and all(re.fullmatch(r"[0-9a-f]{32}\.mp4", n) for n in stored)
    assert files_under(layout.root.parent / "etc") == []
    page = a.client.get(f"/sessions/{a.session_id}").text
    assert ">passwd</a>" in page and "../" not in page
    assert files_under(layout.work) == []
    assert display_name("..\\..\\windows\\evil<script>.mp4") == "evil_script_.mp4"
    assert display_name("") == "clip"


def test_sniffing_reads_bytes_not_names() -> None:
    assert sniff_container(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00") == "mp4"
    assert sniff_container(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00") == "mov"
    assert sniff_container(b"\x1a\x45\xdf\xa3\x9fB\x86\x81\x01webm") == "webm"
    assert sniff_container(b"RIFF\x00\x00\x00\x00AVI LIST") == "avi"
    assert sniff_container(b"These are my notes") is None


def test_sql_looking_input_is_stored_as_text(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    name = "Robert'); DROP TABLE runners;-- <script>alert(1)</script>"
    form = {"name": name, "notes": "1' OR '1'='1", "csrf_token": a.csrf}
    r = a.client.post("/runners", data=form)
    page = a.client.get(r.headers["location"]).text
    assert "Robert&#39;); DROP TABLE runners;-- &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    with sqlite3.connect(app.state.layout.db_path) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM runners ORDER BY created_s")]
        notes = conn.execute("SELECT notes FROM runners WHERE name = ?", (name,)).fetchone()[0]
    assert names == ["alice's runner", name] and notes == "1' OR '1'='1"


# --------------------------------------------------------------------------- deleting


def test_deleting_removes_files_and_rows(alice: tuple[Any, Therapist], short_clip: Path) -> None:
    app, a = alice
    layout: Layout = app.state.layout
    assert len(files_under(layout.uploads)) == 1 and files_under(layout.reports)
    # a second clip; deleting it requeues the session's analysis from the first one
    assert a.upload(short_clip, name="rear.mp4").status_code == 303
    run_queued(app)
    conn = db.connect(layout.db_path)
    second = db.list_clips(conn, a.user_id, a.session_id)[1].id
    assert a.client.post(f"/clips/{second}/delete", data={"csrf_token": a.csrf}).status_code == 303
    assert len(files_under(layout.uploads)) == 1 and files_under(layout.reports) == []
    assert run_queued(app) == ["done"]
    # the session, then the runner
    r = a.client.post(f"/sessions/{a.session_id}/delete", data={"csrf_token": a.csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/runners/{a.runner_id}"
    assert files_under(layout.uploads) == [] and files_under(layout.reports) == []
    assert a.client.get(f"/sessions/{a.session_id}").status_code == 404
    a.client.post(f"/runners/{a.runner_id}/sessions", data={"date": "", "csrf_token": a.csrf})
    r = a.client.post(f"/runners/{a.runner_id}/delete", data={"csrf_token": a.csrf})
    assert r.status_code == 303
    for table in ("runners", "sessions", "clips", "analyses"):
        assert row_count(layout, table) == 0, table
    assert files_under(layout.root / "uploads") == []
    assert files_under(layout.reports) == [] and files_under(layout.work) == []
    conn.close()


def test_deleting_a_session_mid_analysis_leaves_nothing(alice: tuple[Any, Therapist]) -> None:
    app, a = alice
    layout: Layout = app.state.layout
    a.client.post(f"/sessions/{a.session_id}/analyse", data={"csrf_token": a.csrf})

    def delete_session() -> None:
        DURING_ANALYSIS.clear()
        r = a.client.post(f"/sessions/{a.session_id}/delete", data={"csrf_token": a.csrf})
        assert r.status_code == 303

    DURING_ANALYSIS.append(delete_session)
    try:
        assert run_queued(app) == ["cancelled"]  # its next progress report stops it
    finally:
        DURING_ANALYSIS.clear()
    assert files_under(layout.uploads) == [] and files_under(layout.reports) == []
    assert files_under(layout.work) == []
    assert row_count(layout, "analyses") == 0 and row_count(layout, "clips") == 0


# --------------------------------------------------------------------------- the queue


def test_abandoned_job_is_requeued_and_the_old_worker_cannot_finish_it(
    alice: tuple[Any, Therapist],
) -> None:
    app, a = alice
    conn = db.connect(app.state.layout.db_path)
    a.client.post(f"/sessions/{a.session_id}/analyse", data={"csrf_token": a.csrf})
    first = db.claim_next(conn, worker_pid=999_999)
    assert first is not None and db.claim_next(conn, worker_pid=1) is None  # one claim only
    assert db.report_progress(conn, first, stage="analysing", done=5, total=10)
    requeued = db.requeue_abandoned(conn, is_alive=lambda pid: False, stale_s=60, max_attempts=3)
    assert requeued == [first.id]
    assert not db.report_progress(conn, first, stage="analysing", done=6, total=10)
    assert not db.finish_job(conn, first, state="done")
    second = db.claim_next(conn, worker_pid=2)
    assert second is not None and second.id == first.id and second.attempts == 2
    db.requeue_abandoned(conn, is_alive=lambda pid: False, stale_s=60, max_attempts=3)
    third = db.claim_next(conn, worker_pid=3)
    db.requeue_abandoned(conn, is_alive=lambda pid: False, stale_s=60, max_attempts=3)
    assert third.attempts == 3 and db.get_analysis(conn, third.owner_id, third.id).state == "failed"
    conn.close()


def test_worker_processes_run_jobs_beside_a_responsive_app(
    tmp_path: Path, short_clip: Path
) -> None:
    add_user(tmp_path, "alice")
    app = make_app(tmp_path, workers=1, watch_s=0.5)
    layout: Layout = app.state.layout
    # leftovers of a crash: a clip and a report no row knows, a half-received upload
    strays = [layout.uploads / "stray.mp4", layout.reports / "f00" / "report.html"]
    strays.append(layout.work / "upload-1234.part")
    for stray in strays:
        stray.parent.mkdir(exist_ok=True)
        stray.write_text("x")

    def upload_and_wait(client: TestClient, session: str, csrf: str) -> None:
        with open(short_clip, "rb") as fh:
            r = client.post(
                session + "/clips",
                data={"csrf_token": csrf},
                files={"clip": ("side.mp4", fh)},
                headers={"accept": "application/json"},
            )
        assert r.status_code == 200
        deadline = time.monotonic() + 60  # a fresh Python process imports gaitlab: a few s
        while (status := client.get(session + "/status").json())["state"] != "done":
            assert time.monotonic() < deadline, status
            time.sleep(0.2)

    with TestClient(app, follow_redirects=False) as client:  # the lifespan starts a worker
        assert not any(p.exists() for p in strays)  # swept before the workers start
        csrf = login(client, "alice")
        r = client.post("/runners", data={"name": "R", "csrf_token": csrf})
        r = client.post(r.headers["location"] + "/sessions", data={"date": "", "csrf_token": csrf})
        session = r.headers["location"]
        [pid] = app.state.pool.pids()
        assert pid != os.getpid()
        upload_and_wait(client, session, csrf)
        assert "FAKE-VERDICT" in client.get(session).text
        os.kill(pid, signal.SIGKILL)  # a crashed worker is replaced
        deadline = time.monotonic() + 30
        while app.state.pool.pids() in (set(), {pid}):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        upload_and_wait(client, session, csrf)
    assert app.state.pool.pids() == set()  # stopped with the app


def test_one_server_per_data_folder(tmp_path: Path) -> None:
    from gaitlab.errors import GaitlabError
    from gaitlab.web.server import data_lock

    with (
        data_lock(tmp_path),
        pytest.raises(GaitlabError, match="Another gaitlab server"),
        data_lock(tmp_path),
    ):
        pass
    with data_lock(tmp_path):  # free again once the first server stopped
        pass


def test_guide_is_one_click_from_every_page_and_written_for_the_web(
    alice: tuple[Any, Therapist],
) -> None:
    from gaitlab.words import entry

    app, a = alice
    for url in ("/", f"/runners/{a.runner_id}", f"/sessions/{a.session_id}"):
        assert 'href="/guide"' in a.client.get(url).text
    page = TestClient(app).get("/guide")  # public: a runner may be sent the link
    assert page.status_code == 200
    guide = entry("guide")
    assert f"<h1>{guide['title']}</h1>" in page.text
    web_items = entry("web.guide.items")
    for item in guide["items"]:
        text = web_items.get(item["topic"], item["text"])
        assert f"<strong>{escape(item['topic'])}.</strong> {escape(text)}" in page.text
    assert escape(entry("web.guide.checked")) in page.text
    article = page.text.split('id="guide"')[1].split("</article>")[0]
    for command_line in ("`", "--", "gaitlab check", "gaitlab analyze"):
        assert command_line not in article, command_line  # nothing a web user cannot act on


# --------------------------------------------------------------------------- the clinic's pages


def test_the_view_of_a_clip_is_set_by_hand_and_the_analysis_uses_it(
    alice: tuple[Any, Therapist], short_clip: Path
) -> None:
    app, a = alice
    # at upload: the form's select says "rear"
    session = a.new_session()
    with open(short_clip, "rb") as fh:
        r = a.client.post(
            f"/sessions/{session}/clips",
            data={"csrf_token": a.csrf, "view": "rear"},
            files={"clip": ("back.mp4", fh)},
        )
    assert r.status_code == 303
    assert run_queued(app) == ["done"]
    conn = db.connect(app.state.layout.db_path)
    [clip] = db.list_clips(conn, a.user_id, session)
    assert clip.view_set == "rear" and clip.view == "side"  # set by hand; the checks saw side
    view_check = next(c for c in clip.checks if c["name"] == "view")
    assert view_check["status"] == "pass" and "set by hand" in view_check["message"]
    analysis = a.client.get(f"/sessions/{session}/status").json()["analysis_id"]
    summary = a.client.get(f"/analyses/{analysis}/download/json").json()
    assert summary["clips"][0]["view"]["label"] == "rear"  # the fake analysis got views=["rear"]
    page = a.client.get(f"/sessions/{session}").text
    assert '<option value="rear" selected>' in page
    # afterwards: back to "as gaitlab sees it", and the session is analysed again
    r = a.client.post(f"/clips/{clip.id}/view", data={"csrf_token": a.csrf, "view": "auto"})
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{session}"
    assert a.client.get(f"/sessions/{session}/status").json()["state"] == "queued"
    assert run_queued(app) == ["done"]
    assert db.get_clip(conn, a.user_id, clip.id).view_set is None
    conn.close()
    # an unknown view is refused, by the form and by the API
    with open(short_clip, "rb") as fh:
        r = a.client.post(
            f"/sessions/{session}/clips",
            data={"csrf_token": a.csrf, "view": "top"},
            files={"clip": ("x.mp4", fh)},
            headers={"accept": "application/json"},
        )
    assert r.status_code == 400 and "side, rear, front" in r.json()["error"]
    assert files_under(app.state.layout.work) == []


def test_view_as_set_keeps_what_the_clip_shows_and_takes_the_label() -> None:
    from gaitlab.signals.view import classify_view, view_as_set
    from gaitlab.synthetic import RunnerSpec, generate_run

    side = generate_run(RunnerSpec(view="side", noise_px=1.0, seed=1)).tracks
    found = classify_view(side)
    kept = view_as_set(side, "side")
    assert (kept.label, kept.facing, kept.confidence) == ("side", found.facing, 1.0)
    rear = view_as_set(side, "rear")
    assert rear.label == "rear" and rear.facing is None and "set by hand" in rear.reasons[0]
    behind = generate_run(RunnerSpec(view="rear", noise_px=1.0, seed=1)).tracks
    forced = view_as_set(behind, "side")
    assert forced.label == "side" and forced.facing in ("left", "right")  # side metrics need it


def test_the_result_page_and_the_downloads_name_the_runner_and_the_session(
    alice: tuple[Any, Therapist],
) -> None:
    _, a = alice
    form = {"name": "Anna Ö. Smith", "csrf_token": a.csrf}
    a.client.post(f"/runners/{a.runner_id}", data=form)
    r = a.client.get(f"/analyses/{a.analysis_id}/files/report.html")
    assert r.status_code == 200 and "FAKE-REPORT" in r.text
    nav = r.text.split('<nav id="gaitlab-nav"')[1].split("</nav>")[0]
    runner, session = f"/runners/{a.runner_id}", f"/sessions/{a.session_id}"
    pdf = f"/analyses/{a.analysis_id}/download/pdf"
    for link in (
        "/",
        runner,
        session,
        f"{runner}/history",
        pdf,
        pdf.replace("/pdf", "/programme_pdf"),
    ):
        assert f'href="{link}' in nav, link
    assert "Anna Ö. Smith" in nav and r.text.index("gaitlab-nav") < r.text.index("FAKE-REPORT")
    form["name"] = "<script>alert(1)</script>"
    a.client.post(f"/runners/{a.runner_id}", data=form)
    page = a.client.get(f"/analyses/{a.analysis_id}/files/report.html").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    form["name"] = "Anna Ö. Smith"
    a.client.post(f"/runners/{a.runner_id}", data=form)
    assert "default-src 'none'" in r.headers["content-security-policy"]  # still no script
    expected = {
        "pdf": "gaitlab-anna-o-smith-2026-11-25.pdf",
        "programme_pdf": "gaitlab-anna-o-smith-2026-11-25-home-programme.pdf",
        "csv": "gaitlab-anna-o-smith-2026-11-25-strides.csv",
        "video": "gaitlab-anna-o-smith-2026-11-25-annotated.mp4",
        "json": "gaitlab-anna-o-smith-2026-11-25-summary.json",
    }
    for kind, name in expected.items():
        r = a.client.get(f"/analyses/{a.analysis_id}/download/{kind}")
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"', kind


def test_the_runner_list_shows_each_runners_last_visit(alice: tuple[Any, Therapist]) -> None:
    _, a = alice
    a.client.post("/runners", data={"name": "New runner", "csrf_token": a.csrf})
    page = a.client.get("/").text
    mine = page.split(f'data-runner="{a.runner_id}"')[1].split("</li>")[0]
    assert "2026-11-25" in mine and "Hip tightness: Not flagged" in " ".join(mine.split())
    new = page.split("New runner")[1].split("</li>")[0]
    assert "No sessions yet." in new


def noisy_analyze(clips: list[Path], out_dir: Path, **kwargs: Any) -> None:
    """The fake analysis, after 1 MB of native-looking log lines on descriptor 2 (MediaPipe and
    LiteRT write there from C++)."""
    for _ in range(16):
        os.write(2, b"I0000 00:00:00.000000 drishti: a native log line\n" * 1300)
    fake_analyze(clips, out_dir, **kwargs)


WORKER_BEHIND_A_PIPE = """
import sys, time
from pathlib import Path
from gaitlab.report.write import pdf_name
from gaitlab.web import db, jobs, storage
from gaitlab.web.storage import Layout

data = Path(sys.argv[1])
pool = jobs.WorkerPool(
    jobs.WorkerSettings(data, analysis_fn="tests.test_web:noisy_analyze",
                        checks_fn="tests.test_web:fake_checks", poll_s=0.1),
    1, check_every_s=0.5,
)
pool.start()
time.sleep(120)  # the test ends this process once the analysis is done (or times out)
"""


def test_a_worker_whose_stderr_nobody_reads_finishes_its_analyses(
    alice: tuple[Any, Therapist],
) -> None:
    """A worker inherits the server's descriptor 2; when that is a pipe nobody reads (the load
    benchmark's server did this), native log lines filled it and the worker blocked for good
    in its second analysis."""
    import subprocess
    import sys

    app, a = alice
    a.client.post(f"/sessions/{a.session_id}/analyse", data={"csrf_token": a.csrf})
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_BEHIND_A_PIPE, str(app.state.layout.root)],
        stderr=subprocess.PIPE,  # never read while the worker runs
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        deadline = time.monotonic() + 90
        while a.client.get(f"/sessions/{a.session_id}/status").json()["state"] != "done":
            assert proc.poll() is None, "the worker's process ended"
            assert time.monotonic() < deadline, "the analysis did not finish: the worker blocked"
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
