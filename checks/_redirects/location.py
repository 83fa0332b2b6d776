"""What Chromium makes of a response's ``Location`` header(s): follow, show the page, or fail.

Every rule here was read in Chromium's source and measured in Chromium 156 on
loopback (``tests/differential/test_flow.py`` keeps measuring it):

* **Two different ``Location`` values** on *any* response (a 200 too) fail the
  load with ``ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION``: a possible response
  splitting attack (``net/http/http_stream_parser.cc``, ``ParseResponseHeaders``;
  ``HttpUtil::HeadersContainMultipleCopiesOfField`` counts distinct values only,
  so the same value twice is fine).
* **A redirect is a 301/302/303/307/308 with a non-empty ``Location``**
  (``HttpResponseHeaders::IsRedirect`` skips empty values). Without one the
  browser shows the 3xx answer's own page: no error, and no sign-in page either.
* **The value is read as bytes**: ``base::EscapeNonASCII`` turns every byte
  over 0x7F into ``%XX`` before the URL is resolved against the current one.
  So a ``Location`` that starts with U+00A0 or U+3000 is a *relative path*
  (``/%C2%A0https://…``), never trimmed into another host as Python's
  ``str.strip()`` would.
* **Resolution is the URL Standard's**, as GURL does it (``url/``), with one
  difference GURL still has: a space or ``*`` in a host is percent-encoded
  instead of failing (``url_canon_host.cc`` ``kHostCharLookup``, crbug.com/1416013),
  so ``https://app atera.com/`` goes to the host ``app%20atera.com``, which no
  DNS has: "This site can't be reached".
* **An unparsable target** fails with ``ERR_INVALID_REDIRECT``
  (``URLRequestJob::CanFollowRedirect``); ``data:``, ``file:``, ``about:``,
  ``blob:`` and ``filesystem:`` with ``ERR_UNSAFE_REDIRECT`` (``IsSafeRedirect``,
  ``content``'s ``IsSafeRedirectTarget``); ``ws:``/``wss:`` with
  ``ERR_UNKNOWN_URL_SCHEME``; ``javascript:`` and other schemes (``mailto:``,
  ``ftp:``, an app's own) end the navigation (``ERR_ABORTED``): they are handed to
  the operating system, not loaded.

Firefox differs in the details (see docs/redirects.md): an empty ``Location``
is resolved to the same address (a redirect loop), two ``Location`` values, a
``data:`` target and a space in the host are "corrupted content".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class LocationProblem(StrEnum):
    """Why a response does not take the browser to a web page."""

    MISSING = "missing"
    """A 3xx without ``Location``: the browser shows the 3xx answer itself."""
    EMPTY = "empty"
    """A 3xx whose ``Location`` values are all empty: the same."""
    MULTIPLE = "multiple"
    """Two different ``Location`` values: ``ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION``."""
    INVALID = "invalid"
    """Not an address: ``ERR_INVALID_REDIRECT``."""
    UNSAFE_SCHEME = "unsafe_scheme"
    """``data:``, ``file:``, ``about:``…: ``ERR_UNSAFE_REDIRECT``."""
    UNKNOWN_SCHEME = "unknown_scheme"
    """``ws:``/``wss:``: ``ERR_UNKNOWN_URL_SCHEME``."""
    NOT_WEB = "not_web"
    """``javascript:``, ``mailto:``, ``ftp:`` or an app's scheme: handed to the system (``ERR_ABORTED``)."""


CHROMIUM_ERRORS: dict[LocationProblem, str | None] = {
    LocationProblem.MISSING: None,
    LocationProblem.EMPTY: None,
    LocationProblem.MULTIPLE: "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION",
    LocationProblem.INVALID: "ERR_INVALID_REDIRECT",
    LocationProblem.UNSAFE_SCHEME: "ERR_UNSAFE_REDIRECT",
    LocationProblem.UNKNOWN_SCHEME: "ERR_UNKNOWN_URL_SCHEME",
    LocationProblem.NOT_WEB: "ERR_ABORTED",
}
"""The net error Chromium ends the navigation with (None: it shows the answer's page)."""

UNSAFE_SCHEMES = frozenset({"data", "file", "about", "blob", "filesystem"})
UNKNOWN_SCHEMES = frozenset({"ws", "wss"})


@dataclass(frozen=True, slots=True)
class LocationReading:
    """A response's ``Location`` as Chromium reads it: where it goes next, or the problem."""

    value: str | None = None
    """The value Chromium resolves (non-ASCII bytes escaped), None when there is none."""
    next_url: str | None = None
    """Where the browser goes next, for a redirect it follows."""
    problem: LocationProblem | None = None

    @property
    def chromium_error(self) -> str | None:
        return CHROMIUM_ERRORS[self.problem] if self.problem is not None else None


