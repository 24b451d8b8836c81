"""Where the web app keeps files, and how uploads reach the disk.

Layout of the data folder (``gaitlab serve --data DIR``)::

    DIR/gaitlab.db           the database (with gaitlab.db-wal and gaitlab.db-shm beside it)
    DIR/uploads/<id>.<ext>   uploaded clips, named by a random id (never the client's name)
    DIR/reports/<id>/        one analysis: summary.json, strides.csv, report.html, report.pdf,
                             annotated.mp4, the landmarks
    DIR/work/                analyses in progress and uploads being received (swept at start)
    DIR/worker.log           the analysis workers' log (each job's outcome and time; errors)

A file is in ``uploads/`` or ``reports/`` only when it is complete: uploads are received into
``work/`` and renamed into place; an analysis writes into ``work/`` and its folder is renamed into
``reports/`` as the job is marked done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from gaitlab.words import say

#: Bytes read from the start of a file to recognise its container.
SNIFF_BYTES = 64

#: Fields other than the file in an upload form, each at most this long.
MAX_FIELD_BYTES = 4096

#: The downloads of a finished analysis: kind -> (usual file name in its folder, media type).
#: The report names its PDFs after the runner and the session date; the analysis lists the
#: names it used in :data:`FILES_INDEX`, which wins over the usual names.
DOWNLOADS: dict[str, tuple[str, str]] = {
    "pdf": ("report.pdf", "application/pdf"),
    "programme_pdf": ("home-programme.pdf", "application/pdf"),
    "csv": ("strides.csv", "text/csv"),
    "video": ("annotated.mp4", "video/mp4"),
    "json": ("summary.json", "application/json"),
}

#: In an analysis folder: what the report wrote, kind -> file name in the folder
#: (``{"pdf": "report-jane-doe-2026-12-01.pdf", "programme_pdf": ..., ...}``).
FILES_INDEX = "files.json"


#: The media type each container found by :func:`sniff_container` is served as (uploads are
#: stored as ``<id>.<container>``, so a stored clip's type never comes from the client).
VIDEO_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "avi": "video/x-msvideo",
}


@dataclasses.dataclass(frozen=True)
class Layout:
    """The folders of one data directory."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "gaitlab.db"

    @property
    def log_path(self) -> Path:
        return self.root / "worker.log"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def work(self) -> Path:
        return self.root / "work"

    def create(self) -> Layout:
        """Make the folders (private to the account running the server)."""
        for folder in (self.root, self.uploads, self.reports, self.work):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        return self

    def clip_path(self, stored_name: str) -> Path:
        return self.uploads / stored_name

    def report_dir(self, analysis_id: str) -> Path:
        return self.reports / analysis_id

    def job_work_dir(self, analysis_id: str, token: str) -> Path:
        return self.work / f"job-{analysis_id}-{token}"


