"""The one place secrets are removed, applied when evidence is captured.

Reports travel to helpdesk tickets, and ticket attachments holding live session
tokens have been stolen and replayed (the 2023 support-system HAR breach). So a
check never stores a secret in the first place: it passes URLs, headers and
free text through a :class:`Redactor` before they become evidence, and the
report lists *which fields* were redacted, never their values.

What is removed:

* cookie values (``Cookie`` and ``Set-Cookie``): names and attributes stay;
* ``Authorization``, ``Proxy-Authorization`` and other credential headers;
* values of token-like query and fragment parameters (``code``, ``state``,
  ``token``, ``access_token``, ``id_token``, ``SAMLResponse``, ``RelayState``, …);
* the password in a URL's user info (and the user name, which identifies a person);
* JWT signatures (the header and claims stay readable for debugging, as
  Cloudflare's HAR sanitizer does).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlencode

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

_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})\.[A-Za-z0-9_-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic|negotiate|ntlm|digest)\s+[A-Za-z0-9._~+/=-]{8,}")
_PARAM_IN_TEXT = re.compile(r"(?i)([?&#;]|\b)(" + "|".join(sorted(SENSITIVE_PARAMS, key=len, reverse=True)) + r")=([^&#\s\"'<>]+)")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s?#]+@")


def fingerprint(value: str | bytes) -> str:
    """A short, non-reversible hash so the same secret can be correlated across hops."""
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]


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
        """Record that ``field`` was redacted."""
        with self._lock:
            self._fields.add(field)

    # -- URLs -------------------------------------------------------------------

    def url(self, url: str) -> str:
        """``url`` with user info and token-like parameter values replaced.

        Works on the text so that it never "normalises" what the person typed:
        the scheme, host, path and parameter order stay as they were.
        """
        m = re.match(r"(?is)^([a-z][a-z0-9+.-]*:)?(//)?([^/?#]*)(.*)$", url)
        if not m:
            return self.text(url)
        scheme, slashes, authority, rest = (g or "" for g in m.groups())
        if "@" in authority and slashes:
            userinfo, _, hostport = authority.rpartition("@")
            self.note("url:userinfo:password" if ":" in userinfo else "url:userinfo")
            authority = f"{REDACTED}@{hostport}"
        path, qmark, query_and_fragment = rest.partition("?")
        if qmark:
            query, hmark, fragment = query_and_fragment.partition("#")
        else:
            path, hmark, fragment = rest.partition("#")
            query = ""
        query = self._params(query, "query") if qmark else ""
        fragment = self._params(fragment, "fragment") if hmark else ""
        return f"{scheme}{slashes}{authority}{self.text(path)}{qmark}{query}{hmark}{fragment}"

    def _params(self, text: str, where: str) -> str:
        if "=" not in text:
            return self.text(text)
        pairs = parse_qsl(text, keep_blank_values=True)
        out = []
        changed = False
        for name, value in pairs:
            if name.lower() in SENSITIVE_PARAMS and value:
                self.note(f"{where}:{name}")
                out.append((name, REDACTED))
                changed = True
            else:
                cleaned = self.text(value)
                changed |= cleaned != value
                out.append((name, cleaned))
        if not changed:
            return text
        return urlencode(out, quote_via=quote, safe="[]")

    # -- headers ----------------------------------------------------------------

    def headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
        """Header pairs with credential values removed and cookie values dropped."""
        items = headers.items() if isinstance(headers, Mapping) else headers
        out: list[tuple[str, str]] = []
        for name, value in items:
            lower = name.lower()
            if lower == "cookie":
                out.append((name, self.cookie_header(value)))
            elif lower == "set-cookie":
                out.append((name, self.set_cookie(value)))
            elif lower in SENSITIVE_HEADERS:
                self.note(f"header:{name}")
                scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
                out.append((name, f"{scheme} {REDACTED}".strip()))
            elif lower in ("location", "content-location", "referer", "refresh"):
                out.append((name, self.url(value) if lower != "refresh" else self.text(value)))
            else:
                out.append((name, self.text(value)))
        return out

    def cookie_header(self, value: str) -> str:
        """``a=1; b=2`` → ``a=[redacted]; b=[redacted]`` (names kept)."""
        names = [part.split("=", 1)[0].strip() for part in value.split(";") if part.strip()]
        for name in names:
            self.note(f"cookie:{name}")
        return "; ".join(f"{n}={REDACTED}" for n in names)

    def set_cookie(self, value: str) -> str:
        """A ``Set-Cookie`` line with the value replaced; attributes kept."""
        first, sep, attributes = value.partition(";")
        name = first.split("=", 1)[0].strip()
        self.note(f"cookie:{name}")
        return f"{name}={REDACTED}{sep}{attributes}"

    # -- free text --------------------------------------------------------------

    def text(self, text: str) -> str:
        """Free text (error messages, bodies, headers) with JWT signatures, bearer
        tokens, URL passwords and token-like ``name=value`` pairs removed."""
        if not text:
            return text
        out = _JWT.sub(lambda m: self._hit("jwt:signature", m.group(1) + ".[signature redacted]"), text)
        out = _BEARER.sub(lambda m: self._hit("credential", f"{m.group(1)} {REDACTED}"), out)
        out = _USERINFO.sub(lambda m: self._hit("url:userinfo", f"{m.group(1)}{REDACTED}@"), out)
        out = _PARAM_IN_TEXT.sub(
            lambda m: self._hit(f"param:{m.group(2)}", f"{m.group(1)}{m.group(2)}={REDACTED}")
            if m.group(3) != REDACTED and m.group(3) != quote(REDACTED)
            else m.group(0),
            out,
        )
        return out

    def _hit(self, field: str, replacement: str) -> str:
        self.note(field)
        return replacement


def redact_text(text: str) -> str:
    """:meth:`Redactor.text` without recording (for error messages and traces)."""
    return Redactor().text(text)


def redact_url(url: str) -> str:
    """:meth:`Redactor.url` without recording."""
    return Redactor().url(url)
