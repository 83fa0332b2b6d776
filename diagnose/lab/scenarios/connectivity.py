"""Connectivity scenarios: one broken network per ``connectivity.*`` finding code.

Each scenario rebuilds, on loopback only, the situation behind one code: a
DNS server that says NXDOMAIN or nothing at all, a port that refuses or drops
connections, a server that is not TLS or only speaks TLS 1.0, a proxy that
wants a password, a captive portal that hijacks names. The sign-in site itself
usually runs healthy next to the fault, so the diagnosis has to find the fault
rather than a dead lab.

Nothing here can send a packet beyond loopback:

* every name is answered by the lab DNS (the run's "system" resolver);
* addresses that stand for "somewhere else" are chosen so that even a buggy
  check stays local: a sinkhole answer (``0.0.0.0``) connects to this
  machine, where a trap server counts connections; the unreachable address is
  an IPv6 documentation *multicast* address (RFC 6676), which the kernel
  refuses for TCP with ENETUNREACH before any packet is built;
* the proxy and the portal are lab servers that never connect onwards.

What each scenario's servers saw is put in :attr:`LabRun.observed` so tests can
check the server's side too (the trap was never touched, the proxy got a
CONNECT, the portal got the probe).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Mapping
from typing import Any

from diagnose.lab.dns import Answer
from diagnose.lab.pki import self_signed
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.lab.servers import (
    LabRequest,
    LabResponse,
    LabServer,
    SynDropper,
    black_hole,
    closed_port,
    server_context,
)
from diagnose.model import Status
from diagnose.settings import Endpoint

HOST = f"app.{LAB_DOMAIN}"
"""The sign-in host of the lab vendor."""

PROBE_HOST = f"connectivitycheck.{LAB_DOMAIN}"
"""Host of the lab's captive-portal probe (the lab's ``generate_204``)."""

PROBE_PATH = "/generate_204"

CONTROLS: dict[str, Answer] = {LAB_DOMAIN: ["127.0.0.1"], f"support.{LAB_DOMAIN}": ["127.0.0.1"]}
"""The lab profile's control hosts, resolving: the network works, only the sign-in name is broken."""

UNROUTABLE = "ff0e::db8:0:1"
"""IPv6 documentation multicast (RFC 6676). TCP cannot go to a multicast address, so the kernel
refuses the connect itself: Linux's tcp_v6_connect() returns ENETUNREACH before any route lookup
or packet. The "no route" is real and nothing is sent, not even on loopback."""

DEADLINE = 2.0
"""Run deadline of the black-hole scenarios: short, so tests and the demo stay fast."""

CONNECTIVITY = ("connectivity",)
FAIL = {"connectivity": Status.FAIL}
WARN = {"connectivity": Status.WARN}
CUT_OFF = {"connectivity": Status.ERROR}


# ----------------------------------------------------------------------------- helpers


async def signin_site(lab: Lab) -> LabServer:
    """The healthy sign-in site (HTTPS, lab-CA certificate) on 127.0.0.1."""
    return await lab.https(signin_app(), names=[HOST, LAB_DOMAIN])


def signin_url(port: int, host: str = HOST) -> str:
    return f"https://{host}:{port}{SIGNIN_PATH}"


async def portal_probe_server(lab: Lab) -> tuple[LabServer, dict[str, Any]]:
    """The genuine captive-portal probe (answers 204, like Android's) and the profile settings naming it."""

    def answer(request: LabRequest) -> LabResponse:
        if request.path == PROBE_PATH:
            return LabResponse(204)
        return LabResponse.html("<h1>Not found</h1>", status=404)

    server = await lab.http(answer)
    probes = [{"url": f"http://{PROBE_HOST}:{server.port}{PROBE_PATH}", "expect_status": 204}]
    return server, {"captive_portal_probes": probes}


def zone(target: Answer) -> dict[str, Answer]:
    """The lab DNS zone: the sign-in host answers ``target``; the probe and control hosts resolve."""
    return {**CONTROLS, PROBE_HOST: ["127.0.0.1"], HOST: target}


async def dns_fault(lab: Lab, answer: Answer) -> LabRun:
    """The site runs, the control hosts resolve, only the sign-in name gets ``answer``."""
    site = await signin_site(lab)
    dns = await lab.dns(zone(answer))
    return lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)


