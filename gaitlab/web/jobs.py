"""Analysis workers: processes apart from the web process that take jobs from the database.

A job analyses all clips of one session as one assessment. The worker runs the capture checks
(:func:`gaitlab.quality.preflight`, when that module is installed), then the analysis function,
into a private work folder; the folder is renamed into ``reports/`` in the same transaction that
marks the job done. A worker that dies mid-job (killed, machine restarted) leaves its job
``running``; :func:`gaitlab.web.db.requeue_abandoned` puts it back in the queue when the server
starts again (or when the pool sees the worker gone), and it is redone from the start.

The analysis function is named by a ``"module:function"`` string, so the worker process (started
fresh, not forked) can import it, and tests can inject a fast fake. Its signature::

    analyze_session(clips: list[Path], out_dir: Path, *, config: Settings,
                    progress: Callable[[str, int, int], None]) -> None

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
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gaitlab.config import Settings
from gaitlab.web import db
from gaitlab.web.storage import Layout, fsync_dir

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
) -> None:
    """The real pipeline: :func:`gaitlab.api.analyze`, ``Analysis.save``, then the report
    (``report.html``, ``report.pdf``, ``annotated.mp4``) by :func:`gaitlab.report.write_report`.
    """
    from gaitlab.api import analyze

    analysis = analyze(
        clips, config=config, progress=lambda clip, done, total: progress("analysing", done, total)
    )
    progress("saving", 0, 0)
    analysis.save(out_dir)
    progress("report", 0, 0)
    from gaitlab.report import write_report  # lands with the report issue

    write_report(analysis, out_dir, pdf=True, video=True)


def capture_checks(path: Path, config: Settings) -> tuple[str | None, list[dict]]:
    """The quick capture checks of one clip (:func:`gaitlab.quality.preflight`): the view seen
    and the checks as dicts (:class:`gaitlab.result.Check`); ``(None, [])`` when
    :mod:`gaitlab.quality` is not installed."""
    try:
        from gaitlab.quality import preflight
    except ImportError:
        return None, []
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
    from gaitlab.words import say

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
    from gaitlab.errors import GaitlabError

    work = layout.job_work_dir(job.id, job.claim_token or "x")
    shutil.rmtree(work, ignore_errors=True)
    out_dir = work / "out"
    inputs = work / "clips"
    inputs.mkdir(parents=True)
    last = [0.0]

    def progress(stage: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - last[0] < progress_every_s and done != total:
            return
        last[0] = now
        if not db.report_progress(conn, job, stage=stage, done=done, total=total):
            raise JobCancelledError(job.id)

    try:
        _session, runner, clips = db.job_session(conn, job)
        cfg = config
        if runner.height_cm:
            cfg = cfg.with_overrides({"runner": {"height_m": runner.height_cm / 100}})
        usable, failed = [], []
        names: set[str] = set()
        preflight_checks: dict[str, list[dict[str, Any]]] = {}
        for i, clip in enumerate(clips):
            progress("checking", i, len(clips), force=True)
            # The analysis (and so the report) sees the clip under its display name.
            link = inputs / _unique_name(clip, names)
            link.symlink_to(layout.clip_path(clip.stored_name).resolve())
            view, checks = checks_fn(link, cfg)
            db.set_clip_result(conn, clip.id, view=view, checks=checks)
            preflight_checks[clip.id] = checks
            bad = [c for c in checks if c.get("status") == "fail"]
            failed += [(clip.display_name, c) for c in bad]
            if not bad:
                usable.append((clip, link))
        if not usable:
            raise ClipsUnusableError(_failed_checks_message(failed) if failed else "No clips.")
        progress("analysing", 0, 0, force=True)
        analyze_fn([link for _, link in usable], out_dir, config=cfg, progress=progress)
        _store_clip_results(conn, out_dir, usable, preflight_checks)
        progress("publishing", 0, 0, force=True)
        target = layout.report_dir(job.id)

        def publish() -> None:
            shutil.rmtree(target, ignore_errors=True)
            os.replace(out_dir, target)
            fsync_dir(layout.reports)

        state = "done" if db.finish_job(conn, job, state="done", publish=publish) else "cancelled"
    except JobCancelledError:
        state = "cancelled"
    except ClipsUnusableError as exc:
        state = _fail(conn, job, str(exc))
    except GaitlabError as exc:
        state = _fail(conn, job, exc.message)
    except Exception as exc:  # a bug in the pipeline: the job fails, the worker lives on
        log.exception("analysis %s failed", job.id)
        state = _fail(conn, job, f"The analysis failed unexpectedly ({type(exc).__name__}).")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return state


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


def _fail(conn: Any, job: db.Analysis, message: str) -> str:
    return "failed" if db.finish_job(conn, job, state="failed", error=message) else "cancelled"


def _store_clip_results(
    conn: Any,
    out_dir: Path,
    usable: list[tuple[db.Clip, Path]],
    preflight_checks: Mapping[str, list[dict[str, Any]]],
) -> None:
    """Each clip's view and capture checks from the analysis's ``summary.json`` (the checks
    made with the whole clip analysed), else those of the quick look before it."""
    summary_path = out_dir / "summary.json"
    if not summary_path.exists():
        return
    by_name = {c["name"]: c for c in json.loads(summary_path.read_text()).get("clips", [])}
    for clip, link in usable:
        entry = by_name.get(link.name)
        if entry is None:
            continue
        checks = entry.get("checks") or preflight_checks.get(clip.id, [])
        db.set_clip_result(conn, clip.id, view=entry.get("view", {}).get("label"), checks=checks)


# --------------------------------------------------------------------------- worker processes


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphan keeps a job)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_main(settings: WorkerSettings, parent_pid: int) -> None:
    """A worker process: take jobs until the parent (the web process) goes away."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    with contextlib.suppress(OSError):
        os.nice(settings.nice)  # the pages stay responsive while clips are analysed
    from gaitlab.config import load_config

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
    """Starts ``n`` worker processes, restarts any that die, and stops them."""

    def __init__(self, settings: WorkerSettings, n: int) -> None:
        self.settings = settings
        self.n = n
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: list[Any] = []

    def pids(self) -> set[int]:
        return {p.pid for p in self._procs if p.is_alive() and p.pid is not None}

    def start(self) -> None:
        while len(self._procs) < self.n:
            proc = self._ctx.Process(
                target=worker_main,
                args=(self.settings, os.getpid()),
                name="gaitlab-worker",
                daemon=True,
            )
            proc.start()
            self._procs.append(proc)

    def check(self, conn: Any, *, stale_s: float = 600.0, max_attempts: int = 3) -> list[str]:
        """Restart dead workers and requeue the jobs they held; returns the requeued ids."""
        dead = [p for p in self._procs if not p.is_alive()]
        for proc in dead:
            log.warning(
                "analysis worker %s stopped (exit %s); starting another", proc.pid, proc.exitcode
            )
            self._procs.remove(proc)
        alive = self.pids()
        requeued = db.requeue_abandoned(
            conn, is_alive=lambda pid: pid in alive, stale_s=stale_s, max_attempts=max_attempts
        )
        self.start()
        return requeued

    def stop(self, timeout_s: float = 5.0) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(timeout_s)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout_s)
        self._procs = []
