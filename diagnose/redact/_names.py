"""What counts as secret, by name, and the fixed vocabulary of the report's ``redactions`` list.

Two jobs, both about names:

* deciding by its name whether a parameter, header or evidence key holds a
  secret (:func:`is_sensitive_param`, :func:`is_sensitive_header`,
  :func:`is_secret_key`);
* turning "what was removed" into an entry of the ``redactions`` list
  (:func:`field_entry`). An entry names a field from a fixed vocabulary and is
  never built from the text that was redacted: a "name" guessed from free text
  (``…SECRET123token: …``) is recorded by the vocabulary word it matched
  (``param:*token*``), never as it was written.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

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

_PARAM_SPELLINGS = ("SAMLResponse", "SAMLRequest", "RelayState", "SAMLart", "PHPSESSID",
                    "ASPSESSIONID", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
                    "X-Goog-Signature", "X-Goog-Credential")
"""How the protocols that define them spell the mixed-case names above (SAML, servlet, cloud signatures)."""

SENSITIVE_HEADERS = frozenset(
    h.lower()
    for h in (
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
        "x-auth-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token",
        "www-authenticate", "proxy-authenticate",
    )
)
"""Header names whose values are credentials (case-insensitive); see also :func:`is_sensitive_header`."""

_HEADER_SPELLINGS = ("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Set-Cookie2", "X-Api-Key",
                     "X-Auth-Token", "X-CSRF-Token", "X-XSRF-Token", "X-Amz-Security-Token", "WWW-Authenticate",
                     "Proxy-Authenticate", "Date", "Age")
"""Header names as RFC 9110 and the vendors spell them: the ``header:`` entries of the vocabulary."""

NAME_PARTS = (
    "token", "secret", "passw", "signature", "session", "sessid", "apikey", "credential",
    "saml", "jwt", "assertion", "authorization", "csrf", "xsrf", "privatekey",
)
"""A parameter or header whose normalised name contains one of these is sensitive."""

SENSITIVE_NAME_PARTS: tuple[str, ...] = NAME_PARTS
"""The name parts above, public for tools that search text for such names (the HAR sanitizer)."""

HEADER_PARTS = (*NAME_PARTS, "cookie", "auth")

SECRET_EVIDENCE_KEYS = frozenset(
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

SECRET_KEY_SUFFIXES = ("token", "password", "passwd", "secret", "apikey")

_NOT_SECRET_PARAMS = frozenset({"tokentype", "tokentypehint", "tokenendpointauthmethod", "expiresin"})
"""Parameter names that match a sensitive part but name a kind of token, never hold one."""

_NOT_SECRET_HEADERS = frozenset(
    {"accesscontrolallowcredentials", "accesscontrolallowheaders", "accesscontrolexposeheaders",
     "accesscontrolrequestheaders", "authenticationinfo", "contentsecuritypolicy",
     "contentsecuritypolicyreportonly"}
)
"""Header names that match a sensitive part but hold only policy, never a secret."""


def normalise(name: str) -> str:
    """Lower case without ``-``, ``_``, ``.``, blanks and brackets: ``Access-Token`` = ``access_token``."""
    return re.sub(r"[-_.\s\[\]]", "", name.lower())


SENSITIVE_PARAMS_NORMALISED = frozenset(normalise(p) for p in SENSITIVE_PARAMS)
SENSITIVE_HEADERS_NORMALISED = frozenset(normalise(h) for h in SENSITIVE_HEADERS)

_PARAM_CANONICAL = {normalise(p): p for p in sorted(SENSITIVE_PARAMS)} | {normalise(p): p for p in _PARAM_SPELLINGS}
_HEADER_CANONICAL = {normalise(h): h for h in _HEADER_SPELLINGS}


def is_sensitive_param(name: str) -> bool:
    """Whether a query/fragment/form parameter called ``name`` carries a secret."""
    norm = normalise(unquote_plus(name))
    if norm in _NOT_SECRET_PARAMS:
        return False
    return norm in SENSITIVE_PARAMS_NORMALISED or any(part in norm for part in NAME_PARTS)


def is_sensitive_header(name: str) -> bool:
    """Whether a header called ``name`` carries a credential or a cookie."""
    norm = normalise(name)
    if norm in _NOT_SECRET_HEADERS:
        return False
    return norm in SENSITIVE_HEADERS_NORMALISED or any(part in norm for part in HEADER_PARTS)


def is_secret_key(key: str) -> bool:
    """Whether an evidence key names a secret by construction (``token``, ``client_secret``)."""
    norm = normalise(key)
    return norm in SECRET_EVIDENCE_KEYS or norm.endswith(SECRET_KEY_SUFFIXES)


# ----------------------------------------------------------------------------- the vocabulary

NAMED_KINDS = frozenset({"header", "cookie", "query", "fragment", "param", "field"})
"""``<kind>:<name>`` entries. ``header``, ``cookie``, ``query`` and ``fragment`` take the name
the protocol element carries (a header field name, a cookie name, a URL parameter name);
``param`` (a ``name=value`` pair found in free text) and ``field`` (an evidence key) take only
a word of this module's vocabulary."""

