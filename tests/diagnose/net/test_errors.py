"""The classifier: real failures, made on loopback, each land on one kind of the vocabulary.

Every exception here is produced by the library that raises it in a real run
(a refused port, a reset, a TLS client talking to plain HTTP, a certificate
from an unknown CA, a proxy that wants a sign-in), through the same clients
the checks use, so the cause chains are the real ones.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from diagnose.lab.pki import CertificateAuthority
from diagnose.lab.scenario import Lab, lab_net, signin_app
from diagnose.lab.scenarios.connectivity import plain_http_server
from diagnose.lab.servers import LabResponse, LabServer, black_hole, closed_port, reset_immediately
from diagnose.net import DnsError, Failure, FailureKind, Lookup, Net, Stage, classify, request_errors
from diagnose.settings import Pin, Settings

HOST = "app.atera-lab.test"


async def _failure_of(action: Callable[[], Awaitable[Any]]) -> Failure:
    try:
        await action()
    except Exception as exc:
        return classify(exc)
    raise AssertionError("the action did not fail")


async def _get(net: Net, url: str, *, timeout: float = 2.0, proxy: str | None = None) -> None:
    async with net.http_client(timeout=timeout, proxy=proxy) as client:
        response = await client.get(url)
        await response.aread()


class Nowhere:
    """A system resolver that knows no name and sends nothing: tests never ask the real one."""

    label = "nowhere"

    async def lookup(self, name: str) -> Lookup:
        return Lookup(self.label, name, (), DnsError.NXDOMAIN, "nowhere knows no name (NXDOMAIN)")


def _pinned(port: int, *, ca_file: Any = None) -> Net:
    """Only ``HOST:port`` resolves (to 127.0.0.1); no lookup leaves the process."""
    settings = Settings(pins=(Pin(HOST, port, ("127.0.0.1",)),), ca_files=(ca_file,) if ca_file else ())
    return Net(settings, system_resolver=Nowhere(), proxy_env={})


# ----------------------------------------------------------------------------- sockets


async def test_a_closed_port_is_refused() -> None:
    port = closed_port()
    failure = await _failure_of(lambda: asyncio.open_connection("127.0.0.1", port))
    assert failure.kind is FailureKind.REFUSED
    assert failure.detail.startswith("ECONNREFUSED")
    assert failure.stage is None  # not an HTTP request


async def test_a_refused_http_request_is_refused_while_connecting() -> None:
    port = closed_port()
    failure = await _failure_of(lambda: _get(_pinned(port), f"http://{HOST}:{port}/"))
    assert (failure.kind, failure.stage) == (FailureKind.REFUSED, Stage.CONNECT)


async def test_a_reset_is_a_reset() -> None:
    async with LabServer(raw=reset_immediately) as server:
        failure = await _failure_of(lambda: _get(_pinned(server.port), f"http://{HOST}:{server.port}/"))
    assert failure.kind in (FailureKind.RESET, FailureKind.PROTOCOL)  # RST before or after the request left
    if failure.kind is FailureKind.RESET:
        assert failure.stage is Stage.EXCHANGE


async def test_no_answer_in_time_is_a_timeout_in_the_exchange() -> None:
    async with LabServer(raw=black_hole) as server:
        failure = await _failure_of(
            lambda: _get(_pinned(server.port), f"http://{HOST}:{server.port}/", timeout=0.3)
        )
    assert (failure.kind, failure.stage) == (FailureKind.TIMEOUT, Stage.EXCHANGE)


async def test_asyncio_timeouts_are_timeouts() -> None:
    async def wait() -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(1)

    assert (await _failure_of(wait)).kind is FailureKind.TIMEOUT


async def test_a_server_that_closes_without_answering_broke_http() -> None:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    async with LabServer(raw=close) as server:
        failure = await _failure_of(lambda: _get(_pinned(server.port), f"http://{HOST}:{server.port}/"))
    assert (failure.kind, failure.stage) == (FailureKind.PROTOCOL, Stage.EXCHANGE)
    assert "disconnected" in failure.detail


# ----------------------------------------------------------------------------- names


async def test_a_name_the_run_cannot_resolve_is_unresolved_with_what_dns_said() -> None:
    async with Lab() as lab:
        dns = await lab.dns({})  # everything NXDOMAIN
        net = lab_net(Settings(), dns)
        failure = await _failure_of(lambda: _get(net, f"https://{HOST}/"))
    assert (failure.kind, failure.stage) == (FailureKind.UNRESOLVED, Stage.CONNECT)
    assert "NXDOMAIN" in failure.detail


async def test_dnspython_and_getaddrinfo_failures_keep_what_the_resolver_said() -> None:
    import dns.asyncquery
    import dns.message
    import dns.resolver

    # A UDP socket that never answers: dnspython's own timeout.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        query = dns.message.make_query(HOST, "A")
        port = silent.getsockname()[1]
        failure = await _failure_of(lambda: dns.asyncquery.udp(query, "127.0.0.1", timeout=0.1, port=port))
    assert failure.kind is FailureKind.TIMEOUT
    # getaddrinfo's and dnspython's verdicts, as the libraries build them
    assert classify(socket.gaierror(socket.EAI_NONAME, "Name or service not known")).kind is FailureKind.NXDOMAIN
    assert classify(socket.gaierror(socket.EAI_AGAIN, "Temporary failure")).kind is FailureKind.SERVFAIL
    assert classify(dns.resolver.NXDOMAIN()).kind is FailureKind.NXDOMAIN
    assert classify(dns.resolver.NoAnswer()).kind is FailureKind.NO_ANSWER


# ----------------------------------------------------------------------------- TLS


async def test_tls_to_plain_http_is_not_tls() -> None:
    async with LabServer(raw=plain_http_server) as plain:
        context = ssl.create_default_context()
        failure = await _failure_of(
            lambda: asyncio.open_connection("127.0.0.1", plain.port, ssl=context, server_hostname=HOST)
        )
    assert failure.kind is FailureKind.NOT_TLS


async def test_pyopenssl_to_plain_http_is_not_tls() -> None:
    from OpenSSL import SSL

    async with LabServer(raw=plain_http_server) as plain:
        reader, writer = await asyncio.open_connection("127.0.0.1", plain.port)
        conn = SSL.Connection(SSL.Context(SSL.TLS_CLIENT_METHOD), None)
        conn.set_connect_state()
        with pytest.raises(SSL.WantReadError):
            conn.do_handshake()
        writer.write(conn.bio_read(65536))
        await writer.drain()
        conn.bio_write(await reader.read(65536))
        try:
            conn.do_handshake()
        except SSL.Error as exc:
            failure = classify(exc)
        else:
            raise AssertionError("the handshake with a plain HTTP server succeeded")
        finally:
            writer.close()
    assert failure.kind is FailureKind.NOT_TLS


async def test_an_untrusted_certificate_is_a_certificate_failure_while_connecting() -> None:
    stranger = CertificateAuthority.create("Not the lab CA").issue([HOST])
    async with Lab() as lab:
        server = await lab.https(signin_app(), names=[HOST], issued=stranger)
        net = _pinned(server.port, ca_file=lab.ca_file)
        failure = await _failure_of(lambda: _get(net, f"https://{HOST}:{server.port}/"))
    assert (failure.kind, failure.stage) == (FailureKind.CERTIFICATE, Stage.CONNECT)
    assert "CERTIFICATE_VERIFY_FAILED" in failure.detail


# ----------------------------------------------------------------------------- HTTP and proxies


@pytest.fixture
async def proxy_wanting_a_password() -> AsyncIterator[str]:
    def answer(request: Any) -> LabResponse:
        return LabResponse(407, headers=[("Proxy-Authenticate", 'Basic realm="lab"')])

    async with LabServer(answer) as proxy:
        yield f"http://127.0.0.1:{proxy.port}"


async def test_a_proxy_that_wants_a_sign_in_is_proxy_auth(proxy_wanting_a_password: str) -> None:
    failure = await _failure_of(
        lambda: _get(_pinned(1), f"https://{HOST}:443/", proxy=proxy_wanting_a_password)
    )
    assert (failure.kind, failure.stage) == (FailureKind.PROXY_AUTH, Stage.CONNECT)


async def test_an_unsupported_proxy_is_a_proxy_failure() -> None:
    failure = await _failure_of(lambda: _get(_pinned(1), f"https://{HOST}:443/", proxy="socks5://127.0.0.1:1"))
    assert failure.kind is FailureKind.PROXY
    assert "socks5" in failure.detail


async def test_an_address_that_cannot_be_requested_is_invalid_url() -> None:
    net = _pinned(1)
    for url in ("ftp://app.atera-lab.test/", "https://[::1/", "https://app.atera-lab.test:port/"):
        failure = await _failure_of(lambda url=url: _get(net, url))  # type: ignore[misc]
        assert failure.kind is FailureKind.INVALID_URL, (url, failure)


# ----------------------------------------------------------------------------- the rest


def test_anything_else_is_other_and_never_raises() -> None:
    class Odd(Exception):
        def __str__(self) -> str:
            return ""

    looped = RuntimeError("outer")
    inner = ValueError("inner")
    looped.__context__, inner.__context__ = inner, looped  # a cycle must not hang the walk
    assert classify(KeyError("x")) == Failure(FailureKind.OTHER, "'x'")
    assert classify(Odd()).detail == "Odd"
    assert classify(looped).kind is FailureKind.OTHER


def test_request_errors_cover_what_a_request_raises_and_not_bugs() -> None:
    import httpx

    caught = request_errors()
    assert all(issubclass(e, BaseException) for e in caught)
    for exc in (httpx.ConnectError("x"), httpx.InvalidURL("x"), OSError(), ValueError()):
        assert isinstance(exc, caught)
    for bug in (KeyError(), TypeError(), AttributeError()):
        assert not isinstance(bug, caught)


def test_the_vocabulary_is_stable() -> None:
    """Reports carry these values; renaming one breaks scripts that read them."""
    assert [k.value for k in FailureKind] == [
        "timeout", "refused", "unreachable", "reset", "eof", "unresolved", "nxdomain", "servfail",
        "dns_refused", "no_answer", "certificate", "protocol_version", "handshake_failure", "not_tls",
        "too_large", "proxy", "proxy_auth", "protocol", "invalid_url", "other",
    ]
