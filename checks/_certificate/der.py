"""A small DER reader: the structure of a certificate, read without judging it.

cryptography parses a certificate's extensions all at once and refuses the
lot when one is malformed or repeated, which tells neither which extension is
at fault nor what the rest say. Browsers read each extension on its own
(BoringSSL ``pki/parsed_certificate.cc``), so this module splits the
TBSCertificate into its fields and extensions as raw bytes. It never
allocates more than its input and stops at the first structural error
(:class:`DerError`); callers turn that into a finding.

:meth:`RawCertificate.with_extensions` rebuilds the certificate with a subset
of its extensions (the signature no longer matches; it is never verified), so
cryptography can parse one extension in isolation.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = 0x30
BOOLEAN = 0x01
INTEGER = 0x02
OCTET_STRING = 0x04
OID = 0x06
VERSION_TAG = 0xA0
EXTENSIONS_TAG = 0xA3
MAX_DEPTH_BYTES = 4
"""The longest length field accepted (4 bytes: up to 4 GiB, far beyond any certificate)."""


class DerError(ValueError):
    """The bytes are not the DER structure expected here."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One DER element: its tag, its value bytes and its whole encoding."""

    tag: int
    value: bytes
    raw: bytes


def read(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """The element starting at ``pos`` and the position after it."""
    if pos + 2 > len(data):
        raise DerError("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used in certificates")
    first = data[pos + 1]
    start = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > MAX_DEPTH_BYTES or start + count > len(data):
            raise DerError("bad length")
        length = int.from_bytes(data[start:start + count], "big")
        if length < 0x80 or data[start] == 0:
            raise DerError("length not in its shortest form (not DER)")
        start += count
    end = start + length
    if end > len(data):
        raise DerError("element longer than its container")
    return Tlv(tag, data[start:end], data[pos:end]), end


def children(value: bytes) -> list[Tlv]:
    """The elements a constructed value holds, in order."""
    out = []
    pos = 0
    while pos < len(value):
        element, pos = read(value, pos)
        out.append(element)
    return out


def single(data: bytes) -> Tlv:
    """``data`` as exactly one element (no trailing bytes)."""
    element, end = read(data)
    if end != len(data):
        raise DerError("trailing bytes after the element")
    return element


def encode(tag: int, value: bytes) -> bytes:
    """The DER encoding of one element."""
    length = len(value)
    if length < 0x80:
        return bytes([tag, length]) + value
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body + value


def oid_text(value: bytes) -> str:
    """The dotted form of an OBJECT IDENTIFIER's value bytes."""
    if not value or value[-1] & 0x80:
        raise DerError("bad object identifier")
    arcs: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


@dataclass(frozen=True, slots=True)
class RawExtension:
    """One extension as encoded: OID, criticality, the extnValue bytes."""

    oid: str
    critical: bool
    value: bytes
    raw: bytes
    false_encoded: bool = False
    """``critical`` was encoded as an explicit FALSE (DER requires a default to be omitted)."""


@dataclass(frozen=True, slots=True)
class RawCertificate:
    """A certificate split into the fields path validation looks at, all as raw bytes."""

    version: int
    """0 for v1, 2 for v3 (as encoded)."""
    version_encoded: bool
    """The version field is present (DER omits it for v1)."""
    extensions_field: bool
    """The extensions field is present (possibly, against DER, as an empty SEQUENCE)."""
    serial: bytes
    inner_algorithm: bytes
    """The TBSCertificate's signature AlgorithmIdentifier (whole encoding)."""
    outer_algorithm: bytes
    """The Certificate's signatureAlgorithm (whole encoding): must equal ``inner_algorithm``."""
    issuer: bytes
    subject: bytes
    """The subject Name's value bytes (empty for an empty subject)."""
    extensions: tuple[RawExtension, ...]
    _fields: tuple[Tlv, ...]
    _signature: bytes

    @classmethod
    def parse(cls, der: bytes) -> RawCertificate:
        outer = single(der)
        if outer.tag != SEQUENCE:
            raise DerError("a certificate is a SEQUENCE")
        parts = children(outer.value)
        if len(parts) != 3 or parts[0].tag != SEQUENCE or parts[1].tag != SEQUENCE:
            raise DerError("a certificate holds a TBSCertificate, an algorithm and a signature")
        fields = children(parts[0].value)
        version = 0
        index = 0
        if fields and fields[0].tag == VERSION_TAG:
            version = int.from_bytes(single(fields[0].value).value, "big")
            index = 1
        if len(fields) < index + 6:
            raise DerError("the TBSCertificate is missing fields")
        serial, algorithm, issuer, _validity, subject = fields[index:index + 5]
        if serial.tag != INTEGER or subject.tag != SEQUENCE or issuer.tag != SEQUENCE:
            raise DerError("unexpected TBSCertificate field")
        extensions = next((f for f in fields[index + 6:] if f.tag == EXTENSIONS_TAG), None)
        return cls(
            version=version, version_encoded=index == 1, extensions_field=extensions is not None,
            serial=serial.value, inner_algorithm=algorithm.raw, outer_algorithm=parts[1].raw,
            issuer=issuer.value, subject=subject.value,
            extensions=_extensions(extensions) if extensions is not None else (),
            _fields=tuple(fields), _signature=parts[1].raw + parts[2].raw,
        )

    def with_extensions(self, kept: tuple[RawExtension, ...]) -> bytes:
        """This certificate's DER with only ``kept`` as its extensions (signature left as it was)."""
        fields = [f.raw for f in self._fields if f.tag != EXTENSIONS_TAG]
        if kept:
            fields.append(encode(EXTENSIONS_TAG, encode(SEQUENCE, b"".join(e.raw for e in kept))))
        tbs = encode(SEQUENCE, b"".join(fields))
        return encode(SEQUENCE, tbs + self._signature)


def _extensions(wrapper: Tlv) -> tuple[RawExtension, ...]:
    sequence = single(wrapper.value)
    if sequence.tag != SEQUENCE:
        raise DerError("extensions are a SEQUENCE")
    out = []
    for item in children(sequence.value):
        parts = children(item.value)
        if item.tag != SEQUENCE or len(parts) not in (2, 3) or parts[0].tag != OID or parts[-1].tag != OCTET_STRING:
            raise DerError("an extension is a SEQUENCE of OID, optional BOOLEAN, OCTET STRING")
        flag = parts[1] if len(parts) == 3 else None
        if flag is not None and flag.tag != BOOLEAN:
            raise DerError("an extension's criticality is a BOOLEAN")
        critical = flag is not None and flag.value != b"\x00"
        out.append(RawExtension(oid_text(parts[0].value), critical, parts[-1].value, item.raw,
                                flag is not None and not critical))
    return tuple(out)
