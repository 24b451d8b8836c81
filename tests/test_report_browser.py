"""report.html in a real browser: Debian's Chromium, driven by Playwright (no browser download).

Three reports: the sample clip's (written by `gaitlab analyze` for the session fixture, with its
video), a flagged synthetic two-view session, and the sample with an unusable rear clip. At a
375 px phone and a 1280 px screen, with the therapist's part opened: every picture decodes, no
console errors, no horizontal scrolling, and every piece of text, plot labels included, is
rendered at 12 CSS px or more. Outside the therapist's part the page shows no repository path,
DOI or "synthetic"; every exercise of a flagged finding shows its instructions and picture; the
unusable rear clip is named with its reason in the verdict. Full-page screenshots go to
``tests/artefacts/report/`` (ignored by git), with the first screen of the sample at both
widths (``report-1280.png``, ``report-375.png``: the README's pictures in ``docs/`` are copies).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gaitlab.api import assemble
from gaitlab.config import load_defaults
from gaitlab.pose.tracks import PoseTracks
from gaitlab.report import write_report

from .conftest import REPO
from .test_report import TECHNICAL, flagged_two_view, real_analysis
from .test_report_readers import SAMPLE_TRACKS, unusable_rear_clip

CHROMIUM = "/usr/bin/chromium"
WIDTHS_PX = (375, 1280)
ARTEFACTS = REPO / "tests" / "artefacts" / "report"
MIN_FONT_PX = 12.0

PAGE_FACTS = f"""() => {{
  document.querySelectorAll("details").forEach(d => {{ d.open = true; }});
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let texts = 0, svgTexts = 0;
  while (walker.nextNode()) {{
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    let px = parseFloat(getComputedStyle(el).fontSize);
    if (el.closest("svg")) {{
      const m = el.getScreenCTM();
      px *= Math.hypot(m.a, m.b);  // SVG units to CSS px as drawn
      svgTexts += 1;
    }}
    texts += 1;
    if (px < {MIN_FONT_PX} - 0.05) small.push([node.textContent.trim().slice(0, 40), px]);
  }}
  return {{
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    keyframes: document.querySelectorAll("figure.keyframe img").length,
    plots: document.querySelectorAll("figure.plot svg").length,
    images: Array.from(document.images).map(i => i.complete && i.naturalWidth),
    small, texts, svgTexts,
  }};
}}"""

PLAIN_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelector("#clinician").remove();
  document.body.appendChild(copy);
  copy.style.position = "absolute";
  const text = copy.innerText;
  copy.remove();
  return text;
}"""

CARDS = """() => Array.from(document.querySelectorAll("article.exercise-card")).map(card => ({
  id: card.dataset.exercise,
  picture: card.querySelector("img.exercise-picture").naturalWidth,
  shown: card.querySelector("img.exercise-picture").getBoundingClientRect().width,
  rows: Array.from(card.querySelectorAll("dl.exercise-steps div")).map(
    d => [d.querySelector("dt").innerText.trim(), d.querySelector("dd").innerText.trim()]),
}))"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: run setup.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture(scope="module")
def reports(male_side_run, tmp_path_factory) -> dict[str, tuple]:
    """name -> (report.html, analysis or None)."""
    cfg = load_defaults()
    two_view = flagged_two_view()
    sample = real_analysis(PoseTracks.load_npz(SAMPLE_TRACKS))
    rear = assemble([sample.clips[0], unusable_rear_clip(cfg)], cfg)
    out = {"male_side": (male_side_run.out_dir / "report.html", None)}
    for name, analysis in (("two_view", two_view), ("unusable_rear", rear)):
        folder = tmp_path_factory.mktemp(f"browser_{name}")
        write_report(analysis, folder, video=False, runner="R-7", session_date=dt.date(2026, 12, 1))
        out[name] = (folder / "report.html", analysis)
    return out


def open_report(browser, path: Path, width_px: int):
    """The page at ``width_px`` and the console errors it logged while loading."""
    page = browser.new_page(viewport={"width": width_px, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


@pytest.mark.parametrize("name", ["male_side", "two_view", "unusable_rear"])
def test_report_reads_at_phone_and_screen_width(browser, reports, artefacts, name):
    expected = {"male_side": (3, 4), "two_view": (5, 7), "unusable_rear": (3, 4)}[name]
    path, _ = reports[name]
    for width in WIDTHS_PX:
        page, errors = open_report(browser, path, width)
        if name == "male_side":  # the README's pictures: the first screen
            page.screenshot(path=str(artefacts / f"report-{width}.png"))
        facts = page.evaluate(PAGE_FACTS)
        shot = artefacts / f"{name}-{width}px.png"
        page.screenshot(path=str(shot), full_page=True)
        page.close()
        assert errors == [], errors
        assert facts["keyframes"] == expected[0]
        assert facts["plots"] == expected[1]
        assert all(w and w > 0 for w in facts["images"]), facts["images"]
        assert facts["scrollWidth"] <= facts["clientWidth"] == width, facts
        # every text, plot labels included, at 12 CSS px or more
        assert facts["svgTexts"] >= 10 * expected[1]  # ticks, axis labels, legend
        assert facts["small"] == [], facts["small"][:10]
        assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["male_side", "two_view", "unusable_rear"])
def test_plain_layer_shows_no_repository_path_doi_or_synthetic(browser, reports, name):
    path, _ = reports[name]
    page, _ = open_report(browser, path, 375)
    plain = page.evaluate(PLAIN_TEXT)
    whole = page.evaluate(
        "() => { document.querySelectorAll('details').forEach(d => { d.open = true; });"
        " return document.body.innerText; }"
    )
    page.close()
    assert len(plain) > 500
    assert not TECHNICAL.search(plain), TECHNICAL.search(plain)
    assert TECHNICAL.search(whole)  # in the therapist's part, once opened


def test_every_exercise_of_a_flagged_finding_has_instructions_and_a_picture(browser, reports):
    path, analysis = reports["two_view"]
    expected = [x["id"] for f in analysis.findings if f.status == "flagged" for x in f.exercises]
    assert len(expected) == 9
    for width in WIDTHS_PX:
        page, _ = open_report(browser, path, width)
        cards = page.evaluate(CARDS)
        page.close()
        assert [c["id"] for c in cards] == expected
        for c in cards:
            assert c["picture"] > 0 and c["shown"] >= 200, c  # decoded, and big enough
            labels = [label for label, _ in c["rows"]]
            assert labels == ["Start", "Movement", "How long", "Sets", "You should feel", "Avoid"]
            assert all(len(text) > 10 for _, text in c["rows"]), c


def test_unusable_rear_clip_is_named_with_its_reason_in_the_verdict(browser, reports):
    path, _ = reports["unusable_rear"]
    page, _ = open_report(browser, path, 375)
    verdict = page.inner_text("#verdict")
    page.close()
    assert "rear.mp4 could not be used." in verdict
    assert "out of the picture in 60% of the frames" in verdict
    assert "gaitlab analyze male_side.mp4 REAR.mp4 --out DIR" in verdict
