"""Find, verify and download the MediaPipe pose bundle (``.task`` file).

gaitlab ships BlazePose GHUM 3D "full" as ``pose_landmarker_full.task``; "lite" and "heavy" can
be downloaded where the internet is reachable. The known bundles are listed in a TOML manifest
(``models/manifest.toml`` in the repository, ``gaitlab/_models/manifest.toml`` in the wheel):
file name, official URL, SHA-256 and size, and for the shipped file its own checksum.

A model *name* (``"full"``, ``"lite"``, ``"heavy"``) is looked up, first hit wins, in:

1. ``$GAITLAB_MODEL_DIR``;
2. the installed package data, ``importlib.resources.files("gaitlab") / "_models"``;
3. the source checkout's ``models/`` (the repository top, beside the package directory);
4. the user data directory, ``$XDG_DATA_HOME/gaitlab/models`` or ``~/.local/share/gaitlab/models``,
   where :func:`download_model` puts files.

The file found is checked against the manifest's SHA-256 (hashes are cached per path, mtime and
size). A *path* is used as given once it is shown to be a zip holding ``pose_detector.tflite``
and ``pose_landmarks_detector.tflite`` with intact members. Every failure is a
:class:`gaitlab.errors.ModelError` whose message says what is wrong and how to fix it.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import importlib.resources
import os
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gaitlab
from gaitlab.errors import ConfigError, ModelError
from gaitlab.io import atomic_path
from gaitlab.words import say

ModelSource = Literal["path", "env", "package", "checkout", "user", "download"]
"""Where a model file came from: a path given by the caller, one of the four lookup
directories, or a fresh download."""

ModelState = Literal["ok", "missing", "damaged", "unpinned"]
"""State of a manifest model: verified, not found, checksum or structure wrong, or present but
with no SHA-256 in the manifest to check it against."""

ProgressCallback = Callable[[int, int | None], None]
"""``progress(received_bytes, total_bytes)``; ``total_bytes`` is None when the server does not
say."""

MODEL_DIR_ENV = "GAITLAB_MODEL_DIR"
REQUIRED_MEMBERS: tuple[str, ...] = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
MANIFEST_FILE = "manifest.toml"
MANIFEST_SCHEMA_VERSION = 1
MAX_UNSIZED_DOWNLOAD_BYTES = 200 * 1024 * 1024
_CHUNK_BYTES = 1 << 16
_ENTRY_KEYS = frozenset(
    {
        "file",
        "url",
        "sha256",
        "size_bytes",
        "shipped",
        "shipped_sha256",
        "shipped_size_bytes",
        "provenance",
    }
)


@dataclass(frozen=True)
class ManifestEntry:
    """One known pose bundle.

    Attributes
    ----------
    name
        Short name (``"full"``).
    file
        File name looked up in the model directories.
    url
        Official download URL.
    sha256
        SHA-256 (lower-case hex) of the file ``url`` serves; ``""`` when not pinned yet.
    size_bytes
        Size of that file; 0 when unknown.
    shipped
        True when gaitlab ships this file.
    shipped_sha256, shipped_size_bytes
        Checksum and size of the shipped copy (a different zip of the same weights).
    provenance
        Where the file comes from.
    """

    name: str
    file: str
    url: str
    sha256: str
    size_bytes: int = 0
    shipped: bool = False
    shipped_sha256: str = ""
    shipped_size_bytes: int = 0
    provenance: str = ""

    @property
    def pinned(self) -> bool:
        """True if at least one checksum is recorded to verify a file against."""
        return bool(self.sha256 or self.shipped_sha256)

    def matches(self, sha256: str, size_bytes: int) -> bool:
        """Return True if a file with this hash and size is a genuine copy of this entry."""
        known = [(self.sha256, self.size_bytes)]
        if self.shipped:
            known.append((self.shipped_sha256, self.shipped_size_bytes))
        return any(sha and sha == sha256 and size in (0, size_bytes) for sha, size in known)


@dataclass(frozen=True)
class Manifest:
    """The known pose bundles, as read from a manifest file.

    Attributes
    ----------
    path
        The manifest file.
    default
        Name of the model used when none is given.
    models
        Entries by name.
    """

    path: Path
    default: str
    models: Mapping[str, ManifestEntry]

    def entry(self, name: str) -> ManifestEntry:
        """Return the entry called ``name``; raise :class:`ModelError` if there is none."""
        try:
            return self.models[name]
        except KeyError:
            choices = ", ".join(sorted(self.models))
            raise ModelError(say("error.model.unknown", name=name, choices=choices)) from None


@dataclass(frozen=True)
class ModelFile:
    """A pose bundle ready to load.

    Attributes
    ----------
    path
        The ``.task`` file.
    name
        Manifest name, or the file stem for a user file the manifest does not know.
    sha256
        SHA-256 of the file (lower-case hex).
    size_bytes
        File size.
    source
        Where it was found (see :data:`ModelSource`).
    verified
        True if the checksum matched one pinned in the manifest; False for a user file that only
        passed the structure check, or an unpinned download.
    """

    path: Path
    name: str
    sha256: str
    size_bytes: int
    source: ModelSource
    verified: bool


@dataclass(frozen=True)
class ModelStatus:
    """What ``gaitlab models`` shows for one manifest entry.

    Attributes
    ----------
    name, file
        Manifest name and file name.
    state
        ``"ok"``, ``"missing"``, ``"damaged"`` or ``"unpinned"``.
    path, source
        The copy that :func:`find_model` would use, and where it was found (None if missing).
    size_bytes, sha256
        Of that copy (None if missing).
    message
        One sentence on what to do; empty when ``state == "ok"``.
    """

    name: str
    file: str
    state: ModelState
    path: Path | None
    source: ModelSource | None
    size_bytes: int | None
    sha256: str | None
    message: str

    @property
    def verified(self) -> bool:
        """True if the copy in use matched the manifest's checksum."""
        return self.state == "ok"