FIXED_ENTRIES = frozenset({
    "url:userinfo", "url:userinfo:password", "jwt:signature", "credential", "cookie:(nameless)",
    "reason_phrase", "body",
})
"""Entries without a name: user info in a URL (with a password, or a user name alone), a JWT's
signature, a credential after an auth scheme (``Bearer …``), a cookie without a name, a status
line's reason phrase that is not a standard one, a response body."""

MAX_NAME = 64
"""Longest name an entry keeps (names come from servers too)."""

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
"""An HTTP field name (RFC 9110 §5.1)."""


def field_entry(field: str) -> str:
    """The ``redactions`` entry for ``field`` (``kind:name`` or a fixed entry), in the vocabulary.

    Raises :class:`ValueError` for an unknown kind (a programming error; the
    message never repeats what was passed, which might be a value).
    """
    if field in FIXED_ENTRIES:
        return field
    kind, sep, name = field.partition(":")
    if not sep or kind not in NAMED_KINDS:
        raise ValueError("not a redaction field: use a kind of diagnose.redact.NAMED_KINDS or an entry of FIXED_ENTRIES")
    if kind == "param":
        return "param:" + vocabulary_param(name)
    if kind == "field":
        return "field:" + vocabulary_key(name)
    if kind == "header":
        canonical = _HEADER_CANONICAL.get(normalise(name))
        if canonical is not None:
            return "header:" + canonical
        return "header:" + (name if _TOKEN.fullmatch(name) else "(invalid name)")
    return f"{kind}:{printable_name(name)}"


def vocabulary_param(name: str) -> str:
    """A parameter name as the vocabulary spells it (``Access-Token`` → ``access_token``), or
    the part that made it sensitive (``*token*``); ``(other)`` when neither applies."""
    norm = normalise(unquote_plus(name))
    canonical = _PARAM_CANONICAL.get(norm)
    if canonical is not None:
        return canonical
    part = next((p for p in NAME_PARTS if p in norm), None)
    return f"*{part}*" if part else "(other)"


def vocabulary_key(key: str) -> str:
    """An evidence key in the vocabulary: a known secret key (normalised) or ``*<suffix>``."""
    norm = normalise(key)
    if norm in SECRET_EVIDENCE_KEYS:
        return norm
    suffix = next((s for s in SECRET_KEY_SUFFIXES if norm.endswith(s)), None)
    return f"*{suffix}" if suffix else "(other)"


def printable_name(name: str) -> str:
    """A name from a protocol element, fit for the list: printable, at most :data:`MAX_NAME` characters."""
    name = "".join(c if c.isprintable() else "?" for c in name.strip())
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
    return name or "(empty)"
