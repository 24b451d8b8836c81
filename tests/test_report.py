"""The report: report.html (content, order, autoescaping), report.pdf and annotated.mp4.

The real clip's report is the one `gaitlab analyze` wrote for the session fixture
``male_side_run`` (so the command line's wiring is tested too); the pose model runs once.
Synthetic runners with known answers (``gaitlab.synthetic``) give a two-view session where both
findings are assessed and flagged, with no video (skeletons on a plain background).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.api import analyze_pose, analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.pose.extract import PoseResult
from gaitlab.pose.landmarks import INDEX
from gaitlab.report import draw, write_report
from gaitlab.report.cycles import cycle_curves
from gaitlab.report.keyframes import key_frames
from gaitlab.result import Check
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.video import probe
from gaitlab.words import entry, say

from .conftest import MALE_SIDE

SECTIONS = ("verdict", "todo", "pictures", "clinician", "guide")
#: What must not be shown outside the therapist's layer: repository paths, DOIs, "synthetic".
TECHNICAL = re.compile(
    r"(\b(?:benchmarks|tests|gaitlab|docs|models)/[\w./-]+|\bdoi\b|\b10\.\d{4,}/|synthetic)", re.I
)


# ----------------------------------------------------------------------------- helpers
def flagged_two_view():
    """A side and a rear synthetic clip of one runner with tight and weak hips (both flagged):
    hip extension 4 deg (threshold 10), pelvis drift 60% of pelvis width (threshold 40),
    trunk lean 8 deg (threshold 5)."""
    cfg = load_defaults()
    side = generate_run(RunnerSpec(view="side", hip_extension_deg=4.0)).tracks
    rear = generate_run(RunnerSpec(view="rear", lateral_drift_pct=60.0, trunk_lean_deg=8.0)).tracks
    clips = [
        analyze_tracks(side, cfg, name="side.mp4"),
        analyze_tracks(rear, cfg, name="rear.mp4"),
    ]
    return assemble(clips, cfg)


def real_analysis(tracks):
    """The sample clip's analysis rebuilt from the landmarks `gaitlab analyze` saved."""
    cfg = load_defaults()
    pose = PoseResult(tracks=tracks, video=probe(MALE_SIDE), runner=None, model=None)
    return assemble([analyze_pose(pose, cfg, path=MALE_SIDE)], cfg)


class _Page(HTMLParser):
    """Collects section ids in order, images (src, their figure's class) and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[tuple[str, str]] = []
        self.svgs: list[str] = []
        self.figure = ""
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id", ""))
        if tag == "figure":
            self.figure = a.get("class", "")
        if tag == "img":
            self.images.append((a.get("src", ""), self.figure))
        if tag == "svg":
            self.svgs.append(self.figure)
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def section(html: str, name: str) -> str:
    """The HTML of the element with ``id="name"`` (a section, div, ...), nested ones included."""
    m = re.search(rf'<(\w+)\b[^>]*\sid="{re.escape(name)}"', html)
    assert m, f"no element with id {name}"
    tag, depth = m.group(1), 1
    for t in re.finditer(rf"<(/?){tag}\b[^>]*>", html[m.end() :]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return html[m.start() : m.end() + t.end()]
    raise AssertionError(f"element {name} is not closed")


def plain_layer(html: str) -> str:
    """The page without the therapist's layer (the ``<section id="clinician">``)."""
    clinician = section(html, "clinician")
    return html.replace(clinician, "")


def plain_text(html: str) -> str:
    return parse(html).plain


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def real_report(male_side_run) -> tuple[str, dict]:
    """report.html written by `gaitlab analyze` for the sample clip, and its summary."""
    return (male_side_run.out_dir / "report.html").read_text(
        encoding="utf-8"
    ), male_side_run.summary


@pytest.fixture(scope="module")
def two_view(tmp_path_factory):
    """The flagged two-view synthetic session and its report folder (HTML and PDF)."""
    analysis = flagged_two_view()
    out = tmp_path_factory.mktemp("report_two_view")
    written = write_report(analysis, out, pdf=True, video=True)
    return analysis, written


