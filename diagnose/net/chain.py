"""Reading the certificate chain as a server sends it, directly or through a proxy's CONNECT tunnel.

The connection never judges the certificate or carries application data: it
exists to read what the server (or a TLS-inspecting proxy in its place)
presents. pyOpenSSL is imported on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from typing import Any, Protocol

from diagnose.net.addresses import is_ip_literal
from diagnose.net.chromium import HANDSHAKE_TIMEOUT
from diagnose.net.errors import FailureKind, classify
from diagnose.net.flight import CertificateMessage, measure_certificate_message
from diagnose.net.timing import Stopwatch, close_quietly
from diagnose.net.tunnel import ProxyRoute, TunnelRefused, open_tunnel

CHAIN_LIMIT = 64 * 1024
"""Bytes a server may send before the handshake is abandoned (a 10000-name certificate is ~330 KB: too much)."""

HANDSHAKE_ERRORS = frozenset({
    FailureKind.PROTOCOL_VERSION, FailureKind.HANDSHAKE_FAILURE, FailureKind.NOT_TLS, FailureKind.RESET,
    FailureKind.EOF, FailureKind.TIMEOUT, FailureKind.CERTIFICATE, FailureKind.TOO_LARGE, FailureKind.OTHER,
})
"""The failures a handshake's ``error`` names; any other is reported as ``other``."""

CHAIN_ERRORS = HANDSHAKE_ERRORS | {FailureKind.REFUSED, FailureKind.UNREACHABLE, FailureKind.PROXY,
                                   FailureKind.PROXY_AUTH}
"""The failures :attr:`ChainFetch.error` names (it opens its own connection, maybe through a proxy)."""

TIMEOUT = HANDSHAKE_TIMEOUT
"""Seconds one handshake may take: Chromium's ``kSSLHandshakeTimeout`` (the deadline usually ends it sooner)."""

MEASURE_TIMEOUT = 5.0
"""Seconds spent at most measuring a Certificate message that was refused as too large."""


