"""Measuring a server's Certificate message when a TLS library refused it as too large.

OpenSSL and BoringSSL stop at the message header when a Certificate message is
over their limit (100 KiB), so the handshake error says only
``EXCESSIVE_MESSAGE_SIZE``. To say how large it was, this sends one ClientHello
(made by :mod:`ssl` over memory BIOs, nothing else is ever sent) and reads the
server's first flight of records itself, up to :data:`MAX_FLIGHT` bytes:

* limited to TLS 1.2, the Certificate message travels in clear: its length and
  the number of certificates are exact;
* a server that only speaks TLS 1.3 encrypts it: the size is estimated from the
  encrypted records of the flight (the certificates are most of it).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass

from diagnose.net.addresses import is_ip_literal
from diagnose.net.timing import close_quietly

MAX_FLIGHT = 4 * 1024 * 1024
"""Bytes of the server's first flight read at most (a 1,000-certificate chain is well under)."""

IDLE = 0.5
"""Seconds of silence that end the server's flight (it then waits for the client)."""

_HANDSHAKE, _ALERT, _APPLICATION_DATA = 22, 21, 23
_CERTIFICATE = 11
_AEAD_OVERHEAD = 17
"""A TLS 1.3 record's tag (16 bytes) and inner content type (1 byte)."""


@dataclass(frozen=True, slots=True)
class CertificateMessage:
    """How large the server's Certificate message is."""

    size: int
    """Bytes of the message body (what the 100 KiB limit applies to)."""
    certificates: int | None
    """Certificates in it (None when it was encrypted or longer than what was read)."""
    exact: bool
    """False for an estimate from TLS 1.3's encrypted records."""

    def describe(self) -> str:
        what = f"{self.size:,} bytes" if self.exact else f"about {self.size:,} bytes"
        return what + (f" ({self.certificates:,} certificates)" if self.certificates is not None else "")


async def measure_certificate_message(address: str, port: int, server_name: str, timeout: float
                                      ) -> CertificateMessage | None:
    """The size of the Certificate message ``address:port`` sends, or None if it could not be seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for tls12 in (True, False):
        left = deadline - loop.time()
        if left <= 0:
            return None
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError, ValueError):
            async with asyncio.timeout(left):
                found = await _one_flight(address, port, server_name, tls12=tls12)
            if found is not None:
                return found
    return None


async def _one_flight(address: str, port: int, server_name: str, *, tls12: bool) -> CertificateMessage | None:
    hello = _client_hello(server_name, tls12=tls12)
    reader, writer = await asyncio.open_connection(address, port)
    try:
        writer.write(hello)
        await writer.drain()
        records = await _read_flight(reader)
    finally:
        await close_quietly(writer)
    return _certificate_message(records, tls12=tls12)


def _client_hello(server_name: str, *, tls12: bool) -> bytes:
    """One ClientHello, as :mod:`ssl` would send it (Chromium's suites; TLS 1.2 at most with ``tls12``)."""
    from diagnose.net.chromium import cipher_string

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers(cipher_string())
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sni = None if is_ip_literal(server_name) else server_name
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


async def _read_flight(reader: asyncio.StreamReader) -> list[tuple[int, bytes]]:
    """The records of the server's first flight: (content type, payload), bounded in bytes and time."""
    data = bytearray()
    while len(data) < MAX_FLIGHT:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), IDLE)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    records: list[tuple[int, bytes]] = []
    at = 0
    while at + 5 <= len(data):
        length = int.from_bytes(data[at + 3:at + 5], "big")
        records.append((data[at], bytes(data[at + 5:at + 5 + length])))
        at += 5 + length
    return records


def _certificate_message(records: list[tuple[int, bytes]], *, tls12: bool) -> CertificateMessage | None:
    if any(kind == _ALERT for kind, _ in records[:1]):
        return None
    if tls12:
        return _clear_certificate(b"".join(payload for kind, payload in records if kind == _HANDSHAKE))
    encrypted = [payload for kind, payload in records if kind == _APPLICATION_DATA]
    if not encrypted:
        return None
    return CertificateMessage(sum(max(0, len(p) - _AEAD_OVERHEAD) for p in encrypted), None, exact=False)


def _clear_certificate(stream: bytes) -> CertificateMessage | None:
    """The Certificate message in a TLS 1.2 handshake stream (messages: type, 3-byte length, body)."""
    at = 0
    while at + 4 <= len(stream):
        kind, length = stream[at], int.from_bytes(stream[at + 1:at + 4], "big")
        if kind == _CERTIFICATE:
            body = stream[at + 4:at + 4 + length]
            return CertificateMessage(length, _count(body) if len(body) == length else None, exact=True)
        at += 4 + length
    return None


def _count(body: bytes) -> int:
    """Certificates in a TLS 1.2 Certificate body (3-byte list length, then 3-byte length + DER each)."""
    at, count = 3, 0
    while at + 3 <= len(body):
        at += 3 + int.from_bytes(body[at:at + 3], "big")
        count += 1
    return count
