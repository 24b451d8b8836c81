"""Analysis workers: processes apart from the web process that take jobs from the database.

A job analyses all clips of one session as one assessment. The worker runs the capture checks
(:func:`gaitlab.quality.preflight`), then the analysis function into a private work folder;
the folder is renamed into ``reports/`` in the same transaction that marks the job done. A
worker that dies mid-job (killed, machine restarted) leaves its job ``running``;
:func:`gaitlab.web.db.requeue_abandoned` puts it back in the queue when the server starts again
(or when the pool sees the worker gone), and it is redone from the start.

The analysis function is named by a ``"module:function"`` string, so the worker process (started
fresh, not forked) can import it, and tests can inject a fast fake. Its signature::

    analyze_session(clips: list[Path], out_dir: Path, *, config: Settings,
                    progress: Callable[[str, int, int], None],
                    views: list[str | None], runner: str, session_date: str) -> None

``views`` gives each clip's view as the therapist set it (``side``, ``rear``, ``front``), or
None to let the analysis find it; ``runner`` and ``session_date`` (``YYYY-MM-DD``) are the
runner's name and the session's date, which the report shows and names its PDFs after. The
files to download are found through :data:`gaitlab.web.storage.FILES_INDEX` when the
analysis writes one (the real pipeline does), else by their usual names.
``progress(stage, done, total)`` names the stage (``analysing``, ``saving``, ``report``: the
``[web.stage]`` words) and, for ``analysing``, the frames done out of the total; it raises
:class:`JobCancelledError` when the job was deleted meanwhile, which stops the analysis.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import importlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab.config import Settings, load_config
from gaitlab.errors import GaitlabError
from gaitlab.quiet import silence_native_stderr
from gaitlab.web import db, storage
from gaitlab.web.storage import Layout, fsync_dir
from gaitlab.words import say

log = logging.getLogger("gaitlab.web")

AnalyzeFn = Callable[..., None]
ChecksFn = Callable[[Path, Settings], tuple[str | None, list[dict[str, Any]]]]

#: The real pipeline (analysis, then the report).
DEFAULT_ANALYSIS = "gaitlab.web.jobs:analyze_session"
#: The capture checks run on each clip before the analysis.
DEFAULT_CHECKS = "gaitlab.web.jobs:capture_checks"


def analyze_session(
    clips: list[Path],
    out_dir: Path,
    *,
    config: Settings,
    progress: Callable[[str, int, int], None],
    views: Sequence[str | None],
    runner: str | None = None,
    session_date: str | None = None,
) -> None:
    """The real pipeline: :func:`gaitlab.api.analyze` (each clip in the view the therapist set,
    or the view it finds where they set none), ``Analysis.save``, then the report by
    :func:`gaitlab.report.write_report` (``report.html``, the key frames and their index, the
    report's PDF and the home programme's, named after the runner and the session date, and
    ``annotated.mp4``), and :data:`gaitlab.web.storage.FILES_INDEX` naming what it wrote.
    """
    from gaitlab.api import analyze  # in the worker process only: keeps the app light

    analysis = analyze(
        clips, config=config, views=views,
        progress=lambda clip, done, total: progress("analysing", done, total),
    )  # fmt: skip
    progress("saving", 0, 0)
    analysis.save(out_dir)
    progress("report", 0, 0)
    from gaitlab.report import write_report

    written = write_report(
        analysis, out_dir, pdf=True, video=True,
        runner=runner or None, session_date=storage.parse_date(session_date),
    )  # fmt: skip
    storage.write_files_index(out_dir, written)


def capture_checks(path: Path, config: Settings) -> tuple[str | None, list[dict]]:
    """The quick capture checks of one clip (:func:`gaitlab.quality.preflight`): the view seen
    and the checks as dicts (:class:`gaitlab.result.Check`)."""
    from gaitlab.quality import preflight  # in the worker process only: keeps the app light

    result = preflight(path, config=config)
    return result.view.label, [c.as_dict() for c in result.checks]


def load_function(spec: str) -> Callable[..., Any]:
    """The function named by ``"package.module:function"``."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    """What a worker process needs (picklable: handed to a fresh process)."""

    data_dir: Path
    analysis_fn: str = DEFAULT_ANALYSIS
    checks_fn: str = DEFAULT_CHECKS
    config_path: Path | None = None
    poll_s: float = 0.5
    progress_every_s: float = 0.5
    nice: int = 10


class JobCancelledError(Exception):
    """The job was deleted or taken over while running: stop quietly, publish nothing."""


class ClipsUnusableError(Exception):
    """Every clip of the job failed a capture check."""


def _failed_checks_message(failed: list[tuple[str, dict[str, Any]]]) -> str:
    parts = []
    for clip_name, check in failed:
        fix = f" {check['fix']}" if check.get("fix") else ""
        parts.append(say("web.job.clip_unusable", clip=clip_name, message=check["message"]) + fix)
    return " ".join(parts)


def run_job(
    conn: Any,
    layout: Layout,
    job: db.Analysis,
    *,
    analyze_fn: AnalyzeFn,
    checks_fn: ChecksFn,
    config: Settings,
    progress_every_s: float = 0.5,
) -> str:
    """Run one claimed job to its end; returns its final state (``done``, ``failed`` or
    ``cancelled``)."""
    work = layout.job_work_dir(job.id, job.claim_token or "x")
    shutil.rmtree(work, ignore_errors=True)
    (work / "clips").mkdir(parents=True)
    progress = _progress_reporter(conn, job, progress_every_s)
    try:
        session, runner, clips = db.job_session(conn, job)
        cfg = config
        if runner.height_cm:
            cfg = cfg.with_overrides({"runner": {"height_m": runner.height_cm / 100}})
        usable, checks = _check_clips(conn, clips, work / "clips", layout, checks_fn, cfg, progress)
        progress("analysing", 0, 0, force=True)
        out_dir = work / "out"
        views = [clip.view_set for clip, _ in usable]
        analyze_fn(
            [link for _, link in usable], out_dir, config=cfg, progress=progress, views=views,
            runner=runner.name, session_date=session.date,
        )  # fmt: skip
        _store_clip_results(conn, out_dir, usable, checks)
        progress("publishing", 0, 0, force=True)
        state = _publish(conn, layout, job, out_dir)
    except JobCancelledError:
        state = "cancelled"
    except ClipsUnusableError as exc:
        state = _fail(conn, job, str(exc), refused=True)
    except GaitlabError as exc:
        state = _fail(conn, job, exc.message)
    except Exception as exc:  # a bug in the pipeline: the job fails, the worker lives on
        log.exception("analysis %s failed", job.id)
        state = _fail(conn, job, say("web.job.crashed", kind=type(exc).__name__))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return state


def _progress_reporter(conn: Any, job: db.Analysis, every_s: float) -> Callable[..., None]:
    """``progress(stage, done, total, *, force=False)``: the job's progress and heartbeat, at
    most every ``every_s`` (raises :class:`JobCancelledError` once the job is not ours)."""
    last = [0.0]

    def progress(stage: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - last[0] < every_s and done != total:
            return
        last[0] = now
        if not db.report_progress(conn, job, stage=stage, done=done, total=total):
            raise JobCancelledError(job.id)

    return progress


def _check_clips(
    conn: Any,
    clips: list[db.Clip],
    inputs: Path,
    layout: Layout,
    checks_fn: ChecksFn,
    config: Settings,
    progress: Callable[..., None],
) -> tuple[list[tuple[db.Clip, Path]], dict[str, tuple[str | None, list[dict[str, Any]]]]]:
    """The capture checks of each clip (stored with the clip): the usable clips with their
    links in ``inputs`` (named as the user named them), and each clip's view seen and checks.
    Raises :class:`ClipsUnusableError` when no clip is usable."""
    usable, failed = [], []
    names: set[str] = set()
    checks_of: dict[str, tuple[str | None, list[dict[str, Any]]]] = {}
    for i, clip in enumerate(clips):
        progress("checking", i, len(clips), force=True)
        link = inputs / _unique_name(clip, names)
        link.symlink_to(layout.clip_path(clip.stored_name).resolve())
        view, checks = checks_fn(link, config)
        checks = _with_view_set(checks, clip.view_set, seen=view)
        db.set_clip_result(conn, clip.id, view=view, checks=checks)
        checks_of[clip.id] = (view, checks)
        bad = [c for c in checks if c.get("status") == "fail"]
        failed += [(clip.display_name, c) for c in bad]
        if not bad:
            usable.append((clip, link))
    if not usable:
        raise ClipsUnusableError(
            _failed_checks_message(failed) if failed else say("web.job.no_clips")
        )
    return usable, checks_of


def _with_view_set(
    checks: list[dict[str, Any]], view_set: str | None, *, seen: str | None
) -> list[dict[str, Any]]:
    """The checks, with the view check replaced by the therapist's choice when there is one
    (their choice decides how the clip is analysed, whatever the quick look saw)."""
    if view_set is None:
        return checks
    message = say(
        "web.clip.view_set_check", view=say(f"web.view.{view_set}"),
        seen=say(f"web.view.{seen}") if seen else say("web.view.unknown"),
    )  # fmt: skip
    mine = {"name": "view", "status": "pass", "message": message, "fix": None}
    return [mine, *(c for c in checks if c.get("name") != "view")]


def _publish(conn: Any, layout: Layout, job: db.Analysis, out_dir: Path) -> str:
    """Move the analysis into ``reports/`` as the job is marked done (one transaction)."""
    target = layout.report_dir(job.id)

    def publish() -> None:
        shutil.rmtree(target, ignore_errors=True)
        os.replace(out_dir, target)
        fsync_dir(layout.reports)

    return "done" if db.finish_job(conn, job, state="done", publish=publish) else "cancelled"


def _unique_name(clip: db.Clip, taken: set[str]) -> str:
    """The clip's display name with its stored extension, made unique among ``taken``."""
    stem = Path(clip.display_name).stem or "clip"
    ext = Path(clip.stored_name).suffix
    name, n = f"{stem}{ext}", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}{ext}"
    taken.add(name)
    return name


