"""Record a Chromium tab's traffic as a HAR 1.2 file, the way DevTools' "Save all as HAR" writes it.

:class:`HarRecorder` listens to the tab's ``Network.*`` and ``Page.*`` events
(the same ones DevTools' Network panel uses) and builds the log when the
recording stops: one entry per request and per redirect hop, raw headers from
the ``*ExtraInfo`` events (so ``Cookie`` and ``Set-Cookie`` are there, as in
Chrome's full export), response bodies when asked, and Chrome's extensions
``_initiator``, ``_priority``, ``_resourceType``, ``_transferSize``, ``_error``
and ``_fromCache``. Failed requests have status 0 and their ``net::ERR_*`` in
``_error``.

The file holds cookie values and tokens exactly as a person's export would:
it is a test fixture for ``login-doctor har``, kept under the test's tmp dir
unless a fixture-regeneration script writes it on purpose.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.browsers.cdp import BrowserGone, CdpError, CdpEvent, CdpTimeout, EventStream, JsonObject
from tests.browsers.page import Page

HAR_EVENTS = (
    "Network.requestWillBeSent", "Network.requestWillBeSentExtraInfo", "Network.responseReceived",
    "Network.responseReceivedExtraInfo", "Network.loadingFinished", "Network.loadingFailed",
    "Network.requestServedFromCache", "Page.domContentEventFired", "Page.loadEventFired",
)


@dataclass
class _Entry:
    request_id: str
    sent: Mapping[str, Any]
    response: Mapping[str, Any] | None = None
    redirect_url: str = ""
    request_extra: Mapping[str, Any] | None = None
    response_extra: Mapping[str, Any] | None = None
    finished: Mapping[str, Any] | None = None
    failed: Mapping[str, Any] | None = None
    from_cache: bool = False
    body: tuple[str, bool] | None = None


@dataclass
class _Page:
    id: str
    loader_id: str
    url: str
    wall_time: float
    timestamp: float
    on_content_load: float = -1
    on_load: float = -1


@dataclass
class HarRecorder:
    """``with HarRecorder(page) as har: page.navigate(...)`` then ``har.save(path)`` or ``har.har()``."""

    page: Page
    content: bool = True
    """Include response bodies (``Network.getResponseBody``), as "Save all as HAR with content"."""
    creator_version: str = ""
    _stream: EventStream | None = field(default=None, repr=False)
    _events: list[CdpEvent] = field(default_factory=list, repr=False)

    def __enter__(self) -> HarRecorder:
        self._stream = self.page.events(*HAR_EVENTS)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop listening (idempotent); bodies are fetched now, while the tab still holds them."""
        if self._stream is None:
            return
        self._events += self._stream.drain()
        self._stream.close()
        self._stream = None
        self._entries, self._pages = _assemble(self._events)
        if self.content:
            for entry in self._entries:
                if entry.finished is not None and entry.response is not None and not entry.redirect_url:
                    entry.body = self._body(entry.request_id)

    def _body(self, request_id: str) -> tuple[str, bool] | None:
        with contextlib.suppress(CdpError, CdpTimeout, BrowserGone):
            reply = self.page.send("Network.getResponseBody", {"requestId": request_id}, timeout=10)
            return str(reply.get("body", "")), bool(reply.get("base64Encoded", False))
        return None

    _entries: list[_Entry] = field(default_factory=list, repr=False)
    _pages: list[_Page] = field(default_factory=list, repr=False)

    def har(self) -> JsonObject:
        """The HAR 1.2 document (``{"log": {...}}``)."""
        self.stop()
        pages_by_loader = {p.loader_id: p for p in self._pages}
        return {"log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": self.creator_version or "537.36"},
            "pages": [_page_json(p) for p in self._pages],
            "entries": [_entry_json(e, pages_by_loader) for e in self._entries],
        }}

    def save(self, path: Path) -> Path:
        """Write the HAR atomically (a temporary file, then rename)."""
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.har(), indent=2, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
        return path


