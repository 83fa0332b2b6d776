"""A Chromium tab driven over DevTools: navigate, evaluate, viewport, screenshot, raw events.

:meth:`Page.navigate` returns a frozen :class:`NavigationResult` built from
the protocol's own account of the navigation: ``Page.navigate``'s
``errorText`` (the ``net::ERR_*`` that stopped it), the document request's
``Network.requestWillBeSent`` events (one per redirect, each carrying the
3xx response that caused it), ``Network.responseReceived`` (the final
status and TLS details) and ``Network.loadingFailed``. Nothing is read from
the page's text.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.browsers.cdp import (
    BrowserGone,
    CdpConnection,
    CdpError,
    CdpEvent,
    CdpTimeout,
    EventFilter,
    EventStream,
    JsonObject,
)

NAVIGATION_EVENTS = (
    "Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFailed", "Network.loadingFinished",
    "Page.frameNavigated", "Page.loadEventFired", "Page.lifecycleEvent",
)


@dataclass(frozen=True)
class Redirect:
    """One hop of a redirect chain: the URL that answered, its status and where it pointed."""

    url: str
    status: int
    location: str | None


@dataclass(frozen=True)
class TlsDetails:
    """The connection of the final response (``Network.Response.securityDetails``)."""

    protocol: str
    cipher: str
    key_exchange: str
    subject: str
    issuer: str
    valid_to: float
    """Seconds since the epoch."""


@dataclass(frozen=True)
class NavigationResult:
    """What the browser did with one top-level navigation."""

    requested_url: str
    url: str
    """The last URL requested (after redirects), even when the navigation failed."""
    error: str | None
    """``net::ERR_*`` (e.g. ``net::ERR_CERT_DATE_INVALID``, ``net::ERR_TOO_MANY_REDIRECTS``,
    ``net::ERR_UNSAFE_PORT``), or None when the server's answer was shown."""
    status: int | None
    """The final response's HTTP status (None when no response was shown)."""
    redirects: tuple[Redirect, ...]
    """Every 3xx the browser followed, in order."""
    committed: bool
    """The server's document was committed to the tab (False for an error page or a timeout)."""
    timed_out: bool = False
    """The harness's own timeout ended the wait (the browser was still loading)."""
    download: bool = False
    mime_type: str | None = None
    remote_address: str | None = None
    """``ip:port`` the final response came from."""
    tls: TlsDetails | None = None

    @property
    def ok(self) -> bool:
        """Committed with a 2xx status."""
        return self.committed and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class BrowserCookie:
    """A cookie in a browser context's jar, without its value."""

    name: str
    domain: str
    """As Chromium keeps it: a leading dot marks a domain cookie."""
    path: str
    secure: bool
    http_only: bool
    same_site: str | None
    """``Strict``, ``Lax``, ``None``, or None when the attribute was not given."""
    session: bool
    expires: float | None
    """Seconds since the epoch; None for a session cookie."""
    size: int
    """Name plus value length, as DevTools counts it."""
    partitioned: bool
    source_scheme: str
    source_port: int

    @classmethod
    def from_cdp(cls, cookie: Mapping[str, Any]) -> BrowserCookie:
        session = bool(cookie.get("session", False))
        return cls(
            name=str(cookie.get("name", "")), domain=str(cookie.get("domain", "")), path=str(cookie.get("path", "")),
            secure=bool(cookie.get("secure")), http_only=bool(cookie.get("httpOnly")),
            same_site=cookie.get("sameSite"), session=session,
            expires=None if session else float(cookie.get("expires", 0)),
            size=int(cookie.get("size", 0)), partitioned="partitionKey" in cookie,
            source_scheme=str(cookie.get("sourceScheme", "")), source_port=int(cookie.get("sourcePort", -1)),
        )


class JavaScriptError(RuntimeError):
    """``evaluate`` threw in the page."""