async def with_probe(lab: Lab, names: Mapping[str, Answer], url: str, **run: Any) -> LabRun:
    """A run whose profile probes the lab's genuine portal-detection URL (no portal: the answer matches)."""
    probe, section = await portal_probe_server(lab)
    dns = await lab.dns({**zone(["127.0.0.1"]), **names})
    result = lab.run(url, dns=dns, profile=lab.profile_for(url, connectivity=section), only=CONNECTIVITY, **run)
    result.observed["probe_requests"] = probe.requests
    return result


def second_loopback() -> str:
    """A loopback address other than 127.0.0.1 for "another machine": 127.0.0.2 on Linux, else ::1.

    Linux routes all of 127.0.0.0/8 to ``lo``; macOS only has 127.0.0.1 unless
    aliased, but has ``::1``. Either is loopback, so nothing leaves the machine.
    """
    for family, address in ((socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::1")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.bind((address, 0))
                return address
        except OSError:
            continue
    raise OSError("no second loopback address (127.0.0.2 or ::1) is available")


# ----------------------------------------------------------------------------- DNS


@scenario(
    "offline",
    "No internet: the network's DNS answers 'no such name' for every name, the sign-in host and the "
    "vendor's other names alike.",
    expect=FAIL,
    codes=["connectivity.offline"],
    area="connectivity",
)
async def offline(lab: Lab) -> AsyncIterator[LabRun]:
    dns = await lab.dns({})  # every name: NXDOMAIN
    yield lab.run(signin_url(443), dns=dns, only=CONNECTIVITY)


@scenario(
    "dns-nxdomain",
    "The sign-in name does not exist in DNS (NXDOMAIN), while the vendor's other names resolve.",
    expect=FAIL,
    codes=["connectivity.dns_nxdomain"],
    area="connectivity",
)
async def dns_nxdomain(lab: Lab) -> AsyncIterator[LabRun]:
    yield await dns_fault(lab, "nxdomain")


@scenario(
    "dns-servfail",
    "The DNS server fails to look up the sign-in name (SERVFAIL), e.g. a broken DNSSEC chain upstream.",
    expect=FAIL,
    codes=["connectivity.dns_servfail"],
    area="connectivity",
)
async def dns_servfail(lab: Lab) -> AsyncIterator[LabRun]:
    yield await dns_fault(lab, "servfail")


@scenario(
    "dns-refused",
    "The DNS server refuses to answer for the sign-in name (REFUSED), as a resolver that does not serve "
    "this network does.",
    expect=FAIL,
    codes=["connectivity.dns_refused"],
    area="connectivity",
)
async def dns_refused(lab: Lab) -> AsyncIterator[LabRun]:
    yield await dns_fault(lab, "refused")


@scenario(
    "dns-timeout",
    "The DNS server never answers queries for the sign-in name (the packets are dropped).",
    expect=FAIL,
    codes=["connectivity.dns_timeout"],
    area="connectivity",
)
async def dns_timeout(lab: Lab) -> AsyncIterator[LabRun]:
    yield await dns_fault(lab, "drop")


@scenario(
    "dns-no-answer",
    "The sign-in name exists but has no address record (NOERROR with an empty answer).",
    expect=FAIL,
    codes=["connectivity.dns_no_answer"],
    area="connectivity",
)
async def dns_no_answer(lab: Lab) -> AsyncIterator[LabRun]:
    yield await dns_fault(lab, "empty")


@scenario(
    "dns-bogon",
    "A DNS filter sinkholes the public name app.atera.com: it answers 0.0.0.0 and 127.0.0.1. "
    "The check must flag it and must not connect to those addresses.",
    expect=FAIL,
    codes=["connectivity.dns_bogon"],
    area="connectivity",
)
async def dns_bogon(lab: Lab) -> AsyncIterator[LabRun]:
    # A public name under a real public suffix, so a private/loopback answer is a bogon.
    # 0.0.0.0 and 127.0.0.1 both land on this machine: the trap below counts any
    # connection a wrong check would make, and nothing can leave loopback.
    connections: list[str] = []

    async def trap(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(str(writer.get_extra_info("peername")))
        writer.close()

    server = await lab.enter(LabServer(raw=trap))
    public = "app.atera.com"
    url = signin_url(server.port, public)
    profile = lab.profile(
        name="atera-bogon",
        default_url=url,
        official_domains=["atera.com"],
        signin_urls=[url, f"https://{public}{SIGNIN_PATH}"],
    )
    dns = await lab.dns({public: ["0.0.0.0", "127.0.0.1"]})
    run = lab.run(url, dns=dns, profile=profile, only=CONNECTIVITY)
    run.observed["trap_connections"] = connections
    yield run


@scenario(
    "dns-resolvers-disagree",
    "The system resolver and a second DNS server (--dns-server) give different addresses for the "
    "sign-in name; the site still loads through the system resolver's answer.",
    expect=WARN,
    codes=["connectivity.dns_resolvers_disagree"],
    area="connectivity",
)
async def dns_resolvers_disagree(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    dns = await lab.dns(zone(["127.0.0.1"]))
    other = await lab.dns({HOST: ["127.0.0.9"]})  # only compared, never connected to
    yield lab.run(
        signin_url(site.port), dns=dns, dns_servers=[Endpoint(other.host, other.port)], only=CONNECTIVITY
    )


@scenario(
    "dns-named-resolver-sinkhole",
    "The network's DNS says the sign-in name does not exist, and the DNS server named with --dns-server "
    "sinkholes it (answers 0.0.0.0): no resolver gives a usable answer.",
    expect=FAIL,
    codes=["connectivity.dns_nxdomain", "connectivity.dns_bogon"],
    area="connectivity",
)
async def dns_named_resolver_sinkhole(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    dns = await lab.dns(zone("nxdomain"))
    filtering = await lab.dns({HOST: ["0.0.0.0", "::"]})
    yield lab.run(signin_url(site.port), dns=dns, dns_servers=[Endpoint(filtering.host, filtering.port)],
                  only=CONNECTIVITY)


@scenario(
    "dns-named-resolver-blocks",
    "The network's DNS works, but the DNS server named with --dns-server (a filtering resolver) answers "
    "0.0.0.0 for the sign-in name: sign-in works here, and that resolver would block it.",
    expect=WARN,
    codes=["connectivity.dns_bogon"],
    area="connectivity",
)
async def dns_named_resolver_blocks(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)
    dns = await lab.dns(zone(["127.0.0.1"]))
    filtering = await lab.dns({HOST: ["0.0.0.0"]})
    yield lab.run(signin_url(site.port), dns=dns, dns_servers=[Endpoint(filtering.host, filtering.port)],
                  only=CONNECTIVITY)


@scenario(
    "dns-system-dead-named-nxdomain",
    "The network's DNS server answers nothing at all, and the DNS server named with --dns-server says the "
    "sign-in name does not exist: the report keeps what that server said.",
    expect=FAIL,
    codes=["connectivity.offline"],
    area="connectivity",
)
async def dns_system_dead_named_nxdomain(lab: Lab) -> AsyncIterator[LabRun]:
    dead = await lab.dns({}, default="drop")
    named = await lab.dns({}, default="nxdomain")
    yield lab.run(signin_url(443), dns=dead, dns_servers=[Endpoint(named.host, named.port)], only=CONNECTIVITY)


# ----------------------------------------------------------------------------- TCP


@scenario(
    "tcp-refused",
    "Nothing listens on the sign-in port: the connection is refused (service down, or a firewall "
    "that rejects).",
    expect=FAIL,
    codes=["connectivity.tcp_refused"],
    area="connectivity",
)
async def tcp_refused(lab: Lab) -> AsyncIterator[LabRun]:
    yield await with_probe(lab, {}, signin_url(closed_port()))


@scenario(
    "tcp-timeout",
    "A firewall silently drops connections to the sign-in port (SYN dropped): no answer at all.",
    expect=FAIL,
    codes=["connectivity.tcp_timeout"],
    area="connectivity",
)
async def tcp_timeout(lab: Lab) -> AsyncIterator[LabRun]:
    dropper = SynDropper()
    lab.callback(dropper.close)
    yield await with_probe(lab, {}, signin_url(dropper.port))


@scenario(
    "tcp-unreachable",
    "The sign-in name resolves to an address this device has no route to (the kernel rejects the "
    "connection with 'network unreachable' before sending anything).",
    expect=FAIL,
    codes=["connectivity.tcp_unreachable"],
    area="connectivity",
)
async def tcp_unreachable(lab: Lab) -> AsyncIterator[LabRun]:
    yield await with_probe(lab, {HOST: [UNROUTABLE]}, signin_url(443))


@scenario(
    "ip-family-broken",
    "The sign-in name has an IPv4 and an IPv6 address; IPv4 works, IPv6 is refused.",
    expect=WARN,
    codes=["connectivity.ip_family_broken"],
    area="connectivity",
)
async def ip_family_broken(lab: Lab) -> AsyncIterator[LabRun]:
    site = await signin_site(lab)  # 127.0.0.1 only: [::1] on the same port refuses (or has no IPv6 at all)
    dns = await lab.dns(zone(["127.0.0.1", "::1"]))
    yield lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)


@scenario(
    "black-hole",
    "The server accepts the connection and never answers (not even the TLS handshake): the run ends "
    "at its deadline with a report.",
    expect=CUT_OFF,
    area="connectivity",
)
async def black_hole_target(lab: Lab) -> AsyncIterator[LabRun]:
    server = await lab.enter(LabServer(raw=black_hole))
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(server.port), dns=dns, only=CONNECTIVITY, timeout=DEADLINE)


@scenario(
    "syn-dropped-deadline",
    "Connections are silently dropped and the run's deadline is shorter than the connection "
    "timeout: the run ends at its deadline with a report.",
    expect=CUT_OFF,
    area="connectivity",
)
async def syn_dropped_deadline(lab: Lab) -> AsyncIterator[LabRun]:
    dropper = SynDropper()
    lab.callback(dropper.close)
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(dropper.port), dns=dns, only=CONNECTIVITY, timeout=DEADLINE)


# ----------------------------------------------------------------------------- HTTP


@scenario(
    "http-server-error",
    "The service is up but its sign-in page answers 503 Service Unavailable.",
    expect=FAIL,
    codes=["connectivity.http_server_error"],
    area="connectivity",
)
async def http_server_error(lab: Lab) -> AsyncIterator[LabRun]:
    def unavailable(request: LabRequest) -> LabResponse:
        return LabResponse.html(
            "<h1>Down for maintenance</h1>", status=503, headers=[("Server", "lab"), ("Retry-After", "120")]
        )

    site = await lab.https(unavailable, names=[HOST])
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)


@scenario(
    "http-no-response",
    "TCP and TLS work, but the server closes the connection without answering the request for the "
    "sign-in page.",
    expect=FAIL,
    codes=["connectivity.http_failed"],
    area="connectivity",
)
async def http_no_response(lab: Lab) -> AsyncIterator[LabRun]:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.close()

    site = await lab.enter(LabServer(raw=hang_up, tls=server_context(lab.issue([HOST]))))
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(site.port), dns=dns, only=CONNECTIVITY)


