"""Writing the benchmark's ``RESULTS_*`` files: the command that made them first, then the facts.

Every ``RESULTS_<name>.md`` in this folder starts with the exact command (run from the
repository root) that wrote it, then the date, the machine and its load, the gaitlab commit and
the MediaPipe version, then the tables; ``RESULTS_<name>.json`` holds the same figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def command_line(script: str, argv: list[str] | None = None) -> str:
    """The command as typed from the repository root (paths made relative to it)."""
    args = sys.argv[1:] if argv is None else argv
    root = HERE.parent.parent
    out = []
    for a in args:
        p = Path(a)
        if p.is_absolute():
            try:
                a = str(p.resolve().relative_to(root))
            except ValueError:
                a = os.path.relpath(p.resolve(), root)
        out.append(shlex.quote(a))
    return " ".join(["benchmarks/render/.venv/bin/python", f"benchmarks/render/{script}", *out])


def meta() -> dict[str, Any]:
    """Date, machine, load, versions."""
    try:
        import mediapipe

        mp_version = str(mediapipe.__version__)
    except ImportError:
        mp_version = "not installed"
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load = os.getloadavg()
    return {
        "date": dt.datetime.now().isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "load_average": round(load[0], 1),
        "commit": commit,
        "mediapipe": mp_version,
    }


def write(name: str, command: str, title: str, body_md: str, data: dict[str, Any]) -> Path:
    """Write ``RESULTS_<name>.md`` and ``.json`` here (atomically); returns the .md path."""
    m = meta()
    head = (
        f"# {title}\n\n"
        f"Made by (from the repository root):\n\n```sh\n{command}\n```\n\n"
        f"Run {m['date']} on {m['machine']} (load average {m['load_average']} while it ran: "
        f"timings are indications), commit {m['commit']}, MediaPipe {m['mediapipe']}.\n\n"
    )
    md = HERE / f"RESULTS_{name}.md"
    js = HERE / f"RESULTS_{name}.json"
    for path, text in (
        (md, head + body_md.rstrip() + "\n"),
        (js, json.dumps({"command": command, "meta": m, **data}, indent=1, default=float)),
    ):
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text)
        os.replace(tmp, path)
    return md