# ----------------------------------------------------------------------------- real clip
def test_real_report_sections_in_order_and_self_contained(real_report):
    html, _summary = real_report
    page = parse(html)
    assert page.sections == list(SECTIONS)
    # self-contained: every picture is embedded, nothing is fetched from elsewhere
    assert page.images and all(src.startswith("data:image/") for src, _ in page.images)
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "<style>" in html and "stylesheet" not in html
    assert sum("keyframe" in fig for _, fig in page.images) == 3
    assert sum("plot" in fig for fig in page.svgs) == 4  # inline SVG, text kept as text
    assert say("disclaimer.no_exercises") in page.plain
    # the key frames are the clip's own pictures
    assert say("report.keyframe.plain_background", clip="male_side.mp4") not in page.plain
    # the annotated clip is linked from the report and lies beside it
    assert 'src="annotated.mp4"' in html


def test_real_report_verdict_in_plain_words_with_next_steps(real_report):
    html, summary = real_report
    verdict = plain_text(section(html, "verdict"))
    statuses = {f["pattern"]: f["status"] for f in summary["findings"]}
    assert statuses == {"hip_tightness": "not_flagged", "hip_weakness": "not_assessed"}
    m = summary["metrics"]["hip_extension_deg"]
    # as a therapist says it: value, threshold and what it means
    assert say("report.plain.clear_hip_tightness") in verdict
    assert f"{m['value']:.1f} deg: above the 10.0 deg minimum, normal" in verdict
    assert say("report.plain.not_assessed_hip_weakness") in verdict
    # not assessed: no rear clip was given, how to film one, and the command to add it
    assert say("report.next.none_given_rear") in verdict
    assert say("report.next.film_rear") in verdict
    assert "gaitlab analyze male_side.mp4 REAR.mp4 --out DIR" in verdict
    assert 'href="#guide-rear"' in section(html, "verdict")
    assert 'id="guide-rear"' in section(html, "guide")
    # the disclaimer is with the verdict, not alone at the end
    assert say("disclaimer.no_exercises") in verdict


def test_real_report_evidence_shows_values_thresholds_and_trust(real_report):
    html, summary = real_report
    evidence = section(html, "evidence")
    assert evidence in section(html, "clinician")  # one click away, in the details
    m = summary["metrics"]["hip_extension_deg"]
    row_start = evidence.index('data-metric="hip_extension_deg"')
    row = plain_text(evidence[row_start : evidence.index('data-metric="step_length_leg"')])
    # value, left and right as rounded in the report (0.1 deg), threshold and its source
    assert f"{m['value']:.1f} deg" in row
    if m["left"] is not None:
        assert f"{m['left']:.1f} deg" in row
    assert "< 10.0 deg" in row
    assert "Souza 2016" in row
    assert f"{m['n_strides']} strides" in row
    assert m["accuracy"][:40] in row
    # a word on the left/right difference: from the side the far leg is not compared
    assert "far leg is partly hidden" in row
    steps = summary["clips"][0]["strides"]["usable_per_side"]
    text = plain_text(evidence)
    assert f"({steps['left']} left, {steps['right']} right)" in text
    assert "the pose was found in 100% of frames" in text


def test_real_report_nothing_flagged_says_nothing_to_change(real_report):
    html, _ = real_report
    todo = plain_text(section(html, "todo"))
    assert say("report.plain.nothing_to_change") in todo
    assert say("advice.see_therapist") not in todo  # no exercises to check
    assert "Clamshells" not in todo  # no exercises when nothing is flagged


def test_real_report_clip_quality_facts(real_report):
    html, summary = real_report
    quality = plain_text(section(html, "quality"))
    assert "30 fps" in quality
    assert "720 × 1280 px" in quality
    assert "100%" in quality  # share of frames tracked
    checks = summary["clips"][0].get("checks", [])
    if checks:  # gaitlab.quality fills them: each one is shown
        for c in checks:
            assert c["message"] in quality
    else:
        assert say("report.quality.no_checks") in quality
    guide = plain_text(section(html, "guide"))
    for item in entry("guide")["items"]:  # the filming guide of the words catalogue
        assert item["topic"] in guide


# ----------------------------------------------------------------------------- annotated.mp4
def test_annotated_video_plays_in_browsers_and_keeps_the_clip_timing(male_side_run):
    path = male_side_run.out_dir / "annotated.mp4"
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart: the index comes first
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == Fraction(30, 1)
        assert stream.width % 2 == 0 and stream.height % 2 == 0
        n = sum(1 for _ in container.decode(video=0))
    assert n == male_side_run.summary["video"]["frames"] == 360


def _frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    out = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in indices:
                out[i] = frame.to_ndarray(format="rgb24")
            if i >= max(indices):
                break
    return out