def read_location(status: int, values: Sequence[bytes], base: str) -> LocationReading:
    """What Chromium does with an answer of ``status`` carrying the ``Location`` ``values``
    (raw, in order) to a request for ``base``: ``next_url`` for a redirect it follows,
    ``problem`` when the answer does not lead to a page, neither for a page of its own."""
    if len(set(values)) > 1:
        return LocationReading(escape_non_ascii(values[0]), problem=LocationProblem.MULTIPLE)
    if status not in REDIRECT_STATUSES:
        return LocationReading()
    if not values:
        return LocationReading(problem=LocationProblem.MISSING)
    value = next((v for v in values if v), None)
    if value is None:
        return LocationReading("", problem=LocationProblem.EMPTY)
    text = escape_non_ascii(value)
    next_url, problem = resolve(text, base)
    return LocationReading(text, next_url if problem is None else None, problem)


def escape_non_ascii(value: bytes) -> str:
    """``base::EscapeNonASCII``: every byte over 0x7F as ``%XX``, the rest as it is."""
    if value.isascii():
        return value.decode("ascii")
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in value)


def resolve(location: str | bytes, base: str | None) -> tuple[str | None, LocationProblem | None]:
    """The address a ``Location`` (or a refresh target) takes the browser to, as Chromium
    resolves it, or why it does not load a web page.

    ``location`` as text is taken as it would arrive in a header: UTF-8, its
    non-ASCII bytes escaped. ``base`` is the address of the answer (None: the
    value must be absolute).
    """
    import ada_url

    raw = location if isinstance(location, bytes) else location.encode("utf-8", "surrogatepass")
    text = escape_non_ascii(raw)
    href: str | None
    try:
        target = ada_url.URL(text, base) if base is not None else ada_url.URL(text)
    except ValueError:
        href = _with_escaped_host(text, base)
    else:
        href = _escape_asterisk(str(target.href), str(target.hostname))
    if href is None:
        return None, LocationProblem.INVALID
    scheme = href.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        return href, None
    if scheme in UNSAFE_SCHEMES:
        return None, LocationProblem.UNSAFE_SCHEME
    if scheme in UNKNOWN_SCHEMES:
        return None, LocationProblem.UNKNOWN_SCHEME
    return None, LocationProblem.NOT_WEB


# -------------------------------------------------------------------- GURL's host quirks

_PLACEHOLDER = "x20spacex"
_AUTHORITY = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:)?[/\\]{2}([^/\\?#]*)")
_WEB_SCHEME = re.compile(r"^(?:https?:)?[/\\]{2}", re.IGNORECASE)


def _with_escaped_host(text: str, base: str | None) -> str | None:
    """GURL keeps a space in an http(s) host as ``%20`` where the URL Standard fails.

    The host is parsed with a placeholder for each space (so the rest of it is
    checked as usual) and the placeholder turned into ``%20`` afterwards.
    """
    import ada_url

    cleaned = text.strip("".join(chr(i) for i in range(0x21))).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _AUTHORITY.match(cleaned)
    if match is None or " " not in match.group(1) or not match.group(1).isascii():
        return None
    if not _WEB_SCHEME.match(cleaned) and not (base and cleaned.startswith(("//", "\\\\"))):
        return None
    host = match.group(1)
    candidate = cleaned[: match.start(1)] + host.replace(" ", _PLACEHOLDER) + cleaned[match.end(1) :]
    try:
        target = ada_url.URL(candidate, base) if base is not None else ada_url.URL(candidate)
    except ValueError:
        return None
    hostname = str(target.hostname)
    if _PLACEHOLDER not in hostname:
        return None
    escaped = hostname.replace(_PLACEHOLDER, "%20")
    return _escape_asterisk(str(target.href).replace(hostname, escaped, 1), escaped)


def _escape_asterisk(href: str, hostname: str) -> str:
    """GURL writes ``*`` in a host as ``%2A`` (the URL Standard keeps it)."""
    if "*" not in hostname:
        return href
    return href.replace(hostname, hostname.replace("*", "%2A"), 1)


_SPLIT = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)(?::\d*)?([^?#]*)")


def split_url(url: str) -> tuple[str, str, str]:
    """(scheme, lower-case host without brackets, path) of an address the walk goes to.

    The URL Standard's parser reads most; an address GURL keeps but the standard
    refuses (a ``%20`` in the host) is split by its punctuation.
    """
    import ada_url

    try:
        parsed = ada_url.URL(url)
        return str(parsed.protocol).rstrip(":"), str(parsed.hostname).strip("[]").lower(), str(parsed.pathname) or "/"
    except ValueError:
        match = _SPLIT.match(url)
        if match is None:
            return "", "", "/"
        return match.group(1).lower(), match.group(2).strip("[]").lower(), match.group(3) or "/"
