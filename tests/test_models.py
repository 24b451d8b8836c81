"""Tests for gaitlab.pose.model: finding, verifying and downloading the pose bundle.

Downloads go to a local HTTP server on 127.0.0.1 (a thread in this process) that serves a small
pose-bundle-shaped zip made in ``tmp_path``; nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gaitlab.errors import ConfigError, ModelError
from gaitlab.pose.model import (
    REQUIRED_MEMBERS,
    Manifest,
    download_model,
    find_model,
    list_models,
    load_manifest,
    model_search_dirs,
    user_model_dir,
)

REPO_MODELS = Path(__file__).resolve().parents[1] / "models"
SHIPPED = REPO_MODELS / "pose_landmarker_full.task"
# Known answer: the checksum recorded for the shipped bundle in models/README.md.
SHIPPED_SHA256 = "0db1221a7ad29b3c4ca20eeaed7ec99ffbad0cf9ccdbe9b3e79f42adb949f887"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the caller's GAITLAB_MODEL_DIR and data directory out of every test."""
    monkeypatch.delenv("GAITLAB_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_bundle(path: Path, payload: bytes = b"weights") -> bytes:
    """Write a small zip shaped like a pose bundle (the two required members); return its bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for member in REQUIRED_MEMBERS:
            zf.writestr(member, payload * 4096 + member.encode())
    return path.read_bytes()


def write_manifest(path: Path, *, url: str, sha256: str, size_bytes: int) -> Manifest:
    """Write a one-model manifest ("tiny") and load it."""
    path.write_text(
        "schema_version = 1\n"
        'default = "tiny"\n'
        "[models.tiny]\n"
        'file = "pose_landmarker_tiny.task"\n'
        f'url = "{url}"\n'
        f'sha256 = "{sha256}"\n'
        f"size_bytes = {size_bytes}\n",
        encoding="utf-8",
    )
    return load_manifest(path)


# ---------------------------------------------------------------------------------------------
# The shipped model


def test_shipped_model_is_found_and_verified() -> None:
    model = find_model()
    assert model.name == "full"
    assert model.verified
    assert model.sha256 == SHIPPED_SHA256
    assert model.size_bytes == SHIPPED.stat().st_size
    assert model.source in ("package", "checkout")
    assert find_model("full") == model  # second call: same answer (hash served from the cache)


def test_shipped_manifest_records_the_shipped_file() -> None:
    manifest = load_manifest(REPO_MODELS / "manifest.toml")
    assert set(manifest.models) == {"full", "lite", "heavy"}
    full = manifest.entry("full")
    assert full.shipped and full.file == SHIPPED.name
    assert full.shipped_sha256 == sha256_hex(SHIPPED.read_bytes()) == SHIPPED_SHA256
    assert full.shipped_size_bytes == SHIPPED.stat().st_size
    for entry in manifest.models.values():
        assert entry.url.startswith("https://storage.googleapis.com/mediapipe-models/")
        assert entry.url.endswith("/" + entry.file)


def test_shipped_file_given_as_path_is_recognised() -> None:
    model = find_model(SHIPPED)
    assert (model.name, model.source, model.verified) == ("full", "path", True)


# ---------------------------------------------------------------------------------------------
# Lookup, damage, missing files, bad paths


def test_model_dir_env_is_searched_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_dir = tmp_path / "env-models"
    env_dir.mkdir()
    shutil.copyfile(SHIPPED, env_dir / SHIPPED.name)
    monkeypatch.setenv("GAITLAB_MODEL_DIR", str(env_dir))
    assert model_search_dirs()[0] == ("env", env_dir)
    model = find_model("full")
    assert (model.path, model.source, model.verified) == (env_dir / SHIPPED.name, "env", True)


def test_damaged_copy_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = bytearray(SHIPPED.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed, size unchanged
    damaged = tmp_path / SHIPPED.name
    damaged.write_bytes(bytes(data))
    monkeypatch.setenv("GAITLAB_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelError, match=r"is damaged .*gaitlab models download full"):
        find_model("full")
    states = {s.name: s for s in list_models()}
    assert states["full"].state == "damaged" and not states["full"].verified
    assert states["full"].path == damaged
    # The same file passed as a path fails the zip CRC check instead.
    with pytest.raises(ModelError, match="is corrupt"):
        find_model(damaged)


def test_missing_model_raises_with_the_fix(tmp_path: Path) -> None:
    dirs = [("env", tmp_path / "a"), ("user", tmp_path / "b")]
    with pytest.raises(ModelError, match=r"not found in .*gaitlab models download full"):
        find_model("full", search_dirs=dirs)
    states = list_models(search_dirs=dirs)
    assert [s.state for s in states] == ["missing", "missing", "missing"]
    assert all(s.path is None and s.message for s in states)


def test_non_zip_path_raises(tmp_path: Path) -> None:
    fake = tmp_path / "model.task"
    fake.write_text("not a zip at all\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not a zip file"):
        find_model(fake)


def test_zip_without_pose_members_raises(tmp_path: Path) -> None:
    other = tmp_path / "hand_landmarker.task"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("hand_detector.tflite", b"x")
    with pytest.raises(ModelError, match=r"without pose_detector\.tflite and pose_landmarks"):
        find_model(other)


def test_missing_path_and_unknown_name_raise(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        find_model(tmp_path / "nope.task")
    with pytest.raises(ModelError, match=r"does not exist; .*full, heavy, lite"):
        find_model("medium")
    with pytest.raises(ModelError, match="unknown pose model 'medium'"):
        download_model("medium", dest_dir=tmp_path)


def test_user_bundle_unknown_to_manifest_is_accepted_unverified(tmp_path: Path) -> None:
    path = tmp_path / "my_pose.task"
    data = make_bundle(path)
    model = find_model(path)
    assert (model.name, model.verified, model.sha256) == ("my_pose", False, sha256_hex(data))


def test_bad_manifest_raises_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.toml"
    bad.write_text('[models.full]\nfile = "a.task"\nsha265 = "00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_manifest(bad)
    bad.write_text('[models.full]\nfile = "a.task"\nsha256 = "abc"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="64 hex digits"):
        load_manifest(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_manifest(tmp_path / "absent.toml")


# ---------------------------------------------------------------------------------------------
# Download from a local server


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``/good`` (the bundle), ``/wrong`` (same size, other bytes), ``/drop`` (half the
    bundle, then the connection closes) and 404 for anything else."""

    payload: bytes = b""
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = self.payload
        if self.path == "/wrong":
            body = bytes(b ^ 0x55 for b in body)
        elif self.path not in ("/good", "/drop"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, bytes, list[str]]]:
    """Yield (base URL, served bundle bytes, list of requested paths)."""
    payload = make_bundle(tmp_path / "served.task")
    hits: list[str] = []
    handler = type("Handler", (_Handler,), {"payload": payload, "hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", payload, hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_good_download_verifies_and_lands(
    server: tuple[str, bytes, list[str]], tmp_path: Path
) -> None:
    base, payload, hits = server
    manifest = write_manifest(
        tmp_path / "m.toml", url=f"{base}/good", sha256=sha256_hex(payload), size_bytes=len(payload)
    )
    seen: list[tuple[int, int | None]] = []
    model = download_model("tiny", manifest=manifest, progress=lambda r, t: seen.append((r, t)))
    dest = user_model_dir() / "pose_landmarker_tiny.task"
    assert (model.path, model.source, model.verified) == (dest, "download", True)
    assert dest.read_bytes() == payload
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]  # no .part left
    assert seen[-1] == (len(payload), len(payload))
    # The user data directory is in the lookup order, so the name now resolves to it.
    found = find_model("tiny", manifest=manifest)
    assert (found.path, found.source, found.verified) == (dest, "user", True)
    # A verified copy in place is not fetched again.
    assert download_model("tiny", manifest=manifest).path == dest
    assert hits == ["/good"]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/wrong", "has SHA-256 .* not the .* pinned"),
        ("/drop", "broke off after"),
        ("/missing", "answered HTTP 404"),
    ],
)
def test_failed_download_leaves_nothing(
    server: tuple[str, bytes, list[str]], tmp_path: Path, route: str, message: str
) -> None:
    base, payload, _ = server
    manifest = write_manifest(
        tmp_path / "m.toml", url=f"{base}/good", sha256=sha256_hex(payload), size_bytes=len(payload)
    )
    dest_dir = tmp_path / "dest"
    with pytest.raises(ModelError, match=message):
        download_model("tiny", manifest=manifest, dest_dir=dest_dir, url=base + route)
    assert not dest_dir.exists() or list(dest_dir.iterdir()) == []


