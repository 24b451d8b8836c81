"""The README's recipe for an existing Dask cluster, run as written, on loopback.

    dask scheduler                                            # on one machine: tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 4 --nthreads 1     # on each machine
    gaitlab batch /shared/clips --out /shared/results --scheduler tcp://HOST:8786

Here "each machine" is two ``dask worker --nthreads 1`` processes, and HOST is 127.0.0.1. The
scheduler listens on a port the system picks (so a scheduler already on 8786, or another test
run, does not meet this one) and says which in its scheduler file; the workers are then started
with that address, as the recipe does. Every process is stopped at the end, even on a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psutil
import pytest

from gaitlab.batch.plan import RECORD_FILE
from tests.conftest import MALE_SIDE, run_ffmpeg, run_gaitlab

DASK = Path(sys.executable).parent / "dask"
VIDEOS = ("first4s.mp4", "later/from6s_3s.mp4")
#: How long the scheduler and the workers may take to start on a loaded machine.
START_TIMEOUT_S = 120


def _start(args: list[str], log: Path) -> subprocess.Popen:
    """A process in its own session (so it and its children can be stopped together)."""
    return subprocess.Popen(
        [str(DASK), *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL what is left after 20 s."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_for(what: str, ready, procs: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            tails = "\n".join(f"--- {log.name}\n{log.read_text()[-1500:]}" for log in logs)
            pytest.fail(f"{what}: {'a process ended' if dead else 'timed out'}\n{tails}")
        time.sleep(0.2)


@pytest.fixture()
def external_cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """``dask scheduler`` and two ``dask worker ADDRESS --nthreads 1`` on loopback."""
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    logs = [tmp_path / "scheduler.log", tmp_path / "worker1.log", tmp_path / "worker2.log"]
    procs: list[subprocess.Popen] = []
    try:
        procs.append(
            _start(
                ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                 "--scheduler-file", str(scheduler_file)],
                logs[0],
            )
        )  # fmt: skip
        _wait_for("the scheduler", scheduler_file.is_file, procs, logs[:1])
        time.sleep(0.2)  # the file is written whole, but give the writer a moment to close it
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:"), address
        for log in logs[1:]:
            procs.append(
                _start(
                    ["worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                     "--no-dashboard"],
                    log,
                )
            )  # fmt: skip
        with Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT_S)
        yield address, procs[1:]
    finally:
        _stop(procs)


def test_readme_recipe_on_an_existing_cluster(tmp_path, external_cluster):
    address, workers = external_cluster
    clips, out = tmp_path / "clips", tmp_path / "results"
    (clips / "later").mkdir(parents=True)
    run_ffmpeg("-i", MALE_SIDE, "-t", "4", "-c", "copy", "-an", clips / VIDEOS[0])
    run_ffmpeg("-ss", 6, "-i", MALE_SIDE, "-t", 3, "-an", "-c:v", "libx264",
               "-preset", "ultrafast", "-crf", "18", clips / VIDEOS[1])  # fmt: skip
    config = tmp_path / "steps3.toml"  # the short clips have 3-4 usable steps per side
    config.write_text("[findings]\nmin_steps_per_side = 3\n")

    proc = run_gaitlab("batch", clips, "--out", out, "--scheduler", address, "--config", config)

    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.strip().splitlines()[-1].startswith("2 of 2 videos ok, 0 failed")
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["video"]) == sorted(VIDEOS)
    assert (summary["status"] == "ok").all()
    assert summary["cadence_spm"].between(160, 178).all()  # the sample runs at 168.9 steps/min
    strides = pd.read_csv(out / "strides.csv")
    assert set(strides["video"]) == set(VIDEOS)
    for video in VIDEOS:
        assert len(strides[strides["video"] == video]) == len(
            pd.read_csv(out / video / "strides.csv")
        )
    run = json.loads((out / "run.json").read_text())
    assert run["cluster"]["scheduler"] == address
    assert run["cluster"]["workers"] == 2
    # the videos were analysed by the external workers' processes, not by the command itself
    worker_pids = {
        child.pid for w in workers for child in psutil.Process(w.pid).children(recursive=True)
    } | {w.pid for w in workers}
    for video in VIDEOS:
        record = json.loads((out / video / RECORD_FILE).read_text())
        assert record["status"] == "ok"
        assert record["pid"] in worker_pids, (record["pid"], worker_pids)