def _assemble(events: Sequence[CdpEvent]) -> tuple[list[_Entry], list[_Page]]:
    entries: list[_Entry] = []
    by_id: dict[str, list[_Entry]] = {}
    request_extra: dict[str, list[Mapping[str, Any]]] = {}
    response_extra: dict[str, list[Mapping[str, Any]]] = {}
    pages: list[_Page] = []
    for event in events:
        params = event.params
        request_id = str(params.get("requestId", ""))
        current = by_id.get(request_id, [None])[-1]
        if event.method == "Network.requestWillBeSent":
            if current is not None and params.get("redirectResponse"):
                current.response = params["redirectResponse"]
                current.redirect_url = str(params.get("request", {}).get("url", ""))
            entry = _Entry(request_id, params)
            entries.append(entry)
            by_id.setdefault(request_id, []).append(entry)
            is_navigation = params.get("type") == "Document" and params.get("loaderId") == request_id
            if is_navigation and not _subframe(params) and all(p.loader_id != request_id for p in pages):
                pages.append(_Page(f"page_{len(pages) + 1}", request_id, str(params.get("documentURL", "")),
                                   float(params.get("wallTime", 0)), float(params.get("timestamp", 0))))
        elif event.method == "Network.requestWillBeSentExtraInfo":
            request_extra.setdefault(request_id, []).append(params)
        elif event.method == "Network.responseReceivedExtraInfo":
            response_extra.setdefault(request_id, []).append(params)
        elif current is None:
            _page_timing(pages, event)
        elif event.method == "Network.responseReceived":
            current.response = params.get("response", {})
        elif event.method == "Network.loadingFinished":
            current.finished = params
        elif event.method == "Network.loadingFailed":
            current.failed = params
        elif event.method == "Network.requestServedFromCache":
            current.from_cache = True
    for request_id, hops in by_id.items():
        _attach_extra_info(hops, request_extra.get(request_id, []), response_extra.get(request_id, []))
    return entries, pages


def _page_timing(pages: list[_Page], event: CdpEvent) -> None:
    """``onContentLoad``/``onLoad`` of the latest page, in ms from its start."""
    if event.method not in ("Page.domContentEventFired", "Page.loadEventFired") or not pages:
        return
    offset = round((float(event.params.get("timestamp", 0)) - pages[-1].timestamp) * 1000, 3)
    if event.method == "Page.loadEventFired":
        pages[-1].on_load = offset
    else:
        pages[-1].on_content_load = offset


def _attach_extra_info(hops: Sequence[_Entry], request_extra: Sequence[Mapping[str, Any]],
                       response_extra: Sequence[Mapping[str, Any]]) -> None:
    """The k-th ``*ExtraInfo`` of a request id belongs to its k-th hop (raw headers, incl. cookies)."""
    for entry, extra in zip(hops, request_extra, strict=False):
        entry.request_extra = extra
    answered = [e for e in hops if e.response is not None]
    for entry, extra in zip(answered, response_extra, strict=False):
        entry.response_extra = extra


def _subframe(params: Mapping[str, Any]) -> bool:
    return params.get("frameId") is not None and params.get("documentURL") != params.get("request", {}).get("url")


