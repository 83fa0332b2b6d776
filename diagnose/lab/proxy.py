"""An explicit HTTP proxy for the lab, on loopback: a plain CONNECT tunnel, a TLS-inspecting
("man-in-the-middle") proxy with its own CA, or a proxy that wants a sign-in.

Corporate web gateways (Zscaler, Blue Coat, Forcepoint and the like) are
explicit proxies that answer ``CONNECT host:443`` and then, instead of relaying
the site's TLS, complete the handshake themselves with a certificate for
``host`` minted on the fly by a CA the company installed on every device, and
open their own TLS connection to the site. That is what :class:`LabProxy`
does with ``intercept=True``.

It never connects beyond loopback: every name it is asked for is looked up in
``routes`` (name -> loopback address), and a name that is not there, or maps
elsewhere, gets ``502 Bad Gateway``. It never asks for or records credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from diagnose.lab.pki import CertificateAuthority, Issued
from diagnose.lab.servers import server_context

MAX_HEAD = 16 * 1024


@dataclass
class ProxyRequest:
    """What the proxy was asked: ``CONNECT host:port`` (or another method and its target)."""

    method: str
    target: str
    answered: int
    intercepted: bool = False


@dataclass
class LabProxy:
    """An explicit HTTP proxy on 127.0.0.1 (use as an async context manager)."""

    routes: Mapping[str, str]
    """Host name (lower case) -> the loopback address it really is at."""
    ca: CertificateAuthority | None = None
    """With ``intercept``: the proxy's own CA, which signs a certificate for every host."""
    intercept: bool = False
    require_auth: bool = False
    """Answer every request ``407 Proxy Authentication Required`` (and never accept credentials)."""
    upstream_trust: ssl.SSLContext | None = None
    """How the intercepting proxy verifies the real site (None: it does not, as many do not)."""
    host: str = "127.0.0.1"
    requests: list[ProxyRequest] = field(default_factory=list)
    _server: asyncio.Server | None = field(default=None, init=False, repr=False)
    _leaves: dict[str, Issued] = field(default_factory=dict, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    @property
    def port(self) -> int:
        assert self._server is not None, "proxy not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: what ``HTTPS_PROXY`` or ``--proxy-server`` is set to."""
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> LabProxy:
        if self.intercept and self.ca is None:
            raise ValueError("an intercepting proxy needs its own CA")
        self._server = await asyncio.start_server(self._on_client, self.host, 0, limit=MAX_HEAD)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    # -- one client ---------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, EOFError,
                asyncio.CancelledError):
            pass  # the client went away, or the lab is closing
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        method, target = [*head.split("\r\n", 1)[0].split(" "), "", ""][:2]
        record = ProxyRequest(method, target, 0)
        self.requests.append(record)
        if self.require_auth:
            record.answered = 407
            await _answer(writer, 407, "Proxy Authentication Required",
                          [("Proxy-Authenticate", 'Basic realm="lab proxy"')])
            return
        if method != "CONNECT":
            record.answered = 501
            await _answer(writer, 501, "Not Implemented")
            return
        host, _, port_text = target.rpartition(":")
        address = self._route(host.strip("[]").lower())
        if address is None or not port_text.isdigit():
            record.answered = 502
            await _answer(writer, 502, "Bad Gateway")
            return
        record.answered = 200
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        if self.intercept:
            record.intercepted = True
            await self._inspect(reader, writer, host.strip("[]").lower(), address, int(port_text))
        else:
            await self._relay(reader, writer, address, int(port_text))

    def _route(self, host: str) -> str | None:
        address = self.routes.get(host)
        if address is None:
            return None
        return address if ipaddress.ip_address(address).is_loopback else None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: str,
                     port: int) -> None:
        up_reader, up_writer = await asyncio.open_connection(address, port)
        await _pipe_both(reader, writer, up_reader, up_writer)

    async def _inspect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
                       address: str, port: int) -> None:
        """Be the site towards the client (a minted certificate), and the client towards the site."""
        await writer.start_tls(self._context_for(host))
        upstream = self.upstream_trust or _unverified()
        up_reader, up_writer = await asyncio.open_connection(address, port, ssl=upstream, server_hostname=host)
        await _pipe_both(reader, writer, up_reader, up_writer)

    def _context_for(self, host: str) -> ssl.SSLContext:
        assert self.ca is not None
        issued = self._leaves.get(host)
        if issued is None:
            issued = self._leaves[host] = self.ca.issue([host])
        return server_context(issued, chain=[self.ca.certificate])  # leaf + its CA, as gateways send it


def _unverified() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str,
                  headers: list[tuple[str, str]] | None = None) -> None:
    body = f"{status} {reason}\n".encode()
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers or []),
             "Content-Type: text/plain", f"Content-Length: {len(body)}", "Connection: close"]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


async def _pipe_both(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
    finally:
        with contextlib.suppress(Exception):
            up_writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (OSError, ssl.SSLError, EOFError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()


def loopback_routes(names: Mapping[str, Any] | list[str], address: str = "127.0.0.1") -> dict[str, str]:
    """Every name in ``names`` at ``address`` (a loopback address)."""
    return {str(name).lower(): address for name in names}
