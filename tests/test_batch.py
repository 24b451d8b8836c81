"""`gaitlab batch` on a real Dask cluster: tables, exact reruns, failures, a killed worker.

One folder (the first 4 s of the sample treadmill clip, 3 s more of it in a sub-folder, a
cut-off MP4, a text file named .mp4, and a .txt that is not a video) goes through
one scenario of runs on a 2-worker local cluster, each step recorded, and the tests check the
steps: first run, rerun, changed content, rename, changed settings. The settings ask for 3 usable
steps per side (the 4 s clip has 4 and 4), so the short clip still has a cadence.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import gaitlab
from gaitlab.batch import left_right, load_run, load_strides, load_summary
from gaitlab.batch.plan import RECORD_FILE, VideoKey
from gaitlab.batch.runner import BatchResult, run_jobs, worker_environment
from gaitlab.batch.tables import LEAD_COLUMNS
from gaitlab.batch.worker import Job
from gaitlab.config import load_config
from gaitlab.export import read_trc
from tests.conftest import MALE_SIDE, REPO, run_ffmpeg, run_gaitlab

SIDE_WALK = REPO / "tests" / "data" / "side_walk_60fps.mp4"
GOOD = ("male4.mp4", "sub/male_b.mp4")
BAD = ("corrupt.mp4", "notes.mp4")
#: Progress reports of the first run.
PROGRESS: list = []
#: Cadence of the sample clip measured from its pixels (sample_videos/male_side.groundtruth.json).
TRUE_CADENCE_SPM = 168.9


def _config(tmp: Path, steps: int) -> Path:
    path = tmp / f"steps{steps}.toml"
    path.write_text(f"[findings]\nmin_steps_per_side = {steps}\n")
    return path


def _cut(start_s: float, duration_s: float, path: Path) -> Path:
    """Seconds ``start_s`` to ``start_s + duration_s`` of the sample clip, re-encoded (H.264)."""
    run_ffmpeg("-ss", start_s, "-i", MALE_SIDE, "-t", duration_s, "-an", "-c:v", "libx264",
               "-preset", "ultrafast", "-crf", "18", path)  # fmt: skip
    return path


def _make_folder(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    run_ffmpeg("-i", MALE_SIDE, "-t", "4", "-c", "copy", "-an", folder / "male4.mp4")
    _cut(6, 3, folder / "sub" / "male_b.mp4")
    (folder / "corrupt.mp4").write_bytes(MALE_SIDE.read_bytes()[:20000])  # index at the end: cut
    (folder / "notes.mp4").write_text("My running notes, not a video.\n")
    (folder / "readme.txt").write_text("not a video extension: ignored\n")
    return folder


@dataclass(frozen=True)
class Step:
    """One batch run of the scenario and what it left in OUT."""

    result: BatchResult
    records: dict[str, dict]
    created: dict[str, str]  # summary.json created_utc by video (ok videos)
    summary_csv: str
    snapshot: Path  # a copy of OUT right after this run


def _step(result: BatchResult, snapshot: Path) -> Step:
    records, created = {}, {}
    for video in result.summary["video"]:
        folder = result.out / video
        records[video] = json.loads((folder / RECORD_FILE).read_text())
        if records[video]["status"] == "ok":
            created[video] = json.loads((folder / "summary.json").read_text())["created_utc"]
    shutil.copytree(result.out, snapshot)
    return Step(result, records, created, (result.out / "summary.csv").read_text(), snapshot)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Step]:
    """first, rerun, changed (sub/male_b.mp4 cut to 2 s), renamed (male4 -> renamed/male_renamed),
    settings (4 steps per side instead of 3)."""
    tmp = tmp_path_factory.mktemp("batch")
    folder = _make_folder(tmp / "clips")
    out = tmp / "out"
    cfg3 = load_config(_config(tmp, 3))
    steps = {}

    def run(name, cfg, **options):
        # created_utc has one-second resolution: make a re-analysis visible in it
        time.sleep(1.1)
        result = gaitlab.batch(folder, out, workers=2, config=cfg, **options)
        steps[name] = _step(result, tmp / name)

    run("first", cfg3, progress=PROGRESS.append)
    run("rerun", cfg3)
    shutil.move(_cut(6, 2, tmp / "male_b_2s.mp4"), folder / "sub" / "male_b.mp4")
    run("changed", cfg3)
    (folder / "renamed").mkdir()
    (folder / "male4.mp4").rename(folder / "renamed" / "male_renamed.mp4")
    run("renamed", cfg3)
    run("settings", load_config(_config(tmp, 4)), trc=True)
    return steps


def test_good_videos_ok_bad_ones_error_rows(scenario):
    step = scenario["first"]
    table = step.result.summary.set_index("video")
    assert sorted(table.index) == sorted(GOOD + BAD)  # readme.txt is not a video: no row
    assert list(table.loc[list(GOOD), "status"]) == ["ok", "ok"]
    assert table.loc[list(GOOD), "error"].isna().all()
    for video in BAD:
        assert table.loc[video, "status"] == "error"
        assert "could not be read as a video" in table.loc[video, "error"]
        assert step.records[video]["error_kind"] == "input"
        assert step.records[video]["attempts"] == 1  # input errors are not retried
    assert step.result.exit_code == 1
    assert table.loc["male4.mp4", "view"] == "side"
    assert table.loc["male4.mp4", "view.facing"] == "left"
    # 8 usable strides of 4 s at 30 fps: the stride period fit is within 0.2 % on the whole clip;
    # 2 spm (1.2 %) allows for fewer strides
    assert table.loc["male4.mp4", "cadence_spm"] == pytest.approx(TRUE_CADENCE_SPM, abs=2.0)
    assert table.loc["male4.mp4", "hip_tightness"] in (
        "flagged",
        "not_flagged",
        "insufficient_evidence",
    )
    assert table.loc["male4.mp4", "hip_weakness"] == "not_assessed"  # side view only


def test_progress_reports_done_failed_remaining(scenario):
    states = [(p.done, p.failed, p.remaining, p.total) for p in PROGRESS]
    assert states[0] == (0, 0, 4, 4)
    assert states[-1] == (2, 2, 0, 4)
    assert len(states) == 5  # the start, then one per video
    assert all(d + f + r == 4 for d, f, r, _ in states)
    assert sorted(p.video for p in PROGRESS[1:]) == sorted(GOOD + BAD)


def test_summary_columns_are_the_flattened_summary_json(scenario):
    step = scenario["first"]
    table = load_summary(step.snapshot)
    assert tuple(table.columns[: len(LEAD_COLUMNS)]) == LEAD_COLUMNS
    assert "video.width_px" in table.columns and "video.width" not in table.columns
    row = table.set_index("video").loc["male4.mp4"]
    summary = json.loads((step.snapshot / "male4.mp4" / "summary.json").read_text())
    # the CSV keeps 6 significant digits
    for name, metric in summary["metrics"].items():
        for field, column in (("value", name), ("left", f"{name}.left"), ("sd", f"{name}.sd")):
            expected = metric[field]
            if expected is None:
                assert pd.isna(row[column]), column
            else:
                assert row[column] == pytest.approx(expected, rel=1e-5), column
    assert row["pose.detection_rate"] == pytest.approx(summary["pose"]["detection_rate"])
    assert row["video.frames"] == summary["video"]["frames"]
    usable = summary["clips"][0]["strides"]["usable_per_side"]
    assert row["strides.usable_per_side.left"] == usable["left"]
    assert row["content_sha256"] == step.records["male4.mp4"]["content_sha256"]


def test_strides_table_holds_every_stride_of_every_video(scenario):
    out = scenario["first"].snapshot
    strides = load_strides(out)
    assert list(strides.columns[:2]) == ["video", "side"]
    for video in GOOD:
        own = pd.read_csv(out / video / "strides.csv")
        mine = strides[strides["video"] == video].reset_index(drop=True)
        assert len(mine) == len(own) > 0
        pd.testing.assert_series_equal(mine["start_s"], own["start_s"], check_names=False)
    assert set(strides["video"]) == set(GOOD)
    assert len(strides) == sum(len(pd.read_csv(out / video / "strides.csv")) for video in GOOD)


def test_run_json_has_settings_and_versions(scenario):
    run = load_run(scenario["first"].snapshot)
    assert run["settings"]["findings"]["min_steps_per_side"] == 3
    assert run["versions"]["gaitlab"] == gaitlab.__version__
    assert {"dask", "distributed", "mediapipe", "python"} <= set(run["versions"])
    assert run["cluster"]["workers"] == 2 and run["cluster"]["scheduler"] == "local"
    assert run["counts"] == {
        "videos": 4,
        "ok": 2,
        "error": 2,
        "analysed": 4,
        "skipped": 0,
        "reused": 0,
        "retried": 0,
    }


def test_rerun_skips_what_is_done(scenario):
    first, rerun = scenario["first"], scenario["rerun"]
    assert set(rerun.result.outcomes.values()) == {"skipped"}
    assert rerun.created == first.created  # no summary.json was rewritten
    assert rerun.summary_csv == first.summary_csv  # the same table, byte for byte


def test_changed_content_is_redone_alone(scenario):
    before, after = scenario["rerun"], scenario["changed"]
    video = "sub/male_b.mp4"
    assert after.result.outcomes[video] == "analysed"
    assert {v for v, o in after.result.outcomes.items() if o != "skipped"} == {video}
    assert after.records[video]["content_sha256"] != before.records[video]["content_sha256"]
    assert after.created[video] != before.created[video]
    frames = after.result.summary.set_index("video").loc[video, "video.frames"]
    assert frames == 60  # 2 s at 30 fps (was 90)
    assert after.created["male4.mp4"] == before.created["male4.mp4"]


def test_renamed_file_is_not_reanalysed(scenario):
    before, after = scenario["changed"], scenario["renamed"]
    new = "renamed/male_renamed.mp4"
    assert after.result.outcomes[new] == "reused"
    assert "male4.mp4" not in after.result.outcomes
    assert not (after.snapshot / "male4.mp4").exists()  # the old name's folder moved away
    assert after.created[new] == before.created["male4.mp4"]  # the same analysis
    assert after.records[new]["key"] == before.records["male4.mp4"]["key"]
    folder = after.snapshot / new
    assert (folder / "male_renamed.landmarks.npz").is_file()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["clips"][0]["name"] == "male_renamed.mp4"
    assert summary["metrics"]["cadence_spm"]["clip"] == "male_renamed.mp4"
    assert set(pd.read_csv(folder / "strides.csv")["clip"]) == {"male_renamed.mp4"}
    old_row = before.result.summary.set_index("video").loc["male4.mp4"]
    new_row = after.result.summary.set_index("video").loc[new]
    pd.testing.assert_series_equal(old_row, new_row, check_names=False)


def test_settings_change_redoes_the_videos(scenario):
    before, after = scenario["renamed"], scenario["settings"]
    assert set(after.result.outcomes.values()) == {"analysed"}
    for video, record in after.records.items():
        assert record["settings_sha256"] != before.records[video]["settings_sha256"]
        assert record["content_sha256"] == before.records[video]["content_sha256"]
    assert load_run(after.snapshot)["settings"]["findings"]["min_steps_per_side"] == 4
    table = after.result.summary.set_index("video")
    for video in table.index[table["status"] == "ok"]:  # OpenSim files were asked for too
        trc = read_trc(after.snapshot / video / f"{Path(video).stem}.trc")
        assert trc.xyz.shape == (table.loc[video, "video.frames"], 33, 3)
        assert trc.rate_hz == pytest.approx(30.0)


def test_settings_hash_follows_every_setting():
    from gaitlab.batch.plan import settings_sha256
    from gaitlab.config import load_defaults

    base = load_defaults()
    changed = load_defaults().with_overrides({"signals": {"max_gap_s": 0.2}})

    def digest(config, model="m1", trc=False):
        return settings_sha256(config, model_sha256=model, outputs={"report": False, "trc": trc})

    assert digest(base) == digest(load_defaults())  # the same settings, the same key
    assert len({digest(base), digest(changed), digest(base, "m2"), digest(base, trc=True)}) == 4


def test_nothing_half_written_is_left(scenario):
    out = scenario["settings"].result.out
    assert not list(out.rglob("*.part"))
    assert not (out / ".gaitlab-batch" / "staging").exists()  # leftovers are cleared
    folders = {p.parent.relative_to(out).as_posix() for p in out.rglob(RECORD_FILE)}
    assert folders == set(scenario["settings"].result.summary["video"])


def test_left_right_table(scenario):
    table = load_summary(scenario["first"].snapshot)
    sides = left_right(table)
    summary = json.loads((scenario["first"].snapshot / "male4.mp4" / "summary.json").read_text())
    mine = sides[sides.video == "male4.mp4"].set_index("metric")
    # every metric with a side measured has its row with the summary's values; a metric whose
    # sides were withheld (they differ by less than the method can tell) has none
    with_sides = {
        name: m
        for name, m in summary["metrics"].items()
        if m.get("left") is not None or m.get("right") is not None
    }
    assert with_sides, "no metric of the sample has per-side values"
    assert set(mine.index) & set(summary["metrics"]) == set(with_sides)
    for name, metric in with_sides.items():
        for side in ("left", "right"):
            if metric[side] is None:
                assert pd.isna(mine.loc[name, side]), name
            else:
                assert mine.loc[name, side] == pytest.approx(metric[side], rel=1e-5), name


# --------------------------------------------------------------------------- command line


def test_cli_exit_codes_and_count_line(scenario, tmp_path):
    last = scenario["settings"].result.out
    folder = Path(load_run(last)["folder"])
    out = tmp_path / "out"
    shutil.copytree(last, out)
    config = _config(tmp_path, 4)
    proc = run_gaitlab("batch", folder, "--out", out, "--config", config, "--trc")  # as last run
    assert proc.returncode == 1, proc.stderr  # two videos cannot be read
    assert proc.stdout.strip().startswith("2 of 4 videos ok, 2 failed (0 analysed now, 4 already")
    assert proc.stderr == ""
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(folder / "sub" / "male_b.mp4", good / "b_copy.mp4")  # the same content
    proc = run_gaitlab("batch", good, "--out", out, "--config", config, "--trc")
    assert proc.returncode == 0, proc.stderr  # a copy: its results are reused
    assert "1 reused" in proc.stdout
    assert (out / "sub" / "male_b.mp4" / "summary.json").is_file()  # the source is kept


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (("missing-folder",), "out"),
        (("empty-folder",), "out"),
        (("clips", "--workers", "0"), "out"),
        (("clips", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"), "out"),
        (("clips",), "a-file.txt/out"),  # --out cannot be created
    ],
)
def test_cli_unusable_folder_or_options_exit_2(tmp_path, args, out):
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "empty-folder" / "notes.txt").write_text("no videos here\n")
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "notes.mp4").write_text("not a video\n")
    (tmp_path / "a-file.txt").write_text("a file, not a folder\n")
    proc = run_gaitlab("batch", tmp_path / args[0], *args[1:], "--out", tmp_path / out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert not (tmp_path / "out").exists()  # nothing was written


# --------------------------------------------------------------------------- failures


def _flaky_job(job: Job) -> dict:
    """Fails (crash) on the first try; on the second, ok for 'a' and a crash again for 'b'."""
    ok = job.attempt == 2 and job.video == "a.mp4"
    return {
        "video": job.video,
        "status": "ok" if ok else "error",
        "error": None if ok else "boom",
        "error_kind": None if ok else "crash",
        "attempts": job.attempt,
    }


def test_failed_video_is_retried_once():
    from distributed import Client, LocalCluster

    key = VideoKey("c", "s", "v")
    jobs = [
        Job(video=v, path=v, out="/nonexistent", key=key, config={}) for v in ("a.mp4", "b.mp4")
    ]
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        records, retried = run_jobs(client, jobs, job_fn=_flaky_job)
    assert sorted(retried) == ["a.mp4", "b.mp4"]  # each once
    assert records["a.mp4"]["status"] == "ok" and records["a.mp4"]["attempts"] == 2
    assert records["b.mp4"]["status"] == "error" and records["b.mp4"]["attempts"] == 2


def test_worker_killed_mid_batch(tmp_path):
    """SIGKILL one of two workers while it analyses a video: Dask reschedules the video, and
    the batch ends with every good video done once and nothing half-written."""
    from distributed import Client, LocalCluster

    folder = tmp_path / "clips"
    (folder / "sub").mkdir(parents=True)
    run_ffmpeg("-i", MALE_SIDE, "-t", "4", "-c", "copy", "-an", folder / "male4.mp4")
    shutil.copy(SIDE_WALK, folder / "sub" / "side_walk_60fps.mp4")
    out = tmp_path / "out"
    with (
        worker_environment(),  # as gaitlab's own clusters; this process's is restored after
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        results: list = []
        runner = threading.Thread(
            target=lambda: results.append(
                gaitlab.batch(folder, out, scheduler=cluster.scheduler_address)
            )
        )
        runner.start()
        victim, busy_since = None, None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy and busy_since is None:
                busy_since = time.monotonic()
            if busy and time.monotonic() - busy_since > 1.5:  # mid-analysis (each takes > 3 s)
                victim = busy[0]
                os.kill(pids[victim], signal.SIGKILL)
            time.sleep(0.1)
        runner.join(timeout=300)
    assert victim is not None, "no worker was ever busy"
    result = results[0]
    videos = ["male4.mp4", "sub/side_walk_60fps.mp4"]
    table = result.summary.set_index("video")
    assert sorted(table.index) == videos
    assert (table["status"] == "ok").all()
    assert result.retried == ()  # Dask rescheduled it; no failure reached the batch
    for video in videos:
        record = json.loads((out / video / RECORD_FILE).read_text())
        assert record["pid"] != pids[victim]  # finished by a live worker
        assert len(list((out / video).glob("*.landmarks.npz"))) == 1
    assert len(result.strides) == sum(
        len(pd.read_csv(out / video / "strides.csv")) for video in videos
    )
    assert not list(out.rglob("*.part"))
    assert not (out / ".gaitlab-batch" / "staging").exists()  # the killed worker's is cleared


def _fake_result(out: Path, folder: Path, video: str, key: VideoKey, cadence_spm: float) -> None:
    """A result folder as a batch leaves it (no analysis: the key is what matters here)."""
    path = str((folder / video).resolve())
    target = out / video
    target.mkdir(parents=True)
    summary = {
        "view": {"label": "side"},
        "metrics": {"cadence_spm": {"value": cadence_spm, "clip": video}},
        "findings": [],
        "clips": [{"name": video, "path": path}],
    }
    (target / "summary.json").write_text(json.dumps(summary))
    (target / "strides.csv").write_text(f"clip,side,start_s\n{video},left,0.5\n")
    record = {"video": video, "path": path, "status": "ok", "key": key.key, "attempts": 1}
    (target / RECORD_FILE).write_text(json.dumps(record))


def test_swapped_names_take_each_others_results(tmp_path):
    """a.mp4 and b.mp4 swap names: each takes the other's results, and no cluster is needed."""
    from gaitlab.batch.plan import file_sha256, settings_sha256
    from gaitlab.config import load_defaults
    from gaitlab.pose.model import find_model

    folder, out = tmp_path / "clips", tmp_path / "out"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"content of a")
    (folder / "b.mp4").write_bytes(b"content of b")
    cfg = load_defaults()
    settings = settings_sha256(
        cfg,
        model_sha256=find_model(cfg.pose.model).sha256,
        outputs={"report": False, "trc": False},
    )
    for video, cadence in (("a.mp4", 160.0), ("b.mp4", 180.0)):
        key = VideoKey(file_sha256(folder / video), settings, gaitlab.__version__)
        _fake_result(out, folder, video, key, cadence)
    (folder / "a.mp4").rename(folder / "tmp.mp4")
    (folder / "b.mp4").rename(folder / "a.mp4")
    (folder / "tmp.mp4").rename(folder / "b.mp4")
    result = gaitlab.batch(folder, out, config=cfg)
    assert result.outcomes == {"a.mp4": "reused", "b.mp4": "reused"}
    table = result.summary.set_index("video")
    assert table.loc["a.mp4", "cadence_spm"] == 180.0  # the old b's content
    assert table.loc["b.mp4", "cadence_spm"] == 160.0
    summary = json.loads((out / "a.mp4" / "summary.json").read_text())
    assert summary["clips"][0]["name"] == "a.mp4"  # names rewritten, b -> a
    assert summary["metrics"]["cadence_spm"]["clip"] == "a.mp4"
    assert list(result.strides["video"]) == ["a.mp4", "b.mp4"]


