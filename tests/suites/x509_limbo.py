"""x509-limbo path-validation cases (C2SP/x509-limbo, Apache-2.0): the SERVER cases of ``webpki::``
and ``rfc5280::``, plus rustls-webpki's published list of the cases where it knowingly differs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from tests.suites import DATA

LIMBO_DIR = DATA / "x509-limbo"
LIMBO_FILE = LIMBO_DIR / "limbo-server-webpki-rfc5280.json"
RUSTLS_WEBPKI_EXCEPTIONS = LIMBO_DIR / "results" / "rustls-webpki-exceptions.json"

#: How many cases the vendored subset holds (a truncated copy fails the load test).
LIMBO_SERVER_CASE_COUNT = 148

Expected = Literal["SUCCESS", "FAILURE"]


@dataclass(frozen=True)
class PeerName:
    kind: Literal["DNS", "IP", "RFC822"]
    value: str


@dataclass(frozen=True)
class LimboCase:
    """One x509-limbo testcase; certificates and keys are PEM text exactly as upstream generates them."""

    id: str
    description: str
    validation_kind: Literal["SERVER", "CLIENT"]
    features: tuple[str, ...]
    importance: str
    trusted_certs: tuple[str, ...]
    untrusted_intermediates: tuple[str, ...]
    peer_certificate: str
    peer_certificate_key: str | None
    validation_time: datetime | None  # None: "now" (the certificates are valid 1970-2969 unless the case says)
    signature_algorithms: tuple[str, ...]
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    expected_result: Expected
    expected_peer_name: PeerName | None
    expected_peer_names: tuple[PeerName, ...]
    max_chain_depth: int | None
    conflicts_with: tuple[str, ...]
    crls: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.id.split("::", 1)[0]

    @property
    def expects_success(self) -> bool:
        return self.expected_result == "SUCCESS"


@dataclass(frozen=True)
class KnownDeviation:
    """A case where an implementation's verdict differs from limbo's expectation, with its reason."""

    case_id: str
    expected: Expected
    actual: Expected
    reason: str


def _peer(raw: dict[str, str] | None) -> PeerName | None:
    if raw is None:
        return None
    kind = raw["kind"]
    assert kind in ("DNS", "IP", "RFC822"), kind
    return PeerName(kind=kind, value=raw["value"])  # type: ignore[arg-type]


def _case(raw: dict[str, Any]) -> LimboCase:
    when = raw.get("validation_time")
    return LimboCase(
        id=raw["id"],
        description=raw["description"],
        validation_kind=raw["validation_kind"],
        features=tuple(raw.get("features") or ()),
        importance=raw.get("importance") or "undetermined",
        trusted_certs=tuple(raw["trusted_certs"]),
        untrusted_intermediates=tuple(raw.get("untrusted_intermediates") or ()),
        peer_certificate=raw["peer_certificate"],
        peer_certificate_key=raw.get("peer_certificate_key"),
        validation_time=datetime.fromisoformat(when) if when else None,
        signature_algorithms=tuple(raw.get("signature_algorithms") or ()),
        key_usage=tuple(raw.get("key_usage") or ()),
        extended_key_usage=tuple(raw.get("extended_key_usage") or ()),
        expected_result=raw["expected_result"],
        expected_peer_name=_peer(raw.get("expected_peer_name")),
        expected_peer_names=tuple(p for p in map(_peer, raw.get("expected_peer_names") or ()) if p is not None),
        max_chain_depth=raw.get("max_chain_depth"),
        conflicts_with=tuple(raw.get("conflicts_with") or ()),
        crls=tuple(raw.get("crls") or ()),
    )


@cache
def load_limbo_cases() -> tuple[LimboCase, ...]:
    """Every vendored case, in upstream order."""
    doc = json.loads(LIMBO_FILE.read_text("utf-8"))
    return tuple(_case(raw) for raw in doc["testcases"])


@cache
def load_rustls_webpki_deviations() -> dict[str, KnownDeviation]:
    """rustls-webpki's own list of limbo cases it knowingly answers differently (not a browser)."""
    doc: dict[str, dict[str, str]] = json.loads(RUSTLS_WEBPKI_EXCEPTIONS.read_text("utf-8"))
    return {
        case_id: KnownDeviation(case_id, entry["expected"], entry["actual"], entry["reason"])  # type: ignore[arg-type]
        for case_id, entry in doc.items()
    }
