"""Revocation for the lab: a CRL served over HTTP, an OCSP responder, and a TLS
server that staples an OCSP response.

All three answer on loopback and are built with ``cryptography``'s CRL and
OCSP builders; the stapling server uses pyOpenSSL because Python's ``ssl``
cannot staple. They serve the certificate scenarios (revoked by CRL, by
OCSP, by a stapled response) and their healthy counterparts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from diagnose.lab.pki import CertificateAuthority, Issued, now
from diagnose.lab.servers import Handler, LabRequest, LabResponse, write_response


def make_crl(ca: CertificateAuthority, revoked: Sequence[x509.Certificate], *,
             reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise) -> bytes:
    """A DER CRL from ``ca`` listing ``revoked`` (revoked yesterday), valid for a week."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now() - dt.timedelta(hours=1))
        .next_update(now() + dt.timedelta(days=7))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now() - dt.timedelta(days=1))
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
        )
    crl = builder.sign(ca.key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


def crl_handler(ca: CertificateAuthority, revoked: Sequence[x509.Certificate]) -> Handler:
    """Serve the CRL at any path, as ``application/pkix-crl``."""
    body = make_crl(ca, revoked)

    def handle(request: LabRequest) -> LabResponse:
        return LabResponse(200, [("Content-Type", "application/pkix-crl")], body)

    return handle


def ocsp_answer(ca: CertificateAuthority, cert: x509.Certificate, *, revoked: bool,
                hash_algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    """A DER OCSP response from ``ca`` saying ``cert`` is good or revoked (key compromise, yesterday)."""
    status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert,
        issuer=ca.certificate,
        algorithm=hash_algorithm or hashes.SHA1(),
        cert_status=status,
        this_update=now() - dt.timedelta(minutes=1),
        next_update=now() + dt.timedelta(days=1),
        revocation_time=now() - dt.timedelta(days=1) if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def ocsp_handler(ca: CertificateAuthority, revoked: Callable[[int], bool]) -> Handler:
    """An OCSP responder for GET requests (RFC 6960 A.1): ``/<base64 of the DER request>``.

    ``revoked(serial)`` decides the answer; unknown issuers get ``unauthorized``.
    """
    def handle(request: LabRequest) -> LabResponse:
        encoded = unquote(request.path.rsplit("/", 1)[-1])
        try:
            parsed = ocsp.load_der_ocsp_request(base64.b64decode(encoded))
        except (ValueError, binascii.Error):
            return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        # The key hash depends only on the issuer's key, so a request "about" the CA itself gives ours.
        ours = ocsp.OCSPRequestBuilder().add_certificate(ca.certificate, ca.certificate, parsed.hash_algorithm).build()
        if parsed.issuer_key_hash != ours.issuer_key_hash:
            return _ocsp_error(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        status = ocsp.OCSPCertStatus.REVOKED if revoked(parsed.serial_number) else ocsp.OCSPCertStatus.GOOD
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=parsed.issuer_name_hash,
            issuer_key_hash=parsed.issuer_key_hash,
            serial_number=parsed.serial_number,
            algorithm=parsed.hash_algorithm,
            cert_status=status,
            this_update=now() - dt.timedelta(minutes=1),
            next_update=now() + dt.timedelta(days=1),
            revocation_time=now() - dt.timedelta(days=1) if status == ocsp.OCSPCertStatus.REVOKED else None,
            revocation_reason=(x509.ReasonFlags.key_compromise
                               if status == ocsp.OCSPCertStatus.REVOKED else None),
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
        body = builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return LabResponse(200, [("Content-Type", "application/ocsp-response")], body)

    return handle


def _ocsp_error(status: ocsp.OCSPResponseStatus) -> LabResponse:
    body = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
    return LabResponse(200, [("Content-Type", "application/ocsp-response")], body)


def stapling_tls(issued: Issued, staple: bytes, handler: Handler, *, chain: Sequence[x509.Certificate] | None = None,
                 ) -> Callable[[Any, Any], Any]:
    """A raw :class:`~diagnose.lab.servers.LabServer` behaviour: TLS with ``staple`` as the
    stapled OCSP response, then one HTTP/1.1 exchange answered by ``handler``.

    pyOpenSSL drives the handshake over memory BIOs on the asyncio stream, so
    the server stays in the lab's event loop.
    """
    import asyncio
    import inspect

    from OpenSSL import SSL

    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.use_certificate(issued.certificate)
    for cert in (chain if chain is not None else issued.chain[:-1]):
        ctx.add_extra_chain_cert(cert)
    ctx.use_privatekey(issued.key)
    ctx.set_alpn_select_callback(lambda _conn, offered: b"http/1.1" if b"http/1.1" in offered else SSL.NO_OVERLAPPING_PROTOCOLS)
    ctx.set_ocsp_server_callback(lambda _conn, _data: staple)

    async def pump(conn: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                out = conn.bio_read(65536)
            except SSL.WantReadError:
                break
            writer.write(out)
        await writer.drain()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = SSL.Connection(ctx, None)
        conn.set_accept_state()
        async with asyncio.timeout(10):
            while True:
                try:
                    conn.do_handshake()
                    break
                except SSL.WantReadError:
                    await pump(conn, reader, writer)
                    data = await reader.read(65536)
                    if not data:
                        return
                    conn.bio_write(data)
            await pump(conn, reader, writer)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                try:
                    head += conn.recv(65536)
                    continue
                except SSL.WantReadError:
                    pass
                except (SSL.ZeroReturnError, SSL.Error):
                    return
                await pump(conn, reader, writer)
                data = await reader.read(65536)
                if not data:
                    return
                conn.bio_write(data)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = [*lines[0].split(" "), "", "", ""][:3]
        headers = tuple(
            (name.strip(), value.strip())
            for name, sep, value in (line.partition(":") for line in lines[1:] if line) if sep
        )
        request = LabRequest(method, target, headers, "https", writer.get_extra_info("sockname")[1])
        result = handler(request)
        response = await result if inspect.isawaitable(result) else result
        plain = _Collect()
        await write_response(plain, response, head_only=method == "HEAD")  # type: ignore[arg-type]
        conn.sendall(plain.data)
        await pump(conn, reader, writer)

    return serve


class _Collect:
    """Just enough of a StreamWriter for :func:`write_response` to serialise into bytes."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        return None
