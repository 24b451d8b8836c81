"""Exercises a person can do: the drawings, the cards, and the one-page home programme.

The drawings are made by ``gaitlab.report.exercise_pictures`` and shipped as SVG files; the
cards' words live in the catalogue; the home programme is written beside the report when a
finding is flagged, as HTML and as a one-page PDF.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.report import exercise_pictures as ep
from gaitlab.report import write_report
from gaitlab.report.exercises import CARD_FIELDS, exercise_card, flagged_exercises
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.words import entry, say

from .test_report import flagged_two_view, plain_text, section

PATTERNS = ("hip_tightness", "hip_weakness")
SVG = "{http://www.w3.org/2000/svg}"


def pdf_pages(path: Path) -> int:
    """The page count of a PDF, from poppler's pdfinfo."""
    assert shutil.which("pdfinfo"), "pdfinfo is missing: run setup.sh (poppler-utils)"
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def pdf_blocks(path: Path) -> list[str]:
    """The text blocks of a PDF (poppler's ``pdftotext -bbox-layout``), each as one line:
    a heading that wraps stays one block, whatever the columns around it."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    blocks = re.findall(r"<block[^>]*>(.*?)</block>", out, re.S)
    return [" ".join(re.findall(r"<word[^>]*>(.*?)</word>", b)) for b in blocks]


# ----------------------------------------------------------------------------- geometry
@pytest.mark.parametrize("bend", [1, -1])
def test_two_link_keeps_segment_lengths_and_bends_to_the_side_asked(bend):
    a, c = (0.0, 0.0), (30.0, -40.0)
    knee = ep.two_link(a, c, 44.0, 43.0, bend)
    assert math.dist(a, knee) == pytest.approx(44.0)
    assert math.dist(knee, c) == pytest.approx(43.0)
    cross = (c[0] - a[0]) * (knee[1] - a[1]) - (c[1] - a[1]) * (knee[0] - a[0])
    assert math.copysign(1, cross) == bend  # left of a->c for +1
    # out of reach: the straight limb pointing at the target
    far = ep.two_link(a, (200.0, 0.0), 44.0, 43.0, bend)
    assert far == pytest.approx((44.0, 0.0), abs=1e-3)


def test_two_link3_and_camera_keep_lengths_in_the_picture_plane():
    a, c = (0.0, 10.0, 0.0), (40.0, 8.0, 30.0)
    mid = ep.two_link3(a, c, 44.0, 43.0, (0.0, 1.0, 0.0))
    assert math.dist(a, mid) == pytest.approx(44.0)
    assert math.dist(mid, c) == pytest.approx(43.0)
    assert mid[1] > 10.0  # bent toward +y as asked
    # a segment parallel to the picture plane keeps its length; one along the view shrinks
    cam = ep.Camera(azimuth_deg=0.0, elevation_deg=0.0)
    assert math.dist(cam.p((0, 0, 0)), cam.p((10, 0, 0))) == pytest.approx(10.0)
    assert math.dist(cam.p((0, 0, 0)), cam.p((0, 0, 10))) == pytest.approx(0.0)
    assert cam.depth((0, 0, 10)) > cam.depth((0, 0, 0))  # +z is toward the viewer
    top = ep.Camera(azimuth_deg=0.0, elevation_deg=90.0)
    assert top.p((0, 0, -10))[1] == pytest.approx(10.0)  # seen from above, far is up


@pytest.mark.parametrize("name", list(ep.DRAWINGS))
def test_side_view_drawings_keep_the_body_on_or_above_the_floor(name):
    picture = ep.DRAWINGS[name]()
    assert picture.floor or picture.mat, f"{name} has neither a floor nor a mat"
    if not picture.floor:
        return  # a mat seen at an angle: its depth is in the drawing
    for pose in (picture.start, picture.end):
        if pose is None:
            continue
        lowest = min(y for _, y in pose.joints.values())
        assert lowest >= 0.0, (name, lowest)


# ----------------------------------------------------------------------------- the files
@pytest.mark.parametrize("name", list(ep.DRAWINGS))
def test_shipped_drawings_are_what_the_generator_draws(name):
    """Regenerate with ``python -m gaitlab.report.exercise_pictures`` after changing a pose."""
    assert ep.shipped_svg(name) == ep.picture_svg(name)


@pytest.mark.parametrize("name", list(ep.DRAWINGS))
def test_drawings_are_small_svgs_with_figure_movement_and_ground(name):
    text = ep.shipped_svg(name)
    assert len(text.encode()) < 8000
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    _, _, w, h = (float(v) for v in root.get("viewBox").split())
    assert w / h == pytest.approx(ep.ASPECT, rel=1e-3)
    assert root.find(f"{SVG}text") is None  # no words in the pictures
    colours = {e.get("stroke") for e in root.iter()} | {e.get("fill") for e in root.iter()}
    assert ep.INK in colours  # the end or hold position
    assert ep.ARROW in colours  # the movement
    assert ep.FEEL in colours  # where it is felt
    assert ep.MAT in colours  # the floor or a mat
    picture = ep.DRAWINGS[name]()
    assert (ep.GHOST in colours) is (picture.start is not None)
    assert "Apache-2.0" in text


def test_every_exercise_of_every_finding_has_a_full_card_and_a_drawing():
    for pattern in PATTERNS:
        for item in entry(f"exercises.{pattern}.items"):
            card = exercise_card(item, pattern)
            assert card["name"] == item["name"]
            assert [label for label, _ in card["rows"]] == [
                say(f"programme.card.{f}") for f in CARD_FIELDS
            ]
            assert all(len(text) > 10 for _, text in card["rows"]), card["id"]
            assert card["what"]
            assert card["picture"].startswith("data:image/svg+xml;base64,")
            assert entry(f"exercise.{card['id']}.picture") in ep.DRAWINGS
    # the article's amounts are kept
    assert all("5-10 minutes" in x["dose"] for x in entry("exercises.hip_tightness.items"))
    assert all("3 sets of 10" in x["dose"] for x in entry("exercises.hip_weakness.items"))
    assert all(
        "3 sets of 10" in entry(f"exercise.{x['id']}.sets")
        for x in entry("exercises.hip_weakness.items")
    )


def test_exercises_stored_without_ids_are_matched_by_name():
    """Findings stored in a summary.json written before the cards had ids."""
    item = {"name": "Glute blasters", "dose": "build up to 3 sets of 10"}
    assert exercise_card(item, "hip_weakness")["id"] == "glute_blaster"


# ----------------------------------------------------------------------------- programme
@pytest.fixture(scope="module")
def programmes(tmp_path_factory):
    """Report folders (HTML and PDF, no video) of: both findings flagged, only hip tightness
    flagged, nothing flagged."""
    cfg = load_defaults()
    tight = generate_run(RunnerSpec(view="side", hip_extension_deg=4.0)).tracks
    normal = generate_run(RunnerSpec(view="side")).tracks
    cases = {
        "both": flagged_two_view(),
        "tight": assemble([analyze_tracks(tight, cfg, name="side.mp4")], cfg),
        "none": assemble([analyze_tracks(normal, cfg, name="side.mp4")], cfg),
    }
    out = {}
    for name, analysis in cases.items():
        folder = tmp_path_factory.mktemp(f"programme_{name}")
        written = write_report(
            analysis,
            folder,
            pdf=name != "none",
            video=False,
            runner="R-0042",
            session_date=dt.date(2026, 11, 30),
        )
        out[name] = (analysis, written)
    return out


@pytest.mark.parametrize("case", ["both", "tight"])
def test_home_programme_is_one_printed_page_with_every_exercise(programmes, case):
    analysis, written = programmes[case]
    assert pdf_pages(written["programme_pdf"]) == 1
    html = written["programme"].read_text(encoding="utf-8")
    text = plain_text(html)
    assert "R-0042" in text and "2026-11-30" in text
    flagged = [f for f in analysis.findings if f.status == "flagged"]
    cards = re.findall(r'<article class="exercise-card" data-exercise="([a-z0-9_]+)">', html)
    expected = [exercise_card(x, f.pattern)["id"] for f in flagged for x in f.exercises]
    assert cards == expected
    assert html.count('src="data:image/svg+xml;base64,') == len(expected)
    for f in flagged:
        for step in entry(f"programme.plan_steps.{f.pattern}"):
            assert step in text
    assert say("programme.week") in text
    assert say("programme.dosage_note") in text
    blocks = pdf_blocks(written["programme_pdf"])
    for x in (x for f in flagged for x in f.exercises):
        assert x["name"] in blocks
    assert say("programme.therapist_notes") in blocks


def test_week_follows_the_article_stretch_daily_strength_with_rest_days(programmes):
    _, written = programmes["both"]
    html = written["programme"].read_text(encoding="utf-8")
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", html)
    ticks = {label: [("tick" in cell) for cell in re.findall(r"<td>(.*?)</td>", cells)]
             for label, cells in rows}  # fmt: skip
    assert ticks[say("programme.week_row.stretch")] == [True] * 7
    strength = ticks[say("programme.week_row.strength")]
    assert sum(strength) == 3
    assert not any(a and b for a, b in itertools.pairwise(strength))  # rest days


def test_report_what_to_do_has_each_flagged_exercise_with_instructions_and_picture(programmes):
    analysis, written = programmes["both"]
    html = written["report"].read_text(encoding="utf-8")
    todo_html = section(html, "todo")
    todo = plain_text(todo_html)
    for block in flagged_exercises(analysis.findings):
        for card in block["cards"]:
            at = todo_html.index(f'data-exercise="{card["id"]}"')
            one = todo_html[at : todo_html.index("</article>", at)]
            assert 'src="data:image/svg+xml;base64,' in one
            for label, text in card["rows"]:
                assert label in plain_text(one) and text in plain_text(one)
    assert 'href="home-programme.html"' in todo_html
    assert say("advice.see_therapist") in todo


def test_nothing_flagged_writes_no_programme_and_no_exercises(programmes):
    _, written = programmes["none"]
    assert "programme" not in written
    assert not (written["report"].parent / "home-programme.html").exists()
    todo = plain_text(section(written["report"].read_text(encoding="utf-8"), "todo"))
    assert say("report.plain.nothing_to_change") in todo
    assert say("advice.see_therapist") not in todo
    assert "Clamshells" not in todo and "home-programme" not in todo
