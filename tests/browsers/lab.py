"""Lab scenarios for browser tests: servers in a background event loop, one fresh lab per case.

Browsers are driven synchronously, so the lab's asyncio servers must run
elsewhere: :class:`LabScenarios` keeps one :class:`~diagnose.lab.servers.LabThread`
(an event loop in a daemon thread) for a test module and starts each
scenario in a fresh :class:`~diagnose.lab.scenario.Lab` (its own root CA and
temp dir) there, exactly as ``login-doctor demo`` and the check tests do.
The browser then loads :attr:`StartedScenario.url` and
:meth:`StartedScenario.diagnose` runs login-doctor against the *same*
servers: that pair is a differential test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from diagnose.lab.scenario import Lab, LabRun, Scenario, all_scenarios
from diagnose.lab.servers import LabThread
from diagnose.model import Report

T = TypeVar("T")


@dataclass
class StartedScenario:
    """A scenario whose servers are up: what to load, which root to trust, how to diagnose."""

    scenario: Scenario
    lab: Lab
    run: LabRun
    thread: LabThread

    @property
    def url(self) -> str:
        return self.run.url

    @property
    def ca_file(self) -> Path:
        """The lab's root CA (PEM): trust it in the browser for the 'healthy' baseline."""
        return self.lab.ca_file

    def diagnose(self, only: Sequence[str] | None = None, timeout: float = 60.0) -> Report:
        """Run login-doctor against this scenario's servers (the same ones the browser sees),
        as :func:`diagnose.lab.scenario.diagnose_scenario` does."""
        from diagnose.check import SystemClock
        from diagnose.registry import discover
        from diagnose.session import Diagnosis, make_target

        run = self.run
        registry = discover(plugins=False)
        plan = registry.plan(tuple(only if only is not None else run.only))
        diagnosis = Diagnosis(
            target=make_target(run.url, run.profile), profile=run.profile, plan=plan, settings=run.settings,
            net=run.net, warnings=registry.warnings, clock=run.clock or SystemClock(),
        )
        return self.thread.run(diagnosis.run(), timeout=timeout)


class LabScenarios:
    """Starts lab scenarios (and bare labs) on one background loop; see the module docstring."""

    def __init__(self) -> None:
        self.thread = LabThread()
        self.thread.__enter__()

    def close(self) -> None:
        self.thread.stop()

    def names(self, area: str | None = None) -> list[str]:
        """Registered scenario names (of ``area``: ``certificate``, ``redirects``, ...)."""
        return sorted(n for n, s in all_scenarios().items() if area is None or s.area == area)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the lab loop (to start a custom server on a :meth:`lab`)."""
        return self.thread.run(coro, timeout)

    @contextlib.contextmanager
    def lab(self) -> Iterator[Lab]:
        """A bare :class:`Lab` on the lab loop, for servers a test builds itself
        (``lab_scenarios.run(lab.https(handler, names))``); closed after the block."""
        lab = Lab()
        self.run(lab.__aenter__())
        try:
            yield lab
        finally:
            self.run(lab.__aexit__(None, None, None))

    @contextlib.contextmanager
    def start(self, name: str) -> Iterator[StartedScenario]:
        """Start scenario ``name`` in a fresh lab; its servers stop after the block."""
        chosen = all_scenarios()[name]
        with self.lab() as lab:
            factory = chosen.factory(lab)
            run = self.run(factory.__aenter__())
            try:
                yield StartedScenario(chosen, lab, run, self.thread)
            finally:
                self.run(factory.__aexit__(None, None, None))
