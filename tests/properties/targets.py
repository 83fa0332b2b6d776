"""The three no-crash properties of issue 13, shared by the tests and the benchmark-style run.

No ``Set-Cookie``, ``Location`` or address string makes these raise:

* the cookie jar (:class:`checks._redirects.cookies.CookieJar`): receiving any line on http or
  https, then retrieving, describing and scrubbing;
* the flow walker (:class:`checks._redirects.flow.FlowWalker`) and the redirects check's findings:
  a real loopback HTTP server answers with the generated ``Location`` header(s), ``Set-Cookie``
  lines and status, the walk follows them, and the walked flow is diagnosed as the check would;
* the address judge (:class:`checks.url.AddressJudge`): any text, surrogates and controls included.

The walker's network is real (sockets, httpx, h11) but can only reach the one fuzz server: every
connection goes to it on 127.0.0.1, whatever host, address or port a ``Location`` names, and every
name "resolves" to it. Nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import string
import time
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
from hypothesis import strategies as st

from checks._redirects.cookie_findings import cookie_findings, eviction_findings, header_findings, mismatch_findings
from checks._redirects.cookies import CookieJar
from checks._redirects.flow import Flow, FlowWalker
from checks._redirects.flow_findings import flow_findings
from checks._redirects.outcome import chromium_outcome, giving_up
from checks._redirects.report import details, summary
from checks._redirects.rules import CookieUrl
from checks._redirects.state import RedirectsRun
from checks.redirects import RedirectsCheck
from checks.url import AddressJudge
from diagnose.check import CheckContext, SystemClock
from diagnose.lab.servers import LabRequest, LabResponse, LabServer, LabThread
from diagnose.model import Target
from diagnose.net import Lookup, Net
from diagnose.net.transport import NoCookies, ResolvingTransport
from diagnose.profiles import Profile, load_profile
from diagnose.settings import Settings

NOW = 1_800_000_000.0
URLS = (CookieUrl("https", "app.atera-lab.test", "/users/login"), CookieUrl("http", "app.atera-lab.test", "/a/b"),
        CookieUrl("http", "127.0.0.1", "/"), CookieUrl("https", "localhost", "/x"))

# ----------------------------------------------------------------------------- strategies

_ANY = st.characters(codec=None, exclude_categories=())
"""Every code point, lone surrogates included."""

_ATTRIBUTES = ("Domain", "Path", "Max-Age", "Expires", "Secure", "HttpOnly", "SameSite", "Partitioned", "Priority",
               "domain", " dOmAiN ", "max-age", "")
_TRICKY = ("", ".", "..", "...", "%", "%2e", "\t", " ", "\x00", "\x7f", "\xa0", "=", ";", ",", "-", "9" * 400,
           "-" + "9" * 400, "atera-lab.test", ".atera-lab.test", "..atera-lab.test", "atera-lab.test.", "test",
           "co.uk", "127.0.0.1", "[::1]", "xn--", "Strict", "Lax", "None", "__Host-", "__Secure-", "/", "/a/b")


_LATIN1_TEXT = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
"""Any header bytes, as the jar gets them (Latin-1 decoded); binary draws far faster than text."""


_PIECE = st.one_of(st.sampled_from(_TRICKY), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
_EQUALS = st.sampled_from(("=", "", "==", " = "))
_ATTRIBUTE = st.tuples(st.sampled_from(_ATTRIBUTES), st.sampled_from(("=", "", " = ")), _PIECE).map("".join)
_STRUCTURED_LINE = st.tuples(
    st.tuples(_PIECE, _EQUALS, _PIECE).map("".join),
    st.lists(_ATTRIBUTE, max_size=6),
    st.sampled_from(("", ";", " ;", "\t")),
).map(lambda parts: "; ".join([parts[0], *parts[1]]) + parts[2])


def set_cookie_lines() -> st.SearchStrategy[str]:
    """A ``Set-Cookie`` value as the jar receives it (Latin-1 decoded header bytes): any bytes,
    or a line built from tricky names, values and attributes."""
    return st.one_of(_LATIN1_TEXT, _STRUCTURED_LINE)


_SCHEMES = ("http://", "https://", "//", "\\\\", "", "data:", "javascript:", "ftp://", "ws://", "about:", "file://",
            "HTTPS:", "http:/", "https:\\\\", "mailto:", "x:")
_HOSTS = ("app.atera-lab.test", "app atera-lab.test", "a*b.test", "[::1]", "[::1", "127.0.0.1", "0x7f.1", "1.2.3.4.5",
          "a" * 70 + ".test", "xn--a.test", "xn--tera-43d.com", "аtera.com", "ＡＰＰ.test", "a..b", "", ":", "@", "x@y",
          "%20", "%", "evil.test:99999", "evil.test:0443", "evil.test:-1")
_SHORT_ANY = st.text(_ANY, max_size=30)
_STRUCTURED_LOCATION = st.tuples(
    st.sampled_from(("", " ", "\t", "\u00a0", "\u3000", "\ufeff")), st.sampled_from(_SCHEMES),
    st.one_of(st.sampled_from(_HOSTS), _SHORT_ANY),
    st.sampled_from(("", "/", "/users/login", "/%C2%A0x", "?next=//evil", "#frag", "\\x", "/..")),
    st.text(_ANY, max_size=20),
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


def location_values() -> st.SearchStrategy[bytes]:
    """A ``Location`` header value as a server may send it (any bytes but CR and LF)."""
    raw = st.one_of(st.binary(max_size=300), _STRUCTURED_LOCATION)
    return raw.map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


addresses = st.one_of(
    st.text(_ANY, max_size=200),
    st.builds(lambda scheme, host, tail: scheme + host + tail,
              st.sampled_from(_SCHEMES), st.one_of(st.sampled_from(_HOSTS), st.text(_ANY, max_size=40)),
              st.text(_ANY, max_size=60)),
    st.text(string.printable, max_size=120),
)


@dataclass
class Answer:
    """What the fuzz server answers to the walk's first request."""

    status: int
    locations: list[bytes]
    cookies: list[str]
    body: bytes = b""


