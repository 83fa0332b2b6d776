"""Where an address sends the person next: redirect parameters, shorteners, redirectors.

Three shapes hide the real destination behind a harmless-looking first host:

* **redirect parameters** on the vendor's own page (``?returnUrl=https://evil.net``):
  the sign-in page is real, but after signing in the person may be sent
  elsewhere (an open redirect), so the address is *official but off*;
* **URL shorteners** (``bit.ly/…``): the destination cannot be known offline;
* **known redirectors** (Google's ``/url?q=``, Outlook Safe Links, Proofpoint
  URL Defense, Facebook's ``l.php``): the destination is in the address
  itself, so it is decoded and judged in its own right.

Parameter names come from PayloadsAllTheThings' "Open Redirect" list plus the
identity-protocol names (``ReturnUrl``, ``RelayState``, ``wreply``,
``service``). The shortener list is a hand-picked subset of the most used
services in PeterDaveHello/url-shorteners (commit 69dd70b, CC-BY-SA-4.0, names
only); a profile may add more in ``[url] shorteners``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

REDIRECT_PARAMS = frozenset(
    name.lower()
    for name in (
        "next", "url", "target", "rurl", "dest", "destination", "redir", "redirect", "redirect_uri",
        "redirect_url", "redirectUrl", "redirectUri", "redirect_to", "redirectTo", "return", "returnTo",
        "return_to", "returnUrl", "return_url", "returnUri", "return_path", "continue", "continue_url",
        "next_url", "nextUrl", "target_url", "targetUrl", "forward", "forward_url", "callback",
        "callback_url", "callbackUrl", "exit_url", "from_url", "to_url", "to", "go", "goto", "out",
        "view", "image_url", "checkout_url", "back", "backurl", "back_url", "success_url",
        "RelayState", "service", "wreply", "wctx", "login_redirect", "after_login",
    )
)
"""Query parameters that commonly carry the next address (compared case-insensitively)."""

SHORTENERS = frozenset(
    (
        "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
        "cutt.ly", "t.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "lnkd.in", "aka.ms", "1drv.ms",
        "forms.gle", "qrco.de", "bl.ink", "v.gd", "urlz.fr", "tiny.one", "shorturl.com", "short.io",
        "bit.do", "mcaf.ee", "soo.gd", "clck.ru", "x.co", "trib.al", "dlvr.it", "ift.tt", "adf.ly",
        "shorte.st", "rebrandly.com", "tr.im", "y2u.be", "youtu.be", "amzn.to", "fb.me", "wp.me",
        "lnk.to", "linktr.ee", "tinyurl.de", "kurzelinks.de", "urlr.me", "n9.cl", "gg.gg",
    )
)
"""Link-shortening services: the destination is hidden until the link is opened."""


@dataclass(frozen=True, slots=True)
class Redirector:
    """A service that forwards to an address carried in its own URL."""

    name: str
    target: str
    """The decoded destination, as written (judged separately)."""


_MAYBE_REDIRECT = re.compile(
    r"(?:^|[?&;])(?:" + "|".join(sorted(map(re.escape, REDIRECT_PARAMS), key=len, reverse=True)) + r")=",
    re.IGNORECASE,
)
"""A cheap pre-check: does the text hold any redirect-like ``name=`` at all?"""


def redirect_values(search: str, fragment: str) -> Iterator[tuple[str, str]]:
    """``(parameter, value)`` for every redirect-like parameter in the query, and in a
    fragment that carries a query (single-page apps route ``#/login?next=…``)."""
    import ada_url

    sources = [search.removeprefix("?")]
    if "?" in fragment:
        sources.append(fragment.split("?", 1)[1])
    for source in sources:
        if not source or not _MAYBE_REDIRECT.search(source):
            continue
        params: Mapping[str, list[str]] = ada_url.parse_search_params(source)
        for name, values in params.items():
            if name.lower() in REDIRECT_PARAMS:
                for value in values:
                    if value:
                        yield name, value


def decode_layers(value: str, rounds: int = 2) -> list[str]:
    """``value`` and up to ``rounds`` percent-decoded forms (``%252F`` → ``%2F`` → ``/``)."""
    forms = [value]
    for _ in range(rounds):
        decoded = _percent_decode(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")


def _percent_decode(text: str) -> str:
    """WHATWG percent-decoding: UTF-8 encode, decode ``%XX`` bytes, UTF-8 decode (lossy)."""
    if "%" not in text:
        return text
    data = text.encode("utf-8", "surrogatepass")
    return _PERCENT.sub(lambda m: bytes([int(m.group(1), 16)]), data).decode("utf-8", "replace")


def known_redirector(registrable: str, host: str, pathname: str, search: str) -> Redirector | None:
    """The destination carried by a known redirector address, or None.

    ``registrable`` is the host's registrable domain (PSL), so ``google.de`` and
    ``www.google.com`` are both Google.
    """
    label = registrable.split(".", 1)[0]
    if label == "google" and pathname in ("/url", "/url/", "/amp/s/"):
        return _from_params("Google redirect", search, ("q", "url"))
    if host.endswith(".safelinks.protection.outlook.com") or host == "safelinks.protection.outlook.com":
        return _from_params("Microsoft Outlook Safe Links", search, ("url",))
    if registrable in ("facebook.com", "messenger.com") and pathname in ("/l.php", "/l/"):
        return _from_params("Facebook link redirect", search, ("u",))
    if registrable == "youtube.com" and pathname == "/redirect":
        return _from_params("YouTube redirect", search, ("q",))
    if registrable == "slack-redir.net":
        return _from_params("Slack redirect", search, ("url",))
    if registrable == "linkedin.com" and pathname.startswith("/redir"):
        return _from_params("LinkedIn redirect", search, ("url",))
    if registrable in ("urldefense.com", "urldefense.proofpoint.com"):
        return _proofpoint(pathname, search)
    return None


def _from_params(name: str, search: str, keys: tuple[str, ...]) -> Redirector | None:
    import ada_url

    params: Mapping[str, list[str]] = ada_url.parse_search_params(search.removeprefix("?"))
    for key in keys:
        for value in params.get(key, []):
            if value.strip():
                return Redirector(name, value.strip())
    return None


_PROOFPOINT_V3 = re.compile(r"^/v3/__(?P<url>.+?)__;")


def _proofpoint(pathname: str, search: str) -> Redirector | None:
    """Proofpoint URL Defense: v3 keeps the URL between ``__`` markers; v2 encodes
    it in ``u`` with ``-`` for ``%`` and ``_`` for ``/``."""
    match = _PROOFPOINT_V3.match(pathname)
    if match:
        return Redirector("Proofpoint URL Defense", match.group("url"))
    found = _from_params("Proofpoint URL Defense", search, ("u",))
    if found is not None and pathname.startswith("/v2/"):
        decoded = _percent_decode(found.target.replace("-", "%").replace("_", "/"))
        return Redirector(found.name, decoded)
    return found
