"""The rules a browser applies to cookies, as pure functions: no jar, no state.

RFC 6265bis (draft-ietf-httpbis-rfc6265bis, §5) gives the parsing algorithm
(``Set-Cookie`` lines, cookie dates), domain and path matching; Chromium adds
the limits and refusals the draft leaves to the user agent. Every refusal is
named with Chromium's exclusion reason (``net/cookies/cookie_inclusion_status.h``)
and the label Chrome DevTools shows (``SecureOnly``, ``InvalidPrefix``, …), so
a finding can be matched against what the person sees in the browser.

* limits: name plus value at most 4096 bytes, attribute values at most 1024
  (longer ones are ignored, not the cookie), lifetime clamped to 400 days,
  180 cookies per site (Chromium ``kDomainMaxCookies``; over it, purged to 150);
* control characters refuse the cookie; Chromium also refuses a TAB inside a
  name or value, which 6265bis tolerates;
* public suffixes come from the Public Suffix List (``publicsuffixlist``) with
  the list's default rule ``*``: an unlisted top-level domain such as ``.test``
  counts as a public suffix, as in Firefox (Chromium is stricter there).
"""

from __future__ import annotations

import calendar
import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from diagnose.net import is_ip_literal
from diagnose.psl import public_suffix_list

MAX_NAME_VALUE_BYTES = 4096
"""Chromium ``ParsedCookie::kMaxCookieNamePlusValueSize``; 6265bis §5.6 step 5."""
MAX_ATTRIBUTE_VALUE_BYTES = 1024
"""Chromium ``kMaxCookieAttributeValueSize``; longer attribute values are ignored."""
MAX_LIFETIME_SECONDS = 400 * 24 * 3600
"""6265bis: Expires/Max-Age beyond 400 days (34560000 s) are reduced to it."""
MAX_COOKIES_PER_SITE = 180
"""Chromium ``CookieMonster::kDomainMaxCookies`` (per eTLD+1); Firefox ``maxPerHost``."""
PURGE_COOKIES_PER_SITE = 30
"""Chromium ``kDomainPurgeCookies``: over the limit, a site is purged down to 150."""


class Exclusion(StrEnum):
    """Why a browser refuses to store or send a cookie (Chromium's ``ExclusionReason`` names)."""

    SECURE_ONLY = "EXCLUDE_SECURE_ONLY"
    DOMAIN_MISMATCH = "EXCLUDE_DOMAIN_MISMATCH"
    NOT_ON_PATH = "EXCLUDE_NOT_ON_PATH"
    SAMESITE_STRICT = "EXCLUDE_SAMESITE_STRICT"
    SAMESITE_NONE_INSECURE = "EXCLUDE_SAMESITE_NONE_INSECURE"
    FAILURE_TO_STORE = "EXCLUDE_FAILURE_TO_STORE"
    OVERWRITE_SECURE = "EXCLUDE_OVERWRITE_SECURE"
    INVALID_DOMAIN = "EXCLUDE_INVALID_DOMAIN"
    INVALID_PREFIX = "EXCLUDE_INVALID_PREFIX"
    NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE = "EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE"
    DOMAIN_NON_ASCII = "EXCLUDE_DOMAIN_NON_ASCII"
    DISALLOWED_CHARACTER = "EXCLUDE_DISALLOWED_CHARACTER"
    NO_COOKIE_CONTENT = "EXCLUDE_NO_COOKIE_CONTENT"

    @property
    def devtools(self) -> str:
        """The label Chrome DevTools shows (``Network.SetCookieBlockedReason`` / ``CookieBlockedReason``)."""
        return _DEVTOOLS[self]

    def as_evidence(self) -> dict[str, str]:
        return {"reason": self.value, "devtools": self.devtools}


_DEVTOOLS = {
    Exclusion.SECURE_ONLY: "SecureOnly",
    Exclusion.DOMAIN_MISMATCH: "DomainMismatch",
    Exclusion.NOT_ON_PATH: "NotOnPath",
    Exclusion.SAMESITE_STRICT: "SameSiteStrict",
    Exclusion.SAMESITE_NONE_INSECURE: "SameSiteNoneInsecure",
    Exclusion.FAILURE_TO_STORE: "SyntaxError",
    Exclusion.OVERWRITE_SECURE: "OverwriteSecure",
    Exclusion.INVALID_DOMAIN: "InvalidDomain",
    Exclusion.INVALID_PREFIX: "InvalidPrefix",
    Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE: "NameValuePairExceedsMaxSize",
    Exclusion.DOMAIN_NON_ASCII: "InvalidDomain",
    Exclusion.DISALLOWED_CHARACTER: "DisallowedCharacter",
    Exclusion.NO_COOKIE_CONTENT: "NoCookieContent",
}


class Note(StrEnum):
    """Things a browser does to a cookie it keeps: warnings and adjustments."""

    ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE = "WARN_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE"
    SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC = "WARN_SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC"
    EXPIRY_CLAMPED_TO_400_DAYS = "EXPIRY_CLAMPED_TO_400_DAYS"
    MAX_AGE_INVALID = "MAX_AGE_INVALID_IGNORED"
    EXPIRES_INVALID = "EXPIRES_INVALID_IGNORED"


# ----------------------------------------------------------------------- URLs and sites


