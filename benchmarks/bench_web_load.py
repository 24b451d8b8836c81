"""Web app under load: 20 therapists uploading and polling at once while 2 analyses run.

A ``gaitlab serve``-equivalent server (uvicorn, 2 analysis worker processes) runs in a
subprocess on 127.0.0.1 with a temporary data folder. Two sessions are queued first, so both
workers are analysing when the clients start. Then each client (its own account, ``httpx``,
all concurrent) logs in, adds a runner and a session, uploads a clip through the upload page
(``sample_videos/male_side.mp4``, 12 s, 1.9 MB; ``--quick``: its first 2 s), and for the rest of
the run polls the analysis status as the session page does and loads pages (runners, runner,
session, history) with a pause between rounds, as a person would.

A third of the way into the run, the worker running an analysis is killed (SIGKILL); after the
clients stop, the script waits for the queue to drain: every analysis must complete (the dead
worker's replacement survives the page traffic, and the killed job is redone).

Reported: page-load latency p50/p95/max (HTML pages only), status-poll and upload latency,
failed requests (any error status or transport error), lost uploads (every upload that was
answered must be in the database and on disk with the same SHA-256), and the analyses by state
after the drain. Target: page p95 under 300 ms, no failed request, no lost upload, every
analysis done. Nothing here fails on time.

    python benchmarks/bench_web_load.py                 # full: real pipeline, 20 clients, 60 s
    python benchmarks/bench_web_load.py --quick --out OUT/web_load.json
                                                         # CI: 6 clients, 8 s, CPU-bound fake

Results go to ``benchmarks/results/web_load.json`` and ``.md`` (``--quick``: ``quick/``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a source tree without installing

from command import command_line, with_command  # noqa: E402

from gaitlab.io import write_json_atomic, write_text_atomic  # noqa: E402

MALE_SIDE = REPO / "sample_videos" / "male_side.mp4"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "web_load.json"
QUICK_OUT = REPO / "benchmarks" / "results" / "quick" / "web_load.json"
PASSWORD = "load test password"
TARGET_P95_MS = 300.0
#: Pause between a client's polling rounds (the session page polls about every 1-2 s).
ROUND_PAUSE_S = 1.0
#: Seconds the fake analysis of ``--quick`` keeps one core busy.
BUSY_S = 3.0


def busy_analysis(
    clips: list[Path], out_dir: Path, *, config: Any, progress: Any, views: Any, **_: str
) -> None:
    """A stand-in for the pipeline (``--quick``): keeps one core busy, then writes a summary."""
    start = time.monotonic()
    x = 0
    while (elapsed_s := time.monotonic() - start) < BUSY_S:
        x += sum(i * i for i in range(10_000))
        progress("analysing", min(int(elapsed_s * 30), 89), 90)  # as 3 s of 30 fps frames
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {"metrics": {}, "findings": [], "clips": [{"name": p.name} for p in clips]}
    (out_dir / "summary.json").write_text(json.dumps(summary))


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def stats_ms(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values) if values else None,
        "mean_ms": statistics.fmean(values) if values else None,
    }


# --------------------------------------------------------------------------- the server


def quick_checks(path: Path, config: Any) -> tuple[str, list[dict[str, Any]]]:
    """The capture checks' stand-in (``--quick``: the 2 s clip would be refused as too short)."""
    return "side", []


def serve(data: Path, port: int, workers: int, analysis: str) -> None:
    """Run the app (the ``--serve`` mode of this script, in its own process)."""
    import uvicorn

    from gaitlab.web.app import WebSettings, create_app

    settings = WebSettings(
        data_dir=data, workers=workers, max_upload_mb=50.0,
        analysis_fn=analysis, watch_s=1.0,
        checks_fn="bench_web_load:quick_checks" if analysis.startswith("bench_web_load:")
        else "gaitlab.web.jobs:capture_checks",
    )  # fmt: skip
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server_process(data: Path, workers: int, analysis: str) -> Any:
    port = free_port()
    log = data.parent / "server.log"  # a file, not a pipe: a pipe nobody reads fills and blocks
    with open(log, "ab") as log_file:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--data", str(data), "--port", str(port),
             "--workers", str(workers), "--analysis", analysis],
            stdout=subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --------------------------------------------------------------------------- clients


