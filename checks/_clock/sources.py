"""The time sources of one clock run, and what combining them gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks._clock import ntp
from checks._clock.httpdate import HttpDateSource
from checks._clock.select import Selection
from checks._clock.verdict import Verdict
from diagnose.settings import Endpoint
from diagnose.words import join, plural

NTP_PORT = 123
NTP_TIMEOUT = 2.0
"""Seconds to wait for one NTP reply; UDP 123 that is blocked simply never answers."""


@dataclass
class NtpSource:
    """One configured time server: its lookup, its reply, and what became of it."""

    endpoint: Endpoint
    address: str | None = None
    resolver: str = ""
    lookup_error: str = ""
    result: ntp.Measurement | ntp.Rejected | ntp.NoReply | None = None
    role_in_selection: str = ""
    """After selection: ``truechimer``, ``falseticker`` or ``candidate`` (no majority)."""

    @property
    def name(self) -> str:
        return str(self.endpoint) if self.endpoint.port != NTP_PORT else self.endpoint.host

    @property
    def measurement(self) -> ntp.Measurement | None:
        return self.result if isinstance(self.result, ntp.Measurement) else None

    @property
    def interval(self) -> tuple[float, float] | None:
        m = self.measurement
        return m.interval if m else None

    @property
    def outcome(self) -> str:
        if self.address is None:
            return "unresolved"
        if isinstance(self.result, ntp.NoReply):
            return "no_reply"
        if isinstance(self.result, ntp.Rejected):
            return "rejected"
        return self.role_in_selection or "measured"

    @property
    def reason(self) -> str:
        if self.address is None:
            return self.lookup_error
        if isinstance(self.result, ntp.NoReply):
            return {
                ntp.NoReply.TIMEOUT: f"no reply within {NTP_TIMEOUT:g} s (UDP port {self.endpoint.port} blocked "
                                      "or the server is down)",
                ntp.NoReply.REFUSED: "the port is closed (ICMP port unreachable)",
                ntp.NoReply.UNREACHABLE: "the address cannot be reached from this device",
            }[self.result]
        if isinstance(self.result, ntp.Rejected):
            return self.result.reason
        if self.role_in_selection == "falseticker":
            return "its time disagrees with the majority of the sources"
        return ""

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "ntp",
            "server": self.endpoint.host,
            "port": self.endpoint.port,
            "address": self.address,
            "resolver": self.resolver or None,
            "result": self.outcome,
            "validated": self.measurement is not None,
            "reason": self.reason or None,
        }
        m = self.measurement
        if m is not None:
            lo, hi = m.interval
            out.update(
                offset_s=round(m.offset, 6),
                delay_s=round(m.delay, 6),
                root_distance_s=round(m.root_distance, 6),
                interval_s=[round(lo, 6), round(hi, 6)],
            )
            out.update(ntp.packet_evidence(m.packet))
        elif isinstance(self.result, ntp.Rejected):
            out.update(ntp.packet_evidence(self.result.packet))
            if self.result.kiss_code:
                out["kiss_code"] = self.result.kiss_code
        return out


@dataclass(frozen=True, slots=True)
class Candidate:
    """A validated source taking part in the intersection."""

    label: str
    interval: tuple[float, float]
    source: NtpSource | HttpDateSource

    def evidence(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {"source": self.label, "offset_s": round((lo + hi) / 2, 6), "interval_s": [round(lo, 6), round(hi, 6)]}


@dataclass
class Measure:
    """The combined result: offset (local − true) and uncertainty, or why there is none."""

    method: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    selection: Selection | None = None
    offset: float | None = None
    uncertainty: float | None = None
    verdict: Verdict | None = None
    disagree: bool = False

    @property
    def known(self) -> bool:
        """A verdict with an offset and an uncertainty."""
        return self.verdict is not None and self.offset is not None and self.uncertainty is not None

    def labels(self, indices: tuple[int, ...] | list[int] | None) -> list[str]:
        return [self.candidates[i].label for i in (indices or ())]


def set_role(source: NtpSource | HttpDateSource, role: str) -> None:
    source.role_in_selection = role


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme == "https" else 80
    return (parts.scheme, (parts.hostname or "").lower(), port or default)


def udp_ports(sources: list[NtpSource]) -> str:
    """``UDP port 123``, ``UDP ports 123 and 4123``: the ports the time servers were asked on."""
    ports = sorted({s.endpoint.port for s in sources})
    return f"UDP {plural(len(ports), 'port')} {join(ports)}"


def sources_text(measure: Measure) -> str:
    """The sources a verdict rests on, in words: "3 time servers", "1 web server's Date header, read without
    verifying the certificate (for the time only)" (a clock far off makes every certificate look invalid)."""
    chosen = measure.selection.truechimers if measure.selection else range(len(measure.candidates))
    sources = [measure.candidates[i].source for i in chosen]
    ntp_count = sum(isinstance(s, NtpSource) for s in sources)
    web = [s for s in sources if isinstance(s, HttpDateSource)]
    parts = []
    if ntp_count:
        parts.append(f"{ntp_count} time server{'s' if ntp_count != 1 else ''}")
    if web:
        parts.append("1 web server's Date header" if len(web) == 1 else f"{len(web)} web servers' Date headers")
    text = " and ".join(parts) or "no source"
    unverified = sum(not s.verified for s in web)
    if unverified:
        which = "read" if unverified == len(web) == 1 else f"{unverified} of them read"
        text += f", {which} without verifying the certificate (for the time only)"
    return text
