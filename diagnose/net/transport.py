"""The HTTP transport: httpx on an httpcore pool whose connections resolve through the run's resolvers.

:class:`ResolvingBackend` is an httpcore network backend: pinned names
(``--resolve``) go to their pinned address, other names are looked up with the
same resolver the checks use (the system's, or the lab's), so an HTTP request
never takes a different path from the DNS step and a test never leaks a
lookup to the real network. The URL, the ``Host`` header and TLS SNI keep the
name, as with curl's ``--resolve``.

:class:`ResolvingTransport` puts that backend under httpx through public API
only: httpcore's pools take a ``network_backend`` argument, and httpx takes any
:class:`httpx.AsyncBaseTransport`. Like httpx's own transport it turns httpcore's
exceptions into httpx's, raised *from* the original, so the cause chain that
:func:`diagnose.net.errors.classify` reads stays whole.

This module imports httpx and httpcore; it is imported only when a client is built.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator

import httpcore
import httpx

from diagnose.net.addresses import is_ip_literal
from diagnose.net.dns import Lookup
from diagnose.net.errors import NameNotResolved
from diagnose.net.http import LOCATION_HEADER

MAX_ADDRESSES = 4
"""Addresses of one name tried in turn before the connection is given up."""

Lookuper = Callable[[str, int], Awaitable[Lookup]]
"""Resolves ``(host, port)`` the way the run does (pins first)."""

ConnectCallback = Callable[[str, int, str], None]
"""Told ``(host, port, address)`` whenever a connection is established."""


class ResolvingBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves names with ``lookup`` before connecting."""

    def __init__(self, lookup: Lookuper, on_connect: ConnectCallback | None = None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._lookup = lookup
        self._on_connect = on_connect

    async def _addresses(self, host: str, port: int) -> list[str]:
        name = host.strip("[]")
        if is_ip_literal(name):
            return [name]
        found = await self._lookup(name, port)
        if not found.ok:
            raise _Unresolved(f"cannot resolve {name}: {found.detail or found.error}")
        return list(found.addresses)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in (await self._addresses(host, port))[:MAX_ADDRESSES]:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            if self._on_connect is not None:
                self._on_connect(host, port, address)
            return stream
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Unresolved(NameNotResolved, httpcore.ConnectError):
    """httpcore's connection error, marked: the name did not resolve (nothing was connected)."""


class ResolvingTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool (or proxy pool) that uses ``backend``.

    HTTP/1.1 only, no retries, httpx's default pool limits; ``proxy`` is an
    ``http://`` or ``https://`` proxy URL (credentials in it are sent to the proxy).
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, backend: httpcore.AsyncNetworkBackend,
                 proxy: str | None = None) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        common = {
            "ssl_context": ssl_context,
            "max_connections": limits.max_connections,
            "max_keepalive_connections": limits.max_keepalive_connections,
            "keepalive_expiry": limits.keepalive_expiry,
            "http1": True,
            "http2": False,
            "retries": 0,
            "network_backend": backend,
        }
        self._unsupported: str | None = None
        self._pool: httpcore.AsyncConnectionPool | None = None
        if proxy is None:
            self._pool = httpcore.AsyncConnectionPool(**common)  # type: ignore[arg-type]
            return
        parsed = httpx.Proxy(url=proxy)
        if parsed.url.scheme not in ("http", "https"):
            self._unsupported = f"{parsed.url.scheme}:// proxies are not supported (only http:// and https://)"
            return
        self._pool = httpcore.AsyncHTTPProxy(
            proxy_url=httpcore.URL(
                scheme=parsed.url.raw_scheme,
                host=parsed.url.raw_host,
                port=parsed.url.port,
                target=parsed.url.raw_path,
            ),
            proxy_auth=parsed.raw_auth,
            proxy_headers=parsed.headers.raw,
            proxy_ssl_context=parsed.ssl_context,
            **common,  # type: ignore[arg-type]
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._pool is None:
            raise httpx.ProxyError(self._unsupported or "no connection pool", request=request)
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with httpx_exceptions():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=_location_aside(response.headers),
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        if self._pool is not None:
            with httpx_exceptions():
                await self._pool.aclose()


def _location_aside(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers with every ``Location`` renamed to :data:`LOCATION_HEADER`.

    httpx builds the next request of any 3xx that has a ``Location`` even when
    redirects are not followed, and raises (``InvalidURL``, ``RemoteProtocolError``)
    when it cannot: a ``Location: data:…`` or a space in its host loses the whole
    response (encode/httpx#3706, still open). Checks walk redirects themselves,
    the way a browser does, so the header goes under another name and httpx never
    sees it; :func:`diagnose.net.http.response_locations` reads it back, raw and in order.
    """
    if not any(name.lower() == b"location" for name, _ in headers):
        return headers
    return [(LOCATION_HEADER if name.lower() == b"location" else name, value) for name, value in headers]


class NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: httpx's clients get it so that a ``Set-Cookie`` never
    reaches Python's cookie parser (which overflows on a 309-digit ``Max-Age`` and drops or
    keeps cookies unlike browsers). The redirects check sends its own ``Cookie`` header."""

    def extract_cookies(self, response: object, request: object) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_exceptions():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


def _exception_pairs() -> tuple[tuple[type[Exception], type[httpx.HTTPError]], ...]:
    """httpcore's exceptions and httpx's counterparts, the most specific first."""
    return (
        (httpcore.ConnectTimeout, httpx.ConnectTimeout),
        (httpcore.ReadTimeout, httpx.ReadTimeout),
        (httpcore.WriteTimeout, httpx.WriteTimeout),
        (httpcore.PoolTimeout, httpx.PoolTimeout),
        (httpcore.TimeoutException, httpx.TimeoutException),
        (httpcore.ConnectError, httpx.ConnectError),
        (httpcore.ReadError, httpx.ReadError),
        (httpcore.WriteError, httpx.WriteError),
        (httpcore.NetworkError, httpx.NetworkError),
        (httpcore.ProxyError, httpx.ProxyError),
        (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
        (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
        (httpcore.LocalProtocolError, httpx.LocalProtocolError),
        (httpcore.ProtocolError, httpx.ProtocolError),
    )


@contextlib.contextmanager
def httpx_exceptions() -> Iterator[None]:
    """Re-raise an httpcore exception as the httpx exception a client's caller expects."""
    try:
        yield
    except Exception as exc:
        for core, mapped in _exception_pairs():
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise
