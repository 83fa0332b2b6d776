"""Read Chromium's net-log (``--log-net-log=FILE``) into typed, frozen facts.

The net-log is Chromium's own account of what its network stack did, with
the reason for every decision; it is the oracle the differential suites
compare login-doctor against. This module turns the JSON (complete, or still
being written, or cut short by a crash) into:

* :class:`UrlRequest` — one per ``URL_REQUEST`` source: every hop with its
  URL, status and ``Location``, the request's final ``net::ERR_*``, and per
  hop the cookies Chromium attached or withheld (``COOKIE_INCLUSION_STATUS``,
  operation ``send``) and, per ``Set-Cookie`` line, whether Chromium stored
  it and why not (operation ``store``), by the reason names Chromium uses
  (``EXCLUDE_SAMESITE_STRICT``, ``EXCLUDE_INVALID_DOMAIN``,
  ``WARN_CROSS_SITE_REDIRECT_DOWNGRADE_CHANGES_INCLUSION``, ...);
* :class:`TlsHandshake` — per socket: version, negotiated cipher suite (IANA
  name), key-exchange group, ALPN, and the handshake's net error;
* :class:`CertVerification` — per verifier job: host, net error, the
  ``cert_status`` flags by name, whether a public root was used, and the
  verified chain (PEM, public data);
* :class:`Connection` — every TCP connect attempt and UDP socket, with the
  address and whether bytes were sent: :meth:`NetLog.non_loopback` and
  :meth:`NetLog.assert_loopback_only` are the guard every browser test runs.

No cookie *value* ever enters these types: names, domains, paths and
decisions only (the raw log captured with ``IncludeSensitive`` does hold
values, which is why it stays in the test's tmp dir).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class NetLogEvent:
    """One net-log entry, with its type, phase and source resolved to names."""

    type: str
    phase: str
    """``BEGIN``, ``END`` or ``NONE``."""
    source_id: int
    source_type: str
    time: int
    """Milliseconds on Chromium's tick clock (comparable within one log)."""
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Constants:
    """The name tables at the head of a net-log."""

    event_types: Mapping[int, str]
    source_types: Mapping[int, str]
    phases: Mapping[int, str]
    net_errors: Mapping[int, str]
    cert_status_flags: Mapping[str, int]
    capture_mode: str
    client: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Constants:
        def invert(table: Mapping[str, int]) -> dict[int, str]:
            return {int(v): k for k, v in table.items()}

        phases = {code: name.removeprefix("PHASE_") for code, name in invert(data.get("logEventPhase", {})).items()}
        errors = {code: (name if name.startswith("net::") else f"net::{name}")
                  for code, name in invert(data.get("netError", {})).items()}
        return cls(
            event_types=invert(data.get("logEventTypes", {})),
            source_types=invert(data.get("logSourceType", {})),
            phases=phases,
            net_errors=errors,
            cert_status_flags=dict(data.get("certStatusFlag", {})),
            capture_mode=str(data.get("logCaptureMode", "")),
            client=dict(data.get("clientInfo", {})),
        )

    def error_name(self, code: Any) -> str | None:
        """``net::ERR_...`` for a (negative) net error code; None for OK or no code."""
        if not isinstance(code, int) or code == 0:
            return None
        return self.net_errors.get(code, f"net::ERR_{-code}")

    def event(self, raw: Mapping[str, Any]) -> NetLogEvent:
        source = raw.get("source", {})
        return NetLogEvent(
            type=self.event_types.get(int(raw.get("type", -1)), str(raw.get("type"))),
            phase=self.phases.get(int(raw.get("phase", 0)), "NONE"),
            source_id=int(source.get("id", 0)),
            source_type=self.source_types.get(int(source.get("type", -1)), str(source.get("type"))),
            time=int(raw.get("time", 0) or 0),
            params=raw.get("params") or {},
        )