@dataclass(frozen=True, slots=True)
class CookieUrl:
    """The parts of a request URL cookies care about (ports play no part, as in browsers)."""

    scheme: str
    host: str
    path: str

    @property
    def cryptographic(self) -> bool:
        return self.scheme in ("https", "wss")

    @property
    def secure_context(self) -> bool:
        """A "secure" URL for cookies: https, or a potentially trustworthy loopback origin."""
        return self.cryptographic or is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``*.localhost`` and loopback addresses: potentially trustworthy over http."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a public suffix (``com``, ``co.uk``, ``github.io``, an unlisted TLD)."""
    if is_ip_literal(domain):
        return False
    try:
        return bool(public_suffix_list().is_public(domain.lower().rstrip(".")))
    except (ValueError, UnicodeError):
        return False


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The "site" of a host (eTLD+1), the host itself for addresses and bare suffixes."""
    host = host.strip("[]").lower().rstrip(".")
    if is_ip_literal(host):
        return host
    try:
        site = public_suffix_list().privatesuffix(host)
    except (ValueError, UnicodeError):
        site = None
    return str(site) if site else host


def domain_match(host: str, domain: str) -> bool:
    """6265bis §5.1.3: ``host`` is ``domain`` or a subdomain of it (never for IP addresses)."""
    if host == domain:
        return True
    return not is_ip_literal(host) and host.endswith("." + domain)


def path_match(request_path: str, cookie_path: str) -> bool:
    """6265bis §5.1.4 path-match."""
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def default_path(request_path: str) -> str:
    """6265bis §5.1.4 default-path: the "directory" of the request path."""
    if not request_path.startswith("/"):
        return "/"
    if request_path.count("/") <= 1:
        return "/"
    return request_path[: request_path.rfind("/")]


# ----------------------------------------------------------------------- dates


_DATE_DELIMITER = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[^0-9].*)?\Z", re.S)
_DAY = re.compile(r"([0-9]{1,2})(?:[^0-9].*)?\Z", re.S)
_YEAR = re.compile(r"([0-9]{2,4})(?:[^0-9].*)?\Z", re.S)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_cookie_date(text: str) -> float | None:
    """6265bis §5.1.1 cookie-date parsing: seconds since the epoch (UTC), or None when invalid.

    Browsers accept far more date shapes than RFC 1123 (``Wed, 09-Jun-2021``,
    two-digit years, trailing junk); this is their shared algorithm.
    """
    found = _DateParts()
    for token in _DATE_DELIMITER.split(text):
        if token:
            found.take(token)
    if found.time is None or found.day is None or found.month is None or found.year is None:
        return None
    year = found.year
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = found.time
    if not 1 <= found.day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        when = dt.datetime(year, found.month, found.day, hour, minute, second)
    except ValueError:  # 31 February and friends
        return None
    return float(calendar.timegm(when.timetuple()))


class _DateParts:
    """The first time, day, month and year among a cookie date's tokens (§5.1.1 step 2)."""

    def __init__(self) -> None:
        self.time: tuple[int, int, int] | None = None
        self.day: int | None = None
        self.month: int | None = None
        self.year: int | None = None

    def take(self, token: str) -> None:
        """Fill the first part still missing that ``token`` matches, in the algorithm's order."""
        if self.time is None and (m := _TIME.match(token)):
            self.time = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif self.day is None and (m := _DAY.match(token)):
            self.day = int(m.group(1))
        elif self.month is None and len(token) >= 3 and token[:3].lower() in _MONTHS:
            self.month = _MONTHS.index(token[:3].lower()) + 1
        elif self.year is None and (m := _YEAR.match(token)):
            self.year = int(m.group(1))


# ----------------------------------------------------------------------- parsing


_CTL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
WSP = " \t"
"""Whitespace a cookie parser trims: space and horizontal tab."""


@dataclass(frozen=True, slots=True)
class ParsedSetCookie:
    """One ``Set-Cookie`` line after 6265bis §5.6 parsing (value kept only in memory)."""

    name: str
    value: str = field(repr=False)
    attributes: tuple[tuple[str, str], ...]
    """(lower-case attribute name, value) in order, oversized values already removed."""
    oversized_attributes: tuple[str, ...] = ()


def parse_set_cookie(line: str) -> ParsedSetCookie | Exclusion:
    """Parse a ``Set-Cookie`` value, or return why a browser ignores the whole line.

    ``line`` is the header value decoded as Latin-1, so one character is one
    octet and the size limits count octets as the draft does.

    Chromium is stricter than 6265bis about one character: a TAB *inside* a
    name, a value, an attribute name or an attribute value refuses the whole
    line (``EXCLUDE_DISALLOWED_CHARACTER``), where the draft and the WPT tables
    accept it; one at either end is trimmed like a space (measured in Chromium
    156, ``tests/differential/test_flow.py``).
    """
    if _CTL_BUT_TAB.search(line):
        return Exclusion.DISALLOWED_CHARACTER
    pair, _, rest = line.partition(";")
    if "=" in pair:
        name, _, value = pair.partition("=")
    else:
        name, value = "", pair
    name, value = name.strip(WSP), value.strip(WSP)
    if "\t" in name or "\t" in value:
        return Exclusion.DISALLOWED_CHARACTER
    if len(name) + len(value) > MAX_NAME_VALUE_BYTES:
        return Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE
    if not name and not value:
        return Exclusion.NO_COOKIE_CONTENT
    attributes: list[tuple[str, str]] = []
    oversized: list[str] = []
    for av in rest.split(";") if rest else ():
        if not av.strip(WSP):
            continue
        key, _, val = av.partition("=")
        key, val = key.strip(WSP), val.strip(WSP)
        if "\t" in key or "\t" in val:
            return Exclusion.DISALLOWED_CHARACTER
        if len(val) > MAX_ATTRIBUTE_VALUE_BYTES:
            oversized.append(key.lower())
            continue
        attributes.append((key.lower(), val))
    return ParsedSetCookie(name, value, tuple(attributes), tuple(oversized))
