"""Cookie cases extracted from web-platform-tests ``cookies/`` pages (tools/wpt_cookie_tables.py).

A case: the ``Set-Cookie`` lines in ``set_cookie`` are received, in order, on a response for
``set_url`` (or written to ``document.cookie`` of that page when ``setter`` is "document.cookie");
then the cookies for ``get_url`` are read, through ``document.cookie`` (HttpOnly cookies hidden) or
as the ``Cookie`` header of a request (``read_via`` "http"), and must equal ``expected`` ("" means
none). ``compare`` "named" means only the cookies named in ``names`` are compared. Host names are
WPT's defaults (web-platform.test and its www/www1/www2.www subdomains, not-web-platform.test as
the cross-site host; ports 8000 http, 8443 https)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from typing import Literal

from tests.suites import DATA

COOKIE_DIR = DATA / "wpt-cookies"

#: The moment to judge the cases at: the tables use fixed dates (``Expires=Fri, 07 Aug 2027``,
#: ``01 Jan 2038`` as the future, 1980 and 2007 as the past), so a fixed "now" keeps them meaningful.
WPT_COOKIE_REFERENCE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: Cases per extracted upstream page; the load test checks every one.
WPT_COOKIE_CASE_COUNTS = {
    "cookies/attributes/attributes-ctl.sub.html": 429,
    "cookies/attributes/expires.html": 5,
    "cookies/attributes/invalid.html": 26,
    "cookies/attributes/max-age.html": 10,
    "cookies/attributes/path-redirect.html": 17,
    "cookies/attributes/path.html": 21,
    "cookies/attributes/resources/domain-child.sub.html": 46,
    "cookies/attributes/resources/secure-non-secure-child.html": 11,
    "cookies/attributes/secure.https.html": 8,
    "cookies/domain/domain-attribute-host-with-and-without-leading-period.sub.https.html": 3,
    "cookies/domain/domain-attribute-host-with-leading-period.sub.https.html": 3,
    "cookies/domain/domain-attribute-matches-host.sub.https.html": 3,
    "cookies/domain/domain-attribute-missing.sub.html": 3,
    "cookies/encoding/charset.html": 6,
    "cookies/name/name-ctl.html": 33,
    "cookies/name/name.html": 44,
    "cookies/path/default.html": 2,
    "cookies/prefix/__host.header.html": 13,
    "cookies/prefix/__host.header.https.html": 10,
    "cookies/prefix/__secure.header.html": 8,
    "cookies/prefix/__secure.header.https.html": 8,
    "cookies/size/attributes.www.sub.html": 4,
    "cookies/size/name-and-value.html": 10,
    "cookies/value/value-ctl.html": 33,
    "cookies/value/value.html": 23,
}


@dataclass(frozen=True)
class CookieCase:
    file: str                 # upstream path, e.g. "cookies/name/name.html"
    line: int | None          # line of the table entry naming the test, else of the helper call
    name: str                 # upstream test name
    helper: str               # upstream helper that runs it (httpCookieTest, domCookieTest, ...)
    setter: Literal["http", "document.cookie"]
    set_url: str
    set_cookie: tuple[str, ...]
    get_url: str
    read_via: Literal["http", "document.cookie"]
    expected: str
    compare: Literal["all", "named"]
    names: tuple[str, ...]
    context: Literal["same-site", "cross-site"]
    note: str | None
    upstream_repository: str
    upstream_commit: str


@cache
def load_wpt_cookie_cases() -> tuple[CookieCase, ...]:
    cases: list[CookieCase] = []
    for path in sorted(COOKIE_DIR.rglob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        upstream = doc["upstream"]
        for raw in doc["cases"]:
            cases.append(CookieCase(
                file=upstream["path"], line=raw.get("line"), name=raw["name"], helper=raw["helper"],
                setter=raw["setter"], set_url=raw["set_url"], set_cookie=tuple(raw["set_cookie"]),
                get_url=raw["get_url"], read_via=raw["read_via"], expected=raw["expected"],
                compare=raw["compare"], names=tuple(raw["names"]), context=raw["context"],
                note=raw.get("note"), upstream_repository=upstream["repository"],
                upstream_commit=upstream["commit"],
            ))
    return tuple(cases)
