"""A cookie jar that behaves like a browser, not like ``http.cookiejar``.

Python's cookie jar stores and sends cookies that browsers throw away (a
``Secure`` cookie set over http, ``SameSite=None`` without ``Secure``, a
5000-byte value, a control character) and drops one that browsers keep (an
invalid ``Max-Age``). A diagnosis built on it would miss exactly the faults
that make sign-in loop. This jar follows the RFC 6265bis storage and
retrieval models (§5.7, §5.8) with the rules of :mod:`checks._redirects.rules`:
for every ``Set-Cookie`` it says whether a browser stores it and why not, for
every request which cookies go and which stay behind. It also applies "Leave
Secure Cookies Alone" and the per-site limit, which need the jar's contents.

Cookie values live only inside this jar, in memory, for the duration of one
check. Everything it hands out for a report (:meth:`Cookie.describe`,
:meth:`SetCookieOutcome.as_evidence`) carries names, sizes, attributes and a
short keyed hash (the run's :meth:`~diagnose.redact.Redactor.value_hash`: equal
values match within one report, and a guessed value cannot be checked against
it), never a value; and :meth:`CookieJar.scrub` removes every value it has
seen from any text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks._redirects.rules import (
    MAX_COOKIES_PER_SITE,
    MAX_LIFETIME_SECONDS,
    PURGE_COOKIES_PER_SITE,
    WSP,
    CookieUrl,
    Exclusion,
    Note,
    ParsedSetCookie,
    default_path,
    domain_match,
    is_public_suffix,
    parse_cookie_date,
    parse_set_cookie,
    path_match,
    registrable_domain,
)
from diagnose.net import is_ip_literal
from diagnose.redact import REDACTED, ValueHasher, in_shape


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
    value_hash: str = field(default="", repr=False)
    """The run's keyed hash of the value (set by the jar)."""

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
            "value_hash": self.value_hash,
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
        value_hash: Callable[[str], str] | None = None,
    ) -> None:
        """``value_hash`` is the run's (``ctx.redact.value_hash``), so a value matches within one
        report; by default the jar keys a hash of its own."""
        self._hash = value_hash or ValueHasher()
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
        parts = [
            part
            for c in sorted(self.cookies(now), key=lambda c: (c.name, c.domain, c.path, c.host_only))
            for part in (c.name, c.value, c.domain, str(c.host_only), c.path, str(c.secure), c.same_site)
        ]
        # Keyed like a value's hash: the state holds values, and goes into the report.
        return self._hash("\x00".join(parts) + "\x00")

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
            return self._unparsable(line, parsed, host, hop)
        self._remember(parsed.value)
        attrs = parsed.attributes
        shown: dict[str, Any] = {}
        reasons: list[Exclusion] = []
        notes: list[Note] = [Note.ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE] if parsed.oversized_attributes else []
        if parsed.oversized_attributes:
            shown["ignored_attributes"] = [_printable(k)[:40] for k in parsed.oversized_attributes]

        expiry, requested_days = _expiry(attrs, now, notes, shown)
        domain_attr = _last(attrs, "domain", skip_empty=True)
        domain, host_only, public_suffix_domain = self._domain(domain_attr, host, reasons, shown)
        path_attr = _last(attrs, "path")
        path = path_attr if path_attr and path_attr.startswith("/") else default_path(url.path)
        secure = _has(attrs, "secure")
        same_site = _same_site(_last(attrs, "samesite"))
        shown.update(path=_printable(path)[:255], secure=secure, http_only=_has(attrs, "httponly"), same_site=same_site)
        _describe_other_attributes(attrs, shown)

        if secure and url.secure_context and not url.cryptographic:
            notes.append(Note.SECURE_ACCESS_GRANTED_NON_CRYPTOGRAPHIC)
        reasons += self._refusals(parsed, url, same_site, secure, (domain, domain_attr), (path, path_attr))

        def outcome(*, stored: bool, **extra: Any) -> SetCookieOutcome:
            return SetCookieOutcome(
                name=parsed.name,
                size=len(parsed.name) + len(parsed.value),
                value_hash=self._hash(parsed.value),
                host=host,
                hop=hop,
                stored=stored,
                notes=tuple(dict.fromkeys(notes)),
                attributes=shown,
                requested_lifetime_days=requested_days,
                public_suffix_domain=public_suffix_domain,
                **extra,
            )

        if reasons:
            return outcome(stored=False, reasons=tuple(dict.fromkeys(reasons)))

        cookie = Cookie(
            name=parsed.name, value=parsed.value, domain=domain, host_only=host_only, path=path,
            secure=secure, http_only=bool(shown["http_only"]), same_site=same_site, expiry=expiry,
            creation=now, last_access=now, set_by=host, set_at_hop=hop, value_hash=self._hash(parsed.value),
        )
        old = next((c for c in self._cookies if c.key == cookie.key), None)
        if old is not None:
            self._cookies.remove(old)
            cookie.creation = old.creation
        if expiry is not None and expiry <= now:
            return outcome(stored=False, deleted=True)
        self._cookies.append(cookie)
        evicted = self._enforce_site_limit(cookie, hop)
        return outcome(stored=True, evicted=evicted)

    def _refusals(
        self,
        parsed: ParsedSetCookie,
        url: CookieUrl,
        same_site: str,
        secure: bool,
        domain: tuple[str, str | None],
        path: tuple[str, str | None],
    ) -> list[Exclusion]:
        """Why a browser refuses a parsed cookie at set time (``domain``/``path``: the cookie's
        value and the attribute it came from)."""
        reasons: list[Exclusion] = []
        if secure and not url.secure_context:
            reasons.append(Exclusion.SECURE_ONLY)
        if same_site == "none" and not secure:
            reasons.append(Exclusion.SAMESITE_NONE_INSECURE)
        if not _prefix_ok(parsed.name, parsed.value, secure and url.secure_context, domain[1], path[1]):
            reasons.append(Exclusion.INVALID_PREFIX)
        if not secure and not url.secure_context and self._would_overwrite_secure(parsed.name, domain[0], path[0]):
            reasons.append(Exclusion.OVERWRITE_SECURE)
        return reasons

    def _unparsable(self, line: str, reason: Exclusion, host: str, hop: int) -> SetCookieOutcome:
        """The outcome of a line the parser refused as a whole (best-effort name, never the value)."""
        name, _, value = line.partition(";")[0].partition("=")
        name, value = name.strip(WSP), value.strip(WSP)
        self._remember(value)
        return SetCookieOutcome(
            name=_printable(name)[:256],
            size=len(name) + len(value),
            value_hash=self._hash(value),
            host=host,
            hop=hop,
            stored=False,
            reasons=(reason,),
        )

    def _domain(
        self, attribute: str | None, host: str, reasons: list[Exclusion], shown: dict[str, Any]
    ) -> tuple[str, bool, bool]:
        """(cookie domain, host-only, refused as a public suffix), from the last non-empty Domain.

        6265bis steps 8-10: a public suffix is refused unless it is the host
        itself (then the cookie is host-only); otherwise the host must
        domain-match the attribute.
        """
        if attribute is None:
            shown.update(domain=host, host_only=True)
            return host, True, False
        shown["domain_attribute"] = _printable(attribute)[:255]
        wanted = attribute.lstrip(".").lower()
        domain, host_only, public_suffix = host, True, False
        if not wanted.isascii():
            reasons.append(Exclusion.DOMAIN_NON_ASCII)
        elif self._public_suffix(wanted) and wanted != host:
            public_suffix = True
            reasons.append(Exclusion.INVALID_DOMAIN)
        elif wanted == host and (is_ip_literal(host) or self._public_suffix(wanted)):
            pass  # host-only
        elif not domain_match(host, wanted):
            reasons.append(Exclusion.INVALID_DOMAIN)
        else:
            domain, host_only = wanted, False
        shown.update(domain=domain, host_only=host_only)
        return domain, host_only, public_suffix

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