class Page:
    """One tab, attached in flat mode (its commands carry ``session_id``)."""

    def __init__(self, cdp: CdpConnection, target_id: str, session_id: str) -> None:
        self.cdp = cdp
        self.target_id = target_id
        self.session_id = session_id
        self._closed = False

    def send(self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float = 30.0) -> JsonObject:
        """A raw DevTools command to this tab (``Page.*``, ``Network.*``, ``Emulation.*``, ...)."""
        return self.cdp.send(method, params, session_id=self.session_id, timeout=timeout)

    def events(self, *methods: str) -> EventStream:
        """Subscribe to this tab's events (all, or only ``methods``) from now on; use as a context manager.
        ``Network.*`` and ``Page.*`` are enabled already; enable other domains with :meth:`send`."""
        return self.cdp.events(session_id=self.session_id, methods=tuple(methods))

    def enable(self) -> None:
        self.send("Page.enable")
        self.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        self.send("Network.enable", {"maxTotalBufferSize": 64 * 1024 * 1024})

    # ---------------------------------------------------------------- navigation

    def navigate(self, url: str, timeout: float = 15.0, *, wait_until: str = "load") -> NavigationResult:
        """Load ``url`` as if typed in the address bar, and report how it ended.

        ``wait_until``: ``load`` (the load event, default) or ``commit`` (the
        response was committed). At ``timeout`` the load is stopped and the
        result says ``timed_out``.
        """
        deadline = time.monotonic() + timeout
        seen: list[CdpEvent] = []
        with self.events(*NAVIGATION_EVENTS) as stream:
            timed_out = False
            try:
                reply = self.send("Page.navigate", {"url": url}, timeout=timeout)
            except CdpTimeout:
                reply, timed_out = {}, True
            error = reply.get("errorText") or None
            loader = str(reply.get("loaderId") or "")
            download = bool(reply.get("isDownload", False))
            if not timed_out and error is None and not download and loader:
                timed_out = not _wait(stream, seen, _loaded(loader, wait_until), deadline)
            if timed_out:
                with contextlib.suppress(CdpError, CdpTimeout):
                    self.send("Page.stopLoading", timeout=5)
            elif error is not None and loader:
                _wait(stream, seen, _failed(loader), min(deadline, time.monotonic() + 1.0))
            seen += stream.drain()
        return _navigation_result(url, reply, seen, error, timed_out, download)

    # ---------------------------------------------------------------- page tools

    def evaluate(self, expression: str, timeout: float = 10.0) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value; promises are awaited."""
        result = self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True, "timeout": int(timeout * 1000),
        }, timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "exception")
            raise JavaScriptError(str(text))
        return result.get("result", {}).get("value")

    def set_viewport(self, width: int, height: int, *, device_scale_factor: float = 1.0,
                     mobile: bool = False) -> None:
        """Emulate a window of ``width`` × ``height`` CSS pixels (``mobile`` also turns on the
        meta-viewport handling of a phone)."""
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": device_scale_factor, "mobile": mobile,
        })

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        """Save a PNG of the viewport (or the whole page) atomically to ``path``."""
        params: JsonObject = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
            params["clip"] = {"x": 0, "y": 0, "width": size.get("width", 0), "height": size.get("height", 0),
                              "scale": 1}
        data = base64.b64decode(self.send("Page.captureScreenshot", params, timeout=60)["data"])
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return path

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(CdpError, BrowserGone, CdpTimeout):
            self.cdp.send("Target.closeTarget", {"targetId": self.target_id}, timeout=5)


def _wait(stream: EventStream, seen: list[CdpEvent], done: EventFilter, deadline: float) -> bool:
    """Consume events into ``seen`` until one satisfies ``done``; False at the deadline."""
    while True:
        try:
            event = stream.next(deadline - time.monotonic())
        except CdpTimeout:
            return False
        seen.append(event)
        if done(event):
            return True


def _loaded(loader: str, wait_until: str) -> EventFilter:
    def done(event: CdpEvent) -> bool:
        if event.method == "Network.loadingFailed":
            return event.params.get("requestId") == loader
        if wait_until == "commit":
            return event.method == "Page.frameNavigated" and event.params.get("frame", {}).get("loaderId") == loader
        if event.method == "Page.lifecycleEvent":
            return event.params.get("name") == "load" and event.params.get("loaderId") == loader
        return event.method == "Page.loadEventFired"

    return done


def _failed(loader: str) -> EventFilter:
    """After a failed navigation, the document's ``loadingFailed`` (it may trail the reply)."""
    return lambda event: event.method == "Network.loadingFailed" and event.params.get("requestId") == loader


