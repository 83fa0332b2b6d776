"""Reading a parsed cookie's attributes as a browser does: lifetime, SameSite, prefixes.

Pure functions over :class:`~checks._redirects.rules.ParsedSetCookie` attributes, used by
the jar (:mod:`checks._redirects.cookies`); nothing here keeps state or sees a value
it would report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from checks._redirects.rules import MAX_LIFETIME_SECONDS, Note, parse_cookie_date
from diagnose.redact import REDACTED, in_shape

MAX_MAX_AGE = 2**62
"""The largest Max-Age kept, in seconds (Chromium parses Max-Age into a saturating int64)."""


def last(attrs: Sequence[tuple[str, str]], key: str, *, skip_empty: bool = False) -> str | None:
    found: str | None = None
    for k, v in attrs:
        if k == key and (v or not skip_empty):
            found = v
    return found


def has(attrs: Sequence[tuple[str, str]], key: str) -> bool:
    return any(k == key for k, _ in attrs)


def same_site_of(value: str | None) -> str:
    lowered = (value or "").lower()
    return lowered if lowered in ("strict", "lax", "none") else "unspecified"


def cookie_expiry(
    attrs: Sequence[tuple[str, str]], now: float, notes: list[Note], shown: dict[str, Any]
) -> tuple[float | None, float | None]:
    """(expiry or None for a session cookie, requested days when clamped to 400)."""
    expiry, lifetime, max_age_invalid, expires_invalid = cookie_lifetime(attrs, now)
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
        raw = last(attrs, key)
        if raw is not None:
            shown[key.replace("-", "_")] = printable(raw)[:64] if in_shape(key, raw) else REDACTED
    return expiry, requested_days


def prefix_ok(name: str, value: str, secure_from_secure_origin: bool, domain_attr: str | None,
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


def describe_other_attributes(attrs: Sequence[tuple[str, str]], shown: dict[str, Any]) -> None:
    if has(attrs, "partitioned"):
        shown["partitioned"] = True
    unknown = sorted({k for k, _ in attrs if k not in _KNOWN_ATTRIBUTES})
    if unknown:
        shown["unknown_attributes"] = [printable(k)[:40] for k in unknown[:10]]


_MAX_AGE = re.compile(r"-?[0-9]+\Z")


def cookie_lifetime(attrs: Sequence[tuple[str, str]], now: float) -> tuple[float | None, float | None, bool, bool]:
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
                max_age = _clamped_int(value)
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


def _clamped_int(digits: str) -> int:
    """A Max-Age of any length as an int within ±:data:`MAX_MAX_AGE` (309 digits and more
    overflow a float; Chromium saturates the number, then clamps the lifetime to 400 days)."""
    negative = digits.startswith("-")
    magnitude = digits.lstrip("-").lstrip("0")
    if len(magnitude) > 18:
        return -MAX_MAX_AGE if negative else MAX_MAX_AGE
    number = int(magnitude or "0")
    return max(-MAX_MAX_AGE, min(MAX_MAX_AGE, -number if negative else number))


def display_name(name: str) -> str:
    """A cookie name as a report shows it: printable, and at most 128 characters."""
    shown = printable(name)
    return shown if len(shown) <= 128 else shown[:125] + "..."


def printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)
