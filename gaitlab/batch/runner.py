"""Run a folder of videos on Dask: one video per worker process, resumable and exact.

>>> import gaitlab
>>> result = gaitlab.batch("clips/", "batch-out/", workers=2)      # doctest: +SKIP
>>> result.summary[["video", "status", "cadence_spm"]]              # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import logging
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from gaitlab import __version__
from gaitlab.batch.plan import (
    WORK_DIR,
    PlanItem,
    find_videos,
    plan,
    read_record,
    settings_sha256,
)
from gaitlab.batch.store import (
    batch_lock,
    clear_staging,
    copy_renamed,
    new_staging_dir,
    place_folder,
    remove_folder,
)
from gaitlab.batch.tables import strides_table, summary_table, write_table
from gaitlab.batch.worker import THREAD_ENV, Job, crash_message, make_record, run_job
from gaitlab.config import Settings, as_settings
from gaitlab.errors import ConfigError, GaitlabError, InputError
from gaitlab.io import write_json_atomic
from gaitlab.words import say

#: How long to wait for an existing scheduler to answer.
CONNECT_TIMEOUT_S = 10.0
#: Packages whose versions go into ``run.json``.
VERSIONED = ("dask", "distributed", "mediapipe", "numpy", "pandas", "opencv-contrib-python", "av")

Outcome = Literal["analysed", "skipped", "reused"]


@dataclasses.dataclass(frozen=True)
class BatchProgress:
    """Where a batch is, passed to the ``progress`` callback after each video.

    Attributes
    ----------
    done, failed, remaining
        Videos analysed successfully, failed (after the retry), and still to do in this run.
    total
        Videos to analyse in this run (skipped and reused ones are not counted).
    video, status
        The video that just finished and its status (None for the first call).
    """

    done: int
    failed: int
    remaining: int
    total: int
    video: str | None = None
    status: str | None = None


ProgressFn = Callable[[BatchProgress], None]


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """What a batch run did and found.

    Attributes
    ----------
    out
        The output folder.
    summary, strides
        The tables written as ``summary.csv`` and ``strides.csv``.
    outcomes
        Video (relative path) -> ``"analysed"``, ``"skipped"`` (results already there) or
        ``"reused"`` (a renamed or copied file: results taken from its old name).
    retried
        Videos analysed a second time after a failed first try.
    elapsed_s
        Wall time of the run.
    """

    out: Path
    summary: pd.DataFrame
    strides: pd.DataFrame
    outcomes: Mapping[str, Outcome]
    retried: tuple[str, ...]
    elapsed_s: float

    @property
    def n_ok(self) -> int:
        return int((self.summary["status"] == "ok").sum())

    @property
    def n_error(self) -> int:
        return int((self.summary["status"] != "ok").sum())

    @property
    def exit_code(self) -> int:
        """0 when every video is ``ok``, 1 when some failed (the convention of the CLI)."""
        return 0 if self.n_error == 0 else 1

    def counts(self) -> dict[str, int]:
        """Videos, ok, error, analysed, skipped, reused and retried, as numbers."""
        return {
            "videos": len(self.summary),
            "ok": self.n_ok,
            "error": self.n_error,
            **{k: sum(v == k for v in self.outcomes.values()) for k in get_args(Outcome)},
            "retried": len(self.retried),
        }

    def count_line(self) -> str:
        """The one line said at the end of a run."""
        counts = self.counts()
        return say(
            "batch.done",
            total=counts["videos"],
            ok=counts["ok"],
            failed=counts["error"],
            analysed=counts["analysed"],
            skipped=counts["skipped"],
            reused=counts["reused"],
            elapsed_s=self.elapsed_s,
            out=self.out,
        )


def _check_options(folder: Path, out: Path, workers: int | None, scheduler: str | None) -> None:
    if not folder.is_dir():
        raise InputError(say("batch.error.no_folder", folder=folder))
    if out.exists() and not out.is_dir():
        raise InputError(say("batch.error.out_not_folder", out=out))
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers):
        raise ConfigError(say("batch.error.workers", workers=workers))
    if workers is not None and workers < 1:
        raise ConfigError(say("batch.error.workers", workers=workers))
    if workers is not None and scheduler is not None:
        raise ConfigError(say("batch.error.workers_and_scheduler"))


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


@contextlib.contextmanager
def caller_script_hidden() -> Iterator[None]:
    """Start worker processes without re-running the caller's script.

    Worker processes are spawned, and Python's spawn runs the parent's ``__main__`` file again
    in each child: a script calling :func:`batch` without an ``if __name__ == "__main__":``
    guard would start a batch inside every worker, and code read from standard input cannot be
    found at all. The workers run only gaitlab's functions, so the main module's file and spec
    are hidden from :mod:`multiprocessing` while the cluster lives (restarted workers included).
    """
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main and k in main.__dict__}
    try:
        for key in saved:
            if key == "__spec__":
                main.__spec__ = None
            else:
                del main.__dict__[key]
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


@contextlib.contextmanager
def worker_environment() -> Iterator[None]:
    """The environment local workers are spawned with, and the caller's restored afterwards.

    Dask's nanny copies its worker variables into this process's ``os.environ`` (for the spawn)
    and leaves them there; values already in ``os.environ`` win over its configuration. Its
    default also sets ``MALLOC_TRIM_THRESHOLD_``, which turns off glibc's adaptive mmap
    threshold: every decoded frame is then a fresh mmap, about 20 % slower on a 12 s clip
    (10.6 -> 12.7 s measured). So only the thread caps are set, and the caller's environment
    is put back when the cluster is closed.
    """
    import dask

    saved = dict(os.environ)
    os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": dict(THREAD_ENV)}):
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def dask_client(
    workers: int | None, scheduler: str | None, *, pin_cores: bool
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A Dask client: on a new local cluster, or connected to ``scheduler``.

    Yields the client and a description for ``run.json``.

    Raises
    ------
    GaitlabError
        When the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise GaitlabError(
                say("batch.error.scheduler", address=scheduler, reason=str(exc) or type(exc))
            ) from None
        with client:
            n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
            yield client, {"scheduler": scheduler, "workers": n, "pinned_cores": False}
        return
    n = workers or default_workers()
    with (
        caller_script_hidden(),
        worker_environment(),
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            env=dict(THREAD_ENV),
        ) as cluster,
        Client(cluster) as client,
    ):
        if pin_cores:
            from gaitlab.batch.pinning import PinCores

            client.register_plugin(PinCores(), name="gaitlab-pin-cores")
        yield (
            client,
            {
                "scheduler": "local",
                "workers": n,
                "threads_per_worker": 1,
                "pinned_cores": pin_cores,
                "thread_env": dict(THREAD_ENV),
            },
        )


def _versions() -> dict[str, str]:
    found = {"gaitlab": __version__, "python": platform.python_version()}
    for name in VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    found["platform"] = platform.platform()
    return found


def _stage_reuse(item: PlanItem, source: Path, out: Path) -> Path:
    """A staging copy of ``source``'s results under ``item``'s name (nothing analysed)."""
    old = read_record(source) or {}
    old_path = Path(old.get("path") or source.relative_to(out))
    record = {**old, "video": item.video, "path": str(item.path), "reused_from": old.get("video")}
    staging = new_staging_dir(out)
    copy_renamed(source, staging, old_path=old_path, new_path=item.path, record=record)
    return staging


def reuse_results(items: list[PlanItem], out: Path) -> dict[str, Outcome]:
    """Take over results found under other names, and note the videos already done.

    Every reuse is staged before any is placed (swapped names read the old folders); then the
    old folder of a video that was renamed (its file is gone) is removed.

    Returns
    -------
    dict
        ``"reused"`` or ``"skipped"`` by video, for the items that need no analysis.
    """
    outcomes: dict[str, Outcome] = {}
    staged: dict[str, Path] = {}
    consumed: dict[Path, str] = {}  # source folder -> the path its video had
    for item in items:
        if item.action == "reuse" and item.source is not None:
            staged[item.video] = _stage_reuse(item, item.source, out)
            consumed[item.source] = str((read_record(item.source) or {}).get("path", ""))
            outcomes[item.video] = "reused"
        elif item.action == "skip":
            outcomes[item.video] = "skipped"
    for video, staging in staged.items():
        place_folder(staging, out / video)
    names = {item.video for item in items}
    current = {str(item.path) for item in items}
    for source, old_path in consumed.items():
        gone = not old_path or not Path(old_path).exists()
        if gone and old_path not in current and source.relative_to(out).as_posix() not in names:
            remove_folder(source, out)
    return outcomes


def _lost_record(job: Job, exc: BaseException) -> dict[str, Any]:
    """Write the error record of a video whose worker never returned (died, unreachable)."""
    record = make_record(
        job,
        status="error",
        error=crash_message(exc),
        error_kind="crash",
        elapsed_s=0.0,
        outputs={"report": job.report, "trc": job.trc},
    )
    staging = new_staging_dir(Path(job.out))
    write_json_atomic(staging / "batch.json", record)
    place_folder(staging, Path(job.out) / job.video)
    return record


def run_jobs(
    client: Any,
    jobs: list[Job],
    progress: ProgressFn | None = None,
    *,
    job_fn: Callable[[Job], dict[str, Any]] = run_job,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Submit the jobs (in order, first first) and retry each failure once.

    A failure is a record whose status is not ``ok`` (input errors excepted: the file cannot be
    analysed, trying again changes nothing) or a task that never returned (its worker died more
    often than Dask reschedules, or the task could not be run).

    Returns
    -------
    tuple
        The final record of each video, and the videos that were retried.
    """
    from distributed import as_completed

    def submit(job: Job, priority: int) -> Any:
        key = f"gaitlab-{Path(job.video).name}-try{job.attempt}-{uuid.uuid4().hex[:8]}"
        return client.submit(job_fn, job, key=key, pure=False, priority=priority, retries=0)

    futures = {submit(job, len(jobs) - i): job for i, job in enumerate(jobs)}
    records: dict[str, dict[str, Any]] = {}
    retried: list[str] = []
    done = failed = 0
    if progress:
        progress(BatchProgress(0, 0, len(jobs), len(jobs)))
    queue = as_completed(list(futures))
    for future in queue:
        job = futures.pop(future)
        try:
            record = future.result()
        except Exception as exc:  # a lost worker fails one video, not the batch
            record = None if job.attempt == 1 else _lost_record(job, exc)
        if record is None or (
            record["status"] != "ok" and record.get("error_kind") != "input" and job.attempt == 1
        ):
            retry = dataclasses.replace(job, attempt=2)
            retried.append(job.video)
            new = submit(retry, len(jobs) + 1)
            futures[new] = retry
            queue.add(new)
            continue
        future.release()
        records[job.video] = record
        done += record["status"] == "ok"
        failed += record["status"] != "ok"
        if progress:
            progress(
                BatchProgress(
                    done, failed, len(jobs) - done - failed, len(jobs), job.video, record["status"]
                )
            )
    return records, retried


