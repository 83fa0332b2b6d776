"""The HTML report as a browser lays it out: real Chromium, every fixture report, a desktop and a phone.

For each fixture report at 1280 and 375 CSS pixels the page is loaded from a file
(as a helpdesk opens an attachment), screenshotted whole, and measured by a script
in the page (``layout_probe.js``), not by eye:

* no word breaks across lines in the "All checks" table, nor anywhere else on the
  page (a word's characters, found with a Range, lie on one line; a break at a
  hyphen or slash is between words);
* the status labels fit their column: every checklist title starts at the same x
  on a wide screen, right of the widest label ("☐ CHECK YOURSELF"), and no label
  sticks out of its item on a phone;
* nothing is wider than the window (no sideways scrolling) and no cell's content
  overflows it;
* an axe-style accessibility pass: ``lang``, a title, one ``h1`` and headings that
  never skip a level, and every piece of text at WCAG AA contrast against the
  background it is drawn on (4.5:1, 3:1 for large text), the six status colours
  included (measured against white, where they are drawn).

Screenshots go to the test's tmp dir; set ``LOGIN_DOCTOR_HTML_SHOTS=DIR`` to keep them.
"""

from __future__ import annotations

import os
import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from reports.html import render
from tests.browsers.fixtures import ChromiumCase
from tests.reports.make_fixtures import BUILDERS, load_fixture

WIDTHS = {"desktop": 1280, "phone": 375}
PROBE = (Path(__file__).parent / "layout_probe.js").read_text("utf-8")


def lay_out(case: ChromiumCase, name: str, width: int, tmp_path: Path) -> dict[str, Any]:
    page = tmp_path / f"{name}.html"
    page.write_text(render(load_fixture(name)), "utf-8")
    case.page.set_viewport(width, 900, mobile=width < 500)
    result = case.page.navigate(page.as_uri())
    assert result.error is None, result
    shot = case.page.screenshot(tmp_path / f"{name}-{width}.png", full_page=True)
    keep = os.environ.get("LOGIN_DOCTOR_HTML_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    measured: dict[str, Any] = case.page.evaluate(PROBE)
    assert measured["width"] == width
    return measured


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_report_lays_out_without_breaking_words(
    chromium_case: ChromiumCase, name: str, width: int, tmp_path: Path
) -> None:
    m = lay_out(chromium_case, name, width, tmp_path)
    # was: "conne/ctivi/ty", "certi/ficat/e" in the All checks table (overflow-wrap: anywhere)
    assert m["brokenInTables"] == []
    assert m["brokenAnywhere"] == []
    assert m["scrollWidth"] <= width, "the page scrolls sideways"
    assert m["overflowingCells"] == []
    if width >= 640:
        # was: the Summary cells shared the header's "summary" class: a thick border and 1rem padding
        for tops in m["rowTops"]:
            drawn = [t for t in tops if t is not None]
            # (code at .9em and bold labels start up to ~4 px apart on one line; the border and
            # padding of the header's box put the summary 13 px lower)
            assert max(drawn) - min(drawn) <= 6, f"a row of the All checks table does not line up: {tops}"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_status_labels_fit_their_column(chromium_case: ChromiumCase, name: str, width: int, tmp_path: Path) -> None:
    items = lay_out(chromium_case, name, width, tmp_path)["checklist"]
    assert items
    for item in items:
        # was: "☐ CHECK YOURSELF" wider than its 7.5em column, pushing those titles right
        assert item["badge"]["right"] <= item["item"]["right"] + 0.5
        if item["title"]["top"] == item["badge"]["top"]:
            assert item["badge"]["right"] <= item["title"]["left"]
    if width >= 640:
        lefts = {round(item["title"]["left"]) for item in items}
        assert len(lefts) == 1, f"checklist titles start at {sorted(lefts)}"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_accessibility_sanity(chromium_case: ChromiumCase, name: str, width: int, tmp_path: Path) -> None:
    m = lay_out(chromium_case, name, width, tmp_path)
    assert m["lang"] == "en" and m["title"].startswith("Sign-in diagnosis: ")
    levels = m["headings"]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    low = [c for c in m["contrast"] if c["ratio"] < c["needed"]]
    assert low == [], low
    assert all(ratio >= 4.5 for ratio in m["statusColours"].values()), m["statusColours"]