# ---------------------------------------------------------------------------------------------
# Directories and the manifest


def user_model_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return the per-user model directory, where downloads go.

    ``$XDG_DATA_HOME/gaitlab/models``, or ``~/.local/share/gaitlab/models`` when the variable is
    unset or empty.
    """
    env = os.environ if environ is None else environ
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "gaitlab" / "models"


def package_model_dir() -> Path | None:
    """Return the installed package-data directory (``gaitlab/_models``), or None if the package
    does not live on a file system."""
    root = importlib.resources.files("gaitlab")
    return Path(str(root)) / "_models" if isinstance(root, Path) else None


def checkout_model_dir() -> Path:
    """Return ``models/`` at the top of the source checkout the package was imported from."""
    return Path(gaitlab.__file__).resolve().parents[1] / "models"


def model_search_dirs(environ: Mapping[str, str] | None = None) -> list[tuple[ModelSource, Path]]:
    """Return the model directories in lookup order, each with its source label.

    Parameters
    ----------
    environ
        Environment to read ``GAITLAB_MODEL_DIR`` and ``XDG_DATA_HOME`` from; ``os.environ`` by
        default.
    """
    env = os.environ if environ is None else environ
    dirs: list[tuple[ModelSource, Path]] = []
    if env.get(MODEL_DIR_ENV):
        dirs.append(("env", Path(env[MODEL_DIR_ENV]).expanduser()))
    package_dir = package_model_dir()
    if package_dir is not None:
        dirs.append(("package", package_dir))
    dirs.append(("checkout", checkout_model_dir()))
    dirs.append(("user", user_model_dir(env)))
    return dirs


def default_manifest_path() -> Path:
    """Return the manifest shipped in the package, or the checkout's ``models/manifest.toml``."""
    package_dir = package_model_dir()
    for directory in (package_dir, checkout_model_dir()):
        if directory is not None and (directory / MANIFEST_FILE).is_file():
            return directory / MANIFEST_FILE
    raise ModelError(say("error.model.manifest_missing_install"))


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check a model manifest.

    Parameters
    ----------
    path
        Manifest file; the shipped one (:func:`default_manifest_path`) when None.

    Raises
    ------
    ConfigError
        If the file cannot be read or an entry is malformed.
    ModelError
        If ``path`` is None and the shipped manifest is missing.
    """
    manifest_path = default_manifest_path() if path is None else Path(path)
    try:
        data = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(say("error.model.manifest_missing", path=manifest_path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            say("error.model.manifest_unreadable", path=manifest_path, problem=exc)
        ) from None
    return _parse_manifest(data, manifest_path)


def _parse_manifest(data: Mapping[str, Any], path: Path) -> Manifest:
    """Build a :class:`Manifest` from parsed TOML, raising :class:`ConfigError` on bad content."""
    version = data.get("schema_version", MANIFEST_SCHEMA_VERSION)
    if version != MANIFEST_SCHEMA_VERSION:
        raise ConfigError(
            say(
                "error.model.manifest_version",
                path=path,
                version=version,
                expected=MANIFEST_SCHEMA_VERSION,
            )
        )
    tables = data.get("models")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(say("error.model.manifest_no_models", path=path))
    models = {name: _parse_entry(name, table, path) for name, table in tables.items()}
    default = data.get("default", "full")
    if default not in models:
        raise ConfigError(say("error.model.manifest_no_default", path=path, default=default))
    return Manifest(path=path, default=default, models=models)


def _parse_entry(name: str, table: Any, path: Path) -> ManifestEntry:
    """Check one ``[models.NAME]`` table."""
    where = say("error.model.entry_where", name=name, path=path)
    if not isinstance(table, dict):
        raise ConfigError(say("error.model.entry_not_table", where=where, name=name))
    unknown = sorted(set(table) - _ENTRY_KEYS)
    if unknown:
        raise ConfigError(
            say(
                "error.model.entry_unknown_keys",
                where=where,
                unknown=", ".join(unknown),
                allowed=", ".join(sorted(_ENTRY_KEYS)),
            )
        )
    file = table.get("file")
    if not isinstance(file, str) or not file or Path(file).name != file:
        raise ConfigError(say("error.model.entry_file", where=where))
    url = table.get("url", "")
    if not isinstance(url, str):
        raise ConfigError(say("error.model.entry_url", where=where))
    shipped = table.get("shipped", False)
    if not isinstance(shipped, bool):
        raise ConfigError(say("error.model.entry_shipped", where=where, shipped=shipped))
    sha256 = _parse_sha256(table.get("sha256", ""), "sha256", where)
    shipped_sha256 = _parse_sha256(table.get("shipped_sha256", ""), "shipped_sha256", where)
    if shipped and not shipped_sha256:
        raise ConfigError(say("error.model.entry_shipped_sha256", where=where))
    provenance = table.get("provenance", "")
    if not isinstance(provenance, str):
        raise ConfigError(say("error.model.entry_provenance", where=where))
    return ManifestEntry(
        name=name,
        file=file,
        url=url,
        sha256=sha256,
        size_bytes=_parse_size(table.get("size_bytes", 0), "size_bytes", where),
        shipped=shipped,
        shipped_sha256=shipped_sha256,
        shipped_size_bytes=_parse_size(
            table.get("shipped_size_bytes", 0), "shipped_size_bytes", where
        ),
        provenance=provenance,
    )


def _parse_sha256(value: Any, key: str, where: str) -> str:
    """Return ``value`` as lower-case hex SHA-256 or ``""``; raise ConfigError otherwise."""
    if isinstance(value, str):
        digest = value.strip().lower()
        if digest == "" or (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            return digest
    raise ConfigError(say("error.model.entry_sha256", where=where, key=key, value=value))


def _parse_size(value: Any, key: str, where: str) -> int:
    """Return ``value`` as a non-negative int; raise ConfigError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ConfigError(say("error.model.entry_size", where=where, key=key, value=value))


