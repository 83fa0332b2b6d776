"""The ``connectivity`` check: does this device reach the sign-in service, and if not, where does it break?

It walks the layers a browser goes through, one result per step and per
address (OONI's web_connectivity pipeline, without a remote helper), with the
browser's own limits (:mod:`diagnose.net.chromium`, docs/connectivity.md):

0. **Port**: a port Chromium refuses (``ERR_UNSAFE_PORT``) ends the walk before
   any packet, as it does in the browser; one only Firefox refuses is a warning.
1. **Proxy**: which proxy, if any, the request would use.
2. **DNS**: the system resolver (or the ``--resolve`` pin), and every
   ``--dns-server`` for comparison; NXDOMAIN, SERVFAIL, REFUSED, timeouts,
   empty answers, sinkholed or private answers for a public name, and
   resolvers that disagree.
3. **Offline**: when the name does not resolve, the routing table and the
   profile's other names tell "this name is broken" from "nothing resolves";
   nothing further is probed then, least of all an address by IP.
4. **TCP** to every resolved address, IPv4 and IPv6 separately.
5. **TLS** handshake (https), offering Chromium's versions and cipher suites
   and waiting as long as it does (30 s, within the run's deadline): does it
   complete, slowly (a warning with the time), on settings Chromium calls
   obsolete (a warning naming the suite), and if not, does the server only
   speak TLS 1.0/1.1 or suites browsers dropped, or send a chain over the
   browser's 100 KiB limit? The certificate verdict is the ``certificate``
   check's job; this connection only says whether TLS works.
6. **HTTP** GET of the sign-in URL (no redirects followed, body capped):
   server errors, proxy authentication, captive portals.
"""

from __future__ import annotations

from checks._connectivity import dns, http, transport
from checks._connectivity.state import ConnectivityRun
from diagnose.check import Check, CheckContext, Outcome, load_catalogue
from diagnose.facts import Reached
from diagnose.net import chromium


class ConnectivityCheck(Check):
    id = "connectivity"
    title = "Your device reaches the sign-in service"
    failure_title = "Your device does not reach the sign-in service"
    description = (
        "Looks up the sign-in address (system resolver and any --dns-server), connects to every "
        "address over IPv4 and IPv6, completes a TLS handshake and requests the sign-in page, "
        "and says where the path breaks: no network, DNS, firewall, TLS, proxy, captive portal "
        "or the service itself."
    )
    timeout = 40.0
    """Room for the browser's 30 s handshake limit; the run's deadline (20 s by default) bounds it first."""
    findings = load_catalogue("connectivity")

    async def run(self, ctx: CheckContext) -> Outcome:
        run = ConnectivityRun(self, ctx)
        return await run.conclude(_walk(run))


async def _walk(run: ConnectivityRun) -> Outcome:
    """The layers in the order a browser meets them; the first that breaks ends the walk."""
    if not _port_allowed(run):
        return run.failed()
    proxy = run.net.proxy_for(run.url)
    run.details["proxy"] = run.ctx.redact.url(proxy) if proxy else None
    _auto_config(run, proxy)
    if proxy:
        run.add("connectivity.proxy_in_use", proxy=run.ctx.redact.url(proxy))

    addresses = await dns.resolve(run, proxy)
    if addresses is None:
        return run.failed()
    if proxy:
        # A browser hands the whole request to the proxy; direct probes
        # would only measure what the network is meant to block.
        run.details["direct_probes"] = "not attempted: traffic goes through the proxy"
        run.hand_on(Reached(run.host, run.port, None, run.ctx.redact.url(proxy)))
        return await http.http(run, proxy)

    if not await transport.tcp(run, addresses) or (run.scheme == "https" and not await transport.tls(run)):
        await http.portal_probe(run)
        return run.failed()
    return await http.http(run, None)


def _port_allowed(run: ConnectivityRun) -> bool:
    """Chromium refuses some ports before sending anything (``ERR_UNSAFE_PORT``); Firefox a few more."""
    port = run.port
    run.details["port_check"] = {"port": port, "chromium_refuses": chromium.is_unsafe_port(port),
                                 "firefox_refuses": chromium.firefox_refuses(port)}
    if chromium.is_unsafe_port(port):
        service = chromium.UNSAFE_PORTS.get(port, "not a valid port")
        firefox = "" if port == 0 else ", and Firefox 'This address is restricted'"
        run.add("connectivity.unsafe_port", port=port, service=service, firefox=firefox,
                source="Chromium net/base/port_util.cc kRestrictedPorts")
        run.details["direct_probes"] = "not attempted: browsers refuse this port before connecting"
        return False
    if port in chromium.FIREFOX_ONLY_UNSAFE_PORTS:
        run.add("connectivity.port_blocked_by_firefox", port=port,
                service=chromium.FIREFOX_ONLY_UNSAFE_PORTS[port],
                source="Firefox netwerk/base/nsIOService.cpp gBadPortList")
    return True


def _auto_config(run: ConnectivityRun, proxy: str | None) -> None:
    """A PAC script decides the browser's proxy: say so, and which path this check tests instead."""
    pac = run.net.auto_config()
    if pac is None:
        return
    tested = f"through the proxy {run.ctx.redact.url(proxy)}" if proxy else "directly, without a proxy"
    run.details["proxy_auto_config"] = {"url": run.ctx.redact.url(pac.url) if pac.url else None,
                                        "source": pac.source, "tested": tested}
    run.add("connectivity.proxy_auto_config", script=run.ctx.redact.text(pac.describe()), tested=tested,
            url=run.ctx.redact.url(pac.url) if pac.url else None, source=pac.source)