def test_annotated_video_skeleton_lies_on_the_landmarks(male_side_run):
    clip = real_analysis(male_side_run.tracks).clips[0]
    xy = clip.tracks.image_xy_px
    sampled = set(range(0, 161, 8))  # 21 frames spread over 5 s (7 strides)
    drawn = _frames(male_side_run.out_dir / "annotated.mp4", sampled)
    original = _frames(MALE_SIDE, sampled)
    colours = {"left": np.array(draw.LEFT), "right": np.array(draw.RIGHT)}
    hits = misses = raw_hits = 0
    for i in sampled:
        for side in ("left", "right"):
            for part in ("hip", "knee", "ankle", "shoulder", "elbow"):
                point = xy[i, INDEX[f"{side}_{part}"]]
                if not np.isfinite(point).all():
                    continue  # a landmark missing in this frame is not drawn
                x, y = np.round(point).astype(int)
                patch = drawn[i][y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).mean(axis=0)
                raw = original[i][y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).mean(axis=0)
                # a joint's dot (radius 7 px here) shows its side's colour; where the left and
                # right joints overlap in the side view, the one drawn last (right) covers the
                # other, so either side colour counts. H.264 (4:2:0 chroma) shifts colours of
                # small dots by a few tens of levels: 60 per channel is well below the distance
                # between the two colours and the picture behind. The near leg's angle labels
                # sit behind the runner and can hide a far-leg joint now and then (about 5%
                # of joints on this clip), hence 90% rather than all.
                near = [np.abs(patch - c).max() <= 60 for c in colours.values()]
                hits += any(near)
                misses += not any(near)
                raw_hits += any(np.abs(raw - c).max() <= 60 for c in colours.values())
    assert hits + misses >= 180  # most of the 210 joints were tracked in these frames
    assert hits >= 0.9 * (hits + misses), (hits, misses)
    assert raw_hits <= 0.2 * (hits + misses)  # the colours are not already in the clip


def test_clip_whose_video_is_gone_gets_plain_key_frames_and_no_video(male_side_run, tmp_path):
    analysis = real_analysis(male_side_run.tracks)
    gone = dataclasses.replace(analysis.clips[0], path=tmp_path / "moved_away.mp4")
    written = write_report(dataclasses.replace(analysis, clips=(gone,)), tmp_path / "out")
    assert set(written) == {"report", "keyframes"}  # nothing to draw the annotated clip on
    html = written["report"].read_text(encoding="utf-8")
    page = parse(html)
    assert say("report.keyframe.plain_background", clip=gone.name) in page.plain
    assert sum("keyframe" in fig for _, fig in page.images) == 3
    assert "annotated.mp4" not in html


# ----------------------------------------------------------------------------- synthetic
def test_two_view_report_both_findings_flagged_with_exercises(two_view):
    analysis, written = two_view
    assert {f.pattern: f.status for f in analysis.findings} == {
        "hip_tightness": "flagged",
        "hip_weakness": "flagged",
    }
    html = written["report"].read_text(encoding="utf-8")
    page = parse(html)
    assert page.sections == list(SECTIONS)
    verdict = plain_text(section(html, "verdict"))
    for f in analysis.findings:
        assert say(f"report.plain.found_{f.pattern}") in verdict
    # the sign that was found is named, with its value and threshold
    assert "below the 10.0 deg minimum" in verdict
    todo = plain_text(section(html, "todo"))
    assert "3 sets of 10" in todo
    assert "5-10 minutes" in todo
    for step in entry("exercises.hip_weakness.activation"):
        assert step in todo  # standing, walking, running, hills, in that order
    positions = [todo.index(s) for s in entry("exercises.hip_weakness.activation")]
    assert positions == sorted(positions)
    for item in entry("exercises.hip_tightness.items") + entry("exercises.hip_weakness.items"):
        assert item["name"] in todo
    assert say("advice.see_therapist") in todo


def test_two_view_report_without_video_draws_on_plain_background(two_view):
    _analysis, written = two_view
    html = written["report"].read_text(encoding="utf-8")
    page = parse(html)
    assert sum("keyframe" in fig for _, fig in page.images) == 5  # 3 side + 2 rear
    assert sum("plot" in fig for fig in page.svgs) == 7  # 4 side + 3 rear
    for clip in ("side.mp4", "rear.mp4"):
        assert say("report.keyframe.plain_background", clip=clip) in page.plain
    # landmarks given: no video to draw on, so no annotated.mp4 and no link to one
    assert set(written) == {"report", "pdf", "keyframes", "programme", "programme_pdf"}
    assert "annotated.mp4" not in html
    assert not list(written["report"].parent.glob(".*.part"))