# ---------------------------------------------------------------------------------------------
# Checksums and bundle structure


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 of a file, cached per (resolved path, mtime, size)."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _sha256_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _sha256_cached(path: str, mtime_ns: int, size_bytes: int) -> str:
    """Hash a file; the mtime and size arguments only key the cache."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def bundle_problem(path: str | Path) -> str | None:
    """Say what keeps ``path`` from being a MediaPipe pose bundle, or return None if it is one.

    A pose bundle is a zip holding ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``
    whose members pass their CRC check. The answer is cached per (path, mtime, size).
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _bundle_problem_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _bundle_problem_cached(path: str, mtime_ns: int, size_bytes: int) -> str | None:
    """Check the zip structure; the mtime and size arguments only key the cache."""
    try:
        with zipfile.ZipFile(path) as zf:
            missing = [m for m in REQUIRED_MEMBERS if m not in zf.namelist()]
            if missing:
                return say("model.problem.zip_without", missing=say("words.and").join(missing))
            bad_member = zf.testzip()
    except (zipfile.BadZipFile, EOFError):
        return say("model.problem.not_zip")
    except (OSError, ValueError, NotImplementedError) as exc:
        return say("model.problem.unreadable_zip", problem=exc)
    if bad_member is not None:
        return say("model.problem.corrupt_member", member=bad_member)
    return None


