"""Turn a HAR's decoded JSON into the typed :mod:`diagnose.har.model`, browser by browser.

HAR 1.2 (Jan Odvarko's draft, softwareishard.com) fixes the core; each
browser adds its own fields, all read here and nowhere else:

* Chrome/Edge (DevTools ``front_end/models/har/Log.ts``): ``_resourceType``,
  ``_initiator`` ``{type, url, stack}``, ``_fromCache`` (``memory``/``disk``),
  ``response._error`` (``net::ERR_…``; failed requests have status 0),
  ``_transferSize``; several ``Set-Cookie`` lines may come joined by newlines
  in one header (the DevTools protocol's header object). "Export HAR
  (sanitized)" drops ``Cookie``, ``Set-Cookie`` and ``Authorization`` headers
  and both cookie lists.
* Firefox (``devtools/client/netmonitor/src/har/har-builder.js``): a
  ``browser`` object, ``_securityState``, start times with the local offset,
  no error text for failed requests (status 0).
* Safari (WebKit ``HARBuilder.js``): creator "WebKit Web Inspector",
  ``_fetchType`` (``Memory Cache``, ``Disk Cache``, ``Service Worker``) and
  ``_error`` with the failure reason.

Required fields with the wrong type end the read with a :class:`HarFormatError`
naming the place; optional fields of the wrong type are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from diagnose.har.limits import (
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_HEADERS,
    MAX_NUMBER,
    MAX_PAGES,
    MAX_STRING_CHARS,
)
from diagnose.har.model import Browser, HarEntry, HarPage, Recording
from diagnose.har.stream import HarFormatError

ERROR_BODY_CHARS = 4096
"""Characters of an error page (400, 413, 431, 494) kept to recognise "header too large" pages."""


def open_har(path: str | Path) -> IO[bytes]:
    """Open ``path`` for reading after checking it is a regular file within the size limit.

    The door's reader (:func:`diagnose.inputs.files.open_regular`): a directory, a
    FIFO, a socket or a device is refused before it is opened (opening a FIFO
    would wait for a writer). Raises :class:`HarFormatError`.
    """
    from diagnose.inputs.files import open_regular
    from diagnose.settings import UsageError

    try:
        return open_regular(path, limit=MAX_FILE_BYTES, what="")
    except UsageError as exc:
        raise HarFormatError(str(exc).removeprefix(": ")) from None


# ----------------------------------------------------------------------------- values


def clip(text: str, limit: int = MAX_STRING_CHARS) -> str:
    return text if len(text) <= limit else text[:limit]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value) if abs(value) <= MAX_NUMBER else None


def parse_time(text: Any) -> float | None:
    """An ISO 8601 ``startedDateTime`` as epoch seconds (with its offset; no offset means UTC)."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python 3.11 reads at most 6 fraction digits; some tools write 7 or 9.
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _require(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = mapping.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, kind):
        found = "nothing" if key not in mapping else _type_name(value)
        expected = "an object" if kind is dict else "a number" if kind == (int, float) else "a string"
        raise HarFormatError(f"{where}.{key}: expected {expected}, found {found}")
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def headers_of(container: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``headers`` list as (name, value) pairs; malformed items are skipped."""
    raw = container.get("headers")
    out: list[tuple[str, str]] = []
    if isinstance(raw, list):
        for item in raw[:MAX_HEADERS]:
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str):
                out.append((item["name"], item["value"]))
    return out


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _all(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name]


# ----------------------------------------------------------------------------- entries


_PASSWORD_NAME = re.compile(r"(?i)passw|pwd|passcode")


def entry_from_json(index: int, raw: Any) -> HarEntry:
    """The typed entry of ``log.entries[index]``; raises :class:`HarFormatError` for a wrong shape."""
    where = f"log.entries[{index}]"
    if not isinstance(raw, dict):
        raise HarFormatError(f"{where}: expected an object, found {_type_name(raw)}")
    request = _require(raw, "request", dict, where)
    response = _require(raw, "response", dict, where)
    url = _require(request, "url", str, f"{where}.request")
    status_raw = _require(response, "status", (int, float), f"{where}.response")
    status = int(status_raw) if 0 <= status_raw <= 999 else 0
    req_headers = headers_of(request)
    resp_headers = headers_of(response)

    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    entry = HarEntry(
        index=index,
        started=parse_time(raw.get("startedDateTime")),
        time_ms=_number(raw.get("time")),
        method=clip(_str(request.get("method")) or "GET", 32).upper(),
        url=clip(url),
        status=status,
        status_text=clip(_str(response.get("statusText")), 512),
        http_version=clip(_str(response.get("httpVersion")) or _str(request.get("httpVersion")), 32),
        error=clip(_str(response.get("_error")) or _str(raw.get("_error")), 512),
        resource_type=clip(_str(raw.get("_resourceType")), 64).lower(),
        pageref=clip(_str(raw.get("pageref")), 256),
        from_cache=_cache_source(raw, status),
        security_state=clip(_str(raw.get("_securityState")), 32).lower(),
        server_ip=clip(_str(raw.get("serverIPAddress")), 64),
        has_password_field=_posts_password(request),
    )
    _initiator(entry, raw.get("_initiator"))
    _request_facts(entry, request, req_headers, url)
    _response_facts(entry, response, resp_headers, content)
    if status in (400, 413, 431, 494):
        text = content.get("text")
        if isinstance(text, str) and content.get("encoding") != "base64":
            entry.body_says_too_large = _TOO_LARGE_TEXT.search(text[:ERROR_BODY_CHARS]) is not None
    return entry


def _initiator(entry: HarEntry, initiator: Any) -> None:
    if isinstance(initiator, dict):
        entry.initiator_type = clip(_str(initiator.get("type")), 64)
        entry.initiator_url = clip(_str(initiator.get("url")))


def _request_facts(entry: HarEntry, request: Mapping[str, Any], headers: list[tuple[str, str]], url: str) -> None:
    cookie_values = _all(headers, "cookie")
    cookie_header = "; ".join(cookie_values) if cookie_values else _cookies_as_header(request.get("cookies"))
    entry.fetch_dest = clip(_header(headers, "sec-fetch-dest") or "", 64).lower()
    entry.cookie_header = cookie_header
    entry.cookie_header_bytes = len(cookie_header.encode("utf-8", "surrogatepass")) if cookie_header else 0
    entry.request_cookie_names = _cookie_names(cookie_header)
    entry.request_head_bytes = _head_bytes(request, headers, url)


def _response_facts(entry: HarEntry, response: Mapping[str, Any], headers: list[tuple[str, str]],
                    content: Mapping[str, Any]) -> None:
    set_cookies = [line for value in _all(headers, "set-cookie") for line in value.split("\n") if line.strip()]
    if not set_cookies:
        set_cookies = _cookies_as_set_cookie(response.get("cookies"))
    entry.set_cookies = [clip(line, 16384) for line in set_cookies[:MAX_HEADERS]]
    location = _header(headers, "location")
    if location is None and _str(response.get("redirectURL")):
        location = response["redirectURL"]
    entry.location = clip(location) if location is not None else None
    entry.date = clip(_header(headers, "date") or "", 128) or None
    entry.age = clip(_header(headers, "age") or "", 32) or None
    entry.content_type = clip(_header(headers, "content-type") or _str(content.get("mimeType")), 256).lower()
    entry.server = clip(_header(headers, "server") or "", 256)


_TOO_LARGE_TEXT = re.compile(
    r"(?i)request header or cookie too large|request header fields too large|"
    r"header (?:field )?too (?:long|large)|size of a request header field exceeds|"
    r"request_header_too_large|header_overflow"
)
"""The error pages of nginx, Apache, IIS, Node and CDNs when request headers are too big
(the same texts the ``redirects`` check looks for in live answers)."""


def _cache_source(raw: Mapping[str, Any], status: int) -> str:
    chrome = _str(raw.get("_fromCache"))
    if chrome:
        return chrome.lower()
    safari = _str(raw.get("_fetchType"))
    if safari and safari != "Network Load":
        return safari
    if status == 304:
        return "304"
    return ""


def _cookie_names(header: str | None) -> tuple[str, ...]:
    if not header:
        return ()
    names = []
    for part in header.split(";")[:400]:
        name, eq, _ = part.strip().partition("=")
        names.append(clip(name.strip(), 256) if eq else "")
    return tuple(names)


def _cookies_as_header(cookies: Any) -> str | None:
    """A ``Cookie`` header rebuilt from ``request.cookies`` (when the headers left it out)."""
    if not isinstance(cookies, list) or not cookies:
        return None
    pairs = [
        f"{c['name']}={c['value']}"
        for c in cookies[:MAX_HEADERS]
        if isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("value"), str)
    ]
    return "; ".join(pairs) or None


def _cookies_as_set_cookie(cookies: Any) -> list[str]:
    """``Set-Cookie`` lines rebuilt from ``response.cookies`` (when the headers left them out)."""
    if not isinstance(cookies, list):
        return []
    lines = []
    for c in cookies[:MAX_HEADERS]:
        if not (isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("value"), str)):
            continue
        parts = [f"{c['name']}={c['value']}"]
        for key, attr in (("path", "Path"), ("domain", "Domain"), ("sameSite", "SameSite")):
            if isinstance(c.get(key), str) and c[key]:
                parts.append(f"{attr}={c[key]}")
        if c.get("secure") is True:
            parts.append("Secure")
        if c.get("httpOnly") is True:
            parts.append("HttpOnly")
        lines.append("; ".join(parts))
    return lines


def _head_bytes(request: Mapping[str, Any], headers: list[tuple[str, str]], url: str) -> int:
    size = _number(request.get("headersSize"))
    if size is not None and size > 0:
        return int(size)
    line = len(_str(request.get("method")) or "GET") + 1 + len(url) + len(" HTTP/1.1\r\n")
    return line + sum(len(k) + 2 + len(v) + 2 for k, v in headers if not k.startswith(":")) + 2


def _posts_password(request: Mapping[str, Any]) -> bool:
    post = request.get("postData")
    if not isinstance(post, dict):
        return False
    params = post.get("params")
    if isinstance(params, list):
        for p in params[:MAX_HEADERS]:
            if isinstance(p, dict) and isinstance(p.get("name"), str) and _PASSWORD_NAME.search(p["name"]):
                return True
    text = post.get("text")
    if isinstance(text, str):
        return re.search(r'(?i)(?:^|[&"\'{,\s])(?:pass(?:word)?|pwd|passwd)["\']?\s*[=:]', text[:65536]) is not None
    return False


# ----------------------------------------------------------------------------- the log


@dataclass
class RecordingBuilder:
    """Collects what the stream yields into a :class:`Recording`."""

    file_name: str
    max_entries: int = MAX_ENTRIES
    version: str = ""
    creator: tuple[str, str] = ("", "")
    browser_info: tuple[str, str] = ("", "")
    pages: list[HarPage] = field(default_factory=list)
    entries: list[HarEntry] = field(default_factory=list)
    total: int = 0
    skipped: list[int] = field(default_factory=list)
    has_cookie_data: bool = False
    has_auth_header: bool = False
    chrome_fields: bool = False

    def log_field(self, key: str, value: Any) -> None:
        if key == "version":
            if not isinstance(value, str):
                raise HarFormatError(f"log.version: expected a string, found {_type_name(value)}")
            self.version = clip(value, 32)
        elif key in ("creator", "browser") and isinstance(value, dict):
            pair = (clip(_str(value.get("name")), 128), clip(_str(value.get("version")), 64))
            if key == "creator":
                self.creator = pair
            else:
                self.browser_info = pair
        elif key == "pages":
            if not isinstance(value, list):
                raise HarFormatError(f"log.pages: expected a list, found {_type_name(value)}")
            for page in value[:MAX_PAGES]:
                if isinstance(page, dict):
                    self.pages.append(
                        HarPage(clip(_str(page.get("id")), 256), clip(_str(page.get("title"))),
                                parse_time(page.get("startedDateTime")))
                    )

    def entry(self, index: int, raw: Any) -> None:
        self.total = index + 1
        if len(self.entries) >= self.max_entries:
            return
        entry = entry_from_json(index, raw)
        self.entries.append(entry)
        if entry.cookie_header is not None or entry.set_cookies:
            self.has_cookie_data = True
        if not self.chrome_fields and ("_resourceType" in raw or "_initiator" in raw):
            self.chrome_fields = True
        if not self.has_auth_header:
            self.has_auth_header = any(k.lower() == "authorization" for k, _ in headers_of(raw["request"]))

    def skipped_entry(self, index: int) -> None:
        self.total = index + 1
        self.skipped.append(index)

    def build(self) -> Recording:
        return Recording(
            file_name=self.file_name,
            version=self.version,
            creator_name=self.creator[0],
            creator_version=self.creator[1],
            browser_name=self.browser_info[0],
            browser_version=self.browser_info[1],
            browser=self._family(),
            entries=tuple(self.entries),
            pages=tuple(self.pages),
            entries_total=self.total,
            entries_skipped=tuple(self.skipped),
            cookies_stripped=bool(self.entries) and not self.has_cookie_data,
            auth_stripped=not self.has_auth_header,
            entries_limit=self.max_entries,
        )

    def _family(self) -> Browser:
        names = f"{self.creator[0]} {self.browser_info[0]}".lower()
        if "firefox" in names:
            return Browser.FIREFOX
        if "webkit web inspector" in names or "safari" in names:
            return Browser.SAFARI
        if "webinspector" in names or "chrome" in names or "edge" in names or self.chrome_fields:
            return Browser.CHROMIUM
        return Browser.OTHER
