"""The patterns free text is searched with: where a secret hides in a message, a log line or a body."""

from __future__ import annotations

import re
from urllib.parse import quote

REDACTED = "[redacted]"
"""What a removed value reads as, everywhere."""

JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,})\.[A-Za-z0-9_-]{8,}")

AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic|negotiate|ntlm|digest|token)(\s+)([A-Za-z0-9._~+/=-]{4,})")
"""A credential after an auth scheme word; a plain word (``Basic authentication``) is kept."""

PLAIN_WORD = re.compile(r"^[A-Z]?[a-z]+$")

HEADER_LINE = re.compile(
    r"(?im)(?<![\w-])((?:proxy-)?authorization|set-cookie|cookie|x-api-key|x-auth-token|"
    r"x-csrf-token|x-xsrf-token|x-amz-security-token)([ \t]*:[ \t]*)([^\r\n]*)"
)
"""``Authorization: …`` as it appears in logs, traces and raw responses (up to the end of the line)."""

QUOTED_PAIR = re.compile(
    r"""(["'])([A-Za-z0-9_.\-]{1,64})\1(\s*[:=,]\s*)(["'])((?:(?!\4)[^\\\r\n]|\\.)*)\4"""
)
"""``"access_token": "…"`` (JSON), ``'Cookie': '…'`` (a Python dict in an exception) and
``('Set-Cookie', '…')`` (a header pair in a list)."""

COLON_PAIR = re.compile(r"(?<![\w=-])([A-Za-z][A-Za-z0-9_-]{0,63})([ \t]*:[ \t]*)([^\s,;\"'<>]+)")
"""``password: hunter2`` (YAML, logs); redacted only when the name says secret (token, password …).
A word right after ``=`` is part of a value, not a name."""

USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s?#<>\"']*)@")
"""``scheme://user:pass@`` in text; greedy, so a password holding ``@`` goes too."""

BARE_USERINFO = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._~%-]{1,64}):([^@\s/?#<>\"']{1,256})@(?=[A-Za-z0-9\[])"
)
"""``user:pass@host`` without a scheme (how proxy settings are often written)."""

PAIR_IN_TEXT = re.compile(
    r"(?:(?<=%26)|(?<=%3[Ff])|(?<=%23)|(?<![\w.%\[\]-]))"
    r"([A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63})(=|%3[Dd])"
    r"((?:(?!%26|%23|%3[Bb])[^&#;\s\"'<>])+)"
)
"""``name=value`` in text, also percent-encoded (``%3Fcode%3D…%26``)."""

REDACTED_FORMS = frozenset({REDACTED, quote(REDACTED), quote(REDACTED, safe=""), f"{REDACTED}@"})
"""A value that is already redacted, as written in text, in a URL, and percent-encoded."""

URL_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S*$")
"""A string that is a whole absolute URL (redacted as a URL, not as free text)."""

HEADER_PAIR_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")

SERVER_BYTES_START = re.compile(r"""bytearray\(b(["'])|(?<=[\s(:=,\[])b(["'])""")
"""Where raw bytes begin as Python writes them into an exception message (``bytearray(b'HTTP/1.1 5OO …')``,
``b'…'`` after a blank, a bracket or ``:``/``=``/``,``)."""