# ---------------------------------------------------------------------------------------------
# Lookup


def find_model(
    name_or_path: str | Path | None = None,
    *,
    manifest: Manifest | None = None,
    search_dirs: Sequence[tuple[ModelSource, Path]] | None = None,
) -> ModelFile:
    """Return the pose bundle to use, verified.

    Parameters
    ----------
    name_or_path
        A manifest name (``"full"``, ``"lite"``, ``"heavy"``), a path to any ``.task`` file
        (a :class:`~pathlib.Path` is always a path; a string is a name if the manifest knows
        it), or None for the manifest's default model.
    manifest
        Known bundles; the shipped manifest when None.
    search_dirs
        Lookup directories with their source labels, in order; :func:`model_search_dirs` when
        None.

    Returns
    -------
    ModelFile
        For a name: the first copy found, whose checksum matched the manifest. For a path: the
        file, once it passed the structure check (``verified`` says whether its checksum is one
        the manifest knows).

    Raises
    ------
    ModelError
        If the model is missing or damaged, or the path is not a pose bundle.
    """
    manifest = load_manifest() if manifest is None else manifest
    if name_or_path is None:
        name_or_path = manifest.default
    if isinstance(name_or_path, str) and name_or_path in manifest.models:
        return _find_named(manifest.entry(name_or_path), manifest, search_dirs)
    return _check_user_path(Path(name_or_path).expanduser(), manifest)


def _find_named(
    entry: ManifestEntry,
    manifest: Manifest,
    search_dirs: Sequence[tuple[ModelSource, Path]] | None,
) -> ModelFile:
    """Find and verify the manifest model ``entry``."""
    dirs = model_search_dirs() if search_dirs is None else search_dirs
    for source, directory in dirs:
        candidate = directory / entry.file
        if candidate.is_file():
            return _verify_named(candidate, source, entry, manifest)
    where = ", ".join(str(directory) for _, directory in dirs)
    raise ModelError(
        say(
            "error.model.not_found",
            name=entry.name,
            file=entry.file,
            where=where,
            fix=_fix_hint(entry, None),
        )
    )


def _verify_named(
    path: Path, source: ModelSource, entry: ManifestEntry, manifest: Manifest
) -> ModelFile:
    """Check a found copy of ``entry`` against the manifest's checksums."""
    size_bytes = path.stat().st_size
    sha256 = file_sha256(path)
    if entry.matches(sha256, size_bytes):
        return ModelFile(path, entry.name, sha256, size_bytes, source, verified=True)
    if not entry.pinned:
        raise ModelError(_unpinned_message(path, entry, manifest))
    raise ModelError(
        say(
            "error.model.damaged",
            path=path,
            sha256_start=sha256[:12],
            fix=_fix_hint(entry, source),
        )
    )


def _unpinned_message(path: Path, entry: ManifestEntry, manifest: Manifest) -> str:
    """Message for a manifest model that has no checksum to verify against."""
    return say("error.model.unpinned", manifest=manifest.path, name=entry.name, path=path)


def _fix_hint(entry: ManifestEntry, source: ModelSource | None) -> str:
    """How to get a good copy of ``entry``; ``source`` is where a bad copy was found (None if
    there is none)."""
    if source == "package":
        return say("model.fix.reinstall")
    if source == "checkout":
        return say("model.fix.restore", file=entry.file)
    get = say("model.fix.get", name=entry.name, file=entry.file, folder=user_model_dir())
    if entry.shipped:
        get = say("model.fix.reinstall_or", get=get)
    return get if source is None else say("model.fix.delete_then", get=get)


