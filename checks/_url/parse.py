"""Read an address the way a browser will: input hygiene, address-bar fixup, WHATWG parse.

Spoofed addresses work because people and programs disagree with the browser
about where a URL goes: ``https://evil.net\\@atera.com/`` opens *evil.net* in
every browser, while Python's ``urllib`` reports ``atera.com``. So the only
parser used is the WHATWG URL Standard's (``ada_url``), the one browsers
implement, and the judgement is always about the host it returns.

Before parsing, the text gets what the URL Standard and an address bar give it:
leading and trailing C0 controls and spaces trimmed (``"\\x00\\x1b http://x/ \\r"``
is ``http://x/``); control characters inside are kept for the parser, which
percent-encodes them (and refuses them in a host), and reported as obfuscation;
``https://`` added to a scheme-less address
(``app.atera.com/users/login``, ``app.atera.com:443/x``), which is recorded,
because the person did not type it; never to an email address or free text,
which a browser would search for instead of opening.

After parsing, the raw text is compared with what the browser made of it to
find *obfuscation*: characters the parser silently removed or rewrote (tabs,
backslashes, percent-encoded or fullwidth host characters, numeric IPv4
forms, missing slashes). Harmless for the browser, they are how a deceptive
link hides where it goes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

MAX_INPUT = 8192
"""Longest text judged, in characters; longer is not a sign-in address (and stays cheap)."""

HOST_DOMAIN, HOST_IPV4, HOST_IPV6 = 0, 1, 2
"""``ada_url`` host types."""

WEB_SCHEMES = ("http", "https")

_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks: the parser encodes them, a person never types them."""
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_PORT = re.compile(r"^[^/\\?#@:\s]+:\d+(?:[/\\?#]|$)")
_PATH_START = re.compile(r"[/\\?#]")
_QUERY_START = re.compile(r"[?#]")
_TWO_SLASHES = re.compile(r"^//[^/\\]")
_EMAIL = re.compile(r"^[^\s/\\@:?#]+@[^\s/\\@:?#]+\.[^\s/\\@:?#]+$")
_ATTRIBUTES = {
    (query, fragment, at): (
        "href", "protocol", "hostname", "host_type", "port", "pathname",
        *(("search",) if query else ()), *(("hash",) if fragment else ()), *(("username", "password") if at else ()),
    )
    for query in (False, True)
    for fragment in (False, True)
    for at in (False, True)
}
"""The components to read from ada, by which of ``? # @`` the text has (each read costs)."""
_KNOWN_SCHEMES = frozenset(
    {
        "http", "https", "ftp", "ws", "wss", "file", "javascript", "data", "blob", "about", "mailto",
        "tel", "sms", "view-source", "chrome", "edge", "intent", "vbscript", "filesystem", "ms-outlook",
    }
)


class Rejection(NamedTuple):
    """Text that is not an address a browser would open.

    ``reason`` is stable (``empty``, ``too_long``, ``not_text``, ``email``,
    ``free_text``, ``unparsable``); ``why``
    is a plain sentence fragment.
    """

    reason: str
    why: str


class Address(NamedTuple):
    """What the browser makes of the text (WHATWG components) plus how it got there.

    Immutable, and a tuple rather than a frozen dataclass because batch judging
    builds one per address and a frozen dataclass takes six times as long."""

    text: str
    """The judged text: the input with outer spaces and control characters trimmed."""
    fixup: str | None
    """``None``, or what the address bar would have added (``"https://"``, ``"https:"``)."""
    href: str
    scheme: str
    username: str
    has_password: bool
    hostname: str
    host_type: int
    port: str
    pathname: str
    search: str
    fragment: str
    obfuscation: tuple[str, ...]
    """Kinds of rewriting the parser did (``backslash``, ``percent_encoded_host``, …)."""
    raw_host: str
    """The host as written (before the parser's rewriting); for explanations."""

    @property
    def is_web(self) -> bool:
        """http or https: the only schemes that can be a sign-in address."""
        return self.scheme in WEB_SCHEMES

    @property
    def has_userinfo(self) -> bool:
        return bool(self.username) or self.has_password


