"""The TUI on a browser's recording (``login-doctor har FILE.har --tui``): the checklist the recording
decides, the same item screens, the requests behind the findings; no secret on any screen.

Pilot tests run on recordings real Chromium made (tests/checks/har/fixtures/); the screenshots use a
synthetic recording (tests/diagnose/har/shapes.py), so regenerating the real fixtures (new ports,
new timings) does not change them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.profiles import load_profile
from diagnose.recording import RecordingDiagnosis, diagnose_recording, entries_behind, entry_rows
from diagnose.tui.recording import RecordingApp, run_recording_tui
from diagnose.tui.screens.detail import DetailScreen
from diagnose.tui.screens.recording import EntriesScreen, RecordingScreen
from diagnose.tui.widgets.checklist import ChecklistRow
from tests.checks.har.recordings import PROFILE, fixture_path, manifest
from tests.checks.har.test_real_recordings import canary_values
from tests.diagnose.har.leaks import leaks
from tests.diagnose.har.shapes import Step, chrome_har, write
from tests.diagnose.tui.conftest import wait_for

SnapCompare = Callable[..., bool]


def diagnosis_of(name: str, **kwargs: Any) -> RecordingDiagnosis:
    return diagnose_recording(fixture_path(name), load_profile(str(PROFILE)), **kwargs)


def status_of(app: RecordingApp, key: str) -> str:
    row = next(r for r in app.screen.query(ChecklistRow) if r.row.key == key)
    return str(row.query_one(".status", Static).render())


def move_to(app: RecordingApp, key: str) -> None:
    screen = app.screen
    assert isinstance(screen, RecordingScreen)
    screen.checklist.index = next(i for i, r in enumerate(screen.checklist.rows) if r.row.key == key)


def table_rows(app: RecordingApp) -> list[list[str]]:
    table = app.screen.query_one("#entries", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def screen_text(app: RecordingApp) -> str:
    texts = [str(s.render()) for s in app.screen.query(Static)]
    for table in app.screen.query(DataTable):
        texts += [str(c) for i in range(table.row_count) for c in table.get_row_at(i)]
    return "\n".join(texts)


async def test_a_blocked_script_recording_shows_the_item_and_the_request_behind_it() -> None:
    app = RecordingApp(diagnosis_of("chromium-blocked-script"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # the checklist as the recording decides it, statuses in words
        assert status_of(app, "extensions") == "✘ FAIL"
        assert status_of(app, "secure-connection") == "✔ PASS"
        assert status_of(app, "official-address") == "– SKIPPED"  # a recording cannot tell: never passed
        assert status_of(app, "credentials") == "☐ CHECK YOURSELF"
        source = str(app.screen.query_one("#recording-source", Static).render())
        assert "chromium-blocked-script.har" in source and "Chrome, Edge or another Chromium browser" in source
        # the requests behind the extensions item: the blocked captcha.js, marked
        move_to(app, "extensions")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, EntriesScreen), "the requests")
        [behind] = table_rows(app)
        assert behind[0].startswith("◆") and "net::ERR_BLOCKED_BY_CLIENT" in behind[3] and behind[5].endswith("/captcha.js")
        detail = str(app.screen.query_one("#entry-detail", Static).render())
        assert "net::ERR_BLOCKED_BY_CLIENT" in detail and "/captcha.js" in detail
        # a: every request of the recording, the one behind the item still marked
        await pilot.press("a")
        every = table_rows(app)
        assert len(every) == manifest()["chromium-blocked-script"]["entries"]
        assert [r[0].startswith("◆") for r in every].count(True) == 1
        await pilot.press("escape")
        assert isinstance(app.screen, RecordingScreen)
        # Enter opens the same item screen as a live run; n works from there too
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the item screen")
        assert "extension" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, EntriesScreen), "the requests")
        assert len(table_rows(app)) == 1
        await pilot.press("q")


async def test_a_loop_lists_the_cycle_and_says_what_a_recording_cannot_check() -> None:
    app = RecordingApp(diagnosis_of("chromium-loop"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert status_of(app, "no-loop") == "✘ FAIL"
        move_to(app, "official-address")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the item screen")
        assert "A recording cannot answer this check" in screen_text(app)
        await pilot.press("escape")
        move_to(app, "no-loop")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, EntriesScreen), "the requests")
        rows = table_rows(app)
        assert [r[5].rsplit("/", 1)[-1] for r in rows] == ["login", "sso", "login"]  # the cycle, and its repeat
        assert all(r[4] == "page document" for r in rows)
        await pilot.press("q")


async def test_no_secret_of_the_recording_reaches_any_screen() -> None:
    canaries = canary_values(manifest()["chromium-canary"]["canaries"])
    diagnosis = diagnosis_of("chromium-canary")
    app = RecordingApp(diagnosis)
    seen: list[str] = []
    async with app.run_test(size=(160, 50)) as pilot:  # wide: each item's details beside the checklist
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordingScreen)
        for index in range(len(screen.checklist.rows)):
            screen.checklist.index = index
            await pilot.pause()
            seen.append(screen_text(app))  # folded evidence included: it is in the screen, only hidden
        await pilot.press("n")  # every request (no finding: the whole recording), the first one's details
        await wait_for(pilot, lambda: isinstance(app.screen, EntriesScreen), "the requests")
        seen.append(screen_text(app))
        await pilot.press("q")
    # what each request's details would show, for every request
    seen += [repr(row) for row in entry_rows(diagnosis)]
    text = "\n".join(seen)
    assert "Cookies set (names): pre" in text and "cookies_sent=('pre', 'session')" in text  # names: yes
    assert '"navigations":' in text  # the folded technical details (details JSON) were read too
    assert leaks(text, canaries) == []  # values: never, whole or in any 12-character piece


def test_entries_behind_reads_every_way_evidence_names_an_entry() -> None:
    from diagnose.model import Finding, Severity

    def finding(evidence: dict[str, Any]) -> Finding:
        return Finding("x.y", Severity.HIGH, "m", "r", evidence)

    found = entries_behind([
        finding({"entry": 4, "cycle_entries": [1, 2], "repeats_entry": 3}),
        finding({"requests": [{"entry": 9, "url": "u"}], "count": 77}),
        finding({"cookie_list": [{"set_in_entry": 5, "not_sent_in_entries": [6, 7]}], "entries": [8]}),
    ])
    assert found == [1, 2, 3, 4, 5, 6, 7, 8, 9]


# ----------------------------------------------------------------------------- the command


def tty_env() -> Environment:
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdin_isatty=True,
                       stdout_isatty=True, stderr_isatty=True, environ={})


def test_har_tui_opens_the_app_and_exits_like_the_headless_command(tmp_path: Path) -> None:
    from diagnose.commands.har import main

    shown: list[RecordingDiagnosis] = []

    def fake_app(diagnosis: RecordingDiagnosis, outputs: Any, env: Environment) -> int:
        shown.append(diagnosis)
        from diagnose.frontend import finish

        return finish(diagnosis.report, None, outputs, env)

    out = tmp_path / "r.json"
    safe = tmp_path / "safe.har"
    code = main([str(fixture_path("chromium-loop")), "--profile", str(PROFILE), "--tui", "--sanitize", str(safe),
                 "-o", str(out)], tty_env(), tui=lambda: fake_app)
    assert code == 1 and len(shown) == 1
    assert shown[0].sanitized_to == safe and safe.exists()
    assert json.loads(out.read_text("utf-8"))["source"]["kind"] == "har"


@pytest.mark.parametrize(("args", "tty", "says"), [
    (["--tui"], False, "--tui needs a terminal"),
    (["--tui", "--format", "json"], True, "not --format"),
])
def test_har_tui_usage_errors_are_one_line(args: list[str], tty: bool, says: str) -> None:
    env = tty_env() if tty else Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
                                            stdout_isatty=False, environ={})
    code = run(["har", str(fixture_path("chromium-loop")), *args], env)
    err = env.stderr.getvalue()  # type: ignore[attr-defined]
    assert code == 2 and says in err and err.count("\n") == 1


def test_the_entry_point_hands_the_har_command_the_recording_app() -> None:
    from diagnose.cli import _load_recording_tui

    assert _load_recording_tui() is run_recording_tui


# ----------------------------------------------------------------------------- screenshots


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingDiagnosis]:
    """A recording that stays the same: a loop between the sign-in page and /sso, then a blocked script."""
    login = "https://app.atera.com/users/login"
    steps = [Step(login, status=302, location="/sso", at=0.0, set_cookies=["sid=abcdef123456; Path=/; Secure"])]
    for i in range(10):
        steps += [Step("https://app.atera.com/sso", status=302, location=login, at=0.1 + i * 0.2, cookie="sid=abcdef123456"),
                  Step(login, status=302, location="/sso", at=0.2 + i * 0.2, cookie="sid=abcdef123456")]
    steps.append(Step("https://app.atera.com/assets/captcha.js", dest="script", resource_type="script", at=2.5,
                      error="net::ERR_BLOCKED_BY_CLIENT", initiator={"type": "parser", "url": login}))
    path = write(tmp_path_factory.mktemp("tui") / "signin.har", chrome_har(steps))
    yield diagnose_recording(path, load_profile("atera"))


def make_app(diagnosis: RecordingDiagnosis) -> RecordingApp:
    app = RecordingApp(diagnosis)
    app.animation_level = "none"
    return app


async def _settled(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
def test_recording(snap_compare: SnapCompare, size: tuple[int, int], synthetic: RecordingDiagnosis) -> None:
    """The checklist a recording decides: the loop and the blocked script fail, what it cannot tell is skipped."""
    assert snap_compare(make_app(synthetic), terminal_size=size, run_before=_settled)


@SIZES
def test_recording_requests(snap_compare: SnapCompare, size: tuple[int, int], synthetic: RecordingDiagnosis) -> None:
    """The requests behind the loop item, the first one's details below."""
    assert snap_compare(make_app(synthetic), terminal_size=size, run_before=_settled,
                        press=["down", "down", "down", "down", "n"])