def batch(
    folder: str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    config: Settings | Mapping[str, Any] | None = None,
    model: str | Path | None = None,
    report: bool = False,
    trc: bool = False,
    pin_cores: bool = True,
    progress: ProgressFn | None = None,
) -> BatchResult:
    """Analyse every video under ``folder`` into ``out``, one video per Dask worker process.

    Per video, the outputs of ``gaitlab analyze`` go to ``out/<path relative to folder>/``;
    ``out/summary.csv`` has one row per video, ``out/strides.csv`` every stride, ``out/run.json``
    the settings and versions. A rerun only does what is not done yet (see
    :mod:`gaitlab.batch.plan` for the cache key); a failed video is retried once; one bad video
    is an error row and the batch goes on.

    Parameters
    ----------
    folder
        The folder of videos (searched recursively by file extension).
    out
        The output folder (created if needed; may not be inside a video's path).
    workers
        Worker processes of the local cluster; default one per core. Not with ``scheduler``.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); its workers must have
        gaitlab installed and see ``folder`` and ``out`` at the same paths.
    config
        Settings (:func:`gaitlab.config.load_config`), a dict of overrides of the defaults,
        or None for the defaults.
    model
        Pose model name or ``.task`` path; None for the configuration's.
    report
        Also write each video's report (slower).
    trc
        Also write each video's landmarks as an OpenSim ``.trc`` file.
    pin_cores
        Pin each local worker process to one core (its threads then share that core).
    progress
        Called with a :class:`BatchProgress` after each video analysed.

    Raises
    ------
    gaitlab.errors.GaitlabError
        When the folder or options are unusable (nothing is analysed then).
    """
    from gaitlab.pose.model import find_model

    t0 = time.perf_counter()
    started = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder, out = Path(folder).resolve(), Path(out).resolve()
    _check_options(folder, out, workers, scheduler)
    settings = as_settings(config)
    model_file = find_model(model if model is not None else settings.pose.model)
    outputs = {"report": bool(report), "trc": bool(trc)}
    settings_hash = settings_sha256(settings, model_sha256=model_file.sha256, outputs=outputs)
    videos = _videos_and_out_folder(folder, out)
    with batch_lock(out):
        clear_staging(out)
        items = plan(
            videos,
            folder,
            out,
            settings_hash=settings_hash,
            gaitlab_version=__version__,
            reuse=not report,  # a report names its clip inside the page: analyse again
        )
        outcomes = reuse_results(items, out)
        jobs = _jobs(items, out, settings, model=model, report=report, trc=trc)
        cluster: dict[str, Any] = {"scheduler": scheduler or "local", "workers": 0}
        retried: list[str] = []
        if jobs:
            with dask_client(workers, scheduler, pin_cores=pin_cores) as (client, cluster):
                _, retried = run_jobs(client, jobs, progress)
            outcomes.update(dict.fromkeys((j.video for j in jobs), "analysed"))
        clear_staging(out)  # what a killed worker left (every task has ended)
        result = _write_tables(out, {item.video for item in items}, outcomes, retried, t0)
        run = {
            "run_version": 1,
            "folder": str(folder),
            "out": str(out),
            "started_utc": started,
            "elapsed_s": round(result.elapsed_s, 3),
            "versions": _versions(),
            "argv": sys.argv,
            "cluster": cluster,
            "model": {"name": model_file.name, "sha256": model_file.sha256},
            "outputs": outputs,
            "settings_sha256": settings_hash,
            "settings": settings.to_dict(),
            "counts": result.counts(),
            "outcomes": result.outcomes,
        }
        write_json_atomic(out / "run.json", run)
    return result


