"""The TUI on one real failing lab scenario of each check: screenshots, and the fixtures kept honest.

Each fixture in ``scenarios/`` is what the real engine reported for a lab scenario
(:mod:`tests.diagnose.tui.scenario_runs` records them and says how to regenerate them). The screenshots
replay a fixture into the app exactly as ``test_snapshots.py`` replays its fixed run (same helpers,
fixed clock, nothing animated, local time UTC): at 120×40 the checklist with the failing item selected
and its advice in the pane beside it, at 80×24 the failing item's own screen. They are what
``login-doctor demo SCENARIO --tui`` shows (ports, dates and durations fixed).

``test_fixture_is_what_the_checks_say_today`` runs every scenario again and compares statuses, finding
codes and every sentence (up to its numbers) with the fixture, so the pictures cannot drift away from
the product.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Static

from diagnose.checklist import load_checklist
from diagnose.tui.screens.detail import DetailScreen
from tests.diagnose.tui import scenario_runs
from tests.diagnose.tui.conftest import wait_for
from tests.diagnose.tui.fixed_run import make_app, prepare
from tests.diagnose.tui.scenario_runs import CHOSEN, Chosen

SnapCompare = Callable[..., bool]

BY_CHECK = pytest.mark.parametrize("chosen", CHOSEN, ids=[c.check for c in CHOSEN])


def to_item(chosen: Chosen) -> list[str]:
    """The keys that move the checklist's cursor from the first row to the item the failure decides."""
    index = [item.id for item in load_checklist()].index(chosen.item)
    return ["down"] * index


def app_for(chosen: Chosen) -> tuple[Any, Any]:
    data = scenario_runs.load(chosen.scenario)
    return make_app(scenario_runs.diagnosis(data)), prepare(scenario_runs.events(data))


# ----------------------------------------------------------------------------- the fixtures


@pytest.fixture(scope="module")
def today() -> dict[str, dict[str, Any]]:
    """Every chosen scenario run again now, through the real engine, normalised like its fixture."""
    return asyncio.run(scenario_runs.record_all(c.scenario for c in CHOSEN))


@BY_CHECK
def test_fixture_is_what_the_checks_say_today(chosen: Chosen, today: dict[str, dict[str, Any]]) -> None:
    stored = scenario_runs.load(chosen.scenario)
    # the picture shows this check failing and the item it decides failing
    result = next(c for c in stored["report"]["checks"] if c["id"] == chosen.check)
    item = next(i for i in stored["report"]["checklist"] if i["id"] == chosen.item)
    assert (result["status"], item["status"]) == ("fail", "fail"), chosen
    fresh = today[chosen.scenario]
    assert scenario_runs.essence(fresh) == scenario_runs.essence(stored), (
        f"{chosen.scenario}: the checks say something else today; regenerate the fixture "
        f"(python -m tests.diagnose.tui.scenario_runs {chosen.scenario}) and look at the new screenshots"
    )
    assert fresh["profile"] == stored["profile"]


def test_normalising_leaves_no_port_date_or_folder_of_the_run() -> None:
    for chosen in CHOSEN:
        text = scenario_runs.fixture_path(chosen.scenario).read_text("utf-8")
        ports = {int(p) for p in re.findall(r"(?<![\d.])(\d{5})(?!\d)", text)} & set(scenario_runs.EPHEMERAL)
        assert not ports, (chosen.scenario, ports)
        assert "login-doctor-lab-" not in text and '"report_id": "00000000-' in text
        assert re.findall(r'"started_at": "([^"]+)"', text) == ["2026-11-18T11:06:40Z"]


def test_the_lab_address_is_the_profiles_sign_in_address_except_for_the_lookalike() -> None:
    # was: the clock scenarios' profile left out the site's address on the lab's port, so their
    # screen (and `demo clock-ahead-6min --tui`) opened with "this address asks for port N" over the clock
    for chosen in CHOSEN:
        data = scenario_runs.load(chosen.scenario)
        official = data["report"]["target"]["url"] in data["profile"]["signin_urls"]
        assert official is (chosen.check != "url"), chosen.scenario


# ----------------------------------------------------------------------------- what the person reads


@BY_CHECK
async def test_the_failing_item_shows_the_finding_and_what_to_do(chosen: Chosen) -> None:
    """Not only a picture: the item screen carries the deciding finding's words and its advice."""
    data = scenario_runs.load(chosen.scenario)
    result = next(c for c in data["report"]["checks"] if c["id"] == chosen.check)
    app, before = app_for(chosen)
    async with app.run_test(size=(120, 40)) as pilot:
        await before(pilot)
        for key in [*to_item(chosen), "enter"]:
            await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the item screen")
        shown = " ".join(" ".join(str(s.render()).split()) for s in app.screen.query(Static))
        assert "✘ FAIL" in shown
        for finding in result["findings"]:
            if finding["severity"] != "info":
                assert " ".join(finding["message"].split()) in shown, finding["code"]
                assert " ".join(finding["remediation"].split()) in shown, finding["code"]


@BY_CHECK
def test_checklist_with_the_failing_item(snap_compare: SnapCompare, chosen: Chosen, utc: None) -> None:
    """120×40: every item with its status, the failing one selected, its advice in the pane beside."""
    app, before = app_for(chosen)
    assert snap_compare(app, terminal_size=(120, 40), run_before=before, press=to_item(chosen))


@BY_CHECK
def test_failing_item_screen(snap_compare: SnapCompare, chosen: Chosen, utc: None) -> None:
    """80×24: the failing item's own screen (Enter): what to do first, then the check and its finding."""
    app, before = app_for(chosen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before, press=[*to_item(chosen), "enter"])