def test_interrupted_download_leaves_nothing(
    server: tuple[str, bytes, list[str]], tmp_path: Path
) -> None:
    base, payload, _ = server
    manifest = write_manifest(
        tmp_path / "m.toml", url=f"{base}/good", sha256=sha256_hex(payload), size_bytes=len(payload)
    )

    def interrupt(received_bytes: int, total_bytes: int | None) -> None:
        raise KeyboardInterrupt

    dest_dir = tmp_path / "dest"
    with pytest.raises(KeyboardInterrupt):
        download_model("tiny", manifest=manifest, dest_dir=dest_dir, progress=interrupt)
    assert list(dest_dir.iterdir()) == []


def test_unreachable_server_says_how_to_copy_by_hand(tmp_path: Path) -> None:
    # Port 9 on 127.0.0.1 (discard) has no listener here: the connection is refused at once.
    manifest = write_manifest(
        tmp_path / "m.toml", url="http://127.0.0.1:9/x", sha256="0" * 64, size_bytes=1
    )
    dest_dir = tmp_path / "dest"
    with pytest.raises(ModelError, match=rf"could not reach .*copy .* to {dest_dir}.*--model PATH"):
        download_model("tiny", manifest=manifest, dest_dir=dest_dir, timeout_s=5)
    assert not dest_dir.exists() or list(dest_dir.iterdir()) == []


def test_unpinned_download_is_refused_unless_allowed(
    server: tuple[str, bytes, list[str]], tmp_path: Path
) -> None:
    base, payload, hits = server
    manifest = write_manifest(tmp_path / "m.toml", url=f"{base}/good", sha256="", size_bytes=0)
    dest_dir = tmp_path / "dest"
    with pytest.raises(ModelError, match="pins no SHA-256"):
        download_model("tiny", manifest=manifest, dest_dir=dest_dir)
    assert hits == []  # refused before any request
    model = download_model("tiny", manifest=manifest, dest_dir=dest_dir, allow_unpinned=True)
    assert (model.sha256, model.verified) == (sha256_hex(payload), False)
    assert model.path.read_bytes() == payload
    # Present but unpinned: listed as such, and a name lookup refuses to vouch for it.
    dirs = [("user", dest_dir)]
    assert [s.state for s in list_models(manifest=manifest, search_dirs=dirs)] == ["unpinned"]
    with pytest.raises(ModelError, match="pins no SHA-256"):
        find_model("tiny", manifest=manifest, search_dirs=dirs)
