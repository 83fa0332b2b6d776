"""Certificate files at the door: ``--ca-file`` in PEM (one or many) or DER (one).

The file is read within :data:`~diagnose.inputs.limits.MAX_CA_FILE_BYTES`; every
certificate in it must parse (with cryptography, the library the certificate
check verifies with) and be accepted by OpenSSL as a trust anchor (the HTTP
client's verifier). A PEM bundle of more than
:data:`~diagnose.inputs.limits.MAX_CA_CERTIFICATES` certificates, a DER blob
that is not a certificate, a PEM block that is truncated or a private key in
place of a certificate is one line and exit code 2.
"""

from __future__ import annotations

import re
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path

from diagnose.inputs.files import read_regular
from diagnose.inputs.limits import MAX_CA_CERTIFICATES, MAX_CA_FILE_BYTES, MAX_CERTIFICATE_BYTES
from diagnose.inputs.text import shown, size_words
from diagnose.settings import UsageError

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----(.*?)-----END \1-----", re.DOTALL)
_CERTIFICATE_LABELS = (b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CERTIFICATE")


@dataclass(frozen=True, slots=True)
class CaFile:
    """A validated ``--ca-file``: where it is, its form, and its certificates in DER."""

    path: Path
    form: str
    """``pem`` or ``der``."""
    certificates: tuple[bytes, ...]

    def cadata(self) -> bytes:
        """Every certificate, DER concatenated: what :meth:`ssl.SSLContext.load_verify_locations` takes."""
        return b"".join(self.certificates)


def read_ca_file(text: str) -> CaFile:
    """Read and check ``--ca-file TEXT``; raises :class:`UsageError` naming the file and what is wrong."""
    what = f"--ca-file {shown(text, 200)}"
    data = read_regular(text, limit=MAX_CA_FILE_BYTES, what=what)
    if b"-----BEGIN" in data:
        certificates, form = _pem(data, what), "pem"
    else:
        certificates, form = (_der(data, what),), "der"
    _accepted_by_openssl(certificates, what)
    return CaFile(Path(text), form, certificates)


def _pem(data: bytes, what: str) -> tuple[bytes, ...]:
    import base64
    import binascii

    found: list[bytes] = []
    for number, match in enumerate(_PEM_BLOCK.finditer(data), 1):
        label = match.group(1)
        if label not in _CERTIFICATE_LABELS:
            continue
        if len(found) >= MAX_CA_CERTIFICATES:
            raise UsageError(f"{what}: holds more than {MAX_CA_CERTIFICATES:,} certificates")
        try:
            der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            raise UsageError(f"{what}: PEM block {number} is not valid base64") from None
        found.append(_der(der, f"{what}: certificate {len(found) + 1}"))
    if not found:
        labels = sorted({m.group(1).decode("ascii", "replace") for m in _PEM_BLOCK.finditer(data)})
        held = f" (it holds: {', '.join(labels)})" if labels else " (no complete BEGIN/END CERTIFICATE block)"
        raise UsageError(f"{what}: no certificate in this PEM file{held}")
    return tuple(found)


def _der(data: bytes, what: str) -> bytes:
    from cryptography import x509

    if not data:
        raise UsageError(f"{what}: the file is empty")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise UsageError(
            f"{what}: not a PEM file, and at {len(data):,} bytes too large to be one DER certificate "
            f"(at most {size_words(MAX_CERTIFICATE_BYTES)})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(data)
            cert.subject  # noqa: B018 - parsed lazily: make it parse now
            cert.issuer  # noqa: B018
    except ValueError:
        raise UsageError(f"{what}: not a PEM or DER certificate") from None
    return data


def _accepted_by_openssl(certificates: tuple[bytes, ...], what: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for number, der in enumerate(certificates, 1):
        try:
            context.load_verify_locations(cadata=der)
        except (ssl.SSLError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            raise UsageError(f"{what}: certificate {number} is refused by OpenSSL ({reason})") from None
