"""Which signature algorithms and public keys Chromium accepts, and signature verification.

From BoringSSL ``pki/signature_algorithm.cc`` and ``pki/simple_path_builder_delegate.cc``
as Chromium configures it (``cert_verify_proc_builtin.cc``: RSA keys of at
least 1024 bits; no SHA-1: Chromium 156 refuses it during path building, ERR_CERT_INVALID):

* signatures: RSA PKCS#1 v1.5 with SHA-1/256/384/512 (parameters NULL or
  absent), ECDSA with SHA-1/256/384/512 (no parameters; SHA-1 refused), RSA-PSS with
  SHA-256/384/512 (MGF1 with the same hash, salt as long as the hash). Nothing
  else: no MD5, no SHA-224, no DSA, no Ed25519.
* keys: RSA of at least 1024 bits, EC on P-256, P-384 or P-521. Nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from checks._certificate.der import DerError, children, oid_text, single

MIN_RSA_BITS = 1024
"""Chromium's floor for RSA keys anywhere in the chain (SimplePathBuilderDelegate(1024, ...))."""
CURVES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}
PARSEABLE_CURVES = {*CURVES, "secp224r1"}
"""Curves BoringSSL can parse at all; a key on any other curve cannot be read (ERR_CERT_INVALID)."""

_RSA_PKCS1 = {
    "1.2.840.113549.1.1.5": "SHA1", "1.3.14.3.2.29": "SHA1", "1.2.840.113549.1.1.11": "SHA256",
    "1.2.840.113549.1.1.12": "SHA384", "1.2.840.113549.1.1.13": "SHA512",
}
_ECDSA = {
    "1.2.840.10045.4.1": "SHA1", "1.2.840.10045.4.3.2": "SHA256", "1.2.840.10045.4.3.3": "SHA384",
    "1.2.840.10045.4.3.4": "SHA512",
}
_HASH_OIDS = {"1.3.14.3.2.26": "SHA1", "2.16.840.1.101.3.4.2.1": "SHA256", "2.16.840.1.101.3.4.2.2": "SHA384",
              "2.16.840.1.101.3.4.2.3": "SHA512"}
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "SHA1": hashes.SHA1(), "SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(), "SHA512": hashes.SHA512(),
}
_PSS_SALT = {"SHA256": 32, "SHA384": 48, "SHA512": 64}
RSA_PSS = "1.2.840.113549.1.1.10"
MGF1 = "1.2.840.113549.1.1.8"
NULL = b"\x05\x00"


@dataclass(frozen=True, slots=True)
class SignatureAlgorithm:
    """A signature algorithm Chromium supports."""

    kind: str
    """``rsa``, ``ecdsa`` or ``rsa-pss``."""
    digest: str
    """``SHA1``, ``SHA256``, ``SHA384``, ``SHA512``."""

    @property
    def weak(self) -> bool:
        return self.digest == "SHA1"

    @property
    def name(self) -> str:
        return f"{self.kind.upper()}-{self.digest}"


def signature_algorithm(identifier: bytes) -> SignatureAlgorithm | None:
    """The algorithm an AlgorithmIdentifier (whole DER) names, or None when Chromium does not support it."""
    try:
        outer = single(identifier)
        parts = children(outer.value)
        if outer.tag != 0x30 or not parts or parts[0].tag != 0x06 or len(parts) > 2:
            return None
        oid = oid_text(parts[0].value)
        params = parts[1].raw if len(parts) == 2 else None
    except DerError:
        return None
    if oid in _RSA_PKCS1:
        return SignatureAlgorithm("rsa", _RSA_PKCS1[oid]) if params in (None, NULL) else None
    if oid in _ECDSA:
        return SignatureAlgorithm("ecdsa", _ECDSA[oid]) if params is None else None
    if oid == RSA_PSS and params is not None:
        return _pss(params)
    return None


def _pss(params: bytes) -> SignatureAlgorithm | None:
    """RSASSA-PSS-params as Chromium accepts them: SHA-256/384/512, MGF1 with the same hash,
    salt length equal to the hash length, default trailer."""
    try:
        fields = {p.tag: single(p.value) for p in children(single(params).value)}
        digest = _hash_of(fields[0xA0].raw)
        mgf = children(fields[0xA1].value)
        salt = int.from_bytes(fields[0xA2].value, "big")
    except (DerError, KeyError, IndexError):
        return None
    if set(fields) - {0xA0, 0xA1, 0xA2} or digest not in _PSS_SALT or salt != _PSS_SALT[digest]:
        return None
    if len(mgf) != 2 or mgf[0].tag != 0x06 or oid_text(mgf[0].value) != MGF1 or _hash_of(mgf[1].raw) != digest:
        return None
    return SignatureAlgorithm("rsa-pss", digest)


def _hash_of(identifier: bytes) -> str:
    parts = children(single(identifier).value)
    if not parts or parts[0].tag != 0x06 or (len(parts) == 2 and parts[1].raw != NULL) or len(parts) > 2:
        return ""
    return _HASH_OIDS.get(oid_text(parts[0].value), "")


def key_problem(cert: x509.Certificate) -> tuple[str, str]:
    """Why Chromium refuses this certificate's public key: (``unreadable_key`` or ``weak_key``, why), or ('', '')."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        return "unreadable_key", f"its public key cannot be read ({str(exc)[:120] or type(exc).__name__})"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size >= MIN_RSA_BITS:
            return "", ""
        return "weak_key", f"a {key.key_size}-bit RSA key (Chromium needs {MIN_RSA_BITS})"
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name in CURVES:
            return "", ""
        code = "weak_key" if key.curve.name in PARSEABLE_CURVES else "unreadable_key"
        return code, f"an EC key on {key.curve.name} (only P-256, P-384, P-521)"
    return "weak_key", f"a {type(key).__name__.removeprefix('_').replace('PublicKey', '')} key (only RSA and EC keys)"


def signature_valid(cert: x509.Certificate, issuer: x509.Certificate, algorithm: SignatureAlgorithm) -> bool:
    """Whether ``issuer``'s key made ``cert``'s signature with ``algorithm``."""
    try:
        key = issuer.public_key()
        digest = _HASHES[algorithm.digest]
        if algorithm.kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(digest))
        elif algorithm.kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), digest)
        elif algorithm.kind == "rsa-pss" and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(padding.MGF1(digest), _PSS_SALT[algorithm.digest])
            key.verify(cert.signature, cert.tbs_certificate_bytes, pss, digest)
        else:
            return False
    except (InvalidSignature, ValueError, UnsupportedAlgorithm, TypeError):
        return False
    return True
