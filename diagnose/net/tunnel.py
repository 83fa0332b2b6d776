"""A CONNECT tunnel through an HTTP proxy: how a browser reaches an https site when a proxy is set.

The browser never resolves the site's name itself then: it connects to the
proxy, asks ``CONNECT host:port``, and runs the TLS handshake with the site (or
with whatever the proxy puts in its place) inside the tunnel. Reading the
certificate chain the same way is what shows a TLS-inspecting proxy's own
certificate, as the browser sees it.

Never sends credentials (no ``Proxy-Authorization``): a 407 is reported, not answered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from diagnose.net.addresses import hostport
from diagnose.net.errors import FailureKind
from diagnose.net.http import USER_AGENT

MAX_PROXY_HEAD = 16 * 1024
"""Bytes of the proxy's answer to CONNECT read at most (status line and headers)."""


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """Where the proxy is (``address`` already resolved) and how it is shown in reports."""

    address: str
    port: int
    label: str
    """The proxy URL without credentials."""


class TunnelRefused(Exception):
    """The proxy did not open the tunnel: ``kind`` is ``proxy_auth`` (407) or ``proxy``."""

    def __init__(self, kind: FailureKind, status: int, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status = status
        self.detail = detail


def proxy_endpoint(url: str) -> tuple[str, int] | None:
    """The host and port of an ``http://`` proxy URL (None for a scheme this reader does not speak)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme.lower() != "http" or not parts.hostname:
        return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    return parts.hostname, port


async def open_tunnel(route: ProxyRoute, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to the proxy and ask it for a tunnel to ``host:port``.

    Raises :class:`TunnelRefused` when the proxy answers anything but 2xx,
    ``OSError`` when the proxy cannot be reached; the caller bounds the time.
    """
    reader, writer = await asyncio.open_connection(route.address, route.port, limit=MAX_PROXY_HEAD)
    try:
        target = hostport(host, port)
        writer.write(
            f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Proxy-Connection: keep-alive\r\n\r\n".encode("ascii", "replace")
        )
        await writer.drain()
        status, reason = _status(await _head(reader))
    except BaseException:
        writer.close()
        raise
    if 200 <= status < 300:
        return reader, writer
    writer.close()
    kind = FailureKind.PROXY_AUTH if status == 407 else FailureKind.PROXY
    raise TunnelRefused(kind, status, f"the proxy {route.label} answered {status} {reason} to CONNECT {target}".strip())


async def _head(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise TunnelRefused(FailureKind.PROXY, 0, f"the proxy's answer to CONNECT is longer than "
                                                  f"{MAX_PROXY_HEAD} bytes") from None
    except asyncio.IncompleteReadError:
        raise TunnelRefused(FailureKind.PROXY, 0, "the proxy closed the connection without answering CONNECT") from None


def _status(head: bytes) -> tuple[int, str]:
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not (parts[1].isascii() and parts[1].isdigit()):
        raise TunnelRefused(FailureKind.PROXY, 0, "the proxy did not answer CONNECT with HTTP")
    return int(parts[1]), (parts[2] if len(parts) > 2 else "")[:100]
