"""Stored cookies: from database rows, and which of them a browser sends to the sign-in address.

Rows come from :mod:`.sqlite` (lengths, never values). Chromium encrypts
values (``v10``/``v11``/``v20`` + ciphertext), so a value's size is estimated
from the ciphertext length:

* Windows (AES-256-GCM): 3-byte prefix + 12-byte nonce + ciphertext + 16-byte
  tag; the plaintext length is exact.
* Linux and macOS (AES-128-CBC): 3-byte prefix + ciphertext padded to 16
  bytes (PKCS#7, 1-16 bytes of padding); the plaintext is 1-16 bytes shorter.
* Cookie stores of schema version 24 and later put a 32-byte SHA-256 of the
  domain in front of the value before encrypting (``sqlite_persistent_cookie_store.cc``:
  "Version 24 adds a SHA256 hash of the domain value to front of the the
  encrypted_value"); it is not part of the cookie.

Measured with Chromium 156 on Linux: a 20-byte value is stored as 67 bytes
(3 + 64: 32 + 20 = 52 bytes padded to 64).

Which cookies are sent follows RFC 6265bis §5.8.3 with the shared rules of
:mod:`checks.redirects` (domain-match, path-match, secure), for a
top-level navigation the person starts by typing the address (so
``SameSite`` does not hold any back), in the default (unpartitioned or
first-party partitioned) cookie jar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from checks._browser.model import Site, StoredCookie
from checks.redirects import domain_match, is_loopback_host, path_match

WINDOWS_EPOCH_OFFSET = 11_644_473_600
"""Seconds from 1601-01-01 (Chromium's epoch) to 1970-01-01."""
HASH_PREFIX_SCHEMA = 24
DOMAIN_HASH_BYTES = 32

_CHROMIUM_SAMESITE = {-1: "unspecified", 0: "none", 1: "lax", 2: "strict", 3: "unspecified"}
_FIREFOX_SAMESITE = {0: "none", 1: "lax", 2: "strict", 256: "unspecified"}


def chromium_cookies(rows: Iterable[tuple[Any, ...]], *, os_name: str, schema_version: int | None) -> list[StoredCookie]:
    """Rows of :data:`.sqlite.CHROMIUM_COLUMNS` (metadata and lengths) as :class:`StoredCookie` values."""
    out: list[StoredCookie] = []
    sizes: dict[tuple[int, int], tuple[int, int]] = {}
    for (host, name, name_bytes, path, secure, http_only, same_site, expires_utc, has_expires, partition,
         cross_site_ancestor, value_bytes, encrypted_bytes) in rows:
        key = (value_bytes, encrypted_bytes)
        if key not in sizes:
            sizes[key] = chromium_value_size(value_bytes, encrypted_bytes, os_name=os_name,
                                             schema_version=schema_version)
        low, high = sizes[key]
        if partition and cross_site_ancestor:
            partition += " (inside a cross-site frame)"
        expires = expires_utc / 1_000_000 - WINDOWS_EPOCH_OFFSET if has_expires and expires_utc else None
        out.append(StoredCookie(name, host.lower(), path, bool(secure), bool(http_only),
                                _CHROMIUM_SAMESITE.get(same_site, "unspecified"), expires,
                                name_bytes + low, name_bytes + high, partition))
    return out


def chromium_value_size(plain: int, encrypted: int, *, os_name: str, schema_version: int | None) -> tuple[int, int]:
    """(smallest, largest) plaintext value length for these stored lengths."""
    if encrypted <= 0:
        return plain, plain
    prefix = DOMAIN_HASH_BYTES if (schema_version or 0) >= HASH_PREFIX_SCHEMA else 0
    if os_name == "windows":
        exact = max(0, encrypted - 3 - 12 - 16 - prefix)
        return exact, exact
    ciphertext = encrypted - 3
    return max(0, ciphertext - 16 - prefix), max(0, ciphertext - 1 - prefix)


def firefox_cookies(rows: Iterable[tuple[Any, ...]], *, schema_version: int | None) -> list[StoredCookie]:
    """Rows of :data:`.sqlite.FIREFOX_COLUMNS` as :class:`StoredCookie` values (sizes are exact)."""
    # Schema 16 turned expiry into milliseconds (CookiePersistentStorage.cpp: "expiry = expiry * 1000").
    scale = 1000 if (schema_version or 0) >= 16 else 1
    out: list[StoredCookie] = []
    attributes: dict[str, tuple[str, str]] = {}
    for host, name, name_bytes, path, secure, http_only, same_site, expiry, origin_attributes, value_bytes in rows:
        if origin_attributes not in attributes:
            attributes[origin_attributes] = firefox_origin_attributes(origin_attributes)
        partition, container = attributes[origin_attributes]
        size = name_bytes + value_bytes
        out.append(StoredCookie(name, host.lower(), path, bool(secure), bool(http_only),
                                _FIREFOX_SAMESITE.get(same_site, "unspecified"), expiry / scale,
                                size, size, partition, container))
    return out


def firefox_origin_attributes(suffix: str) -> tuple[str, str]:
    """(partition, container) from an origin-attributes suffix like ``^partitionKey=%28https%2Cexample.com%29``."""
    partition = container = ""
    for pair in suffix.lstrip("^").split("&"):
        key, _, value = pair.partition("=")
        value = unquote(value)
        if key == "partitionKey" and value.startswith("(") and value.endswith(")"):
            parts = value[1:-1].split(",")
            if len(parts) >= 2:
                partition = f"{parts[0]}://{parts[1]}"
        elif key == "firstPartyDomain" and value:
            partition = f"first party {value}"
        elif key == "userContextId" and value not in ("", "0"):
            container = value
    return partition, container


# ----------------------------------------------------------------------- sending


@dataclass(frozen=True, slots=True)
class Request:
    """The parts of a sign-in URL that decide which cookies go with it."""

    url: str
    scheme: str
    host: str
    path: str

    @classmethod
    def of(cls, url: str) -> Request:
        parts = urlsplit(url)
        return cls(url, parts.scheme.lower(), (parts.hostname or "").lower().rstrip("."), parts.path or "/")

    @property
    def secure(self) -> bool:
        return self.scheme == "https" or is_loopback_host(self.host)


_domain_match = lru_cache(maxsize=4096)(domain_match)
_path_match = lru_cache(maxsize=4096)(path_match)
"""The shared rules, cached: a jar has few distinct (host, domain) and (path, cookie path) pairs."""


def sent_with(cookies: Iterable[StoredCookie], request: Request, site: Site, now: float) -> list[StoredCookie]:
    """The cookies a top-level navigation to ``request`` carries (6265bis §5.8.3), longest path first."""
    host, path, secure, top = request.host, request.path, request.secure, site.top_level_site
    sent: list[StoredCookie] = []
    for c in cookies:
        if c.container or c.partition not in ("", top) or (c.secure and not secure):
            continue
        if c.expires is not None and c.expires <= now:
            continue
        domain = c.host.lstrip(".")
        if (host == domain if c.host_only else _domain_match(host, domain)) and _path_match(path, c.path):
            sent.append(c)
    sent.sort(key=lambda c: -len(c.path))
    return sent


def header_bytes(cookies: Sequence[StoredCookie]) -> tuple[int, int]:
    """(smallest, largest) size of the ``Cookie`` header value: ``a=1; b=2``."""
    if not cookies:
        return 0, 0
    separators = 2 * (len(cookies) - 1)
    equals = sum(1 for c in cookies if c.name)
    return (sum(c.size for c in cookies) + separators + equals,
            sum(c.size_max for c in cookies) + separators + equals)


def duplicates(cookies: Sequence[StoredCookie]) -> dict[str, list[StoredCookie]]:
    """Names sent more than once (for different domains or paths): the server sees both and picks one."""
    by_name: dict[str, list[StoredCookie]] = {}
    for c in cookies:
        by_name.setdefault(c.name, []).append(c)
    return {name: group for name, group in by_name.items() if len({(c.host, c.path) for c in group}) > 1}


def expired(cookies: Iterable[StoredCookie], now: float) -> list[StoredCookie]:
    return [c for c in cookies if c.expires is not None and c.expires <= now]
