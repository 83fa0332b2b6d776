"""Resolvers against the lab's DNS server, and the UDP exchange NTP uses."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from diagnose.lab.scenario import Lab
from diagnose.net import DnsError, DnsServerResolver, PinnedResolver
from diagnose.net.udp import udp_exchange


async def test_a_dns_server_is_reported_in_its_own_words() -> None:
    async with Lab() as lab:
        dns = await lab.dns({
            "ok.test": ["127.0.0.1", "::1"], "fail.test": "servfail", "no.test": "refused",
            "empty.test": [], "quiet.test": "drop",
        })
        resolver = DnsServerResolver(dns.host, dns.port, timeout=0.5)
        answers = {name: await resolver.lookup(name) for name in
                   ("ok.test", "fail.test", "no.test", "empty.test", "quiet.test", "missing.test")}
    assert answers["ok.test"].addresses == ("127.0.0.1", "::1")
    assert {n: a.error for n, a in answers.items() if not a.ok} == {
        "fail.test": DnsError.SERVFAIL, "no.test": DnsError.REFUSED, "empty.test": DnsError.NO_ANSWER,
        "quiet.test": DnsError.TIMEOUT, "missing.test": DnsError.NXDOMAIN,
    }
    assert "NXDOMAIN" in answers["missing.test"].detail
    assert answers["quiet.test"].detail.endswith("within 0.5 s")


async def test_a_closed_dns_port_counts_as_no_answer() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lookup = await DnsServerResolver("127.0.0.1", port, timeout=0.5).lookup("app.test")
    assert lookup.error is DnsError.TIMEOUT and lookup.addresses == ()


async def test_pins_never_touch_the_network() -> None:
    lookup = await PinnedResolver(["127.0.0.1"]).lookup("app.test")
    assert lookup.ok and lookup.addresses == ("127.0.0.1",) and lookup.resolver == "pinned (--resolve)"


async def test_udp_exchange_reads_both_instants_at_the_socket() -> None:
    loop = asyncio.get_running_loop()

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            self.transport.sendto(data[::-1], addr)  # type: ignore[attr-defined]

    transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        reply = await udp_exchange("127.0.0.1", port, b"ping", 1.0, time.monotonic)
    finally:
        transport.close()
    assert (reply.data, reply.peer) == (b"gnip", "127.0.0.1")
    assert reply.sent <= reply.received


async def test_udp_exchange_with_nobody_listening_fails_fast_or_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises((ConnectionRefusedError, TimeoutError)):
        await udp_exchange("127.0.0.1", port, b"ping", 0.5, time.monotonic)
