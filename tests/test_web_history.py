"""History per runner (:mod:`gaitlab.web.history`) on synthetic results.

Three sessions of one synthetic runner, each a side and a rear clip through the real analysis
(``analyze_tracks`` + ``assemble``): limited hip extension and a wide pelvic drift at first,
almost the same two weeks later (changes far below the minimal detectable change), then clearly
better after six weeks.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import default_table, load_defaults
from gaitlab.metrics import registry
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.web import charts
from gaitlab.web import history as H

#: (date, hip extension deg, lateral drift %) of the three sessions.
SESSIONS = (
    ("2026-09-01", 5.0, 55.0),
    ("2026-09-15", 5.5, 54.0),
    ("2026-10-13", 14.0, 22.0),
)


def synthetic_summary(hip_extension_deg: float, lateral_drift_pct: float, seed: int) -> dict:
    config = load_defaults()
    side = generate_run(
        RunnerSpec(view="side", hip_extension_deg=hip_extension_deg, noise_px=1.0, seed=seed)
    )
    rear = generate_run(
        RunnerSpec(view="rear", lateral_drift_pct=lateral_drift_pct, noise_px=1.0, seed=seed + 1)
    )
    clips = [
        analyze_tracks(side.tracks, config, name="side.mp4"),
        analyze_tracks(rear.tracks, config, name="rear.mp4"),
    ]
    return assemble(clips, config).to_summary()


@pytest.fixture(scope="module")
def sessions() -> list[H.SessionResult]:
    out = []
    for i, (date, hip_deg, drift_pct) in enumerate(SESSIONS):
        summary = synthetic_summary(hip_deg, drift_pct, seed=10 * i)
        out.append(H.SessionResult(f"s{i}", date, summary, analysis_id=f"a{i}"))
    return out


@pytest.fixture(scope="module")
def rules() -> H.HistoryRules:
    return H.rules_from_config(load_defaults())


def test_every_history_metric_has_a_defensible_mdc() -> None:
    section = default_table()["history"]
    assert section["z"] == pytest.approx(1.96)
    assert len(section["metrics"]) >= 6
    for name, entry in section["metrics"].items():
        assert entry["mdc"] > 0, name
        assert entry["better"] in ("higher", "lower", "either"), name
        assert entry["source"], name
        if entry["source"] == "none":
            assert len(entry.get("rationale", "")) > 40, f"{name}: say where the mdc comes from"
    # the two findings' primary signs are followed
    for name in ("hip_extension_deg", "step_length_leg", "lateral_drift_pct", "trunk_lean_deg"):
        assert name in section["metrics"]


def test_three_sessions_give_the_plot_data_and_mark_the_small_change(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    # given in the wrong order on purpose: the history is chronological
    history = H.build_history([sessions[2], sessions[0], sessions[1]], rules)
    assert [r.session_id for r in history.rows] == ["s0", "s1", "s2"]

    series = H.plot_series(history, "hip_extension_deg")
    expected = [s.summary["metrics"]["hip_extension_deg"]["value"] for s in sessions]
    assert series.dates == tuple(d for d, _, _ in SESSIONS)
    assert series.values == pytest.approx(expected, abs=1e-12)  # the summaries' own numbers
    assert series.unit == "deg"
    # the synthetic runner's true hip extension is recovered within the method's 95 % bound
    # (2.7 deg, README accuracy table): the plot shows the runner, not an artefact
    for value, (_, true_deg, _) in zip(series.values, SESSIONS, strict=True):
        assert value == pytest.approx(true_deg, abs=2.7)
    # band: the first value +- the configured mdc (3.8 deg)
    assert series.mdc == 3.8
    assert series.band_low == pytest.approx(expected[0] - 3.8)
    assert series.band_high == pytest.approx(expected[0] + 3.8)
    # 5 -> 5.5 deg is far below 3.8 deg: no real change; 5.5 -> 14 is a real improvement
    assert series.verdicts == (None, "no_real_change", "real_change")
    step1 = history.rows[1].changes["hip_extension_deg"]
    step2 = history.rows[2].changes["hip_extension_deg"]
    assert abs(step1.delta) < step1.needed
    assert step2.direction == "better" and step2.delta > 3.8
    assert history.rows[2].previous_session_id == "s1"

    # the rear view: 55 -> 54 % drift is no real change, 54 -> 22 % is better (drift lower)
    drift = [r.changes.get("lateral_drift_pct") for r in history.rows]
    assert drift[0] is None
    assert drift[1].verdict == "no_real_change"
    assert drift[2].verdict == "real_change" and drift[2].direction == "better"
    assert history.overall["hip_extension_deg"].verdict == "real_change"


def test_both_findings_across_sessions(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    history = H.build_history(sessions, rules)
    tight = [r.findings["hip_tightness"] for r in history.rows]
    weak = [r.findings["hip_weakness"] for r in history.rows]
    # hip extension 5 deg < 10 deg threshold, then 14 deg; drift 55 % > 40 %, then 22 %
    assert tight == ["flagged", "flagged", "not_flagged"]
    assert weak == ["flagged", "flagged", "not_flagged"]


def _change(before: tuple, after: tuple, *, mdc: float = 1.0, better: Any = "higher") -> H.Change:
    a = H.Reading(value=before[0], sd=before[1], n_strides=before[2])
    b = H.Reading(value=after[0], sd=after[1], n_strides=after[2])
    return H.classify_change("m", a, b, mdc=mdc, better=better, z=1.96)


def test_a_change_must_beat_both_the_method_error_and_the_stride_spread() -> None:
    # exactly at the mdc: not detectable; just above: real
    assert _change((10, None, 0), (11, None, 0)).verdict == "no_real_change"
    assert _change((10, None, 0), (11.01, None, 0)).verdict == "real_change"
    # above the mdc but within the strides' own spread: 1.96 * sqrt(4/16 + 4/16) = 1.386
    noisy = _change((10, 2.0, 16), (11.3, 2.0, 16))
    assert noisy.stride_noise == pytest.approx(1.96 * math.sqrt(0.5), rel=1e-12)
    assert noisy.verdict == "no_real_change"
    assert _change((10, 2.0, 16), (11.4, 2.0, 16)).verdict == "real_change"
    # directions
    assert _change((10, None, 0), (8, None, 0)).direction == "worse"
    assert _change((10, None, 0), (8, None, 0), better="lower").direction == "better"
    assert _change((10, None, 0), (8, None, 0), better="either").direction == "down"
    # a metric missing in one session
    gone = H.classify_change("m", H.Reading(3.0), None, mdc=1, better="higher", z=1.96)
    assert gone.verdict == "not_comparable" and gone.delta is None


def test_sessions_without_a_result_stay_in_the_table_but_not_in_the_plot(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    pending = H.SessionResult("p", "2026-09-20", None)
    history = H.build_history([*sessions, pending], rules)
    assert [r.session_id for r in history.rows] == ["s0", "s1", "p", "s2"]
    assert history.rows[2].findings == {"hip_tightness": "none", "hip_weakness": "none"}
    assert history.rows[2].changes == {}
    # s2 is compared with s1, the last session with a result
    assert history.rows[3].previous_session_id == "s1"
    assert H.plot_series(history, "hip_extension_deg").session_ids == ("s0", "s1", "s2")


def test_chart_has_band_windows_points_and_no_inline_style(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    from gaitlab.web.routers.history import chart_of

    history = H.build_history(sessions, rules)
    svg = charts.chart_svg(chart_of(history, "hip_extension_deg", "deg"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert f"{registry.label('hip_extension_deg')} (deg)" in svg  # the registry's label
    assert len(re.findall(r"<(?:circle|rect) [^>]*data-verdict", svg)) == 3
    assert 'class="band"' in svg
    assert re.findall(r'data-verdict="(\w+)"', svg) == ["first", "no_real_change", "real_change"]
    assert svg.count('class="window"') == 2  # the range of "no real change" at each later point
    assert "style=" not in svg  # the app's CSP has no 'unsafe-inline' for styles
    # each later point says why: the rule that decided, with its threshold
    notes = re.findall(r'data-verdict="(?:no_)?real_change"><title>([^<]+)</title>', svg)
    assert "no real change, within" in notes[0] and "real change (better), beyond" in notes[1]
    assert "smallest detectable change (±3.8 deg)" in notes[0]
    # the points go up and right: later and higher hip extension
    line = re.search(r'<polyline points="([^"]+)"', svg)[1]
    xs, ys = zip(*[map(float, xy.split(",")) for xy in line.split()], strict=True)
    assert list(xs) == sorted(xs) and ys[2] < ys[0]  # SVG y grows downwards
    # hip extension is positive and near zero: its axis starts at zero
    ticks = [float(t) for t in re.findall(r'<text class="tick"[^>]*>([\d.-]+)<', svg)]
    assert min(ticks) == 0


def test_value_axis_does_not_make_a_change_within_the_method_error_look_large() -> None:
    """Cadence 169 -> 168 with a smallest detectable change of 0.7 steps/min was drawn as a
    fall across the whole chart (each axis stretched to its data)."""
    low, high, ticks = charts.value_axis([169.0, 168.0], mdc=0.7)
    assert low <= 168 and high >= 169 and ticks[0] == low and ticks[-1] == high
    assert 1.0 / (high - low) <= 1 / charts.MIN_SPAN_MDC / 0.7  # the drop is a small part
    assert low > 0  # far from zero: no zero start that would flatten everything
    low, high, _ = charts.value_axis([5.0, 14.0], mdc=3.8)
    assert low == 0 and high >= 14  # positive and near zero: from zero
    low, high, _ = charts.value_axis([-3.0, 2.0], mdc=1.0)
    assert low <= -3 and high >= 2  # values below zero are kept
    assert charts.nice_step(7.3) == 2.0 and charts.nice_step(0.33) == 0.1


def test_a_change_beyond_the_band_but_within_the_stride_spread_says_so() -> None:
    """A step length drop of 13% beyond the band was drawn as "no real change" without the
    second rule (the stride spread) ever being shown."""
    from gaitlab.web.routers.history import chart_of

    rules = H.HistoryRules((H.MetricRule("step_length_leg", 0.05, "higher", "test"),), z=1.96)
    summaries = [
        {"metrics": {"step_length_leg": {"value": v, "unit": "leg", "sd": 0.3, "n_strides": 8}}}
        for v in (1.0, 0.87)
    ]
    results = [
        H.SessionResult(f"s{i}", f"2026-10-0{i + 1}", s, f"a{i}") for i, s in enumerate(summaries)
    ]
    history = H.build_history(results, rules)
    change = history.rows[1].changes["step_length_leg"]
    assert abs(change.delta) > change.mdc and change.verdict == "no_real_change"
    assert change.rule == "stride_spread" and change.needed == change.stride_noise
    chart = chart_of(history, "step_length_leg", "leg")
    later = chart.points[1]
    assert later.real is False and later.window[0] < later.value < later.window[1]
    assert "stride-to-stride spread of the two sessions allows (±0.29 leg)" in later.note
    assert _change((10, None, 0), (11.01, None, 0)).rule == "mdc"


def test_warnings_and_refusals_are_kept_in_the_history(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    warned = dict(sessions[1].summary)
    warned["clips"] = [
        {"name": "side.mp4", "checks": [{"status": "warn", "message": "Dim light."}]},
        {"name": "rear.mp4", "checks": [{"status": "pass", "message": "ok"}]},
    ]
    refused = H.SessionResult("r", "2026-09-20", None, state="refused", note="side.mp4: too dark.")
    history = H.build_history(
        [sessions[0], H.SessionResult("w", "2026-09-15", warned, "aw"), refused], rules
    )
    by_id = {r.session_id: r for r in history.rows}
    assert by_id["w"].warnings == ("side.mp4: Dim light.",)
    assert by_id["s0"].warnings == H.capture_warnings(sessions[0].summary)
    assert any("30 frames per second" in w for w in by_id["s0"].warnings)  # 30 fps: a note
    assert by_id["r"].state == "refused" and by_id["r"].note == "side.mp4: too dark."
    assert by_id["w"].state == "done"


def test_keyframes_are_read_from_their_index(tmp_path: Path) -> None:
    from gaitlab.web.keyframes import KeyFrame, read_index

    (tmp_path / "keyframes").mkdir()
    (tmp_path / "keyframes" / "side-toe_off.png").write_bytes(b"png")
    good = {
        "file": "keyframes/side-toe_off.png", "clip": "side.mp4", "moment": "toe_off",
        "side": "left", "frame": 281, "time_s": 9.367, "caption": "Toe-off, left",
        "metric": "hip_extension_deg", "value": 13.1, "unit": "deg",
    }  # fmt: skip
    index = {
        "schema": 1,
        "frames": [
            good,
            {**good, "file": "keyframes/missing.png"},  # no such file
            {**good, "file": "../../gaitlab.db"},  # outside keyframes/
            {**good, "frame": "281"},  # malformed
            "not an entry",
            {**good, "side": None, "metric": None, "value": None, "unit": None},
        ],
    }
    (tmp_path / "keyframes" / "index.json").write_text(json.dumps(index))
    frames = read_index(tmp_path)
    assert frames[0] == KeyFrame(
        "keyframes/side-toe_off.png", "side.mp4", "toe_off", "left", 281, 9.367, "Toe-off, left",
        "hip_extension_deg", 13.1, "deg",
    )  # fmt: skip
    assert len(frames) == 2 and frames[1].side is None and frames[1].value is None
    (tmp_path / "keyframes" / "index.json").write_text(json.dumps({**index, "schema": 2}))
    assert read_index(tmp_path) == []  # another format: nothing rather than a misreading
    assert read_index(tmp_path / "nowhere") == []


def test_the_reports_key_frame_index_is_what_the_web_reads(tmp_path: Path) -> None:
    """The report's writer and the web's reader agree on the index (one format, two ends)."""
    import numpy as np

    from gaitlab.report.keyframes import KeyFrame as Drawn
    from gaitlab.report.write import write_keyframes
    from gaitlab.web.keyframes import read_index

    picture = np.zeros((8, 6, 3), np.uint8)
    drawn = [
        Drawn("toe_off", "side run.mp4", "left", 281, 9.367, picture, {"thigh_deg": 13.0}, False,
              "hip_extension_deg", 13.1, "deg"),
        Drawn("peak_drift", "rear.mp4", "right", 40, 1.333, picture, {"drift_pct": 4.0}, False),
    ]  # fmt: skip
    write_keyframes(tmp_path, drawn)
    frames = read_index(tmp_path)
    assert [(k.clip, k.moment, k.side, k.frame, k.time_s) for k in frames] == [
        ("side run.mp4", "toe_off", "left", 281, 9.367),
        ("rear.mp4", "peak_drift", "right", 40, 1.333),
    ]
    assert (frames[0].metric, frames[0].value, frames[0].unit) == ("hip_extension_deg", 13.1, "deg")
    assert all((tmp_path / k.file).read_bytes().startswith(b"\x89PNG") for k in frames)


def test_downloads_are_found_through_the_files_index(tmp_path: Path) -> None:
    from gaitlab.web.storage import download_path, write_files_index

    (tmp_path / "report-ann-2026-12-01.pdf").write_bytes(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(b"%PDF old")
    (tmp_path / "strides.csv").write_text("clip\n")
    assert download_path(tmp_path, "pdf") == tmp_path / "report.pdf"  # an old analysis
    written = {
        "pdf": tmp_path / "report-ann-2026-12-01.pdf",
        "report": tmp_path / "report.html",  # not a download
        "programme_pdf": tmp_path / "elsewhere" / "home-programme.pdf",  # not in the folder
    }
    write_files_index(tmp_path, written)
    assert json.loads((tmp_path / "files.json").read_text()) == {"pdf": "report-ann-2026-12-01.pdf"}
    assert download_path(tmp_path, "pdf") == tmp_path / "report-ann-2026-12-01.pdf"
    assert download_path(tmp_path, "csv") == tmp_path / "strides.csv"  # not listed: usual name
    assert download_path(tmp_path, "programme_pdf") is None  # missing
    assert download_path(tmp_path, "report") is None  # not a kind of download
    for bad in ("../gaitlab.db", "/etc/passwd", ".hidden.pdf", "sub/report.pdf"):
        (tmp_path / "files.json").write_text(json.dumps({"pdf": bad}))
        assert download_path(tmp_path, "pdf") == tmp_path / "report.pdf", bad


def test_compare_shows_both_sessions_earlier_first(
    sessions: list[H.SessionResult], rules: H.HistoryRules
) -> None:
    comparison = H.compare_sessions(sessions[2], sessions[0], rules)
    assert (comparison.a.session_id, comparison.b.session_id) == ("s0", "s2")
    before, after = comparison.readings["hip_extension_deg"]
    assert before.value == sessions[0].summary["metrics"]["hip_extension_deg"]["value"]
    assert after.value == sessions[2].summary["metrics"]["hip_extension_deg"]["value"]
    assert comparison.changes["hip_extension_deg"].verdict == "real_change"
    assert comparison.findings["hip_tightness"] == ("flagged", "not_flagged")