class Record:
    """Latencies and failures of every request, by kind."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {"page": [], "status": [], "upload": [], "setup": []}
        self.failures: list[str] = []
        self.uploads: list[tuple[str, str]] = []  # (clip id, sha256 sent)

    async def timed(self, kind: str, call: Any, expect: tuple[int, ...], label: str) -> Any:
        start = time.perf_counter()
        try:
            r = await call
        except Exception as exc:  # a transport error is a failed request
            self.failures.append(f"{label}: {type(exc).__name__}: {exc}")
            return None
        self.ms[kind].append((time.perf_counter() - start) * 1000)
        if r.status_code not in expect:
            self.failures.append(f"{label}: HTTP {r.status_code}")
        return r


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


async def client(base: str, name: str, clip: bytes, until: float, rec: Record) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as c:
        r = await rec.timed("setup", c.get("/login"), (200,), "login page")
        data = {"name": name, "password": PASSWORD, "csrf_token": csrf_of(r.text)}
        await rec.timed("setup", c.post("/login", data=data), (303,), "login")
        r = await rec.timed("page", c.get("/"), (200,), "runners page")
        csrf = csrf_of(r.text)
        r = await rec.timed(
            "setup", c.post("/runners", data={"name": f"{name} runner", "csrf_token": csrf}),
            (303,), "add runner",
        )  # fmt: skip
        runner = r.headers["location"].rsplit("/", 1)[-1]
        r = await rec.timed(
            "setup",
            c.post(f"/runners/{runner}/sessions", data={"date": "2026-11-25", "csrf_token": csrf}),
            (303,), "add session",
        )  # fmt: skip
        session = r.headers["location"].rsplit("/", 1)[-1]
        r = await rec.timed(
            "upload",
            c.post(
                f"/sessions/{session}/clips", data={"csrf_token": csrf},
                files={"clip": (f"{name}.mp4", clip, "video/mp4")},
                headers={"accept": "application/json"},
            ),
            (200,), "upload",
        )  # fmt: skip
        if r is not None and r.status_code == 200:
            rec.uploads.append((r.json()["clip_id"], hashlib.sha256(clip).hexdigest()))
        pages = ("/", f"/runners/{runner}", f"/sessions/{session}", f"/runners/{runner}/history")
        while time.monotonic() < until:
            await rec.timed("status", c.get(f"/sessions/{session}/status"), (200,), "status")
            for path in pages:
                await rec.timed("page", c.get(path), (200,), f"page {path}")
            await asyncio.sleep(ROUND_PAUSE_S)


async def run_clients(
    base: str, names: list[str], clip: bytes, duration_s: float, kill: Kill | None = None
) -> Record:
    rec = Record()
    until = time.monotonic() + duration_s
    tasks = [client(base, n, clip, until, rec) for n in names]
    if kill is not None:
        tasks.append(kill.run())
    await asyncio.gather(*tasks)
    return rec


class Kill:
    """SIGKILL the worker running an analysis, once, ``at_s`` after the clients start (the
    audit's case: a dead worker's replacement must survive page traffic)."""

    def __init__(self, data: Path, at_s: float) -> None:
        self.data = data
        self.at_s = at_s
        self.done: dict[str, Any] = {}

    async def run(self) -> None:
        await asyncio.sleep(self.at_s)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            conn = sqlite3.connect(self.data / "gaitlab.db")
            try:
                row = conn.execute(
                    "SELECT id, worker_pid FROM analyses WHERE state = 'running' "
                    "AND worker_pid IS NOT NULL ORDER BY started_s LIMIT 1"
                ).fetchone()
            finally:
                conn.close()
            if row is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(row[1]), signal.SIGKILL)
                    self.done = {"at_s": round(self.at_s, 1), "pid": int(row[1]), "job": row[0]}
                    return
            await asyncio.sleep(0.5)


def drain(data: Path, timeout_s: float) -> dict[str, Any]:
    """Wait (lightly) until no analysis is queued or running; returns the wait and the states."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        states = analyses_seen(data)
        if not states.get("queued") and not states.get("running"):
            break
        time.sleep(2.0)
    return {"waited_s": round(time.monotonic() - start, 1), "states": analyses_seen(data)}


def attempts_of(data: Path, job: str | None) -> int | None:
    if job is None:
        return None
    conn = sqlite3.connect(data / "gaitlab.db")
    try:
        row = conn.execute("SELECT attempts, state FROM analyses WHERE id = ?", (job,)).fetchone()
    finally:
        conn.close()
    return int(row[0]) if row else None


# --------------------------------------------------------------------------- the run