class Handshake(Protocol):
    """What both handshake results share (read-only)."""

    @property
    def address(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def server_name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def version(self) -> str: ...
    @property
    def cipher(self) -> str: ...
    @property
    def error(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def duration_ms(self) -> int: ...


def handshake_evidence(done: Handshake, **own: Any) -> dict[str, Any]:
    """A handshake as evidence: where, whether it worked and with what, then its own fields, then why not."""
    return {
        "address": done.address,
        "port": done.port,
        "server_name": done.server_name,
        "ok": done.ok,
        "version": done.version,
        "cipher": done.cipher,
        **own,
        "error": done.error or None,
        "detail": done.detail,
        "duration_ms": done.duration_ms,
    }


def too_large_detail(measured: CertificateMessage | None) -> str:
    """The words for a Certificate message over the browser's limit, with its size when measured."""
    from diagnose.net.chromium import MAX_CERTIFICATE_MESSAGE

    limit = f"browsers accept at most {MAX_CERTIFICATE_MESSAGE:,} bytes (Chromium's TLS library)"
    if measured is None:
        return f"the server's certificate chain is larger than {limit}"
    return f"the server's certificate chain is {measured.describe()}; {limit}"



@dataclass(frozen=True, slots=True)
class ChainFetch:
    """The certificates a server sent in one handshake, in the order it sent them.

    Nothing on this connection is verified: it exists only to read what the
    server presents. Verdicts are made from ``certificates`` separately.
    """

    address: str
    port: int
    server_name: str
    ok: bool
    certificates: tuple[bytes, ...] = ()
    """DER, leaf first, exactly as sent."""
    stapled_ocsp: bytes = b""
    """The OCSP response the server stapled (``status_request``), empty when none."""
    version: str = ""
    cipher: str = ""
    legacy: bool = False
    """True when only the legacy probe (TLS 1.0-1.2, any cipher) completed."""
    error: str = ""
    detail: str = ""
    duration_ms: int = 0
    proxy: str = ""
    """The proxy whose CONNECT tunnel the chain was read through (its URL without credentials),
    empty for a direct connection."""
    certificate_message: CertificateMessage | None = None
    """With ``too_large``: how large the Certificate message was, when it could be measured."""

    def as_evidence(self) -> dict[str, Any]:
        return handshake_evidence(
            self,
            legacy_probe=self.legacy,
            certificates_sent=len(self.certificates),
            stapled_ocsp=bool(self.stapled_ocsp),
            **({"proxy": self.proxy} if self.proxy else {}),
        )


_FINAL = frozenset({"timeout", "refused", "unreachable", "not_tls", "too_large", "proxy", "proxy_auth"})
"""Failures a second, legacy handshake cannot fix."""


async def fetch_chain(address: str, port: int, server_name: str, timeout: float = TIMEOUT,
                      *, tunnel: ProxyRoute | None = None) -> ChainFetch:
    """Read the certificate chain ``address:port`` sends for SNI ``server_name``.

    With ``tunnel``, through that proxy's CONNECT tunnel to ``server_name:port``
    (``address`` is then the name given to the proxy), as a browser behind the
    proxy connects: the chain is what the proxy lets through or puts in its place.

    One handshake that accepts any certificate and asks for a stapled OCSP
    response; when the server refuses it (a server that only speaks old
    protocols or weak keys, e.g. RSA-512 over TLS 1.3), one more limited to
    TLS 1.0-1.2 with every cipher. Only the handshake (and a close_notify) is
    ever sent on this connection. ``timeout`` bounds each handshake.

    Python 3.11's :mod:`ssl` has neither a public way to read the chain as sent
    nor OCSP stapling, so the handshake is driven by pyOpenSSL (pyca) over
    memory BIOs on an asyncio connection: no thread, one timeout for it all.
    """
    first = await _ChainReader(address, port, server_name, legacy=False, tunnel=tunnel).read(timeout)
    if first.error == FailureKind.TOO_LARGE.value and tunnel is None:
        measured = await measure_certificate_message(address, port, server_name, min(timeout, MEASURE_TIMEOUT))
        return replace(first, certificate_message=measured, detail=too_large_detail(measured))
    if first.ok or first.error in _FINAL:
        return first
    second = await _ChainReader(address, port, server_name, legacy=True, tunnel=tunnel).read(timeout)
    return second if second.ok else first


class _Failed(Exception):
    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class _ChainReader:
    """One pyOpenSSL handshake over an asyncio connection, through memory BIOs."""

    def __init__(self, address: str, port: int, server_name: str, *, legacy: bool,
                 tunnel: ProxyRoute | None = None) -> None:
        self.address, self.port, self.server_name, self.legacy = address, port, server_name, legacy
        self.tunnel = tunnel
        self.stapled: list[bytes] = []
        self.watch = Stopwatch()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.tunnel is None:
            return await asyncio.open_connection(self.address, self.port)
        try:
            return await open_tunnel(self.tunnel, self.address, self.port)
        except TunnelRefused as refused:
            raise _Failed(refused.kind, refused.detail) from None
        except OSError as exc:
            raise _Failed(FailureKind.PROXY, f"the proxy {self.tunnel.label} cannot be reached "
                                             f"({classify(exc).detail})") from None

    async def read(self, timeout: float) -> ChainFetch:
        conn = self._connection()
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await self._open()
                await self._handshake(conn, reader, writer)
                result = self._result(conn)
                await self._close_notify(conn, writer)
                return result
        except _Failed as failed:
            return self._failed(failed.kind, failed.detail)
        except Exception as exc:
            failure = classify(exc)
            if failure.kind is FailureKind.TIMEOUT:
                return self._failed(failure.kind, f"the handshake did not finish within {timeout:g} s")
            if not _is_network_error(exc):
                raise
            kind = failure.kind if failure.kind in CHAIN_ERRORS else FailureKind.OTHER
            return self._failed(kind, failure.detail)
        finally:
            if writer is not None:
                await close_quietly(writer)

    def _connection(self) -> Any:
        from OpenSSL import SSL

        ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        ctx.set_verify(SSL.VERIFY_NONE)  # reading, not judging: see ChainFetch
        ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
        ctx.set_min_proto_version(SSL.TLS1_VERSION)
        if self.legacy:
            ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_alpn_protos([b"http/1.1"])

        def on_ocsp(_conn: Any, data: bytes, _extra: Any) -> bool:
            self.stapled.append(bytes(data))
            return True  # never abort: the staple is judged later, not here

        ctx.set_ocsp_client_callback(on_ocsp)
        conn = SSL.Connection(ctx, None)
        conn.set_connect_state()
        if not is_ip_literal(self.server_name):
            with contextlib.suppress(UnicodeError, ValueError):  # a name that cannot be SNI is sent without it
                conn.set_tlsext_host_name(self.server_name.encode("ascii"))
        conn.request_ocsp()
        return conn

    async def _handshake(self, conn: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from OpenSSL import SSL

        received = 0
        while True:
            try:
                conn.do_handshake()
                return
            except SSL.WantReadError:
                pass
            await _flush_bio(conn, writer)
            data = await reader.read(16384)
            if not data:
                raise _Failed(FailureKind.EOF, "the server closed the connection during the handshake")
            received += len(data)
            if received > CHAIN_LIMIT * 8:
                raise _Failed(FailureKind.TOO_LARGE,
                              f"the server sent more than {CHAIN_LIMIT * 8} bytes during the handshake")
            conn.bio_write(data)

    def _result(self, conn: Any) -> ChainFetch:
        from cryptography.hazmat.primitives.serialization import Encoding

        chain = conn.get_peer_cert_chain(as_cryptography=True) or []
        return ChainFetch(
            self.address, self.port, self.server_name, True,
            certificates=tuple(c.public_bytes(Encoding.DER) for c in chain),
            stapled_ocsp=self.stapled[0] if self.stapled else b"",
            version=conn.get_protocol_version_name() or "",
            cipher=conn.get_cipher_name() or "",
            legacy=self.legacy,
            duration_ms=self.watch.ms(),
            proxy=self._proxy,
        )

    async def _close_notify(self, conn: Any, writer: asyncio.StreamWriter) -> None:
        from OpenSSL import SSL

        await _flush_bio(conn, writer)
        with contextlib.suppress(SSL.Error):
            conn.shutdown()
        with contextlib.suppress(OSError, SSL.Error):
            await _flush_bio(conn, writer)

    def _failed(self, kind: FailureKind, detail: str) -> ChainFetch:
        return ChainFetch(self.address, self.port, self.server_name, False, legacy=self.legacy,
                          error=kind.value, detail=detail, duration_ms=self.watch.ms(), proxy=self._proxy)

    @property
    def _proxy(self) -> str:
        return self.tunnel.label if self.tunnel is not None else ""


def _is_network_error(exc: BaseException) -> bool:
    from OpenSSL import SSL

    return isinstance(exc, (OSError, SSL.Error))


async def _flush_bio(conn: Any, writer: asyncio.StreamWriter) -> None:
    """Send whatever TLS records pyOpenSSL has queued for the peer."""
    from OpenSSL import SSL

    chunks = []
    while True:
        try:
            chunks.append(conn.bio_read(65536))
        except SSL.WantReadError:
            break
    if chunks:
        writer.write(b"".join(chunks))
        await writer.drain()
