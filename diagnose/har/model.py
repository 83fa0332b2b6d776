"""The typed, lean view of a recording that the analysis works on.

A HAR entry as exported is a large tree (headers, timings, bodies, call
stacks). The analysis needs a few facts of each: when it started, what was
asked, what came back or why nothing did, the cookies that went and came, the
``Date`` of the answer, and what kind of request it was. :class:`HarEntry`
holds exactly those, with every text cut to
:data:`~diagnose.har.limits.MAX_STRING_CHARS` (sizes are measured before the
cut), so 100,000 entries stay a few tens of megabytes.

These objects are **raw**: URLs, ``Set-Cookie`` lines and the ``Cookie``
header carry secrets exactly as recorded. They live in memory only; whatever
becomes evidence goes through the report's redaction first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Browser(StrEnum):
    """The browser family that made the recording, from ``creator``/``browser`` and the extensions used."""

    CHROMIUM = "chromium"
    """Chrome, Edge, Brave, Opera, Chromium: DevTools' ``WebInspector`` creator."""
    FIREFOX = "firefox"
    SAFARI = "safari"
    OTHER = "other"


@dataclass(slots=True)
class HarEntry:
    """One recorded request and what came of it (raw; see the module docstring)."""

    index: int
    """Position in ``log.entries`` (0-based; reports show it as is, the HAR's own numbering)."""
    started: float | None
    """``startedDateTime`` as seconds since the epoch (the browser's own clock), None when unreadable."""
    time_ms: float | None
    method: str
    url: str
    status: int
    """0 when the browser got no answer."""
    status_text: str = ""
    http_version: str = ""
    error: str = ""
    """The browser's error text (Chrome ``_error``, Safari's failure reason), empty when none."""
    resource_type: str = ""
    """Chrome ``_resourceType`` (``document``, ``script``, ``xhr`` …), lower case; empty when absent."""
    fetch_dest: str = ""
    """The ``Sec-Fetch-Dest`` request header (``document``, ``iframe``, ``script`` …), lower case."""
    initiator_type: str = ""
    initiator_url: str = ""
    pageref: str = ""
    from_cache: str = ""
    """``memory``/``disk`` (Chrome ``_fromCache``), ``Memory Cache``/``Disk Cache`` (Safari), or ``304``."""
    security_state: str = ""
    """Firefox ``_securityState`` (``secure``, ``insecure``, ``broken``, ``weak``)."""
    server_ip: str = ""
    location: str | None = None
    """The ``Location`` header, else a non-empty ``redirectURL``; None when neither."""
    date: str | None = None
    """The response ``Date`` header."""
    age: str | None = None
    content_type: str = ""
    set_cookies: list[str] = field(default_factory=list)
    """Every ``Set-Cookie`` line of the response (raw values: memory only)."""
    cookie_header: str | None = None
    """The request's ``Cookie`` header (raw: memory only), None when the request had none."""
    cookie_header_bytes: int = 0
    request_cookie_names: tuple[str, ...] = ()
    request_head_bytes: int = 0
    """Request line plus headers, as recorded (``headersSize``, or estimated from the headers)."""
    body_says_too_large: bool = False
    has_password_field: bool = False
    """The request posted a form field named like a password (a sign-in attempt)."""
    server: str = ""

    @property
    def is_network(self) -> bool:
        """A request that went (or would have gone) over the network: ``http``/``https``/``ws``/``wss``.
        Chrome also records ``data:`` URLs (its own error pages' images among them) and ``blob:`` ones."""
        return self.url[:6].lower().startswith(("http:", "https:", "ws:", "wss:"))


@dataclass(frozen=True, slots=True)
class HarPage:
    id: str
    title: str
    started: float | None


@dataclass(frozen=True, slots=True)
class Recording:
    """Everything the analysis knows of one HAR file."""

    file_name: str
    version: str
    creator_name: str
    creator_version: str
    browser_name: str
    browser_version: str
    browser: Browser
    entries: tuple[HarEntry, ...]
    pages: tuple[HarPage, ...]
    entries_total: int
    """Entries in the file, including those not analysed."""
    entries_skipped: tuple[int, ...] = ()
    """Indexes of entries too large to read (over ``MAX_ENTRY_CHARS``)."""
    entries_unreadable: tuple[tuple[int, str], ...] = ()
    """(index, why) of entries whose shape the analysis could not use."""
    cookies_stripped: bool = False
    """No entry has a ``Cookie`` or ``Set-Cookie`` header nor a cookie list: a sanitized
    export (Chrome's "Export HAR (sanitized)") or a browser that left them out."""
    auth_stripped: bool = False
    entries_limit: int = 0
    """How many entries the reader was allowed to analyse (``max_entries``)."""

    @property
    def entries_analysed(self) -> int:
        return len(self.entries)

    @property
    def started(self) -> float | None:
        times = [e.started for e in self.entries if e.started is not None]
        return min(times) if times else None

    @property
    def ended(self) -> float | None:
        ends = [e.started + max(e.time_ms or 0.0, 0.0) / 1000 for e in self.entries if e.started is not None]
        return max(ends) if ends else None
