"""The one place that builds network clients: resolvers, TCP probes, TLS
contexts, HTTP clients and UDP exchanges.

Checks never open a socket on their own; they ask the :class:`Net` in their
context. That gives three things:

* every network path is testable: the lab and tests inject a system resolver
  that is the lab's DNS server, pins (``--resolve``) that point names at
  loopback, and extra trust anchors (``--ca-file``);
* every step has a timeout, and answers are bounded (headers by h11, bodies by
  :func:`read_bounded`), so a hostile server costs bounded time and memory;
* the run's network behaviour is described in one place for the report
  (:meth:`Net.describe`).

Heavy libraries (httpx, dnspython, truststore) are imported on first use so
that ``login-doctor --version`` does not pay for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from diagnose.settings import Settings

if TYPE_CHECKING:
    import httpcore
    import httpx

DNS_TIMEOUT = 4.0
TCP_TIMEOUT = 4.0
TLS_TIMEOUT = 5.0
HTTP_TIMEOUT = 6.0
MAX_BODY = 256 * 1024
"""Bytes of a response body any check reads at most."""

USER_AGENT = "login-doctor (+https://github.com/login-doctor; diagnostic, GET/HEAD only)"


# ------------------------------------------------------------------------- DNS


class DnsError(StrEnum):
    """Why a name did not resolve, in the vocabulary of the finding codes."""

    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    NO_ANSWER = "no_answer"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Lookup:
    """One resolver's answer for one name."""

    resolver: str
    name: str
    addresses: tuple[str, ...] = ()
    error: DnsError | None = None
    detail: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.addresses)

    def as_evidence(self) -> dict[str, Any]:
        return {
            "resolver": self.resolver,
            "name": self.name,
            "addresses": list(self.addresses),
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


class Resolver(Protocol):
    """Something that turns a name into addresses (or a classified failure)."""

    label: str

    async def lookup(self, name: str) -> Lookup:
        """Resolve ``name`` to IPv4 and IPv6 addresses within the resolver's timeout."""
        ...


_DNS_ERROR_ORDER = (
    DnsError.NXDOMAIN, DnsError.SERVFAIL, DnsError.REFUSED, DnsError.TIMEOUT,
    DnsError.OTHER, DnsError.NO_ANSWER,
)


class DnsServerResolver:
    """Asks one DNS server directly (UDP, TCP when truncated) with dnspython.

    Unlike the system resolver it reports exactly what the server said
    (NXDOMAIN, SERVFAIL, REFUSED, no answer) or that it said nothing.
    """

    def __init__(self, address: str, port: int = 53, *, label: str | None = None, timeout: float = DNS_TIMEOUT):
        self.address = address
        self.port = port
        self.timeout = timeout
        self.label = label or f"dns {_hostport(address, port)}"

    async def lookup(self, name: str) -> Lookup:
        start = time.monotonic()
        answers = await asyncio.gather(self._query(name, "A"), self._query(name, "AAAA"))
        addresses = tuple(a for found, _err, _detail in answers for a in found)
        elapsed = _ms(time.monotonic() - start)
        if addresses:
            return Lookup(self.label, name, addresses, None, "", elapsed)
        errors = [(err, detail) for _found, err, detail in answers if err is not None]
        err, detail = min(errors, key=lambda e: _DNS_ERROR_ORDER.index(e[0]))
        return Lookup(self.label, name, (), err, detail, elapsed)

    async def _query(self, name: str, rdtype: str) -> tuple[tuple[str, ...], DnsError | None, str]:
        import dns.asyncquery
        import dns.exception
        import dns.message
        import dns.name
        import dns.rcode
        import dns.rdatatype

        try:
            query = dns.message.make_query(dns.name.from_text(name), rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return (), DnsError.OTHER, f"{name!r} is not a valid DNS name: {exc}"
        try:
            response, _tcp = await dns.asyncquery.udp_with_fallback(
                query, self.address, timeout=self.timeout, port=self.port
            )
        except dns.exception.Timeout:
            return (), DnsError.TIMEOUT, f"no answer from {self.label} within {self.timeout:g} s"
        except (OSError, dns.exception.DNSException) as exc:
            err = DnsError.TIMEOUT if isinstance(exc, TimeoutError) else DnsError.OTHER
            if isinstance(exc, ConnectionRefusedError):
                return (), DnsError.TIMEOUT, f"{self.label} is not answering (port closed)"
            return (), err, f"{type(exc).__name__}: {exc}"
        rcode = response.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return (), DnsError.NXDOMAIN, f"{self.label} says the name does not exist (NXDOMAIN)"
        if rcode == dns.rcode.SERVFAIL:
            return (), DnsError.SERVFAIL, f"{self.label} failed to resolve the name (SERVFAIL)"
        if rcode == dns.rcode.REFUSED:
            return (), DnsError.REFUSED, f"{self.label} refused to answer (REFUSED)"
        if rcode != dns.rcode.NOERROR:
            return (), DnsError.OTHER, f"{self.label} answered {dns.rcode.to_text(rcode)}"
        wanted = dns.rdatatype.from_text(rdtype)
        found = tuple(
            str(rdata.address)
            for rrset in response.answer
            if rrset.rdtype == wanted
            for rdata in rrset
        )
        if not found:
            return (), DnsError.NO_ANSWER, f"{self.label} has no {rdtype} record for the name"
        return found, None, ""


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``): what the browser uses.

    ``getaddrinfo`` only says "not found" or "try again"; when it fails, the
    system's configured name servers are asked once more with dnspython to learn
    what they actually answered. ``getaddrinfo`` runs in a daemon thread so a
    hung lookup can neither outlive the timeout nor delay the program's exit.
    """

    label = "system"

    def __init__(self, timeout: float = DNS_TIMEOUT) -> None:
        self.timeout = timeout

    async def lookup(self, name: str) -> Lookup:
        start = time.monotonic()
        try:
            infos = await _in_daemon_thread(
                lambda: socket.getaddrinfo(name, None, type=socket.SOCK_STREAM), self.timeout
            )
        except TimeoutError:
            return Lookup(
                self.label, name, (), DnsError.TIMEOUT,
                f"the system resolver gave no answer within {self.timeout:g} s",
                _ms(time.monotonic() - start),
            )
        except (socket.gaierror, UnicodeError, OSError) as exc:
            err, detail = await self._refine(name, exc)
            return Lookup(self.label, name, (), err, detail, _ms(time.monotonic() - start))
        addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        return Lookup(self.label, name, addresses, None, "", _ms(time.monotonic() - start))

    async def _refine(self, name: str, exc: BaseException) -> tuple[DnsError, str]:
        code = getattr(exc, "errno", None)
        base = {
            socket.EAI_NONAME: DnsError.NXDOMAIN,
            socket.EAI_AGAIN: DnsError.SERVFAIL,
            getattr(socket, "EAI_NODATA", -5): DnsError.NO_ANSWER,
        }.get(code if isinstance(code, int) else 0, DnsError.OTHER)
        detail = f"the system resolver said: {exc}"
        servers = system_nameservers()
        if not servers:
            return base, detail
        refined = await DnsServerResolver(servers[0], label=f"system ({servers[0]})", timeout=2.0).lookup(name)
        if refined.ok or refined.error is None:
            return base, detail
        return refined.error, f"{detail}; {refined.detail}"


def system_nameservers() -> list[str]:
    """The name servers the operating system is configured with (best effort)."""
    try:
        import dns.resolver

        return [str(ns) for ns in dns.resolver.Resolver(configure=True).nameservers]
    except Exception:  # no resolv.conf, unreadable registry, …
        return []


class PinnedResolver:
    """Answers from ``--resolve`` pins; never touches the network."""

    label = "pinned (--resolve)"

    def __init__(self, addresses: Sequence[str]) -> None:
        self.addresses = tuple(addresses)

    async def lookup(self, name: str) -> Lookup:
        return Lookup(self.label, name, self.addresses, None, "pinned on the command line", 0)


# ------------------------------------------------------------------------- TCP


class TcpError(StrEnum):
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TcpProbe:
    """One TCP connection attempt to one address."""

    address: str
    port: int
    error: TcpError | None = None
    detail: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def family(self) -> str:
        return "ipv6" if ":" in self.address else "ipv4"

    def as_evidence(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "port": self.port,
            "family": self.family,
            "ok": self.ok,
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


_UNREACHABLE_ERRNOS = {
    errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL,
    errno.EAFNOSUPPORT, errno.EPERM, errno.EACCES, getattr(errno, "EHOSTDOWN", -1),
}


async def tcp_probe(address: str, port: int, timeout: float = TCP_TIMEOUT) -> TcpProbe:
    """Open and close one TCP connection, classifying the failure like OONI does."""
    start = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(address, port)
    except TimeoutError:
        return TcpProbe(address, port, TcpError.TIMEOUT, f"no answer within {timeout:g} s", _ms(time.monotonic() - start))
    except ConnectionRefusedError as exc:
        return TcpProbe(address, port, TcpError.REFUSED, _oserror(exc), _ms(time.monotonic() - start))
    except OSError as exc:
        kind = TcpError.UNREACHABLE if exc.errno in _UNREACHABLE_ERRNOS else TcpError.OTHER
        return TcpProbe(address, port, kind, _oserror(exc), _ms(time.monotonic() - start))
    writer.close()
    try:
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        pass
    return TcpProbe(address, port, None, "", _ms(time.monotonic() - start))


# ------------------------------------------------------------------------- TLS


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
        return {
            "address": self.address,
            "port": self.port,
            "server_name": self.server_name,
            "ok": self.ok,
            "version": self.version,
            "cipher": self.cipher,
            "alpn": self.alpn,
            "error": self.error or None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


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
    start = time.monotonic()
    sni = None if is_ip_literal(server_name) else server_name
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(
                address, port, ssl=context, server_hostname=sni or "", ssl_handshake_timeout=timeout
            )
    except TimeoutError:
        return TlsHandshake(address, port, server_name, False, error="timeout",
                            detail=f"the handshake did not finish within {timeout:g} s",
                            duration_ms=_ms(time.monotonic() - start))
    except ssl.SSLCertVerificationError as exc:
        return TlsHandshake(address, port, server_name, False, error="certificate",
                            detail=exc.verify_message or str(exc), duration_ms=_ms(time.monotonic() - start))
    except ssl.SSLError as exc:
        return TlsHandshake(address, port, server_name, False, error=_ssl_error_kind(exc),
                            detail=f"{exc.reason or type(exc).__name__}: {exc}",
                            duration_ms=_ms(time.monotonic() - start))
    except ConnectionResetError as exc:
        return TlsHandshake(address, port, server_name, False, error="reset", detail=_oserror(exc),
                            duration_ms=_ms(time.monotonic() - start))
    except (asyncio.IncompleteReadError, EOFError) as exc:
        return TlsHandshake(address, port, server_name, False, error="eof",
                            detail=f"the server closed the connection during the handshake ({type(exc).__name__})",
                            duration_ms=_ms(time.monotonic() - start))
    except OSError as exc:
        return TlsHandshake(address, port, server_name, False, error="other", detail=_oserror(exc),
                            duration_ms=_ms(time.monotonic() - start))
    ssl_object = writer.get_extra_info("ssl_object")
    cipher = ssl_object.cipher() if ssl_object else None
    result = TlsHandshake(
        address, port, server_name, True,
        version=ssl_object.version() or "" if ssl_object else "",
        cipher=cipher[0] if cipher else "",
        alpn=(ssl_object.selected_alpn_protocol() or "") if ssl_object else "",
        peer_certificate=(ssl_object.getpeercert(binary_form=True) or b"") if ssl_object else b"",
        duration_ms=_ms(time.monotonic() - start),
    )
    writer.close()
    try:
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
    except (OSError, TimeoutError, ssl.SSLError):
        pass
    return result


def _ssl_error_kind(exc: ssl.SSLError) -> str:
    reason = (exc.reason or "").upper()
    text = str(exc).upper()
    if isinstance(exc, ssl.SSLEOFError) or "UNEXPECTED_EOF" in text:
        return "eof"
    if "PROTOCOL_VERSION" in reason or "UNSUPPORTED_PROTOCOL" in reason or "NO_PROTOCOLS_AVAILABLE" in reason:
        return "protocol_version"
    if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason or "RECORD_LAYER_FAILURE" in reason:
        return "not_tls"
    if "HANDSHAKE_FAILURE" in reason or "NO_SHARED_CIPHER" in reason or "NO_CIPHERS" in reason:
        return "handshake_failure"
    return "other"


# ------------------------------------------------------------------------- certificate chain


CHAIN_LIMIT = 64 * 1024
"""Bytes a server may send before the handshake is abandoned (a 10000-name certificate is ~330 KB: too much)."""


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
        return {
            "address": self.address,
            "port": self.port,
            "server_name": self.server_name,
            "ok": self.ok,
            "version": self.version,
            "cipher": self.cipher,
            "legacy_probe": self.legacy,
            "certificates_sent": len(self.certificates),
            "stapled_ocsp": bool(self.stapled_ocsp),
            "error": self.error or None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


async def fetch_chain(
    address: str,
    port: int,
    server_name: str,
    timeout: float = TLS_TIMEOUT,
) -> ChainFetch:
    """Read the certificate chain ``address:port`` sends for SNI ``server_name``.

    One handshake that accepts any certificate and asks for a stapled OCSP
    response; when the server refuses it (a server that only speaks old
    protocols or weak keys, e.g. RSA-512 over TLS 1.3), one more limited to
    TLS 1.0-1.2 with every cipher. Only the handshake (and a close_notify) is
    ever sent on this connection.

    Python 3.11's :mod:`ssl` has neither a public way to read the chain as sent
    nor OCSP stapling, so the handshake is driven by pyOpenSSL (pyca) over
    memory BIOs on an asyncio connection: no thread, one timeout for it all.
    """
    first = await _fetch_chain_once(address, port, server_name, timeout, legacy=False)
    if first.ok or first.error in ("timeout", "refused", "unreachable", "not_tls", "too_large"):
        return first
    second = await _fetch_chain_once(address, port, server_name, timeout, legacy=True)
    return second if second.ok else first


def _chain_context(legacy: bool) -> Any:
    from OpenSSL import SSL

    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE)  # reading, not judging: see ChainFetch
    ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
    if legacy:
        ctx.set_min_proto_version(SSL.TLS1_VERSION)
        ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    else:
        ctx.set_min_proto_version(SSL.TLS1_VERSION)
    ctx.set_alpn_protos([b"http/1.1"])
    return ctx


async def _fetch_chain_once(address: str, port: int, server_name: str, timeout: float, *, legacy: bool) -> ChainFetch:
    from OpenSSL import SSL

    start = time.monotonic()
    stapled: list[bytes] = []

    def on_ocsp(_conn: Any, data: bytes, _extra: Any) -> bool:
        stapled.append(bytes(data))
        return True  # never abort: the staple is judged later, not here

    def failed(error: str, detail: str) -> ChainFetch:
        return ChainFetch(address, port, server_name, False, legacy=legacy, error=error, detail=detail,
                          duration_ms=_ms(time.monotonic() - start))

    ctx = _chain_context(legacy)
    ctx.set_ocsp_client_callback(on_ocsp)
    conn = SSL.Connection(ctx, None)
    conn.set_connect_state()
    if not is_ip_literal(server_name):
        with contextlib.suppress(UnicodeError, ValueError):  # a name that cannot be SNI is sent without it
            conn.set_tlsext_host_name(server_name.encode("ascii"))
    conn.request_ocsp()
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(address, port)
            received = 0
            while True:
                try:
                    conn.do_handshake()
                    break
                except SSL.WantReadError:
                    pass
                await _flush_bio(conn, writer)
                data = await reader.read(16384)
                if not data:
                    return failed("eof", "the server closed the connection during the handshake")
                received += len(data)
                if received > CHAIN_LIMIT * 8:
                    return failed("too_large", f"the server sent more than {CHAIN_LIMIT * 8} bytes during the handshake")
                conn.bio_write(data)
            await _flush_bio(conn, writer)
            chain = conn.get_peer_cert_chain(as_cryptography=True) or []
            from cryptography.hazmat.primitives.serialization import Encoding

            result = ChainFetch(
                address, port, server_name, True,
                certificates=tuple(c.public_bytes(Encoding.DER) for c in chain),
                stapled_ocsp=stapled[0] if stapled else b"",
                version=conn.get_protocol_version_name() or "",
                cipher=conn.get_cipher_name() or "",
                legacy=legacy,
                duration_ms=_ms(time.monotonic() - start),
            )
            with contextlib.suppress(SSL.Error):
                conn.shutdown()
            with contextlib.suppress(OSError, SSL.Error):
                await _flush_bio(conn, writer)
            return result
    except TimeoutError:
        return failed("timeout", f"the handshake did not finish within {timeout:g} s")
    except ConnectionRefusedError as exc:
        return failed("refused", _oserror(exc))
    except SSL.Error as exc:
        return failed(_pyopenssl_error_kind(exc), _pyopenssl_error_text(exc))
    except ConnectionResetError as exc:
        return failed("reset", _oserror(exc))
    except OSError as exc:
        kind = "unreachable" if exc.errno in _UNREACHABLE_ERRNOS else "other"
        return failed(kind, _oserror(exc))
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()


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


def _pyopenssl_error_text(exc: Exception) -> str:
    parts = []
    for item in exc.args[0] if exc.args and isinstance(exc.args[0], list) else []:
        if isinstance(item, tuple) and len(item) == 3:
            parts.append(str(item[2]))
    return ", ".join(parts) or str(exc) or type(exc).__name__


def _pyopenssl_error_kind(exc: Exception) -> str:
    text = _pyopenssl_error_text(exc).upper()
    if "WRONG VERSION NUMBER" in text or "HTTP REQUEST" in text or "RECORD LAYER FAILURE" in text:
        return "not_tls"
    if "PROTOCOL VERSION" in text or "UNSUPPORTED PROTOCOL" in text:
        return "protocol_version"
    if "HANDSHAKE FAILURE" in text or "NO SHARED CIPHER" in text:
        return "handshake_failure"
    if "EXCESSIVE MESSAGE SIZE" in text:
        return "too_large"
    return "other"


# ------------------------------------------------------------------------- HTTP


@dataclass(frozen=True, slots=True)
class BoundedBody:
    """The first bytes of a response body, and whether there was more."""

    data: bytes
    truncated: bool


async def read_bounded(response: httpx.Response, limit: int = MAX_BODY) -> BoundedBody:
    """Read at most ``limit`` bytes of a streamed response body, then stop.

    An endless body costs ``limit`` bytes of memory and the check's timeout,
    not more.
    """
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            truncated = True
            break
    await response.aclose()
    return BoundedBody(b"".join(chunks)[:limit], truncated)


class _ResolvingBackend:
    """An httpcore network backend that resolves names through the run's resolvers.

    Pinned names (``--resolve``) go to their pinned address; other names are
    looked up with the same resolver the checks use (the system's, or the
    lab's), so an HTTP request never takes a different path from the DNS step
    and a test never leaks a lookup to the real network. The URL, the ``Host``
    header and TLS SNI keep the name, as with curl's ``--resolve``.
    """

    def __init__(self, net: Net, on_connect: Callable[[str, int, str], None] | None) -> None:
        import httpcore

        self._inner = httpcore.AnyIOBackend()
        self._net = net
        self._on_connect = on_connect

    async def _addresses(self, host: str, port: int) -> list[str]:
        import httpcore

        name = host.strip("[]")
        if is_ip_literal(name):
            return [name]
        lookup = await self._net.resolver_for(name, port).lookup(name)
        if not lookup.ok:
            raise httpcore.ConnectError(f"cannot resolve {name}: {lookup.detail or lookup.error}")
        return list(lookup.addresses)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> Any:
        import httpcore

        last: Exception | None = None
        for address in (await self._addresses(host, port))[:4]:
            try:
                stream = await self._inner.connect_tcp(address, port, timeout=timeout,
                                                       local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            if self._on_connect is not None:
                self._on_connect(host, port, address)
            return stream
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        return await self._inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True, slots=True)
class UdpReply:
    """One datagram exchange: the reply, who sent it, and when it went out and came back."""

    data: bytes
    peer: str
    sent: float
    received: float


# ------------------------------------------------------------------------- Net


@dataclass
class Net:
    """Network factory for one run, configured from :class:`Settings`.

    **Parameters:**

    * ``settings``: pins, extra CA files, DNS and NTP servers.
    * ``system_resolver``: replaces the operating system's resolver (the lab
      makes its DNS server the "system" one).
    * ``proxy_env``: replaces the proxy settings read from the environment
      (``{"https": "http://proxy:3128", "no": "localhost"}``); None reads them.
    * ``system_trust``: PEM files that stand in for the operating system's
      trust store (the lab simulates a root installed on the device, as TLS
      inspection products and adware do); None uses the real store.
    """

    settings: Settings = field(default_factory=Settings)
    system_resolver: Resolver | None = None
    proxy_env: dict[str, str] | None = None
    system_trust: tuple[Path, ...] | None = None
    _verified: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    # -- resolution ---------------------------------------------------------------

    def resolver_for(self, host: str, port: int) -> Resolver:
        """The resolver a browser would effectively use for ``host:port``: the pin, or the system's."""
        pin = self.settings.pinned(host, port)
        if pin is not None:
            return PinnedResolver(pin.addresses)
        return self.system()

    def system(self) -> Resolver:
        return self.system_resolver or SystemResolver()

    def extra_resolvers(self) -> list[Resolver]:
        """One resolver per ``--dns-server``, to compare with the system's."""
        return [DnsServerResolver(e.host, e.port) for e in self.settings.dns_servers]

    # -- TLS ------------------------------------------------------------------------

    def verified_context(self) -> ssl.SSLContext:
        """What a browser trusts: the operating system's store (truststore) plus ``--ca-file``."""
        if self._verified is None:
            if self.system_trust is not None:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                for path in self.system_trust:
                    ctx.load_verify_locations(cafile=str(path))
            else:
                import truststore

                ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            for path in self.settings.ca_files:
                ctx.load_verify_locations(cafile=str(path))
            ctx.set_alpn_protocols(["http/1.1"])
            self._verified = ctx
        return self._verified

    # -- proxies ----------------------------------------------------------------------

    def proxies(self) -> dict[str, str]:
        """Proxy settings in effect (environment, or the OS settings urllib reads)."""
        if self.proxy_env is not None:
            return dict(self.proxy_env)
        import urllib.request

        return {k: v for k, v in urllib.request.getproxies().items() if v}

    def proxy_for(self, url: str) -> str | None:
        """The proxy an HTTP request to ``url`` goes through, or None for a direct connection."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        proxies = self.proxies()
        host = (parts.hostname or "").lower()
        if host and _bypassed(host, proxies.get("no", "")):
            return None
        return proxies.get(parts.scheme) or proxies.get("all")

    # -- HTTP -------------------------------------------------------------------------

    def http_client(
        self,
        *,
        verify: bool = True,
        timeout: float = HTTP_TIMEOUT,
        proxy: str | None = None,
        on_connect: Callable[[str, int, str], None] | None = None,
    ) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that resolves through the run's resolvers and honours
        pins, trust settings and the given proxy.

        Redirects are never followed automatically (checks walk them hop by
        hop), no cookies are kept (checks that need a jar keep their own), and
        no credentials are ever attached.
        """
        import httpx

        ctx: ssl.SSLContext = self.verified_context() if verify else handshake_context()
        transport = httpx.AsyncHTTPTransport(verify=ctx, retries=0, proxy=proxy, trust_env=False)
        pool = transport._pool
        if not hasattr(pool, "_network_backend"):  # pragma: no cover - guards an httpcore change
            raise RuntimeError("unsupported httpcore version: cannot apply --resolve pins")
        pool._network_backend = cast("httpcore.AsyncNetworkBackend", _ResolvingBackend(self, on_connect))
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, TCP_TIMEOUT)),
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8"},
            cookies=None,
        )

    # -- UDP ------------------------------------------------------------------------

    async def udp_exchange(self, host: str, port: int, payload: bytes, timeout: float) -> tuple[bytes, str]:
        """Send one datagram and wait for one reply; returns (reply, peer address).

        ``host`` must already be an address (resolve names with a resolver
        first, so pins and the system resolver apply).
        """
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        reply: asyncio.Future[tuple[bytes, str]] = loop.create_future()

        class _Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
                if not reply.done():
                    reply.set_result((data, str(addr[0])))

            def error_received(self, exc: Exception) -> None:
                if not reply.done():
                    reply.set_exception(exc)

        transport, _ = await loop.create_datagram_endpoint(_Proto, remote_addr=(host, port), family=family)
        try:
            transport.sendto(payload)
            async with asyncio.timeout(timeout):
                return await reply
        finally:
            transport.close()

    async def udp_exchange_timed(
        self, host: str, port: int, payload: bytes, timeout: float, now: Callable[[], float]
    ) -> UdpReply:
        """:meth:`udp_exchange`, plus when the datagram left and when the reply arrived.

        Both instants are read with ``now`` as close to the socket as the event
        loop allows (right at ``sendto`` and in ``datagram_received``), not
        around the awaits: an NTP client's T1 and T4, where every millisecond
        spent setting up the socket or waking the task would become error.
        """
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        reply: asyncio.Future[tuple[bytes, str, float]] = loop.create_future()

        class _Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
                if not reply.done():
                    reply.set_result((data, str(addr[0]), now()))

            def error_received(self, exc: Exception) -> None:
                if not reply.done():
                    reply.set_exception(exc)

        transport, _ = await loop.create_datagram_endpoint(_Proto, remote_addr=(host, port), family=family)
        try:
            sent = now()
            transport.sendto(payload)
            async with asyncio.timeout(timeout):
                data, peer, received = await reply
            return UdpReply(data, peer, sent, received)
        finally:
            transport.close()

    # -- description ------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """How this run reaches the network, for the report's environment section."""
        proxies = self.proxies()
        return {
            "proxy": {k: _redact_proxy(v) for k, v in proxies.items()} or None,
            "resolvers": (
                [self.system().label] + [r.label for r in self.extra_resolvers()]
            ),
            "pins": [
                f"{p.host}:{p.port} -> {', '.join(p.addresses)}" for p in self.settings.pins
            ],
            "trust_stores": (
                ["operating system (truststore)"] if self.system_trust is None
                else [f"simulated operating system store {p.name}" for p in self.system_trust]
            )
            + [f"--ca-file {p}" for p in self.settings.ca_files],
        }


