"""Helpers for the TUI tests: lab diagnoses and waiting on a running app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from diagnose.lab.scenario import LabRun
from diagnose.registry import discover
from diagnose.session import Diagnosis, make_target


def lab_diagnosis(run: LabRun, only: tuple[str, ...] = ("connectivity",)) -> Diagnosis:
    """A real Diagnosis of a lab run (as ``diagnose_scenario`` builds it).

    The plan is restricted to ``only`` so these tests keep testing the TUI,
    not whichever other checks a build ships.
    """
    registry = discover(plugins=False)
    return Diagnosis(
        target=make_target(run.url, run.profile),
        profile=run.profile,
        plan=registry.plan(only),
        settings=run.settings,
        net=run.net,
        warnings=registry.warnings,
        **({"clock": run.clock} if run.clock is not None else {}),
    )


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], what: str, limit: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds (``limit`` only guards against a hang)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"gave up waiting: {what}")
        await pilot.pause(0.02)


@pytest.fixture
def utc() -> Iterator[None]:
    """Local time is UTC for the test (the reference clock shows local time)."""
    import os

    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()
