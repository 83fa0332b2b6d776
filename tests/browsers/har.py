"""Record a Chromium tab's traffic as a HAR 1.2 file, the way DevTools' "Save all as HAR" writes it.

:class:`HarRecorder` listens to the tab's ``Network.*`` and ``Page.*`` events
(the same ones DevTools' Network panel uses) and builds the log when the
recording stops: one entry per request and per redirect hop, raw headers from
the ``*ExtraInfo`` events (so ``Cookie`` and ``Set-Cookie`` are there, as in
Chrome's full export), response bodies when asked, and Chrome's extensions
``_initiator``, ``_priority``, ``_resourceType``, ``_transferSize``, ``_error``,
``_connectionId`` and ``_fromCache``. Failed requests have status 0 and their
``net::ERR_*`` in ``_error``.

The shape follows DevTools' own exporter field by field (``front_end/models/har/Log.ts``
and ``Writer.ts`` of ChromeDevTools/devtools-frontend, with ``NetworkRequest``'s
ExtraInfo handling): ``request.cookies`` are the cookies the browser attached
(``includedRequestCookies``, full cookie objects), ``response.cookies`` every
``Set-Cookie`` line parsed (blocked ones too; ``path``/``domain``/``sameSite``
only when given, ``expires`` or null), ``redirectURL`` the raw ``Location``,
``connection`` the remote port and ``_connectionId`` Chromium's connection id,
``serverIPAddress`` without port (IPv6 keeps its brackets), ``_fromCache`` only
for cache hits, the request head rebuilt as DevTools does for ``headersSize``
and ``HTTP/1.1``, ``postData.params`` for url-encoded forms, the timings with
``_blocked_queueing`` and the service-worker fields, entries sorted by issue
time. A hop refused after its answer arrived (the 20th redirect, with
``net::ERR_TOO_MANY_REDIRECTS``) keeps the status and headers its ExtraInfo
gave, with the error, exactly as DevTools shows it.

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
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.browsers.cdp import BrowserGone, CdpError, CdpEvent, CdpTimeout, EventStream, JsonObject
from tests.browsers.page import Page

HAR_EVENTS = (
    "Network.requestWillBeSent", "Network.requestWillBeSentExtraInfo", "Network.responseReceived",
    "Network.responseReceivedExtraInfo", "Network.loadingFinished", "Network.loadingFailed",
    "Network.requestServedFromCache", "Network.dataReceived", "Page.domContentEventFired", "Page.loadEventFired",
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
    data_length: int = 0
    """Decoded body bytes (``Network.dataReceived``): DevTools' ``resourceSize``, the HAR's ``content.size``."""
    post_data: str | None = None


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
        for entry in self._entries:
            entry.post_data = self._post_data(entry)
        if self.content:
            for entry in self._entries:
                if entry.finished is not None and entry.response is not None and not entry.redirect_url:
                    entry.body = self._kept.get(entry.request_id) or self._body(entry.request_id)

    def collect(self) -> None:
        """Fetch now the bodies of the requests finished so far (the page that holds them is still
        open). Chromium forgets a document's body when the tab moves on, so an export made at the
        end lacks the bodies of the pages left behind, as DevTools' own does; a test that needs a
        page's body in the recording calls this while the page is shown."""
        if self._stream is None or not self.content:
            return
        self._events += self._stream.drain()
        entries, _ = _assemble(self._events)
        for entry in entries:
            if (entry.finished is not None and entry.response is not None and not entry.redirect_url
                    and entry.request_id not in self._kept):
                body = self._body(entry.request_id)
                if body is not None:
                    self._kept[entry.request_id] = body

    def _post_data(self, entry: _Entry) -> str | None:
        """The request body: inline in ``requestWillBeSent``, or asked for (large or multipart bodies)."""
        request = entry.sent.get("request", {})
        if request.get("postData"):
            return str(request["postData"])
        if not request.get("hasPostData"):
            return None
        with contextlib.suppress(CdpError, CdpTimeout, BrowserGone):
            reply = self.page.send("Network.getRequestPostData", {"requestId": entry.request_id}, timeout=10)
            return str(reply.get("postData", "")) or None
        return None

    def _body(self, request_id: str) -> tuple[str, bool] | None:
        with contextlib.suppress(CdpError, CdpTimeout, BrowserGone):
            reply = self.page.send("Network.getResponseBody", {"requestId": request_id}, timeout=10)
            return str(reply.get("body", "")), bool(reply.get("base64Encoded", False))
        return None

    _entries: list[_Entry] = field(default_factory=list, repr=False)
    _pages: list[_Page] = field(default_factory=list, repr=False)
    _kept: dict[str, tuple[str, bool]] = field(default_factory=dict, repr=False)

    def har(self) -> JsonObject:
        """The HAR 1.2 document (``{"log": {...}}``)."""
        self.stop()
        pages_by_loader = {p.loader_id: p for p in self._pages}
        ordered = sorted(self._entries, key=lambda e: float(e.sent.get("timestamp", 0)))  # by issue time, as Writer.ts
        return {"log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": self.creator_version or "537.36"},
            "pages": [_page_json(p) for p in self._pages],
            "entries": [_entry_json(e, pages_by_loader) for e in ordered],
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
        elif event.method == "Network.dataReceived":
            current.data_length += int(params.get("dataLength", 0))
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
    """The k-th ``*ExtraInfo`` of a request id belongs to its k-th hop (raw headers, incl. cookies).

    A hop that failed after its answer arrived (the 20th redirect, refused with
    ``net::ERR_TOO_MANY_REDIRECTS``) has a response ExtraInfo and no ``responseReceived``:
    DevTools then takes its status and headers from the ExtraInfo, and so does this."""
    for entry, extra in zip(hops, request_extra, strict=False):
        entry.request_extra = extra
    for entry, extra in zip(hops, response_extra, strict=False):
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


