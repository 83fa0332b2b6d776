"""Parse certificates and describe them for the report.

Every description is plain JSON (strings, numbers, lists) so that scripts can
read the chain from the report: subject, issuer, names, validity, key,
signature algorithm and SHA-256 fingerprint of each certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ObjectIdentifier

from checks._certificate.generalnames import Name, ip_text

if TYPE_CHECKING:
    from checks._certificate.parsing import Reading

SAN_OID = "2.5.29.17"

# Signature algorithm OID → (key algorithm, hash). Hashes named here in upper
# case; MD2/MD4/MD5 and SHA-1 are the ones browsers reject (judges.py).
SIGNATURE_ALGORITHMS: dict[str, tuple[str, str]] = {
    "1.2.840.113549.1.1.2": ("RSA", "MD2"),
    "1.2.840.113549.1.1.3": ("RSA", "MD4"),
    "1.2.840.113549.1.1.4": ("RSA", "MD5"),
    "1.2.840.113549.1.1.5": ("RSA", "SHA1"),
    "1.3.14.3.2.29": ("RSA", "SHA1"),  # the old OIW sha1WithRSA (eDellRoot uses it)
    "1.2.840.113549.1.1.14": ("RSA", "SHA224"),
    "1.2.840.113549.1.1.11": ("RSA", "SHA256"),
    "1.2.840.113549.1.1.12": ("RSA", "SHA384"),
    "1.2.840.113549.1.1.13": ("RSA", "SHA512"),
    "1.2.840.113549.1.1.10": ("RSA-PSS", ""),
    "1.2.840.10045.4.1": ("ECDSA", "SHA1"),
    "1.2.840.10045.4.3.1": ("ECDSA", "SHA224"),
    "1.2.840.10045.4.3.2": ("ECDSA", "SHA256"),
    "1.2.840.10045.4.3.3": ("ECDSA", "SHA384"),
    "1.2.840.10045.4.3.4": ("ECDSA", "SHA512"),
    "1.2.840.10040.4.3": ("DSA", "SHA1"),
    "2.16.840.1.101.3.4.3.2": ("DSA", "SHA256"),
    "1.3.101.112": ("Ed25519", ""),
    "1.3.101.113": ("Ed448", ""),
}


_E = TypeVar("_E", bound=x509.ExtensionType)


def load_der(data: bytes) -> x509.Certificate:
    """Parse one DER certificate; cryptography's deprecation warnings about
    lax encodings (negative serials) are not this tool's business."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(data)


