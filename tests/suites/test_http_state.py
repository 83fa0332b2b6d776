"""Adam Barth's http-state parser tests through the redirects check's cookie jar.

Every one of the 222 pairs runs: the ``Set-Cookie`` lines are received on the test's request URL,
and the cookies for its ``Location`` must be the expected ``Cookie`` header. A test decided
differently on purpose is listed, with its reason, in ``deviations/http-state.toml``; an unlisted
failure fails, and so does a listed test that passes (the list must stay true).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suites import drivers
from tests.suites.http_state import HTTP_STATE_REFERENCE_TIME, load_http_state_cases


def failures() -> dict[tuple[str, str], str]:
    now = HTTP_STATE_REFERENCE_TIME.timestamp()
    found: dict[tuple[str, str], str] = {}
    for case in load_http_state_cases():
        got = drivers.cookie_string(case.set_cookie, case.request_url, case.location, now)
        if got != (case.expected_cookie or ""):
            found[("", case.name)] = f"expected {case.expected_cookie!r}, got {got!r}"
    return found


def test_every_http_state_test_passes_or_is_a_listed_deviation() -> None:
    assert len(load_http_state_cases()) == 222
    assert drivers.compare("http-state", failures()) == []


def test_the_deviations_are_few_and_each_has_a_reason() -> None:
    listed = drivers.load_deviations("http-state")
    assert len(listed) <= 25
    assert all(len(d.reason) > 40 for d in listed.values())


def test_the_comparison_catches_an_unlisted_failure_and_a_stale_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "demo.toml").write_text('[[deviation]]\ncase = "a"\nreason = "on purpose"\n', "utf-8")
    monkeypatch.setattr(drivers, "DEVIATIONS", tmp_path)
    assert drivers.compare("demo", {("", "a"): "differs"}) == []
    assert drivers.compare("demo", {("", "a"): "differs", ("", "b"): "differs"}) == ["unlisted failure ('', 'b'): differs"]
    assert drivers.compare("demo", {})[0].startswith("listed as a deviation but passes ('', 'a')")
