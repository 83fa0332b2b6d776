"""Loopback servers for the lab: a small HTTP/1.1 server (plain or TLS) whose
every answer a scenario controls, and raw TCP behaviours (black holes, resets).

The HTTP server is hand-written on asyncio streams on purpose: scenarios need
answers no well-behaved framework gives (a stalled response, an endless body,
a 64 KiB header, a malformed ``Location``), and tests need the server in the
same event loop as the check under test, or in a background thread for CLI
subprocess tests (:class:`LabThread`).

Everything binds to 127.0.0.1 (or ::1) on an ephemeral port.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import ssl
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from cryptography import x509

from diagnose.lab.pki import Issued

T = TypeVar("T")

MAX_REQUEST_HEAD = 64 * 1024


@dataclass(frozen=True)
class LabRequest:
    """A request as the lab server received it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    scheme: str
    server_port: int
    body: bytes = b""
    """The request's body when it declared a ``Content-Length`` up to :data:`MAX_REQUEST_BODY` (a browser's
    form post or fetch); read so that closing the connection never resets it before the answer is read."""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    @property
    def host(self) -> str:
        """The ``Host`` header without the port."""
        value = self.header("host") or ""
        if value.startswith("["):
            return value.partition("]")[0] + "]"
        return value.rsplit(":", 1)[0]

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies the client sent (name → value)."""
        out: dict[str, str] = {}
        for part in (self.header("cookie") or "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                out[name] = value
        return out


@dataclass
class LabResponse:
    """What the lab server answers. ``stream`` replaces ``body`` for endless or slow bodies."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str = ""
    stream: Callable[[], AsyncIterator[bytes]] | None = None
    delay: float = 0.0
    """Seconds to wait before answering (a slow or stalled server)."""

    @classmethod
    def html(cls, text: str, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> LabResponse:
        return cls(status, [("Content-Type", "text/html; charset=utf-8"), *headers], text.encode())

    @classmethod
    def redirect(cls, location: str, status: int = 302, headers: Sequence[tuple[str, str]] = ()) -> LabResponse:
        return cls(status, [("Location", location), *headers])


Handler = Callable[[LabRequest], "LabResponse | Awaitable[LabResponse]"]
RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

_REASONS = {
    200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 407: "Proxy Authentication Required", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


class LabServer:
    """An HTTP/1.1 (or raw TCP) server on loopback, plain or TLS.

    Use as an async context manager; ``requests`` records what it received.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        raw: RawHandler | None = None,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if (handler is None) == (raw is None):
            raise ValueError("give exactly one of handler and raw")
        self.handler = handler
        self.raw = raw
        self.tls = tls
        self.host = host
        self._port = port
        self.requests: list[LabRequest] = []
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def url(self, path: str = "/", host: str | None = None) -> str:
        """The URL of ``path`` on this server, named ``host`` (pin it with ``--resolve``)."""
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{self.scheme}://{name}:{self.port}{path}"

    async def start(self) -> LabServer:
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self._port, ssl=self.tls,
            ssl_handshake_timeout=10 if self.tls is not None else None,
            limit=MAX_REQUEST_HEAD,
        )
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def __aenter__(self) -> LabServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            if self.raw is not None:
                await self.raw(reader, writer)
            else:
                await self._serve_http(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.LimitOverrunError,
                asyncio.CancelledError, OSError):
            pass
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = [*lines[0].split(" "), "", "", ""][:3]
        headers = tuple(
            (name.strip(), value.strip())
            for name, sep, value in (line.partition(":") for line in lines[1:] if line)
            if sep
        )
        request = LabRequest(method, target, headers, self.scheme, self.port, await _read_body(reader, headers))
        self.requests.append(request)
        assert self.handler is not None
        result = self.handler(request)
        response = await result if inspect.isawaitable(result) else result
        if response.delay:
            await asyncio.sleep(response.delay)
        await write_response(writer, response, head_only=method == "HEAD")


MAX_REQUEST_BODY = 64 * 1024


async def _read_body(reader: asyncio.StreamReader, headers: tuple[tuple[str, str], ...]) -> bytes:
    length = next((value for name, value in headers if name.lower() == "content-length"), "")
    if not length.isdigit() or not 0 < int(length) <= MAX_REQUEST_BODY:
        return b""
    try:
        return await asyncio.wait_for(reader.readexactly(int(length)), timeout=5)
    except (asyncio.IncompleteReadError, TimeoutError):
        return b""


async def write_response(writer: asyncio.StreamWriter, response: LabResponse, *, head_only: bool = False) -> None:
    """Serialise ``response`` (``Connection: close``; length unless streamed)."""
    reason = response.reason or _REASONS.get(response.status, "Status")
    out = [f"HTTP/1.1 {response.status} {reason}"]
    names = {k.lower() for k, _ in response.headers}
    out += [f"{k}: {v}" for k, v in response.headers]
    if response.stream is None and "content-length" not in names:
        out.append(f"Content-Length: {len(response.body)}")
    if "connection" not in names:
        out.append("Connection: close")
    writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1", "replace"))
    if not head_only:
        if response.stream is not None:
            async for chunk in response.stream():
                writer.write(chunk)
                await writer.drain()
        else:
            writer.write(response.body)
    await writer.drain()


# --------------------------------------------------------------------- raw behaviours


async def black_hole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept the connection and never answer (until the client gives up)."""
    await asyncio.Event().wait()


async def reset_immediately(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept, then reset the connection (RST), as filtering middleboxes do."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    writer.transport.abort()


class SynDropper:
    """A port whose accept queue is full, so new connections get no answer (SYN dropped).

    Listens with a backlog of 0 and parks one connection in the queue;
    further connection attempts time out like a firewall that drops packets.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.bind((host, 0))
        self._listener.listen(0)
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._filler = socket.socket(family, socket.SOCK_STREAM)
        self._filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            self._filler.connect((host, self.port))

    def close(self) -> None:
        self._filler.close()
        self._listener.close()

    def __enter__(self) -> SynDropper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port with nothing listening (connections are refused)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------- TLS contexts


def server_context(
    issued: Issued,
    *,
    chain: Sequence[x509.Certificate] | None = None,
    minimum_version: ssl.TLSVersion | None = None,
    maximum_version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A server-side TLS context serving ``issued`` with ``chain`` (default: its chain minus the root).

    ``ssl`` only loads certificates from files, so they pass through a
    temporary directory that is removed at once.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if minimum_version is not None:
        ctx.minimum_version = minimum_version
    if maximum_version is not None:
        ctx.maximum_version = maximum_version
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    with tempfile.TemporaryDirectory(prefix="login-doctor-lab-") as tmp:
        cert_path, key_path = issued.write(Path(tmp), "server", order=chain)
        ctx.load_cert_chain(cert_path, key_path)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


# --------------------------------------------------------------------- background thread


class LabThread:
    """An event loop in a daemon thread, for servers that must outlive one ``asyncio.run``
    (CLI subprocess tests, interop tests)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="login-doctor-lab", daemon=True)

    def __enter__(self) -> LabThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on the lab loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()
