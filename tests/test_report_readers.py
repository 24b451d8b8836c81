"""The report read by a runner and printed for a record: three sessions, five readers' tasks.

Sessions: the sample clip (its saved landmarks; nothing flagged, no rear clip), the sample
with an unusable rear clip (a rear runner whose feet are lost in 60% of the frames), and a
flagged side + rear synthetic session. Each reader's question is answered in the plain layer
(outside the therapist's ``<details>``): what did it find, what should I do this week, how
sure is it, what do I film next, which number decided it. The printed report (PDF) stays
within 3 pages when nothing is flagged and never ends a page with a heading.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess

import numpy as np
import pytest

from gaitlab.api import analyze_tracks, assemble
from gaitlab.config import load_defaults
from gaitlab.pose.landmarks import INDEX
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report import write_report
from gaitlab.synthetic import RunnerSpec, generate_run
from gaitlab.words import entry, say

from .conftest import REPO
from .test_exercises import pdf_pages
from .test_report import (
    TECHNICAL,
    flagged_two_view,
    plain_layer,
    plain_text,
    real_analysis,
    section,
)

SAMPLE_TRACKS = REPO / "tests" / "data" / "male_side.tracks.npz"
#: A printed report with nothing flagged fits on this many pages.
MAX_PAGES_NOTHING_FLAGGED = 3


def unusable_rear_clip(cfg):
    """A rear clip whose runner's feet are lost in 60% of the frames: its view is refused."""
    tracks = generate_run(RunnerSpec(view="rear")).tracks
    xy = tracks.image_xy_px.copy()
    lost = np.arange(xy.shape[0]) % 5 < 3
    for part in ("heel", "foot_index", "ankle"):
        for side in ("left", "right"):
            xy[lost, INDEX[f"{side}_{part}"]] = np.nan
    clip = analyze_tracks(dataclasses.replace(tracks, image_xy_px=xy), cfg, name="rear.mp4")
    assert clip.view.label == "unsuitable"
    return clip


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """name -> (analysis, written files) for the three sessions, with PDFs."""
    cfg = load_defaults()
    sample = real_analysis(PoseTracks.load_npz(SAMPLE_TRACKS))
    cases = {
        "sample": sample,
        "unusable_rear": assemble([sample.clips[0], unusable_rear_clip(cfg)], cfg),
        "flagged": flagged_two_view(),
    }
    out = {}
    for name, analysis in cases.items():
        folder = tmp_path_factory.mktemp(f"readers_{name}")
        written = write_report(
            analysis, folder, pdf=True, video=False, runner="R-7", session_date=dt.date(2026, 12, 1)
        )
        out[name] = (analysis, written, written["report"].read_text(encoding="utf-8"))
    return out


