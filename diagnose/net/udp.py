"""UDP: one datagram out, one reply back (what an NTP query needs)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from diagnose.net.addresses import family


@dataclass(frozen=True, slots=True)
class UdpReply:
    """One datagram exchange: the reply, who sent it, and when it went out and came back."""

    data: bytes
    peer: str
    sent: float
    received: float


async def udp_exchange(host: str, port: int, payload: bytes, timeout: float, now: Callable[[], float]) -> UdpReply:
    """Send one datagram to ``host:port`` and wait at most ``timeout`` for one reply.

    ``host`` must already be an address (resolve names first, so pins and the
    system resolver apply). Both instants are read with ``now`` as close to the
    socket as the event loop allows (right at ``sendto`` and in
    ``datagram_received``), not around the awaits: an NTP client's T1 and T4,
    where every millisecond spent setting up the socket or waking the task
    would become error. An ICMP error (port unreachable) raises its ``OSError``.
    """
    loop = asyncio.get_running_loop()
    reply: asyncio.Future[tuple[bytes, str, float]] = loop.create_future()

    class _Protocol(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
            if not reply.done():
                reply.set_result((data, str(addr[0]), now()))

        def error_received(self, exc: Exception) -> None:
            if not reply.done():
                reply.set_exception(exc)

    af = socket.AF_INET6 if family(host) == "ipv6" else socket.AF_INET
    transport, _ = await loop.create_datagram_endpoint(_Protocol, remote_addr=(host, port), family=af)
    try:
        sent = now()
        transport.sendto(payload)
        async with asyncio.timeout(timeout):
            data, peer, received = await reply
        return UdpReply(data, peer, sent, received)
    finally:
        transport.close()
