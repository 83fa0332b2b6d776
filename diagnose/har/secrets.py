"""Find secrets in the texts of a recording and replace each by a correlating marker.

A marker is ``redacted-`` and 12 hex digits of HMAC-SHA256 under a salt drawn
at random for each run (:class:`Markers`): the same value gets the same
marker everywhere in one file, so a helpdesk still sees that the cookie set at
step 3 is the one sent at step 7, while nobody can test a guess against it
(an unsalted hash of ``admin=1`` is ``admin=1``, issue 20). The salt is never
written anywhere. A marker is made only of characters that need no escaping
in a URL, a header or a cookie, and a marker met again is kept as it is, so
sanitizing a sanitized file changes nothing.

What counts as secret by name comes from :mod:`diagnose.redact`
(``is_sensitive_param``, ``is_sensitive_header``), the project's one list.
What differs from the report redactor is deliberate: a HAR copy must keep its
structure (so markers, not ``[redacted]``), and a JWT is replaced whole
(its claims name the person; the report redactor keeps them for debugging).

Every replacement is recorded by :class:`Ledger` as (kind, entry, name), with
the kind from the fixed vocabulary :class:`Kind` and the name as the protocol
declares it (header, parameter, cookie or field name), never any of the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from diagnose.har.limits import MAX_REMEMBERED_SECRETS, MAX_REPLACEMENTS_LISTED
from diagnose.redact import is_sensitive_param as _is_sensitive_param

MARKER_PREFIX = "redacted-"
MARKER = re.compile(r"redacted-[0-9a-f]{12}")
"""What a marker looks like; a value that is exactly a marker is never replaced again."""


class Kind(StrEnum):
    """Where a replaced secret was (the fixed vocabulary of the replacement list)."""

    COOKIE = "cookie"
    """A value in a request's ``Cookie`` header or ``request.cookies``."""
    SET_COOKIE = "set-cookie"
    """A value (or an unknown attribute's value) in ``Set-Cookie`` or ``response.cookies``."""
    AUTHORIZATION = "authorization"
    """The credential of ``Authorization`` or ``Proxy-Authorization`` (the scheme word stays)."""
    CREDENTIAL_HEADER = "credential-header"
    """Another header that carries a credential (``X-Api-Key``, ``X-CSRF-Token``, …)."""
    USERINFO = "userinfo"
    """``user:password@`` in a URL."""
    QUERY = "query"
    """A token-like parameter of a URL's query (OAuth ``code``, ``state``, ``SAMLResponse`` …)."""
    FRAGMENT = "fragment"
    """A parameter of a URL's fragment (the OAuth implicit flow's ``access_token``)."""
    FORM_FIELD = "form-field"
    """Any field a request posted (form, multipart or JSON body): passwords and everything else."""
    JSON_FIELD = "json-field"
    """A token-like member of a JSON text (``"access_token": "…"``)."""
    TOKEN = "token"
    """A JWT or an auth-scheme credential (``Bearer …``) found in any text."""
    HIDDEN_INPUT = "hidden-input"
    """The value of a hidden or secret-named ``<input>``/``<meta>`` in an HTML body."""
    PARAMETER = "parameter"
    """A token-like ``name=value`` pair in other text (a script, a log line)."""
    BODY = "body"
    """A body left out whole (binary, too large, or a format whose fields cannot be told apart)."""
    WEBSOCKET = "websocket-message"
    """A recorded WebSocket message (left out whole)."""


@dataclass(frozen=True, slots=True)
class Replacement:
    kind: Kind
    entry: int | None
    """Index in ``log.entries``; None for ``pages`` and other members of ``log``."""
    name: str

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "entry": self.entry, "name": self.name}


_TOKEN_LIKE_NAME = re.compile(r"^(?:eyJ|[A-Za-z0-9+/_=-]{40,}$)")


def shown_name(name: str) -> str:
    """A field name fit for the report: printable, at most 64 characters, and withheld when
    it looks like a token itself (a secret sent as a nameless cookie or a JSON key)."""
    if _TOKEN_LIKE_NAME.match(name) or MARKER.search(name):
        return "(withheld)"
    shown = "".join(c if c.isprintable() else "?" for c in name) or "(nameless)"
    return shown if len(shown) <= 64 else shown[:61] + "..."


