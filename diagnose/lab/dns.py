"""A DNS server for the lab (UDP and TCP on one loopback port), answering per name.

Each name maps to addresses or to a behaviour a real network shows:
``nxdomain``, ``servfail``, ``refused``, ``empty`` (NOERROR with no answer),
``drop`` (no reply at all: a timeout). Unknown names get the default
behaviour (``nxdomain``). Queries are recorded for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Behaviour = Literal["nxdomain", "servfail", "refused", "empty", "drop"]
Answer = Sequence[str] | Behaviour


@dataclass
class LabDns:
    """An authoritative-style server for a handful of names."""

    zone: Mapping[str, Answer] = field(default_factory=dict)
    default: Behaviour = "nxdomain"
    host: str = "127.0.0.1"
    ttl: int = 60
    queries: list[tuple[str, str, str]] = field(default_factory=list)
    """(transport, name, type) of every query received."""
    _udp: asyncio.DatagramTransport | None = field(default=None, init=False, repr=False)
    _tcp: asyncio.Server | None = field(default=None, init=False, repr=False)
    port: int = field(default=0, init=False)

    def answer_for(self, name: str) -> Answer:
        key = name.lower().rstrip(".")
        return self.zone.get(key, self.default)

    def respond(self, wire: bytes) -> bytes | None:
        """The reply to one query in wire format, or None to stay silent."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        if not query.question:
            return None
        question = query.question[0]
        name = question.name.to_text()
        self.queries.append(("?", name.rstrip("."), dns.rdatatype.to_text(question.rdtype)))
        answer = self.answer_for(name)
        if answer == "drop":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        if answer == "nxdomain":
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif answer == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif answer == "refused":
            response.set_rcode(dns.rcode.REFUSED)
        elif answer == "empty":
            pass
        else:
            wanted = "AAAA" if question.rdtype == dns.rdatatype.AAAA else "A" if question.rdtype == dns.rdatatype.A else None
            matching = [a for a in answer if wanted and (":" in a) == (wanted == "AAAA")]
            if matching and wanted:
                response.answer.append(
                    dns.rrset.from_text_list(question.name, self.ttl, dns.rdataclass.IN, wanted, matching)
                )
        return response.to_wire()

    async def start(self) -> LabDns:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for _attempt in range(20):
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.host, 0), family=family
            )
            port = udp.get_extra_info("sockname")[1]
            try:
                tcp = await asyncio.start_server(self._tcp_client, self.host, port)
            except OSError:
                udp.close()
                continue
            self._udp, self._tcp, self.port = udp, tcp, port
            return self
        raise OSError("could not bind a UDP and TCP port pair for the lab DNS")

    async def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._tcp.wait_closed(), 2)

    async def __aenter__(self) -> LabDns:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                reply = self.respond(await reader.readexactly(length))
                if reply is None:
                    await asyncio.sleep(30)
                    return
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: LabDns) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        reply = self.server.respond(data)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)
