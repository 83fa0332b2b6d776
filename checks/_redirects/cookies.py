"""A cookie jar that behaves like a browser, not like ``http.cookiejar``.

Python's cookie jar stores and sends cookies that browsers throw away (a
``Secure`` cookie set over http, ``SameSite=None`` without ``Secure``, a
5000-byte value, a control character) and drops one that browsers keep (an
invalid ``Max-Age``). A diagnosis built on it would miss exactly the faults
that make sign-in loop. This jar follows the RFC 6265bis parsing, storage and
retrieval algorithms (draft-ietf-httpbis-rfc6265bis, §5) plus the Chromium
rules the draft leaves to the user agent:

* every refused cookie gets Chromium's exclusion reason
  (``net/cookies/cookie_inclusion_status.h``) and the DevTools label a person
  sees in the Network panel (``SecureOnly``, ``InvalidPrefix``, …), so a
  finding can be matched against the browser;
* limits: name plus value at most 4096 bytes, attribute values at most 1024
  (longer ones are ignored, not the cookie), lifetime clamped to 400 days,
  180 cookies per site (Chromium ``kDomainMaxCookies``; when exceeded it purges
  down to 150, oldest first);
* ``__Secure-``/``__Host-`` prefixes, ``SameSite=None`` requiring ``Secure``,
  "Leave Secure Cookies Alone", control characters (Chromium also refuses a
  TAB inside a name or value, which 6265bis tolerates);
* a ``Domain`` that is a public suffix is refused, using the Public Suffix
  List (``publicsuffixlist``) with the list's default rule ``*``: an unlisted
  top-level domain such as ``.test`` counts as a public suffix, as in Firefox.

Cookie values live only inside this jar, in memory, for the duration of one
check. Everything it hands out for a report (:meth:`Cookie.describe`,
:meth:`SetCookieOutcome.as_evidence`) carries names, sizes, attributes and a
short hash (:func:`diagnose.redact.fingerprint`), never a value.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from diagnose.redact import REDACTED, fingerprint

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


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


@cache
def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a public suffix (``com``, ``co.uk``, ``github.io``, an unlisted TLD)."""
    if _is_ip(domain):
        return False
    try:
        return bool(_psl().is_public(domain.lower().rstrip(".")))
    except (ValueError, UnicodeError):
        return False


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The "site" of a host (eTLD+1), the host itself for addresses and bare suffixes."""
    host = host.strip("[]").lower().rstrip(".")
    if _is_ip(host):
        return host
    try:
        site = _psl().privatesuffix(host)
    except (ValueError, UnicodeError):
        site = None
    return str(site) if site else host


def domain_match(host: str, domain: str) -> bool:
    """6265bis §5.1.3: ``host`` is ``domain`` or a subdomain of it (never for IP addresses)."""
    if host == domain:
        return True
    return not _is_ip(host) and host.endswith("." + domain)


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
    time: tuple[int, int, int] | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    for token in _DATE_DELIMITER.split(text):
        if not token:
            continue
        if time is None and (m := _TIME.match(token)):
            time = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            continue
        if day is None and (m := _DAY.match(token)):
            day = int(m.group(1))
            continue
        if month is None and len(token) >= 3 and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
            continue
        if year is None and (m := _YEAR.match(token)):
            year = int(m.group(1))
            continue
    if time is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = time
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        when = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # 31 February and friends
        return None
    return float(calendar.timegm(when.timetuple()))


# ----------------------------------------------------------------------- parsing


_CTL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_WSP = " \t"


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
    """
    if _CTL_BUT_TAB.search(line):
        return Exclusion.DISALLOWED_CHARACTER
    pair, _, rest = line.partition(";")
    if "=" in pair:
        name, _, value = pair.partition("=")
    else:
        name, value = "", pair
    name, value = name.strip(_WSP), value.strip(_WSP)
    if "\t" in name or "\t" in value:
        # Chromium refuses every control character, TAB included, inside the
        # name or value (ParsedCookie::IsValidCookieName/Value).
        return Exclusion.DISALLOWED_CHARACTER
    if len(name) + len(value) > MAX_NAME_VALUE_BYTES:
        return Exclusion.NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE
    if not name and not value:
        return Exclusion.NO_COOKIE_CONTENT
    attributes: list[tuple[str, str]] = []
    oversized: list[str] = []
    for av in rest.split(";") if rest else ():
        if not av.strip(_WSP):
            continue
        key, _, val = av.partition("=")
        key, val = key.strip(_WSP).lower(), val.strip(_WSP)
        if len(val) > MAX_ATTRIBUTE_VALUE_BYTES:
            oversized.append(key)
            continue
        attributes.append((key, val))
    return ParsedSetCookie(name, value, tuple(attributes), tuple(oversized))


