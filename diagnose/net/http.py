"""HTTP: reading answers with bounded memory, and the limits every request keeps.

The client itself is built by :meth:`diagnose.net.Net.http_client` on top of
:mod:`diagnose.net.transport` (which needs httpx, imported on first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

HTTP_TIMEOUT = 6.0
MAX_BODY = 256 * 1024
"""Bytes of a response body any check reads at most."""

USER_AGENT = "login-doctor (+https://github.com/login-doctor; diagnostic, GET/HEAD only)"

LOCATION_HEADER = b"X-Login-Doctor-Location"
"""Where a response's ``Location`` headers are kept: the transport renames them so that httpx
never tries to follow (and fail on) a redirect; see :func:`response_locations`."""


@dataclass(frozen=True, slots=True)
class BoundedBody:
    """The first bytes of a response body, and whether there was more."""

    data: bytes
    truncated: bool


async def read_bounded(response: httpx.Response, limit: int = MAX_BODY) -> BoundedBody:
    """Read at most ``limit`` bytes of a streamed response body, then stop.

    An endless body costs ``limit`` bytes of memory and the check's timeout,
    not more.
    """
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            truncated = True
            break
    await response.aclose()
    return BoundedBody(b"".join(chunks)[:limit], truncated)


def response_locations(response: httpx.Response) -> tuple[bytes, ...]:
    """Every ``Location`` header of ``response``, raw bytes in the order received (the
    transport keeps them under :data:`LOCATION_HEADER`; see :mod:`diagnose.net.transport`)."""
    wanted = (LOCATION_HEADER.lower(), b"location")
    return tuple(value for name, value in response.headers.raw if name.lower() in wanted)
