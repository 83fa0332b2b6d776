"""The one place that touches the network: resolvers, TCP probes, TLS handshakes,
certificate chains, HTTP clients and UDP exchanges.

Checks never open a socket on their own; they ask the :class:`Net` in their
context. That gives three things:

* every network path is testable: the lab and tests inject a system resolver
  that is the lab's DNS server, pins (``--resolve``) that point names at
  loopback, and extra trust anchors (``--ca-file``), or a subclass of
  :class:`Net`;
* every step has a timeout, and answers are bounded (headers by h11, bodies by
  :func:`read_bounded`), so a hostile server costs bounded time and memory;
* every failure is classified once (:func:`classify`) into one vocabulary
  (:class:`FailureKind`), whichever library raised it;
* the run's network behaviour is described in one place for the report
  (:meth:`Net.describe`).

One module per protocol: :mod:`.dns`, :mod:`.tcp`, :mod:`.tls` (handshake and
chain reading), :mod:`.http` with :mod:`.transport`, :mod:`.udp`, plus
:mod:`.addresses`, :mod:`.proxies` and :mod:`.errors`. Heavy libraries (httpx,
httpcore, dnspython, pyOpenSSL, truststore) are imported on first use so that
``login-doctor --version`` does not pay for them.
"""

from __future__ import annotations

from diagnose.net.addresses import is_bogon, is_ip_literal, is_sinkhole
from diagnose.net.dns import DNS_TIMEOUT, DnsError, DnsServerResolver, Lookup, PinnedResolver, Resolver, SystemResolver
from diagnose.net.errors import Failure, FailureKind, Stage, classify, request_errors
from diagnose.net.http import (
    HTTP_TIMEOUT,
    LOCATION_HEADER,
    MAX_BODY,
    USER_AGENT,
    BoundedBody,
    read_bounded,
    response_locations,
)
from diagnose.net.network import Net, Offline, OfflineNet
from diagnose.net.tcp import TCP_TIMEOUT, TcpError, TcpProbe
from diagnose.net.tls import CHAIN_LIMIT, TLS_TIMEOUT, ChainFetch, TlsHandshake
from diagnose.net.udp import UdpReply

__all__ = [
    "CHAIN_LIMIT",
    "DNS_TIMEOUT",
    "HTTP_TIMEOUT",
    "LOCATION_HEADER",
    "MAX_BODY",
    "TCP_TIMEOUT",
    "TLS_TIMEOUT",
    "USER_AGENT",
    "BoundedBody",
    "ChainFetch",
    "DnsError",
    "DnsServerResolver",
    "Failure",
    "FailureKind",
    "Lookup",
    "Net",
    "Offline",
    "OfflineNet",
    "PinnedResolver",
    "Resolver",
    "Stage",
    "SystemResolver",
    "TcpError",
    "TcpProbe",
    "TlsHandshake",
    "UdpReply",
    "classify",
    "is_bogon",
    "is_ip_literal",
    "is_sinkhole",
    "read_bounded",
    "request_errors",
    "response_locations",
]
