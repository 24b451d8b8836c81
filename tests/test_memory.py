"""Memory stays flat as a clip gets longer: frames are streamed, never held."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import MALE_SIDE, run_ffmpeg

PEAK_RSS = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if proc.returncode != 0:
    sys.exit(proc.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kib(*cmd: str | Path) -> int:
    """Peak resident memory (KiB) of a command, measured by a fresh parent process."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *map(str, cmd)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return int(out.stdout.strip())


def test_peak_rss_of_a_4x_longer_clip_is_within_10_percent(tmp_path):
    long_clip = tmp_path / "male_side_x4.mp4"
    run_ffmpeg("-stream_loop", "3", "-i", MALE_SIDE, "-c", "copy", long_clip)
    gaitlab = Path(sys.executable).parent / "gaitlab"
    once = peak_rss_kib(gaitlab, "analyze", MALE_SIDE, "--out", tmp_path / "once", "--no-progress")
    four = peak_rss_kib(gaitlab, "analyze", long_clip, "--out", tmp_path / "four", "--no-progress")
    summary = (tmp_path / "four" / "summary.json").read_text()
    assert '"frames": 1440' in summary  # the long clip really was 4x as long
    assert four <= 1.10 * once, f"peak RSS {four} KiB for 4x clip vs {once} KiB for 1x"