class NetLogParser:
    """Incremental reader: feed it the file's text as it grows, get complete events back.

    Chromium writes the constants on the first line, ``"events": [`` on the
    second and then one event per line (``{...},``). A line still being
    written, or the tail of a log cut short, is simply not returned yet.
    """

    def __init__(self) -> None:
        self.constants: Constants | None = None
        self._pending = ""
        self._in_events = False
        self._done = False

    def feed(self, text: str) -> list[NetLogEvent]:
        self._pending += text
        lines = self._pending.split("\n")
        self._pending = lines.pop()
        out: list[NetLogEvent] = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                out.append(event)
        return out

    def finish(self) -> list[NetLogEvent]:
        """Parse a last line without a newline (a log closed cleanly ends with one anyway)."""
        line, self._pending = self._pending, ""
        event = self._line(line) if line else None
        return [event] if event is not None else []

    def _line(self, line: str) -> NetLogEvent | None:
        line = line.strip()
        if self._done or not line:
            return None
        if self.constants is None:
            if line.startswith('{"constants":'):
                body = line[len('{"constants":'):].rstrip(",")
                self.constants = Constants.from_json(json.loads(body))
            return None
        if not self._in_events:
            self._in_events = line.startswith('"events"')
            return None
        if line.startswith("]"):
            self._done = True
            return None
        try:
            raw = json.loads(line.rstrip(","))
        except ValueError:
            return None
        return self.constants.event(raw) if isinstance(raw, dict) else None


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class CookieDecision:
    """One ``COOKIE_INCLUSION_STATUS`` entry: Chromium's decision about one cookie.

    ``operation`` is ``send`` (attach to a request) or ``store`` (a
    ``Set-Cookie`` line). ``name``/``domain``/``path`` are None when Chromium
    could not even build the cookie (e.g. an invalid ``Domain``).
    """

    operation: str
    name: str | None
    domain: str | None
    path: str | None
    exclusions: tuple[str, ...]
    """``EXCLUDE_*`` reasons; empty when the cookie was included."""
    warnings: tuple[str, ...]
    """``WARN_*`` reasons (the cookie may still be included)."""
    exemption: str | None
    """An exemption reason other than ``NO_EXEMPTION`` (e.g. storage access), or None."""
    partition_key: str | None
    url: str
    """The URL of the hop this decision was made for."""

    @property
    def included(self) -> bool:
        return not self.exclusions

    @classmethod
    def parse(cls, params: Mapping[str, Any], url: str) -> CookieDecision:
        reasons = [part.strip() for part in str(params.get("status", "")).split(",") if part.strip()]
        exemptions = [r for r in reasons if r.endswith("_EXEMPTION") or r.startswith("EXEMPT")]
        partition = params.get("partition_key")
        return cls(
            operation=str(params.get("operation", "")),
            name=params.get("name"),
            domain=params.get("domain"),
            path=params.get("path"),
            exclusions=tuple(r for r in reasons if r.startswith("EXCLUDE_")),
            warnings=tuple(r for r in reasons if r.startswith("WARN_")),
            exemption=next((r for r in exemptions if r != "NO_EXEMPTION"), None),
            partition_key=None if partition in (None, "(none)") else str(partition),
            url=url,
        )


@dataclass(frozen=True)
class SetCookieLine:
    """One ``Set-Cookie`` header of a response and Chromium's decision about it.

    The cookie's value is never kept: ``name`` is the text before the first
    ``=`` (empty for a nameless cookie), ``attributes`` everything after the
    first ``;``.
    """

    index: int
    """Position among the response's ``Set-Cookie`` lines (0-based)."""
    name: str
    attributes: str
    decision: CookieDecision | None
    """None when the log has no decision for the line (it would be a harness bug; tests fail on it)."""


@dataclass(frozen=True)
class Hop:
    """One request/response exchange of a URL request (a redirect makes a new hop)."""

    url: str
    method: str
    status: int | None
    """None when no response arrived (connection or TLS failure, blocked request)."""
    location: str | None
    """Where Chromium was sent next (``URL_REQUEST_REDIRECTED``), resolved."""
    sent: tuple[CookieDecision, ...]
    set_cookies: tuple[SetCookieLine, ...]
    response_header_names: tuple[str, ...]
    """Header names of the response, in order (values are not kept)."""


@dataclass(frozen=True)
class UrlRequest:
    """A ``URL_REQUEST`` source: one fetch, navigation or subresource load with its redirects."""

    source_id: int
    request_type: str
    """``main frame``, ``sub frame``, ``other``, ... as Chromium logs it."""
    initiator: str
    hops: tuple[Hop, ...]
    net_error: str | None
    """The request's final net error (``net::ERR_CERT_DATE_INVALID``, ...), None when it had none."""
    cancelled: bool
    """Chromium cancelled the request above the network stack. ``ERR_TOO_MANY_REDIRECTS`` and
    ``ERR_UNSAFE_REDIRECT`` are decided there (the network service's URL loader), so the
    net-log shows such a request cancelled after its last redirect, without the error:
    take the error from the DevTools navigation result."""

    @property
    def url(self) -> str:
        return self.hops[0].url if self.hops else ""

    @property
    def final_url(self) -> str:
        return self.hops[-1].url if self.hops else ""

    @property
    def cookies_sent(self) -> tuple[CookieDecision, ...]:
        return tuple(d for hop in self.hops for d in hop.sent)

    @property
    def set_cookies(self) -> tuple[SetCookieLine, ...]:
        return tuple(line for hop in self.hops for line in hop.set_cookies)