# ------------------------------------------------------------------------- helpers


def has_default_route() -> bool | None:
    """Whether the routing table has any default route (None when it cannot be read).

    Reads ``/proc/net/route`` and ``/proc/net/ipv6_route`` on Linux; no packet
    is sent. Elsewhere the answer is None and callers rely on the DNS evidence.
    """
    found_table = False
    try:
        with open("/proc/net/route", encoding="ascii") as fh:
            found_table = True
            for line in fh.readlines()[1:]:
                fields = line.split()
                if len(fields) > 2 and fields[1] == "00000000" and fields[0] != "lo":
                    return True
    except OSError:
        pass
    try:
        with open("/proc/net/ipv6_route", encoding="ascii") as fh:
            found_table = True
            for line in fh:
                fields = line.split()
                if len(fields) >= 10 and fields[0] == "0" * 32 and fields[1] == "00" and fields[9] != "lo":
                    return True
    except OSError:
        pass
    return False if found_table else None


def is_bogon(address: str) -> bool:
    """An address a public name should never resolve to (sinkhole, loopback, private)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private or ip.is_loopback or ip.is_unspecified or ip.is_link_local
        or ip.is_reserved or ip.is_multicast
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def is_sinkhole(address: str) -> bool:
    """0.0.0.0 or :: — the answer DNS filters give for a blocked name."""
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def _bypassed(host: str, no_proxy: str) -> bool:
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.lstrip(".").split(":")[0]
        if host == entry or host.endswith("." + entry):
            return True
    return False


def _redact_proxy(url: str) -> str:
    from diagnose.redact import redact_url

    return redact_url(url)


def is_ip_literal(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


def is_certificate_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) is a failed certificate verification.

    httpx wraps ssl errors in its own types, so the cause chain is walked.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _oserror(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, "")
    text = exc.strerror or str(exc) or type(exc).__name__
    return f"{name}: {text}" if name else text


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


async def _in_daemon_thread(fn: Callable[[], Any], timeout: float) -> Any:
    """Run a blocking call in a daemon thread and wait at most ``timeout`` for it.

    Unlike ``run_in_executor``, an abandoned call (a hung ``getaddrinfo``)
    neither blocks the event loop's shutdown nor the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def work() -> None:
        try:
            value, ok = fn(), True
        except BaseException as exc:  # delivered to the awaiting coroutine
            value, ok = exc, False
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
            loop.call_soon_threadsafe(deliver, ok, value)

    threading.Thread(target=work, name="login-doctor-resolver", daemon=True).start()
    async with asyncio.timeout(timeout):
        return await future
