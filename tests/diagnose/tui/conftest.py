"""Helpers for the TUI tests: lab diagnoses and waiting on a running app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, signin_app
from diagnose.lab.servers import LabThread
from diagnose.registry import discover
from diagnose.session import Diagnosis, make_target

ROOT = Path(__file__).resolve().parents[3]
"""The repository root (subprocess tests run ``python -m diagnose`` from here)."""

HOST = f"app.{LAB_DOMAIN}"


def lab_diagnosis(run: LabRun, only: tuple[str, ...] = ("connectivity",)) -> Diagnosis:
    """A real Diagnosis of a lab run (as ``diagnose_scenario`` builds it).

    The plan is restricted to ``only`` so these tests keep testing the TUI,
    not whichever other checks a build ships.
    """
    registry = discover(plugins=False)
    diagnosis = Diagnosis(
        target=make_target(run.url, run.profile),
        profile=run.profile,
        plan=registry.plan(only),
        settings=run.settings,
        net=run.net,
        warnings=registry.warnings,
    )
    if run.clock is not None:
        diagnosis.clock = run.clock
    return diagnosis


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


@pytest.fixture(scope="module")
def lab_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A healthy HTTPS sign-in page on loopback; yields its URL and the CLI options that reach it."""
    tmp = tmp_path_factory.mktemp("lab")
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            site = thread.run(lab.https(signin_app(), names=[HOST]))
            profile = tmp / "lab.toml"
            profile.write_text(
                f'name = "atera-lab"\nvendor = "Atera (lab)"\n'
                f'default_url = "https://{HOST}{SIGNIN_PATH}"\nofficial_domains = ["{LAB_DOMAIN}"]\n'
                "[connectivity]\ncontrol_hosts = []\n[clock]\nntp_servers = []\n"
            )
            options = [
                "--profile", str(profile), "--only", "connectivity",
                "--resolve", f"{HOST}:{site.port}:127.0.0.1", "--ca-file", str(lab.ca_file),
            ]
            yield f"https://{HOST}:{site.port}{SIGNIN_PATH}", options
        finally:
            thread.run(lab.__aexit__(None, None, None))