def parse(text: str) -> Address | Rejection:
    """Read ``text`` as a browser's address bar and WHATWG parser would."""
    if len(text) > MAX_INPUT:
        return Rejection("too_long", f"it is {len(text):,} characters long; a sign-in address is much shorter")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Rejection("not_text", "it contains bytes that are not text (invalid Unicode)")
    trimmed = text.strip(_C0_AND_SPACE)
    if not trimmed:
        return Rejection("empty", "it is empty")
    cleaned = trimmed.replace("\t", "").replace("\n", "").replace("\r", "") if _has_tab_newline(trimmed) else trimmed
    candidate, fixup = _with_scheme(cleaned)
    if isinstance(candidate, Rejection):
        return candidate
    import ada_url

    wanted = _ATTRIBUTES["?" in candidate, "#" in candidate, "@" in candidate]
    try:
        url = ada_url.parse_url(candidate, attributes=wanted)
    except ValueError:
        return Rejection("unparsable", _why_unparsable(candidate))
    scheme = url["protocol"][:-1]
    if fixup == "https://" and int(url["host_type"]) == HOST_DOMAIN and not _searchable_host_is_address(url["hostname"]):
        return Rejection("free_text", "its site name has characters no site name has (a browser would search for it)")
    rest = candidate[len(scheme) + 1 :]
    raw_host = _raw_host(rest) if scheme in WEB_SCHEMES else ""
    hostname = url["hostname"]
    host_type = int(url["host_type"])
    kinds: tuple[str, ...] = ()
    if scheme in WEB_SCHEMES:
        kinds = _obfuscation(trimmed, cleaned, rest, raw_host, hostname, host_type, fixup is None)
    return Address(
        trimmed, fixup, url["href"], scheme, url.get("username", ""), bool(url.get("password")), hostname,
        host_type, url["port"], url["pathname"], url.get("search", ""), url.get("hash", ""), kinds, raw_host,
    )


_COMPLIANT_LABEL = re.compile(r"[a-z0-9_-][a-z0-9_-]*")


def _searchable_host_is_address(hostname: str) -> bool:
    """Whether the address bar opens typed text whose host is ``hostname`` (no scheme was typed).

    Chromium's omnibox (``AutocompleteInput::Parse``) searches for text whose
    host is not "compliant" (``net::IsCanonicalizedHostCompliant``: every label
    made of ``a-z 0-9 - _``, the last one starting with a letter or digit)
    unless the host ends in a known top-level domain: ``ht!tp://[bad`` is a
    search, ``ex!ample.com`` is still tried as an address.
    """
    labels = hostname.rstrip(".").split(".")
    if all(_COMPLIANT_LABEL.fullmatch(label) for label in labels) and labels[-1][:1].isalnum():
        return True
    from checks._url import hosts

    return hosts.suffix_is_known_tld(hostname)


def resolve(text: str, base: str | None = None) -> str | None:
    """The address ``text`` leads to from the page ``base``, as a browser resolves a link or
    a redirect parameter's value (the URL Standard's parser, with ``base``); None when it is
    not a URL. No fixup and no trimming beyond the standard's own."""
    target = resolve_url(text, base)
    return str(target.href) if target is not None else None


def resolve_url(text: str, base: str | None = None) -> Any:
    """:func:`resolve`, giving the parsed ``ada_url.URL`` (its parts are read without parsing again)."""
    import ada_url

    try:
        return ada_url.URL(text, base) if base is not None else ada_url.URL(text)
    except ValueError:
        return None


def _has_tab_newline(text: str) -> bool:
    return "\t" in text or "\n" in text or "\r" in text