def _check_user_path(path: Path, manifest: Manifest) -> ModelFile:
    """Accept any pose bundle the caller names by path."""
    names = ", ".join(sorted(manifest.models))
    if not path.exists():
        raise ModelError(say("error.model.path_missing", path=path, names=names))
    if not path.is_file():
        raise ModelError(say("error.model.path_not_file", path=path))
    problem = bundle_problem(path)
    if problem is not None:
        raise ModelError(
            say("error.model.path_not_bundle", path=path, problem=problem, names=names)
        )
    size_bytes = path.stat().st_size
    sha256 = file_sha256(path)
    for entry in manifest.models.values():
        if entry.matches(sha256, size_bytes):
            return ModelFile(path, entry.name, sha256, size_bytes, "path", verified=True)
    return ModelFile(path, path.stem, sha256, size_bytes, "path", verified=False)


def list_models(
    *,
    manifest: Manifest | None = None,
    search_dirs: Sequence[tuple[ModelSource, Path]] | None = None,
) -> list[ModelStatus]:
    """Return the state of every manifest model, in manifest order.

    Parameters
    ----------
    manifest
        Known bundles; the shipped manifest when None.
    search_dirs
        Lookup directories; :func:`model_search_dirs` when None.
    """
    manifest = load_manifest() if manifest is None else manifest
    dirs = model_search_dirs() if search_dirs is None else list(search_dirs)
    statuses = []
    for entry in manifest.models.values():
        found = next(((src, d / entry.file) for src, d in dirs if (d / entry.file).is_file()), None)
        if found is None:
            statuses.append(
                ModelStatus(
                    entry.name,
                    entry.file,
                    "missing",
                    None,
                    None,
                    None,
                    None,
                    say("model.status.missing", fix=_fix_hint(entry, None)),
                )
            )
            continue
        source, path = found
        size_bytes = path.stat().st_size
        sha256 = file_sha256(path)
        if entry.matches(sha256, size_bytes):
            state: ModelState = "ok"
            message = ""
        elif not entry.pinned:
            state, message = "unpinned", _unpinned_message(path, entry, manifest)
        else:
            state = "damaged"
            message = say("model.status.damaged", path=path, fix=_fix_hint(entry, source))
        statuses.append(
            ModelStatus(entry.name, entry.file, state, path, source, size_bytes, sha256, message)
        )
    return statuses


# ---------------------------------------------------------------------------------------------
# Download


def download_model(
    name: str,
    *,
    dest_dir: str | Path | None = None,
    url: str | None = None,
    timeout_s: float = 60.0,
    progress: ProgressCallback | None = None,
    allow_unpinned: bool = False,
    manifest: Manifest | None = None,
) -> ModelFile:
    """Download a manifest model, verify it and move it into place atomically.

    The file is streamed to a temporary ``.part`` file in ``dest_dir``, its size and SHA-256 are
    checked against the manifest, its zip structure is checked, and only then is it renamed onto
    ``dest_dir / entry.file``. On any error (network, checksum, interruption) nothing is left
    behind. A verified copy already at the destination is returned without a download.

    Parameters
    ----------
    name
        Manifest name (``"lite"``, ``"full"``, ``"heavy"``).
    dest_dir
        Target directory; :func:`user_model_dir` when None.
    url
        Source URL; the manifest's when None (a mirror, or a ``file://`` URL, also works).
    timeout_s
        Socket timeout for connecting and for each read.
    progress
        Called after every chunk with ``(received_bytes, total_bytes)``.
    allow_unpinned
        Download even if the manifest has no SHA-256 for this model; the returned
        :attr:`ModelFile.sha256` is then the hash to pin, and ``verified`` is False.
    manifest
        Known bundles; the shipped manifest when None.

    Returns
    -------
    ModelFile
        The installed file (``source == "download"``).

    Raises
    ------
    ModelError
        If the model is unknown or unpinned, the server cannot be reached, the transfer breaks,
        or the file fails its checks.
    """
    manifest = load_manifest() if manifest is None else manifest
    entry = manifest.entry(name)
    target_dir = user_model_dir() if dest_dir is None else Path(dest_dir).expanduser()
    source_url = entry.url if url is None else url
    if not entry.sha256 and not allow_unpinned:
        raise ModelError(
            say(
                "error.model.download_unpinned",
                manifest=manifest.path,
                file=entry.file,
                target=target_dir,
            )
        )
    if not source_url:
        raise ModelError(
            say("error.model.download_no_url", manifest=manifest.path, name=entry.name)
        )
    dest = target_dir / entry.file
    if entry.sha256 and dest.is_file():
        size_bytes = dest.stat().st_size
        sha256 = file_sha256(dest)
        if entry.matches(sha256, size_bytes):
            return ModelFile(dest, entry.name, sha256, size_bytes, "download", verified=True)

    expected_size = entry.size_bytes or None
    try:
        with atomic_path(dest) as tmp:
            sha256, size_bytes = _fetch(
                source_url,
                tmp,
                expected_size=expected_size,
                timeout_s=timeout_s,
                progress=progress,
                offline_hint=say("model.fix.offline", file=entry.file, folder=target_dir),
            )
            _check_download(entry, source_url, tmp, sha256, size_bytes, manifest)
    except OSError as exc:  # creating, writing or renaming in the destination
        raise ModelError(
            say("error.model.cannot_write", path=dest, problem=exc.strerror or exc)
        ) from None
    return ModelFile(dest, entry.name, sha256, size_bytes, "download", verified=bool(entry.sha256))