def read_summary(layout: Layout, analysis_id: str) -> dict[str, Any] | None:
    """An analysis's ``summary.json``, or None when it is missing or unreadable."""
    try:
        return json.loads((layout.report_dir(analysis_id) / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_files_index(out_dir: Path, written: Mapping[str, Path]) -> Path:
    """Write :data:`FILES_INDEX`: the name of each file of :data:`DOWNLOADS` the report wrote
    (``written`` as :func:`gaitlab.report.write_report` returns it) that lies in ``out_dir``."""
    from gaitlab.io import write_json_atomic

    names = {
        kind: Path(path).name
        for kind, path in written.items()
        if kind in DOWNLOADS and Path(path).parent.resolve() == Path(out_dir).resolve()
    }
    return write_json_atomic(Path(out_dir) / FILES_INDEX, names)


def download_path(folder: Path, kind: str) -> Path | None:
    """The file of download ``kind`` in the analysis folder ``folder``: the name
    :data:`FILES_INDEX` gives (a plain file name in the folder), else the usual name; None
    when the kind is unknown or the file is missing."""
    if kind not in DOWNLOADS:
        return None
    try:
        listed = json.loads((folder / FILES_INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        listed = {}
    name = listed.get(kind) if isinstance(listed, dict) else None
    if not isinstance(name, str) or not _plain_name(name):
        name = DOWNLOADS[kind][0]
    path = folder / name
    return path if path.is_file() and not path.is_symlink() else None


def _plain_name(name: str) -> bool:
    """A file name without folders, not hidden."""
    return bool(name) and Path(name).name == name and not name.startswith(".") and "\\" not in name


def parse_date(text: str | None) -> _dt.date | None:
    """A ``YYYY-MM-DD`` date, or None when ``text`` is empty or not such a date."""
    try:
        return _dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def sniff_container(head: bytes) -> str | None:
    """The video container a file's first bytes announce, as a file extension, or None.

    Recognises ISO-BMFF (``ftyp`` box: MP4, MOV, M4V, 3GP), Matroska/WebM (EBML header) and
    AVI (RIFF ... AVI). The extension of the client's file name plays no part.
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "mov" if brand == b"qt  " else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:SNIFF_BYTES] else "mkv"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def served_clip(stored_name: str, display: str) -> tuple[str, str]:
    """The media type and the download file name of a stored clip: both from the container
    sniffed at upload (the stored name's extension), never from the client's file name."""
    ext = stored_name.rsplit(".", 1)[-1]
    stem = display.rsplit(".", 1)[0] if "." in display else display
    return VIDEO_TYPES.get(ext, "application/octet-stream"), f"{stem or 'clip'}.{ext}"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def display_name(client_name: str | None, *, max_chars: int = 80) -> str:
    """A harmless label from the client's file name: its last path part, with only letters,
    digits, space, dot, dash and underscore kept. Shown to people; never used as a path."""
    base = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip(" ._")
    return cleaned[:max_chars] or "clip"


class UploadRefusedError(Exception):
    """An upload that cannot be kept: ``status`` is the HTTP status, ``message`` the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclasses.dataclass(frozen=True)
class Received:
    """A file received into the work folder (not yet in ``uploads/``): ``path`` is
    ``work/upload-<random>/<display name>``."""

    path: Path
    client_name: str
    size_bytes: int
    sha256: str
    head: bytes
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)


class MultipartReceiver:
    """Streams one ``multipart/form-data`` body to disk, part by part, as it arrives.

    Small fields are kept in memory (``fields``); the single file part is written to a new file
    in ``work_dir`` with at most ``max_bytes`` bytes: one byte more raises
    :class:`UploadRefusedError` (413) and the partial file is removed. ``may_receive_file`` is
    asked, with the fields seen so far, before the first byte of the file is written (the CSRF
    check): False refuses with 403. A body that is not well-formed multipart refuses with 400
    (``malformed_message``); every refusal removes what was received of the file.
    """

    def __init__(
        self,
        boundary: bytes,
        work_dir: Path,
        *,
        max_bytes: int,
        may_receive_file: Callable[[dict[str, str]], bool],
        too_large_message: str,
        malformed_message: str,
    ) -> None:
        self.work_dir = work_dir
        self.max_bytes = max_bytes
        self.may_receive_file = may_receive_file
        self.too_large_message = too_large_message
        self.malformed_message = malformed_message
        self.fields: dict[str, str] = {}
        self.file: Received | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._name = ""
        self._filename: str | None = None
        self._buffer = bytearray()
        self._out = None
        self._path: Path | None = None
        self._size = 0
        self._hash = hashlib.sha256()
        self._head = b""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_cb,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    # parser callbacks ---------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers, self._buffer = {}, bytearray()
        self._header_name = self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._filename = None if filename is None else filename.decode("utf-8", "replace")
        if self._filename is None:
            return
        if self.file is not None or self._out is not None:
            raise UploadRefusedError(400, say("web.upload.one_clip"))
        if not self.may_receive_file(self.fields):
            raise UploadRefusedError(403, "csrf")
        # A folder of its own, holding the file under the client's (cleaned) name: a message
        # about the file (it cannot be read, it is too long) then names the user's file.
        folder = self.work_dir / f"upload-{secrets.token_hex(16)}"
        folder.mkdir()
        self._path = folder / display_name(self._filename)
        self._out = open(self._path, "xb")  # noqa: SIM115 (closed in _part_end or abort)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._out is None:
            if len(self._buffer) + len(chunk) > MAX_FIELD_BYTES:
                raise UploadRefusedError(400, say("web.upload.field_too_long"))
            self._buffer += chunk
            return
        self._size += len(chunk)
        if self._size > self.max_bytes:
            raise UploadRefusedError(413, self.too_large_message)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        self._hash.update(chunk)
        self._out.write(chunk)

    def _part_end(self) -> None:
        if self._out is None:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace")
            return
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self._out = None
        assert self._path is not None
        self.file = Received(
            self._path, self._filename or "", self._size, self._hash.hexdigest(), self._head
        )

    # driving ------------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        """Parse the next piece of the body (raises :class:`UploadRefusedError`)."""
        with self._refusing():
            self._parser.write(chunk)

    def finish(self) -> None:
        """Check the body ended where a form may end (raises :class:`UploadRefusedError`)."""
        with self._refusing():
            self._parser.finalize()
        if self._out is not None:  # the body ended inside the file part
            self.abort()
            raise UploadRefusedError(400, say("web.upload.cut_off"))

    @contextlib.contextmanager
    def _refusing(self) -> Iterator[None]:
        """Remove the partial file on a refusal, and refuse a malformed body (400)."""
        try:
            yield
        except UploadRefusedError:
            self.abort()
            raise
        except FormParserError:
            self.abort()
            raise UploadRefusedError(400, self.malformed_message) from None

    def abort(self) -> None:
        """Remove whatever was received of the file."""
        if self._out is not None:
            self._out.close()
            self._out = None
        for path in (self._path, self.file.path if self.file else None):
            if path is not None:
                discard_received(path)
        self.file = None


def discard_received(path: Path) -> None:
    """Remove a file received into ``work/`` and the folder made for it (missing is fine)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    with contextlib.suppress(FileNotFoundError, OSError):
        path.parent.rmdir()


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it survives a power cut once this returns)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def multipart_boundary(content_type: str) -> bytes | None:
    """The boundary of a ``multipart/form-data`` content type, or None for any other type."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary")


def remove_files(layout: Layout, clip_files: Iterable[str], analysis_ids: Iterable[str]) -> None:
    """Remove clips from ``uploads/`` and analysis folders from ``reports/`` (missing is fine)."""
    for name in clip_files:
        with contextlib.suppress(FileNotFoundError):
            layout.clip_path(name).unlink()
    for analysis_id in analysis_ids:
        shutil.rmtree(layout.report_dir(analysis_id), ignore_errors=True)


def sweep_orphans(layout: Layout, known_clips: set[str], known_analyses: set[str]) -> list[Path]:
    """Remove what no row refers to: clips and report folders of deleted rows (a crash between
    the delete and the file removal) and everything in ``work/`` (interrupted uploads and
    analyses, which are redone). Call it while no worker runs.

    Returns the paths removed.
    """
    removed = []
    for path in layout.uploads.iterdir():
        if path.name not in known_clips:
            path.unlink() if not path.is_dir() else shutil.rmtree(path)
            removed.append(path)
    for path in layout.reports.iterdir():
        if path.name not in known_analyses:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
    for path in layout.work.iterdir():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        removed.append(path)
    return removed
