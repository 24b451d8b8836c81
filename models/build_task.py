"""Rebuild ``pose_landmarker_full.task`` from the two ``.tflite`` files in mediapipe 0.10.21.

mediapipe 1.x on PyPI ships no pose model, but the older wheel ``mediapipe==0.10.21`` (cp311,
manylinux_2_28_x86_64) still carries BlazePose GHUM 3D "full" as two plain TFLite models:

* ``mediapipe/modules/pose_detection/pose_detection.tflite`` (input 1x224x224x3, 2 outputs);
* ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` (input 1x256x256x3, 5 outputs).

The Tasks API (``PoseLandmarker``) wants them in a ``.task`` bundle (an uncompressed zip, members
4-byte aligned) named ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each with
TFLite metadata that states the image normalisation (detector: mean 127.5, std 127.5, input in
[-1, 1]; landmarks: mean 0, std 255, input in [0, 1]) and one feature entry per output tensor.
The metadata writer that works is the one in mediapipe 0.10.21 (the copy in mediapipe 1.x fails
to import), so this script runs in a separate virtual environment with that version.

Usage (one command; it creates the environment, installs ``mediapipe==0.10.21`` from PyPI, and
runs itself again inside it)::

    python models/build_task.py --out OUT --venv VENV

or, by hand, the same in two steps::

    python -m venv VENV && VENV/bin/pip install mediapipe==0.10.21
    VENV/bin/python models/build_task.py --out OUT

``OUT`` is the folder for the rebuilt bundle and ``VENV`` the environment's folder, which must
live outside the repository. The zip is not byte-reproducible (member
timestamps), so compare a rebuild with the shipped file by output: ``models/compare_bundles.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

MEDIAPIPE_VERSION = "0.10.21"
REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLE_NAME = "pose_landmarker_full.task"

# (member name in the bundle, file inside the mediapipe package, norm mean, norm std, n outputs)
MEMBERS: tuple[tuple[str, str, float, float, int], ...] = (
    ("pose_detector.tflite", "modules/pose_detection/pose_detection.tflite", 127.5, 127.5, 2),
    (
        "pose_landmarks_detector.tflite",
        "modules/pose_landmark/pose_landmark_full.tflite",
        0.0,
        255.0,
        5,
    ),
)
MODEL_DESCRIPTION = "BlazePose"


def sha256_of(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def default_venv_dir() -> Path:
    """Return the default build environment: ``$XDG_CACHE_HOME/gaitlab/mediapipe-0.10.21-venv``."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "gaitlab" / f"mediapipe-{MEDIAPIPE_VERSION}-venv"


def has_build_mediapipe() -> bool:
    """Return True if this interpreter has exactly mediapipe 0.10.21 installed."""
    try:
        return importlib.metadata.version("mediapipe") == MEDIAPIPE_VERSION
    except importlib.metadata.PackageNotFoundError:
        return False


def ensure_venv(venv_dir: Path, python: str) -> Path:
    """Create ``venv_dir`` with ``mediapipe==0.10.21`` unless it exists; return its python."""
    venv_dir = venv_dir.resolve()
    if venv_dir == REPO_ROOT or REPO_ROOT in venv_dir.parents:
        sys.exit(f"error: the build environment must be outside the repository, not {venv_dir}")
    venv_python = venv_dir / "bin" / "python"
    if not venv_python.exists():
        print(f"creating {venv_dir} with {python}", file=sys.stderr)
        subprocess.run([python, "-m", "venv", str(venv_dir)], check=True)
    probe = subprocess.run(
        [str(venv_python), "-c", "import importlib.metadata as m; print(m.version('mediapipe'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.stdout.strip() != MEDIAPIPE_VERSION:
        print(f"installing mediapipe=={MEDIAPIPE_VERSION} into {venv_dir}", file=sys.stderr)
        subprocess.run(
            [str(venv_python), "-m", "pip", "install", "-q", f"mediapipe=={MEDIAPIPE_VERSION}"],
            check=True,
        )
    return venv_python


def with_metadata(model: bytes, name: str, norm_mean: float, norm_std: float, n_out: int) -> bytes:
    """Return ``model`` with TFLite metadata: an RGB image input and ``n_out`` feature outputs."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(model_name=name, model_description=MODEL_DESCRIPTION)
    writer.add_image_input(norm_mean=[norm_mean], norm_std=[norm_std])
    for i in range(n_out):
        writer.add_feature_output(name=f"out{i}")
    model_with_metadata, _metadata_json = writer.populate()
    return bytes(model_with_metadata)


def build(out_dir: Path) -> dict[str, object]:
    """Build the bundle into ``out_dir`` (inside the mediapipe 0.10.21 environment).

    Returns
    -------
    dict
        The build record: versions, inputs (path, size, sha256) and the output (path, size,
        sha256).
    """
    import importlib.resources

    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    package = importlib.resources.files("mediapipe")
    members: dict[str, bytes] = {}
    inputs = []
    for member, source, norm_mean, norm_std, n_out in MEMBERS:
        raw = (package / source).read_bytes()
        inputs.append({"file": f"mediapipe/{source}", "bytes": len(raw), "sha256": sha256_of(raw)})
        members[member] = with_metadata(raw, member, norm_mean, norm_std, n_out)

    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / BUNDLE_NAME
    fd, tmp_name = tempfile.mkstemp(prefix=f".{BUNDLE_NAME}.", suffix=".part", dir=out_dir)
    os.close(fd)
    try:
        model_asset_bundle_utils.create_model_asset_bundle(members, tmp_name)
        os.replace(tmp_name, out_path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    data = out_path.read_bytes()
    return {
        "mediapipe": importlib.metadata.version("mediapipe"),
        "python": platform.python_version(),
        "inputs": inputs,
        "output": {"file": str(out_path), "bytes": len(data), "sha256": sha256_of(data)},
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the .task file")
    parser.add_argument(
        "--venv",
        type=Path,
        default=None,
        help=f"build environment (outside the repo); default {default_venv_dir()}",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter for a new environment (3.9 to 3.12: the wheel's range)",
    )
    args = parser.parse_args(argv)

    if not has_build_mediapipe():
        venv_python = ensure_venv(args.venv or default_venv_dir(), args.python)
        cmd = [str(venv_python), str(Path(__file__).resolve()), "--out", str(args.out.resolve())]
        return subprocess.run(cmd, check=False).returncode

    record = build(args.out.resolve())
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
