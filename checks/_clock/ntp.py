"""One NTP client/server exchange (RFC 5905 §7-8, client mode), validated by hand.

Why not ``ntplib``: it measures well but validates nothing. It accepts a
Kiss-o'-Death (stratum 0, refid ``RATE``) as a normal answer, a server that
says it is unsynchronised (leap indicator 3, stratum 16), a reply in the
wrong mode, and a reply that does not echo the request at all (it never
compares the origin timestamp: the one defence against a forged reply). It
also converts timestamps to floats before anyone could compare them exactly,
reads the local clock with ``time.time()`` instead of the injected clock, and
opens its own socket with its own ``getaddrinfo`` (bypassing ``--resolve`` pins
and the lab's DNS). The 48-byte packet is one ``struct`` format, so building
and checking it here is shorter than working around those gaps.

The request carries a random 64-bit transmit timestamp instead of the local
time (draft-ietf-ntp-data-minimization: it reveals nothing about the local
clock and is an unguessable nonce). The server copies it into the reply's
origin field; a reply whose origin differs is rejected. The local send and
receive times (``T1``, ``T4``) are kept on our side.

Offsets here are **local minus server** (positive: the local clock is ahead),
the sign the report uses; RFC 5905's θ is the opposite.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from diagnose.net import UdpReply

NTP_UNIX_DELTA = 2_208_988_800
"""Seconds from the NTP epoch (1900) to the Unix epoch (1970)."""

ERA = 2**32
"""Seconds in one NTP era (the 32-bit seconds field wraps in 2036)."""

PACKET = struct.Struct("!BBbbII4sQQQQ")
"""LI/VN/mode, stratum, poll, precision, root delay, root dispersion, refid,
reference, origin, receive and transmit timestamps: 48 bytes."""

VERSION = 4
MODE_CLIENT = 3
MODE_SERVER = 4

MAX_STRATUM = 15
"""Stratum 16 means unsynchronised (RFC 5905 MAXSTRAT)."""

MAX_ROOT_DISTANCE = 1.5
"""Seconds. A server farther than this from a reference clock is not trusted.
RFC 5905's MAXDIST is 1 s; chrony's default ``maxdistance`` is 3 s. 1.5 s
allows a slow link and is still far below what matters for 30-second codes."""

LOCAL_PRECISION = 1e-6
"""Our own timestamp resolution (``time.time`` on current systems), added to the error bound."""

MINDISP = 0.01
"""Seconds: RFC 5905's minimum dispersion (Appendix A.1.1, ``MINDISP .01``). The root distance takes
``max(MINDISP, root delay + delay) / 2``, so even a loopback exchange with a server that claims no
dispersion at all gets a correctness interval of at least ±5 ms: no timestamp path is better than that."""

KISS_CODES = {
    "ACST": "the association belongs to an anycast server",
    "AUTH": "server authentication failed",
    "AUTO": "autokey sequence failed",
    "BCST": "the association belongs to a broadcast server",
    "CRYP": "cryptographic authentication or identification failed",
    "DENY": "access denied by the server",
    "DROP": "lost peer in symmetric mode",
    "RSTR": "access denied due to local policy",
    "INIT": "the association has not yet synchronised for the first time",
    "MCST": "the association belongs to a dynamically discovered server",
    "NKEY": "no key found",
    "NTSN": "NTS negative acknowledgement",
    "RATE": "rate exceeded: the server asks clients to query less often",
    "RMOT": "alteration of association from a remote host running ntpdc",
    "STEP": "a step change in system time has occurred",
}
"""RFC 5905 §7.4 (and RFC 8915 for NTSN)."""


class Rejection(StrEnum):
    """Why a reply was not used; each maps to one finding code."""

    KISS_O_DEATH = "kiss_o_death"
    UNSYNCHRONISED = "unsynchronised"
    BAD_REPLY = "bad_reply"


class NoReply(StrEnum):
    """Why there was no reply at all."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class Packet:
    """The fields of an NTP packet; timestamps stay raw 64-bit integers."""

    leap: int
    version: int
    mode: int
    stratum: int
    poll: int
    precision: int
    root_delay: float
    root_dispersion: float
    refid: bytes
    reference: int
    origin: int
    receive: int
    transmit: int

    @property
    def refid_text(self) -> str:
        """The refid as printable text (kiss codes and stratum-1 sources are ASCII)."""
        if self.stratum <= 1:
            return self.refid.rstrip(b"\0").decode("ascii", "replace")
        return ".".join(str(b) for b in self.refid)


