"""The web app as a therapist uses it: `gaitlab serve` in a subprocess, the real pipeline.

Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright; no browser download)
logs in, adds a runner, uploads ``sample_videos/male_side.mp4``; in the middle of the analysis
the server and its worker are killed (SIGKILL) and started again; the analysis finishes with its
report, and the page shows the verdict and the key frames. One real analysis (30-60 s on a
shared 2-core machine) serves both stories.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Page

from gaitlab.report.write import pdf_name
from tests.conftest import MALE_SIDE

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long test password"
#: Real analyses on a shared 2-core machine: 15-30 s per 12 s clip, plus the report.
ANALYSIS_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gaitlab(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gaitlab", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


class Server:
    """``gaitlab serve`` on a free loopback port, in its own process group."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        log = open(self.data_dir.parent / f"serve-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gaitlab",
                "serve",
                "--port",
                str(self.port),
                "--data",
                str(self.data_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, "gaitlab serve exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/login", timeout=2).status_code == 200:
                    return self
            assert time.monotonic() < deadline, "gaitlab serve did not answer within 60 s"
            time.sleep(0.2)

    def group(self) -> list[psutil.Process]:
        """Live (not zombie) processes of the server's process group."""
        assert self.proc is not None
        out = []
        for proc in psutil.process_iter(["pid", "status"]):
            with contextlib.suppress(psutil.Error):
                if os.getpgid(proc.pid) == self.proc.pid and proc.status() != "zombie":
                    out.append(proc)
        return out

    def kill(self) -> None:
        """SIGKILL the server and every worker at once."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # nothing of ours outlives the test


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "data"
    gaitlab("users", "add", "therapist", "--data", data, stdin=PASSWORD + "\n")
    srv = Server(data).start()
    yield srv
    srv.stop()


def status_of(page: Page, session_url: str) -> dict:
    return page.request.get(session_url + "/status").json()


def test_therapist_uploads_server_is_killed_and_the_report_arrives(
    server: Server, tmp_path: Path
) -> None:
    """One real analysis serves both stories: the therapist's path in the browser, and the
    server and its worker killed (SIGKILL) mid-analysis, then started again."""
    from playwright.sync_api import sync_playwright

    sha = hashlib.sha256(MALE_SIDE.read_bytes()).hexdigest()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/")
        assert page.url.endswith("/login")
        page.fill("input[name=name]", "therapist")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.fill("input[name=name]", "R-017 <b>test</b>")
        page.fill("input[name=height_cm]", "178")
        page.click("form[action='/runners'] button")
        assert page.inner_text("#runner-name") == "R-017 <b>test</b>"
        page.click("form[action$='/sessions'] button")
        session_url = page.url
        page.set_input_files("#upload input[type=file]", str(MALE_SIDE))
        page.click("#upload button")

        # The page follows the analysis; wait until the pose model is part-way through.
        page.wait_for_selector("#job-progress", timeout=60_000)
        deadline = time.monotonic() + ANALYSIS_TIMEOUT_S
        while not ((st := status_of(page, session_url))["stage"] == "analysing" and st["done"]):
            assert st["state"] in ("queued", "running"), st
            assert time.monotonic() < deadline, st
            time.sleep(0.2)
        deadline = time.monotonic() + 30  # the page shows it: "... (frames) (n / 360)"
        while "/ 360)" not in page.inner_text("#job-stage"):
            assert time.monotonic() < deadline, page.inner_text("#job-stage")
            time.sleep(0.2)
        latencies_s = []  # the pages stay responsive while the worker analyses
        for _ in range(5):
            t0 = time.perf_counter()
            assert page.request.get(session_url).ok
            latencies_s.append(time.perf_counter() - t0)
        assert max(latencies_s) < 3.0, latencies_s  # typically 0.01-0.1 s; 3 s: a loaded CI

        assert len(server.group()) >= 2  # the web process and its worker
        server.kill()
        deadline = time.monotonic() + 10
        while server.group():  # nothing of the killed server lives on
            assert time.monotonic() < deadline, server.group()
            time.sleep(0.1)
        with sqlite3.connect(server.data_dir / "gaitlab.db") as conn:
            assert conn.execute("SELECT state FROM analyses").fetchall() == [("running",)]
        server.start()  # same port and data folder; the open page keeps polling

        page.wait_for_selector("#verdict, #job-error", timeout=ANALYSIS_TIMEOUT_S * 1000)
        assert page.url == session_url
        assert page.locator("#job-error").count() == 0, page.inner_text("#job-error")
        pdf_href = page.get_attribute("a[href$='/download/pdf']", "href")
        summary = page.request.get(server.url + pdf_href.replace("/pdf", "/json")).json()
        verdict = page.inner_text("#verdict")
        for finding in summary["findings"]:
            assert finding["summary"] in verdict
        tightness = next(f for f in summary["findings"] if f["pattern"] == "hip_tightness")
        assert tightness["status"] != "not_assessed"  # a side clip: hip tightness is judged
        assert re.search(r"Cadence: 1(6[6-9]|7[0-2]) steps/min", verdict)  # 168.9 +- 3 spm
        assert summary["settings"]["runner"]["height_m"] == pytest.approx(1.78)  # the profile's
        # the capture checks' note on the 30 fps clip, with what to do instead
        assert "60" in page.inner_text("#clips .check.warn")
        # the annotated clip, stepped frame by frame (from its key moments once the report
        # lists them in keyframes/index.json)
        has_moments = page.locator("figure.review button.moment").count() > 0
        assert_frame_stepping(page, moments=has_moments)
        # the full result as a page of its own (no frame in the page), with its key frames drawn
        assert page.locator("iframe").count() == 0
        page.click("#open-result")
        page.locator("#gaitlab-nav").wait_for(timeout=30_000)
        page.locator("figure.keyframe img").first.wait_for(timeout=30_000)
        widths = page.locator("figure.keyframe img").evaluate_all(
            "imgs => imgs.map(i => i.naturalWidth)"
        )
        assert len(widths) >= 2 and all(w > 0 for w in widths)  # decoded, not broken
        assert_scrolls_as_one_page(page)
        page.go_back()
        for kind, magic in (("pdf", b"%PDF"), ("csv", b"clip,"), ("video", b"\x00\x00\x00")):
            href = page.get_attribute(f"a[href$='/download/{kind}']", "href")
            assert page.request.get(server.url + href).body().startswith(magic), kind
        page.screenshot(path=str(tmp_path / "desktop.png"), full_page=True)

        # a phone: 375 px wide, nothing wider than the screen, the guide one click away
        phone = browser.new_page(viewport={"width": 375, "height": 812})
        phone.context.add_cookies(page.context.cookies())
        for url in (session_url, server.url + "/"):
            phone.goto(url)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375, url
        phone.goto(session_url)
        phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        phone.click("text=Filming guide")
        assert phone.locator("#guide li").count() >= 5
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        browser.close()

    # nothing lost, nothing left over: the upload is whole, one report, an empty work folder
    data = server.data_dir
    [stored] = list((data / "uploads").iterdir())
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert list((data / "work").iterdir()) == []
    with sqlite3.connect(data / "gaitlab.db") as conn:
        [(analysis, state, attempts)] = conn.execute("SELECT id, state, attempts FROM analyses")
    assert (state, attempts) == ("done", 2)  # the killed run, then the finished one
    assert [p.name for p in (data / "reports").iterdir()] == [analysis]
    # the report says who and when, and its PDFs are named after them (as the report lists
    # them in files.json); the home programme's PDF is there when a finding is flagged
    with sqlite3.connect(data / "gaitlab.db") as conn:
        [(session_date,)] = conn.execute("SELECT date FROM sessions")
    folder = data / "reports" / analysis
    files = json.loads((folder / "files.json").read_text("utf-8"))
    day = datetime.date.fromisoformat(session_date)
    assert files["pdf"] == pdf_name("report", "R-017 <b>test</b>", day)
    assert (folder / files["pdf"]).read_bytes().startswith(b"%PDF")
    report = (folder / "report.html").read_text("utf-8")
    assert "R-017 &lt;b&gt;test&lt;/b&gt;" in report and "R-017 <b>" not in report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    flagged = any(f["status"] == "flagged" for f in summary["findings"])
    assert ("programme_pdf" in files) is flagged
    assert (data / "reports" / analysis / "report.html").is_file()


# --------------------------------------------------------------------------- the clinic's pages
#
# The pages a therapist reads, at 1280 and 375 px, on a server whose analyses are faked (the
# real pipeline runs once, above): one runner with three analysed sessions (one with a capture
# warning) and one whose clip was refused.

SCROLL_CONTAINERS_JS = """() => [...document.querySelectorAll('*')].filter(e => {
    const s = getComputedStyle(e);
    return ['auto', 'scroll'].includes(s.overflowY) && e.clientHeight > 100
        && e.scrollHeight > e.clientHeight + 1;
}).map(e => e.tagName + '#' + e.id + '.' + e.className)"""


def assert_scrolls_as_one_page(page: Page) -> None:
    """The page is one document that scrolls by itself: no frame, no box that scrolls inside
    it (a finger on it scrolls the page), taller than the screen and scrolled to the end."""
    assert page.locator("iframe").count() == 0
    assert page.evaluate(SCROLL_CONTAINERS_JS) == []
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > page.viewport_size["height"]
    page.mouse.move(page.viewport_size["width"] / 2, page.viewport_size["height"] / 2)
    page.mouse.wheel(0, height)
    deadline = time.monotonic() + 10  # polled from here: the report's CSP forbids page eval
    while page.evaluate("window.scrollY") <= 0:
        assert time.monotonic() < deadline, "the page did not scroll"
        time.sleep(0.05)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def frame_of(page: Page, figure: str = "figure.review") -> int:
    """The frame the review's video shows, from its current time and frame rate."""
    return page.evaluate(
        f"""() => {{ const f = document.querySelector('{figure}');
        const v = f.querySelector('video');
        return Math.floor(v.currentTime * Number(f.dataset.fps) + 1e-6); }}"""
    )


