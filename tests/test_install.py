"""A normal (non-editable) install finds and verifies the shipped pose model."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The distribution's name on PyPI ("gaitlab" there is an unrelated project); the import
#: name and the command stay ``gaitlab``.
DISTRIBUTION = "gaitlab-running"

PROBE = f"""
DISTRIBUTION = {DISTRIBUTION!r}
import importlib.metadata as md
import gaitlab, gaitlab.pose.model as m
model = m.find_model()
print(gaitlab.__file__)
print(model.path)
print(model.source, model.verified, model.sha256)
dist = md.distribution(DISTRIBUTION)
print(dist.version, gaitlab.__version__)
print(*sorted(e.group + ":" + e.name + "=" + e.value for e in dist.entry_points))
"""


def test_wheel_ships_the_model_and_an_installed_copy_finds_it(tmp_path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheel_dir.glob("*.whl")
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-"), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert "gaitlab/_models/pose_landmarker_full.task" in names
    assert "gaitlab/_models/manifest.toml" in names
    assert "gaitlab/schema/summary-1.schema.json" in names
    assert "gaitlab/config/defaults.toml" in names
    assert "gaitlab/words/catalogue.toml" in names

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("GAITLAB_MODEL_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(site))  # the installed copy, not the source tree
    assert out[1] == str(site / "gaitlab" / "_models" / "pose_landmarker_full.task")
    source, verified, sha = out[2].split()
    assert (source, verified) == ("package", "True")
    assert sha.startswith("0db1221a")
    metadata_version, module_version = out[3].split()
    assert metadata_version == module_version  # one version, written once
    assert out[4].split() == ["console_scripts:gaitlab=gaitlab.cli:main"]