answers = st.builds(
    Answer,
    status=st.sampled_from((301, 302, 303, 307, 308, 200, 404, 300, 304)),
    locations=st.lists(location_values(), max_size=3),
    cookies=st.lists(set_cookie_lines().map(lambda s: s.replace("\r", "").replace("\n", "")), max_size=4),
    body=st.sampled_from((b"", b"<meta http-equiv=refresh content='0; url=/next'>", b"\x00\xff" * 10)),
)

# ----------------------------------------------------------------------------- the jar


def jar_never_raises(lines: list[str]) -> None:
    jar = CookieJar()
    for index, line in enumerate(lines):
        outcome = jar.receive(line, URLS[index % len(URLS)], NOW + index)
        json.dumps(outcome.as_evidence())
    for url in URLS:
        retrieval = jar.retrieve(url, NOW + 10, same_site=bool(len(lines) % 2), cross_site_redirect=True)
        _ = retrieval.header
        for cookie in retrieval.sent:
            json.dumps(cookie.describe())
    jar.state(NOW)
    jar.scrub("x" * 20 + "".join(lines)[:200])


# ----------------------------------------------------------------------------- the address judge


@functools.cache
def _profile() -> Profile:
    return load_profile()


@functools.cache
def _judge() -> AddressJudge:
    return AddressJudge(_profile())


def judge_never_raises(text: str) -> None:
    judgement = _judge().judge(text)
    json.dumps([f.code for f in judgement.findings])


# ----------------------------------------------------------------------------- the walker


class _ToFuzzServer(httpcore.AsyncNetworkBackend):
    """Every connection, whatever host or port was asked for, goes to the fuzz server on loopback."""

    def __init__(self, port: int) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._port = port

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_tcp("127.0.0.1", self._port, timeout=timeout)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets in the fuzz run")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _client_tls() -> ssl.SSLContext:
    """One TLS client context (an https hop meets the plain fuzz server and fails its handshake)."""
    return ssl.create_default_context()


class _AnyName:
    label = "fuzz (every name is the fuzz server)"

    async def lookup(self, name: str) -> Lookup:
        return Lookup(self.label, name, ("127.0.0.1",))


@dataclass
class FuzzNet(Net):
    """The run's network, pointed at the fuzz server only (plain HTTP; an https hop fails its handshake)."""

    port: int = 0
    answer: Answer = field(default_factory=lambda: Answer(200, [], []))

    def http_client(self, *, verify: bool = True, timeout: float = 2.0, proxy: str | None = None,
                    on_connect: Any = None) -> httpx.AsyncClient:
        transport = ResolvingTransport(ssl_context=_client_tls(), backend=_ToFuzzServer(self.port))
        return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                 timeout=httpx.Timeout(timeout), cookies=NoCookies())


class FuzzServer:
    """A loopback HTTP server in a background loop: ``/start`` answers the current example."""

    def __init__(self) -> None:
        self.thread = LabThread().__enter__()
        self.net = FuzzNet(system_resolver=_AnyName(), proxy_env={})
        self.server = self.thread.run(LabServer(self._handle).start())
        self.net.port = self.server.port

    def _handle(self, request: LabRequest) -> LabResponse:
        if request.path != "/start":
            return LabResponse.html("<h1>page</h1>")
        answer = self.net.answer
        headers = [("Location", v.decode("latin-1")) for v in answer.locations]
        headers += [("Set-Cookie", c.encode("latin-1", "replace").decode("latin-1")) for c in answer.cookies]
        return LabResponse(answer.status, headers, answer.body)

    def close(self) -> None:
        self.thread.run(self.server.close())
        self.thread.stop()


def walker_never_raises(server: FuzzServer, answer: Answer) -> None:
    """Walk from the fuzz server's ``/start`` (at most 4 requests), then diagnose the flow."""
    server.net.answer = answer
    walker = FlowWalker(server.net, now=lambda: NOW, monotonic=time.monotonic, budget=10.0, max_hops=4,
                        hop_timeout=2.0)
    flow = asyncio.run(walker.walk("http://app.atera-lab.test/start"))
    chromium_outcome(flow)
    giving_up(flow)
    diagnose_flow(flow)


def diagnose_flow(flow: Flow) -> None:
    """The redirects check's findings and details for ``flow`` (all of them must build and serialise)."""
    ctx = CheckContext(target=Target(input=flow.start_url, url=flow.start_url, host="app.atera-lab.test"),
                       profile=_profile(), settings=Settings(), net=Net(), clock=SystemClock())
    run = RedirectsRun(RedirectsCheck(), ctx, flow)
    flow_findings(run)
    header_findings(run)
    mismatch_findings(run)
    cookie_findings(run, escalate=True)
    eviction_findings(run, escalate=False)
    json.dumps(details(run), default=str)
    summary(run)
    json.dumps([(f.code, f.message, f.evidence) for f in run.findings], default=str)
