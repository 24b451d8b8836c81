"""The researcher's walkthrough notebook runs from top to bottom (nbclient).

To stay fast it batches two short cuts of the sample clip (4 s and 3 s) instead of the whole
sample clips, through the notebook's own ``GAITLAB_WALKTHROUGH_*`` variables.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.conftest import MALE_SIDE, REPO, run_ffmpeg

NOTEBOOK = REPO / "notebooks" / "batch_walkthrough.ipynb"


def _outputs(cell) -> str:
    return "\n".join(
        out.get("text", "") or str(out.get("data", {}).get("text/plain", ""))
        for out in cell.get("outputs", [])
    )


def test_walkthrough_notebook_runs(tmp_path: Path, monkeypatch):
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    run_ffmpeg("-i", MALE_SIDE, "-t", "4", "-c", "copy", "-an", clips / "first4.mp4")
    run_ffmpeg("-ss", "6", "-i", MALE_SIDE, "-t", "3", "-an", "-c:v", "libx264",
               "-preset", "ultrafast", clips / "sub" / "next3.mp4")  # fmt: skip
    out = tmp_path / "out"
    monkeypatch.setenv("GAITLAB_WALKTHROUGH_CLIPS", str(clips))
    monkeypatch.setenv("GAITLAB_WALKTHROUGH_OUT", str(out))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    text = "\n".join(_outputs(c) for c in notebook.cells if c.cell_type == "code")
    assert "2 of 2 videos ok, 0 failed" in text
    assert "sub/next3.mp4" in text
    assert re.search(r"walkthrough\.trc: 12\d frames, 33 markers, m, 30 Hz", text)  # first4.mp4
    images = [
        out
        for c in notebook.cells
        for out in c.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 1  # the step-time plot
    assert (out / "summary.csv").is_file() and (out / "strides.csv").is_file()