class Ledger:
    """What was replaced: counted by kind, listed one by one up to a limit."""

    def __init__(self, limit: int = MAX_REPLACEMENTS_LISTED) -> None:
        self.listed: list[Replacement] = []
        self.counts: Counter[Kind] = Counter()
        self._seen: set[tuple[Kind, int | None, str]] = set()
        self._limit = limit
        self.markers_kept = 0
        """Markers found already in place (a file this tool sanitized before)."""

    def add(self, kind: Kind, entry: int | None, name: str) -> None:
        self.counts[kind] += 1
        key = (kind, entry, shown_name(name))
        if key in self._seen or len(self.listed) >= self._limit:
            return
        self._seen.add(key)
        self.listed.append(Replacement(*key))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Markers:
    """Salted, correlating markers; remembers the values it replaced (memory only)."""

    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt if salt is not None else _random.token_bytes(32)
        self._known: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        if MARKER.fullmatch(value):
            return value
        digest = hmac.new(self._salt, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        marker = MARKER_PREFIX + digest[:12]
        if len(value) >= 8 and len(self._known) < MAX_REMEMBERED_SECRETS:
            self._known[value] = marker
        return marker

    def known(self, run: str) -> str | None:
        """The marker of a value replaced earlier, when ``run`` is exactly that value."""
        return self._known.get(run)

    @property
    def remembered(self) -> int:
        return len(self._known)


# ----------------------------------------------------------------------------- text


@lru_cache(maxsize=8192)
def is_sensitive_param(name: str) -> bool:
    """:func:`diagnose.redact.is_sensitive_param`, cached (bodies repeat the same names)."""
    return _is_sensitive_param(name)


_NAME = r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}"
_NESTED = re.compile(r"eyJ|://|%|=|[Bb]earer")
"""A value that is not a secret by its name is searched again only when it may hold one."""

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){0,2}")
_SCHEME = re.compile(r"\b((?:[Bb]earer|[Bb]asic|[Tt]oken|[Nn]egotiate|NTLM|[Dd]igest)[ \t]+)([A-Za-z0-9._~+/=-]{8,})")
_SCHEME_WORDS = ("Bearer", "bearer", "Basic", "basic", "Token", "token", "Negotiate", "negotiate", "NTLM", "Digest", "digest")
_URL_REST = re.compile(r"[^\s\"'<>\\`]+")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_DQUOTED = re.compile(r'"(' + _NAME + r')"(\s*:\s*)"([^"\\\r\n]*(?:\\.[^"\\\r\n]*)*)"')
_SQUOTED = re.compile(r"'(" + _NAME + r")'(\s*:\s*)'([^'\\\r\n]*(?:\\.[^'\\\r\n]*)*)'")
_PAIR = re.compile(r"(?<![\w.%\[\]-])(" + _NAME + r")=([^&#;\s\"'<>\\]{1,4096})")
_QUERY_PAIR = re.compile(r"([?&](?:amp;)?)(" + _NAME + r")=([^&#;\s\"'<>\\]{1,4096})")
"""A ``name=value`` pair inside a query string written into markup or code (``'…&code=…'``,
``href="/cb?state=…"``): after ``?`` or ``&``, where no attribute or assignment stands."""
_RUN = re.compile(r"[A-Za-z0-9._~+/=-]{8,}")
"""The patterns of :meth:`TextSanitizer.text`, each run only when its trigger is in the text
(``eyJ``, ``://``, a quote, an auth-scheme word, ``=``), so large bodies cost few passes."""

SHORT_TEXT = 4096

_PLAIN_WORD = re.compile(r"^[A-Za-z][a-z]+$")