def _with_scheme(cleaned: str) -> tuple[str | Rejection, str | None]:
    """The text to parse and the fixup applied, or the reason it is not an address."""
    match = _SCHEME.match(cleaned)
    if match:
        scheme = match.group(1).lower()
        looks_like_host = scheme not in _KNOWN_SCHEMES and ("." in scheme or _HOST_PORT.match(cleaned))
        if not looks_like_host:
            return cleaned, None
    if cleaned.startswith(("//", "\\\\")):
        return "https:" + cleaned, "https:"
    if _EMAIL.match(cleaned):
        return Rejection("email", "it is an email address, not a web address"), None
    if any(c.isspace() for c in cleaned):
        return Rejection("free_text", "it is text with spaces, not a web address (a browser would search for it)"), None
    head = _PATH_START.split(cleaned, maxsplit=1)[0]
    host_part = head.rsplit("@", 1)[-1]
    bare = host_part.split(":", 1)[0] if not host_part.startswith("[") else host_part
    if "." not in bare and not bare.startswith("[") and bare.lower() != "localhost" and ":" not in host_part:
        return Rejection("free_text", "it is a single word, not a web address (a browser would search for it)"), None
    return "https://" + cleaned, "https://"


def _raw_host(rest: str) -> str:
    """The host as written after ``scheme:`` (special-scheme rules: ``\\`` is ``/``)."""
    authority = _PATH_START.split(rest.lstrip("/\\"), maxsplit=1)[0]
    hostport = authority.rsplit("@", 1)[-1]
    if hostport.startswith("["):
        return hostport.split("]", 1)[0] + "]"
    return hostport.split(":", 1)[0]


def _obfuscation(
    trimmed: str, cleaned: str, rest: str, raw_host: str, hostname: str, host_type: int, explicit: bool
) -> tuple[str, ...]:
    kinds: list[str] = []
    if _has_tab_newline(trimmed):
        kinds.append("tab_or_newline")
    if _CONTROL.search(trimmed):
        kinds.append("control_characters")
    before_query = _QUERY_START.split(cleaned, maxsplit=1)[0]
    if "\\" in before_query:
        kinds.append("backslash")
    if explicit and not _TWO_SLASHES.match(rest):
        kinds.append("slashes")
    if "%" in raw_host:
        kinds.append("percent_encoded_host")
    if not raw_host.isascii():
        import ada_url

        shown = (ada_url.idna_to_unicode(hostname) if host_type == HOST_DOMAIN else hostname).rstrip(".").split(".")
        written = unicodedata.normalize("NFC", raw_host.lower()).rstrip(".").split(".")
        # Label by label: a written label the browser shows differently was rewritten
        # (fullwidth, ideographic dots, invisible characters); an xn-- label is fine.
        if len(written) != len(shown) or any(w != s for w, s in zip(written, shown, strict=True)
                                             if not w.isascii()):
            kinds.append("unicode_host_mapped")
    if host_type == HOST_IPV4 and raw_host.lower().rstrip(".") != hostname:
        kinds.append("numeric_ipv4")
    return tuple(kinds)


def _why_unparsable(candidate: str) -> str:
    """A plain reason for a WHATWG parse failure, from the most common causes."""
    rest = candidate.split(":", 1)[1] if ":" in candidate else candidate
    authority = re.split(r"[/\\?#]", rest.lstrip("/\\"), maxsplit=1)[0]
    hostport = authority.rsplit("@", 1)[-1]
    host, _, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
    if not hostport:
        return "it has no host name"
    if port and port.isascii() and port.isdigit() and (len(port.lstrip("0")) > 5 or int(port) > 65535):
        shown = port if len(port) <= 12 else f"{port[:6]}…({len(port):,} digits)"  # int() refuses 4,300+ digits
        return f"the port number {shown} is out of range (the highest is 65535)"
    if port and not (port.isascii() and port.isdigit()) and host and not host.startswith("["):
        return "the port after the colon is not a number"
    host = host or hostport
    if re.search(r"%(?:2[fF]|00|09|0[aA]|0[dD]|20|23|3[aA]|3[cCeEfF]|40|5[bBcCdDeE]|7[cC]|25)", host):
        return "the host name hides a character that is not allowed (percent-encoded)"
    if re.search(r"\.\d+\.?$|^\d+$|\.0[xX][0-9a-fA-F]*\.?$", host):
        return "the host name ends in a number but is not a valid IP address"
    return "the host name contains characters that are not allowed in a web address"