def prepare(data: Path, clip_path: Path, n_clients: int, busy_jobs: int) -> list[str]:
    """Accounts for the clients, and ``busy_jobs`` sessions queued for analysis (one account
    "warm" whose clips keep the workers busy from the start)."""
    from gaitlab.web import db
    from gaitlab.web.server import add_user, open_db
    from gaitlab.web.storage import Layout

    names = [f"therapist{i:02d}" for i in range(1, n_clients + 1)]
    for name in [*names, "warm"]:
        add_user(data, name, PASSWORD)
    layout = Layout(data)
    with open_db(data) as conn:
        warm = db.get_user_by_name(conn, "warm")
        with db.transaction(conn):
            runner = db.create_runner(conn, warm.id, name="warm", height_cm=None, notes="")
            for _ in range(busy_jobs):
                session = db.create_session(conn, warm.id, runner.id, date="2026-11-25", notes="")
                clip_id = db.new_id()
                shutil.copy(clip_path, layout.clip_path(f"{clip_id}.mp4"))
                db.add_clip(
                    conn, warm.id, session.id, clip_id=clip_id, stored_name=f"{clip_id}.mp4",
                    display_name="warm.mp4", size_bytes=clip_path.stat().st_size,
                    sha256=hashlib.sha256(clip_path.read_bytes()).hexdigest(),
                )  # fmt: skip
                db.enqueue_analysis(conn, warm.id, session.id)
    return names


def lost_uploads(data: Path, uploads: list[tuple[str, str]]) -> list[str]:
    """Uploads answered with success that are missing from the database or disk, or differ."""
    conn = sqlite3.connect(data / "gaitlab.db")
    lost = []
    try:
        for clip_id, sha in uploads:
            row = conn.execute(
                "SELECT stored_name, sha256 FROM clips WHERE id = ?", (clip_id,)
            ).fetchone()
            path = data / "uploads" / row[0] if row else None
            intact = (
                row is not None
                and row[1] == sha
                and path.is_file()
                and hashlib.sha256(path.read_bytes()).hexdigest() == sha
            )
            if not intact:
                lost.append(clip_id)
    finally:
        conn.close()
    return lost


def analyses_seen(data: Path) -> dict[str, int]:
    """Analyses by state (``queued``, ``running``, ``done``, ``failed``)."""
    conn = sqlite3.connect(data / "gaitlab.db")
    try:
        rows = conn.execute("SELECT state, COUNT(*) FROM analyses GROUP BY state").fetchall()
    finally:
        conn.close()
    return {state: n for state, n in rows}


def analysis_errors(data: Path) -> list[str]:
    """The distinct messages of failed analyses."""
    conn = sqlite3.connect(data / "gaitlab.db")
    try:
        rows = conn.execute("SELECT DISTINCT error FROM analyses WHERE state = 'failed'")
        return [r[0] for r in rows]
    finally:
        conn.close()


