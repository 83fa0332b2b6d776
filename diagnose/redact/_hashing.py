"""Hashes that let one report correlate a value without revealing it, even a short one.

A plain hash of a cookie value is the value to anyone who can guess it:
``sha256("1")`` is the same on every machine, so a report saying a cookie's
hash is ``6b86b273ff34`` says its value is ``1``, and a short numeric session
id or a user name falls to a dictionary as fast. So the hash is an HMAC under a
key drawn at random for each report (each :class:`~diagnose.redact.Redactor`),
kept in memory and never written: within one report the same value gives the
same hash (the cookie a server set at step 2 is the one the browser sends at
step 4), and across reports nothing matches, not even ``1`` with ``1``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NoReturn

HASH_PREFIX = "hmac-sha256:"
"""What a correlation hash starts with (the report says it is keyed, not a plain SHA-256)."""

HASH_HEX_DIGITS = 12
"""48 bits: no collision within a report's few hundred values, and nothing to reverse."""


class ValueHasher:
    """HMAC-SHA-256 of values under a random key of its own; the key never leaves memory."""

    __slots__ = ("_key",)

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __call__(self, value: str | bytes) -> str:
        """``hmac-sha256:`` and the first 12 hex digits of the value's HMAC under this hasher's key."""
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        return HASH_PREFIX + hmac.new(self._key, data, hashlib.sha256).hexdigest()[:HASH_HEX_DIGITS]

    def __repr__(self) -> str:
        return "ValueHasher(key not shown)"

    def __reduce__(self) -> NoReturn:
        # Pickling or copying would carry the key somewhere it could be written.
        raise TypeError("a report's hashing key is never copied or stored")