@dataclass(frozen=True)
class TlsHandshake:
    """A TLS client handshake on one socket (``SSL_CONNECT``)."""

    source_id: int
    remote: str | None
    """``ip:port`` of the socket, when the log has it."""
    version: str | None
    """``TLS 1.3``, ``TLS 1.2``, ..."""
    cipher_suite: str | None
    """The IANA name, e.g. ``TLS_AES_128_GCM_SHA256``; ``0x....`` for suites not in the table."""
    key_exchange_group: int | None
    alpn: str | None
    resumed: bool
    net_error: str | None
    ssl_error: int | None
    """BoringSSL's error code from ``SSL_HANDSHAKE_ERROR``, when the handshake failed there."""


@dataclass(frozen=True)
class CertVerification:
    """A certificate verifier job: Chromium's verdict on a server's chain for a host."""

    source_id: int
    host: str
    net_error: str | None
    cert_status: tuple[str, ...]
    """``cert_status`` flags by name (``DATE_INVALID``, ``AUTHORITY_INVALID``, ``REVOKED``, ...)."""
    known_root: bool | None
    """True when the chain ends at a public (Chrome Root Store) root; False for a locally trusted one."""
    verified_chain: tuple[str, ...]
    """The path Chromium built, leaf first, as PEM (certificates are public)."""


@dataclass(frozen=True)
class Connection:
    """A socket Chromium opened towards an address: a TCP connect attempt or a UDP socket."""

    source_id: int
    protocol: str
    """``tcp`` or ``udp``."""
    address: str
    """The IP address (no brackets)."""
    port: int
    bytes_sent: int
    """Bytes written on the socket (0 for a refused TCP connect or a UDP route probe)."""

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.address).is_loopback
        except ValueError:
            return False


IPV6_PROBE = ("2001:4860:4860::8888", 443)
"""Chromium's IPv6 reachability probe (``HostResolverManager``): a UDP ``connect()`` that only
asks the kernel for a route and sends no datagram. It is the one non-loopback address the guard
accepts, and only with zero bytes sent; no flag disables it."""


# ----------------------------------------------------------------------------- the log


