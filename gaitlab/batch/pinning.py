"""Pin each local worker process to one core (a Dask worker plugin).

Imported by the client only when it starts a local cluster; Dask sends the plugin to every
worker, including one restarted after a crash.
"""

from __future__ import annotations

import os
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


def pin_process(core: int) -> None:
    """Pin every thread of this process to ``core`` (threads started later inherit it)."""
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), {core})
        except (ProcessLookupError, PermissionError):  # a thread that just ended
            continue


class PinCores(WorkerPlugin):
    """Worker ``k`` of a local cluster runs on the ``k``-th usable core (modulo their count)."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        cores = sorted(os.sched_getaffinity(0))
        index = worker.name if isinstance(worker.name, int) else sum(map(ord, str(worker.name)))
        pin_process(cores[index % len(cores)])
