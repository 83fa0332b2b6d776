"""TLS servers that misbehave the way real ones do, for the connectivity scenarios.

* :func:`slow_handshake`: a relay in front of a healthy TLS server that holds
  the client's ClientHello for ``delay`` seconds before passing it on (an
  overloaded server, or a filter inspecting the handshake): every handshake is slow.
* :func:`tls_with_alerts`: a TLS server that runs the handshake over memory
  BIOs and *sends* OpenSSL's alert when it fails (asyncio's own TLS server drops
  the connection without it), so a browser sees what real servers (nginx,
  Apache) make it see: ``handshake_failure`` or ``protocol_version``, not a bare close.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable

from diagnose.lab.servers import LabRequest, LabResponse, RawHandler

MAX_HEAD = 64 * 1024


def slow_handshake(target_port: int, delay: float, target_host: str = "127.0.0.1") -> RawHandler:
    """A raw handler: wait for the ClientHello, sit on it for ``delay`` s, then relay to the target."""

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hello = await reader.read(65536)
        if not hello:
            return
        await asyncio.sleep(delay)
        up_reader, up_writer = await asyncio.open_connection(target_host, target_port)
        up_writer.write(hello)
        await up_writer.drain()
        try:
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        finally:
            up_writer.close()

    return relay


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(Exception):
            sink.close()


Respond = Callable[[LabRequest], "LabResponse | Awaitable[LabResponse]"]


def tls_with_alerts(context: ssl.SSLContext, respond: Respond, port_of: Callable[[], int]) -> RawHandler:
    """A raw handler serving one HTTP/1.1 request over TLS, sending the alert when the handshake fails."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        if not await _handshake(tls, incoming, outgoing, reader, writer):
            return
        head = await _read_head(tls, incoming, outgoing, reader, writer)
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target = [*lines[0].split(" "), "", ""][:2]
        headers = tuple((k.strip(), v.strip()) for k, sep, v in (line.partition(":") for line in lines[1:]) if sep)
        result = respond(LabRequest(method, target, headers, "https", port_of()))
        response = await result if isinstance(result, Awaitable) else result
        tls.write(_serialise(response))
        writer.write(outgoing.read())
        await writer.drain()

    return serve


async def _handshake(tls: ssl.SSLObject, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    while True:
        try:
            tls.do_handshake()
            writer.write(outgoing.read())
            await writer.drain()
            return True
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            writer.write(outgoing.read())  # the alert, as real servers send it
            await writer.drain()
            return False
        writer.write(outgoing.read())
        await writer.drain()
        data = await reader.read(65536)
        if not data:
            return False
        incoming.write(data)


async def _read_head(tls: ssl.SSLObject, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        try:
            plain = tls.read(65536)
            if not plain:  # close_notify: the client went away
                return None
            data += plain
            continue
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            return None
        writer.write(outgoing.read())
        chunk = await reader.read(65536)
        if not chunk:
            return None
        incoming.write(chunk)
    return data.split(b"\r\n\r\n", 1)[0]


def _serialise(response: LabResponse) -> bytes:
    reason = response.reason or "OK"
    lines = [f"HTTP/1.1 {response.status} {reason}", *(f"{k}: {v}" for k, v in response.headers),
             f"Content-Length: {len(response.body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body