@dataclass(frozen=True)
class NetLog:
    """Parsed net-log events (all of a file, or a slice of a running browser's log)."""

    events: tuple[NetLogEvent, ...]
    constants: Constants
    _by_source: dict[int, list[NetLogEvent]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for event in self.events:
            self._by_source.setdefault(event.source_id, []).append(event)

    # -- loading

    @classmethod
    def from_text(cls, text: str) -> NetLog:
        parser = NetLogParser()
        events = parser.feed(text) + parser.finish()
        if parser.constants is None:
            raise ValueError("not a Chromium net-log (no constants line)")
        return cls(tuple(events), parser.constants)

    @classmethod
    def load(cls, path: Path) -> NetLog:
        """A whole net-log file; a log cut short (crash, still being written) loses only its last line."""
        return cls.from_text(path.read_text("utf-8", "replace"))

    # -- queries

    def of_type(self, *types: str) -> Iterator[NetLogEvent]:
        wanted = set(types)
        return (e for e in self.events if e.type in wanted)

    def source(self, source_id: int) -> Sequence[NetLogEvent]:
        return self._by_source.get(source_id, [])

    def requests(self) -> tuple[UrlRequest, ...]:
        """Every URL request in the log, in start order."""
        out = []
        for source_id, events in self._by_source.items():
            if events[0].source_type == "URL_REQUEST" and any(e.type == "URL_REQUEST_START_JOB" for e in events):
                out.append(_url_request(source_id, events, self.constants))
        return tuple(out)

    def requests_to(self, url_prefix: str) -> tuple[UrlRequest, ...]:
        """URL requests whose first hop starts with ``url_prefix``."""
        return tuple(r for r in self.requests() if r.url.startswith(url_prefix))

    def navigations(self) -> tuple[UrlRequest, ...]:
        """Top-level document requests (``request_type`` ``main frame``)."""
        return tuple(r for r in self.requests() if r.request_type == "main frame")

    def cookie_decisions(self) -> tuple[CookieDecision, ...]:
        return tuple(d for r in self.requests() for hop in r.hops for d in
                     (*hop.sent, *(line.decision for line in hop.set_cookies if line.decision)))

    def tls_handshakes(self) -> tuple[TlsHandshake, ...]:
        out = []
        for source_id, events in self._by_source.items():
            if any(e.type == "SSL_CONNECT" for e in events):
                out.append(_tls(source_id, events, self.constants))
        return tuple(out)

    def cert_verifications(self) -> tuple[CertVerification, ...]:
        out = []
        for source_id, events in self._by_source.items():
            begin = next((e for e in events if e.type == "CERT_VERIFIER_JOB" and e.phase == "BEGIN"), None)
            end = next((e for e in events if e.type == "CERT_VERIFIER_JOB" and e.phase == "END"), None)
            if begin is None or end is None:
                continue
            status = int(end.params.get("cert_status", 0) or 0)
            flags = tuple(sorted(name for name, bit in self.constants.cert_status_flags.items() if status & bit))
            chain = end.params.get("verified_cert", {}).get("certificates", [])
            known = end.params.get("is_issued_by_known_root")
            out.append(CertVerification(
                source_id=source_id,
                host=str(begin.params.get("host", "")),
                net_error=self.constants.error_name(end.params.get("net_error")),
                cert_status=flags,
                known_root=known if isinstance(known, bool) else None,
                verified_chain=tuple(str(c) for c in chain),
            ))
        return tuple(out)

    def connections(self) -> tuple[Connection, ...]:
        """Every TCP connect attempt and every UDP socket ``connect()``."""
        out = []
        for source_id, events in self._by_source.items():
            sent = sum(int(e.params.get("byte_count", 0) or 0) for e in events
                       if e.type in ("SOCKET_BYTES_SENT", "UDP_BYTES_SENT"))
            for event in events:
                if event.phase != "BEGIN" or event.type not in ("TCP_CONNECT_ATTEMPT", "UDP_CONNECT"):
                    continue
                address, port = split_endpoint(str(event.params.get("address", "")))
                protocol = "tcp" if event.type == "TCP_CONNECT_ATTEMPT" else "udp"
                out.append(Connection(source_id, protocol, address, port, sent))
        return tuple(out)

    def non_loopback(self) -> tuple[Connection, ...]:
        """Connections to any address outside loopback, except the IPv6 route probe that sent nothing."""
        return tuple(
            c for c in self.connections()
            if not c.loopback and not (c.protocol == "udp" and (c.address, c.port) == IPV6_PROBE and c.bytes_sent == 0)
        )

    def assert_loopback_only(self) -> None:
        """Fail (AssertionError) if Chromium contacted any non-loopback address."""
        bad = self.non_loopback()
        assert not bad, "the browser contacted non-loopback addresses: " + ", ".join(
            f"{c.protocol} {c.address}:{c.port} ({c.bytes_sent} bytes sent)" for c in bad)


def split_endpoint(text: str) -> tuple[str, int]:
    """``1.2.3.4:80`` / ``[::1]:443`` → (address, port)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        return host, int(port)
    except ValueError:
        return text, 0


# ----------------------------------------------------------------------------- builders


def _url_request(source_id: int, events: Sequence[NetLogEvent], constants: Constants) -> UrlRequest:
    hops: list[Hop] = []
    current: dict[str, Any] | None = None
    request_type = initiator = ""
    net_error: str | None = None

    def close_hop() -> None:
        if current is not None:
            hops.append(_hop(current))

    for event in events:
        params = event.params
        if event.type == "URL_REQUEST_START_JOB" and event.phase == "BEGIN":
            close_hop()
            current = {"url": str(params.get("url", "")), "method": str(params.get("method", "GET")),
                       "status": None, "location": None, "sent": [], "store": [], "set_cookie": [], "names": []}
            request_type = request_type or str(params.get("request_type", ""))
            initiator = initiator or str(params.get("initiator", ""))
        elif current is None:
            pass
        elif event.type == "COOKIE_INCLUSION_STATUS":
            decision = CookieDecision.parse(params, current["url"])
            (current["sent"] if decision.operation == "send" else current["store"]).append(decision)
        elif event.type in ("HTTP_TRANSACTION_READ_RESPONSE_HEADERS", "HTTP_TRANSACTION_READ_EARLY_HINTS_RESPONSE_HEADERS"):
            if event.type == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS":
                _read_headers(current, params.get("headers", []))
        elif event.type == "URL_REQUEST_REDIRECTED":
            current["location"] = params.get("location")
        ends_request = event.type == "REQUEST_ALIVE" or (event.type == "URL_REQUEST_START_JOB" and "net_error" in params)
        if ends_request and event.phase == "END":
            net_error = constants.error_name(params.get("net_error"))
    close_hop()
    cancelled = any(e.type == "CANCELLED" for e in events)
    return UrlRequest(source_id, request_type, initiator, tuple(hops), net_error, cancelled)


def _read_headers(hop: dict[str, Any], headers: Iterable[Any]) -> None:
    lines = [str(h) for h in headers]
    if lines and lines[0].startswith("HTTP/"):
        parts = lines[0].split()
        if len(parts) > 1 and parts[1].isdigit():
            hop["status"] = int(parts[1])
        lines = lines[1:]
    hop["names"] = []
    hop["set_cookie"] = []
    for line in lines:
        name, _, value = line.partition(":")
        hop["names"].append(name.strip())
        if name.strip().lower() == "set-cookie":
            hop["set_cookie"].append(value.strip())


def _hop(data: Mapping[str, Any]) -> Hop:
    return Hop(
        url=data["url"], method=data["method"], status=data["status"], location=data["location"],
        sent=tuple(data["sent"]), set_cookies=_match_set_cookies(data["set_cookie"], data["store"]),
        response_header_names=tuple(data["names"]),
    )


def cookie_line_name(line: str) -> tuple[str, str]:
    """(name, attributes) of a ``Set-Cookie`` value, as RFC 6265bis splits it; the value is dropped."""
    pair, _, attributes = line.partition(";")
    name, sep, _value = pair.partition("=")
    return (name.strip() if sep else ""), attributes.strip()


def _match_set_cookies(lines: Sequence[str], decisions: Sequence[CookieDecision]) -> tuple[SetCookieLine, ...]:
    """Pair each ``Set-Cookie`` line with its ``store`` decision.

    Decisions for cookies Chromium could build carry the cookie's name and come
    in header order; those for lines it could not build (``EXCLUDE_INVALID_DOMAIN``,
    a malformed line) carry no name. So: by name first, in order; the nameless
    decisions then fill the remaining lines in order.
    """
    parsed = [cookie_line_name(line) for line in lines]
    assigned: list[CookieDecision | None] = [None] * len(lines)
    nameless: list[CookieDecision] = []
    for decision in decisions:
        if decision.name is None:
            nameless.append(decision)
            continue
        index = next((i for i, (name, _) in enumerate(parsed) if assigned[i] is None and name == decision.name), None)
        if index is None:
            nameless.append(decision)
        else:
            assigned[index] = decision
    for decision in nameless:
        index = next((i for i in range(len(lines)) if assigned[i] is None), None)
        if index is not None:
            assigned[index] = decision
    return tuple(SetCookieLine(i, name, attrs, assigned[i]) for i, (name, attrs) in enumerate(parsed))


def _tls(source_id: int, events: Sequence[NetLogEvent], constants: Constants) -> TlsHandshake:
    end = next((e for e in events if e.type == "SSL_CONNECT" and e.phase == "END"), None)
    error = next((e for e in events if e.type == "SSL_HANDSHAKE_ERROR"), None)
    connect = next((e for e in events if e.type == "TCP_CONNECT" and e.phase == "END"), None)
    params: Mapping[str, Any] = end.params if end is not None else {}
    suite = params.get("cipher_suite")
    remote = connect.params.get("remote_address") if connect is not None else None
    return TlsHandshake(
        source_id=source_id,
        remote=str(remote) if remote else None,
        version=params.get("version"),
        cipher_suite=cipher_suite_name(suite) if isinstance(suite, int) else None,
        key_exchange_group=params.get("key_exchange_group"),
        alpn=params.get("next_proto"),
        resumed=bool(params.get("is_resumed", False)),
        net_error=constants.error_name(params.get("net_error")),
        ssl_error=error.params.get("ssl_error") if error is not None else None,
    )


CIPHER_SUITES: Mapping[int, str] = {
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
}
"""IANA names of the suites BoringSSL (and so Chromium) can negotiate."""


def cipher_suite_name(value: int) -> str:
    return CIPHER_SUITES.get(value, f"0x{value:04X}")