def test_unguarded_script_from_stdin_starts_workers(tmp_path):
    """Workers are spawned without re-running the caller's script: a script with no
    ``if __name__ == "__main__":`` guard (here read from standard input) still works."""
    import subprocess
    import sys

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "notes.mp4").write_text("not a video\n")
    script = (
        "import gaitlab\n"
        "print('body')\n"
        f"result = gaitlab.batch({str(tmp_path / 'clips')!r}, {str(tmp_path / 'out')!r}, "
        "workers=1)\n"
        "print(result.count_line())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("body") == 1
    assert "0 of 1 videos ok, 1 failed (1 analysed now" in proc.stdout


def test_other_gaitlab_version_is_redone(tmp_path):
    """Results made by another gaitlab version are not taken: the video is analysed again."""
    from gaitlab.batch.plan import file_sha256, settings_sha256
    from gaitlab.config import load_defaults
    from gaitlab.pose.model import find_model

    folder, out = tmp_path / "clips", tmp_path / "out"
    folder.mkdir()
    (folder / "x.mp4").write_text("not a video: analysing it again is quick\n")
    cfg = load_defaults()
    settings = settings_sha256(
        cfg,
        model_sha256=find_model(cfg.pose.model).sha256,
        outputs={"report": False, "trc": False},
    )
    old = VideoKey(file_sha256(folder / "x.mp4"), settings, "0.0.1-old")
    _fake_result(out, folder, "x.mp4", old, 170.0)
    result = gaitlab.batch(folder, out, config=cfg, workers=1)
    assert result.outcomes == {"x.mp4": "analysed"}
    record = json.loads((out / "x.mp4" / RECORD_FILE).read_text())
    assert record["gaitlab_version"] == gaitlab.__version__
    assert record["key"] != old.key and record["status"] == "error"


def test_pin_cores_pins_every_thread_of_the_worker():
    """Worker 1 of a local cluster runs on the second usable core, all its threads included
    (checked in a child process, so the test process itself stays unpinned)."""
    import subprocess
    import sys

    code = (
        "import os, threading, time, types\n"
        "from gaitlab.batch.pinning import PinCores\n"
        "cores = sorted(os.sched_getaffinity(0))\n"
        "t = threading.Thread(target=time.sleep, args=(2,)); t.start()\n"
        "PinCores().setup(types.SimpleNamespace(name=1))\n"
        "late = []\n"
        "u = threading.Thread(target=lambda: late.append(os.sched_getaffinity(0))); u.start()\n"
        "u.join()\n"
        "tids = [int(tid) for tid in os.listdir('/proc/self/task')]\n"
        "seen = {frozenset(os.sched_getaffinity(tid)) for tid in tids}\n"
        "print(seen == {frozenset({cores[1 % len(cores)]})}, late[0] == {cores[1 % len(cores)]})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["True", "True"], proc.stderr


def test_gaitlab_batch_is_light_until_called():
    """``gaitlab.batch`` is callable from the package top, and importing it (and the loaders)
    loads neither Dask nor MediaPipe."""
    import subprocess
    import sys

    code = (
        "import sys, gaitlab\n"
        "from gaitlab.batch import load_summary\n"
        "print(callable(gaitlab.batch), 'distributed' in sys.modules, 'mediapipe' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["True", "False", "False"], proc.stderr


def _worker_facts() -> tuple:
    return (
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        os.environ.get("OMP_NUM_THREADS"),
        sorted(os.sched_getaffinity(0)),
    )


def test_local_workers_environment(monkeypatch):
    """Local workers: numeric threads capped, one core each, and without the allocator setting
    Dask adds by default (it costs about 20 % on a clip, see runner.worker_environment), even
    when this process has it (Dask leaves it behind); this process's environment is restored."""
    from gaitlab.batch.runner import dask_client

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = dict(os.environ)
    cores = sorted(os.sched_getaffinity(0))
    with dask_client(2, None, pin_cores=True) as (client, info):
        facts = sorted(client.run(_worker_facts).values(), key=lambda f: f[2])
    assert info["workers"] == 2 and info["pinned_cores"] is True
    assert [f[:2] for f in facts] == [(None, "1"), (None, "1")]
    assert [f[2] for f in facts] == sorted([[cores[0]], [cores[1 % len(cores)]]])
    assert dict(os.environ) == before