def _iso(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _headers(raw: Mapping[str, Any] | None) -> list[JsonObject]:
    """HAR headers from a CDP header object (multi-valued headers arrive joined by newlines)."""
    out: list[JsonObject] = []
    for name, value in (raw or {}).items():
        for line in str(value).split("\n"):
            out.append({"name": name, "value": line})
    return out


def _request_cookies(headers: list[JsonObject]) -> list[JsonObject]:
    cookies = []
    for header in headers:
        if header["name"].lower() == "cookie":
            for part in str(header["value"]).split(";"):
                name, sep, value = part.strip().partition("=")
                if sep or name:
                    cookies.append({"name": name, "value": value})
    return cookies


def _response_cookies(headers: list[JsonObject]) -> list[JsonObject]:
    cookies = []
    for header in headers:
        if header["name"].lower() != "set-cookie":
            continue
        pair, *attributes = str(header["value"]).split(";")
        name, _, value = pair.strip().partition("=")
        cookie: JsonObject = {"name": name, "value": value, "httpOnly": False, "secure": False}
        for attribute in attributes:
            key, _, arg = attribute.strip().partition("=")
            lowered = key.lower()
            if lowered in ("path", "domain", "expires", "samesite"):
                cookie["sameSite" if lowered == "samesite" else lowered] = arg
            elif lowered in ("httponly", "secure"):
                cookie["httpOnly" if lowered == "httponly" else "secure"] = True
        cookies.append(cookie)
    return cookies


def _timings(entry: _Entry) -> tuple[JsonObject, float]:
    sent = entry.sent
    issued = float(sent.get("timestamp", 0))
    end_event = entry.finished or entry.failed
    end = float(end_event.get("timestamp", issued)) if end_event else issued
    timing = (entry.response or {}).get("timing")
    if not timing:
        total = max(0.0, (end - issued) * 1000)
        return {"blocked": round(total, 3), "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0,
                "receive": 0}, total

    def span(start: str, stop: str) -> float:
        a, b = float(timing.get(start, -1)), float(timing.get(stop, -1))
        return round(b - a, 3) if a >= 0 and b >= 0 else -1

    request_time = float(timing.get("requestTime", issued))
    queued = (request_time - issued) * 1000
    first = next((float(timing[k]) for k in ("dnsStart", "connectStart", "sendStart") if float(timing.get(k, -1)) >= 0),
                 0.0)
    headers_end = float(timing.get("receiveHeadersEnd", 0))
    receive = (end - request_time) * 1000 - headers_end if entry.finished and not entry.redirect_url else 0.0
    result: JsonObject = {
        "blocked": round(max(0.0, queued + first), 3), "dns": span("dnsStart", "dnsEnd"),
        "ssl": span("sslStart", "sslEnd"), "connect": span("connectStart", "connectEnd"),
        "send": max(0.0, span("sendStart", "sendEnd")), "wait": max(0.0, round(headers_end - float(timing.get("sendEnd", 0)), 3)),
        "receive": round(max(0.0, receive), 3),
    }
    total = sum(max(0.0, float(result[k])) for k in ("blocked", "dns", "connect", "send", "wait", "receive"))
    return result, total


def _content(entry: _Entry) -> JsonObject:
    content: JsonObject = {"size": 0, "mimeType": str((entry.response or {}).get("mimeType") or "x-unknown")}
    if entry.body is not None:
        text, encoded = entry.body
        content["size"] = len(base64.b64decode(text)) if encoded else len(text.encode())
        content["text"] = text
        if encoded:
            content["encoding"] = "base64"
    return content


def _request_json(entry: _Entry, protocol: str) -> JsonObject:
    request = entry.sent.get("request", {})
    url = str(request.get("url", ""))
    headers = _headers((entry.request_extra or {}).get("headers") or request.get("headers"))
    post = request.get("postData")
    out: JsonObject = {
        "method": request.get("method", "GET"), "url": url, "httpVersion": protocol, "headers": headers,
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "cookies": _request_cookies(headers), "headersSize": -1, "bodySize": len(str(post).encode()) if post else 0,
    }
    if post:
        out["postData"] = {"mimeType": str((request.get("headers") or {}).get("Content-Type", "")), "text": str(post)}
    return out


def _response_json(entry: _Entry, protocol: str) -> JsonObject:
    response = entry.response or {}
    headers = _headers((entry.response_extra or {}).get("headers") or response.get("headers"))
    headers_text = str((entry.response_extra or {}).get("headersText") or "")
    transfer = int(entry.finished.get("encodedDataLength", 0) if entry.finished else response.get("encodedDataLength", 0))
    error = str(entry.failed.get("errorText") or "") or None if entry.failed is not None else None
    answered = entry.response is not None
    return {
        "status": int(response.get("status", 0)), "statusText": str(response.get("statusText", "")),
        "httpVersion": protocol if answered else "", "headers": headers, "cookies": _response_cookies(headers),
        "content": _content(entry), "redirectURL": entry.redirect_url,
        "headersSize": len(headers_text) if headers_text else -1,
        "bodySize": max(0, transfer - len(headers_text)) if answered else -1,
        "_transferSize": transfer, "_error": error, "_fetchedViaServiceWorker": False,
    }


def _entry_json(entry: _Entry, pages: Mapping[str, _Page]) -> JsonObject:
    sent = entry.sent
    response = entry.response or {}
    protocol = str(response.get("protocol") or "http/1.1")
    timings, total = _timings(entry)
    out: JsonObject = {
        "_initiator": sent.get("initiator", {"type": "other"}),
        "_priority": sent.get("request", {}).get("initialPriority"),
        "_resourceType": str(sent.get("type", "Other")).lower(),
        "cache": {},
        "request": _request_json(entry, protocol),
        "response": _response_json(entry, protocol),
        "serverIPAddress": str(response.get("remoteIPAddress", "")).strip("[]"),
        "startedDateTime": _iso(float(sent.get("wallTime", 0))),
        "time": round(total, 3),
        "timings": timings,
        "_fromCache": "disk" if entry.from_cache or response.get("fromDiskCache") else None,
    }
    if response.get("connectionId"):
        out["connection"] = str(response["connectionId"])
    page = pages.get(str(sent.get("loaderId", "")))
    if page is not None:
        out["pageref"] = page.id
    return out


def _page_json(page: _Page) -> JsonObject:
    return {"startedDateTime": _iso(page.wall_time), "id": page.id, "title": page.url,
            "pageTimings": {"onContentLoad": page.on_content_load, "onLoad": page.on_load}}
