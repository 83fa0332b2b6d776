"""Bounded GETs for the certificate check: CRLs, OCSP answers and missing intermediates (AIA).

Everything goes through the run's :class:`~diagnose.net.Net` HTTP client, so
``--resolve`` pins and the lab's DNS apply and nothing leaves the lab. Only
GET is used (OCSP too: RFC 6960 A.1 allows the request in the URL), bodies
are capped, and every fetch has a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diagnose.net import Net, classify, read_bounded, request_errors

FETCH_TIMEOUT = 4.0


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    ok: bool
    status: int = 0
    data: bytes = b""
    truncated: bool = False
    error: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": self.ok,
            "status_code": self.status or None,
            "bytes": len(self.data),
            "truncated": self.truncated,
            "error": self.error or None,
        }


async def http_get(net: Net, url: str, limit: int, *, timeout: float = FETCH_TIMEOUT) -> Fetched:
    """GET ``url`` (http or https) and read at most ``limit`` bytes of the body."""
    if not url.lower().startswith(("http://", "https://")):
        return Fetched(url, False, error="only http and https addresses are fetched")
    try:
        async with net.http_client(verify=True, timeout=timeout) as client:
            response = await client.send(client.build_request("GET", url), stream=True)
            body = await read_bounded(response, limit)
    except request_errors() as exc:
        return Fetched(url, False, error=classify(exc).detail[:300])
    if response.status_code != 200:
        return Fetched(url, False, response.status_code, error=f"answered {response.status_code}")
    if body.truncated:
        return Fetched(url, False, 200, body.data, True, f"larger than {limit} bytes: not read")
    return Fetched(url, True, 200, body.data)