def plain(html: str) -> str:
    return plain_text(plain_layer(html))


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_plain_layer_has_no_repository_path_doi_or_synthetic(sessions, name):
    _, _, html = sessions[name]
    outside = plain(html)
    assert not TECHNICAL.search(outside), TECHNICAL.search(outside)
    # the therapist's layer does carry them (sources, accuracy): they were moved, not lost
    assert TECHNICAL.search(plain_text(section(html, "clinician")))


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_reader_what_did_it_find(sessions, name):
    analysis, _, html = sessions[name]
    verdict = plain_text(section(html, "verdict"))
    for f in analysis.findings:
        key = {"flagged": "found", "not_flagged": "clear", "not_assessed": "not_assessed"}
        assert say(f"report.plain.{key[f.status]}_{f.pattern}") in verdict
        assert say(f"report.status.{f.status}") in verdict


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_reader_what_should_i_do_this_week(sessions, name):
    analysis, _, html = sessions[name]
    todo = plain_text(section(html, "todo"))
    flagged = [f for f in analysis.findings if f.status == "flagged"]
    if not flagged:
        assert say("report.plain.nothing_to_change") in todo
        assert say("advice.see_therapist") not in todo
        # nothing to check: no sentence anywhere says a therapist checks the exercises
        assert "the exercises" not in plain_text(html)
    for f in flagged:
        assert entry(f"programme.plan_steps.{f.pattern}")[0] in todo
        for x in f.exercises:
            assert x["name"] in todo


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_reader_how_sure_is_it(sessions, name):
    analysis, _, html = sessions[name]
    verdict = plain_text(section(html, "verdict"))
    assessed = [f for f in analysis.findings if f.status in ("flagged", "not_flagged")]
    assert assessed
    for f in assessed:
        card = plain_text(section(html, "verdict").split(f'data-pattern="{f.pattern}"')[1])
        assert say("report.plain.sure") in card
        assert re.search(r"Measured over \d+ strides\.", card)
        assert re.search(r"method's error of about [\d.]+\S* ", card)
    assert "so the result is clear" in verdict or "borderline" in verdict


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_reader_what_do_i_film_next(sessions, name):
    analysis, _, html = sessions[name]
    verdict_html = section(html, "verdict")
    verdict = plain_text(verdict_html)
    missing = [f for f in analysis.findings if f.status == "not_assessed"]
    if not missing:
        assert "next-step" not in verdict_html
        return
    assert say("report.next.film_rear") in verdict
    assert "gaitlab analyze male_side.mp4 REAR.mp4 --out DIR" in verdict
    assert 'href="#guide-rear"' in verdict_html and 'id="guide-rear"' in html
    if name == "sample":
        assert say("report.next.none_given_rear") in verdict
    else:
        # the clip that was given is named, with the reason it could not be used
        assert say("report.next.none_given_rear") not in verdict
        assert "rear.mp4 could not be used." in verdict
        assert "out of the picture in 60% of the frames" in verdict
        assert "it needs a clip filmed from behind" not in verdict


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_reader_which_number_decided_it(sessions, name):
    analysis, _, html = sessions[name]
    verdict = plain_text(section(html, "verdict"))
    for f in analysis.findings:
        if f.status not in ("flagged", "not_flagged"):
            continue
        assert say("report.plain.decided_by") in verdict
        for e in f.evidence:
            if e.role == "primary" and e.met is not None and (e.met or f.status != "flagged"):
                word = "minimum" if e.comparison in ("<", "<=") else "limit"
                state = {True: "below" if word == "minimum" else "over",
                         False: "above" if word == "minimum" else "under"}[e.met]  # fmt: skip
                assert re.search(rf": {state} the [\d.]+\S* [^:]*{word}", verdict), (
                    e.metric,
                    state,
                )


@pytest.mark.parametrize("name", ["sample", "unusable_rear"])
def test_printed_report_within_three_pages_when_nothing_is_flagged(sessions, name):
    analysis, written, _ = sessions[name]
    assert all(f.status != "flagged" for f in analysis.findings)
    assert written["pdf"].name == "report-r-7-2026-12-01.pdf"  # who and when, for a record
    assert pdf_pages(written["pdf"]) <= MAX_PAGES_NOTHING_FLAGGED


def _headings(html: str) -> list[str]:
    found = re.findall(r"<(h[1-4])\b[^>]*>(.*?)</\1>", html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)).strip() for _, h in found]


@pytest.mark.parametrize("name", ["sample", "unusable_rear", "flagged"])
def test_no_page_of_the_printed_report_ends_with_a_heading(sessions, name):
    _, written, html = sessions[name]
    headings = [h for h in _headings(html) if h]
    text = subprocess.run(
        ["pdftotext", "-layout", str(written["pdf"]), "-"], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    pages = [p for p in text.split("\f") if p.strip()]
    for n, page in enumerate(pages[:-1], start=1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        lines = [ln for ln in lines if not re.fullmatch(r"\d+ / \d+", ln)]  # page numbers
        last = re.sub(r"\s+", " ", lines[-1])
        for h in headings:
            assert not (h == last or h.startswith(last) or last.endswith(h)), (n, last, h)


def test_disclaimer_is_printed_with_the_verdict(sessions):
    _, written, _ = sessions["sample"]
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(written["pdf"]), "-"], check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert say("disclaimer.no_exercises") in re.sub(r"\s+", " ", text)
    assert say("report.section.verdict") in text