@dataclass(frozen=True, slots=True)
class Measurement:
    """A validated reply: the local clock's offset against the server, and its error bound."""

    offset: float
    """Local minus server time, seconds."""
    delay: float
    """Round-trip delay minus the server's processing time, seconds."""
    root_distance: float
    """Half-width of the interval the server's true offset lies in (RFC 5905 λ)."""
    packet: Packet

    @property
    def interval(self) -> tuple[float, float]:
        """The correctness interval [offset − λ, offset + λ]."""
        return (self.offset - self.root_distance, self.offset + self.root_distance)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A reply that arrived but must not be used."""

    kind: Rejection
    reason: str
    packet: Packet | None = None
    kiss_code: str = ""


def new_nonce() -> int:
    """A random, non-zero 64-bit transmit timestamp."""
    return secrets.randbits(64) or 1


def build_request(nonce: int) -> bytes:
    """A version-4 client request whose transmit timestamp is ``nonce`` (all else zero)."""
    first = (0 << 6) | (VERSION << 3) | MODE_CLIENT
    return PACKET.pack(first, 0, 0, 0, 0, 0, b"\0\0\0\0", 0, 0, 0, nonce)


def parse(data: bytes) -> Packet:
    """Unpack the first 48 bytes (extension fields and MACs that follow are ignored).

    Raises ValueError when the datagram is too short to be NTP.
    """
    if len(data) < PACKET.size:
        raise ValueError(f"{len(data)} bytes, shorter than the 48 of an NTP packet")
    first, stratum, poll, precision, delay, dispersion, refid, ref, org, rec, xmt = PACKET.unpack_from(data)
    return Packet(
        leap=first >> 6,
        version=(first >> 3) & 0x7,
        mode=first & 0x7,
        stratum=stratum,
        poll=poll,
        precision=precision,
        root_delay=delay / 65536,
        root_dispersion=dispersion / 65536,
        refid=refid,
        reference=ref,
        origin=org,
        receive=rec,
        transmit=xmt,
    )


def to_unix(timestamp: int, near: float) -> float:
    """An NTP timestamp as Unix seconds, in the era closest to ``near`` (handles the 2036 wrap)."""
    seconds = (timestamp >> 32) + (timestamp & 0xFFFFFFFF) / ERA - NTP_UNIX_DELTA
    era = round((near - seconds) / ERA)
    return seconds + era * ERA


def evaluate(data: bytes, nonce: int, t1: float, t4: float) -> Measurement | Rejected:
    """Validate a reply to the request carrying ``nonce``, sent at local ``t1`` and received at ``t4``.

    The checks follow RFC 5905's packet tests and RFC 4330 §5 (what ntplib
    leaves out): a server-mode reply, that echoes our nonce (else it is stray
    or forged, so it is checked first: a forged Kiss-o'-Death is only a bad
    reply), that is not a Kiss-o'-Death, from a synchronised server
    (leap ≠ 3, stratum 1-15, a reference time) with plausible timestamps and a
    root distance that still says something about the true time.
    """
    try:
        packet = parse(data)
    except ValueError as exc:
        return Rejected(Rejection.BAD_REPLY, f"the reply is not an NTP packet ({exc})")
    if packet.mode != MODE_SERVER:
        return Rejected(Rejection.BAD_REPLY, f"the reply is not a server reply (mode {packet.mode}, expected 4)", packet)
    if packet.origin != nonce:
        return Rejected(
            Rejection.BAD_REPLY,
            "the reply does not answer our request (its origin timestamp is not the one we sent): "
            "a stray or forged reply",
            packet,
        )
    if packet.version not in (1, 2, 3, 4):
        return Rejected(Rejection.BAD_REPLY, f"unknown NTP version {packet.version}", packet)
    if packet.stratum == 0:
        code = packet.refid.rstrip(b"\0").decode("ascii", "replace")
        meaning = KISS_CODES.get(code, "an unknown kiss code")
        return Rejected(Rejection.KISS_O_DEATH, f"Kiss-o'-Death {code!r}: {meaning}", packet, kiss_code=code)
    if packet.leap == 3:
        return Rejected(
            Rejection.UNSYNCHRONISED,
            "the server says its own clock is not synchronised (leap indicator 3)",
            packet,
        )
    if packet.stratum > MAX_STRATUM:
        return Rejected(
            Rejection.UNSYNCHRONISED, f"the server says its own clock is not synchronised (stratum {packet.stratum})",
            packet,
        )
    if packet.reference == 0:
        return Rejected(Rejection.UNSYNCHRONISED, "the server has never been synchronised (no reference time)", packet)
    if packet.receive == 0 or packet.transmit == 0:
        return Rejected(Rejection.BAD_REPLY, "the reply carries no receive or transmit time", packet)
    t2 = to_unix(packet.receive, t1)
    t3 = to_unix(packet.transmit, t1)
    if t3 < t2:
        return Rejected(Rejection.BAD_REPLY, "the server's transmit time is before its receive time", packet)
    offset = ((t1 - t2) + (t4 - t3)) / 2
    delay = (t4 - t1) - (t3 - t2)
    server_precision = 2.0**packet.precision
    if delay < -(server_precision + LOCAL_PRECISION):
        return Rejected(Rejection.BAD_REPLY, f"impossible timestamps (negative delay {delay:.6f} s)", packet)
    delay = max(delay, 0.0)
    # RFC 5905 root distance λ (A.5.5.2 root_dist()): the round trip, floored at MINDISP, bounds our own
    # timestamping error too (T1 and T4 are read at the socket, so delay/2 covers the event loop's share).
    distance = max(MINDISP, packet.root_delay + delay) / 2 + packet.root_dispersion + server_precision + LOCAL_PRECISION
    if distance > MAX_ROOT_DISTANCE:
        return Rejected(
            Rejection.UNSYNCHRONISED,
            f"the server is too far from a reference clock to be trusted (root distance {distance:.3f} s, "
            f"limit {MAX_ROOT_DISTANCE:g} s)",
            packet,
        )
    return Measurement(offset=offset, delay=delay, root_distance=distance, packet=packet)


class UdpNet(Protocol):
    """The part of :class:`diagnose.net.Net` an NTP query uses."""

    async def udp_exchange_timed(
        self, host: str, port: int, payload: bytes, timeout: float, now: Callable[[], float]
    ) -> UdpReply: ...


async def exchange(
    net: UdpNet, address: str, port: int, now: Callable[[], float], timeout: float
) -> Measurement | Rejected | NoReply:
    """Send one request to ``address:port`` through ``net`` and judge the reply.

    ``T1`` and ``T4`` are read by ``net`` right at the socket (local wall time from ``now``).
    """
    nonce = new_nonce()
    try:
        reply = await net.udp_exchange_timed(address, port, build_request(nonce), timeout, now)
    except TimeoutError:
        return NoReply.TIMEOUT
    except ConnectionRefusedError:
        return NoReply.REFUSED
    except OSError:
        return NoReply.UNREACHABLE
    return evaluate(reply.data, nonce, reply.sent, reply.received)


def packet_evidence(packet: Packet | None) -> dict[str, Any]:
    """The header fields worth showing in a report."""
    if packet is None:
        return {}
    return {
        "stratum": packet.stratum,
        "leap": packet.leap,
        "version": packet.version,
        "mode": packet.mode,
        "refid": packet.refid_text,
        "root_delay_s": round(packet.root_delay, 6),
        "root_dispersion_s": round(packet.root_dispersion, 6),
        "precision_log2": packet.precision,
    }
