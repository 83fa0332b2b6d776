"""Revocation: CRLs and OCSP when a certificate names them, and a stapled OCSP response.

Browsers mostly soft-fail (an unreachable responder is not an error); so does
this check: only an answer that is *signed by the issuer* (or by a responder
the issuer delegated to) and says "revoked" becomes a finding. Every source
tried, and what it said, goes into the details.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from checks._certificate.describe import Cert, extension, iso, issued_by
from checks._certificate.fetch import http_get
from diagnose.net import Net

CRL_LIMIT = 4 * 1024 * 1024
OCSP_LIMIT = 64 * 1024
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Revocation:
    """What one source said about one certificate."""

    source: str
    """``stapled_ocsp``, ``ocsp`` or ``crl``."""
    certificate: Cert
    status: str
    """``good``, ``revoked``, ``unknown`` (the responder does not know it) or ``error``."""
    url: str = ""
    detail: str = ""
    revoked_at: str = ""
    reason: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "certificate": self.certificate.subject,
            "fingerprint_sha256": self.certificate.fingerprint,
            "status": self.status,
            "url": self.url or None,
            "detail": self.detail or None,
            "revoked_at": self.revoked_at or None,
            "reason": self.reason or None,
        }


def judge_ocsp(source: str, der: bytes, cert: Cert, issuer: Cert, now: dt.datetime, url: str = "") -> Revocation:
    """Read an OCSP response about ``cert`` and trust it only if the issuer (or its delegate) signed it."""
    def result(status: str, detail: str = "", **kw: str) -> Revocation:
        return Revocation(source, cert, status, url, detail, **kw)

    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        return result("error", f"not an OCSP response: {exc}")
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return result("error", f"the responder answered {response.response_status.name.lower()}")
    signer = _ocsp_signer(response, issuer)
    if signer is None:
        return result("error", "the response is not signed by the issuer or a responder it delegated to")
    single = next((r for r in response.responses if _same_certificate(r, cert, issuer)), None)
    if single is None:
        return result("error", "the response is about another certificate")
    if single.this_update_utc > now + CLOCK_TOLERANCE:
        return result("error", f"the response is dated in the future ({iso(single.this_update_utc)})")
    if single.next_update_utc is not None and single.next_update_utc < now - CLOCK_TOLERANCE:
        stale = f"the response is out of date (next update was {iso(single.next_update_utc)})"
        if single.certificate_status != ocsp.OCSPCertStatus.REVOKED:
            return result("error", stale)
    if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        when = single.revocation_time_utc
        reason = single.revocation_reason
        return result(
            "revoked", "",
            revoked_at=iso(when) if when else "",
            reason=reason.name if reason is not None else "",
        )
    if single.certificate_status == ocsp.OCSPCertStatus.UNKNOWN:
        return result("unknown", "the responder does not know this certificate")
    return result("good")


def _ocsp_signer(response: ocsp.OCSPResponse, issuer: Cert) -> x509.Certificate | None:
    """The certificate whose key signed ``response``, if the issuer or its delegate signed it."""
    candidates = [issuer.cert]
    for delegate in response.certificates:
        eku = extension(delegate, x509.ExtendedKeyUsage)
        if eku is not None and ExtendedKeyUsageOID.OCSP_SIGNING in eku and issued_by(delegate, issuer.cert):
            candidates.append(delegate)
    for candidate in candidates:
        if _signature_ok(candidate, response.signature, response.tbs_response_bytes, response.signature_hash_algorithm):
            return candidate
    return None


def _signature_ok(signer: x509.Certificate, signature: bytes, data: bytes, digest: hashes.HashAlgorithm | None) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and digest is not None:
            key.verify(signature, data, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey) and digest is not None:
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, data)
        else:
            return False
    except Exception:
        return False
    return True


def _same_certificate(single: ocsp.OCSPSingleResponse, cert: Cert, issuer: Cert) -> bool:
    """Whether ``single`` is about ``cert`` as issued by ``issuer`` (serial and issuer hashes)."""
    if single.serial_number != cert.serial:
        return False
    expected = ocsp.OCSPRequestBuilder().add_certificate(cert.cert, issuer.cert, single.hash_algorithm).build()
    return (expected.issuer_key_hash == single.issuer_key_hash
            and expected.issuer_name_hash == single.issuer_name_hash)


async def check_ocsp(net: Net, cert: Cert, issuer: Cert, now: dt.datetime) -> list[Revocation]:
    """Ask every OCSP responder the certificate names (GET, RFC 6960 A.1)."""
    out = []
    for url in cert.urls(AuthorityInformationAccessOID.OCSP)[:2]:
        request = ocsp.OCSPRequestBuilder().add_certificate(cert.cert, issuer.cert, hashes.SHA1()).build()
        encoded = quote(base64.b64encode(request.public_bytes(serialization.Encoding.DER)).decode("ascii"), safe="")
        fetched = await http_get(net, url.rstrip("/") + "/" + encoded, OCSP_LIMIT)
        if not fetched.ok:
            out.append(Revocation("ocsp", cert, "error", url, f"no answer: {fetched.error}"))
            continue
        out.append(judge_ocsp("ocsp", fetched.data, cert, issuer, now, url))
    return out


async def check_crl(net: Net, cert: Cert, issuer: Cert, now: dt.datetime) -> list[Revocation]:
    """Fetch every CRL the certificate names and look for its serial number."""
    out = []
    for url in cert.crl_urls[:2]:
        fetched = await http_get(net, url, CRL_LIMIT)
        if not fetched.ok:
            out.append(Revocation("crl", cert, "error", url, f"not fetched: {fetched.error}"))
            continue
        out.append(judge_crl(fetched.data, cert, issuer, now, url))
    return out


def judge_crl(data: bytes, cert: Cert, issuer: Cert, now: dt.datetime, url: str = "") -> Revocation:
    """Look for ``cert`` in a CRL, trusting the CRL only if ``issuer`` signed it."""
    try:
        crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----BEGIN")
               else x509.load_der_x509_crl(data))
    except ValueError as exc:
        return Revocation("crl", cert, "error", url, f"not a CRL: {exc}")
    if crl.issuer != issuer.cert.subject:
        return Revocation("crl", cert, "error", url, "the CRL is from another issuer")
    try:
        signed = crl.is_signature_valid(issuer.cert.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        signed = False
    if not signed:
        return Revocation("crl", cert, "error", url, "the CRL is not signed by the issuer")
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial)
    if entry is not None:
        reason = extension_reason(entry)
        return Revocation("crl", cert, "revoked", url, "", iso(entry.revocation_date_utc), reason)
    if crl.next_update_utc is not None and crl.next_update_utc < now - CLOCK_TOLERANCE:
        return Revocation("crl", cert, "error", url, f"the CRL is out of date (next update was {iso(crl.next_update_utc)})")
    return Revocation("crl", cert, "good", url)


def extension_reason(entry: x509.RevokedCertificate) -> str:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except (x509.ExtensionNotFound, ValueError):
        return ""
