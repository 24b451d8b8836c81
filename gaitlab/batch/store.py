"""Result folders that are never seen half-written.

A video's results are written into a staging folder inside ``OUT/.gaitlab-batch/staging/`` and
then put in place with :func:`place_folder`: the old folder (if any) is renamed out of the way,
the staging folder renamed onto the target, and the old one deleted. Renames on one file system
are atomic, so ``OUT/<video>/`` is either absent, the old complete results, or the new complete
results. Whatever a killed process leaves in the staging area is removed by the next run.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from gaitlab.batch.plan import RECORD_FILE, WORK_DIR
from gaitlab.errors import GaitlabError
from gaitlab.io import atomic_path, write_json_atomic
from gaitlab.words import say

_PLACE_TRIES = 5


def work_dir(out: Path) -> Path:
    """The batch's own folder inside ``out`` (hidden, never scanned for results)."""
    return Path(out) / WORK_DIR


def staging_root(out: Path) -> Path:
    """Where workers write results before they are placed."""
    return work_dir(out) / "staging"


def new_staging_dir(out: Path) -> Path:
    """A fresh, empty staging folder."""
    path = staging_root(out) / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


def clear_staging(out: Path) -> None:
    """Remove what an interrupted run left in the staging area (call with the lock held)."""
    for name in ("staging", "trash"):
        shutil.rmtree(work_dir(out) / name, ignore_errors=True)


@contextlib.contextmanager
def batch_lock(out: Path) -> Iterator[None]:
    """Hold ``OUT/.gaitlab-batch/lock`` for the run, so two batches never write one OUT.

    Raises
    ------
    GaitlabError
        When another batch holds the lock.
    """
    work_dir(out).mkdir(parents=True, exist_ok=True)
    with open(work_dir(out) / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GaitlabError(say("batch.error.locked", out=out)) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def place_folder(staging: Path, target: Path) -> Path:
    """Put the complete folder ``staging`` at ``target`` (replacing it) by renames.

    ``staging`` and ``target`` must be on one file system (staging lives inside OUT).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    trash_root = Path(staging).parent.parent / "trash"
    for _ in range(_PLACE_TRIES):
        old = None
        if target.exists():
            trash_root.mkdir(parents=True, exist_ok=True)
            old = trash_root / uuid.uuid4().hex
            with contextlib.suppress(FileNotFoundError):
                os.replace(target, old)
        try:
            os.replace(staging, target)
        except OSError as exc:  # another writer placed the same video in between: try again
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            continue
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return target
    raise OSError(f"could not place results at {target}")


def remove_folder(target: Path, out: Path) -> None:
    """Delete a result folder: renamed away first, so it never looks half-deleted."""
    trash = work_dir(out) / "trash" / uuid.uuid4().hex
    trash.parent.mkdir(parents=True, exist_ok=True)
    os.replace(target, trash)
    shutil.rmtree(trash, ignore_errors=True)
    parent = Path(target).parent
    while parent != Path(out) and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with every string equal to a key of ``names`` replaced (recursively)."""
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    return value


def copy_renamed(
    source: Path, staging: Path, *, old_path: Path, new_path: Path, record: Mapping[str, Any]
) -> None:
    """Copy a result folder into ``staging`` for a video that was renamed (or copied).

    The clip's name and path are rewritten wherever the results state them: in
    ``summary.json`` (clip name, path, ``video.file``, the ``clip`` of every metric and finding),
    in the ``clip`` column of ``strides.csv``, and in the landmark files' names. The record is
    replaced by ``record``.
    """
    old_name, new_name = old_path.name, new_path.name
    names = {old_name: new_name, str(old_path): str(new_path)}
    old_stem, new_stem = old_path.stem, new_path.stem
    for item in sorted(Path(source).iterdir()):
        if item.name == RECORD_FILE or not item.is_file():
            continue
        dest = staging / item.name.replace(f"{old_stem}.", f"{new_stem}.", 1)
        if item.name == "summary.json":
            summary = json.loads(item.read_text(encoding="utf-8"))
            write_json_atomic(dest, _renamed(summary, names))
        elif item.name == "strides.csv":
            with open(item, newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            col = rows[0].index("clip") if rows and "clip" in rows[0] else None
            for row in rows[1:] if col is not None else ():
                row[col] = names.get(row[col], row[col])
            with atomic_path(dest) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)
        else:
            shutil.copy2(item, dest)
    write_json_atomic(staging / RECORD_FILE, dict(record))
