"""The vendor profile's schema: every key, its type, its length and its list sizes, as data.

A profile (``--profile FILE``, a built-in one, the lab's) is checked against
:data:`PROFILE` when it is loaded, so a check reads only values of the type and
size promised here. One wrong value is one line naming the key::

    login-doctor: error: profile acme.toml: clock.totp_window_steps: expected a whole number
    from 0 to 10, got a string ('one')

Tables the schema does not know are plugins' sections: any TOML value, bounded
in nesting, size and length (:class:`~diagnose.inputs.schema.Anything`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from diagnose.inputs.addresses import host_name, parse_endpoint
from diagnose.inputs.documents import parse_toml
from diagnose.inputs.limits import (
    MAX_DOMAINS,
    MAX_KEYWORDS,
    MAX_KNOWN_EXTENSIONS,
    MAX_PROFILE_STRING,
    MAX_PROFILE_VALUES,
    MAX_SHORTENERS,
    MAX_TIME_SOURCES,
    MAX_URL_CHARS,
)
from diagnose.inputs.schema import (
    Anything,
    Boolean,
    Integer,
    ListOf,
    Scalar,
    Table,
    Text,
    Where,
    count_values,
)
from diagnose.inputs.target import web_url
from diagnose.settings import UsageError


def _ntp_server(text: str, where: str) -> object:
    return parse_endpoint(text, default_port=123, option=where)


def _ascii_word(text: str, where: str) -> object:
    if not text.isascii() or not text.strip():
        raise UsageError(f"{where}: {text!r} must be a word in ASCII letters and digits")
    return text


URL = Text(MAX_URL_CHARS, 1, parse=web_url, kind="an http or https address")
DOMAIN = Text(253 * 4, 1, parse=host_name, kind="a host name")
NAME = Text(200, 1)
SEVERITIES = ("critical", "high", "medium", "low", "info")

KNOWN_EXTENSION = Table(
    {
        "name": NAME,
        "names": ListOf(NAME, 50),
        "kind": Text(100),
        "severity": Text(10, choices=SEVERITIES),
        "ids": ListOf(Text(200, 1), 50),
        "why": Text(1000),
        "note": Text(1000),
    },
    required=frozenset({"name"}),
)

SECTIONS: Mapping[str, Table] = {
    "connectivity": Table({
        "control_hosts": ListOf(DOMAIN, MAX_DOMAINS),
        "captive_portal_probes": ListOf(
            Table(
                {"url": URL, "expect_status": Integer(100, 599), "expect_body": Text(1024)},
                required=frozenset({"url"}),
            ),
            10,
        ),
    }),
    "clock": Table({
        "ntp_servers": ListOf(Text(300, 1, parse=_ntp_server, kind="a host name or IP address"), MAX_TIME_SOURCES),
        "totp_window_steps": Integer(0, 10),
        "http_date_sources": ListOf(URL, MAX_TIME_SOURCES),
    }),
    "redirects": Table({"identity_providers": ListOf(DOMAIN, 100)}),
    "certificate": Table({"expires_soon_days": Integer(0, 3650)}),
    "url": Table({
        "brand_keywords": ListOf(Text(63, 1, parse=_ascii_word, kind="a word"), MAX_KEYWORDS),
        "shorteners": ListOf(DOMAIN, MAX_SHORTENERS),
    }),
    "browser": Table({
        "minimum_versions": Table(other=Integer(0, 100_000), max_keys=20),
        "minimum_versions_note": Text(1000),
        "needed_cookies": ListOf(Text(4096, 1), 100),
        "needs_popups": Boolean(),
        "needs_third_party_cookies": Boolean(),
        "known_extensions": ListOf(KNOWN_EXTENSION, MAX_KNOWN_EXTENSIONS),
    }),
}
"""The check tables the built-in checks read; keys they do not know are refused (a typo is named)."""

PROFILE = Table(
    {
        "name": Text(64, 1),
        "vendor": Text(200, 1),
        "default_url": URL,
        "official_domains": ListOf(DOMAIN, MAX_DOMAINS, 1),
        "signin_urls": ListOf(URL, MAX_DOMAINS),
        "support_url": Text(MAX_URL_CHARS),
        "description": Text(1000),
        "brand": Text(63),
        "facts": Table(other=Scalar(MAX_PROFILE_STRING)),
        "advice": Table(other=Text(MAX_PROFILE_STRING)),
        **SECTIONS,
    },
    required=frozenset({"name", "vendor", "default_url", "official_domains"}),
    other=Table(other=Anything(3)),
)
"""The whole profile. A table not named here is a plugin's section."""


def validate_profile(data: Mapping[str, Any], origin: str) -> None:
    """Check parsed profile data against :data:`PROFILE`; raises one :class:`UsageError` naming the key."""
    where = Where(f"profile {origin}")
    count_values(data, MAX_PROFILE_VALUES, where)
    PROFILE.check(dict(data), where)


def parse_profile(data: bytes, origin: str) -> dict[str, Any]:
    """A profile file's bytes, parsed within bounds and checked against the schema."""
    parsed = parse_toml(data, f"profile {origin}")
    validate_profile(parsed, origin)
    return parsed
