"""TLS: a handshake that says whether TLS works, as the browser would negotiate it.

The connection never judges the certificate or carries application data; the
verdicts are the checks' job. Reading the chain as sent is :mod:`.chain`
(re-exported here).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import ssl
import sys
import warnings
from dataclasses import dataclass, replace
from typing import Any

from diagnose.net import chromium
from diagnose.net.addresses import is_ip_literal
from diagnose.net.chain import (
    CHAIN_LIMIT,
    HANDSHAKE_ERRORS,
    MEASURE_TIMEOUT,
    ChainFetch,
    fetch_chain,
    handshake_evidence,
    too_large_detail,
)
from diagnose.net.errors import FailureKind, classify
from diagnose.net.flight import CertificateMessage, measure_certificate_message
from diagnose.net.timing import Stopwatch, close_quietly

__all__ = ["CHAIN_LIMIT", "DISTRO_BUNDLES", "TLS_TIMEOUT", "ChainFetch", "TlsHandshake", "fetch_chain",
           "handshake_context", "system_context", "tls_handshake"]

TLS_TIMEOUT = chromium.HANDSHAKE_TIMEOUT
"""A handshake's own limit: the browser's (the run's deadline usually ends it sooner)."""


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
    certificate_message: CertificateMessage | None = None
    """With ``too_large``: how large the server's Certificate message was, when it could be measured."""

    def as_evidence(self) -> dict[str, Any]:
        return handshake_evidence(self, alpn=self.alpn)

    @property
    def obsolete(self) -> tuple[str, ...]:
        """What Chromium calls obsolete about this connection (``protocol``, ``key exchange``, ``cipher``)."""
        return chromium.obsolete(self.cipher, self.version) if self.ok else ()


DISTRO_BUNDLES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
"""truststore's fallback list (``src/truststore/_openssl.py``) when OpenSSL's defaults hold nothing."""


def system_context() -> ssl.SSLContext:
    """A client context that trusts what the operating system trusts.

    On Linux that is what truststore does, done once: OpenSSL's default CA file or directory, else
    the first distribution bundle found. truststore repeats it for every handshake (it reloads and
    re-parses the whole bundle: about 35 ms a connection, every hop of a redirect walk); a browser
    loads its store once. Elsewhere truststore asks the system's own verifier (Windows CryptoAPI,
    macOS Security framework), which has no such cost.
    """
    if not sys.platform.startswith("linux"):  # pragma: no cover - not reachable on the test machine
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile or (defaults.capath and _holds_certificates(defaults.capath)):
        ctx.set_default_verify_paths()
    else:
        bundle = next((path for path in DISTRO_BUNDLES if os.path.isfile(path)), None)
        if bundle is not None:
            ctx.load_verify_locations(cafile=bundle)
    return ctx


_HASHED_NAME = re.compile(r"[0-9a-fA-F]{8}\.[0-9]")


def _holds_certificates(capath: str) -> bool:
    """A hashed CA directory (``<8 hex digits>.<n>`` entries), as truststore tests it."""
    try:
        return any(_HASHED_NAME.fullmatch(name) for name in os.listdir(capath))
    except OSError:
        return False


def handshake_context(*, legacy: bool = False) -> ssl.SSLContext:
    """A context that completes a handshake without judging the certificate.

    Used to see whether TLS works at all; the verdict on the certificate is
    made separately, never from this connection. It offers what Chromium
    offers (TLS 1.2 and 1.3, Chromium's cipher suites: :mod:`diagnose.net.chromium`),
    so it connects where the browser does and fails where it fails. With
    ``legacy`` it accepts TLS 1.0 to 1.2 and every cipher instead, to learn whether
    a server offers *only* what browsers refuse (an old protocol, or a suite such as DHE
    that Chromium no longer offers).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    browser_suites(ctx)
    if legacy:
        # Offering TLS 1.0/1.1 on purpose, to detect servers stuck there: Python's
        # DeprecationWarning for these versions is expected here, not a problem to report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with contextlib.suppress(ssl.SSLError):
            ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def browser_suites(ctx: ssl.SSLContext) -> None:
    """Offer what Chromium offers: TLS 1.2 at least, and its cipher suites (static RSA key
    exchange and CBC included, which Python's default list leaves out; no DHE, no 3DES)."""
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(chromium.cipher_string())


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
        failed = _handshake_failed(address, port, server_name, exc, timeout, watch)
        if failed.error == FailureKind.TOO_LARGE.value:
            measured = await measure_certificate_message(address, port, server_name, min(timeout, MEASURE_TIMEOUT))
            failed = replace(failed, certificate_message=measured, detail=too_large_detail(measured))
        return failed
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
