"""Keep native libraries' log lines (TFLite, MediaPipe, FFmpeg) away from the user.

MediaPipe and LiteRT write to file descriptor 2 from C++, so Python's ``sys.stderr`` cannot catch
them. :func:`silence_native_stderr` points descriptor 2 at ``/dev/null`` (or a log file) and gives
Python's ``sys.stderr`` a private duplicate of the original, so gaitlab's own words, progress bars
and ``--debug`` tracebacks still reach the terminal. Called by the command line and the batch/web
workers at start-up, never at import.
"""

from __future__ import annotations

import io
import os
import sys


def silence_native_stderr(log_path: str | None = None) -> None:
    """Send native writes to descriptor 2 to ``log_path`` (default ``/dev/null``) for the rest of
    the process, keeping Python's ``sys.stderr`` on the original stream."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no descriptor 2 (e.g. a detached process)
        return
    target = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(target, 2)
    os.close(target)
    sys.stderr = io.TextIOWrapper(
        os.fdopen(saved, "wb", buffering=0),
        encoding="utf-8",
        errors="replace",
        line_buffering=True,
        write_through=True,
    )
