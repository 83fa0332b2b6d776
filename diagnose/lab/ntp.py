"""Time sources for the lab: an NTP responder on loopback (UDP), a ``Date`` header for HTTP
handlers, and a local clock that runs ahead or behind.

``LabNtp`` answers client requests the way a server would, with its clock set
``offset`` seconds from the real one, and can misbehave the ways real servers
and networks do: Kiss-o'-Death (stratum 0 and a kiss code such as ``RATE`` or
``DENY``), "unsynchronised" (leap indicator 3, or stratum 16), a reply that
does not echo the request (a forged reply from an off-path attacker), a reply
in the wrong mode, or silence (UDP 123 blocked).

It is written independently of the check's own packet code on purpose: a bug
shared by both sides would cancel out in tests.

``OffsetClock`` is the injected local clock: its ``time()`` is real time plus
an offset; the machine's clock is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import inspect
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from diagnose.lab.servers import Handler, LabRequest, LabResponse

_NTP_DELTA = 2_208_988_800
_FORMAT = "!BBbbII4sQQQQ"


def _ntp_timestamp(unix: float) -> int:
    """Unix seconds as a 64-bit NTP timestamp (era 0; the lab does not outlive 2036)."""
    value = unix + _NTP_DELTA
    seconds = int(value)
    fraction = int((value - seconds) * 2**32) & 0xFFFFFFFF
    return ((seconds & 0xFFFFFFFF) << 32) | fraction


def _short(seconds: float) -> int:
    """Seconds in the 16.16 'short' format of root delay and dispersion."""
    return max(0, min(0xFFFFFFFF, round(seconds * 65536)))


@dataclass
class LabNtp:
    """An NTP server on 127.0.0.1 (UDP, ephemeral port). Use as an async context manager.

    ``offset`` is added to the real time in every timestamp it sends.
    ``kiss`` (e.g. ``"RATE"``) answers with stratum 0 and that kiss code;
    ``leap=3`` or ``stratum=16`` says "not synchronised"; ``spoof`` replies with
    an origin timestamp that is not the client's; ``drop`` never replies;
    ``mode`` other than 4 is a reply that is not a server reply.
    """

    offset: float = 0.0
    stratum: int = 2
    leap: int = 0
    kiss: str | None = None
    spoof: bool = False
    drop: bool = False
    mode: int = 4
    refid: bytes = b"LAB\0"
    root_delay: float = 0.002
    root_dispersion: float = 0.01
    """Typical of a stratum-2 server: the error bound the server claims for its own time."""
    precision: int = -20
    host: str = "127.0.0.1"
    clock: Callable[[], float] = time.time
    """The real clock the offset is added to."""
    queries: list[tuple[str, int]] = field(default_factory=list)
    """(address, port) of every request received."""
    _transport: asyncio.DatagramTransport | None = field(default=None, init=False, repr=False)
    port: int = field(default=0, init=False)

    def reply(self, request: bytes) -> bytes | None:
        """The answer to one datagram, or None to stay silent."""
        received = self.clock() + self.offset
        if self.drop or len(request) < 48:
            return None
        first = request[0]
        version = (first >> 3) & 0x7 or 4
        client_transmit = struct.unpack_from("!Q", request, 40)[0]
        origin = client_transmit
        if self.spoof:
            origin = int.from_bytes(os.urandom(8), "big") or 1
            if origin == client_transmit:
                origin ^= 1
        stratum, refid, leap = self.stratum, self.refid, self.leap
        if self.kiss is not None:
            stratum, refid, leap = 0, self.kiss.encode("ascii")[:4].ljust(4, b"\0"), 3
        reference = _ntp_timestamp(received - 16.0)
        transmit = self.clock() + self.offset
        return struct.pack(
            _FORMAT,
            (leap << 6) | (version << 3) | self.mode,
            stratum,
            6,
            self.precision,
            _short(self.root_delay),
            _short(self.root_dispersion),
            refid[:4].ljust(4, b"\0"),
            reference,
            origin,
            _ntp_timestamp(received),
            _ntp_timestamp(transmit),
        )

    async def start(self) -> LabNtp:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self.host, 0), family=family
        )
        self._transport = transport
        self.port = int(self._transport.get_extra_info("sockname")[1])
        return self

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def __aenter__(self) -> LabNtp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: LabNtp) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.server.queries.append((str(addr[0]), int(addr[1])))
        answer = self.server.reply(data)
        if answer is not None and self.transport is not None:
            with contextlib.suppress(OSError):
                self.transport.sendto(answer, addr)


# --------------------------------------------------------------------------- HTTP Date


def http_date(unix: float) -> str:
    """An RFC 9110 ``Date`` value (IMF-fixdate, truncated to the second as servers do)."""
    return email.utils.formatdate(int(unix), usegmt=True)


def dated(
    inner: Handler | None = None,
    *,
    offset: float = 0.0,
    age: int | None = None,
    clock: Callable[[], float] = time.time,
) -> Handler:
    """Wrap ``inner`` (default: an empty 200) so every response carries a ``Date``.

    ``offset`` sets the server's clock relative to the real one. ``age`` makes
    it behave like a cache that ignores ``no-cache``: ``Date`` is ``age``
    seconds old and ``Age: age`` says so.
    """

    async def handle(request: LabRequest) -> LabResponse:
        if inner is None:
            response = LabResponse(200, [("Content-Type", "text/plain")], b"ok\n")
        else:
            result = inner(request)
            response = await result if inspect.isawaitable(result) else result
        now = clock() + offset
        headers = [(k, v) for k, v in response.headers if k.lower() not in ("date", "age")]
        if age is not None:
            headers += [("Date", http_date(now - age)), ("Age", str(age))]
        else:
            headers.append(("Date", http_date(now)))
        return LabResponse(
            response.status, headers, response.body, response.reason, response.stream, response.delay
        )

    return handle


# --------------------------------------------------------------------------- local clock


@dataclass(frozen=True, slots=True)
class OffsetClock:
    """A :class:`~diagnose.check.Clock` that runs ``offset`` seconds ahead (negative: behind)."""

    offset: float

    def time(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic()