def _cookie_dto(cookie: Mapping[str, Any]) -> JsonObject:
    """A cookie the browser sent, as ``Log.ts``' ``buildCookie`` writes a protocol cookie."""
    out: JsonObject = {
        "name": cookie.get("name", ""), "value": cookie.get("value", ""), "path": cookie.get("path", ""),
        "domain": cookie.get("domain", ""),
        "expires": None if cookie.get("session", True) or float(cookie.get("expires", -1)) < 0
        else _iso(float(cookie["expires"])),
        "httpOnly": bool(cookie.get("httpOnly", False)), "secure": bool(cookie.get("secure", False)),
    }
    if cookie.get("sameSite"):
        out["sameSite"] = cookie["sameSite"]
    if cookie.get("partitionKey"):
        out["partitionKey"] = cookie["partitionKey"]
    return out


def _request_cookies(entry: _Entry) -> list[JsonObject]:
    """``includedRequestCookies``: the cookies the browser attached (none blocked), from the ExtraInfo."""
    associated = (entry.request_extra or {}).get("associatedCookies") or []
    return [_cookie_dto(c["cookie"]) for c in associated if not c.get("blockedReasons") and c.get("cookie")]


def _response_cookies(headers: list[JsonObject], started: float) -> list[JsonObject]:
    """Every ``Set-Cookie`` line parsed as DevTools' ``CookieParser`` does (blocked ones too):
    ``path``/``domain``/``sameSite`` only when given, ``expires`` from Max-Age or Expires, else null."""
    cookies = []
    for header in headers:
        if header["name"].lower() != "set-cookie":
            continue
        pair, *attributes = str(header["value"]).split(";")
        name, _, value = pair.strip().partition("=")
        cookie: JsonObject = {"name": name, "value": value}
        expires: str | None = None
        flags = {"httponly": False, "secure": False}
        for attribute in attributes:
            key, _, arg = attribute.strip().partition("=")
            lowered = key.lower()
            if lowered in ("path", "domain"):
                cookie[lowered] = arg
            elif lowered == "samesite":
                cookie["sameSite"] = arg
            elif lowered in flags:
                flags[lowered] = True
            elif lowered == "max-age" and arg.lstrip("-").isdigit():
                expires = _iso(started + int(arg))
            elif lowered == "expires" and expires is None:
                with contextlib.suppress(TypeError, ValueError, OverflowError):
                    expires = parsedate_to_datetime(arg).astimezone(UTC).isoformat(
                        timespec="milliseconds").replace("+00:00", "Z")
        cookie.update({"expires": expires, "httpOnly": flags["httponly"], "secure": flags["secure"]})
        cookies.append(cookie)
    return cookies


