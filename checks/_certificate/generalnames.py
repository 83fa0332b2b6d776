"""Names as Chromium compares them: distinguished names (normalised) and GeneralNames (SAN, name constraints).

* :func:`normalized_name` follows BoringSSL ``pki/verify_name_match.cc``: the
  RDNs of a Name, each a multiset of (type, value); PrintableString, UTF8String,
  IA5String, UniversalString and BMPString values are compared after folding
  ASCII case and collapsing spaces, other types byte for byte. Two names match
  when their RDN sequences are equal; a name is in a directoryName subtree
  when the subtree's RDNs are its first RDNs.
* :func:`general_names` follows ``pki/general_names.cc``: it reads a
  GeneralNames value and refuses what BoringSSL refuses (an empty sequence,
  non-ASCII names, an IP address that is not 4 or 16 bytes, or, in a name
  constraint, 8 or 32 bytes with a non-contiguous mask).

Both work on raw DER (:mod:`checks._certificate.der`), so a value
cryptography rejects (a ``*`` in a DNS name constraint, which Chromium reads)
is still judged as Chromium judges it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from checks._certificate.der import DerError, children, oid_text, single

PRINTABLE, UTF8, IA5, UNIVERSAL, BMP = 0x13, 0x0C, 0x16, 0x1C, 0x1E
NORMALIZABLE = {PRINTABLE, UTF8, IA5, UNIVERSAL, BMP}
_PRINTABLE_EXTRA = set("'()+,-./:=? ")

Attribute = tuple[str, str, bytes]
"""(type OID, ``n`` normalised text or ``b<tag>`` for raw, value)."""
Rdn = tuple[Attribute, ...]
Name = tuple[Rdn, ...]


def normalized_name(value: bytes) -> Name:
    """The normalised form of a Name's value bytes (the contents of its SEQUENCE)."""
    rdns = []
    for rdn in children(value):
        if rdn.tag != 0x31:
            raise DerError("an RDN is a SET")
        attrs = []
        for attr in children(rdn.value):
            parts = children(attr.value)
            if attr.tag != 0x30 or len(parts) != 2 or parts[0].tag != 0x06:
                raise DerError("an attribute is a SEQUENCE of OID and value")
            attrs.append((oid_text(parts[0].value), *_normalize(parts[1].tag, parts[1].value)))
        rdns.append(tuple(sorted(attrs)))
    return tuple(rdns)


def _normalize(tag: int, value: bytes) -> tuple[str, bytes]:
    if tag not in NORMALIZABLE:
        return f"b{tag}", value
    try:
        text = (value.decode("utf-16-be") if tag == BMP else value.decode("utf-32-be") if tag == UNIVERSAL
                else value.decode("utf-8"))
    except UnicodeDecodeError:
        return f"x{tag}", value  # cannot be normalised: compares with nothing else
    if tag == PRINTABLE and any(not (c.isascii() and (c.isalnum() or c in _PRINTABLE_EXTRA)) for c in text):
        return f"x{tag}", value
    if tag == IA5 and not text.isascii():
        return f"x{tag}", value
    folded = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
    return "n", " ".join(word for word in folded.split(" ") if word).encode("utf-8")


def in_subtree(name: Name, subtree: Name) -> bool:
    """Whether ``name`` lies in the directoryName subtree ``subtree`` (its first RDNs are the subtree's)."""
    return len(subtree) <= len(name) and name[:len(subtree)] == subtree


@dataclass
class GeneralNames:
    """The names of one GeneralNames value, by type (BoringSSL's split)."""

    dns: list[str] = field(default_factory=list)
    ips: list[bytes] = field(default_factory=list)
    """4 or 16 bytes (SAN)."""
    ip_ranges: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(address, mask) (name constraints)."""
    directory: list[Name] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    uris: list[str] = field(default_factory=list)
    other_types: set[str] = field(default_factory=set)
    """``otherName``, ``x400Address``, ``ediPartyName``, ``registeredID`` seen."""

    @property
    def types(self) -> set[str]:
        present = set(self.other_types)
        for kind, values in (("dns", self.dns), ("ip", self.ips or self.ip_ranges), ("directory", self.directory),
                             ("email", self.email), ("uri", self.uris)):
            if values:
                present.add(kind)
        return present


_OTHER = {0xA0: "otherName", 0xA3: "x400Address", 0xA5: "ediPartyName", 0x88: "registeredID"}


def general_names(value: bytes, *, constraint: bool = False, into: GeneralNames | None = None) -> GeneralNames:
    """Read a GeneralNames SEQUENCE (``value`` is its whole encoding); raise DerError where BoringSSL refuses."""
    outer = single(value)
    if outer.tag != 0x30:
        raise DerError("GeneralNames is a SEQUENCE")
    items = children(outer.value)
    if not items:
        raise DerError("GeneralNames is empty")
    names = into if into is not None else GeneralNames()
    for item in items:
        add_general_name(names, item.tag, item.value, constraint=constraint)
    return names


def add_general_name(names: GeneralNames, tag: int, value: bytes, *, constraint: bool) -> None:
    if tag in (0x81, 0x82, 0x86):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError as exc:
            raise DerError("a name that must be ASCII is not") from exc
        {0x81: names.email, 0x82: names.dns, 0x86: names.uris}[tag].append(text)
    elif tag == 0x87:
        _add_ip(names, value, constraint)
    elif tag == 0xA4:
        name = single(value)
        if name.tag != 0x30:
            raise DerError("a directoryName is a Name")
        names.directory.append(normalized_name(name.value))
    elif tag in _OTHER:
        names.other_types.add(_OTHER[tag])
    else:
        raise DerError(f"unknown GeneralName type (tag 0x{tag:02x})")


def _add_ip(names: GeneralNames, value: bytes, constraint: bool) -> None:
    if not constraint:
        if len(value) not in (4, 16):
            raise DerError(f"an IP address of {len(value)} bytes")
        names.ips.append(value)
        return
    if len(value) not in (8, 32):
        raise DerError(f"an IP address constraint of {len(value)} bytes (address and mask)")
    address, mask = value[:len(value) // 2], value[len(value) // 2:]
    bits = int.from_bytes(mask, "big")
    width = len(mask) * 8
    ones = bin(bits).count("1")
    if bits != ((1 << width) - 1) ^ ((1 << (width - ones)) - 1):
        raise DerError("an IP address constraint whose mask is not a prefix")
    names.ip_ranges.append((address, mask))


def ip_text(value: bytes) -> str:
    return str(ipaddress.ip_address(value))


def ip_in_range(address: bytes, network: tuple[bytes, bytes]) -> bool:
    base, mask = network
    return len(address) == len(base) and all((a & m) == (b & m) for a, b, m in zip(address, base, mask, strict=True))