def wait_frame(page: Page, frame: int) -> None:
    page.wait_for_function(
        """n => { const f = document.querySelector('figure.review');
        const v = f.querySelector('video');
        return !v.seeking && Math.floor(v.currentTime * Number(f.dataset.fps) + 1e-6) === n; }""",
        arg=frame,
        timeout=10_000,
    )


def assert_frame_stepping(page: Page, *, moments: bool = True) -> None:
    """Jump to the first key moment (``moments``; else start from the first frame), then one
    frame forward and back with the buttons and the arrow keys: each step moves the video by
    exactly one frame."""
    figure = page.locator("figure.review").first
    figure.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('figure.review video').readyState >= 1")
    target = 0
    if moments:
        moment = figure.locator("button.moment").first
        target = page.evaluate(
            """b => { const fps = Number(b.closest('figure').dataset.fps);
            return Math.floor((Number(b.dataset.time) + 0.25 / fps) * fps + 1e-6); }""",
            moment.element_handle(),
        )
        moment.click()
    wait_frame(page, target)
    figure.locator("[data-step='1']").click()
    wait_frame(page, target + 1)
    figure.focus()
    page.keyboard.press("ArrowRight")
    wait_frame(page, target + 2)
    page.keyboard.press("ArrowLeft")
    wait_frame(page, target + 1)
    figure.locator("[data-step='-1']").click()
    wait_frame(page, target)
    assert frame_of(page) == target


