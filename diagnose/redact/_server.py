"""Server text that has a fixed shape: kept when it has that shape, removed whole when it does not.

Most of what a server says is redacted by pattern (a token after ``code=``,
a JWT's signature, user info): what remains is the server describing itself
(``Server``, a certificate's subject, a ``Location``), which a diagnosis needs.
A few fields, though, carry nothing a diagnosis needs beyond a fixed form, and
a server may fill them with anything, a session id included:

* the reason phrase of a status line: clients ignore it (RFC 9112 §4: "A
  client SHOULD ignore the reason-phrase content"; Chromium never reads it,
  HTTP/2 and HTTP/3 have none). A standard phrase is kept; any other is removed.
* ``Date`` (and the other HTTP-date headers) and ``Age``: kept when they are
  made of date words, numbers and a zone, or digits; removed whole otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

_MORE_REASONS = (
    # RFC 9110's names where Python's table keeps the older ones
    "Content Too Large", "URI Too Long", "Range Not Satisfiable", "Unprocessable Content", "Payload Too Large",
    "Request-URI Too Large", "Moved Temporarily", "Switch Proxy", "Authorization Required",
    # nginx, IIS, Cloudflare, AWS, Apache: status codes of their own, with their own phrases
    "Request Header Too Large", "SSL Certificate Error", "SSL Certificate Required",
    "HTTP Request Sent to HTTPS Port", "Client Closed Request", "No Response", "Login Time-out",
    "Retry With", "Blocked by Windows Parental Controls", "Bandwidth Limit Exceeded", "Unknown Error",
    "Web Server Is Down", "Web Server Returned an Unknown Error", "Connection Timed Out",
    "Origin Is Unreachable", "A Timeout Occurred", "SSL Handshake Failed", "Invalid SSL Certificate",
    "Railgun Error", "Site Is Frozen", "Network Read Timeout Error", "Network Connect Timeout Error",
    "Page Expired", "Enhance Your Calm", "Request Header Or Cookie Too Large", "Moved", "Redirect",
    "Object Moved", "Error", "Server Error", "Service Temporarily Unavailable",
)

STANDARD_REASONS = frozenset(
    " ".join(phrase.lower().split()) for phrase in (*(s.phrase for s in HTTPStatus), *_MORE_REASONS)
)
"""Reason phrases of the HTTP standards and of common servers (lower case, single spaces)."""


def is_standard_reason(phrase: str) -> bool:
    """Whether ``phrase`` is one of :data:`STANDARD_REASONS` (case and runs of blanks aside)."""
    return " ".join(phrase.lower().split()) in STANDARD_REASONS


_DATE_WORDS = frozenset(
    w.lower()
    for w in (
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Monday", "Tuesday", "Wednesday", "Thursday",
        "Friday", "Saturday", "Sunday", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
        "Oct", "Nov", "Dec", "GMT", "UTC", "UT", "Z",
    )
)

_DATE_TOKEN = re.compile(r"[A-Za-z]{1,9}|\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?|[+-]\d{4}|\d{1,2}-[A-Za-z]{3}-\d{2,4}")


def looks_like_date(value: str) -> bool:
    """Whether ``value`` is made only of date words, short numbers, times and zones
    (every HTTP-date form, and the near misses a clock diagnosis wants to show)."""
    tokens = [t for t in re.split(r"[\s,]+", value.strip()) if t]
    if not tokens or len(tokens) > 8:
        return False
    for token in tokens:
        if not _DATE_TOKEN.fullmatch(token):
            return False
        words = re.findall(r"[A-Za-z]+", token)
        if any(w.lower() not in _DATE_WORDS for w in words):
            return False
    return True


def looks_like_delta_seconds(value: str) -> bool:
    """``Age``'s grammar: digits (at most 10, more is no age a cache keeps)."""
    return re.fullmatch(r"\s*\d{1,10}\s*", value) is not None


FIXED_SHAPE_FIELDS: dict[str, Callable[[str], bool]] = {
    "date": looks_like_date,
    "last-modified": looks_like_date,
    "expires": lambda v: looks_like_date(v) or v.strip() in ("0", "-1"),
    "retry-after": lambda v: looks_like_date(v) or looks_like_delta_seconds(v),
    "age": looks_like_delta_seconds,
    "max-age": lambda v: re.fullmatch(r"\s*-?\d{1,20}\s*", v) is not None,
}
"""Headers (and cookie attributes) whose value has a fixed grammar: anything else in them is removed whole."""


def in_shape(name: str, value: str) -> bool:
    """Whether ``value`` has the shape of field ``name`` (``Date``, ``Age``, ``Expires``, ``Max-Age`` …);
    True for a field without a fixed grammar."""
    shape = FIXED_SHAPE_FIELDS.get(name.lower())
    return shape is None or shape(value)
