"""The one place secrets are removed, applied when evidence is captured.

Reports travel to helpdesk tickets, and ticket attachments holding live session
tokens have been stolen and replayed (the 2023 support-system HAR breach). So a
check never stores a secret in the first place: it passes URLs, headers and
free text through a :class:`Redactor` before they become evidence, and the
report lists *which fields* were redacted, never their values.

What is removed:

* cookie values (``Cookie`` and ``Set-Cookie``, also several cookies folded
  into one line): names and attributes stay, a nameless cookie is removed whole;
* ``Authorization``, ``Proxy-Authorization`` and other credential headers
  (``X-Api-Key``, ``X-Auth-Token``, anything named like a token, secret or
  session): the auth scheme (``Bearer``, ``Basic``) stays;
* values of token-like query and fragment parameters (``code``, ``state``,
  ``token``, ``access_token``, ``id_token``, ``SAMLResponse``, ``RelayState``,
  and any name containing ``token``, ``secret``, ``password``, ``session``,
  ``signature``, ``saml`` …), also inside a percent-encoded URL nested in
  another URL and in single-page-app fragments (``#/cb?access_token=…``);
* the user info of a URL (the password, and the user name, which identifies a
  person), with or without a scheme (``user:pass@proxy:3128``);
* JWT signatures (the header and claims stay readable for debugging, as
  Cloudflare's HAR sanitizer does);
* in free text (exception messages, bodies, notes): all of the above plus
  ``Authorization: …``/``Cookie: …`` header lines, ``"password": "…"``-style
  quoted pairs and ``Bearer …``/``Basic …`` credentials.

Names are compared after lower-casing and dropping ``-``, ``_`` and ``.``, so
``Access-Token``, ``access_token`` and ``ACCESSTOKEN`` are one name.

A :class:`Redactor` is shared by all checks of a run, which may call it from
several tasks or threads at once: the only state is the set of redacted field
names, guarded by a lock. Redaction is idempotent: redacting a redacted value
changes nothing and records nothing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

REDACTED = "[redacted]"

SENSITIVE_PARAMS = frozenset(
    p.lower()
    for p in (
        "code", "state", "token", "access_token", "id_token", "refresh_token", "session",
        "sessionid", "session_id", "sid", "samlresponse", "samlrequest", "relaystate",
        "password", "passwd", "pwd", "pass", "secret", "client_secret", "code_verifier",
        "code_challenge", "nonce", "auth", "authorization", "api_key", "apikey", "key",
        "signature", "sig", "otp", "ticket", "assertion", "jwt", "bearer", "authenticity_token",
        "csrf", "csrf_token", "xsrf", "email", "login_hint", "username", "user",
        # added with the report issue
        "jsessionid", "phpsessid", "aspsessionid", "samlart", "oauth_token", "oauth_verifier",
        "client_assertion", "id_token_hint", "auth_code", "authcode", "authorization_code",
        "device_code", "user_code", "verification_code", "totp", "passcode", "pin", "mfa_code",
        "hmac", "credential", "credentials", "x-amz-signature", "x-amz-credential",
        "x-amz-security-token", "x-goog-signature", "x-goog-credential",
    )
)
"""Query/fragment parameter names whose values never reach a report (case-insensitive)."""

SENSITIVE_HEADERS = frozenset(
    h.lower()
    for h in (
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
        "x-auth-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token",
        "www-authenticate", "proxy-authenticate",
    )
)
"""Header names whose values are credentials (case-insensitive); see also :func:`is_sensitive_header`."""

_NAME_PARTS = (
    "token", "secret", "passw", "signature", "session", "sessid", "apikey", "credential",
    "saml", "jwt", "assertion", "authorization", "csrf", "xsrf", "privatekey",
)
"""A parameter or header whose normalised name contains one of these is sensitive."""

SENSITIVE_NAME_PARTS: tuple[str, ...] = _NAME_PARTS
"""The name parts above, public for tools that search text for such names (the HAR sanitizer)."""

_HEADER_PARTS = (*_NAME_PARTS, "cookie", "auth")

_SECRET_EVIDENCE_KEYS = frozenset(
    {"authorization", "proxyauthorization", "token", "accesstoken", "idtoken", "refreshtoken", "password",
     "passwd", "secret", "clientsecret", "apikey", "sessionid", "sessid", "jwt", "assertion", "samlresponse",
     "samlrequest", "relaystate", "codeverifier", "credential", "credentials", "bearer"}
)
"""Evidence keys (normalised) whose string value is a secret by construction.