class TextSanitizer:
    """Replaces secrets in free text, URLs and parameter lists, recording each."""

    def __init__(self, markers: Markers, ledger: Ledger) -> None:
        self.mark = markers
        self.ledger = ledger
        self.entry: int | None = None

    def hit(self, kind: Kind, name: str, value: str) -> str:
        """The marker for ``value``, recorded as ``kind``/``name`` unless it already was one."""
        if MARKER.fullmatch(value):
            self.ledger.markers_kept += 1
            return value
        self.ledger.add(kind, self.entry, name)
        return self.mark(value)

    # -- free text ---------------------------------------------------------------------

    def text(self, text: str, *, pairs: bool = True) -> str:
        """``text`` with JWTs, auth-scheme credentials, URLs' secrets, token-like quoted members
        (``"access_token": "…"``) and token-like ``name=value`` pairs replaced (without ``pairs``,
        markup and code, only pairs of a query string: after ``?`` or ``&``); in short texts
        also any value replaced earlier in the file."""
        if len(text) < 6:
            return text
        if "eyJ" in text:
            text = _JWT.sub(lambda m: self.hit(Kind.TOKEN, "jwt", m.group(0)), text)
        if "://" in text:
            text = self._urls(text)
        if '"' in text:
            text = _DQUOTED.sub(self._quoted, text)
        if "'" in text:
            text = _SQUOTED.sub(self._quoted, text)
        if any(word in text for word in _SCHEME_WORDS):
            text = _SCHEME.sub(self._credential, text)
        if "=" in text:
            text = _PAIR.sub(self._pair, text) if pairs else _QUERY_PAIR.sub(self._query_pair, text)
        if len(text) <= SHORT_TEXT and self.mark.remembered:
            text = _RUN.sub(self._run, text)
        return text

    def _urls(self, text: str) -> str:
        out: list[str] = []
        done = 0
        at = text.find("://")
        while at != -1:
            start = at
            while start > done and at - start < 16 and text[start - 1] in _SCHEME_CHARS:
                start -= 1
            rest = _URL_REST.match(text, at + 3)
            end = rest.end() if rest else at + 3
            if start < at and text[start].isalpha():
                out += [text[done:start], self.url(text[start:end])]
                done = end
            at = text.find("://", max(end, at + 3))
        out.append(text[done:])
        return "".join(out)

    def _quoted(self, m: re.Match[str]) -> str:
        name, sep, value = m.groups()
        if value and is_sensitive_param(name):
            replaced = self.hit(Kind.JSON_FIELD, name, value)
        elif _NESTED.search(value):
            replaced = self.text(value)
            if replaced == value:
                return m.group(0)
        else:
            return m.group(0)
        q = m.group(0)[0]
        return f"{q}{name}{q}{sep}{q}{replaced}{q}"

    def _credential(self, m: re.Match[str]) -> str:
        scheme, credential = m.groups()
        if _PLAIN_WORD.match(credential) and not scheme.lower().startswith("bearer"):
            return m.group(0)  # "Basic authentication", "Token based": prose, not a credential
        return scheme + self.hit(Kind.TOKEN, scheme.strip().lower(), credential)

    def _pair(self, m: re.Match[str]) -> str:
        name, value = m.groups()
        if is_sensitive_param(name):
            return f"{name}={self.hit(Kind.PARAMETER, name, unquote_plus(value))}"
        if len(value) >= 6 and _NESTED.search(value):
            return f"{name}={self.text(value)}"
        return m.group(0)

    def _query_pair(self, m: re.Match[str]) -> str:
        """A pair after ``?``/``&`` (the delimiter is part of the match, which is cheaper to find)."""
        delimiter, name, value = m.groups()
        if is_sensitive_param(name):
            return f"{delimiter}{name}={self.hit(Kind.PARAMETER, name, unquote_plus(value))}"
        if len(value) >= 6 and _NESTED.search(value):
            return f"{delimiter}{name}={self.text(value)}"
        return m.group(0)

    def _run(self, m: re.Match[str]) -> str:
        run = m.group(0)
        marker = self.mark.known(run)
        if marker is None:
            return run
        self.ledger.add(Kind.PARAMETER, self.entry, "(repeated secret)")
        return marker

    # -- URLs ----------------------------------------------------------------------------

    def url(self, url: str) -> str:
        """A URL with user info, token-like query and fragment parameters replaced; the rest as it was."""
        m = re.match(r"(?s)^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", url)
        if m is None:  # a relative reference (a Location of "/callback?code=…"), or a bare query
            if "?" not in url and "#" not in url:
                return self.params_text(url, Kind.QUERY) if "=" in url else self.text(url)
            scheme, authority, rest = "", "", url
        else:
            scheme, authority, rest = m.groups()
        if "@" in authority:
            userinfo, _, hostport = authority.rpartition("@")
            authority = f"{self.hit(Kind.USERINFO, 'userinfo', unquote(userinfo))}@{hostport}"
        path, hmark, fragment = rest.partition("#")
        path, qmark, query = path.partition("?")
        out = [scheme, authority, self.text(path) if len(path) >= 6 else path]
        if qmark:
            out += ["?", self.params_text(query, Kind.QUERY)]
        if hmark:
            route, fq, fparams = fragment.partition("?")
            if fq:
                out += ["#", self.text(route), "?", self.params_text(fparams, Kind.FRAGMENT)]
            else:
                out += ["#", self.params_text(fragment, Kind.FRAGMENT) if "=" in fragment else self.text(fragment)]
        return "".join(out)

    def params_text(self, text: str, kind: Kind, *, every: bool = False) -> str:
        """``a=1&code=2`` with sensitive values (or, with ``every``, all values) replaced."""
        out = []
        for pair in text.split("&"):
            name, eq, value = pair.partition("=")
            if eq and value and (every or is_sensitive_param(name)):
                decoded = unquote_plus(value)
                marker = self.hit(kind, unquote_plus(name), decoded)
                out.append(f"{name}={marker}")
            elif eq and value:
                out.append(f"{name}={self.nested(value)}")
            elif not eq and every and pair:
                out.append(self.hit(kind, "(nameless)", unquote_plus(pair)))
            else:
                out.append(pair)
        return "&".join(out)

    def nested(self, raw: str) -> str:
        """A parameter value that is not itself a secret but may hold one (an encoded URL, a JWT)."""
        decoded = unquote_plus(raw)
        if decoded == raw:
            return self.text(raw)
        cleaned = self.text(decoded)
        if cleaned == decoded:
            return raw
        return quote_plus(cleaned, safe="/:") if "+" in raw else quote(cleaned, safe="/:")

    def pairs(self, items: list[object], kind: Kind, *, every: bool = False,
              name_key: str = "name", value_key: str = "value") -> None:
        """A HAR ``[{name, value}]`` list (query string, form params) sanitized in place."""
        for item in items:
            if not isinstance(item, dict):
                continue
            name, value = item.get(name_key), item.get(value_key)
            if not isinstance(name, str) or not isinstance(value, str) or not value:
                continue
            if every or is_sensitive_param(name):
                item[value_key] = self.hit(kind, name, unquote_plus(value) if kind is not Kind.FORM_FIELD else value)
            else:
                item[value_key] = self.nested(value)


def scrubber(markers: Markers) -> Callable[[str], str]:
    """A function that replaces secrets in report text without recording them (a safety net)."""
    quiet = TextSanitizer(markers, Ledger(limit=0))
    return quiet.text
