"""Walk a sign-in flow hop by hop, as a browser's top-level navigation would.

Each hop is one GET: the browser-like :class:`~checks._redirects.cookies.CookieJar`
decides which cookies go with it, the answer's ``Set-Cookie`` lines go back
into the jar, and a 301/302/303/307/308 ``Location`` (or a meta refresh) names
the next hop. Nothing else is ever sent: no form is submitted, no credential
attached, no POST (so the 303 and "301/302 after POST" method changes never
arise).

A loop is the same URL requested with the same cookie state twice: a
deterministic server must answer the same way again, so the browser can only
go round until it gives up. A URL that repeats while the cookies change (a
counter, a state cookie being set) is progress, not a loop. Chrome and Firefox
do not look for cycles at all, they count: 20 redirects and the 21st fails;
Safari stops after 16. The walk records both.

The walk is bounded: at most :data:`MAX_HOPS` requests, :data:`BODY_LIMIT`
bytes of each body, one deadline for the whole walk and a timeout per hop.
URLs stay raw here (the walk must request them as they are; they may carry
tokens), and the check redacts them before they become evidence; what only
describes an answer (its reason phrase, its ``Server``) is redacted as it is
captured, and cookie values are known only by the run's keyed hash.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any

from checks._redirects.cookies import Cookie, CookieJar, Retrieval, SetCookieOutcome, Withheld
from checks._redirects.rules import CookieUrl, registrable_domain
from diagnose.net import HTTP_TIMEOUT, FailureKind, Net, Stage, classify, read_bounded, request_errors
from diagnose.redact import Redactor

MAX_HOPS = 25
"""Requests one walk makes at most (above every browser's redirect limit)."""
BODY_LIMIT = 64 * 1024
"""Bytes of a response body read at most (enough for a page's ``<head>``)."""
MAX_REFRESH_DELAY = 5.0
"""A meta refresh slower than this is a page reloading itself, not a step of sign-in."""
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHROME_FIREFOX_LIMIT = 20
"""``net::URLRequest`` kMaxRedirects and Firefox ``network.http.redirection-limit``."""
SAFARI_LIMIT = 16
"""Apple's ``NSURLErrorHTTPTooManyRedirects`` threshold."""


class HopKind(StrEnum):
    START = "start"
    REDIRECT = "redirect"
    META_REFRESH = "meta_refresh"


class End(StrEnum):
    """How a walk ended."""

    FINAL = "final"
    """An answer that is not a redirect: the page the browser would show."""
    LOOP = "loop"
    HOP_LIMIT = "hop_limit"
    BROKEN_LOCATION = "broken_location"
    REQUEST_FAILED = "request_failed"
    TIME_LIMIT = "time_limit"


@dataclass
class Hop:
    """One request of the walk and what came back. Raw: redact before reporting."""

    index: int
    url: str
    kind: HopKind
    same_site: bool
    redirects_before: int
    """Redirects already followed in this navigation before this request."""
    jar_state: str
    retrieval: Retrieval
    request_head_bytes: int = 0
    status: int | None = None
    reason: str = ""
    server: str | None = None
    location: str | None = None
    location_problem: str | None = None
    """``missing``, ``empty``, ``invalid`` or ``unsupported_scheme`` for a broken redirect."""
    next_url: str | None = None
    set_cookies: list[SetCookieOutcome] = field(default_factory=list)
    error_kind: str | None = None
    error: str | None = None
    body_says_too_large: bool = False
    body_truncated: bool = False

    @property
    def sent(self) -> tuple[Cookie, ...]:
        return self.retrieval.sent

    @property
    def withheld(self) -> tuple[Withheld, ...]:
        return self.retrieval.withheld

    @property
    def cookie_header_bytes(self) -> int:
        return self.retrieval.header_bytes


@dataclass
class Flow:
    """A whole walk: the hops, how it ended, and the jar as it was at the end."""

    start_url: str
    hops: list[Hop]
    end: End
    jar: CookieJar
    loop_start: int | None = None
    """With :attr:`End.LOOP`: the hop the walk came back to."""
    max_redirects: int = 0
    """The most redirects followed in a row within one navigation."""

    @property
    def last(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    def cycle(self) -> list[Hop]:
        """The hops that repeat, from the first visit of the repeated state on."""
        if self.loop_start is None:
            return []
        return self.hops[self.loop_start :]


class _Walk:
    """The state of one walk: where it is, what it has seen, and the navigation it is in."""

    def __init__(self, url: str, start_url: str, deadline: float, value_hash: Callable[[str], str]) -> None:
        self.url = url
        self.start_url = start_url
        self.deadline = deadline
        self.kind = HopKind.START
        self.jar = CookieJar(value_hash=value_hash)
        self.hops: list[Hop] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.loop_start: int | None = None
        self.initiator: tuple[str, str] | None = None
        """The site that started this navigation; None: typed by the person (browser-initiated)."""
        self.chain: list[tuple[str, str]] = []
        """Sites of this navigation's redirect chain."""
        self.redirects = 0
        self.max_redirects = 0

    def cookie_url(self) -> CookieUrl:
        import ada_url

        parsed = ada_url.URL(self.url)
        return CookieUrl(parsed.protocol.rstrip(":"), parsed.hostname.strip("[]").lower(), parsed.pathname or "/")

    def enter(self, target: CookieUrl) -> tuple[tuple[str, str], bool]:
        """Add the target's site to the redirect chain: (its site, whether the request is same-site)."""
        site = (target.scheme, registrable_domain(target.host))
        self.chain.append(site)
        same_site = (self.initiator is None or self.initiator == site) and all(s == site for s in self.chain)
        return site, same_site

    def redirected(self, next_url: str) -> None:
        self.redirects += 1
        self.max_redirects = max(self.max_redirects, self.redirects)
        self.url, self.kind = next_url, HopKind.REDIRECT

    def refreshed(self, next_url: str, site: tuple[str, str]) -> None:
        """A meta refresh starts a new navigation, initiated by this page."""
        self.initiator, self.chain, self.redirects = site, [], 0
        self.url, self.kind = next_url, HopKind.META_REFRESH

    def finish(self, end: End) -> Flow:
        return Flow(self.start_url, self.hops, end, self.jar, self.loop_start, max(self.max_redirects, self.redirects))


class FlowWalker:
    """Follows a sign-in flow through ``net``."""

    def __init__(
        self,
        net: Net,
        *,
        now: Callable[[], float],
        monotonic: Callable[[], float],
        budget: float,
        max_hops: int = MAX_HOPS,
        body_limit: int = BODY_LIMIT,
        hop_timeout: float = HTTP_TIMEOUT,
        redact: Redactor | None = None,
    ) -> None:
        self.net = net
        self.redact = redact or Redactor()
        """The run's redactor: what the answers say, and the keyed hash of cookie values."""
        self.now = now
        self.monotonic = monotonic
        self.budget = budget
        self.max_hops = max_hops
        self.body_limit = body_limit
        self.hop_timeout = hop_timeout

    async def walk(self, start_url: str) -> Flow:
        """Walk from ``start_url`` until the flow ends (a page, a loop, a limit, a failure)."""
        import ada_url

        state = _Walk(ada_url.URL(start_url).href, start_url, self.monotonic() + self.budget, self.redact.value_hash)
        while (end := await self._step(state)) is None:
            pass
        return state.finish(end)

    async def _step(self, state: _Walk) -> End | None:
        """Request the next hop and follow its answer; the way the walk ended, or None to go on."""
        if len(state.hops) >= self.max_hops:
            return End.HOP_LIMIT
        target = state.cookie_url()
        now = self.now()
        jar_state = state.jar.state(now)
        key = (state.url.split("#", 1)[0], jar_state)
        if key in state.seen:
            state.loop_start = state.seen[key]
            return End.LOOP
        state.seen[key] = len(state.hops)
        site, same_site = state.enter(target)
        remaining = state.deadline - self.monotonic()
        if remaining <= 0.2:
            return End.TIME_LIMIT
        retrieval = state.jar.retrieve(target, now, same_site=same_site)
        hop = Hop(len(state.hops), state.url, state.kind, same_site, state.redirects, jar_state, retrieval)
        state.hops.append(hop)
        try:
            response, body, truncated = await self._fetch(hop, min(self.hop_timeout, remaining))
        except _FetchError as exc:
            hop.error_kind, hop.error = exc.kind, state.jar.scrub(exc.detail)
            # A hop the walk's deadline cut short says nothing about the server.
            return End.TIME_LIMIT if exc.kind == "timeout" and remaining < self.hop_timeout else End.REQUEST_FAILED
        self._record(state, hop, target, response, body, truncated)
        return self._follow(state, hop, site, response, body)

    def _record(self, state: _Walk, hop: Hop, target: CookieUrl, response: Any, body: bytes, truncated: bool) -> None:
        """What came back: status, server, body facts, and every ``Set-Cookie`` into the jar."""
        hop.status = response.status_code
        hop.reason = self.redact.reason_phrase(response.reason_phrase)
        hop.server = self.redact.header("Server", response.headers["server"]) if "server" in response.headers else None
        hop.body_truncated = truncated
        hop.body_says_too_large = _says_header_too_large(body)
        for name, value in response.headers.raw:
            if name.lower() == b"set-cookie":
                hop.set_cookies.append(state.jar.receive(value.decode("latin-1"), target, self.now(), hop=hop.index))

    def _follow(self, state: _Walk, hop: Hop, site: tuple[str, str], response: Any, body: bytes) -> End | None:
        """Go on to the redirect's or the meta refresh's target, or end the walk."""
        assert hop.status is not None
        if hop.status in REDIRECT_STATUSES:
            hop.location = _header_text(response, b"location")
            next_url, problem = _resolve(hop.location, state.url)
            if problem is not None or next_url is None:
                hop.location_problem = problem
                return End.BROKEN_LOCATION
            hop.next_url = next_url
            state.redirected(next_url)
            return None
        refresh = _refresh_target(response, body) if 200 <= hop.status < 300 else None
        next_url, problem = _resolve(refresh, state.url) if refresh is not None else (None, None)
        if next_url is None or problem is not None:
            return End.FINAL
        hop.location = refresh
        hop.next_url = next_url
        state.refreshed(next_url, site)
        return None

    async def _fetch(self, hop: Hop, timeout: float) -> tuple[Any, bytes, bool]:
        """GET ``hop.url`` with exactly the jar's cookies; bounded in time and size."""
        proxy = self.net.proxy_for(hop.url)
        header = hop.retrieval.header
        try:
            async with asyncio.timeout(timeout):
                # A fresh client per hop: httpx's own cookie store never adds to the
                # jar's header, and the proxy is chosen per URL as a browser does.
                async with self.net.http_client(verify=True, proxy=proxy, timeout=timeout) as client:
                    headers = {b"Cookie": header.encode("latin-1", "replace")} if header else {}
                    request = client.build_request("GET", hop.url, headers=headers)
                    hop.request_head_bytes = _head_size(request)
                    response = await client.send(request, stream=True)
                    body = await read_bounded(response, self.body_limit)
        except TimeoutError:
            raise _FetchError("timeout", f"no complete answer within {timeout:.0f} s") from None
        except request_errors() as exc:
            failure = classify(exc)
            raise _FetchError(_hop_error(failure.kind, failure.stage), _exc_text(failure.detail)) from None
        return response, body.data, body.truncated


def _hop_error(kind: FailureKind, stage: Stage | None) -> str:
    """The hop's ``error_kind``: ``timeout``, ``certificate``, ``connect``, ``protocol`` or ``other``."""
    if kind in (FailureKind.TIMEOUT, FailureKind.CERTIFICATE, FailureKind.PROTOCOL):
        return kind.value
    return "connect" if stage is Stage.CONNECT else "other"


class _FetchError(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _head_size(request: Any) -> int:
    """Bytes of the request line and headers as sent (what Node's 16 KiB limit counts)."""
    target = request.url.raw_path
    size = len(b"GET ") + len(target) + len(b" HTTP/1.1\r\n")
    for name, value in request.headers.raw:
        size += len(name) + 2 + len(value) + 2
    return size + 2


def _header_text(response: Any, name: bytes) -> str | None:
    for raw_name, raw_value in response.headers.raw:
        if raw_name.lower() == name:
            try:
                return str(raw_value.decode("utf-8"))
            except UnicodeDecodeError:
                return str(raw_value.decode("latin-1"))
    return None


def _resolve(location: str | None, base: str) -> tuple[str | None, str | None]:
    """The absolute URL a browser goes to, or why it cannot (RFC 3986 / WHATWG resolution)."""
    import ada_url

    if location is None:
        return None, "missing"
    if not location.strip():
        return None, "empty"
    try:
        target = ada_url.URL(location.strip(), base)
    except ValueError:
        return None, "invalid"
    if target.protocol not in ("http:", "https:"):
        return None, "unsupported_scheme"
    return target.href, None


_TOO_LARGE_TEXT = re.compile(
    rb"(?i)request header or cookie too large|request header fields too large|"
    rb"header (?:field )?too (?:long|large)|size of a request header field exceeds|"
    rb"request_header_too_large|header_overflow"
)


def _says_header_too_large(body: bytes) -> bool:
    """The error pages of nginx, Apache, IIS, Node and CDNs when request headers are too big."""
    return bool(_TOO_LARGE_TEXT.search(body[:16384]))


def _refresh_target(response: Any, body: bytes) -> str | None:
    """The URL of a prompt meta refresh (``<meta http-equiv=refresh>`` or a ``Refresh`` header)."""
    header = response.headers.get("refresh")
    candidates = [header] if header else []
    content_type = response.headers.get("content-type", "")
    if "html" in content_type.lower() or (not content_type and body.lstrip()[:1] == b"<"):
        finder = _MetaRefreshFinder()
        try:
            finder.feed(body.decode("utf-8", "replace"))
            finder.close()
        except (AssertionError, ValueError):  # html.parser gives up on some garbage
            pass
        candidates += finder.contents
    for content in candidates:
        parsed = parse_refresh(content)
        if parsed is not None and parsed[1] is not None and parsed[0] <= MAX_REFRESH_DELAY:
            return parsed[1]
    return None


class _MetaRefreshFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.contents: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or len(self.contents) >= 1:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if values.get("http-equiv", "").strip().lower() == "refresh" and "content" in values:
            self.contents.append(values["content"])


_REFRESH_TIME = re.compile(r"[ \t\n\f\r]*([0-9]*)(\.[0-9.]*)?")


def parse_refresh(content: str) -> tuple[float, str | None] | None:
    """The HTML "shared declarative refresh steps": (delay in seconds, URL or None for the page itself)."""
    m = _REFRESH_TIME.match(content)
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    delay = float(m.group(1) or 0)
    rest = content[m.end() :]
    if not rest:
        return delay, None
    if rest[0] not in ";, \t\n\f\r":
        return None
    rest = rest.lstrip(" \t\n\f\r")
    if rest[:1] in (";", ","):
        rest = rest[1:]
    rest = rest.lstrip(" \t\n\f\r")
    if not rest:
        return delay, None
    url_part = rest
    lowered = rest.lower()
    if lowered.startswith("url"):
        after = rest[3:].lstrip(" \t\n\f\r")
        if after.startswith("="):
            url_part = after[1:].lstrip(" \t\n\f\r")
    if url_part[:1] in ("'", '"'):
        quote = url_part[0]
        url_part = url_part[1:].split(quote, 1)[0]
    url_part = url_part.strip()
    return delay, (url_part or None)


def _exc_text(detail: str) -> str:
    text = detail
    return text if len(text) < 300 else text[:297] + "..."