# ----------------------------------------------------------------------- cookies


@dataclass(slots=True)
class Cookie:
    """A stored cookie. ``value`` never leaves the jar: use :meth:`describe` for reports."""

    name: str
    value: str = field(repr=False)
    domain: str
    host_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str
    """``strict``, ``lax``, ``none`` or ``unspecified`` (treated as Lax by browsers)."""
    expiry: float | None
    """None for a session cookie (kept until the browser closes)."""
    creation: float
    last_access: float
    set_by: str
    """The host whose response set it."""
    set_at_hop: int = 0

    @property
    def size(self) -> int:
        """Name plus value, in bytes (what the 4096-byte limit counts)."""
        return len(self.name) + len(self.value)

    @property
    def pair(self) -> str:
        return f"{self.name}={self.value}" if self.name else self.value

    @property
    def key(self) -> tuple[str, str, bool, str]:
        return (self.name, self.domain, self.host_only, self.path)

    @property
    def site(self) -> str:
        return registrable_domain(self.domain)

    def describe(self) -> dict[str, Any]:
        """Name, size, attributes and a short hash of the value: safe for a report."""
        return {
            "name": _display_name(self.name),
            "size": self.size,
            "value_hash": fingerprint(self.value),
            "domain": self.domain,
            "host_only": self.host_only,
            "path": self.path,
            "secure": self.secure,
            "http_only": self.http_only,
            "same_site": self.same_site,
            "session": self.expiry is None,
            "set_by": self.set_by,
            "set_at_step": self.set_at_hop + 1,
        }


@dataclass(frozen=True, slots=True)
class SetCookieOutcome:
    """What a browser does with one ``Set-Cookie`` line: stored, deleted, or refused and why."""

    name: str
    size: int
    value_hash: str
    host: str
    hop: int
    """Index of the hop (0-based; reports show ``step`` = hop + 1)."""
    stored: bool
    reasons: tuple[Exclusion, ...] = ()
    notes: tuple[Note, ...] = ()
    deleted: bool = False
    """A deletion (expiry in the past): not a refusal."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Parsed attributes as a browser understood them (domain, path, secure, …)."""
    requested_lifetime_days: float | None = None
    public_suffix_domain: bool = False
    evicted: tuple[str, ...] = ()
    """Names of cookies the per-site limit pushed out when this one was stored."""

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": _display_name(self.name),
            "size": self.size,
            "value_hash": self.value_hash,
            "host": self.host,
            "step": self.hop + 1,
            "stored": self.stored,
            **self.attributes,
        }
        if self.deleted:
            out["deleted"] = True
        if self.reasons:
            out["rejected"] = [r.as_evidence() for r in self.reasons]
        if self.notes:
            out["notes"] = [n.value for n in self.notes]
        if self.requested_lifetime_days is not None:
            out["requested_lifetime_days"] = round(self.requested_lifetime_days, 1)
        if self.public_suffix_domain:
            out["public_suffix_domain"] = True
        if self.evicted:
            out["evicted"] = list(self.evicted)
        return out