def test_two_view_cycle_curves_match_the_synthetic_truth(two_view):
    analysis, _ = two_view
    side, rear = analysis.clips
    curves = {c.key: c for clip in (side, rear) for c in cycle_curves(
        clip.tracks, clip.strides, view=clip.view.label, facing=clip.view.facing, clip=clip.name
    )}  # fmt: skip
    for key, c in curves.items():
        assert c.n_strides("left") >= 10 and c.n_strides("right") >= 10, key
    for s in ("left", "right"):
        # trunk lean is constant in the synthetic runner (8 deg): exact up to filtering
        np.testing.assert_allclose(curves["trunk_forward"].mean(s), 8.0, atol=0.2)
        # pelvis travel, peak to peak, is the truth's 60% of pelvis width; the mean curve
        # averages strides of slightly different timing, so 2 points
        travel = curves["pelvis_travel"].mean(s)
        assert travel.max() - travel.min() == pytest.approx(60.0, abs=2.0)
        # sideways trunk lean swings +-8 deg (truth); peaks of the mean read a little low
        assert np.abs(curves["trunk_side"].mean(s)).max() == pytest.approx(8.0, abs=0.5)
        # the thigh's peak extension (truth 4 deg at toe-off), within a degree
        assert curves["hip_angle"].mean(s).max() == pytest.approx(4.0, abs=1.0)
        # toe-off at contact / stride time: 250 ms of a 60/170*2 s stride = 35.4%; the side-view
        # detector times toe-off when the foot's backward speed falls, up to a frame (33 ms, 4.7%
        # of this stride) after the synthetic runner's own instant (tests/test_events.py)
        assert curves["hip_angle"].toe_off_pct[s] == pytest.approx(35.4 + 2.35, abs=2.35)


def test_key_frames_are_the_frames_the_numbers_come_from(two_view):
    analysis, _ = two_view
    side, rear = analysis.clips
    frames = {k.key: k for k in key_frames(side)}
    assert list(frames) == ["foot_strike", "mid_stance", "toe_off"]
    fs, to = frames["foot_strike"], frames["toe_off"]
    row = side.strides[
        (side.strides["foot_strike_frame"] == fs.frame_index) & (side.strides["side"] == fs.side)
    ]
    assert len(row) == 1  # the strike frame is the stride's own strike frame
    # the synthetic thigh peaks at its toe-off, and the metric's window ends at the detected
    # toe-off frame, which comes up to a frame after the synthetic instant: the hip-extension
    # frame is the toe-off frame or the one before
    assert to.frame_index - int(row["toe_off_frame"].iloc[0]) in (-1, 0)
    assert fs.frame_index < frames["mid_stance"].frame_index < to.frame_index
    # each picture documents its metric: the stride's value, near the report's mean
    for k in frames.values():
        assert k.metric in side.metrics and k.unit == side.metrics[k.metric].unit
        assert k.reported == pytest.approx(side.metrics[k.metric].value)
    assert to.metric == "hip_extension_deg"
    assert to.value == pytest.approx(4.0, abs=1.0)  # the truth
    assert to.value == pytest.approx(side.metrics["hip_extension_deg"].value, abs=0.5)
    assert to.values["thigh_deg"] == to.value  # the label drawn is the number
    assert all(k.plain for k in frames.values())
    rear_frames = {k.key: k for k in key_frames(rear)}
    assert list(rear_frames) == ["peak_drift", "peak_lean"]
    # the pelvis at its furthest: half the 60% travel from the stride's middle
    assert rear_frames["peak_drift"].values["drift_pct"] == pytest.approx(30.0, abs=3.0)
    assert rear_frames["peak_drift"].value == pytest.approx(
        rear.metrics["lateral_drift_pct"].value, abs=3.0
    )
    assert rear_frames["peak_lean"].values["lean_deg"] == pytest.approx(8.0, abs=0.7)


