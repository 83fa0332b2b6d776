"""Screenshots of the main states at 80×24 and 120×40 (pytest-textual-snapshot).

Deterministic by construction: the run is replayed from fixed engine events
(:mod:`tests.diagnose.tui.fixed_run`: fixed checks, results, report id and
clock), spinners stand still (``animation_level = "none"``), the cursor does
not blink and local time is UTC. Update with
``python -m pytest tests/diagnose/tui --snapshot-update`` only after looking
at the new pictures.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from diagnose.model import Status
from tests.diagnose.tui import fixed_run
from tests.diagnose.tui.fixed_run import make_app, prepare

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

SnapCompare = Callable[..., bool]


DONE_FAILING = fixed_run.events_done(fixed_run.FAILING, Status.FAIL)
DONE_HEALTHY = fixed_run.events_done(fixed_run.HEALTHY, Status.PASS)


@SIZES
def test_start(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """Before a run: the prefilled address judged by the url check, the profile, items not run yet."""
    assert snap_compare(make_app(), terminal_size=size, run_before=prepare(focus_list=False))


@SIZES
def test_running(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """Mid-run: progress, one item decided, spinners on the running ones, the rest waiting."""
    assert snap_compare(make_app(), terminal_size=size, run_before=prepare(fixed_run.events_running()))


@SIZES
def test_failed(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """A failing run: each item with its symbol and word, the overall result line."""
    assert snap_compare(make_app(), terminal_size=size, run_before=prepare(DONE_FAILING))


@SIZES
def test_item_details(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """The failed connection item: advice first, the finding, evidence folded."""
    assert snap_compare(
        make_app(), terminal_size=size, run_before=prepare(DONE_FAILING), press=["down", "down", "enter"]
    )


@SIZES
def test_reference_clock(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """A healthy run with the reference clock shown (device time minus the measured offset)."""
    assert snap_compare(make_app(), terminal_size=size, run_before=prepare(DONE_HEALTHY), press=["t"])


@SIZES
def test_help(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=prepare(DONE_FAILING), press=["question_mark"])


@SIZES
def test_light_theme(snap_compare: SnapCompare, size: tuple[int, int], utc: None) -> None:
    """The failing run in the light theme: the status colours still differ, the words carry it anyway."""
    assert snap_compare(make_app(theme="textual-light"), terminal_size=size, run_before=prepare(DONE_FAILING))