def server_errors(log: Path, limit: int = 10) -> list[str]:
    """The distinct exception lines (``SomeError: ...``) in the server's log: what a failed
    request ran into (the app logs each 500 with its traceback)."""
    try:
        text = log.read_text("utf-8", errors="replace")
    except OSError:
        return []
    found = re.findall(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b.*$", text, flags=re.M)
    return list(dict.fromkeys(line[:300] for line in found))[:limit]


def markdown(record: dict[str, Any]) -> str:
    def row(kind: str) -> str:
        s = record["latency"][kind]
        cells = [f"{s[k]:.0f}" if s[k] is not None else "-" for k in ("p50_ms", "p95_ms", "max_ms")]
        return f"| {kind} | {s['n']} | " + " | ".join(cells) + " |"

    lines = [
        "# Web app under load",
        "",
        f"{record['date']}, {record['machine']}; {record['clients']} concurrent clients for "
        f"{record['duration_s']:.0f} s on loopback, {record['workers']} analysis workers "
        f"({record['analysis']}), {record['busy_jobs']} analyses queued before the clients "
        "started (both workers busy from the start).",
        "",
        "| requests | n | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
        row("page"),
        row("status"),
        row("upload"),
        "",
        f"- Page p95 {record['latency']['page']['p95_ms']:.0f} ms against the target of "
        f"{TARGET_P95_MS:.0f} ms: **{'met' if record['page_p95_met'] else 'not met'}**.",
        f"- Failed requests: {len(record['failures'])}; uploads answered: {record['uploads']}; "
        f"lost uploads: {len(record['lost_uploads'])}"
        + (f"; the server logged: {record['server_errors']}" if record["server_errors"] else "")
        + ".",
        f"- Analyses by state when the clients stopped: {record['analyses']}"
        + (f"; failed with: {record['analysis_errors']}" if record["analysis_errors"] else "")
        + ".",
        f"- Worker killed (SIGKILL) {record['kill'].get('at_s', '-')} s into the run while "
        f"analysing; that job took {record['kill'].get('attempts', '-')} attempts. After the "
        f"clients stopped, the queue drained in {record['drain']['waited_s']:.0f} s: "
        f"{record['drain']['states']}; every analysis completed: "
        f"**{'yes' if record['every_analysis_completed'] else 'no'}**.",
        "",
        "Pages are the HTML pages a therapist opens (runners, runner, session, history); each "
        f"client loads all four and polls the status once per round, pausing {ROUND_PAUSE_S:g} s "
        "between rounds. The machine is shared: other work on it adds to the figures (1-minute "
        f"load average {record['load_average_1min'][0]} at the start, "
        f"{record['load_average_1min'][1]} at the end).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short CI run with a fake analysis")
    parser.add_argument("--out", type=Path, default=None, help="JSON result file")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--duration-s", type=float, default=None)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--analysis", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.data, args.port, args.workers, args.analysis)
        return 0

    clients = args.clients or (6 if args.quick else 20)
    duration_s = args.duration_s or (8.0 if args.quick else 60.0)
    analysis = "bench_web_load:busy_analysis" if args.quick else "gaitlab.web.jobs:analyze_session"
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    busy_jobs = args.workers

    with tempfile.TemporaryDirectory(prefix="gaitlab-load-") as tmp:
        data = Path(tmp) / "data"
        clip_path = Path(tmp) / "clip.mp4"
        if args.quick:  # the first 2 s: too short for an analysis, fine for the fake
            subprocess.run(
                ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i",
                 str(MALE_SIDE), "-frames:v", "60", "-c", "copy", "-an", str(clip_path)],
                check=True,
            )  # fmt: skip
        else:  # the whole sample clip: real analyses, with capture checks that pass
            shutil.copy(MALE_SIDE, clip_path)
        names = prepare(data, clip_path, clients, busy_jobs)
        with server_process(data, args.workers, analysis) as base:
            time.sleep(1.0)  # let the workers claim the queued analyses
            running_at_start = analyses_seen(data).get("running", 0)
            load_before = os.getloadavg()[0]
            started = time.monotonic()
            kill = Kill(data, duration_s / 3)
            rec = asyncio.run(run_clients(base, names, clip_path.read_bytes(), duration_s, kill))
            elapsed = time.monotonic() - started
            load_after = os.getloadavg()[0]
            states = analyses_seen(data)
            drained = drain(data, 180.0 if args.quick else 3600.0)
            errors = analysis_errors(data)
            kill.done["attempts"] = attempts_of(data, kill.done.get("job"))
        lost = lost_uploads(data, rec.uploads)
        logged = server_errors(data.parent / "server.log")

    latency = {kind: stats_ms(ms) for kind, ms in rec.ms.items()}
    record = {
        "command": command_line(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",  # noqa: E501
        "quick": args.quick,
        "clients": clients,
        "duration_s": elapsed,
        "workers": args.workers,
        "analysis": analysis,
        "busy_jobs": busy_jobs,
        "running_at_start": running_at_start,
        "load_average_1min": [round(load_before, 1), round(load_after, 1)],
        "latency": latency,
        "target_p95_ms": TARGET_P95_MS,
        "page_p95_met": (latency["page"]["p95_ms"] or 0) < TARGET_P95_MS,
        "failures": rec.failures[:50],
        "n_failures": len(rec.failures),
        "uploads": len(rec.uploads),
        "lost_uploads": lost,
        "analyses": states,
        "analysis_errors": errors,
        "server_errors": logged,
        "kill": kill.done,
        "drain": drained,
        "every_analysis_completed": set(drained["states"]) == {"done"}
        and drained["states"]["done"] == busy_jobs + len(rec.uploads),
    }
    write_json_atomic(out, record)
    write_text_atomic(out.with_suffix(".md"), with_command(markdown(record), record["command"]))
    page = latency["page"]
    print(
        f"pages: n={page['n']} p50={page['p50_ms']:.0f} ms p95={page['p95_ms']:.0f} ms; "
        f"failures={len(rec.failures)}; uploads={len(rec.uploads)}; lost={len(lost)}; "
        f"analyses={states}; after the kill and the drain: {drained['states']}; written {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
