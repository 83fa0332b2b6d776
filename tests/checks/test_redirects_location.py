"""How the redirects check reads a ``Location`` header: as Chromium 156 does (measured on loopback;
tests/differential/test_flow.py keeps comparing it with the browser)."""

from __future__ import annotations

import pytest

from checks._redirects.location import (
    LocationProblem,
    escape_non_ascii,
    read_location,
    resolve,
    split_url,
)

BASE = "https://app.atera-lab.test:4433/x/y"


@pytest.mark.parametrize(("values", "next_url", "problem"), [
    ([b"/page"], "https://app.atera-lab.test:4433/page", None),
    ([b"/page", b"/page"], "https://app.atera-lab.test:4433/page", None),
    ([b"/a", b"/b"], None, LocationProblem.MULTIPLE),
    ([b"", b"/page"], None, LocationProblem.MULTIPLE),
    ([], None, LocationProblem.MISSING),
    ([b""], None, LocationProblem.EMPTY),
    ([b"data:text/html,hi"], None, LocationProblem.UNSAFE_SCHEME),
    ([b"file:///etc/passwd"], None, LocationProblem.UNSAFE_SCHEME),
    ([b"about:blank"], None, LocationProblem.UNSAFE_SCHEME),
    ([b"wss://app.atera-lab.test/x"], None, LocationProblem.UNKNOWN_SCHEME),
    ([b"javascript:alert(1)"], None, LocationProblem.NOT_WEB),
    ([b"mailto:a@b.c"], None, LocationProblem.NOT_WEB),
    ([b"ftp://e/x"], None, LocationProblem.NOT_WEB),
    ([b"http://[::1/x"], None, LocationProblem.INVALID),
    ([b"https://app.atera-lab.test:99999/"], None, LocationProblem.INVALID),
    ([b"/pa\tge"], "https://app.atera-lab.test:4433/page", None),
    ([b"https://app atera-lab.test/page"], "https://app%20atera-lab.test/page", None),
    ([b"https://a*b.atera-lab.test/page"], "https://a%2Ab.atera-lab.test/page", None),
    (["\u00a0https://evil-lab.test/page".encode()], "https://app.atera-lab.test:4433/x/%C2%A0https://evil-lab.test/page",
     None),
    (["\u3000https://evil-lab.test/page".encode()], "https://app.atera-lab.test:4433/x/%E3%80%80https://evil-lab.test/page",
     None),
    ([b"\xa0https://evil-lab.test/page"], "https://app.atera-lab.test:4433/x/%A0https://evil-lab.test/page", None),
])
def test_a_redirect_is_read_as_chromium_reads_it(values: list[bytes], next_url: str | None,
                                                 problem: LocationProblem | None) -> None:
    reading = read_location(302, values, BASE)
    assert (reading.next_url, reading.problem) == (next_url, problem)


def test_chromium_errors_name_what_the_browser_shows() -> None:
    assert read_location(302, [b"/a", b"/b"], BASE).chromium_error == "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION"
    assert read_location(302, [b"data:,x"], BASE).chromium_error == "ERR_UNSAFE_REDIRECT"
    assert read_location(302, [b"http://[::1"], BASE).chromium_error == "ERR_INVALID_REDIRECT"
    assert read_location(302, [], BASE).chromium_error is None  # the 302's own page is shown


def test_two_different_locations_fail_any_answer_and_one_on_a_200_is_ignored() -> None:
    assert read_location(200, [b"/a", b"/b"], BASE).problem is LocationProblem.MULTIPLE
    assert read_location(200, [b"/a"], BASE) == read_location(200, [], BASE)
    assert read_location(200, [b"/a"], BASE).next_url is None


def test_escape_non_ascii_is_per_byte() -> None:
    assert escape_non_ascii(b"/caf\xc3\xa9") == "/caf%C3%A9"
    assert escape_non_ascii(b"/plain") == "/plain"


def test_resolution_follows_the_url_standard_elsewhere() -> None:
    assert resolve("", "http://example.org/foo/bar") == ("http://example.org/foo/bar", None)
    assert resolve("//evil.example/", BASE) == ("https://evil.example/", None)
    assert resolve("\\\\evil.example\\x", BASE) == ("https://evil.example/x", None)
    assert resolve("/users/login", None) == (None, LocationProblem.INVALID)


def test_split_url_reads_hosts_the_standard_refuses() -> None:
    assert split_url("https://app%20atera-lab.test/page?x") == ("https", "app%20atera-lab.test", "/page")
    assert split_url("https://[::1]:8443/a") == ("https", "::1", "/a")
    assert split_url("not a url") == ("", "", "/")