@dataclass(frozen=True, slots=True)
class Withheld:
    """A cookie in the jar that a request does not carry, and why."""

    cookie: Cookie
    reasons: tuple[Exclusion, ...]

    def as_evidence(self) -> dict[str, Any]:
        return {
            "name": _display_name(self.cookie.name),
            "domain": self.cookie.domain,
            "path": self.cookie.path,
            "rejected": [r.as_evidence() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The cookies a browser sends with one request (6265bis §5.8.3), and those it holds back."""

    sent: tuple[Cookie, ...]
    withheld: tuple[Withheld, ...]

    @property
    def header(self) -> str:
        """The ``Cookie`` header value (contains values: never put it in a report)."""
        return "; ".join(c.pair for c in self.sent)

    @property
    def header_bytes(self) -> int:
        return len(self.header)


@dataclass(frozen=True, slots=True)
class Eviction:
    """Cookies the per-site limit deleted."""

    site: str
    count_before: int
    names: tuple[str, ...]
    hop: int


class CookieJar:
    """A browser-like cookie store for one walk through a sign-in flow."""

    def __init__(
        self,
        *,
        public_suffix: Callable[[str], bool] = is_public_suffix,
        max_per_site: int = MAX_COOKIES_PER_SITE,
    ) -> None:
        self._cookies: list[Cookie] = []
        self._values: set[str] = set()
        self._public_suffix = public_suffix
        self._max_per_site = max_per_site
        self.evictions: list[Eviction] = []

    # -- reading -----------------------------------------------------------------------

    def cookies(self, now: float | None = None) -> tuple[Cookie, ...]:
        """The stored cookies (unexpired at ``now`` when given)."""
        if now is None:
            return tuple(self._cookies)
        return tuple(c for c in self._cookies if c.expiry is None or c.expiry > now)

    def state(self, now: float) -> str:
        """A short hash of everything a server could observe in the jar.

        Two requests to the same URL with the same jar state get the same
        answer from a deterministic server: that is what makes a loop a loop.
        """
        digest = hashlib.sha256()
        for c in sorted(self.cookies(now), key=lambda c: (c.name, c.domain, c.path, c.host_only)):
            for part in (c.name, c.value, c.domain, str(c.host_only), c.path, str(c.secure), c.same_site):
                digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        return digest.hexdigest()[:12]

    def scrub(self, text: str) -> str:
        """``text`` with every cookie value this jar was ever offered replaced by ``[redacted]``.

        Defence in depth: servers copy session ids into URLs (``;jsessionid=``),
        reason phrases or error pages, under names no redactor can guess. Values
        shorter than 4 characters (``1``, ``en``) are left: they are not secrets
        and would garble the text.
        """
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def _remember(self, value: str) -> None:
        if len(value) >= 4 and len(self._values) < 10_000:
            self._values.add(value)

    # -- storing -----------------------------------------------------------------------

    def receive(self, line: str, url: CookieUrl, now: float, *, hop: int = 0) -> SetCookieOutcome:
        """Apply one ``Set-Cookie`` line received from ``url`` (6265bis §5.7 storage model)."""
        host = url.host.strip("[]").lower().rstrip(".")
        parsed = parse_set_cookie(line)
        if isinstance(parsed, Exclusion):
            name, _, value = line.partition(";")[0].partition("=")
            self._remember(value.strip(_WSP))
            return SetCookieOutcome(
                name=_printable(name.strip(_WSP))[:256],
                size=len(name.strip(_WSP)) + len(value.strip(_WSP)),
                value_hash=fingerprint(value.strip(_WSP)),
                host=host,
                hop=hop,
                stored=False,
                reasons=(parsed,),
            )

        self._remember(parsed.value)
        reasons: list[Exclusion] = []
        notes: list[Note] = []
        if parsed.oversized_attributes:
            notes.append(Note.ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE)
        attrs = parsed.attributes
        shown: dict[str, Any] = {}
        if parsed.oversized_attributes:
            shown["ignored_attributes"] = list(parsed.oversized_attributes)

        lowered_name = parsed.name.lower()
        if not parsed.name and parsed.value.lower().startswith(("__secure-", "__host-")):
            reasons.append(Exclusion.INVALID_PREFIX)

        # Lifetime: the last valid Max-Age wins over any Expires.
        expiry, lifetime, max_age_invalid, expires_invalid = _lifetime(attrs, now)
        if max_age_invalid:
            notes.append(Note.MAX_AGE_INVALID)
        if expires_invalid:
            notes.append(Note.EXPIRES_INVALID)
        requested_days: float | None = None
        if lifetime is not None and lifetime > MAX_LIFETIME_SECONDS:
            notes.append(Note.EXPIRY_CLAMPED_TO_400_DAYS)
            requested_days = lifetime / 86400
            expiry = now + MAX_LIFETIME_SECONDS
        shown["session"] = expiry is None
        for key in ("max-age", "expires"):
            raw = _last(attrs, key)
            if raw is not None:
                shown[key.replace("-", "_")] = _printable(raw)[:64]

        # Domain.
        public_suffix_domain = False
        domain_attr = _last(attrs, "domain", skip_empty=True)
        host_only = True
        domain = host
        if domain_attr is not None:
            shown["domain_attribute"] = _printable(domain_attr)[:255]
            domain_attr = domain_attr.lstrip(".").lower()
            if not domain_attr.isascii():
                reasons.append(Exclusion.DOMAIN_NON_ASCII)
            elif self._public_suffix(domain_attr) and domain_attr != host:
                public_suffix_domain = True
                reasons.append(Exclusion.INVALID_DOMAIN)
            elif domain_attr == host and (_is_ip(host) or self._public_suffix(domain_attr)):
                pass  # host-only, as 6265bis step 9 prescribes
            elif not domain_match(host, domain_attr):
                reasons.append(Exclusion.INVALID_DOMAIN)
            else:
                host_only, domain = False, domain_attr
        shown["domain"] = domain
        shown["host_only"] = host_only

        # Path.
        path_attr = _last(attrs, "path")
        path = path_attr if path_attr and path_attr.startswith("/") else default_path(url.path)
        shown["path"] = _printable(path)[:255]

        secure = _has(attrs, "secure")
        http_only = _has(attrs, "httponly")
        same_site = _same_site(_last(attrs, "samesite"))
        shown.update(secure=secure, http_only=http_only, same_site=same_site)
        if _has(attrs, "partitioned"):
            shown["partitioned"] = True
        known = {"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned", "priority"}
        unknown = sorted({k for k, _ in attrs if k not in known})
        if unknown:
            shown["unknown_attributes"] = [_printable(k)[:40] for k in unknown[:10]]

        if secure and not url.secure_context:
            reasons.append(Exclusion.SECURE_ONLY)
        elif secure and not url.cryptographic:
            notes.append(Note.SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC)
        if same_site == "none" and not secure:
            reasons.append(Exclusion.SAMESITE_NONE_INSECURE)
        if lowered_name.startswith("__secure-") and not (secure and url.secure_context):
            reasons.append(Exclusion.INVALID_PREFIX)
        if lowered_name.startswith("__host-") and not (
            secure and url.secure_context and domain_attr is None and path_attr == "/"
        ):
            reasons.append(Exclusion.INVALID_PREFIX)
        if not secure and not url.secure_context and self._would_overwrite_secure(parsed.name, domain, path):
            reasons.append(Exclusion.OVERWRITE_SECURE)

        outcome_base: dict[str, Any] = {
            "name": parsed.name,
            "size": len(parsed.name) + len(parsed.value),
            "value_hash": fingerprint(parsed.value),
            "host": host,
            "hop": hop,
            "notes": tuple(dict.fromkeys(notes)),
            "attributes": shown,
            "requested_lifetime_days": requested_days,
            "public_suffix_domain": public_suffix_domain,
        }
        if reasons:
            return SetCookieOutcome(stored=False, reasons=tuple(dict.fromkeys(reasons)), **outcome_base)

        cookie = Cookie(
            name=parsed.name,
            value=parsed.value,
            domain=domain,
            host_only=host_only,
            path=path,
            secure=secure,
            http_only=http_only,
            same_site=same_site,
            expiry=expiry,
            creation=now,
            last_access=now,
            set_by=host,
            set_at_hop=hop,
        )
        old = next((c for c in self._cookies if c.key == cookie.key), None)
        if old is not None:
            self._cookies.remove(old)
            cookie.creation = old.creation
        if expiry is not None and expiry <= now:
            return SetCookieOutcome(stored=False, deleted=True, **outcome_base)
        self._cookies.append(cookie)
        evicted = self._enforce_site_limit(cookie, hop)
        return SetCookieOutcome(stored=True, evicted=evicted, **outcome_base)

    def _would_overwrite_secure(self, name: str, domain: str, path: str) -> bool:
        """6265bis step 16, "Leave Secure Cookies Alone"."""
        return any(
            c.secure
            and c.name == name
            and (domain_match(c.domain, domain) or domain_match(domain, c.domain))
            and path_match(path, c.path)
            for c in self._cookies
        )

    def _enforce_site_limit(self, newest: Cookie, hop: int) -> tuple[str, ...]:
        site = newest.site
        same_site = [c for c in self._cookies if c.site == site]
        if len(same_site) <= self._max_per_site:
            return ()
        keep = self._max_per_site - PURGE_COOKIES_PER_SITE
        # Chromium purges expired cookies first, then the least recently used.
        victims = sorted(
            (c for c in same_site if c is not newest),
            key=lambda c: (c.last_access, c.creation),
        )[: len(same_site) - keep]
        for c in victims:
            self._cookies.remove(c)
        names = tuple(c.name for c in victims)
        self.evictions.append(Eviction(site, len(same_site), names, hop))
        return names

    # -- sending -----------------------------------------------------------------------

    def retrieve(self, url: CookieUrl, now: float, *, same_site: bool = True) -> Retrieval:
        """The cookies a top-level GET navigation to ``url`` carries (6265bis §5.8.3).

        ``same_site`` says whether the request is same-site (every URL in its
        redirect chain on the same schemeful site as the initiator); a
        cross-site navigation still carries Lax and unspecified cookies, since
        it is a top-level navigation with a safe method, but not Strict ones.
        """
        self._cookies = [c for c in self._cookies if c.expiry is None or c.expiry > now]
        host = url.host.strip("[]").lower().rstrip(".")
        sent: list[Cookie] = []
        withheld: list[Withheld] = []
        for c in self._cookies:
            reasons: list[Exclusion] = []
            if not (host == c.domain if c.host_only else domain_match(host, c.domain)):
                reasons.append(Exclusion.DOMAIN_MISMATCH)
            if not path_match(url.path or "/", c.path):
                reasons.append(Exclusion.NOT_ON_PATH)
            if c.secure and not url.secure_context:
                reasons.append(Exclusion.SECURE_ONLY)
            if not same_site and c.same_site == "strict":
                reasons.append(Exclusion.SAMESITE_STRICT)
            if reasons:
                withheld.append(Withheld(c, tuple(reasons)))
            else:
                sent.append(c)
        sent.sort(key=lambda c: (-len(c.path), c.creation))
        for c in sent:
            c.last_access = now
        return Retrieval(tuple(sent), tuple(withheld))


def _last(attrs: Sequence[tuple[str, str]], key: str, *, skip_empty: bool = False) -> str | None:
    found: str | None = None
    for k, v in attrs:
        if k == key and (v or not skip_empty):
            found = v
    return found


def _has(attrs: Sequence[tuple[str, str]], key: str) -> bool:
    return any(k == key for k, _ in attrs)


def _same_site(value: str | None) -> str:
    lowered = (value or "").lower()
    return lowered if lowered in ("strict", "lax", "none") else "unspecified"


_MAX_AGE = re.compile(r"-?[0-9]+\Z")


def _lifetime(attrs: Sequence[tuple[str, str]], now: float) -> tuple[float | None, float | None, bool, bool]:
    """(expiry, requested lifetime in seconds, an invalid Max-Age mattered, an invalid Expires mattered).

    6265bis: a Max-Age whose value is not an optional ``-`` and digits is
    ignored, not fatal; with no valid Max-Age or Expires the cookie is a
    session cookie. ``http.cookiejar`` instead drops such a cookie entirely.
    An invalid attribute "matters" when no valid one took its place.
    """
    max_age: int | None = None
    expires: float | None = None
    max_age_invalid = expires_invalid = False
    for key, value in attrs:
        if key == "max-age":
            if _MAX_AGE.match(value):
                max_age = int(value)
            else:
                max_age_invalid = True
        elif key == "expires":
            parsed = parse_cookie_date(value)
            if parsed is None:
                expires_invalid = True
            else:
                expires = parsed
    if max_age is not None:
        if max_age <= 0:
            return 0.0, None, False, False
        return now + max_age, float(max_age), False, False
    if expires is not None:
        return expires, expires - now, False, False
    # Nothing valid: a session cookie. Say so when the server meant otherwise.
    return None, None, max_age_invalid, expires_invalid


def _display_name(name: str) -> str:
    """A cookie name as a report shows it: printable, and at most 128 characters."""
    shown = _printable(name)
    return shown if len(shown) <= 128 else shown[:125] + "..."


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)