def _videos_and_out_folder(folder: Path, out: Path) -> list[Path]:
    """The videos under ``folder`` (none is an error), with ``out`` and its work folder made."""
    videos = find_videos(folder, exclude=[out])
    if not videos:
        raise InputError(say("batch.error.no_videos", folder=folder))
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / WORK_DIR).mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(say("batch.error.out_unwritable", out=out, reason=exc.strerror)) from None
    return videos


def _jobs(
    items: Sequence[PlanItem],
    out: Path,
    settings: Settings,
    *,
    model: str | Path | None,
    report: bool,
    trc: bool,
) -> list[Job]:
    """One job per video to analyse, the largest first (they take longest)."""
    return [
        Job(
            video=item.video,
            path=str(item.path),
            out=str(out),
            key=item.key,
            config=settings,
            model=str(model) if model is not None else None,
            report=bool(report),
            trc=bool(trc),
        )
        for item in sorted(items, key=lambda i: -i.size_bytes)
        if item.action == "analyse"
    ]


def _write_tables(
    out: Path, names: set[str], outcomes: dict[str, str], retried: list[str], t0: float
) -> BatchResult:
    """``summary.csv`` and ``strides.csv`` of every video, and the batch's result."""
    summary = summary_table(out, names)
    strides = strides_table(out, names)
    write_table(summary, out / "summary.csv")
    write_table(strides, out / "strides.csv")
    return BatchResult(
        out=out,
        summary=summary,
        strides=strides,
        outcomes=dict(sorted(outcomes.items())),
        retried=tuple(retried),
        elapsed_s=time.perf_counter() - t0,
    )
