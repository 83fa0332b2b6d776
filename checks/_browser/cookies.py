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
:mod:`checks._redirects.rules` (domain-match, path-match, secure), for a
top-level navigation the person starts by typing the address (so
``SameSite`` does not hold any back), in the default (unpartitioned or
first-party partitioned) cookie jar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from checks._browser.model import Site, StoredCookie
from checks._redirects.rules import domain_match, is_loopback_host, path_match

WINDOWS_EPOCH_OFFSET = 11_644_473_600
"""Seconds from 1601-01-01 (Chromium's epoch) to 1970-01-01."""
HASH_PREFIX_SCHEMA = 24
DOMAIN_HASH_BYTES = 32

_CHROMIUM_SAMESITE = {-1: "unspecified", 0: "none", 1: "lax", 2: "strict", 3: "unspecified"}
_FIREFOX_SAMESITE = {0: "none", 1: "lax", 2: "strict", 256: "unspecified"}


def chromium_cookie(row: Mapping[str, object], *, os_name: str, schema_version: int | None) -> StoredCookie:
    """A Chromium ``cookies`` row (metadata and lengths) as a :class:`StoredCookie`."""
    name = str(row.get("name") or "")
    name_bytes = len(name.encode("utf-8", "surrogatepass"))
    low, high = chromium_value_size(_int(row.get("value_bytes")), _int(row.get("encrypted_bytes")),
                                    os_name=os_name, schema_version=schema_version)
    partition = str(row.get("top_frame_site_key") or "")
    if partition and _int(row.get("has_cross_site_ancestor")):
        partition += " (inside a cross-site frame)"
    expires: float | None = None
    if _int(row.get("has_expires"), default=1):
        micros = _int(row.get("expires_utc"))
        expires = micros / 1_000_000 - WINDOWS_EPOCH_OFFSET if micros else None
    return StoredCookie(
        name=name,
        host=str(row.get("host_key") or "").lower(),
        path=str(row.get("path") or "/"),
        secure=bool(_int(row.get("is_secure"))),
        http_only=bool(_int(row.get("is_httponly"))),
        same_site=_CHROMIUM_SAMESITE.get(_int(row.get("samesite"), default=-1), "unspecified"),
        expires=expires,
        size=name_bytes + low,
        size_max=name_bytes + high,
        partition=partition,
    )


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


def firefox_cookie(row: Mapping[str, object], *, schema_version: int | None) -> StoredCookie:
    """A Firefox ``moz_cookies`` row as a :class:`StoredCookie` (sizes are exact)."""
    name = str(row.get("name") or "")
    size = len(name.encode("utf-8", "surrogatepass")) + _int(row.get("value_bytes"))
    expiry = _int(row.get("expiry"))
    # Schema 16 turned expiry into milliseconds (CookiePersistentStorage.cpp: "expiry = expiry * 1000").
    expires = expiry / 1000 if (schema_version or 0) >= 16 else float(expiry)
    partition, container = firefox_origin_attributes(str(row.get("originAttributes") or ""))
    return StoredCookie(
        name=name,
        host=str(row.get("host") or "").lower(),
        path=str(row.get("path") or "/"),
        secure=bool(_int(row.get("isSecure"))),
        http_only=bool(_int(row.get("isHttpOnly"))),
        same_site=_FIREFOX_SAMESITE.get(_int(row.get("sameSite"), default=256), "unspecified"),
        expires=expires,
        size=size,
        size_max=size,
        partition=partition,
        container=container,
    )


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


def sent_with(cookies: Iterable[StoredCookie], request: Request, site: Site, now: float) -> list[StoredCookie]:
    """The cookies a top-level navigation to ``request`` carries (6265bis §5.8.3), longest path first."""
    sent = [
        c for c in cookies
        if (c.expires is None or c.expires > now)
        and not c.container
        and c.partition in ("", site.top_level_site)
        and (request.host == c.domain if c.host_only else domain_match(request.host, c.domain))
        and path_match(request.path, c.path)
        and (request.secure or not c.secure)
    ]
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


def _int(value: object, *, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return default