def clinic_analyze(
    clips: list[Path], out_dir: Path, *, config: object, progress: object, views: list, **_: str
) -> None:
    """A stand-in for the pipeline: a long report with key frames, an annotated clip (the clip
    itself), the key frames' index and a summary whose numbers depend on the clip's name
    (``c<cadence>``, ``warn`` for a capture warning)."""
    import json
    import shutil

    import cv2
    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "keyframes").mkdir()
    frames = []
    for i, (moment, time_s) in enumerate((("foot_strike", 0.5), ("toe_off", 1.2))):
        image = np.full((40, 30, 3), 60 * i, np.uint8)
        (out_dir / "keyframes" / f"side-{moment}.png").write_bytes(cv2.imencode(".png", image)[1])
        frames.append({
            "file": f"keyframes/side-{moment}.png", "clip": clips[0].name, "moment": moment,
            "side": "left", "frame": round(time_s * 30), "time_s": time_s,
            "caption": f"{moment} caption", "metric": None, "value": None, "unit": None,
        })  # fmt: skip
    (out_dir / "keyframes" / "index.json").write_text(json.dumps({"schema": 1, "frames": frames}))
    png = base64.b64encode(cv2.imencode(".png", np.full((40, 30, 3), 200, np.uint8))[1]).decode()
    figures = "".join(
        f'<figure class="keyframe"><img src="data:image/png;base64,{png}" alt="k{i}"></figure>'
        for i in range(2)
    )
    body = "".join(f"<p>Paragraph {i} of a long report.</p>" for i in range(300))
    (out_dir / "report.html").write_text(
        f"<html><body><h1>Report</h1>{figures}{body}</body></html>"
    )
    shutil.copy(clips[0], out_dir / "annotated.mp4")
    (out_dir / "report.pdf").write_bytes(b"%PDF-1.4 fake")
    name = clips[0].stem
    cadence = float(re.search(r"c(\d+)", name)[1]) if re.search(r"c(\d+)", name) else 170.0
    warn = [{"name": "lighting", "status": "warn", "message": "FAKE dim light.", "fix": None}]
    summary = {
        "clips": [{"name": clips[0].name, "video": {"fps": 30.0, "slowmo_factor": 1.0},
                   "view": {"label": "side"}, "checks": warn if "warn" in name else []}],
        "metrics": {"cadence_spm": {"value": cadence, "unit": "steps/min", "sd": 2.0,
                                    "n_strides": 10}},
        "findings": [{"pattern": "hip_tightness", "status": "not_flagged", "summary": "FAKE"}],
    }  # fmt: skip
    (out_dir / "summary.json").write_text(json.dumps(summary))