def test_key_frames_never_show_a_lost_swing_leg():
    """A frame whose two feet lie on one another (the pose model drew the swing leg on the
    stance leg) is passed over for another stride's."""
    from gaitlab.pose.body import leg_length_px
    from gaitlab.report.keyframes import legs_overlap

    cfg = load_defaults()
    tracks = generate_run(RunnerSpec(view="side", hip_extension_deg=4.0)).tracks
    clip = analyze_tracks(tracks, cfg, name="side.mp4")
    chosen = {k.key: k for k in key_frames(clip)}
    leg = leg_length_px(clip.tracks)
    xy = clip.tracks.image_xy_px.copy()
    # the chosen stride loses its swing leg at the peak knee bend
    i = chosen["mid_stance"].frame_index
    stance = chosen["mid_stance"].side
    other = "right" if stance == "left" else "left"
    for part in ("hip", "knee", "ankle", "heel", "foot_index"):
        xy[i, INDEX[f"{other}_{part}"]] = xy[i, INDEX[f"{stance}_{part}"]] + 2.0
    assert legs_overlap(xy[i], leg)
    lost = dataclasses.replace(clip, tracks=dataclasses.replace(clip.tracks, image_xy_px=xy))
    again = {k.key: k for k in key_frames(lost)}
    assert set(again) == {"foot_strike", "mid_stance", "toe_off"}
    assert again["mid_stance"].frame_index != i
    assert not any(legs_overlap(xy[k.frame_index], leg) for k in again.values())


def test_key_frames_are_files_with_an_index(two_view):
    analysis, written = two_view
    index_path = written["keyframes"]
    assert index_path == written["report"].parent / "keyframes" / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    assert index["schema"] == 1
    frames = index["frames"]
    assert [(f["clip"], f["moment"]) for f in frames] == [
        ("side.mp4", "foot_strike"), ("side.mp4", "mid_stance"), ("side.mp4", "toe_off"),
        ("rear.mp4", "peak_drift"), ("rear.mp4", "peak_lean"),
    ]  # fmt: skip
    keys = {"file", "clip", "moment", "side", "frame", "time_s", "caption", "metric", "value",
            "unit"}  # fmt: skip
    html = written["report"].read_text(encoding="utf-8")
    by_clip = {c.name: c for c in analysis.clips}
    for f in frames:
        assert set(f) == keys
        path = written["report"].parent / f["file"]
        assert f["file"].startswith("keyframes/") and path.is_file()
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f["side"] in ("left", "right")
        assert f["time_s"] == pytest.approx(by_clip[f["clip"]].tracks.time_s[f["frame"]], abs=1e-3)
        assert f["metric"] in by_clip[f["clip"]].metrics and isinstance(f["value"], float)
        assert f["caption"] in plain_text(html)  # the page shows the same picture's caption


