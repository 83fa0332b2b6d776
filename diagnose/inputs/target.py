"""Web addresses at the door: the address to diagnose, and the URLs a profile names.

Read as a browser's address bar reads them (WHATWG, through ada): a
scheme-less ``app.atera.com/users/login`` gets ``https://``; anything a
browser could not open over http or https is one clear line, exit code 2.
"""

from __future__ import annotations

import re

from diagnose.inputs.limits import MAX_URL_CHARS
from diagnose.inputs.text import shown
from diagnose.model import Target
from diagnose.redact import redact_text, redact_url
from diagnose.settings import UsageError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HOST_PORT = re.compile(r"^[^/?#@:]+:\d+(?:[/?#]|$)")


def web_url(text: str, context: str) -> str:
    """An absolute http(s) URL with a host, as ada normalises it; else :class:`UsageError`."""
    import ada_url

    if len(text) > MAX_URL_CHARS:
        raise UsageError(f"{context}: longer than {MAX_URL_CHARS:,} characters")
    try:
        url = ada_url.URL(text)
    except ValueError:
        raise UsageError(f"{context}: {short(text)!r} is not a web address") from None
    if url.protocol not in ("http:", "https:") or not url.hostname:
        raise UsageError(f"{context}: {short(text)!r} is not an http or https address with a host")
    return str(url.href)


def sign_in_target(text: str | None, default_url: str) -> Target:
    """Turn what the person typed into the address the checks will visit.

    Scheme-less input gets ``https://`` (as a browser's address bar does);
    anything that is not an http(s) address a browser could open is a
    :class:`UsageError`. The ``url`` check judges the original text separately.
    """
    import ada_url

    raw = (text if text is not None else "").strip()
    if not raw:
        raw = default_url
    if len(raw) > MAX_URL_CHARS:
        raise UsageError(f"the address is longer than {MAX_URL_CHARS} characters; that is not a sign-in address")
    candidate = raw
    if not _SCHEME.match(raw) or _HOST_PORT.match(raw):
        if "@" in raw and "/" not in raw.split("@", 1)[0] and " " not in raw:
            raise UsageError(f"{short(raw)!r} looks like an email address, not a web address")
        candidate = "https://" + raw
    try:
        url = ada_url.URL(candidate)
    except ValueError:
        raise UsageError(f"{short(raw)!r} is not a web address that a browser could open") from None
    if url.protocol not in ("http:", "https:"):
        raise UsageError(f"{short(raw)!r} is not an http or https address")
    if not url.hostname:
        raise UsageError(f"{short(raw)!r} has no host name")
    # Checks visit the address without its user info: login-doctor never sends
    # credentials (an HTTP client would turn "user:pass@" into Basic auth). The
    # url check still judges ``input``, user info included.
    url.username = ""
    url.password = ""
    return Target(input=raw, url=url.href, host=url.hostname.strip("[]"))


def short(text: str) -> str:
    """What the person typed, fit for a one-line error: printable, short, and without secrets."""
    text = redact_url(text) if _SCHEME.match(text) or "@" in text else redact_text(text)
    return shown(text, 80)