def _fetch(
    url: str,
    out_path: Path,
    *,
    expected_size: int | None,
    timeout_s: float,
    progress: ProgressCallback | None,
    offline_hint: str,
) -> tuple[str, int]:
    """Stream ``url`` into ``out_path``; return (sha256, size). Network errors -> ModelError."""
    limit_bytes = expected_size if expected_size is not None else MAX_UNSIZED_DOWNLOAD_BYTES
    request = urllib.request.Request(url, headers={"User-Agent": f"gaitlab/{gaitlab.__version__}"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        raise ModelError(
            say(
                "error.model.http_error",
                url=url,
                code=exc.code,
                reason=exc.reason,
                offline=offline_hint,
            )
        ) from None
    except urllib.error.URLError as exc:
        raise ModelError(
            say("error.model.unreachable", url=url, problem=exc.reason, offline=offline_hint)
        ) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise ModelError(
            say("error.model.unreachable", url=url, problem=exc, offline=offline_hint)
        ) from None

    digest = hashlib.sha256()
    received = 0
    with response, open(out_path, "wb") as fh:
        length = response.headers.get("Content-Length")
        total_bytes = int(length) if length and length.isdigit() else None
        while True:
            try:
                chunk = response.read(_CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as exc:
                raise ModelError(
                    say(
                        "error.model.broke_off",
                        url=url,
                        received=received,
                        problem=repr(exc),
                        offline=offline_hint,
                    )
                ) from None
            if not chunk:
                break
            received += len(chunk)
            if received > limit_bytes:
                raise ModelError(say("error.model.too_long", url=url, limit=limit_bytes))
            fh.write(chunk)
            digest.update(chunk)
            if progress is not None:
                progress(received, total_bytes)
    if total_bytes is not None and received < total_bytes:
        raise ModelError(
            say(
                "error.model.cut_short",
                url=url,
                received=received,
                total=total_bytes,
                offline=offline_hint,
            )
        )
    return digest.hexdigest(), received


def _check_download(
    entry: ManifestEntry,
    url: str,
    path: Path,
    sha256: str,
    size_bytes: int,
    manifest: Manifest,
) -> None:
    """Raise ModelError unless the downloaded file matches the manifest and is a pose bundle."""
    if entry.size_bytes and size_bytes != entry.size_bytes:
        raise ModelError(
            say(
                "error.model.wrong_size",
                url=url,
                size=size_bytes,
                expected=entry.size_bytes,
                manifest=manifest.path,
                file=entry.file,
            )
        )
    if entry.sha256 and sha256 != entry.sha256:
        raise ModelError(
            say(
                "error.model.wrong_sha256",
                url=url,
                sha256=sha256,
                expected=entry.sha256,
                manifest=manifest.path,
            )
        )
    problem = bundle_problem(path)
    if problem is not None:
        raise ModelError(say("error.model.download_not_bundle", url=url, problem=problem))
