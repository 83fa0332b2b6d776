"""The web-platform-tests cookie tables through the redirects check's cookie jar.

All 779 cases run (set on the case's URL, read for its other URL, same-site or cross-site, through
``document.cookie`` or as a ``Cookie`` header). Where Chromium 156 (the oracle, measured in
tests/differential/test_flow.py) disagrees with a table, the jar follows Chromium and the case is
listed with its reason in ``deviations/wpt-cookies.toml``. Every other case must pass; a listed case
that passes fails the test.
"""

from __future__ import annotations

from tests.suites import drivers
from tests.suites.wpt_cookies import WPT_COOKIE_REFERENCE_TIME, load_wpt_cookie_cases


def case_id(file: str, line: int | None, name: str) -> str:
    return f"{file}:{line}:{name}"


def failures() -> dict[tuple[str, str], str]:
    now = WPT_COOKIE_REFERENCE_TIME.timestamp()
    found: dict[tuple[str, str], str] = {}
    for case in load_wpt_cookie_cases():
        got = drivers.cookie_string(
            case.set_cookie, case.set_url, case.get_url, now, same_site=case.context == "same-site",
            dom=case.read_via == "document.cookie", names=case.names, http=case.setter == "http",
        )
        if got != case.expected:
            found[("", case_id(case.file, case.line, case.name))] = f"expected {case.expected!r}, got {got!r}"
    return found


def test_every_wpt_cookie_case_passes_or_is_a_listed_chromium_deviation() -> None:
    assert len(load_wpt_cookie_cases()) == 779
    assert drivers.compare("wpt-cookies", failures()) == []


def test_deviations_are_only_where_chromium_was_measured_to_differ() -> None:
    listed = drivers.load_deviations("wpt-cookies")
    assert len(listed) <= 11
    assert all("Chromium 156" in d.reason for d in listed.values())


def test_a_header_ends_at_a_line_break() -> None:
    """WPT value.html "ignore value after LF": what follows LF is another header line."""
    assert drivers.header_value("test=13\nZYX") == "test=13"
    assert drivers.header_value("a=1\r\nb") == "a=1"
