"""Keep a sanitized copy valid HAR 1.2, whatever the exporter left out or bent.

HAR 1.2 (softwareishard.com/blog/har-12-spec) requires some members in every
entry (``startedDateTime``, ``time``, ``request``, ``response``, ``cache``,
``timings`` with ``send``/``wait``/``receive``, …). Browsers mostly write them,
with a few habits that the spec's schema refuses: Chrome writes an empty
``serverIPAddress`` for a request that never connected and leaves brackets
around IPv6 addresses; Safari writes an empty cookie ``expires``; Firefox
writes empty ``timings`` when it has none. The copy mends exactly these, adds a
missing required member with an empty value (``""``, ``[]``, ``{}``, ``-1``
for an unknown size, ``0`` for an unknown send/wait/receive time, as Chrome
does), drops an optional standard member of the wrong type, and leaves every
other member as it was.
"""

from __future__ import annotations

import ipaddress
from typing import Any, TypeGuard

_EMPTY_TIME = "1970-01-01T00:00:00.000Z"


def conform_entry(entry: dict[str, Any]) -> None:
    """Make ``entry`` a valid HAR 1.2 entry in place."""
    if not isinstance(entry.get("startedDateTime"), str) or not entry["startedDateTime"]:
        entry["startedDateTime"] = _EMPTY_TIME
    _number(entry, "time", 0)
    request = _object(entry, "request")
    response = _object(entry, "response")
    _object(entry, "cache")
    timings = _object(entry, "timings")
    _request(request)
    _response(response)
    _cache(entry["cache"])
    for key in ("send", "wait", "receive"):
        _number(timings, key, 0)
    for key in ("blocked", "dns", "connect", "ssl"):
        if key in timings and not _is_number(timings[key]):
            del timings[key]
    _optional_str(timings, "comment")
    ip = entry.get("serverIPAddress")
    if ip is not None:
        fixed = _ip(ip)
        if fixed is None:
            del entry["serverIPAddress"]
        else:
            entry["serverIPAddress"] = fixed
    for key in ("pageref", "connection", "comment"):
        _optional_str(entry, key)


def _request(request: dict[str, Any]) -> None:
    _string(request, "method", "GET")
    _string(request, "url", "")
    _string(request, "httpVersion", "")
    for key in ("cookies", "headers", "queryString"):
        _pairs(request, key)
    _integer(request, "headersSize")
    _integer(request, "bodySize")
    post = request.get("postData")
    if post is not None:
        if not isinstance(post, dict):
            del request["postData"]
        else:
            _string(post, "mimeType", "")
            _optional_str(post, "text")
            if "params" in post and not isinstance(post["params"], list):
                del post["params"]
            elif "params" in post:
                post["params"] = [p for p in post["params"] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    _optional_str(request, "comment")


def _response(response: dict[str, Any]) -> None:
    status = response.get("status")
    response["status"] = int(status) if _is_number(status) and 0 <= status <= 999 else 0
    _string(response, "statusText", "")
    _string(response, "httpVersion", "")
    _pairs(response, "cookies")
    _pairs(response, "headers")
    content = _object(response, "content")
    _integer(content, "size", missing=0)
    _string(content, "mimeType", "")
    if "compression" in content and not _is_number(content["compression"]):
        del content["compression"]
    elif "compression" in content:
        content["compression"] = int(content["compression"])
    for key in ("text", "encoding", "comment"):
        _optional_str(content, key)
    _string(response, "redirectURL", "")
    _integer(response, "headersSize")
    _integer(response, "bodySize")
    _optional_str(response, "comment")


def _cache(cache: dict[str, Any]) -> None:
    for key in ("beforeRequest", "afterRequest"):
        value = cache.get(key)
        if key in cache and value is not None and not (
            isinstance(value, dict)
            and isinstance(value.get("lastAccess"), str)
            and isinstance(value.get("eTag"), str)
            and isinstance(value.get("hitCount"), int)
        ):
            # Firefox writes lastFetched/fetchCount instead of the spec's members.
            del cache[key]


def conform_log_member(key: str, value: Any) -> Any:
    """A member of ``log`` made valid (``version``, ``creator``, ``browser``, ``pages``, ``comment``)."""
    if key == "version":
        return value if isinstance(value, str) else "1.2"
    if key in ("creator", "browser"):
        if not isinstance(value, dict):
            return {"name": "unknown", "version": ""}
        _string(value, "name", "unknown")
        _string(value, "version", "")
        return value
    if key == "pages":
        if not isinstance(value, list):
            return []
        pages = [p for p in value if isinstance(p, dict)]
        for page in pages:
            if not isinstance(page.get("startedDateTime"), str) or not page["startedDateTime"]:
                page["startedDateTime"] = _EMPTY_TIME
            _string(page, "id", "")
            _string(page, "title", "")
            timings = _object(page, "pageTimings")
            for name in ("onContentLoad", "onLoad"):
                if name in timings and not _is_number(timings[name]):
                    del timings[name]
        return pages
    if key == "comment" and not isinstance(value, str):
        return ""
    return value


def missing_log_members(seen: set[str]) -> dict[str, Any]:
    """Required members of ``log`` the file did not have, with empty values."""
    out: dict[str, Any] = {}
    if "version" not in seen:
        out["version"] = "1.2"
    if "creator" not in seen:
        out["creator"] = {"name": "unknown", "version": ""}
    return out


# ----------------------------------------------------------------------------- helpers


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        value = parent[key] = {}
    return value


def _string(parent: dict[str, Any], key: str, default: str) -> None:
    if not isinstance(parent.get(key), str):
        parent[key] = default


def _optional_str(parent: dict[str, Any], key: str) -> None:
    if key in parent and not isinstance(parent[key], str):
        del parent[key]


def _number(parent: dict[str, Any], key: str, default: float) -> None:
    if not _is_number(parent.get(key)):
        parent[key] = default


def _integer(parent: dict[str, Any], key: str, missing: int = -1) -> None:
    value = parent.get(key)
    parent[key] = int(value) if _is_number(value) and abs(value) < 2**53 else missing


def _pairs(parent: dict[str, Any], key: str) -> None:
    value = parent.get(key)
    if not isinstance(value, list):
        parent[key] = []
        return
    kept = [p for p in value if isinstance(p, dict) and isinstance(p.get("name"), str)
            and isinstance(p.get("value"), str)]
    for pair in kept:
        if ("expires" in pair and not (isinstance(pair["expires"], str) and pair["expires"]) and pair["expires"] is not None) or pair.get("expires") == "":
            del pair["expires"]
        for flag in ("httpOnly", "secure"):
            if flag in pair and not isinstance(pair[flag], bool):
                del pair[flag]
        for name in ("path", "domain", "comment"):
            _optional_str(pair, name)
    parent[key] = kept


def _ip(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().strip("[]")
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return text
