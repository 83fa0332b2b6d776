"""Sanitize a recording entry by entry: every secret replaced by a marker, the structure kept.

What is replaced (each occurrence recorded in the :class:`~diagnose.har.secrets.Ledger`):

* request: ``Cookie`` values and ``request.cookies`` values; the credential of
  ``Authorization`` and ``Proxy-Authorization`` (the scheme word stays) and of
  every other credential header; user info and token-like parameters of the
  URL (query and fragment), ``queryString``, ``Referer`` and ``Origin``; every
  field of ``postData`` (form, multipart, JSON: passwords and everything else),
  a body of any other format whole;
* response: ``Set-Cookie`` values (and values of unknown attributes) and
  ``response.cookies`` values; ``Location``/``redirectURL`` like URLs; in text
  bodies, JWTs, auth-scheme credentials, token-like JSON members and
  ``name=value`` pairs, and in HTML the values of hidden and secret-named
  ``<input>`` and ``<meta>`` elements; a binary body (an image may be a
  sign-in QR code holding a TOTP seed) or one over
  :data:`~diagnose.har.limits.MAX_BODY_CHARS` is left out, with a comment;
* everywhere else (``_initiator`` stacks, page titles, comments, unknown
  fields): JWTs, auth-scheme credentials and URLs as above; WebSocket
  messages are left out whole.

Names (of headers, cookies, parameters, fields) stay. The result is kept
valid HAR 1.2 (:func:`conform_entry`, :func:`conform_log_member`): required
members that an exporter left out are added with empty values, and the few
exporter habits that break the HAR 1.2 schema are mended (an empty
``serverIPAddress``, brackets around an IPv6 address, an empty cookie
``expires``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from diagnose.har.conform import conform_entry, conform_log_member
from diagnose.har.limits import MAX_BODY_CHARS
from diagnose.har.secrets import MARKER, Kind, Ledger, Markers, TextSanitizer, scrubber
from diagnose.redact import is_sensitive_header, is_sensitive_param

_COOKIE_ATTRIBUTES = frozenset(
    {"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "priority", "partitioned",
     "version", "comment", "commenturl", "discard", "port", "sameparty"}
)
_URL_HEADERS = frozenset({"location", "content-location", "referer", "origin", "link", "refresh"})
_TEXTUAL = re.compile(r"^text/|json|javascript|ecmascript|xml|html|x-www-form-urlencoded|graphql|csv")
_CODE = re.compile(r"javascript|ecmascript|json|css|xml")
_TAG = re.compile(r"<(?:input|meta)\b[^>]{0,4096}>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)(\s*=\s*)("[^"]*"|'[^']*'|[^\s>"']+)""")
_BOUNDARY = re.compile(r"""(?i)boundary=(?:"([^"]+)"|([^;\s]+))""")