def test_pdf_renders_pages_with_the_verdict(two_view):
    analysis, written = two_view
    pdf = written["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF")
    for tool in ("pdftoppm", "pdftotext"):
        assert shutil.which(tool), f"{tool} is missing: run setup.sh (poppler-utils)"
    prefix = pdf.parent / "page"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(prefix)], check=True)
    pages = sorted(pdf.parent.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.stat().st_size > 1000 for p in pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    for f in analysis.findings:
        assert say(f"report.plain.found_{f.pattern}") in flat
    assert say("disclaimer.text") in flat
    # the printed report points to the home programme instead of repeating the cards
    assert written["programme_pdf"].name in flat


def test_autoescape_keeps_markup_in_names_as_text(tmp_path):
    cfg = load_defaults()
    name = '<img src=x onerror="alert(1)">&.mp4'  # a clip name is the user's file name
    clip = analyze_tracks(generate_run(RunnerSpec(view="side")).tracks, cfg, name=name)
    written = write_report(assemble([clip], cfg), tmp_path, video=False)
    html = written["report"].read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;.mp4" in html


def test_checks_are_rendered_and_fallback_when_empty(tmp_path):
    cfg = load_defaults()
    clip = analyze_tracks(generate_run(RunnerSpec(view="side")).tracks, cfg, name="a.mp4")
    check = Check(
        name="frame_rate",
        status="warn",
        message="The clip runs at 30 frames per second.",
        fix="Film at 60 frames per second.",
        value=30.0,
        unit="fps",
    )
    with_checks = dataclasses.replace(clip, checks=(check,))
    html = write_report(assemble([with_checks], cfg), tmp_path / "a", video=False)["report"]
    quality = plain_text(section(html.read_text(encoding="utf-8"), "quality"))
    assert check.message in quality and check.fix in quality
    assert say("report.quality.status_warn") in quality
    assert say("report.quality.no_checks") not in quality
    without = dataclasses.replace(clip, checks=())  # e.g. a summary from before the checks
    html = write_report(assemble([without], cfg), tmp_path / "b", video=False)["report"]
    quality = plain_text(section(html.read_text(encoding="utf-8"), "quality"))
    assert say("report.quality.no_checks") in quality


def test_too_few_strides_reports_could_not_judge(tmp_path):
    cfg = load_defaults()
    tracks = generate_run(RunnerSpec(view="side", duration_s=3.0)).tracks
    analysis = assemble([analyze_tracks(tracks, cfg, name="short.mp4")], cfg)
    assert analysis.findings[0].status == "insufficient_evidence"
    html = write_report(analysis, tmp_path, video=False)["report"].read_text(encoding="utf-8")
    verdict = plain_text(section(html, "verdict"))
    assert say("report.status.insufficient_evidence") in verdict
    assert analysis.findings[0].summary in verdict


# ----------------------------------------------------------------------------- command line
def test_cli_report_options(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import gaitlab.api
    from gaitlab.cli import app

    analysis = assemble(
        [analyze_tracks(generate_run(RunnerSpec(view="side")).tracks, name="clip.mp4")],
        load_defaults(),
    )
    monkeypatch.setattr(gaitlab.api, "analyze", lambda *a, **k: analysis)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")  # never read: the analysis is given
    runner = CliRunner()
    result = runner.invoke(
        app, ["analyze", str(video), "--out", str(tmp_path / "a"), "--no-report"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "summary.json").exists()
    assert not (tmp_path / "a" / "report.html").exists()
    args = ["analyze", str(video), "--out", str(tmp_path / "b"), "--pdf", "--no-video"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "report.html").exists()
    assert (tmp_path / "b" / "report.pdf").read_bytes().startswith(b"%PDF")
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["findings"][0]["status"] == "not_flagged"
    # who and when: on the page and in the PDF's name
    args = ["analyze", str(video), "--out", str(tmp_path / "c"), "--pdf", "--no-video",
            "--runner", "Alex Example", "--session-date", "2026-12-01"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "c" / "report-alex-example-2026-12-01.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and str(pdf) in result.output
    html = (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    assert "Runner: Alex Example" in html and "Session of 2026-12-01" in html
    bad = runner.invoke(app, [*args[:3], str(tmp_path / "d"), "--session-date", "1 Dec"])
    assert bad.exit_code == 2
    assert say("error.cli.session_date", value="1 Dec") in bad.output
    assert "Traceback" not in bad.output


# ----------------------------------------------------------------------------- who, units, ranges
def test_distances_in_centimetres_when_the_height_is_known(tmp_path):
    cfg = load_defaults().with_overrides({"runner": {"height_m": 1.75}})
    side = generate_run(RunnerSpec(view="side", hip_extension_deg=4.0)).tracks
    analysis = assemble([analyze_tracks(side, cfg, name="side.mp4")], cfg)
    html = write_report(analysis, tmp_path, video=False)["report"].read_text(encoding="utf-8")
    m = analysis.metrics["step_length_leg"]
    cm = analysis.metrics["step_length_m"].value * 100.0
    verdict = plain_text(section(html, "verdict"))
    # step length as a therapist says it, with centimetres from the height
    assert re.search(
        rf"Step length {m.value:.2f} leg lengths \({cm:.0f} cm\): (above|below) the 0.90", verdict
    )
    ahead = analysis.metrics["foot_strike_ahead_leg"].value * 0.491 * 175.0
    assert f"({ahead:.0f} cm)" in plain_text(section(html, "evidence"))
    without = write_report(assemble(analysis.clips, load_defaults()), tmp_path / "b", video=False)
    assert " cm)" not in plain_text(without["report"].read_text(encoding="utf-8"))


def test_usual_values_with_their_sources_and_coarse_timing(tmp_path):
    cfg = load_defaults()
    side = generate_run(RunnerSpec(view="side")).tracks  # 30 fps
    analysis = assemble([analyze_tracks(side, cfg, name="side.mp4")], cfg)
    html = write_report(analysis, tmp_path, video=False)["report"].read_text(encoding="utf-8")
    evidence = section(html, "evidence")
    row = plain_text(evidence[evidence.index('data-metric="cadence_spm"') :])
    assert "uninjured men run at about 171 steps/min" in row and "Heiderscheit" in row
    knee = plain_text(evidence[evidence.index('data-metric="knee_flexion_peak_stance_deg"') :])
    assert "about 40-45 deg" in knee and "Souza 2016" in knee
    contact = plain_text(evidence[evidence.index('data-metric="contact_time_ms"') :])
    assert "contact and flight times are coarse; film at 60 or more" in plain_text(evidence)
    assert "no published source" in contact


def test_a_check_that_could_not_be_measured_never_reads_pass(tmp_path):
    cfg = load_defaults()
    clip = analyze_tracks(generate_run(RunnerSpec(view="side")).tracks, cfg, name="a.mp4")
    unmeasured = Check(
        name="tilt",
        status="pass",
        message=say("check.not_measured", what=say("check.labels.tilt")),
        fix="",
        unit="deg",
    )
    html = write_report(
        assemble([dataclasses.replace(clip, checks=(unmeasured,))], cfg), tmp_path, video=False
    )["report"].read_text(encoding="utf-8")
    quality = section(html, "quality")
    row = plain_text(quality[quality.index("check-not_measured") :])
    assert say("report.quality.status_not_measured") in row
    assert say("report.quality.status_pass") not in plain_text(quality)


def test_who_and_when_in_the_header_and_the_pdf_name(two_view, tmp_path):
    analysis, _ = two_view
    written = write_report(
        analysis, tmp_path, pdf=False, video=False, runner="Zoë O'Neil", session_date=None
    )
    html = written["report"].read_text(encoding="utf-8")
    header = plain_text(html[: html.index("<main>")])
    assert say("report.who.runner", runner="Zoë O'Neil") in header
    assert say("report.who.no_session") in header
    from gaitlab.report.write import pdf_name

    assert pdf_name("report", "Zoë O'Neil", None) == "report-zoe-o-neil.pdf"
    assert pdf_name("report", None, None) == "report.pdf"
    import datetime as _dt

    assert pdf_name("report", "R 12", _dt.date(2026, 3, 4)) == "report-r-12-2026-03-04.pdf"


def test_report_writing_reports_progress_for_every_file(tmp_path):
    calls: list[tuple[str, int, int]] = []
    analysis = flagged_two_view()
    written = write_report(
        analysis, tmp_path, video=False, progress=lambda s, d, t: calls.append((s, d, t))
    )
    stages = list(dict.fromkeys(s for s, _, _ in calls))
    assert stages == ["keyframes", "report.html", "home-programme.html"]
    for stage in stages:
        mine = [(d, t) for s, d, t in calls if s == stage]
        assert mine[0][0] < mine[0][1] and mine[-1][0] == mine[-1][1]  # started, then done
    assert set(written) == {"keyframes", "report", "programme"}


def test_annotated_video_reports_its_frames_as_it_goes(tmp_path):
    from gaitlab.pose.tracks import PoseTracks
    from gaitlab.report.annotate import PROGRESS_EVERY, write_annotated_video

    clip = real_analysis(
        PoseTracks.load_npz(MALE_SIDE.parents[1] / "tests/data/male_side.tracks.npz")
    ).clips[0]
    calls: list[tuple[int, int]] = []
    write_annotated_video(clip, tmp_path / "a.mp4", progress=lambda d, t: calls.append((d, t)))
    total = clip.pose.video.n_frames
    assert calls[-1] == (total, total)
    assert len(calls) >= total // PROGRESS_EVERY
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_key_frames_use_the_stride_tables_frame_columns_when_present():
    """The events stage may name the frame a stride's value is read at (``hip_extension_frame``
    ...): the picture is then that very frame."""
    cfg = load_defaults()
    clip = analyze_tracks(generate_run(RunnerSpec(view="side")).tracks, cfg, name="side.mp4")
    chosen = {k.key: k for k in key_frames(clip)}
    strides = clip.strides.copy()
    row = strides.index[strides["foot_strike_frame"] == chosen["foot_strike"].frame_index][0]
    given = chosen["toe_off"].frame_index + 1
    strides["hip_extension_frame"] = np.nan
    strides.loc[row, "hip_extension_frame"] = given
    again = {k.key: k for k in key_frames(dataclasses.replace(clip, strides=strides))}
    assert again["toe_off"].frame_index == given
    assert again["foot_strike"].frame_index == chosen["foot_strike"].frame_index