def _timings(entry: _Entry) -> tuple[JsonObject, float]:
    """``Log.ts``' ``buildTimings``: blocked (queueing + stalled), dns, connect (ssl inside), send,
    wait, receive in ms, ``-1`` where a phase did not happen, and ``time`` their sum."""
    sent = entry.sent
    issued = float(sent.get("timestamp", 0))
    end_event = entry.finished or entry.failed
    end = float(end_event.get("timestamp", issued)) if end_event else issued
    timing = (entry.response or {}).get("timing")
    result: JsonObject = {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0,
                          "_blocked_queueing": -1}
    if not timing:
        result["blocked"] = round(max(0.0, (end - issued) * 1000), 3)
        return result, float(result["blocked"])

    def at(key: str) -> float:
        return float(timing.get(key, -1))

    start = at("requestTime")
    queued = (start - issued) * 1000 if issued < start else -1
    result["blocked"] = result["_blocked_queueing"] = round(queued, 3)
    blocked_start = min((v for v in (at("dnsStart"), at("connectStart"), at("sendStart")) if v >= 0), default=None)
    if blocked_start is not None:
        result["blocked"] = round(float(result["blocked"]) + blocked_start, 3)
    if at("proxyEnd") != -1:
        result["_blocked_proxy"] = round(at("proxyEnd") - at("proxyStart"), 3)
    first = blocked_start if blocked_start is not None else 0.0
    dns_end = at("dnsEnd") if at("dnsEnd") >= 0 else -1.0
    result["dns"] = round(dns_end - (first if at("dnsEnd") >= 0 else 0.0), 3)
    ssl_end = at("sslEnd") if at("sslEnd") > 0 else -1.0
    result["ssl"] = round(ssl_end - (at("sslStart") if at("sslEnd") > 0 else 0.0), 3)
    connect_end = at("connectEnd") if at("connectEnd") >= 0 else -1.0
    connect_start = min((v for v in (dns_end, first) if v >= 0), default=0.0) if at("connectEnd") >= 0 else 0.0
    result["connect"] = round(connect_end - connect_start, 3)
    send_end = at("sendEnd") if at("sendEnd") >= 0 else 0.0
    send_start = max(connect_end, dns_end, first) if at("sendEnd") >= 0 else 0.0
    result["send"] = round(max(0.0, send_end - send_start), 3)
    highest = max(send_end, connect_end, ssl_end, dns_end, first, 0.0)
    for key in ("workerStart", "workerReady", "workerFetchStart", "workerRespondWithSettled"):
        result["_" + key] = at(key)
    headers_end = at("receiveHeadersEnd")
    result["wait"] = round(headers_end - highest, 3)
    result["receive"] = round(max(0.0, (end - start) * 1000 - headers_end), 3) if entry.finished else 0.0
    total = sum(max(0.0, float(result[k])) for k in ("blocked", "dns", "connect", "send", "wait", "receive"))
    return result, round(total, 3)


def _content(entry: _Entry, body_size: int) -> JsonObject:
    size = entry.data_length
    content: JsonObject = {"size": size, "mimeType": str((entry.response or {}).get("mimeType") or "x-unknown")}
    if entry.body is not None:
        text, encoded = entry.body
        content["size"] = len(base64.b64decode(text)) if encoded else len(text.encode())
        content["text"] = text
        if encoded:
            content["encoding"] = "base64"
    if body_size >= 0 and entry.response is not None and entry.response.get("status") not in (206, 304) \
            and not entry.from_cache:
        content["compression"] = int(content["size"]) - body_size
    return content


def _protocol(entry: _Entry) -> str:
    """DevTools' ``filteredProtocolName``: ``h2`` → ``http/2.0``, else the protocol as Chromium names it."""
    protocol = str((entry.response or {}).get("protocol") or "").lower()
    return "http/2.0" if protocol == "h2" else protocol


def _request_json(entry: _Entry, response_headers_text: str) -> JsonObject:
    request = entry.sent.get("request", {})
    url = str(request.get("url", ""))
    headers = _headers((entry.request_extra or {}).get("headers") or request.get("headers"))
    parts = urlsplit(url)
    headers_text = ""
    if response_headers_text:  # DevTools then rebuilds the request's head (ExtraInfo carries no text)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers_text = f"{request.get('method', 'GET')} {target} HTTP/1.1\r\n" + "".join(
            f"{h['name']}: {h['value']}\r\n" for h in headers)
    post = entry.post_data
    out: JsonObject = {
        "method": request.get("method", "GET"), "url": url,
        "httpVersion": "HTTP/1.1" if headers_text else _protocol(entry) or "http/1.1", "headers": headers,
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        "cookies": _request_cookies(entry), "headersSize": len(headers_text) if headers_text else -1,
        "bodySize": len(post.encode()) if post else 0,
    }
    if post:
        mime = next((str(v) for k, v in (request.get("headers") or {}).items() if k.lower() == "content-type"), "")
        data: JsonObject = {"mimeType": mime, "text": post}
        if mime.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            data["params"] = [{"name": k, "value": v} for k, v in parse_qsl(post, keep_blank_values=True)]
        out["postData"] = data
    return out


