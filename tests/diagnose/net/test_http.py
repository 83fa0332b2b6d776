"""The HTTP client Net builds: pins, the run's resolvers, trust, proxies and bounded reads,
all on loopback servers, through httpx's public transport API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from diagnose.lab.scenario import Lab, lab_net
from diagnose.lab.servers import LabRequest, LabResponse, LabServer
from diagnose.net import Net, read_bounded
from diagnose.net.transport import ResolvingTransport
from diagnose.settings import Pin, Settings

HOST = "app.atera-lab.test"


def _page(request: LabRequest) -> LabResponse:
    if request.path == "/redirect":
        return LabResponse.redirect("/elsewhere", headers=[("Set-Cookie", "s=1; Path=/")])
    return LabResponse.html("<p>signed out</p>")


async def test_a_pin_sends_the_request_to_the_pinned_address_under_the_name() -> None:
    async with Lab() as lab:
        server = await lab.https(_page, names=[HOST])
        dns = await lab.dns({})  # the name exists nowhere but in the pin
        settings = Settings(pins=(Pin(HOST, server.port, ("127.0.0.1",)),), ca_files=(lab.ca_file,))
        connected: list[tuple[str, int, str]] = []
        net = lab_net(settings, dns)
        port = server.port
        async with net.http_client(on_connect=lambda *c: connected.append(c)) as client:
            response = await client.get(f"https://{HOST}:{port}/")
    assert response.status_code == 200 and response.http_version == "HTTP/1.1"
    assert connected == [(HOST, port, "127.0.0.1")]
    assert server.requests[0].header("host") == f"{HOST}:{port}"  # the name, not the address
    assert dns.queries == []  # pinned: no lookup at all


async def test_unpinned_names_resolve_through_the_runs_resolver() -> None:
    async with Lab() as lab:
        server = await lab.https(_page, names=[HOST])
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        net = lab_net(Settings(ca_files=(lab.ca_file,)), dns)
        async with net.http_client() as client:
            response = await client.get(f"https://{HOST}:{server.port}/redirect")
    assert response.status_code == 302  # redirects are the check's business, never followed here
    assert {name for _t, name, _q in dns.queries} == {HOST}
    request = server.requests[0]
    assert (request.header("user-agent") or "").startswith("login-doctor")
    assert request.header("authorization") is None and request.header("cookie") is None


async def test_a_forward_proxy_gets_the_whole_request_and_resolves_the_name_itself() -> None:
    seen: list[LabRequest] = []

    def proxy(request: LabRequest) -> LabResponse:
        seen.append(request)
        return LabResponse.html("via proxy")

    async with Lab() as lab, LabServer(proxy) as server:
        dns = await lab.dns({"proxy.atera-lab.test": ["127.0.0.1"]})  # the target's name is unknown here
        net = lab_net(Settings(), dns)
        async with net.http_client(proxy=f"http://proxy.atera-lab.test:{server.port}") as client:
            response = await client.get(f"http://{HOST}/users/login")
    assert response.text == "via proxy"
    assert seen[0].target == f"http://{HOST}/users/login"
    assert {name for _t, name, _q in dns.queries} == {"proxy.atera-lab.test"}


async def test_read_bounded_stops_an_endless_body() -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 4096

    async with Lab() as lab, LabServer(lambda r: LabResponse(200, stream=endless)) as server:
        dns = await lab.dns({})
        net = lab_net(Settings(pins=(Pin(HOST, server.port, ("127.0.0.1",)),)), dns)
        async with net.http_client() as client:
            response = await client.send(client.build_request("GET", f"http://{HOST}:{server.port}/"), stream=True)
            body = await read_bounded(response, 10_000)
    assert body.truncated and len(body.data) == 10_000


async def test_httpcore_exceptions_arrive_as_httpx_exceptions_with_their_cause() -> None:
    async with Lab() as lab:
        dns = await lab.dns({})
        net = lab_net(Settings(), dns)
        try:
            async with net.http_client() as client:
                await client.get(f"http://{HOST}/")
        except httpx.ConnectError as exc:
            caught: Any = exc
    import httpcore

    assert isinstance(caught.__cause__, httpcore.ConnectError)  # raised from the original: classify reads it
    assert str(caught).startswith(f"cannot resolve {HOST}")


def test_the_transport_is_a_public_httpx_transport() -> None:
    """httpx takes it as any transport; nothing of httpx or httpcore is reached into."""
    import ssl

    import httpcore

    transport = ResolvingTransport(ssl_context=ssl.create_default_context(), backend=httpcore.AnyIOBackend())
    assert isinstance(transport, httpx.AsyncBaseTransport)
    assert isinstance(Net().http_client(), httpx.AsyncClient)


def test_proxy_settings_follow_no_proxy_like_a_browser() -> None:
    net = Net(proxy_env={"https": "http://user:pw@proxy.corp:3128", "no": "localhost,.corp.example,intranet"})
    assert net.proxy_for("https://app.atera.com/users/login") == "http://user:pw@proxy.corp:3128"
    assert net.proxy_for("https://sso.corp.example/") is None
    assert net.proxy_for("https://intranet/") is None
    assert net.proxy_for("http://app.atera.com/") is None  # no http proxy configured
    described = net.describe()
    assert described["proxy"] == {"https": "http://[redacted]@proxy.corp:3128", "no": "localhost,.corp.example,intranet"}
