"""A small PKI for the lab: certificate authorities and certificates made at start.

Everything is generated with ``cryptography`` in memory, for loopback servers
only. The builder exposes the knobs the certificate scenarios need (validity
dates, names, key type and size, signature hash, SAN present or not, AIA, CRL
and OCSP addresses) so that each defect a browser rejects can be reproduced
exactly.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SigningHash = hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512
"""Hashes cryptography signs with (SHA-1 and MD5 certificates need the openssl command)."""

_CURVES: dict[int, ec.EllipticCurve] = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1(), 192: ec.SECP192R1()}


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
)
"""What a CA certificate may do: sign certificates and CRLs."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_key(key_type: KeyType = "ec", size: int | None = None) -> PrivateKey:
    """A fresh private key: EC P-256 by default (fast), RSA of ``size`` bits on request."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=size or 2048)
    return ec.generate_private_key(_CURVES[size or 256])


def small_rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA key under 1024 bits (cryptography refuses to make one; the ``openssl`` command does)."""
    import shutil
    import subprocess

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed to make an RSA key under 1024 bits for the lab")
    done = subprocess.run([openssl, "genrsa", str(bits)], capture_output=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl could not make a {bits}-bit RSA key: {done.stderr.decode()[:300]}")
    key = load_pem_private_key(done.stdout, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _signing_hash(algorithm: hashes.HashAlgorithm | None) -> Any:
    """The hash to sign with (SHA-256 unless told), past the SHA-1/MD5 branch of ``issue``."""
    return algorithm or hashes.SHA256()


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key, and the chain above it (issuer first, root last)."""

    certificate: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def fullchain_pem(self, *, order: Sequence[x509.Certificate] | None = None) -> bytes:
        """The leaf followed by ``order`` (default: the chain without the root, as servers send it)."""
        certs = [self.certificate, *(order if order is not None else self.chain[:-1])]
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)

    def write(self, directory: Path, stem: str, *, order: Sequence[x509.Certificate] | None = None) -> tuple[Path, Path]:
        """Write ``<stem>.crt`` (leaf + chain) and ``<stem>.key``; return their paths."""
        cert_path = directory / f"{stem}.crt"
        key_path = directory / f"{stem}.key"
        cert_path.write_bytes(self.fullchain_pem(order=order))
        key_path.write_bytes(self.key_pem())
        key_path.chmod(0o600)
        return cert_path, key_path


@dataclass
class CertificateAuthority:
    """A CA (root or intermediate) that issues certificates for the lab."""

    certificate: x509.Certificate
    key: PrivateKey
    parents: tuple[x509.Certificate, ...] = ()
    """Certificates above this CA, nearest first (empty for a root)."""
    _serial: int = field(default=1000, repr=False)

    @classmethod
    def create(
        cls,
        common_name: str = "login-doctor Lab Root CA",
        *,
        organization: str | None = "login-doctor lab",
        key_type: KeyType = "ec",
        key_size: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        hash_algorithm: SigningHash | None = None,
        key_usage: bool = True,
    ) -> CertificateAuthority:
        """A self-signed root CA, valid from yesterday for ten years unless told otherwise
        (``key_usage=False``: no keyUsage extension, as a stock ``openssl req -x509`` makes it)."""
        key = new_key(key_type, key_size)
        name = _name(common_name, organization)
        start = not_before or now() - dt.timedelta(days=1)
        end = not_after or start + dt.timedelta(days=3650)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if key_usage:
            builder = builder.add_extension(_CA_KEY_USAGE, critical=True)
        return cls(builder.sign(key, hash_algorithm or hashes.SHA256()), key)

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """This CA and everything above it, nearest first."""
        return (self.certificate, *self.parents)

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def write_pem(self, path: Path) -> Path:
        """Write this CA's certificate as PEM (a ``--ca-file`` for the lab)."""
        path.write_bytes(self.cert_pem())
        return path

    def _next_serial(self) -> int:
        self._serial += 1
        return x509.random_serial_number()

    def intermediate(
        self,
        common_name: str = "login-doctor Lab Intermediate CA",
        *,
        organization: str | None = "login-doctor lab",
        key_type: KeyType = "ec",
        key_size: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        aia_ca_issuers_url: str | None = None,
        path_length: int | None = 0,
        extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    ) -> CertificateAuthority:
        """A CA signed by this one (``path_length`` CAs may follow below it; None: no limit;
        ``extensions``: more (extension, critical) pairs, e.g. name constraints)."""
        key = new_key(key_type, key_size)
        start = not_before or now() - dt.timedelta(days=1)
        end = not_after or start + dt.timedelta(days=1825)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organization))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(self._next_serial())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(_CA_KEY_USAGE, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if aia_ca_issuers_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                            x509.UniformResourceIdentifier(aia_ca_issuers_url))]
                ),
                critical=False,
            )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        cert = builder.sign(self.key, hashes.SHA256())
        return CertificateAuthority(cert, key, self.chain)

    def issue(
        self,
        names: Sequence[str],
        *,
        common_name: str | None = None,
        organization: str | None = None,
        key_type: KeyType = "ec",
        key_size: int | None = None,
        key: PrivateKey | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        include_san: bool = True,
        hash_algorithm: SigningHash | hashes.SHA1 | hashes.MD5 | None = None,
        aia_ca_issuers_url: str | None = None,
        ocsp_url: str | None = None,
        crl_url: str | None = None,
        subject: x509.Name | None = None,
        san_critical: bool = False,
        ca: bool = False,
        extended_key_usage: Sequence[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.SERVER_AUTH,),
    ) -> Issued:
        """A server certificate for ``names`` (DNS names or IP addresses).

        Defaults are what a browser accepts: SAN with every name, 90 days of
        validity starting yesterday, serverAuth EKU, SHA-256. ``subject``
        replaces the subject (``x509.Name([])``: empty); ``san_critical`` marks
        the SAN critical (as the ``trustme`` library does); ``ca`` makes it a
        CA certificate (basicConstraints CA:TRUE, keyUsage for signing);
        ``extended_key_usage`` None leaves the EKU out.
        """
        key = key or new_key(key_type, key_size)
        start = not_before or now() - dt.timedelta(days=1)
        end = not_after or start + dt.timedelta(days=90)
        cn = common_name if common_name is not None else (names[0] if names else "lab")
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject if subject is not None else _name(cn, organization))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(self._next_serial())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if ca:
            builder = builder.add_extension(_CA_KEY_USAGE, critical=True).add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        if extended_key_usage is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(extended_key_usage)), critical=False)
        if include_san and names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=san_critical
            )
        access = []
        if ocsp_url:
            access.append(x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                                 x509.UniformResourceIdentifier(ocsp_url)))
        if aia_ca_issuers_url:
            access.append(x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                                 x509.UniformResourceIdentifier(aia_ca_issuers_url)))
        if access:
            builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
        if crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
                ),
                critical=False,
            )
        signer: CertificateIssuerPrivateKeyTypes = self.key
        if hash_algorithm is not None and hash_algorithm.name in LEGACY_HASHES:
            cert = builder.sign(signer, hashes.SHA256())
            cert = sign_with_openssl(cert, key, self.certificate, self.key, hash_algorithm.name,
                                     days=max(1, (end - now()).days))
        else:
            cert = builder.sign(signer, _signing_hash(hash_algorithm))
        return Issued(cert, key, self.chain)


