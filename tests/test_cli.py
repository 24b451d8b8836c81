"""The command line: outputs of `gaitlab analyze`, and one clear error line for bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gaitlab.schema import validation_errors

from .conftest import MALE_SIDE, run_ffmpeg, run_gaitlab


def assert_single_error_line(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one stderr line starting with 'error:'."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    text = d / "notes.mp4"
    text.write_text("this is a text file renamed to .mp4\n" * 20)
    data = MALE_SIDE.read_bytes()
    truncated = d / "truncated.mp4"  # moov atom at the end: cut before it
    truncated.write_bytes(data[: len(data) // 2])
    faststart = d / "faststart.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-c", "copy", "-movflags", "+faststart", faststart)
    fs = faststart.read_bytes()
    truncated_fs = d / "truncated_faststart.mp4"  # index intact, media data cut short
    truncated_fs.write_bytes(fs[: len(fs) // 2])
    tooshort = d / "half_second.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-t", "0.5", "-c:v", "libx264", "-preset", "ultrafast", tooshort)
    one_second = d / "one_second.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-t", "1", "-c", "copy", one_second)
    noperson = d / "noperson.mp4"
    run_ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=30",
        "-t",
        "2",
        "-pix_fmt",
        "yuv420p",
        noperson,
    )
    return {
        "missing": d / "does_not_exist.mp4",
        "empty": empty,
        "text": text,
        "truncated": truncated,
        "truncated_faststart": truncated_fs,
        "noperson": noperson,
        "too_short": tooshort,
        "one_second": one_second,
        "directory": d,
    }


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        ("missing", ("does not exist", "check the path")),
        ("empty", ("empty", "0 bytes")),
        ("text", ("could not be read as a video",)),
        ("truncated", ("could not be read as a video",)),
        ("truncated_faststart", ("cut short",)),
        ("noperson", ("No person was found",)),
        ("too_short", ("too short for a single running stride",)),
        ("one_second", ("too short for a single running stride",)),
        ("directory", ("folder",)),
    ],
)
def test_bad_input_gives_one_error_line_and_exit_2(bad_inputs, tmp_path, case, fragments):
    out = tmp_path / "out"
    proc = run_gaitlab("analyze", bad_inputs[case], "--out", out)
    assert_single_error_line(proc, *fragments)
    assert proc.stdout == ""
    assert not (out / "summary.json").exists()  # nothing that looks like a result


def test_debug_shows_the_traceback(bad_inputs, tmp_path):
    proc = run_gaitlab("analyze", bad_inputs["text"], "--out", tmp_path, "--debug")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")


def test_bad_config_file_is_one_error_line(tmp_path):
    cfg = tmp_path / "gaitlab.toml"
    cfg.write_text("[signals]\ncutof_hz = 6\n")
    proc = run_gaitlab("analyze", MALE_SIDE, "--out", tmp_path / "o", "--config", cfg)
    assert_single_error_line(proc, "signals.cutof_hz")


BAD_SETTINGS = {
    # a wrongly typed value: the key, the value and what is expected
    "wrong_type": (
        '[signals]\nmax_gap_s = "long"\n',
        ("'signals.max_gap_s'", '"long"', "a number"),
    ),
    # an unknown key
    "unknown_key": ("[runner]\nheight_cm = 180\n", ("runner.height_cm = 180", "height_m")),
    # a value where a table belongs, and a table where a value belongs
    "value_for_table": ("checks = 3\n", ("'checks'", "3", "must be a table")),
    "table_for_value": ("[signals.max_gap_s]\ns = 1\n", ("'signals.max_gap_s'", "a single value")),
}


def _bad_setting_run(tmp_path: Path, command: str, case: str) -> None:
    text, fragments = BAD_SETTINGS[case]
    cfg = tmp_path / "gaitlab.toml"
    cfg.write_text(text)
    args = {
        "analyze": ["analyze", MALE_SIDE, "--out", tmp_path / "o"],
        "check": ["check", MALE_SIDE],
        "batch": ["batch", tmp_path, "--out", tmp_path / "o"],
        "serve": ["serve", "--data", tmp_path / "data", "--port", "0"],
    }[command]
    proc = run_gaitlab(*args, "--config", cfg)
    assert_single_error_line(proc, str(cfg), *fragments)
    assert proc.stdout == ""
    assert not (tmp_path / "o").exists() and not (tmp_path / "data").exists()


@pytest.mark.parametrize("case", list(BAD_SETTINGS))
def test_bad_setting_is_one_error_line_naming_it(tmp_path, case):
    _bad_setting_run(tmp_path, "analyze", case)


@pytest.mark.parametrize("command", ["check", "batch", "serve"])
@pytest.mark.parametrize("case", ["wrong_type", "unknown_key"])
def test_every_command_checks_its_config_file(tmp_path, command, case):
    _bad_setting_run(tmp_path, command, case)


def test_missing_model_file_is_one_error_line(tmp_path):
    proc = run_gaitlab(
        "analyze", MALE_SIDE, "--out", tmp_path / "o", "--model", tmp_path / "x.task"
    )
    assert_single_error_line(proc)


def test_analyze_writes_a_valid_summary(male_side_run):
    s = male_side_run.summary
    assert validation_errors(s) == []
    assert s["schema_version"].startswith("1.")
    video = s["video"]
    assert (video["width"], video["height"]) == (720, 1280)
    assert video["fps"] == pytest.approx(30.0)
    assert video["frames"] == 360
    assert video["duration_s"] == pytest.approx(12.0, abs=0.05)
    assert video["rotation_deg"] == 0
    assert s["pose"]["model"]["sha256"].startswith("0db1221a")
    # the landmark table a spreadsheet opens: 360 frames x 33 landmarks
    header = (male_side_run.out_dir / "male_side.landmarks.csv").open().readline().strip()
    assert header.split(",")[:4] == ["frame", "time_s", "landmark", "x_px"]
    n_rows = sum(1 for _ in (male_side_run.out_dir / "male_side.landmarks.csv").open()) - 1
    assert n_rows == 360 * 33
    # no temporary files left behind
    assert not list(male_side_run.out_dir.glob(".*.part"))


def test_models_command_lists_the_shipped_model_as_verified():
    proc = run_gaitlab("models")
    assert proc.returncode == 0, proc.stderr
    assert "full" in proc.stdout
    assert "0db1221a" in proc.stdout or "ok" in proc.stdout.lower()


def test_no_library_noise_on_stderr_for_a_good_run(tmp_path):
    short = tmp_path / "short.mp4"
    run_ffmpeg("-i", MALE_SIDE, "-t", "2.5", "-c", "copy", short)
    proc = run_gaitlab("analyze", short, "--out", tmp_path / "o", "--no-progress", "--no-video")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for noise in ("INFO:", "W0000", "WARNING:", "absl", "TensorFlow"):
        assert noise not in proc.stderr
