"""What a Dask worker runs: one video in, its result folder placed, a small record returned.

Runs in the worker process: the heavy imports (the pipeline, OpenCV, MediaPipe) are inside the
functions, and the record returned is a plain dict (cheap to send back to the client).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import os
import shutil
import socket
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gaitlab.batch.plan import RECORD_FILE, RECORD_VERSION, VideoKey
from gaitlab.batch.store import new_staging_dir, place_folder
from gaitlab.config import Settings
from gaitlab.errors import ConfigError, GaitlabError, InputError, ModelError
from gaitlab.io import write_json_atomic

#: Environment variables that cap the threads of the numeric libraries a worker loads.
THREAD_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_MAX_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


@dataclasses.dataclass(frozen=True)
class Job:
    """One video to analyse (sent to a worker; plain data only).

    Attributes
    ----------
    video
        Path relative to the batch folder (the result folder's name under ``out``).
    path
        Absolute path of the video file (workers must see it at this path).
    out
        Absolute path of the output folder.
    key
        The cache key the results are stored under.
    config
        The settings.
    model
        Pose model name or path, or None for the configuration's.
    report, trc
        Also write the report / an OpenSim ``.trc`` of the landmarks.
    attempt
        1 for the first try, 2 for the retry.
    """

    video: str
    path: str
    out: str
    key: VideoKey
    config: Settings
    model: str | None = None
    report: bool = False
    trc: bool = False
    attempt: int = 1


def limit_threads() -> None:
    """Keep this process to one thread of numeric work: the environment caps for libraries
    loaded later, OpenCV's pool, and (where the worker was started by gaitlab) the process is
    already pinned to one core, which also holds MediaPipe's own threads."""
    for name, value in THREAD_ENV.items():
        os.environ.setdefault(name, value)
    import cv2

    cv2.setNumThreads(1)


@functools.cache
def prepare_process() -> None:
    """Once per worker process: native libraries' log lines away, numeric threads capped."""
    from gaitlab.quiet import silence_native_stderr

    silence_native_stderr()
    limit_threads()


def error_kind(exc: BaseException) -> str:
    """A short label for the kind of failure (``input`` failures are not retried)."""
    if isinstance(exc, InputError):
        return "input"
    if isinstance(exc, ModelError):
        return "model"
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, GaitlabError):
        return "input"
    return "crash"


def crash_message(exc: BaseException) -> str:
    """The one sentence stored for a failed video."""
    if isinstance(exc, GaitlabError):
        return exc.message
    from gaitlab.words import say

    detail = str(exc) or say("batch.error.no_details")
    return say("batch.error.crash", kind=type(exc).__name__, detail=detail)


def make_record(
    job: Job,
    *,
    status: str,
    error: str | None,
    error_kind: str | None,
    elapsed_s: float,
    outputs: Mapping[str, bool],
) -> dict[str, Any]:
    """The ``batch.json`` record of one video."""
    return {
        "record_version": RECORD_VERSION,
        "video": job.video,
        "path": job.path,
        "status": status,
        "error": error,
        "error_kind": error_kind,
        "key": job.key.key,
        "content_sha256": job.key.content_sha256,
        "settings_sha256": job.key.settings_sha256,
        "gaitlab_version": job.key.gaitlab_version,
        "outputs": dict(outputs),
        "attempts": job.attempt,
        "elapsed_s": round(elapsed_s, 3),
        "finished_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def save_outputs(analysis: Any, job: Job, staging: Path) -> None:
    """Write everything ``gaitlab analyze`` writes (and the chosen extras) into ``staging``."""
    analysis.save(staging)
    if job.trc:
        from gaitlab.export.trc import forward_from_view, write_trc

        clip = analysis.clips[0]
        forward = forward_from_view(clip.view.label, clip.view.facing)
        write_trc(clip.tracks, staging / f"{Path(job.path).stem}.trc", forward=forward)
    if job.report:
        from gaitlab.report import write_report  # loads matplotlib and OpenCV: only when asked

        write_report(analysis, staging, pdf=False, video=False)


def run_job(job: Job) -> dict[str, Any]:
    """Analyse one video and place its result folder; never raises for a bad video.

    Returns
    -------
    dict
        The record also written as ``batch.json`` in the result folder.
    """
    prepare_process()
    t0 = time.perf_counter()
    status, error, kind = "ok", None, None
    staging = None
    try:
        try:
            from gaitlab.api import analyze

            # one video per worker process, the cores already busy: one pass, no chunks
            config = job.config.with_overrides({"pose": {"chunks": 1}}, where="batch worker")
            analysis = analyze(job.path, config=config, model=job.model)
            staging = new_staging_dir(Path(job.out))  # only now: nothing on disk until then
            save_outputs(analysis, job, staging)
        except Exception as exc:  # one bad video is an error row; the batch goes on
            status, kind, error = "error", error_kind(exc), crash_message(exc)
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            staging = new_staging_dir(Path(job.out))
        record = make_record(
            job,
            status=status,
            error=error,
            error_kind=kind,
            elapsed_s=time.perf_counter() - t0,
            outputs={"report": job.report, "trc": job.trc},
        )
        write_json_atomic(staging / RECORD_FILE, record)
        place_folder(staging, Path(job.out) / job.video)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return record