def self_signed(
    names: Sequence[str],
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_type: KeyType = "ec",
    key_size: int | None = None,
    common_name: str | None = None,
    organization: str | None = None,
) -> Issued:
    """A self-signed server certificate (the classic "not private" warning)."""
    key = new_key(key_type, key_size)
    name = _name(common_name or (names[0] if names else "lab"), organization)
    start = not_before or now() - dt.timedelta(days=1)
    end = not_after or start + dt.timedelta(days=90)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    return Issued(cert, key, ())


LEGACY_HASHES = ("sha1", "md5")
"""Hashes cryptography refuses to sign with; :func:`sign_with_openssl` makes them."""


def sign_with_openssl(
    template: x509.Certificate,
    key: PrivateKey,
    issuer: x509.Certificate,
    issuer_key: PrivateKey,
    hash_name: str,
    *,
    days: int = 90,
) -> x509.Certificate:
    """Re-issue ``template`` signed with ``hash_name`` (sha1, md5) by the ``openssl`` command.

    cryptography refuses to create SHA-1 and MD5 signatures (a good default),
    but the lab needs them to reproduce what browsers reject. The subject,
    serial and extensions are kept; the validity becomes now + ``days``
    (``openssl x509 -req`` in OpenSSL 3.0 cannot set explicit dates).
    """
    import shutil
    import subprocess
    import tempfile

    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed to make SHA-1/MD5 signatures for the lab")
    csr = x509.CertificateSigningRequestBuilder().subject_name(template.subject)
    for ext in template.extensions:
        if isinstance(ext.value, (x509.AuthorityKeyIdentifier, x509.SubjectKeyIdentifier)):
            continue  # openssl adds its own from the issuer and the key
        csr = csr.add_extension(ext.value, ext.critical)
    request = csr.sign(key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()
    with tempfile.TemporaryDirectory(prefix="login-doctor-lab-") as tmp:
        d = Path(tmp)
        (d / "req.pem").write_bytes(request.public_bytes(pem))
        (d / "ca.pem").write_bytes(issuer.public_bytes(pem))
        (d / "ca.key").write_bytes(issuer_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, plain))
        done = subprocess.run(
            [openssl, "x509", "-req", "-in", str(d / "req.pem"), "-CA", str(d / "ca.pem"),
             "-CAkey", str(d / "ca.key"), f"-{hash_name}", "-days", str(days),
             "-set_serial", str(template.serial_number), "-copy_extensions", "copyall",
             "-out", str(d / "out.pem")],
            capture_output=True, text=True, timeout=30, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"openssl could not sign with {hash_name}: {done.stderr.strip()[:300]}")
        return x509.load_pem_x509_certificate((d / "out.pem").read_bytes())
