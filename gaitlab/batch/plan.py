"""What a batch has to do: find the videos, key each one, and decide analyse / skip / reuse.

A video's results are keyed on three things, so that a rerun is exact and cheap:

* ``content_sha256``: the SHA-256 of the file's bytes (a renamed or moved file keeps its key,
  a file whose content changed gets a new one);
* ``settings_sha256``: the SHA-256 of the analysis settings (the whole configuration, the pose
  model's checksum, and the output options that change what is written);
* ``gaitlab_version``.

Each video's results live in ``OUT/<path relative to FOLDER>/``; the folder is placed in one
rename when complete, with a ``batch.json`` record of the key, the status and the error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from gaitlab.config import Settings

#: File name extensions taken as videos (lower case, compared case-insensitively).
VIDEO_EXTENSIONS: tuple[str, ...] = (
    ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv",
    ".3gp", ".mts", ".m2ts", ".ts", ".ogv",
)  # fmt: skip

#: The record written (last) into every video's result folder.
RECORD_FILE = "batch.json"
#: Version of the record's layout.
RECORD_VERSION = 1
#: The batch's own working folder inside OUT (staging area, lock).
WORK_DIR = ".gaitlab-batch"

Action = Literal["analyse", "skip", "reuse"]


@dataclasses.dataclass(frozen=True)
class VideoKey:
    """The cache key of one video's results."""

    content_sha256: str
    settings_sha256: str
    gaitlab_version: str

    @property
    def key(self) -> str:
        """One hex string combining the three parts."""
        text = f"{self.content_sha256}:{self.settings_sha256}:{self.gaitlab_version}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class PlanItem:
    """One video and what the batch will do with it.

    Attributes
    ----------
    video
        Path relative to the batch folder, with ``/`` separators (the ``video`` column).
    path
        Absolute path of the video file.
    key
        Its cache key.
    action
        ``"analyse"``, ``"skip"`` (its folder already holds results for this key) or
        ``"reuse"`` (results for this key exist under another name: copied, not re-analysed).
    source
        For ``"reuse"``: the result folder the results are taken from.
    size_bytes
        File size (long videos are sent to the workers first).
    """

    video: str
    path: Path
    key: VideoKey
    action: Action
    source: Path | None = None
    size_bytes: int = 0


def find_videos(folder: Path, *, exclude: Sequence[Path] = ()) -> list[Path]:
    """Every video file under ``folder`` (recursively, by extension), sorted by relative path.

    Hidden files and folders (name starting with ``.``) and anything under ``exclude`` are
    left out.
    """
    folder = Path(folder)
    excluded = [Path(p).resolve() for p in exclude]
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        root_path = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (root_path / d).resolve() not in excluded
        )
        for name in files:
            if name.startswith(".") or Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
                continue
            path = root_path / name
            if path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: relative_name(p, folder))


def relative_name(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` with ``/`` separators."""
    return Path(path).relative_to(folder).as_posix()


def file_sha256(path: Path, *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def settings_sha256(config: Settings, *, model_sha256: str, outputs: Mapping[str, Any]) -> str:
    """SHA-256 of everything besides the video that changes a video's results.

    Parameters
    ----------
    config
        The whole configuration (every setting may change a number).
    model_sha256
        The pose model file's checksum (the same name may point at another file).
    outputs
        Output options that change what is written (``report``, ``trc``).
    """
    text = json.dumps(
        {"config": config.to_dict(), "model_sha256": model_sha256, "outputs": dict(outputs)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def read_record(folder: Path) -> dict[str, Any] | None:
    """The ``batch.json`` record of a result folder, or None when absent or unreadable."""
    try:
        record = json.loads((Path(folder) / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "key" in record else None


def scan_records(out: Path) -> dict[str, dict[str, Any]]:
    """Every result folder under ``out`` with its record, by the folder's path relative to out.

    The batch's working folder and hidden folders are not looked into.
    """
    found: dict[str, dict[str, Any]] = {}
    out = Path(out)
    if not out.is_dir():
        return found
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if RECORD_FILE in files:
            record = read_record(Path(root))
            if record is not None:
                found[relative_name(Path(root), out)] = record
    return found


def is_reusable(record: Mapping[str, Any]) -> bool:
    """Whether a record's results stand for its key without redoing the analysis.

    Successful analyses stand; so do input errors (the file's content cannot be analysed, and
    the key changes with the content). Other failures (a crash, a lost worker) are redone.
    """
    return record.get("status") == "ok" or record.get("error_kind") == "input"


def plan(
    videos: Iterable[Path],
    folder: Path,
    out: Path,
    *,
    settings_hash: str,
    gaitlab_version: str,
    reuse: bool = True,
) -> list[PlanItem]:
    """Decide, for each video, whether to analyse it, skip it or reuse results found elsewhere.

    Parameters
    ----------
    videos
        The video files (absolute or relative to the working directory).
    folder, out
        The batch folder and the output folder.
    settings_hash, gaitlab_version
        The current run's key parts besides the content.
    reuse
        Whether results found under another name may be taken over (not when reports are
        written: a report names its clip inside the page).
    """
    records = scan_records(out)
    by_key: dict[str, str] = {}
    for name, record in sorted(records.items()):
        if record.get("status") == "ok" and (Path(out) / name / "summary.json").is_file():
            by_key.setdefault(str(record["key"]), name)
    items = []
    for path in videos:
        name = relative_name(path, folder)
        key = VideoKey(file_sha256(path), settings_hash, gaitlab_version)
        size = path.stat().st_size
        here = records.get(name)
        if here is not None and here.get("key") == key.key and is_reusable(here):
            items.append(PlanItem(name, path.resolve(), key, "skip", size_bytes=size))
        elif reuse and key.key in by_key:
            source = Path(out) / by_key[key.key]
            items.append(PlanItem(name, path.resolve(), key, "reuse", source, size))
        else:
            items.append(PlanItem(name, path.resolve(), key, "analyse", size_bytes=size))
    return items
