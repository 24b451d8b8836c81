"""report.html in a real browser: Debian's Chromium, driven by Playwright (no browser download).

For the sample clip's report (written by `gaitlab analyze` for the session fixture) and for a
synthetic two-view session where both findings are assessed: every picture decodes
(``naturalWidth > 0``), no console errors, no horizontal scrolling on a 375 px phone screen.
Screenshots at 375 px and 1280 px are saved into a folder this module prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitlab.report import write_report

from .test_report import flagged_two_view

CHROMIUM = "/usr/bin/chromium"
WIDTHS_PX = (375, 1280)

PAGE_FACTS = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  keyframes: Array.from(document.querySelectorAll("figure.keyframe img")).map(i => i.naturalWidth),
  plots: Array.from(document.querySelectorAll("figure.plot svg")).map(s => s.getBoundingClientRect().width),
  images: Array.from(document.images).map(i => i.complete && i.naturalWidth),
})"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "chromium is missing: run setup.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report_screenshots")
    print(f"\nreport screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def reports(male_side_run, tmp_path_factory) -> dict[str, Path]:
    two_view = tmp_path_factory.mktemp("browser_two_view")
    write_report(flagged_two_view(), two_view, video=False)
    return {
        "male_side": male_side_run.out_dir / "report.html",
        "two_view": two_view / "report.html",
    }


def open_report(browser, path: Path, width_px: int):
    """The page at ``width_px`` and the console errors it logged while loading."""
    page = browser.new_page(viewport={"width": width_px, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


@pytest.mark.parametrize("name", ["male_side", "two_view"])
def test_report_in_chromium(browser, reports, artefacts, name):
    expected = {"male_side": (3, 4), "two_view": (5, 7)}[name]
    for width in WIDTHS_PX:
        page, errors = open_report(browser, reports[name], width)
        facts = page.evaluate(PAGE_FACTS)
        shot = artefacts / f"{name}-{width}px.png"
        page.screenshot(path=str(shot), full_page=True)
        page.close()
        assert errors == [], errors
        assert len(facts["keyframes"]) == expected[0]
        assert len(facts["plots"]) == expected[1]
        assert all(w and w > 0 for w in facts["images"]), facts["images"]
        assert facts["scrollWidth"] <= facts["clientWidth"] == width, facts
        assert shot.stat().st_size > 10_000