def _expiry(
    attrs: Sequence[tuple[str, str]], now: float, notes: list[Note], shown: dict[str, Any]
) -> tuple[float | None, float | None]:
    """(expiry or None for a session cookie, requested days when clamped to 400)."""
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
            shown[key.replace("-", "_")] = _printable(raw)[:64] if in_shape(key, raw) else REDACTED
    return expiry, requested_days


def _prefix_ok(name: str, value: str, secure_from_secure_origin: bool, domain_attr: str | None,
               path_attr: str | None) -> bool:
    """6265bis steps 20-22: ``__Secure-`` and ``__Host-`` (case-insensitive), and no prefix
    smuggled into a nameless cookie's value."""
    lowered = name.lower()
    if not name and value.lower().startswith(("__secure-", "__host-")):
        return False
    if lowered.startswith("__secure-"):
        return secure_from_secure_origin
    if lowered.startswith("__host-"):
        return secure_from_secure_origin and domain_attr is None and path_attr == "/"
    return True


_KNOWN_ATTRIBUTES = frozenset(
    {"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned", "priority"}
)


def _describe_other_attributes(attrs: Sequence[tuple[str, str]], shown: dict[str, Any]) -> None:
    if _has(attrs, "partitioned"):
        shown["partitioned"] = True
    unknown = sorted({k for k, _ in attrs if k not in _KNOWN_ATTRIBUTES})
    if unknown:
        shown["unknown_attributes"] = [_printable(k)[:40] for k in unknown[:10]]


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