@scenario(
    "captive-portal",
    "A hotel-style captive portal: its DNS sends every name, the sign-in host and the portal-detection "
    "URL alike, to the portal, which shows its own certificate and redirects to its sign-in page.",
    expect=FAIL,
    codes=["connectivity.http_captive_portal", "connectivity.http_not_verified"],
    area="connectivity",
)
async def captive_portal(lab: Lab) -> AsyncIterator[LabRun]:
    # The genuine site and the genuine probe run on 127.0.0.1; the portal listens on the same
    # ports at another loopback address, and the portal's DNS points every name there.
    site = await signin_site(lab)
    probe, section = await portal_probe_server(lab)
    portal_ip = second_loopback()
    portal_name = f"portal.hotel-wifi.{LAB_DOMAIN}"
    portal_host = f"[{portal_ip}]" if ":" in portal_ip else portal_ip
    login = f"http://{portal_host}:{probe.port}/login?continue=1"

    def portal(request: LabRequest) -> LabResponse:
        if request.path == "/login":
            return LabResponse.html("<h1>Welcome to Hotel Wi-Fi</h1><p>Accept the terms to continue.</p>")
        return LabResponse.redirect(login)

    portal_tls = server_context(self_signed([portal_name], organization="Hotel Wi-Fi"))
    portal_https: LabServer = await lab.enter(LabServer(portal, tls=portal_tls, host=portal_ip, port=site.port))
    portal_http: LabServer = await lab.enter(LabServer(portal, host=portal_ip, port=probe.port))
    everything_to_portal = {name: [portal_ip] for name in (HOST, PROBE_HOST, *CONTROLS)}
    dns = await lab.dns(everything_to_portal)
    url = signin_url(site.port)
    run = lab.run(url, dns=dns, profile=lab.profile_for(url, connectivity=section), only=CONNECTIVITY)
    run.observed.update(
        portal_requests=portal_http.requests,
        portal_https_requests=portal_https.requests,
        probe_requests=probe.requests,
        site_requests=site.requests,
        portal_address=portal_ip,
    )
    yield run


# ----------------------------------------------------------------------------- raw servers


async def plain_http_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """What a plain HTTP server (nginx, Apache) does with a TLS ClientHello: 400 Bad Request, close.

    The lab's HTTP server would wait for a blank line that a ClientHello never
    contains; real servers reject the first bytes as a malformed request line.
    """
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(reader.read(4096), 5)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
                 b"Connection: close\r\n\r\nBad Request\n")
    await writer.drain()
    writer.close()
