"""Who issued what: path building against a trust store, and cryptography's verifier.

Two tools with different jobs:

* :func:`walk` follows issuer names and *verified signatures* from the leaf
  up through the certificates the server sent (and any fetched from an AIA
  address) to an anchor of a store. It explains where a path ends: at an
  anchor, at a self-signed certificate no store holds, or at an issuer nobody
  provided. It never declares a chain valid.
* :func:`verify` is cryptography's RFC 5280 / CA/B Forum verifier
  (``PolicyBuilder``) with every check on. Only it decides that a chain is
  trusted. Because it stops at the first error, it is asked two questions:
  the strict one (the device's time, the real host) and the anchor question
  (a moment inside every certificate's validity, a name the certificate
  carries) so that expiry or a wrong name, judged separately, cannot hide
  which store the chain belongs to.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from checks._certificate.describe import Cert, iso, issued_by
from checks._certificate.stores import TrustStore

MAX_DEPTH = 8
"""The verifier's default maximum chain depth (cryptography's policy.max_chain_depth)."""


@dataclass(frozen=True)
class Walk:
    """A path from the leaf upwards, and where and why it ended."""

    path: tuple[Cert, ...]
    """Leaf first; ends below the anchor (the anchor itself is not repeated unless it is the leaf)."""
    end: str
    """``anchored``, ``self_signed_leaf``, ``untrusted_root``, ``issuer_missing`` or ``too_long``."""
    anchor: Cert | None = None
    missing_issuer: str = ""

    @property
    def anchored(self) -> bool:
        return self.end == "anchored"

    @property
    def top(self) -> Cert:
        return self.path[-1]

    def describe(self) -> dict[str, object]:
        return {
            "end": self.end,
            "path": [c.fingerprint for c in self.path],
            "anchor": None if self.anchor is None else {
                "subject": self.anchor.subject,
                "fingerprint_sha256": self.anchor.fingerprint,
                "store": self.anchor.source,
            },
            **({"missing_issuer": self.missing_issuer} if self.missing_issuer else {}),
        }


def walk(leaf: Cert, pool: Sequence[Cert], store: TrustStore) -> Walk:
    """Build the path from ``leaf`` through ``pool`` to an anchor of ``store``."""
    path = [leaf]
    current = leaf
    for _ in range(MAX_DEPTH + 1):
        if store.contains(current):
            return Walk(tuple(path), "anchored", next(c for c in store.certificates if c.fingerprint == current.fingerprint))
        for anchor in store.issuers_named(current.cert.issuer):
            if issued_by(current.cert, anchor.cert):
                return Walk(tuple(path), "anchored", anchor)
        seen = {c.fingerprint for c in path}
        following = next(
            (c for c in pool if c.fingerprint not in seen and issued_by(current.cert, c.cert)), None
        )
        if following is None:
            if current.self_issued and issued_by(current.cert, current.cert):
                return Walk(tuple(path), "self_signed_leaf" if current is leaf else "untrusted_root")
            return Walk(tuple(path), "issuer_missing", missing_issuer=current.issuer)
        path.append(following)
        current = following
    return Walk(tuple(path), "too_long")


@dataclass(frozen=True)
class Verification:
    """One run of cryptography's verifier."""

    store: str
    ok: bool
    at: str
    name: str
    error: str = ""
    chain: tuple[str, ...] = ()
    """SHA-256 fingerprints of the verified chain, leaf first, anchor last."""

    def describe(self) -> dict[str, object]:
        return {
            "store": self.store,
            "ok": self.ok,
            "time": self.at,
            "name": self.name,
            "error": self.error or None,
            "chain": list(self.chain),
        }


def verify(leaf: Cert, intermediates: Sequence[Cert], store: TrustStore, when: dt.datetime, name: str) -> Verification:
    """Verify ``leaf`` for ``name`` at ``when`` against ``store`` with every check cryptography has."""
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import DNSName, IPAddress
    from cryptography.x509.verification import PolicyBuilder, VerificationError

    at = iso(when)
    anchors = store.verifier_store
    if anchors is None:
        return Verification(store.name, False, at, name, "the store holds no certificate")
    subject: DNSName | IPAddress
    try:
        subject = IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        try:
            subject = DNSName(name.rstrip("."))
        except ValueError as exc:
            return Verification(store.name, False, at, name, f"not a name the verifier accepts: {exc}")
    verifier = PolicyBuilder().store(anchors).time(when).max_chain_depth(MAX_DEPTH).build_server_verifier(subject)
    try:
        chain = verifier.verify(leaf.cert, [c.cert for c in intermediates])
    except VerificationError as exc:
        return Verification(store.name, False, at, name, _short(str(exc)))
    except ValueError as exc:  # e.g. a key type the verifier cannot handle
        return Verification(store.name, False, at, name, _short(str(exc)))
    prints = tuple(hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in chain)
    return Verification(store.name, True, at, name, "", prints)


def common_validity(certs: Sequence[Cert]) -> dt.datetime | None:
    """A moment at which every certificate in ``certs`` is valid, or None if there is none."""
    start = max(c.not_before for c in certs)
    end = min(c.not_after for c in certs)
    if start > end:
        return None
    return start + (end - start) / 2


def _short(text: str) -> str:
    text = text.replace("validation failed: ", "")
    return text if len(text) <= 400 else text[:397] + "..."