@dataclass
class _NavigationEvents:
    """What the protocol said about one navigation's document request (``requestId`` = ``loaderId``)."""

    loader: str
    frame_id: Any
    final_url: str
    redirects: list[Redirect] = field(default_factory=list)
    response: Mapping[str, Any] | None = None
    failure: str | None = None
    committed: bool = False

    def feed(self, event: CdpEvent) -> None:
        params = event.params
        mine = params.get("requestId") == self.loader
        if event.method == "Network.requestWillBeSent" and mine:
            self._request(params)
        elif event.method == "Network.responseReceived" and mine:
            self.response = params.get("response", {})
        elif event.method == "Network.loadingFailed" and mine and self.failure is None:
            self.failure = str(params.get("errorText") or "") or None
        elif event.method == "Page.frameNavigated":
            self._navigated(params.get("frame", {}))

    def _request(self, params: Mapping[str, Any]) -> None:
        self.final_url = str(params.get("request", {}).get("url", self.final_url))
        hop = params.get("redirectResponse")
        if hop:
            headers = {k.lower(): v for k, v in (hop.get("headers") or {}).items()}
            self.redirects.append(Redirect(str(hop.get("url", "")), int(hop.get("status", 0)), headers.get("location")))

    def _navigated(self, frame: Mapping[str, Any]) -> None:
        if frame.get("id") == self.frame_id and not frame.get("parentId"):
            error_page = str(frame.get("url", "")).startswith("chrome-error:")
            self.committed = frame.get("loaderId") == self.loader and not error_page


def _navigation_result(url: str, reply: Mapping[str, Any], events: Sequence[CdpEvent], error: str | None,
                       timed_out: bool, download: bool) -> NavigationResult:
    seen = _NavigationEvents(str(reply.get("loaderId", "")), reply.get("frameId"), url)
    for event in events:
        seen.feed(event)
    if error is None and seen.failure and not (timed_out and seen.failure == "net::ERR_ABORTED"):
        error = seen.failure
    response = seen.response
    return NavigationResult(
        requested_url=url,
        url=seen.final_url,
        error=error,
        status=int(response["status"]) if response and error is None else None,
        redirects=tuple(seen.redirects),
        committed=seen.committed and error is None,
        timed_out=timed_out,
        download=download,
        mime_type=str(response.get("mimeType")) if response else None,
        remote_address=_remote(response),
        tls=_tls(response),
    )


def _remote(response: Mapping[str, Any] | None) -> str | None:
    if not response or not response.get("remoteIPAddress"):
        return None
    address = str(response["remoteIPAddress"])
    address = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return f"{address}:{response.get('remotePort', '')}"


def _tls(response: Mapping[str, Any] | None) -> TlsDetails | None:
    details = (response or {}).get("securityDetails")
    if not details:
        return None
    return TlsDetails(
        protocol=str(details.get("protocol", "")), cipher=str(details.get("cipher", "")),
        key_exchange=str(details.get("keyExchangeGroup") or details.get("keyExchange") or ""),
        subject=str(details.get("subjectName", "")), issuer=str(details.get("issuer", "")),
        valid_to=float(details.get("validTo", 0)),
    )
