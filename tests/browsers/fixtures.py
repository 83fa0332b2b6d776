"""pytest fixtures for real-browser tests (a plugin: ``tests/conftest.py`` loads it for the whole suite).

==================  =======  ====================================================================
fixture             scope    what it gives
==================  =======  ====================================================================
``chromium``        module   a running :class:`~tests.browsers.chromium.Chromium` (default options)
``chromium_case``   test     :class:`ChromiumCase`: a fresh context + tab of ``chromium``, its
                             net-log slice, and the loopback guard checked after the test
``launch_chromium`` test     ``launch_chromium(options)`` → a Chromium of your own (persistent
                             profile, host rules, proxy); closed and guarded after the test
``launch_firefox``  test     ``launch_firefox(options)`` → a :class:`~tests.browsers.firefox.Firefox`
``lab_scenarios``   module   :class:`~tests.browsers.lab.LabScenarios` (lab servers in a thread)
==================  =======  ====================================================================

Tests that use any of them are marked ``browser`` automatically (``-m "not browser"``
leaves them out). A missing browser or ``certutil`` skips them locally and
FAILS them under ``CI=true``, like the interop tier.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browsers import nss
from tests.browsers.chromium import BrowserContext, Chromium, ChromiumOptions, find_chromium
from tests.browsers.firefox import Firefox, FirefoxOptions, find_firefox
from tests.browsers.lab import LabScenarios
from tests.browsers.netlog import NetLog
from tests.browsers.page import Page

LaunchChromium = Callable[..., Chromium]
"""Type of the ``launch_chromium`` fixture: ``launch_chromium(options: ChromiumOptions | None = None)``."""
LaunchFirefox = Callable[..., Firefox]
"""Type of the ``launch_firefox`` fixture: ``launch_firefox(options: FirefoxOptions | None = None)``."""

BROWSER_FIXTURES = frozenset({"chromium", "chromium_case", "launch_chromium", "launch_firefox"})


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def _missing(what: str) -> None:
    message = f"{what} is not installed"
    if in_ci():
        pytest.fail(f"{message}, and CI=true requires the browser tests to run (.ci/run installs it)", pytrace=False)
    pytest.skip(message)


def require_chromium() -> str:
    """Chromium's path (and certutil present); fail under CI=true, skip locally."""
    binary = find_chromium()
    if binary is None:
        _missing("Chromium (Debian package chromium)")
    if nss.certutil_path() is None:
        _missing("certutil (Debian package libnss3-tools)")
    assert binary is not None
    return binary


def require_firefox() -> str:
    """Firefox's path (and certutil present); fail under CI=true, skip locally."""
    binary = find_firefox()
    if binary is None:
        _missing("Firefox (Debian package firefox-esr)")
    if nss.certutil_path() is None:
        _missing("certutil (Debian package libnss3-tools)")
    assert binary is not None
    return binary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _close_and_guard(browser: Chromium) -> None:
    """Close cleanly, then check the complete net-log: nothing but loopback was contacted."""
    browser.close()
    if browser.options.netlog and browser.netlog_path.exists():
        NetLog.load(browser.netlog_path).assert_loopback_only()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = require_chromium()
    browser = Chromium.launch(binary=binary, workdir=tmp_path_factory.mktemp("chromium"))
    try:
        yield browser
    finally:
        _close_and_guard(browser)


@dataclass
class ChromiumCase:
    """One test's share of the module's browser: an isolated context with one tab."""

    browser: Chromium
    context: BrowserContext
    page: Page
    mark: int
    _netlog: NetLog | None = field(default=None, repr=False)

    def trust(self, ca_file: Path) -> None:
        """Trust a lab root CA (process-wide: the NSS database is shared by all contexts)."""
        self.browser.trust_root(ca_file)

    def netlog(self) -> NetLog:
        """The net-log from the start of this test to now (the module browser's other tests excluded)."""
        return self.browser.netlog_since(self.mark)


@pytest.fixture
def chromium_case(chromium: Chromium) -> Iterator[ChromiumCase]:
    mark = chromium.netlog_mark()
    context = chromium.new_context()
    case = ChromiumCase(chromium, context, context.new_page(), mark)
    yield case
    context.close()
    case.netlog().assert_loopback_only()


@pytest.fixture
def launch_chromium(tmp_path: Path) -> Iterator[LaunchChromium]:
    binary = require_chromium()
    started: list[Chromium] = []

    def launch(options: ChromiumOptions | None = None) -> Chromium:
        workdir = tmp_path / f"chromium-{len(started)}"
        workdir.mkdir()
        browser = Chromium.launch(options, binary=binary, workdir=workdir)
        started.append(browser)
        return browser

    yield launch
    for browser in started:
        _close_and_guard(browser)


@pytest.fixture
def launch_firefox(tmp_path: Path) -> Iterator[LaunchFirefox]:
    binary = require_firefox()
    started: list[Firefox] = []

    def launch(options: FirefoxOptions | None = None) -> Firefox:
        workdir = tmp_path / f"firefox-{len(started)}"
        workdir.mkdir()
        browser = Firefox.launch(options, binary=binary, workdir=workdir)
        started.append(browser)
        return browser

    yield launch
    for browser in started:
        browser.quit()


@pytest.fixture(scope="module")
def lab_scenarios() -> Iterator[LabScenarios]:
    scenarios = LabScenarios()
    try:
        yield scenarios
    finally:
        scenarios.close()