def clinic_checks(path: Path, config: object) -> tuple[str, list[dict]]:
    """Clips named ``blurry`` fail; the others pass."""
    if "blurry" in path.name:
        fail = {
            "name": "lighting",
            "status": "fail",
            "message": "FAKE too dark.",
            "fix": "Film in daylight.",
        }
        return "side", [fail]
    return "side", [{"name": "view", "status": "pass", "message": "ok", "fix": None}]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A server on loopback with one runner: sessions of 2026-09-01, -15 (with a capture
    warning) and -29 analysed, and 2026-10-06 refused; yields the URLs and the login cookies."""
    from fastapi.testclient import TestClient

    from tests.conftest import run_ffmpeg
    from tests.test_web import add_user, login, make_app, run_queued
    from tests.test_web_api import serve_on_loopback

    root = tmp_path_factory.mktemp("clinic")
    data = root / "data"
    add_user(data, "therapist", PASSWORD)
    app = make_app(
        data, analysis_fn="tests.test_web_browser:clinic_analyze",
        checks_fn="tests.test_web_browser:clinic_checks",
    )  # fmt: skip
    client = TestClient(app, follow_redirects=False)
    csrf = login(client, "therapist", PASSWORD)
    r = client.post("/runners", data={"name": "R-017", "csrf_token": csrf})
    runner = r.headers["location"]
    sessions = {}
    for date, clip in (("2026-09-01", "c169"), ("2026-09-15", "c168-warn"),
                       ("2026-09-29", "c172"), ("2026-10-06", "blurry")):  # fmt: skip
        r = client.post(runner + "/sessions", data={"date": date, "csrf_token": csrf})
        sessions[date] = r.headers["location"]
        path = root / f"{clip}.mp4"
        run_ffmpeg("-i", MALE_SIDE, "-frames:v", 60, "-c", "copy", "-an", path)
        with open(path, "rb") as fh:
            r = client.post(sessions[date] + "/clips", data={"csrf_token": csrf},
                            files={"clip": (path.name, fh)})  # fmt: skip
        assert r.status_code == 303, r.text
        assert run_queued(app) == ["failed" if clip == "blurry" else "done"]
    cookies = [
        {"name": k, "value": v, "domain": "127.0.0.1", "path": "/"}
        for k, v in client.cookies.items()
    ]
    with serve_on_loopback(app) as base:
        yield {"base": base, "runner": runner, "sessions": sessions, "cookies": cookies}


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def open_page(chromium: object, clinic: dict, width: int) -> Page:
    page = chromium.new_page(viewport={"width": width, "height": 812 if width < 500 else 900})
    page.context.add_cookies(clinic["cookies"])
    return page


@pytest.mark.parametrize("width", [1280, 375])
def test_the_result_is_a_page_of_its_own_that_scrolls_as_one(
    clinic: dict, chromium: object, width: int
) -> None:
    page = open_page(chromium, clinic, width)
    page.goto(clinic["base"] + clinic["sessions"]["2026-09-01"])
    assert page.locator("iframe").count() == 0
    page.click("#open-result")
    page.locator("#gaitlab-nav").wait_for()
    assert page.url.endswith("/files/report.html")
    assert "R-017" in page.inner_text("#gaitlab-nav")  # the app's navigation, with the runner
    assert_scrolls_as_one_page(page)
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_frame_stepping_moves_the_video_by_one_frame(
    clinic: dict, chromium: object, width: int
) -> None:
    page = open_page(chromium, clinic, width)
    page.goto(clinic["base"] + clinic["sessions"]["2026-09-01"])
    assert page.locator("figure.review button.moment").count() == 2
    assert_frame_stepping(page)
    page.close()


def test_the_history_table_shows_the_newest_session_on_a_phone(
    clinic: dict, chromium: object
) -> None:
    page = open_page(chromium, clinic, 375)
    page.goto(clinic["base"] + clinic["runner"] + "/history")
    first = page.locator("#history-table thead th[data-session]").first
    assert "2026-10-06" in first.inner_text()  # newest first
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375  # in view without scrolling
    assert page.locator("#scroll-hint").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # the cadence of the newest analysed session is in view too
    cell = page.locator("#history-table tr[data-metric='cadence_spm'] td").nth(1)
    assert "172" in cell.inner_text()
    assert cell.bounding_box()["x"] < 375
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_refused_session_reads_as_refused_and_a_warned_one_is_marked(
    clinic: dict, chromium: object, width: int
) -> None:
    page = open_page(chromium, clinic, width)
    base, sessions = clinic["base"], clinic["sessions"]
    page.goto(base + clinic["runner"] + "/history")
    text = page.inner_text("main")
    assert "no result yet" not in text.lower()
    refused = page.locator("#history-table thead th[data-state='refused']")
    assert refused.count() == 1 and "refused" in refused.inner_text()
    assert "FAKE too dark." in page.inner_text("#history-notes")
    warned = page.locator("#history-table thead th [data-warned]")
    assert warned.count() == 1 and "FAKE dim light." in page.inner_text("#history-notes")
    assert page.locator("svg [data-warned]").count() == 1  # the warned session's point
    page.goto(base + clinic["runner"])
    item = page.locator(f"#sessions li[data-session='{sessions['2026-10-06'].rsplit('/', 1)[-1]}']")
    assert "refused" in item.inner_text()
    page.goto(base + sessions["2026-10-06"])
    assert "refused" in page.inner_text("#analysis")
    assert "FAKE too dark." in page.inner_text("#job-error")
    page.goto(base + "/")
    assert "R-017" in page.inner_text("#runners") and "2026-10-06" in page.inner_text("#runners")
    assert "refused" in page.inner_text("#runners")  # the last visit, and how it ended
    page.close()