def _fail(conn: Any, job: db.Analysis, message: str, *, refused: bool = False) -> str:
    """Mark the job failed with ``message`` (``refused``: because no clip could be used)."""
    done = db.finish_job(conn, job, state="failed", error=message, refused=refused)
    return "failed" if done else "cancelled"


def _store_clip_results(
    conn: Any,
    out_dir: Path,
    usable: list[tuple[db.Clip, Path]],
    preflight: Mapping[str, tuple[str | None, list[dict[str, Any]]]],
) -> None:
    """Each clip's view and capture checks from the analysis's ``summary.json`` (the checks
    made with the whole clip analysed), else those of the quick look before it (``preflight``:
    clip id -> the view it saw and its checks). A clip whose view was set by hand keeps the
    view the quick look saw (the page shows both)."""
    summary_path = out_dir / "summary.json"
    if not summary_path.exists():
        return
    by_name = {c["name"]: c for c in json.loads(summary_path.read_text()).get("clips", [])}
    for clip, link in usable:
        entry = by_name.get(link.name)
        if entry is None:
            continue
        seen, quick_checks = preflight[clip.id]
        checks = _with_view_set(entry.get("checks") or quick_checks, clip.view_set, seen=seen)
        view = seen if clip.view_set else entry.get("view", {}).get("label")
        db.set_clip_result(conn, clip.id, view=view, checks=checks)


