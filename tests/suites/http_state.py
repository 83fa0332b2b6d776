"""Adam Barth's http-state cookie parser tests (github.com/abarth/http-state, tests/data/parser).

Each test is a pair of upstream files: ``NAME-test`` holds the response headers the test server sends
for ``http://home.example.org:8888/cookie-parser?NAME`` (a 302 with ``Set-Cookie`` lines and, when
the file has none, ``Location: /cookie-parser-result?NAME``), and ``NAME-expected`` the ``Cookie``
header the user agent must send when it follows that redirect. The loader reproduces the upstream
test server's reading of both files (tools/testserver/testserver.py in the upstream repository)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin

from tests.suites import DATA

PARSER_DIR = DATA / "http-state" / "parser"
REQUEST_URL = "http://home.example.org:8888/cookie-parser?{name}"

#: Every pair upstream ships, including the ``disabled-*`` ones upstream does not run.
HTTP_STATE_CASE_COUNT = 222
#: The moment to judge the tests at. Some lines carry fixed dates that were in the future when the
#: tests were written (``Expires=Fri, 07 Aug 2019``, ``18-Apr-2027``); the last upstream change
#: (2017-08-09, "Futurified 0003-test expires header value") is when all of them hold.
HTTP_STATE_REFERENCE_TIME = dt.datetime(2017, 8, 9, tzinfo=dt.UTC)
#: Host names the tests use; upstream maps them all to 127.0.0.1 (tests/data/hosts).
HOSTS = ("example.org", "home.example.org", "home.example.org.", "sibling.example.org",
         "subdomain.home.example.org", "sibling.home.example.org")

_HEADER = re.compile(r"(\S+):\s*(.*)")
_EXPECTED = re.compile(r"Cookie:\s*(.*)")


@dataclass(frozen=True)
class HttpStateCase:
    name: str            # upstream test name, e.g. "0001", "domain0012", "disabled-chromium0004"
    group: str           # "general", "attribute", "domain", "mozilla", ... (the name without digits)
    disabled: bool       # upstream keeps the file but does not list it as a passing expectation
    request_url: str     # where the Set-Cookie lines are received
    set_cookie: tuple[str, ...]  # header values in order, as the upstream server sends them
    location: str        # absolute URL the Cookie header is computed for
    expected_cookie: str | None  # the Cookie header value, None when no Cookie header must be sent


def _group(name: str) -> str:
    stem = name.removeprefix("disabled-").rstrip("0123456789")
    return stem or "general"


def _case(name: str) -> HttpStateCase:
    request_url = REQUEST_URL.format(name=name)
    set_cookie: list[str] = []
    location = f"/cookie-parser-result?{name}"
    text = (PARSER_DIR / f"{name}-test").read_bytes().decode("utf-8")
    for line in text.split("\n"):
        match = _HEADER.match(line)
        if match is None:
            continue
        header, value = match.groups()
        if header.lower() == "location":
            location = value
        elif header.lower() == "set-cookie":
            set_cookie.append(value)
    expected_text = (PARSER_DIR / f"{name}-expected").read_bytes().decode("utf-8")
    found = _EXPECTED.findall(expected_text)
    return HttpStateCase(
        name=name,
        group=_group(name),
        disabled=name.startswith("disabled-"),
        request_url=request_url,
        set_cookie=tuple(set_cookie),
        location=urljoin(request_url, location),
        expected_cookie=found[0] if len(found) == 1 else None,
    )


@cache
def load_http_state_cases() -> tuple[HttpStateCase, ...]:
    names = sorted(path.name.removesuffix("-test") for path in PARSER_DIR.glob("*-test"))
    return tuple(_case(name) for name in names)
