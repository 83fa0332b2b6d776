"""cryptography's verifier: the strict RFC 5280 / CA/Browser Forum reading of a chain.

:func:`verify` runs cryptography's ``PolicyBuilder`` server verifier with every
check on. It is a linter, not a browser: it refuses chains browsers accept (a
root without keyUsage, a critical subjectAltName next to a subject, a host
name with ``_``), so its refusals are advice (:mod:`.advice`); the browser's
verdict comes from :mod:`.chromium`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from checks._certificate.describe import Cert, iso
from checks._certificate.stores import TrustStore

MAX_DEPTH = 8
"""The verifier's default maximum chain depth (cryptography's policy.max_chain_depth)."""


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
    try:
        verifier = PolicyBuilder().store(anchors).time(when).max_chain_depth(MAX_DEPTH).build_server_verifier(subject)
    except ValueError as exc:
        return Verification(store.name, False, at, name, _short(str(exc)))
    try:
        chain = verifier.verify(leaf.cert, [c.cert for c in intermediates])
    except VerificationError as exc:
        return Verification(store.name, False, at, name, _short(str(exc)))
    except Exception as exc:  # a certificate or key the verifier cannot handle at all
        return Verification(store.name, False, at, name, _short(f"{type(exc).__name__}: {exc}"))
    prints = tuple(hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest() for c in chain)
    return Verification(store.name, True, at, name, "", prints)


def _short(text: str) -> str:
    text = text.replace("validation failed: ", "")
    return text if len(text) <= 400 else text[:397] + "..."
