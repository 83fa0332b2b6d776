""":class:`Net`: the single entry point to the network for every check and the lab."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagnose.net import addresses, proxies, tcp, tls, udp
from diagnose.net.dns import DnsServerResolver, Lookup, PinnedResolver, Resolver, SystemResolver
from diagnose.net.http import HTTP_TIMEOUT, USER_AGENT
from diagnose.net.proxies import AutoConfig
from diagnose.net.tcp import TCP_TIMEOUT, TcpProbe
from diagnose.net.tls import TLS_TIMEOUT, ChainFetch, TlsHandshake
from diagnose.net.tunnel import ProxyRoute, proxy_endpoint
from diagnose.net.udp import UdpReply
from diagnose.settings import Settings

if TYPE_CHECKING:
    import httpx


@dataclass
class Net:
    """The network of one run, configured from :class:`Settings`.

    Checks never open a socket on their own; every network operation is a
    method here, so a test or the lab injects the network in one place (a
    subclass, or the parameters below) and every step has a timeout.

    **Parameters:**

    * ``settings``: pins, extra CA files, DNS and NTP servers.
    * ``system_resolver``: replaces the operating system's resolver (the lab
      makes its DNS server the "system" one).
    * ``proxy_env``: replaces the proxy settings read from the environment
      (``{"https": "http://proxy:3128", "no": "localhost"}``); None reads them.
    * ``system_trust``: PEM files that stand in for the operating system's
      trust store (the lab simulates a root installed on the device, as TLS
      inspection products and adware do); None uses the real store.
    """

    settings: Settings = field(default_factory=Settings)
    system_resolver: Resolver | None = None
    proxy_env: dict[str, str] | None = None
    system_trust: tuple[Path, ...] | None = None
    _verified: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    # -- resolution ---------------------------------------------------------------

    def resolver_for(self, host: str, port: int) -> Resolver:
        """The resolver a browser would effectively use for ``host:port``: the pin, or the system's."""
        pin = self.settings.pinned(host, port)
        if pin is not None:
            return PinnedResolver(pin.addresses)
        return self.system()

    def system(self) -> Resolver:
        """The operating system's resolver (or the one injected in its place)."""
        return self.system_resolver or SystemResolver()

    def extra_resolvers(self) -> list[Resolver]:
        """One resolver per ``--dns-server``, to compare with the system's."""
        return [DnsServerResolver(e.host, e.port) for e in self.settings.dns_servers]

    async def lookup(self, host: str, port: int) -> Lookup:
        """``host`` resolved as a browser would for ``host:port`` (pins first)."""
        return await self.resolver_for(host, port).lookup(host)

    def has_default_route(self) -> bool | None:
        """Whether this device has a default route (None when the routing table cannot be read)."""
        return addresses.has_default_route()

    # -- TCP and TLS ------------------------------------------------------------------

    async def tcp_probe(self, address: str, port: int, timeout: float = TCP_TIMEOUT) -> TcpProbe:
        """Open and close one TCP connection to ``address:port``."""
        return await tcp.tcp_probe(address, port, timeout)

    async def tls_handshake(
        self, address: str, port: int, server_name: str, *, legacy: bool = False, timeout: float = TLS_TIMEOUT
    ) -> TlsHandshake:
        """One TLS handshake that judges nothing (``legacy``: TLS 1.0/1.1 and weak ciphers only)."""
        return await tls.tls_handshake(address, port, server_name, tls.handshake_context(legacy=legacy), timeout)

    async def fetch_chain(self, address: str, port: int, server_name: str, timeout: float = TLS_TIMEOUT,
                          *, proxy: str | None = None) -> ChainFetch:
        """The certificate chain ``address:port`` sends for ``server_name``, as sent (verifies nothing).

        With ``proxy`` (an ``http://`` proxy URL, as :meth:`proxy_for` gives), the chain is read
        through that proxy's CONNECT tunnel to ``server_name:port``, as the browser reaches the
        site; ``address`` is not used then (the proxy resolves the name).
        """
        if proxy is None:
            return await tls.fetch_chain(address, port, server_name, timeout)
        route = await self.proxy_route(proxy)
        if isinstance(route, str):
            return ChainFetch(server_name, port, server_name, False, error="proxy", detail=route,
                              proxy=_redacted(proxy))
        return await tls.fetch_chain(server_name, port, server_name, timeout, tunnel=route)

    async def proxy_route(self, proxy: str) -> ProxyRoute | str:
        """Where the ``http://`` proxy ``proxy`` listens (its name resolved like any other), or why not."""
        endpoint = proxy_endpoint(proxy)
        label = _redacted(proxy)
        if endpoint is None:
            return f"the proxy {label} is not an http:// proxy; its chain cannot be read through it here"
        host, port = endpoint
        if addresses.is_ip_literal(host):
            return ProxyRoute(host.strip("[]"), port, label)
        lookup = await self.lookup(host, port)
        if not lookup.ok:
            return f"the proxy's name {host} does not resolve ({lookup.detail or lookup.error})"
        return ProxyRoute(lookup.addresses[0], port, label)

    def verified_context(self) -> ssl.SSLContext:
        """What a browser trusts: the operating system's store (truststore) plus ``--ca-file``."""
        if self._verified is None:
            from diagnose.inputs.certificates import read_ca_file

            if self.system_trust is not None:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                for path in self.system_trust:
                    ctx.load_verify_locations(cafile=str(path))
            else:
                ctx = tls.system_context()
            for path in self.settings.ca_files:  # PEM or DER, read again through the door
                ctx.load_verify_locations(cadata=read_ca_file(str(path)).cadata())
            ctx.set_alpn_protocols(["http/1.1"])
            tls.browser_suites(ctx)
            self._verified = ctx
        return self._verified

    # -- proxies ----------------------------------------------------------------------

    def proxies(self) -> dict[str, str]:
        """Proxy settings in effect (environment, or the OS settings urllib reads)."""
        if self.proxy_env is not None:
            return dict(self.proxy_env)
        return proxies.environment_proxies()

    def auto_config(self) -> AutoConfig | None:
        """The proxy auto-configuration (PAC) the browser would run, when one is set (detected, not run)."""
        return proxies.auto_config(self.proxy_env)

    def proxy_for(self, url: str) -> str | None:
        """The proxy an HTTP request to ``url`` goes through, or None for a direct connection."""
        return proxies.proxy_for(url, self.proxies())

    # -- HTTP -------------------------------------------------------------------------

    def http_client(
        self,
        *,
        verify: bool = True,
        timeout: float = HTTP_TIMEOUT,
        proxy: str | None = None,
        on_connect: Callable[[str, int, str], None] | None = None,
        connect_timeout: float | None = None,
    ) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that resolves through the run's resolvers and honours
        pins, trust settings and the given proxy.

        Redirects are never followed automatically (checks walk them hop by
        hop; a response's ``Location`` is read with
        :func:`~diagnose.net.http.response_locations`), no credentials are
        ever attached, and cookies are neither kept nor sent back: a check that
        needs cookies keeps its own jar and sends its own ``Cookie`` header (the
        redirects check does). ``on_connect(host, port, address)``
        is told which address each connection reached. ``connect_timeout`` (TCP, TLS and the
        proxy's tunnel) is ``min(timeout, TCP_TIMEOUT)`` unless given: a check that has seen a
        slow handshake gives it the browser's patience. Catch
        :func:`~diagnose.net.errors.request_errors` and
        :func:`~diagnose.net.errors.classify` them.
        """
        import httpx

        from diagnose.net.transport import NoCookies, ResolvingBackend, ResolvingTransport

        transport = ResolvingTransport(
            ssl_context=self.verified_context() if verify else tls.handshake_context(),
            backend=ResolvingBackend(self.lookup, on_connect),
            proxy=proxy,
        )
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=connect_timeout or min(timeout, TCP_TIMEOUT)),
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8"},
            cookies=NoCookies(),
        )

    # -- UDP ------------------------------------------------------------------------

    async def udp_exchange_timed(
        self, host: str, port: int, payload: bytes, timeout: float, now: Callable[[], float]
    ) -> UdpReply:
        """Send one datagram and wait at most ``timeout`` for one reply, noting when it left and
        when the reply arrived (read with ``now`` right at the socket: an NTP client's T1 and T4).

        ``host`` must already be an address (resolve names first, so pins and
        the system resolver apply).
        """
        return await udp.udp_exchange(host, port, payload, timeout, now)

    # -- description ------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """How this run reaches the network, for the report's environment section."""
        from diagnose.redact import redact_url

        return {
            "proxy": {k: redact_url(v) for k, v in self.proxies().items()} or None,
            "resolvers": [self.system().label] + [r.label for r in self.extra_resolvers()],
            "pins": [f"{p.host}:{p.port} -> {', '.join(p.addresses)}" for p in self.settings.pins],
            "trust_stores": (
                ["operating system (truststore)"] if self.system_trust is None
                else [f"simulated operating system store {p.name}" for p in self.system_trust]
            )
            + [f"--ca-file {p}" for p in self.settings.ca_files],
        }


def _redacted(url: str) -> str:
    from diagnose.redact import redact_url

    return redact_url(url)


class Offline(RuntimeError):
    """Raised by :class:`OfflineNet` for any attempt to use the network."""


class OfflineNet(Net):
    """A :class:`Net` that refuses every network operation (raises :class:`Offline`).

    For work that must stay offline by construction, such as judging an address
    as it is typed: a check that tries the network fails instead of sending a packet.
    """

    async def lookup(self, *_: Any, **__: Any) -> Lookup:
        raise _offline()

    def system(self, *_: Any, **__: Any) -> Resolver:
        raise _offline()

    def extra_resolvers(self, *_: Any, **__: Any) -> list[Resolver]:
        raise _offline()

    async def tcp_probe(self, *_: Any, **__: Any) -> TcpProbe:
        raise _offline()

    async def tls_handshake(self, *_: Any, **__: Any) -> TlsHandshake:
        raise _offline()

    async def fetch_chain(self, *_: Any, **__: Any) -> ChainFetch:
        raise _offline()

    def http_client(self, *_: Any, **__: Any) -> httpx.AsyncClient:
        raise _offline()

    async def udp_exchange_timed(self, *_: Any, **__: Any) -> UdpReply:
        raise _offline()


def _offline() -> Offline:
    return Offline("this check runs offline: it may not use the network")