Evidence keys are the checks' own vocabulary (``signature_algorithm``,
``session_cookie_names``, ``token_count``), so the safety net matches whole
names and a few suffixes, not substrings: a substring rule would blank out
harmless facts such as a certificate's signature algorithm.
"""

_SECRET_KEY_SUFFIXES = ("token", "password", "passwd", "secret", "apikey")

_NOT_SECRET_PARAMS = frozenset({"tokentype", "tokentypehint", "tokenendpointauthmethod", "expiresin"})
"""Parameter names that match a sensitive part but name a kind of token, never hold one."""

_NOT_SECRET_HEADERS = frozenset(
    {"accesscontrolallowcredentials", "accesscontrolallowheaders", "accesscontrolexposeheaders",
     "accesscontrolrequestheaders", "authenticationinfo", "contentsecuritypolicy",
     "contentsecuritypolicyreportonly"}
)
"""Header names that match a sensitive part but hold only policy, never a secret."""

_COOKIE_ATTRIBUTES = frozenset(
    {"expires", "maxage", "domain", "path", "secure", "httponly", "samesite", "priority",
     "partitioned", "version", "comment", "commenturl", "discard", "port", "sameparty"}
)

_MAX_FIELD = 64
"""Longest name recorded in the redaction list (names come from servers, too)."""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.\s\[\]]", "", name.lower())


_SENSITIVE_PARAMS_NORMALISED = frozenset(_normalise(p) for p in SENSITIVE_PARAMS)
_SENSITIVE_HEADERS_NORMALISED = frozenset(_normalise(h) for h in SENSITIVE_HEADERS)


def is_sensitive_param(name: str) -> bool:
    """Whether a query/fragment/form parameter called ``name`` carries a secret."""
    norm = _normalise(unquote_plus(name))
    if norm in _NOT_SECRET_PARAMS:
        return False
    return norm in _SENSITIVE_PARAMS_NORMALISED or any(part in norm for part in _NAME_PARTS)


def is_sensitive_header(name: str) -> bool:
    """Whether a header called ``name`` carries a credential or a cookie."""
    norm = _normalise(name)
    if norm in _NOT_SECRET_HEADERS:
        return False
    return norm in _SENSITIVE_HEADERS_NORMALISED or any(part in norm for part in _HEADER_PARTS)


def fingerprint(value: str | bytes) -> str:
    """A short, non-reversible hash so the same secret can be correlated across hops."""
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]


# ----------------------------------------------------------------- free-text patterns

_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})\.[A-Za-z0-9_-]{8,}")

_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic|negotiate|ntlm|digest|token)(\s+)([A-Za-z0-9._~+/=-]{4,})")
"""A credential after an auth scheme word; a plain word (``Basic authentication``) is kept."""

_PLAIN_WORD = re.compile(r"^[A-Z]?[a-z]+$")

_HEADER_LINE = re.compile(
    r"(?im)(?<![\w-])((?:proxy-)?authorization|set-cookie|cookie|x-api-key|x-auth-token|"
    r"x-csrf-token|x-xsrf-token|x-amz-security-token)([ \t]*:[ \t]*)([^\r\n]*)"
)
"""``Authorization: …`` as it appears in logs, traces and raw responses (up to the end of the line)."""

_QUOTED_PAIR = re.compile(
    r"""(["'])([A-Za-z0-9_.\-]{1,64})\1(\s*[:=,]\s*)(["'])((?:(?!\4)[^\\\r\n]|\\.)*)\4"""
)
"""``"access_token": "…"`` (JSON), ``'Cookie': '…'`` (a Python dict in an exception) and
``('Set-Cookie', '…')`` (a header pair in a list)."""

_COLON_PAIR = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9_-]{0,63})([ \t]*:[ \t]*)([^\s,;\"'<>]+)")
"""``password: hunter2`` (YAML, logs); redacted only when the name says secret (token, password …)."""

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s?#<>\"']*)@")
"""``scheme://user:pass@`` in text; greedy, so a password holding ``@`` goes too."""

_BARE_USERINFO = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._~%-]{1,64}):([^@\s/?#<>\"']{1,256})@(?=[A-Za-z0-9\[])"
)
"""``user:pass@host`` without a scheme (how proxy settings are often written)."""

_PAIR_IN_TEXT = re.compile(
    r"(?:(?<=%26)|(?<=%3[Ff])|(?<=%23)|(?<![\w.%\[\]-]))"
    r"([A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63})(=|%3[Dd])"
    r"((?:(?!%26|%23|%3[Bb])[^&#;\s\"'<>])+)"
)
"""``name=value`` in text, also percent-encoded (``%3Fcode%3D…%26``)."""

_REDACTED_FORMS = frozenset({REDACTED, quote(REDACTED), quote(REDACTED, safe=""), f"{REDACTED}@"})


class Redactor:
    """Removes secrets from evidence and remembers which fields it removed."""

    def __init__(self) -> None:
        self._fields: set[str] = set()
        self._lock = threading.Lock()

    @property
    def fields(self) -> tuple[str, ...]:
        """What was redacted, as field descriptions (``query:code``, ``header:Authorization``)."""
        with self._lock:
            return tuple(sorted(self._fields))

    def note(self, field: str) -> None:
        """Record that ``field`` was redacted (never pass a value here)."""
        field = "".join(c if c.isprintable() else "?" for c in field)
        if len(field) > _MAX_FIELD:
            field = field[: _MAX_FIELD - 1] + "…"
        with self._lock:
            self._fields.add(field)

    def _hit(self, field: str, replacement: str) -> str:
        self.note(field)
        return replacement

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
        if "@" in authority:
            userinfo, _, hostport = authority.rpartition("@")
            if userinfo != REDACTED:
                self.note("url:userinfo:password" if ":" in userinfo else "url:userinfo")
            authority = f"{REDACTED}@{hostport}"
        elif ":" in authority and not authority.startswith("["):
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
                authority, rest = f"{REDACTED}@{host.group(0)}", after[host.end() :]
        path, hmark, fragment = rest.partition("#")
        path, qmark, query = path.partition("?")  # a "?" after the "#" belongs to the fragment
        out = [scheme, slashes, authority, self.text(path)]
        if qmark:
            out += [qmark, self._params(query, "query")]
        if hmark:
            out += [hmark, self._fragment(fragment)]
        return "".join(out)

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
                if value not in _REDACTED_FORMS:
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

    # -- headers ----------------------------------------------------------------

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
        """One header's value, redacted according to its name."""
        lower = name.lower()
        if lower == "cookie":
            return self.cookie_header(value)
        if lower in ("set-cookie", "set-cookie2"):
            return self.set_cookie(value)
        if is_sensitive_header(name):
            if not value or value.strip() == REDACTED or value.strip().endswith(f" {REDACTED}"):
                return value
            self.note(f"header:{name}")
            if lower in ("www-authenticate", "proxy-authenticate"):
                # A challenge names the scheme the server wants; keep only that.
                scheme = value.strip().split(" ", 1)[0].rstrip(",")
                return f"{scheme} {REDACTED}" if " " in value.strip() else REDACTED
            parts = value.strip().split(" ", 1)
            scheme = parts[0] if len(parts) == 2 and _PLAIN_WORD.match(parts[0]) else ""
            return f"{scheme} {REDACTED}".strip()
        if lower in ("location", "content-location", "referer", "origin"):
            return self.url(value)
        return self.text(value)

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
            if attr_eq and _normalise(attr_name) not in _COOKIE_ATTRIBUTES and attr_value.strip() != REDACTED:
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
        pairs (also percent-encoded)."""
        if not text:
            return text
        out = _HEADER_LINE.sub(self._header_line, text)
        out = _QUOTED_PAIR.sub(self._quoted_pair, out)
        out = _COLON_PAIR.sub(self._colon_pair, out)
        out = _USERINFO.sub(self._userinfo, out)
        out = _BARE_USERINFO.sub(lambda m: self._hit("url:userinfo:password", f"{REDACTED}@"), out)
        out = _PAIR_IN_TEXT.sub(self._pair, out)
        out = _AUTH_SCHEME.sub(self._auth_scheme, out)
        return _JWT.sub(lambda m: self._hit("jwt:signature", m.group(1) + ".[signature redacted]"), out)

    def _header_line(self, m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{self.header(m.group(1), m.group(3))}"

    def _quoted_pair(self, m: re.Match[str]) -> str:
        quote_char, name, sep, vquote, value = m.groups()
        if not value or value in _REDACTED_FORMS:
            return m.group(0)
        if _normalise(name) in _SENSITIVE_HEADERS_NORMALISED:
            redacted = self.header(name, value)
        elif is_sensitive_param(name):
            redacted = self._hit(f"param:{name}", REDACTED)
        else:
            return m.group(0)
        return f"{quote_char}{name}{quote_char}{sep}{vquote}{redacted}{vquote}"

    def _colon_pair(self, m: re.Match[str]) -> str:
        name, sep, value = m.groups()
        norm = _normalise(name)
        if norm in _SENSITIVE_HEADERS_NORMALISED:  # a header line, already redacted as one
            return m.group(0)
        if value.startswith(REDACTED) or not any(part in norm for part in _NAME_PARTS):
            return m.group(0)
        return self._hit(f"param:{name}", f"{name}{sep}{REDACTED}")

    def _auth_scheme(self, m: re.Match[str]) -> str:
        scheme, space, credential = m.groups()
        if _PLAIN_WORD.match(credential) or credential.startswith("[") or credential == "redacted":
            return m.group(0)
        return self._hit("credential", f"{scheme}{space}{REDACTED}")

    def _userinfo(self, m: re.Match[str]) -> str:
        if m.group(2) == REDACTED:
            return m.group(0)
        field = "url:userinfo:password" if ":" in m.group(2) else "url:userinfo"
        return self._hit(field, f"{m.group(1)}{REDACTED}@")

    def _pair(self, m: re.Match[str]) -> str:
        name, eq, value = m.groups()
        if value in _REDACTED_FORMS or value.startswith((REDACTED, quote(REDACTED, safe=""))):
            return m.group(0)
        if not is_sensitive_param(name):
            return m.group(0)
        return self._hit(f"param:{name}", f"{name}{eq}{REDACTED}")

    # -- structured evidence ----------------------------------------------------

    def evidence(self, value: Any, *, key: str | None = None) -> Any:
        """A copy of a JSON-like value (mappings, lists, strings) with every string redacted.

        The safety net the session applies to every check result before the
        report is built, so a check that forgot to redact something still
        cannot put a secret into a report. Strings under a credential-like
        key (``token``, ``password``, ``authorization``, ``set_cookie`` …) are
        redacted by that key; ``[name, value]`` header pairs by the name;
        URLs as URLs; everything else as free text. Numbers, booleans and
        None are returned as they are.
        """
        if isinstance(value, str):
            if key is not None:
                by_key = self._by_key(key, value)
                if by_key is not None:
                    return by_key
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S*$", value):
                return self.url(value)
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.evidence(v, key=str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if (
                len(value) == 2
                and isinstance(value[0], str)
                and isinstance(value[1], str)
                and re.match(r"^[A-Za-z0-9-]{1,64}$", value[0])
                and is_sensitive_header(value[0])
            ):
                pair = [value[0], self.header(value[0], value[1])]
                return tuple(pair) if isinstance(value, tuple) else pair
            items = [self.evidence(v) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
        return value

    def _by_key(self, key: str, value: str) -> str | None:
        norm = _normalise(key)
        if not value or value == REDACTED:
            return value
        if "cookie" in norm:
            # Only "name=value" is a cookie; a bare cookie name is kept.
            if "=" not in value:
                return None
            return self.set_cookie(value) if "set" in norm else self.cookie_header(value)
        if norm in _SECRET_EVIDENCE_KEYS or norm.endswith(_SECRET_KEY_SUFFIXES):
            if value.endswith(REDACTED) or "[signature redacted]" in value:
                return value
            return self._hit(f"field:{key}", REDACTED)
        return None


def redact_text(text: str) -> str:
    """:meth:`Redactor.text` without recording (for error messages and traces)."""
    return Redactor().text(text)


def redact_url(url: str) -> str:
    """:meth:`Redactor.url` without recording."""
    return Redactor().url(url)
