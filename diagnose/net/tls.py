"""TLS: a handshake that says whether TLS works, and reading the certificate chain as sent.

Neither connection ever judges the certificate or carries application data;
the verdicts are the checks' job, made from what is read here. pyOpenSSL is
imported on first use (only the chain reader needs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import warnings
from dataclasses import dataclass
from typing import Any

from diagnose.net.addresses import is_ip_literal
from diagnose.net.errors import FailureKind, classify
from diagnose.net.timing import Stopwatch, close_quietly

TLS_TIMEOUT = 5.0

CHAIN_LIMIT = 64 * 1024
"""Bytes a server may send before the handshake is abandoned (a 10000-name certificate is ~330 KB: too much)."""

HANDSHAKE_ERRORS = frozenset({
    FailureKind.PROTOCOL_VERSION, FailureKind.HANDSHAKE_FAILURE, FailureKind.NOT_TLS, FailureKind.RESET,
    FailureKind.EOF, FailureKind.TIMEOUT, FailureKind.CERTIFICATE, FailureKind.OTHER,
})
"""The failures :attr:`TlsHandshake.error` names; any other is reported as ``other``."""

CHAIN_ERRORS = HANDSHAKE_ERRORS | {FailureKind.REFUSED, FailureKind.UNREACHABLE, FailureKind.TOO_LARGE}
"""The failures :attr:`ChainFetch.error` names (it opens its own connection)."""


@dataclass(frozen=True, slots=True)
class TlsHandshake:
    """One TLS handshake (no application data is ever sent on it)."""

    address: str
    port: int
    server_name: str
    ok: bool
    version: str = ""
    cipher: str = ""
    alpn: str = ""
    error: str = ""
    """``protocol_version``, ``handshake_failure``, ``not_tls``, ``reset``, ``eof``, ``timeout``, ``other``."""
    detail: str = ""
    peer_certificate: bytes = b""
    duration_ms: int = 0

    def as_evidence(self) -> dict[str, Any]:
        return _evidence(self, alpn=self.alpn)


def handshake_context(*, legacy: bool = False) -> ssl.SSLContext:
    """A context that completes a handshake without judging the certificate.

    Used to see whether TLS works at all and to read the chain; the verdict
    on the certificate is made separately, never from this connection. With
    ``legacy`` it also accepts TLS 1.0/1.1 and weak ciphers, to learn whether a
    server offers *only* those.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    if legacy:
        # Offering TLS 1.0/1.1 on purpose, to detect servers stuck there: Python's
        # DeprecationWarning for these versions is expected here, not a problem to report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        with contextlib.suppress(ssl.SSLError):
            ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


async def tls_handshake(
    address: str,
    port: int,
    server_name: str,
    context: ssl.SSLContext,
    timeout: float = TLS_TIMEOUT,
) -> TlsHandshake:
    """Connect to ``address`` and run a TLS handshake with SNI ``server_name``."""
    watch = Stopwatch()
    sni = None if is_ip_literal(server_name) else server_name
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(
                address, port, ssl=context, server_hostname=sni or "", ssl_handshake_timeout=timeout
            )
    except (OSError, asyncio.IncompleteReadError, EOFError) as exc:
        return _handshake_failed(address, port, server_name, exc, timeout, watch)
    ssl_object = writer.get_extra_info("ssl_object")
    cipher = ssl_object.cipher() if ssl_object else None
    result = TlsHandshake(
        address, port, server_name, True,
        version=ssl_object.version() or "" if ssl_object else "",
        cipher=cipher[0] if cipher else "",
        alpn=(ssl_object.selected_alpn_protocol() or "") if ssl_object else "",
        peer_certificate=(ssl_object.getpeercert(binary_form=True) or b"") if ssl_object else b"",
        duration_ms=watch.ms(),
    )
    await close_quietly(writer)
    return result


def _handshake_failed(
    address: str, port: int, server_name: str, exc: BaseException, timeout: float, watch: Stopwatch
) -> TlsHandshake:
    failure = classify(exc)
    kind = failure.kind if failure.kind in HANDSHAKE_ERRORS else FailureKind.OTHER
    detail = failure.detail
    if kind is FailureKind.TIMEOUT:
        detail = f"the handshake did not finish within {timeout:g} s"
    elif kind is FailureKind.EOF and not isinstance(exc, ssl.SSLError):
        detail = f"the server closed the connection during the handshake ({type(exc).__name__})"
    return TlsHandshake(address, port, server_name, False, error=kind.value, detail=detail, duration_ms=watch.ms())


# ----------------------------------------------------------------------------- the chain as sent


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

    def as_evidence(self) -> dict[str, Any]:
        return _evidence(
            self,
            legacy_probe=self.legacy,
            certificates_sent=len(self.certificates),
            stapled_ocsp=bool(self.stapled_ocsp),
        )


def _evidence(done: TlsHandshake | ChainFetch, **own: Any) -> dict[str, Any]:
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


_FINAL = frozenset({"timeout", "refused", "unreachable", "not_tls", "too_large"})
"""Failures a second, legacy handshake cannot fix."""


async def fetch_chain(address: str, port: int, server_name: str, timeout: float = TLS_TIMEOUT) -> ChainFetch:
    """Read the certificate chain ``address:port`` sends for SNI ``server_name``.

    One handshake that accepts any certificate and asks for a stapled OCSP
    response; when the server refuses it (a server that only speaks old
    protocols or weak keys, e.g. RSA-512 over TLS 1.3), one more limited to
    TLS 1.0-1.2 with every cipher. Only the handshake (and a close_notify) is
    ever sent on this connection. ``timeout`` bounds each handshake.

    Python 3.11's :mod:`ssl` has neither a public way to read the chain as sent
    nor OCSP stapling, so the handshake is driven by pyOpenSSL (pyca) over
    memory BIOs on an asyncio connection: no thread, one timeout for it all.
    """
    first = await _ChainReader(address, port, server_name, legacy=False).read(timeout)
    if first.ok or first.error in _FINAL:
        return first
    second = await _ChainReader(address, port, server_name, legacy=True).read(timeout)
    return second if second.ok else first


class _Failed(Exception):
    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class _ChainReader:
    """One pyOpenSSL handshake over an asyncio connection, through memory BIOs."""

    def __init__(self, address: str, port: int, server_name: str, *, legacy: bool) -> None:
        self.address, self.port, self.server_name, self.legacy = address, port, server_name, legacy
        self.stapled: list[bytes] = []
        self.watch = Stopwatch()

    async def read(self, timeout: float) -> ChainFetch:
        conn = self._connection()
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(self.address, self.port)
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
                          error=kind.value, detail=detail, duration_ms=self.watch.ms())


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