class Sanitizer:
    """One run's sanitizer: its salt, what it replaced, and a scrubber for the report."""

    def __init__(self, salt: bytes | None = None) -> None:
        self.markers = Markers(salt)
        self.ledger = Ledger()
        self._t = TextSanitizer(self.markers, self.ledger)
        self.scrub: Callable[[str], str] = scrubber(self.markers)
        """Replace secrets in report text (JWTs, token pairs, values replaced in the file) without recording."""

    # -- the parts of a HAR ------------------------------------------------------------

    def entry(self, index: int, raw: Any) -> Any:
        """``log.entries[index]`` sanitized (the decoded value is changed in place and returned)."""
        self._t.entry = index
        if not isinstance(raw, dict):
            return self._generic(raw)
        for key, value in list(raw.items()):
            if key == "request" and isinstance(value, dict):
                self._request(value)
            elif key == "response" and isinstance(value, dict):
                self._response(value)
            elif key == "_webSocketMessages" and isinstance(value, list):
                for message in value:
                    if isinstance(message, dict) and isinstance(message.get("data"), str) and message["data"]:
                        message["data"] = self._t.hit(Kind.WEBSOCKET, "data", message["data"])
            else:
                raw[key] = self._generic(value)
        conform_entry(raw)
        return raw

    def log_member(self, key: str, value: Any) -> Any:
        """A member of ``log`` other than ``entries`` (pages, creator, comment), sanitized and conformed."""
        self._t.entry = None
        return conform_log_member(key, self._generic(value))

    def other(self, value: Any) -> Any:
        """Any other value (a top-level member that is not ``log``)."""
        self._t.entry = None
        return self._generic(value)

    # -- request and response ------------------------------------------------------------

    def _request(self, req: dict[str, Any]) -> None:
        t = self._t
        for key, value in list(req.items()):
            if key == "url" and isinstance(value, str):
                req[key] = t.url(value)
            elif key == "headers" and isinstance(value, list):
                self._headers(value)
            elif key == "queryString" and isinstance(value, list):
                t.pairs(value, Kind.QUERY)
            elif key == "cookies" and isinstance(value, list):
                self._cookie_list(value, Kind.COOKIE)
            elif key == "postData" and isinstance(value, dict):
                self._post_data(value)
            else:
                req[key] = self._generic(value)

    def _response(self, resp: dict[str, Any]) -> None:
        for key, value in list(resp.items()):
            if key == "headers" and isinstance(value, list):
                self._headers(value)
            elif key == "cookies" and isinstance(value, list):
                self._cookie_list(value, Kind.SET_COOKIE)
            elif key == "redirectURL" and isinstance(value, str):
                resp[key] = self._t.url(value)
            elif key == "content" and isinstance(value, dict):
                self._content(value)
            else:
                resp[key] = self._generic(value)

    def _headers(self, headers: list[Any]) -> None:
        for header in headers:
            if not isinstance(header, dict):
                continue
            name, value = header.get("name"), header.get("value")
            if isinstance(name, str) and isinstance(value, str) and value:
                header["value"] = self.header(name, value)
            for key in header:
                if key not in ("name", "value"):
                    header[key] = self._generic(header[key])

    def header(self, name: str, value: str) -> str:
        lower = name.lower()
        t = self._t
        if lower == "cookie":
            return self._cookie_header(value)
        if lower in ("set-cookie", "set-cookie2"):
            return "\n".join(self._set_cookie(line) for line in value.split("\n"))
        if lower in (":authority", "host") and "@" in value:
            userinfo, _, host = value.rpartition("@")
            return f"{t.hit(Kind.USERINFO, 'userinfo', userinfo)}@{host}"
        if lower.startswith(":"):  # HTTP/2 pseudo-headers: :authority is the host, :path the URL's
            if lower != ":path":
                return t.text(value)
            path, qmark, query = value.partition("?")
            return f"{t.text(path)}?{t.params_text(query, Kind.QUERY)}" if qmark else t.text(value)
        if lower in ("authorization", "proxy-authorization"):
            return self._credential(name, value, Kind.AUTHORIZATION)
        if is_sensitive_header(name):
            return self._credential(name, value, Kind.CREDENTIAL_HEADER)
        if lower in _URL_HEADERS:
            return t.text(value) if lower in ("link", "refresh") else t.url(value)
        return t.text(value)

    def _credential(self, name: str, value: str, kind: Kind) -> str:
        stripped = value.strip()
        scheme, space, rest = stripped.partition(" ")
        if space and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,31}", scheme) and rest.strip():
            return f"{scheme} {self._t.hit(kind, name, rest.strip())}"
        return self._t.hit(kind, name, stripped)

    def _cookie_header(self, value: str) -> str:
        out = []
        for part in value.split(";"):
            part = part.strip()
            if not part:
                continue
            name, eq, cookie_value = part.partition("=")
            if not eq:
                out.append(self._t.hit(Kind.COOKIE, "(nameless)", part))
            elif cookie_value.strip():
                out.append(f"{name}={self._t.hit(Kind.COOKIE, name.strip(), cookie_value.strip())}")
            else:
                out.append(part)
        return "; ".join(out)

    def _set_cookie(self, line: str) -> str:
        first, sep, attributes = line.partition(";")
        name, eq, value = first.partition("=")
        if not eq:
            head = self._t.hit(Kind.SET_COOKIE, "(nameless)", first.strip()) if first.strip() else first
        elif value.strip():
            head = f"{name}={self._t.hit(Kind.SET_COOKIE, name.strip(), value.strip())}"
        else:
            head = first
        kept = []
        for attribute in attributes.split(";") if sep else []:
            attr_name, attr_eq, attr_value = attribute.partition("=")
            if attr_eq and attr_name.strip().lower() not in _COOKIE_ATTRIBUTES and attr_value.strip():
                kept.append(f"{attr_name}={self._t.hit(Kind.SET_COOKIE, name.strip(), attr_value.strip())}")
            else:
                kept.append(attribute)
        return head + (";" + ";".join(kept) if sep else "")

    def _cookie_list(self, cookies: list[Any], kind: Kind) -> None:
        for cookie in cookies:
            if not isinstance(cookie, dict):
                continue
            name, value = cookie.get("name"), cookie.get("value")
            for key in list(cookie):
                if key == "value" and isinstance(value, str):
                    if value:
                        cookie[key] = self._t.hit(kind, name if isinstance(name, str) else "(nameless)", value)
                elif key != "name":
                    cookie[key] = self._generic(cookie[key])

    # -- bodies --------------------------------------------------------------------------

    def _post_data(self, post: dict[str, Any]) -> None:
        t = self._t
        mime = str(post.get("mimeType") or "").lower()
        for key, value in list(post.items()):
            if key == "params" and isinstance(value, list):
                t.pairs(value, Kind.FORM_FIELD, every=True)
                for item in value:
                    if isinstance(item, dict):
                        for k in item:
                            if k not in ("name", "value"):
                                item[k] = self._generic(item[k])
            elif key == "text" and isinstance(value, str) and value:
                post[key] = self._request_body(value, mime, post)
            elif key not in ("text", "params"):
                post[key] = self._generic(value)

    def _request_body(self, text: str, mime: str, post: dict[str, Any]) -> str:
        t = self._t
        if len(text) > MAX_BODY_CHARS:
            return t.hit(Kind.BODY, mime or "request body", text)
        if MARKER.fullmatch(text):
            t.ledger.markers_kept += 1
            return text
        stripped = text.lstrip()
        if "json" in mime or (not mime.startswith("multipart") and stripped[:1] in ("{", "[")):
            replaced = self._json_fields(text)
            if replaced is not None:
                return replaced
        if "multipart/" in mime:
            replaced = self._multipart(text, mime)
            if replaced is not None:
                return replaced
        if "x-www-form-urlencoded" in mime or (not mime and re.fullmatch(r"[^\s&=]+=[^\s&]*(?:&[^\s&=]+=[^\s&]*)*", text)):
            return t.params_text(text, Kind.FORM_FIELD, every=True)
        return t.hit(Kind.BODY, mime or "request body", text)

    def _json_fields(self, text: str) -> str | None:
        """A JSON request body with every string and number leaf replaced (None when it is not JSON)."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        changed = False

        def walk(value: Any, name: str) -> Any:
            nonlocal changed
            if isinstance(value, dict):
                return {k: walk(v, str(k)) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v, name) for v in value]
            if isinstance(value, bool) or value is None:
                return value
            if isinstance(value, (int, float)) and not is_sensitive_param(name):
                return value
            text_value = value if isinstance(value, str) else json.dumps(value)
            if not text_value:
                return value
            marker = self._t.hit(Kind.FORM_FIELD, name, text_value)
            changed = changed or marker != value
            return marker

        result = walk(data, "(body)")
        if not changed:
            return text
        return json.dumps(result, ensure_ascii=False, separators=(",", ":"))

    def _multipart(self, text: str, mime: str) -> str | None:
        m = _BOUNDARY.search(mime)
        if m is None:
            return None
        delimiter = "--" + (m.group(1) or m.group(2))
        parts = text.split(delimiter)
        if len(parts) < 3:
            return None
        out = [parts[0]]
        for part in parts[1:-1]:
            head, sep, body = part.partition("\r\n\r\n")
            if not sep:
                head, sep, body = part.partition("\n\n")
            if not sep:
                return None
            name_m = re.search(r'(?i)\bname="([^"]*)"', head)
            name = name_m.group(1) if name_m else "(part)"
            content, newline, _ = body.rpartition("\r\n") if body.endswith("\r\n") else (body, "", "")
            replaced = self._t.hit(Kind.FORM_FIELD, name, content) if content else content
            out.append(f"{self._t.text(head)}{sep}{replaced}{newline}")
        out.append(parts[-1])
        return delimiter.join(out)

    def _content(self, content: dict[str, Any]) -> None:
        mime = str(content.get("mimeType") or "").lower()
        for key in list(content):
            if key not in ("text", "encoding"):
                content[key] = self._generic(content[key])
        text = content.get("text")
        if not isinstance(text, str) or not text:
            return
        if len(text) > MAX_BODY_CHARS:
            self._leave_out(content, mime, f"it is larger than {MAX_BODY_CHARS // (1024 * 1024)} MiB")
            return
        if content.get("encoding") == "base64":
            if not _TEXTUAL.search(mime):
                self._leave_out(content, mime, "it is binary (an image can hold a secret, such as a sign-in QR code)")
                return
            try:
                decoded = base64.b64decode(text, validate=False).decode("utf-8")
            except (binascii.Error, ValueError):
                self._leave_out(content, mime, "it is not text it can read")
                return
            cleaned = self._response_text(decoded, mime)
            if cleaned != decoded:
                content["text"] = base64.b64encode(cleaned.encode("utf-8", "surrogatepass")).decode("ascii")
            return
        content["text"] = self._response_text(text, mime)

    def _leave_out(self, content: dict[str, Any], mime: str, why: str) -> None:
        self._t.ledger.add(Kind.BODY, self._t.entry, mime or "response body")
        content.pop("text", None)
        content.pop("encoding", None)
        note = f"login-doctor left this body out of the sanitized copy: {why}."
        old = content.get("comment")
        content["comment"] = f"{old} {note}" if isinstance(old, str) and old else note

    def _response_text(self, text: str, mime: str) -> str:
        html = "html" in mime or text.lstrip()[:1] == "<"
        if html:
            text = _TAG.sub(self._tag, text)
        # In markup, code and JSON a bare name=value is an attribute or an assignment, never
        # a parameter: pairs are looked for in URLs there (and everywhere in other texts).
        return self._t.text(text, pairs=not (html or _CODE.search(mime)))

    def _tag(self, m: re.Match[str]) -> str:
        tag = m.group(0)
        attrs = {a.group(1).lower(): a for a in _ATTR.finditer(tag)}
        is_input = tag[1:6].lower() == "input"
        target = "value" if is_input else "content"
        if target not in attrs:
            return tag
        name_attr = attrs.get("name") or attrs.get("property") or attrs.get("id")
        name = _unquote_attr(name_attr.group(3)) if name_attr else ""
        kind_attr = _unquote_attr(attrs["type"].group(3)).lower() if "type" in attrs else ""
        secret = is_sensitive_param(name) if name else False
        if not (secret or (is_input and kind_attr in ("hidden", "password"))):
            return tag
        found = attrs[target]
        raw = found.group(3)
        value = _unquote_attr(raw)
        if not value:
            return tag
        quote_char = raw[0] if raw[:1] in ('"', "'") else ""
        marker = self._t.hit(Kind.HIDDEN_INPUT, name or kind_attr or target, value)
        start, end = found.span(3)
        return f"{tag[:start]}{quote_char}{marker}{quote_char}{tag[end:]}"

    # -- anything else -------------------------------------------------------------------

    def _generic(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._t.text(value)
        if isinstance(value, dict):
            for key, item in value.items():
                value[key] = self._generic(item)
            return value
        if isinstance(value, list):
            for i, item in enumerate(value):
                value[i] = self._generic(item)
            return value
        return value


def _unquote_attr(raw: str) -> str:
    return raw[1:-1] if raw[:1] in ('"', "'") and raw[-1:] == raw[:1] and len(raw) >= 2 else raw