def _response_json(entry: _Entry, headers_text: str) -> JsonObject:
    response = entry.response or {}
    extra = entry.response_extra or {}
    headers = _headers(extra.get("headers") or response.get("headers"))
    transfer = int(entry.finished.get("encodedDataLength", 0) if entry.finished else response.get("encodedDataLength", 0))
    error = str(entry.failed.get("errorText") or "") if entry.failed is not None else None  # "" when only blocked (mixed content)
    status = int(extra.get("statusCode") or response.get("status") or 0)
    status_text = str(response.get("statusText", "")) or (" ".join(headers_text.split("\r")[0].split(" ")[2:])
                                                          if headers_text else "")
    if headers_text:
        first = headers_text.split("\r\n", 1)[0]
        version = first.split(" ", 1)[0] if first.startswith("HTTP/") else "HTTP/0.9"
    else:
        version = _protocol(entry)
    body_size = 0 if entry.from_cache or status == 304 else (transfer - len(headers_text) if headers_text else -1)
    location = next((h["value"] for h in headers if h["name"].lower() == "location"), "")
    return {
        "status": status, "statusText": status_text, "httpVersion": version, "headers": headers,
        "cookies": _response_cookies(headers, float(entry.sent.get("wallTime", 0))),
        "content": _content(entry, body_size), "redirectURL": location,
        "headersSize": len(headers_text) if headers_text else -1, "bodySize": body_size,
        "_transferSize": transfer, "_error": error, "_fetchedViaServiceWorker": bool(response.get("fromServiceWorker")),
    }


def _initiator(sent: Mapping[str, Any]) -> JsonObject:
    initiator = sent.get("initiator") or {"type": "other"}
    return {k: initiator[k] for k in ("type", "url", "requestId", "lineNumber", "stack") if k in initiator}


def _entry_json(entry: _Entry, pages: Mapping[str, _Page]) -> JsonObject:
    sent = entry.sent
    response = entry.response or {}
    headers_text = str((entry.response_extra or {}).get("headersText") or "")
    timings, total = _timings(entry)
    address = str(response.get("remoteIPAddress", ""))
    out: JsonObject = {
        "_initiator": _initiator(sent),
        "_priority": sent.get("request", {}).get("initialPriority"),
        "_resourceType": _RESOURCE_TYPES.get(str(sent.get("type", "Other")), str(sent.get("type", "Other")).lower()),
        "cache": {},
        "request": _request_json(entry, headers_text),
        "response": _response_json(entry, headers_text),
        "serverIPAddress": address,  # Log.ts keeps IPv6 brackets (its /\[\]/g matches only "[]")
        "startedDateTime": _iso(float(sent.get("wallTime", 0))),
        "time": total,
        "timings": timings,
    }
    if response.get("remotePort"):
        out["connection"] = str(response["remotePort"])
    if str(response.get("connectionId", "0")) not in ("0", ""):
        out["_connectionId"] = str(response["connectionId"])
    if entry.from_cache or response.get("fromDiskCache") or response.get("fromMemoryCache"):
        out["_fromCache"] = "memory" if response.get("fromMemoryCache") else "disk"
    page = pages.get(str(sent.get("loaderId", "")))
    if page is not None:
        out["pageref"] = page.id
    return out


_RESOURCE_TYPES = {"XHR": "xhr", "CSPViolationReport": "csp-violation-report", "SignedExchange": "signed-exchange",
                   "TextTrack": "texttrack", "EventSource": "eventsource", "WebSocket": "websocket"}
"""CDP resource types whose DevTools name is not just the lower-cased CDP name."""


def _page_json(page: _Page) -> JsonObject:
    return {"startedDateTime": _iso(page.wall_time), "id": page.id, "title": page.url,
            "pageTimings": {"onContentLoad": page.on_content_load, "onLoad": page.on_load}}
