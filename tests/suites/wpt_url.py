"""WHATWG URL data from web-platform-tests (url/resources/urltestdata.json and IdnaTestV2.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.suites import DATA

URL_DIR = DATA / "wpt-url"
URLTESTDATA = URL_DIR / "urltestdata.json"
IDNATESTV2 = URL_DIR / "IdnaTestV2.json"

URL_CASE_COUNT = 891
IDNA_CASE_COUNT = 2671


@dataclass(frozen=True)
class UrlCase:
    """One parse: ``input`` against ``base`` (None: no base) must fail or give these components."""

    index: int                  # position in urltestdata.json (0-based, counting the comment strings)
    section: str | None         # the nearest preceding comment string in the file
    input: str
    base: str | None
    failure: bool
    relative_to: str | None     # "non-opaque-path-base" / "any-base" on some failure cases
    href: str | None
    origin: str | None
    protocol: str | None
    username: str | None
    password: str | None
    host: str | None
    hostname: str | None
    port: str | None
    pathname: str | None
    search: str | None
    hash: str | None


@dataclass(frozen=True)
class IdnaCase:
    """UTS #46 ToASCII as the URL parser uses it: ``output`` None means the host must be rejected."""

    index: int
    input: str
    output: str | None
    comment: str | None


def _url_case(index: int, section: str | None, raw: dict[str, Any]) -> UrlCase:
    return UrlCase(
        index=index, section=section, input=raw["input"], base=raw.get("base"),
        failure=bool(raw.get("failure", False)), relative_to=raw.get("relativeTo"),
        href=raw.get("href"), origin=raw.get("origin"), protocol=raw.get("protocol"),
        username=raw.get("username"), password=raw.get("password"), host=raw.get("host"),
        hostname=raw.get("hostname"), port=raw.get("port"), pathname=raw.get("pathname"),
        search=raw.get("search"), hash=raw.get("hash"),
    )


@cache
def load_url_cases() -> tuple[UrlCase, ...]:
    cases: list[UrlCase] = []
    section: str | None = None
    for index, entry in enumerate(json.loads(URLTESTDATA.read_text("utf-8"))):
        if isinstance(entry, str):
            section = entry
            continue
        cases.append(_url_case(index, section, entry))
    return tuple(cases)


@cache
def load_idna_cases() -> tuple[IdnaCase, ...]:
    return tuple(
        IdnaCase(index=index, input=entry["input"], output=entry.get("output"), comment=entry.get("comment"))
        for index, entry in enumerate(json.loads(IDNATESTV2.read_text("utf-8")))
        if isinstance(entry, dict)
    )