@dataclass(frozen=True, eq=False)
class Cert:
    """A certificate and where it came from: ``sent`` (position in the server's list), ``aia``, or a trust store."""

    cert: x509.Certificate
    source: str = "sent"
    position: int | None = None

    @cached_property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @cached_property
    def subject_key(self) -> bytes:
        """The subject's DER encoding: the key issuers are looked up by (computed once per certificate)."""
        return self.cert.subject.public_bytes()

    @cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def spki_sha256(self) -> str:
        return hashlib.sha256(self.spki_der).hexdigest()

    @property
    def subject(self) -> str:
        return _rfc4514(self.cert.subject)

    @property
    def issuer(self) -> str:
        return _rfc4514(self.cert.issuer)

    @property
    def not_before(self) -> dt.datetime:
        return self.cert.not_valid_before_utc

    @property
    def not_after(self) -> dt.datetime:
        return self.cert.not_valid_after_utc

    @cached_property
    def reading(self) -> Reading:
        """The certificate read extension by extension, with what Chromium would refuse in it."""
        from checks._certificate.parsing import read_certificate

        return read_certificate(self.cert)

    @cached_property
    def subject_name(self) -> Name | None:
        """The subject normalised as Chromium compares names (None: unreadable)."""
        return self.reading.subject

    @cached_property
    def issuer_name(self) -> Name | None:
        return self.reading.issuer

    @cached_property
    def spki_der(self) -> bytes:
        return _spki(self.cert)

    @cached_property
    def path_key(self) -> tuple[object, ...]:
        """Chromium's identity of a certificate on a path: subject, subjectAltName and key."""
        raw = self.reading.raw
        san = next((e.value for e in raw.extensions if e.oid == SAN_OID), b"") if raw is not None else b""
        return (self.subject_name, san, self.spki_der)

    @cached_property
    def serial(self) -> int:
        """The serial number as encoded (zero and negative ones too, which cryptography warns about)."""
        raw = self.reading.raw
        if raw is not None:
            return int.from_bytes(raw.serial, "big", signed=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.cert.serial_number

    @cached_property
    def self_issued(self) -> bool:
        if self.subject_name is not None and self.issuer_name is not None:
            return self.subject_name == self.issuer_name
        return self.cert.subject == self.cert.issuer

    @cached_property
    def is_ca(self) -> bool:
        bc = extension(self.cert, x509.BasicConstraints)
        return bool(bc is not None and bc.ca)

    @cached_property
    def has_san(self) -> bool:
        return self.reading.has(SAN_OID)

    @cached_property
    def dns_names(self) -> list[str]:
        """DNS names of the subjectAltName, read as Chromium reads them."""
        san = self.reading.san
        return list(san.dns) if san is not None else []

    @cached_property
    def ip_names(self) -> list[str]:
        san = self.reading.san
        return [ip_text(ip) for ip in san.ips] if san is not None else []

    @cached_property
    def common_names(self) -> list[str]:
        from cryptography.x509.oid import NameOID

        return [str(a.value) for a in self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]

    @cached_property
    def signature(self) -> tuple[str, str]:
        """(key algorithm, hash) of the signature on this certificate; hash '' when intrinsic."""
        oid = self.cert.signature_algorithm_oid.dotted_string
        known = SIGNATURE_ALGORITHMS.get(oid)
        if known is None:
            return (oid, "")
        if known[0] == "RSA-PSS":
            try:
                algorithm = self.cert.signature_hash_algorithm
            except Exception:
                return known
            return ("RSA-PSS", algorithm.name.upper().replace("-", "") if algorithm else "")
        return known

    @property
    def signature_name(self) -> str:
        key, digest = self.signature
        return f"{key}-{digest}" if digest else key

    @cached_property
    def key(self) -> dict[str, Any]:
        """Key type and size: ``{"type": "RSA", "bits": 2048}``, ``{"type": "EC", "bits": 256, "curve": "secp256r1"}``."""
        try:
            public = self.cert.public_key()
        except Exception as exc:  # an algorithm this build cannot load
            return {"type": "unknown", "bits": None, "detail": str(exc)}
        if isinstance(public, rsa.RSAPublicKey):
            return {"type": "RSA", "bits": public.key_size, "exponent": public.public_numbers().e}
        if isinstance(public, ec.EllipticCurvePublicKey):
            return {"type": "EC", "bits": public.curve.key_size, "curve": public.curve.name}
        if isinstance(public, dsa.DSAPublicKey):
            return {"type": "DSA", "bits": public.key_size}
        if isinstance(public, ed25519.Ed25519PublicKey):
            return {"type": "Ed25519", "bits": 256}
        if isinstance(public, ed448.Ed448PublicKey):
            return {"type": "Ed448", "bits": 456}
        return {"type": type(public).__name__, "bits": None}

    def urls(self, method: ObjectIdentifier) -> list[str]:
        """Addresses in the Authority Information Access extension for ``method`` (OCSP, caIssuers)."""
        aia = extension(self.cert, x509.AuthorityInformationAccess)
        if aia is None:
            return []
        return [
            str(d.access_location.value)
            for d in aia
            if d.access_method == method and isinstance(d.access_location, x509.UniformResourceIdentifier)
        ]

    @cached_property
    def crl_urls(self) -> list[str]:
        points = extension(self.cert, x509.CRLDistributionPoints)
        if points is None:
            return []
        return [
            str(name.value)
            for point in points
            for name in (point.full_name or [])
            if isinstance(name, x509.UniformResourceIdentifier)
        ]

    @cached_property
    def must_staple(self) -> bool:
        feature = extension(self.cert, x509.TLSFeature)
        return feature is not None and x509.TLSFeatureType.status_request in feature

    def describe(self, role: str) -> dict[str, Any]:
        """The JSON description the report keeps for this certificate."""
        return {
            "role": role,
            "source": self.source,
            "position": self.position,
            "subject": self.subject,
            "issuer": self.issuer,
            "names": {"dns": self.dns_names, "ip": self.ip_names, "common_name": self.common_names},
            "has_san": self.has_san,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "key": self.key,
            "signature_algorithm": self.signature_name,
            "fingerprint_sha256": self.fingerprint,
            "spki_sha256": self.spki_sha256,
            "serial": format(self.serial, "x"),
            "is_ca": self.is_ca,
            "self_issued": self.self_issued,
        }


def extension(cert: x509.Certificate, kind: type[_E]) -> _E | None:
    """The value of extension ``kind`` (e.g. ``x509.SubjectAlternativeName``), or None when absent or
    unreadable. Each extension is read on its own: a malformed or repeated one hides nothing else."""
    from checks._certificate.parsing import read_certificate

    return read_certificate(cert).get(kind)


def _spki(cert: x509.Certificate) -> bytes:
    try:
        return cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # a key this build cannot load: identify it by its certificate instead
        return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key made the signature on ``cert`` (and the names chain).

    Unlike ``verify_directly_issued_by`` this also verifies SHA-1 and MD5
    signatures: it answers "who issued this", while whether such a signature
    is acceptable is judged separately (weak_signature).
    """
    if cert.issuer != issuer.subject:
        return False
    try:
        public = issuer.public_key()
        params = cert.signature_algorithm_parameters
        digest = cert.signature_hash_algorithm
        if isinstance(public, rsa.RSAPublicKey):
            from cryptography.hazmat.primitives.asymmetric import padding

            pad = params if isinstance(params, (padding.PKCS1v15, padding.PSS)) else padding.PKCS1v15()
            assert digest is not None
            public.verify(cert.signature, cert.tbs_certificate_bytes, pad, digest)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            assert digest is not None
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(digest))
        elif isinstance(public, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            public.verify(cert.signature, cert.tbs_certificate_bytes)
        elif isinstance(public, dsa.DSAPublicKey):
            assert digest is not None
            public.verify(cert.signature, cert.tbs_certificate_bytes, digest)
        else:
            return False
    except Exception:  # bad signature, unsupported algorithm: not issued by this key
        return False
    return True


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc4514(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return repr(name)