# --------------------------------------------------------------------------- worker processes


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphan keeps a job)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_main(settings: WorkerSettings, parent_pid: int) -> None:
    """A worker process: take jobs until the parent (the web process) goes away.

    Native libraries' log lines (MediaPipe, LiteRT, FFmpeg write to descriptor 2 from C++) go to
    ``/dev/null``: the descriptor is the server's, and when that is a pipe nobody reads (a
    process manager, a test harness), a full pipe would block the worker for good.
    """
    silence_native_stderr()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    with contextlib.suppress(OSError):
        os.nice(settings.nice)  # the pages stay responsive while clips are analysed
    layout = Layout(Path(settings.data_dir))
    handler = logging.FileHandler(layout.log_path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s worker %(process)d %(levelname)s %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    conn = db.connect(layout.db_path)
    analyze_fn = load_function(settings.analysis_fn)
    checks_fn = load_function(settings.checks_fn)
    config = load_config(settings.config_path)
    while os.getppid() == parent_pid:
        job = db.claim_next(conn, os.getpid())
        if job is None:
            time.sleep(settings.poll_s)
            continue
        start_s = time.monotonic()
        state = run_job(
            conn, layout, job, analyze_fn=analyze_fn, checks_fn=checks_fn, config=config,
            progress_every_s=settings.progress_every_s,
        )  # fmt: skip
        log.info(
            "analysis %s %s in %.1f s (attempt %d)",
            job.id, state, time.monotonic() - start_s, job.attempts,
        )  # fmt: skip


class WorkerPool:
    """Starts ``n`` worker processes, restarts any that die, requeues their jobs, and stops them.

    Every process is started from one long-lived supervisor thread, never from a request's or a
    thread pool's thread: Linux delivers a worker's parent-death signal (``PR_SET_PDEATHSIG``)
    when the *thread* that started it exits, and pool threads retire when idle, which would kill
    a worker started from one.

    Parameters
    ----------
    settings
        What each worker needs.
    n
        How many workers to keep running.
    check_every_s
        How often the supervisor looks for dead workers and abandoned jobs.
    """

    def __init__(self, settings: WorkerSettings, n: int, *, check_every_s: float = 2.0) -> None:
        self.settings = settings
        self.n = n
        self.check_every_s = check_every_s
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: list[Any] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None

    def pids(self) -> set[int]:
        """The process ids of the workers alive now."""
        with self._lock:
            return {p.pid for p in self._procs if p.is_alive() and p.pid is not None}

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the supervisor thread; returns once it has started the first workers."""
        self._thread = threading.Thread(
            target=self._supervise, name="gaitlab-worker-supervisor", daemon=True
        )
        self._thread.start()
        self._started.wait(timeout_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the workers (SIGTERM, then SIGKILL after ``timeout_s``) and the supervisor."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(4 * timeout_s)
        self._terminate(timeout_s)

    def _supervise(self) -> None:
        layout = Layout(Path(self.settings.data_dir))
        conn = db.connect(layout.db_path)
        try:
            self._spawn_missing()
            self._started.set()
            while not self._stopping.wait(self.check_every_s):
                try:
                    self._check(conn)
                except sqlite3.Error:  # a busy database: try again next time
                    log.exception("checking the analysis workers failed")
        finally:
            self._started.set()
            conn.close()
            self._terminate(5.0)

    def _spawn_missing(self) -> None:
        with self._lock:
            while len(self._procs) < self.n and not self._stopping.is_set():
                proc = self._ctx.Process(
                    target=worker_main,
                    args=(self.settings, os.getpid()),
                    name="gaitlab-worker",
                    daemon=True,
                )
                proc.start()
                self._procs.append(proc)

    def _check(self, conn: Any, *, stale_s: float = 600.0, max_attempts: int = 3) -> list[str]:
        """Replace dead workers and requeue the jobs they held; returns the requeued ids."""
        with self._lock:
            dead = [p for p in self._procs if not p.is_alive()]
            for proc in dead:
                log.warning(
                    "analysis worker %s stopped (exit %s); starting another",
                    proc.pid, proc.exitcode,
                )  # fmt: skip
                self._procs.remove(proc)
        alive = self.pids()
        requeued = db.requeue_abandoned(
            conn, is_alive=lambda pid: pid in alive, stale_s=stale_s, max_attempts=max_attempts
        )
        self._spawn_missing()
        return requeued

    def _terminate(self, timeout_s: float) -> None:
        with self._lock:
            procs, self._procs = self._procs, []
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout_s)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout_s)
