"""Which recorded requests were top-level navigations, and how they chain through redirects.

A HAR lists every request; the sign-in flow is the subset the browser's tab
went through: documents loaded in the main frame, each redirect a separate
entry whose ``Location`` names the next one. How a top-level document is told
apart, most reliable first:

1. the ``Sec-Fetch-Dest`` request header (Chrome 80+, Firefox 90+, Safari
   16.4+): ``document`` is the main frame, ``iframe``/``frame`` a frame;
2. Chrome's ``_resourceType`` ``document``, unless the HTML parser of another
   page started it (``_initiator.type`` ``parser``: an ``<iframe>``);
3. otherwise (older Firefox and Safari exports): the URL is a page's title
   (both browsers write the page URL there), or the entry redirects to one.

[verify in phase 2 against real Chromium and Firefox recordings]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from diagnose.har.model import HarEntry, Recording

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHAIN_GAP_SECONDS = 30.0
"""A navigation more than this after the previous redirect is a new navigation, not its target."""


@dataclass
class Chain:
    """One navigation: the first request and every redirect after it."""

    hops: list[HarEntry] = field(default_factory=list)

    @property
    def redirects(self) -> int:
        return sum(1 for h in self.hops if h.status in REDIRECT_STATUSES)

    @property
    def last(self) -> HarEntry:
        return self.hops[-1]


@functools.lru_cache(maxsize=65_536)
def host_of(url: str) -> str:
    """The host of ``url``, lower case, without brackets and trailing dot ("" when it does not parse).
    Cached: every analyser asks for the hosts of the same entries."""
    import ada_url

    try:
        return str(ada_url.URL(url).hostname).strip("[]").lower().rstrip(".")
    except ValueError:
        return ""


@functools.lru_cache(maxsize=65_536)
def parts_of(url: str) -> tuple[str, str, str]:
    """(scheme, host, path) of ``url``; empty strings when it does not parse."""
    import ada_url

    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return "", "", ""
    return parsed.protocol.rstrip(":"), str(parsed.hostname).strip("[]").lower().rstrip("."), parsed.pathname or "/"


def resolve(location: str, base: str) -> str | None:
    """The absolute URL a ``Location`` leads to, or None when a browser could not follow it."""
    import ada_url

    if not location.strip():
        return None
    try:
        target = ada_url.URL(location.strip(), base)
    except ValueError:
        return None
    if target.protocol not in ("http:", "https:"):
        return None
    return str(target.href)


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def is_navigation(entry: HarEntry, page_urls: frozenset[str]) -> bool:
    if entry.fetch_dest:
        return entry.fetch_dest == "document"
    if entry.resource_type:
        return entry.resource_type == "document" and entry.initiator_type != "parser"
    return without_fragment(entry.url) in page_urls


def navigations(recording: Recording) -> list[HarEntry]:
    """The top-level navigation requests, in the order the browser made them."""
    page_urls = frozenset(without_fragment(p.title) for p in recording.pages if "://" in p.title)
    ordered = sorted(recording.entries, key=lambda e: (e.started if e.started is not None else 0.0, e.index))
    found = [e for e in ordered if is_navigation(e, page_urls)]
    if not any(e.fetch_dest or e.resource_type for e in ordered):
        # No header or type tells navigations apart: follow redirects from the pages found.
        targets = {without_fragment(e.url) for e in found}
        extra = [
            e for e in ordered
            if e not in found and e.status in REDIRECT_STATUSES and e.location is not None
            and (resolve(e.location, e.url) or "") in targets
        ]
        found = sorted([*found, *extra], key=lambda e: (e.started or 0.0, e.index))
    return found


def chains(entries: Sequence[HarEntry]) -> list[Chain]:
    """Group navigations into redirect chains: a hop joins the chain whose last redirect points to it."""
    out: list[Chain] = []
    for entry in entries:
        current = out[-1] if out else None
        if current is not None and _continues(current.last, entry):
            current.hops.append(entry)
        else:
            out.append(Chain([entry]))
    return out


def _continues(previous: HarEntry, entry: HarEntry) -> bool:
    if previous.status not in REDIRECT_STATUSES or previous.location is None:
        return False
    target = resolve(previous.location, previous.url)
    if target is None or without_fragment(target) != without_fragment(entry.url):
        return False
    if previous.started is not None and entry.started is not None:
        return entry.started - previous.started <= CHAIN_GAP_SECONDS
    return True
