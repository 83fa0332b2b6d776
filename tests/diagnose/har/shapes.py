"""Synthetic HAR files shaped like real browser exports (phase 1; phase 2 adds real recordings).

The shapes follow the exporters' source:

* Chrome/Edge: ChromeDevTools/devtools-frontend ``front_end/models/har/Log.ts``
  (creator ``WebInspector``, ``_initiator``, ``_priority``, ``_resourceType``,
  ``_fromCache``, ``_connectionId``, ``response._error``/``_transferSize``,
  ``serverIPAddress`` "" for a request that never connected, HTTP/2 lower-case
  headers with ``:authority``/``:method``/``:path``/``:scheme``, several
  ``set-cookie`` lines joined by ``\\n`` in one header, ``cache: {}``, timings
  with ``_blocked_queueing``); "Export HAR (sanitized)" drops ``cookie``,
  ``set-cookie`` and ``authorization`` headers and both cookie lists.
* Firefox: ``devtools/client/netmonitor/src/har/har-builder.js`` (a ``browser``
  object, ``_securityState``, local-offset ``startedDateTime``, status 0 and no
  error text for failures, ``connection`` = remote port, page titles = URLs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from diagnose.har import ReadResult, read_recording

BASE = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)


@dataclass
class Step:
    """One request of a scenario, before it is shaped like a browser's export."""

    url: str
    status: int = 200
    method: str = "GET"
    dest: str = "document"
    resource_type: str = "document"
    location: str | None = None
    set_cookies: Sequence[str] = ()
    cookie: str | None = None
    request_headers: Sequence[tuple[str, str]] = ()
    response_headers: Sequence[tuple[str, str]] = ()
    body: str = ""
    mime: str = "text/html"
    post: dict[str, Any] | None = None
    error: str = ""
    at: float = 0.0
    """Seconds after :data:`BASE` (the browser's clock)."""
    server_skew: float = 0.0
    """How far the server's Date is ahead of the browser's clock."""
    duration_ms: float = 40.0
    initiator: dict[str, Any] | None = None
    from_cache: str | None = None
    base64: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _headers(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _query(url: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


def chrome_entry(step: Step, *, page: str = "page_1", sanitized: bool = False) -> dict[str, Any]:
    parts = urlsplit(step.url)
    started = BASE + timedelta(seconds=step.at)
    req_headers: list[tuple[str, str]] = [
        (":authority", parts.netloc), (":method", step.method), (":path", parts.path + ("?" + parts.query if parts.query else "")),
        (":scheme", parts.scheme), ("accept", "text/html,*/*"), ("sec-fetch-dest", step.dest),
        ("sec-fetch-mode", "navigate" if step.dest in ("document", "iframe") else "no-cors"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
        *step.request_headers,
    ]
    if step.cookie:
        req_headers.append(("cookie", step.cookie))
    failed = bool(step.error) or step.status == 0
    resp_headers: list[tuple[str, str]] = []
    if not failed:
        date = started + timedelta(seconds=step.server_skew + step.duration_ms / 2000)
        resp_headers = [("content-type", step.mime), ("date", format_datetime(date, usegmt=True)), ("server", "nginx")]
        if step.location is not None:
            resp_headers.append(("location", step.location))
        if step.set_cookies:
            resp_headers.append(("set-cookie", "\n".join(step.set_cookies)))
        resp_headers += list(step.response_headers)
    content: dict[str, Any] = {"size": len(step.body), "mimeType": step.mime if not failed else "x-unknown"}
    if step.body:
        if step.base64:
            import base64

            content["text"] = base64.b64encode(step.body.encode()).decode()
            content["encoding"] = "base64"
        else:
            content["text"] = step.body
    request: dict[str, Any] = {
        "method": step.method, "url": step.url, "httpVersion": "http/2.0", "headers": _headers(req_headers),
        "queryString": _query(step.url), "cookies": _cookie_list(step.cookie), "headersSize": -1,
        "bodySize": len(step.post["text"]) if step.post else 0,
    }
    if step.post:
        request["postData"] = step.post
    entry: dict[str, Any] = {
        "_initiator": step.initiator or {"type": "other"},
        "_priority": "VeryHigh" if step.dest == "document" else "Low",
        "_resourceType": step.resource_type,
        "cache": {},
        "pageref": page,
        "request": request,
        "response": {
            "status": 0 if failed else step.status,
            "statusText": "" if failed else _reason(step.status),
            "httpVersion": "" if failed else "http/2.0",
            "headers": _headers(resp_headers),
            "cookies": [] if failed else _set_cookie_list(step.set_cookies),
            "content": content,
            "redirectURL": step.location or "",
            "headersSize": -1,
            "bodySize": -1 if failed else len(step.body),
            "_transferSize": 0 if failed else 300 + len(step.body),
            "_error": step.error or None,
        },
        "serverIPAddress": "" if failed else "127.0.0.1",
        "startedDateTime": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": step.duration_ms,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": step.duration_ms - 2,
                    "receive": 0.7, "_blocked_queueing": 0.9},
    }
    if not failed:
        entry["_connectionId"] = "1234"
    if step.from_cache:
        entry["_fromCache"] = step.from_cache
    entry.update(step.extra)
    if sanitized:
        entry["request"]["cookies"] = []
        entry["request"]["headers"] = [h for h in entry["request"]["headers"] if h["name"].lower() not in ("authorization", "cookie")]
        entry["response"]["cookies"] = []
        entry["response"]["headers"] = [h for h in entry["response"]["headers"] if h["name"].lower() != "set-cookie"]
    return entry


def firefox_entry(step: Step, *, page: str = "page_1") -> dict[str, Any]:
    parts = urlsplit(step.url)
    offset = timezone(timedelta(hours=1))
    started = (BASE + timedelta(seconds=step.at)).astimezone(offset)
    req_headers = [("Host", parts.netloc), ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"),
                   ("Accept", "text/html"), ("Sec-Fetch-Dest", step.dest), *step.request_headers]
    if step.cookie:
        req_headers.append(("Cookie", step.cookie))
    failed = bool(step.error) or step.status == 0
    resp_headers: list[tuple[str, str]] = []
    if not failed:
        date = BASE + timedelta(seconds=step.at + step.server_skew + step.duration_ms / 2000)
        resp_headers = [("Content-Type", step.mime), ("Date", format_datetime(date, usegmt=True))]
        if step.location is not None:
            resp_headers.append(("Location", step.location))
        resp_headers += [("Set-Cookie", line) for line in step.set_cookies]
        resp_headers += list(step.response_headers)
    content: dict[str, Any] = {"mimeType": step.mime, "size": len(step.body)}
    if step.body:
        content["text"] = step.body
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds"),
        "request": {
            "bodySize": 0, "method": step.method, "url": step.url, "httpVersion": "HTTP/2",
            "headers": _headers(req_headers), "cookies": _cookie_list(step.cookie), "queryString": _query(step.url),
            "headersSize": 400,
        },
        "response": {
            "status": 0 if failed else step.status, "statusText": "" if failed else _reason(step.status),
            "httpVersion": "" if failed else "HTTP/2", "headers": _headers(resp_headers),
            "cookies": [] if failed else _set_cookie_list(step.set_cookies), "content": content,
            "redirectURL": step.location or "", "headersSize": -1 if failed else 200, "bodySize": -1 if failed else len(step.body),
        },
        "cache": {},
        "timings": {} if failed else {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": step.duration_ms, "receive": 0},
        "time": 0 if failed else step.duration_ms,
        "_securityState": "insecure" if parts.scheme == "http" else "secure",
        "pageref": page,
    }
    if step.post:
        entry["request"]["postData"] = step.post
    if not failed:
        entry["serverIPAddress"] = "127.0.0.1"
        entry["connection"] = "443"
    entry.update(step.extra)
    return entry


def _cookie_list(header: str | None) -> list[dict[str, str]]:
    if not header:
        return []
    out = []
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        out.append({"name": name, "value": value})
    return out


def _set_cookie_list(lines: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        out.append({"name": name.strip(), "value": value, "path": "/", "domain": "", "expires": None,
                    "httpOnly": "httponly" in line.lower(), "secure": "secure" in line.lower()})
    return out


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def chrome_har(steps: Sequence[Step], *, sanitized: bool = False, title: str | None = None) -> dict[str, Any]:
    first = steps[0].url if steps else ""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{"startedDateTime": BASE.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "id": "page_1",
                       "title": title or first, "pageTimings": {"onContentLoad": 120.5, "onLoad": 180.2}}],
            "entries": [chrome_entry(s, sanitized=sanitized) for s in steps],
        }
    }


def firefox_har(steps: Sequence[Step]) -> dict[str, Any]:
    first = steps[0].url if steps else ""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "Firefox", "version": "153.0"},
            "browser": {"name": "Firefox", "version": "153.0"},
            "pages": [{"startedDateTime": BASE.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds"),
                       "id": "page_1", "pageTimings": {"onContentLoad": -1, "onLoad": -1}, "title": first}],
            "entries": [firefox_entry(s) for s in steps],
        }
    }


def write(path: Path, har: dict[str, Any], *, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(har, indent=indent), "utf-8")
    return path


def sanitize_file(source: Path, copy: Path, *, max_entries: int | None = None) -> ReadResult:
    """Read ``source`` and stream its sanitized copy into ``copy`` (plain file: the atomic write is
    :mod:`diagnose.recording`'s job, tested through the command)."""
    with copy.open("w", encoding="utf-8", newline="\n") as out:
        if max_entries is None:
            return read_recording(source, sanitize_into=out)
        return read_recording(source, sanitize_into=out, max_entries=max_entries)
