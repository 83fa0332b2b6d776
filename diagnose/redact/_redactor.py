"""The :class:`Redactor`: removes secrets from URLs, headers, cookies, free text and whole results.

One is made for each report and shared by all checks of the run, which may
call it from several tasks or threads at once: its state is the set of
``redactions`` entries (guarded by a lock) and the key of its correlation
hash (drawn once, never written). Redaction is idempotent: redacting a
redacted value changes nothing and records nothing.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from diagnose.model import CheckResult, Finding
from diagnose.redact import _patterns as p
from diagnose.redact._hashing import ValueHasher
from diagnose.redact._names import (
    NAME_PARTS,
    SENSITIVE_HEADERS_NORMALISED,
    field_entry,
    is_secret_key,
    is_sensitive_header,
    is_sensitive_param,
    normalise,
)
from diagnose.redact._server import in_shape, is_standard_reason

REDACTED = p.REDACTED

_COOKIE_ATTRIBUTES = frozenset(
    {"expires", "maxage", "domain", "path", "secure", "httponly", "samesite", "priority",
     "partitioned", "version", "comment", "commenturl", "discard", "port", "sameparty"}
)


class Redactor:
    """Removes secrets from evidence, remembers which fields it removed, and hashes values for
    correlation within its one report."""

    __slots__ = ("_fields", "_hasher", "_lock")

    def __init__(self) -> None:
        self._fields: set[str] = set()
        self._lock = threading.Lock()
        self._hasher = ValueHasher()

    def __repr__(self) -> str:
        return f"Redactor({len(self._fields)} fields redacted)"

    @property
    def fields(self) -> tuple[str, ...]:
        """What was redacted, as entries of the fixed vocabulary (``query:code``, ``header:Authorization``,
        ``param:*token*``, ``reason_phrase``); see :func:`diagnose.redact.field_entry`."""
        with self._lock:
            return tuple(sorted(self._fields))

    def note(self, field: str) -> None:
        """Record that ``field`` (``kind:name`` or a fixed entry) was redacted; never pass a value here.

        The entry is put into the vocabulary first: a ``param:`` or ``field:``
        name is replaced by the vocabulary word it matched, other names are
        made printable and short.
        """
        entry = field_entry(field)
        with self._lock:
            self._fields.add(entry)

    def _hit(self, field: str, replacement: str) -> str:
        self.note(field)
        return replacement

    def value_hash(self, value: str | bytes) -> str:
        """A short keyed hash of ``value`` (``hmac-sha256:…``): equal values give equal hashes within
        this report, and nothing else; the key is random and never written."""
        return self._hasher(value)

    # -- URLs -------------------------------------------------------------------

    def url(self, url: str) -> str:
        """``url`` with user info and token-like parameter values replaced.

        Works on the text so that it never "normalises" what the person typed:
        the scheme, host, path, parameter order and percent-encoding of
        everything that is not a secret stay as they were.
        """
        if not url:
            return url
        m = re.match(r"(?s)^([A-Za-z][A-Za-z0-9+.-]*:)?(//|\\\\)?([^/?#\\]*)(.*)$", url)
        if not m:  # pragma: no cover - the pattern matches any string
            return self.text(url)
        scheme, slashes, authority, rest = (g or "" for g in m.groups())
        if not slashes and "@" in scheme + authority:
            # "user:pass@proxy:3128": what looked like a scheme is the user name.
            authority, scheme = scheme + authority, ""
        authority, rest = self._authority(authority, rest)
        path, hmark, fragment = rest.partition("#")
        path, qmark, query = path.partition("?")  # a "?" after the "#" belongs to the fragment
        out = [scheme, slashes, authority, self.text(path)]
        if qmark:
            out += [qmark, self._params(query, "query")]
        if hmark:
            out += [hmark, self._fragment(fragment)]
        return "".join(out)

    def _authority(self, authority: str, rest: str) -> tuple[str, str]:
        """The authority without its user info, and the rest of the URL."""
        if "@" in authority:
            userinfo, _, hostport = authority.rpartition("@")
            if userinfo != REDACTED:
                self.note("url:userinfo:password" if ":" in userinfo else "url:userinfo")
            return f"{REDACTED}@{hostport}", rest
        if ":" in authority and not authority.startswith("["):
            # An unencoded "/" in a password ends the authority early
            # ("https://user:pa/ss@host/"): everything up to the last "@" before
            # the query is user info, unless what follows ":" is a port.
            stop = min(i for i in (rest.find("?"), rest.find("#"), len(rest)) if i != -1)
            at = rest.rfind("@", 0, stop)
            if at != -1 and not authority.rsplit(":", 1)[1].isdigit():
                self.note("url:userinfo:password")
                after = rest[at + 1 :]
                host = re.match(r"[^/?#\\]*", after)
                assert host is not None
                return f"{REDACTED}@{host.group(0)}", after[host.end() :]
        return authority, rest

    def _fragment(self, fragment: str) -> str:
        """Fragments carry OAuth implicit-flow tokens, sometimes after a route (``#/cb?…``)."""
        route, qmark, params = fragment.partition("?")
        if qmark:
            return f"{self.text(route)}?{self._params(params, 'fragment')}"
        return self._params(fragment, "fragment")

    def _params(self, text: str, where: str) -> str:
        """``a=1&code=2`` with the values of sensitive names replaced, the rest byte for byte."""
        if not text:
            return text
        out = []
        for pair in text.split("&"):
            name, eq, value = pair.partition("=")
            if eq and value and is_sensitive_param(name):
                if value not in p.REDACTED_FORMS:
                    self.note(f"{where}:{unquote_plus(name)}")
                out.append(f"{name}={REDACTED}")
            elif eq:
                out.append(f"{self.text(name)}={self._value(value)}")
            else:
                out.append(self._value(pair))
        return "&".join(out)

    def _value(self, raw: str) -> str:
        """A parameter value that is not itself a secret but may hold one (a nested URL)."""
        decoded = unquote_plus(raw)
        if decoded == raw:
            return self.text(raw)
        # Percent-encoded content (a redirect_uri holding ?code=…, user info, a JWT).
        deeper = unquote(decoded)
        cleaned = self.text(deeper)
        if cleaned != deeper:
            return quote(cleaned, safe="[]/:")
        cleaned_dec = self.text(decoded)
        if cleaned_dec != decoded:
            return quote(cleaned_dec, safe="[]/:")
        return self.text(raw)

    # -- headers and status lines -------------------------------------------------

    def headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
        """Header pairs with credential values removed and cookie values dropped.

        Accepts a mapping, a list of pairs or an ``httpx.Headers`` (whose
        repeated headers, such as several ``Set-Cookie``, are kept apart).
        """
        multi = getattr(headers, "multi_items", None)
        if callable(multi):
            items: Iterable[tuple[str, str]] = multi()
        elif isinstance(headers, Mapping):
            items = headers.items()
        else:
            items = headers
        return [(name, self.header(name, value)) for name, value in items]

    def header(self, name: str, value: str) -> str:
        """One header's value, redacted according to its name.

        Credential headers keep only their auth scheme, cookie headers their
        names and attributes, URL headers are redacted as URLs, headers with a
        fixed grammar (``Date``, ``Age`` …) are kept only in that grammar, and
        any other value as free text.
        """
        lower = name.lower()
        if lower == "cookie":
            return self.cookie_header(value)
        if lower in ("set-cookie", "set-cookie2"):
            return self.set_cookie(value)
        if is_sensitive_header(name):
            return self._credential_header(name, value)
        if lower in ("location", "content-location", "referer", "origin"):
            return self.url(value)
        if value and value != REDACTED and not in_shape(name, value):
            return self._hit(f"header:{name}", REDACTED)
        return self.text(value)

    def _credential_header(self, name: str, value: str) -> str:
        if not value or value.strip() == REDACTED or value.strip().endswith(f" {REDACTED}"):
            return value
        self.note(f"header:{name}")
        if name.lower() in ("www-authenticate", "proxy-authenticate"):
            # A challenge names the scheme the server wants; keep only that.
            scheme = value.strip().split(" ", 1)[0].rstrip(",")
            return f"{scheme} {REDACTED}" if " " in value.strip() else REDACTED
        parts = value.strip().split(" ", 1)
        scheme = parts[0] if len(parts) == 2 and p.PLAIN_WORD.match(parts[0]) else ""
        return f"{scheme} {REDACTED}".strip()

    def reason_phrase(self, phrase: str | None) -> str:
        """A status line's reason phrase: kept when it is a standard one (``Not Found``), else removed.

        Clients ignore the phrase (RFC 9112 §4; Chromium never reads it, HTTP/2
        has none), and a server may put anything there, a session id included.
        """
        if not phrase or phrase == REDACTED:
            return phrase or ""
        if is_standard_reason(phrase):
            return " ".join(phrase.split())
        return self._hit("reason_phrase", REDACTED)

    def cookie_header(self, value: str) -> str:
        """``a=1; b=2`` → ``a=[redacted]; b=[redacted]`` (names kept)."""
        out = []
        for part in value.split(";"):
            part = part.strip()
            if not part:
                continue
            name, eq, cookie_value = part.partition("=")
            name = name.strip()
            if not eq:
                # A nameless cookie: what is there is the value.
                if part != REDACTED:
                    self.note("cookie:(nameless)")
                out.append(REDACTED)
                continue
            if cookie_value.strip() != REDACTED:
                self.note(f"cookie:{name}")
            out.append(f"{name}={REDACTED}")
        return "; ".join(out)

    def set_cookie(self, value: str) -> str:
        """A ``Set-Cookie`` line with the value replaced; attributes kept.

        Several cookies folded into one line (``a=1; Path=/, b=2``, as
        ``httpx.Headers.get`` returns them) each lose their value, and an
        attribute the cookie grammar does not know is treated as a value.
        """
        cookies = re.split(r",\s*(?=[^;=,\s]+=)", value)
        return ", ".join(self._one_set_cookie(c) for c in cookies)

    def _one_set_cookie(self, value: str) -> str:
        first, sep, attributes = value.partition(";")
        name, eq, cookie_value = first.partition("=")
        name = name.strip()
        if not eq:
            if first.strip() and first.strip() != REDACTED:
                self.note("cookie:(nameless)")
            head = REDACTED
        else:
            if cookie_value.strip() and cookie_value.strip() != REDACTED:
                self.note(f"cookie:{name}")
            head = f"{name}={REDACTED}"
        kept = []
        for attribute in attributes.split(";") if sep else []:
            attr_name, attr_eq, attr_value = attribute.partition("=")
            if attr_eq and normalise(attr_name) not in _COOKIE_ATTRIBUTES and attr_value.strip() != REDACTED:
                self.note(f"cookie:{name}")
                kept.append(f"{attr_name}={REDACTED}")
            else:
                kept.append(attribute)
        return head + (";" + ";".join(kept) if sep else "")

    # -- free text --------------------------------------------------------------

    def text(self, text: str) -> str:
        """Free text (error messages, bodies, headers, notes) with secrets removed:
        credential header lines, quoted ``"token": "…"`` pairs, JWT signatures,
        auth-scheme credentials, user info in URLs and token-like ``name=value``
        pairs (also percent-encoded), and bytes quoted from the wire. A name
        found in free text is recorded only as the vocabulary word it matched,
        never as written."""
        if not text:
            return text
        out = without_server_bytes(text)
        out = p.HEADER_LINE.sub(self._header_line, out)
        out = p.QUOTED_PAIR.sub(self._quoted_pair, out)
        out = p.COLON_PAIR.sub(self._colon_pair, out)
        out = p.USERINFO.sub(self._userinfo, out)
        out = p.BARE_USERINFO.sub(lambda m: self._hit("url:userinfo:password", f"{REDACTED}@"), out)
        out = p.PAIR_IN_TEXT.sub(self._pair, out)
        out = p.AUTH_SCHEME.sub(self._auth_scheme, out)
        return p.JWT.sub(lambda m: self._hit("jwt:signature", m.group(1) + ".[signature redacted]"), out)

    def _header_line(self, m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{self.header(m.group(1), m.group(3))}"

    def _quoted_pair(self, m: re.Match[str]) -> str:
        quote_char, name, sep, vquote, value = m.groups()
        if not value or value in p.REDACTED_FORMS:
            return m.group(0)
        if normalise(name) in SENSITIVE_HEADERS_NORMALISED:
            redacted = self.header(name, value)
        elif is_sensitive_param(name):
            redacted = self._hit(f"param:{name}", REDACTED)
        else:
            return m.group(0)
        return f"{quote_char}{name}{quote_char}{sep}{vquote}{redacted}{vquote}"

    def _colon_pair(self, m: re.Match[str]) -> str:
        name, sep, value = m.groups()
        norm = normalise(name)
        if norm in SENSITIVE_HEADERS_NORMALISED:  # a header line, already redacted as one
            return m.group(0)
        if value.startswith(REDACTED) or not any(part in norm for part in NAME_PARTS):
            return m.group(0)
        return self._hit(f"param:{name}", f"{name}{sep}{REDACTED}")

    def _auth_scheme(self, m: re.Match[str]) -> str:
        scheme, space, credential = m.groups()
        if p.PLAIN_WORD.match(credential) or credential.startswith("[") or credential == "redacted":
            return m.group(0)
        return self._hit("credential", f"{scheme}{space}{REDACTED}")

    def _userinfo(self, m: re.Match[str]) -> str:
        if m.group(2) == REDACTED:
            return m.group(0)
        field = "url:userinfo:password" if ":" in m.group(2) else "url:userinfo"
        return self._hit(field, f"{m.group(1)}{REDACTED}@")

    def _pair(self, m: re.Match[str]) -> str:
        name, eq, value = m.groups()
        if value in p.REDACTED_FORMS or value.startswith((REDACTED, quote(REDACTED, safe=""))):
            return m.group(0)
        if not is_sensitive_param(name):
            return m.group(0)
        return self._hit(f"param:{name}", f"{name}{eq}{REDACTED}")

    # -- structured evidence ----------------------------------------------------

    def evidence(self, value: Any, *, key: str | None = None) -> Any:
        """A copy of a JSON-like value (mappings, lists, strings) with every string redacted.

        Strings under a credential-like key (``token``, ``password``,
        ``authorization``, ``set_cookie`` …) are redacted by that key;
        ``[name, value]`` pairs of a credential header by the name; URLs as
        URLs; everything else as free text. Numbers, booleans and None are
        returned as they are.
        """
        if isinstance(value, str):
            if key is not None:
                by_key = self._by_key(key, value)
                if by_key is not None:
                    return by_key
            return self.url(value) if p.URL_SHAPE.match(value) else self.text(value)
        if isinstance(value, Mapping):
            return {k: self.evidence(v, key=str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if (
                len(value) == 2
                and isinstance(value[0], str)
                and isinstance(value[1], str)
                and p.HEADER_PAIR_NAME.match(value[0])
                and normalise(value[0]) in SENSITIVE_HEADERS_NORMALISED
            ):
                pair = [value[0], self.header(value[0], value[1])]
                return tuple(pair) if isinstance(value, tuple) else pair
            items = [self.evidence(v) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
        return value

    def _by_key(self, key: str, value: str) -> str | None:
        norm = normalise(key)
        if not value or value == REDACTED:
            return value
        if "cookie" in norm:
            # Only "name=value" is a cookie; a bare cookie name is kept.
            if "=" not in value:
                return None
            return self.set_cookie(value) if "set" in norm else self.cookie_header(value)
        if is_secret_key(key):
            if value.endswith(REDACTED) or "[signature redacted]" in value:
                return value
            return self._hit(f"field:{key}", REDACTED)
        return None

    # -- what leaves a check ----------------------------------------------------

    def result(self, result: CheckResult) -> CheckResult:
        """``result`` as it may leave its check: summary, details and findings redacted, and the
        home directory in file paths written ``~``.

        The one function every check result passes through before anything
        sees it: the runner applies it when a check finishes, so the progress
        line, the terminal app, dependent checks (a skip repeats its
        dependency's summary) and the report all get the same redacted result.
        Evidence is redacted when a check captures it; this is the safety net.
        """
        return dataclasses.replace(
            result,
            summary=self.text(result.summary),
            details=_map_strings(without_home, self.evidence(dict(result.details))),
            findings=tuple(
                Finding(
                    code=f.code,
                    severity=f.severity,
                    message=self.text(f.message),
                    remediation=self.text(f.remediation),
                    evidence=self.evidence(dict(f.evidence)),
                )
                for f in result.findings
            ),
        )


def without_server_bytes(text: str) -> str:
    """``text`` with raw bytes a library copied from the wire (``bytearray(b'HTTP/1.1 5OO …')``)
    replaced by their length: an HTTP parser's error quotes the server's line, whatever it held.

    One pass, whatever the text: a literal that never closes runs to the end of the text.
    """
    out: list[str] = []
    pos = 0
    while (m := p.SERVER_BYTES_START.search(text, pos)) is not None:
        quote_char = m.group(1) or m.group(2)
        close = _closing_quote(text, m.end(), quote_char)
        end = min(close + 1, len(text))
        if m.group(1) and text.startswith(")", end):
            end += 1
        out += [text[pos : m.start()], f"({_byte_count(text[m.end() : close])} bytes from the server, not shown)"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _closing_quote(text: str, start: int, quote_char: str) -> int:
    """Index of the quote that ends a literal begun at ``start`` (one not escaped), or ``len(text)``."""
    at = start
    while (found := text.find(quote_char, at)) != -1:
        before = found
        while before > start and text[before - 1] == "\\":
            before -= 1
        if (found - before) % 2 == 0:
            return found
        at = found + 1
    return len(text)


_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}|\\.", re.DOTALL)


def _byte_count(body: str) -> int:
    """Bytes in the body of a ``b'…'`` literal (each escape sequence is one byte)."""
    return len(_ESCAPE.sub("_", body))


def without_home(text: str) -> str:
    """``/home/alice/ca.pem`` → ``~/ca.pem``: a path must not name the person."""
    try:
        home = str(Path.home())
    except (RuntimeError, KeyError):  # no home directory (a service account)
        return text
    return text.replace(home, "~") if len(home) > 1 else text


def _map_strings(fn: Callable[[str], str], value: Any) -> Any:
    """``value`` with ``fn`` applied to every string in it."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, Mapping):
        return {k: _map_strings(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_strings(fn, v) for v in value)
    return value


def redact_text(text: str) -> str:
    """:meth:`Redactor.text` without recording (for error messages and traces)."""
    return Redactor().text(text)


def redact_url(url: str) -> str:
    """:meth:`Redactor.url` without recording."""
    return Redactor().url(url)
