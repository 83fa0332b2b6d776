"""How a walked flow ends in each browser: the page it shows, or the error it stops with.

The walk (:mod:`checks._redirects.flow`) goes on where a browser would give up,
so that the report can say how far the flow goes and why; this module replays
the walk as each browser would. Chromium's outcome is the one the differential
tests compare with real Chromium (``tests/differential/test_flow.py``): the
page (its status and address) or the ``net::ERR_*`` that ``Page.navigate``
reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks._redirects.flow import REDIRECT_LIMITS, End, Flow, Hop, HopKind
from checks._redirects.location import CHROMIUM_ERRORS, REDIRECT_STATUSES
from diagnose.net import FailureKind

NET_ERRORS: dict[FailureKind, str] = {
    FailureKind.TIMEOUT: "ERR_TIMED_OUT",
    FailureKind.REFUSED: "ERR_CONNECTION_REFUSED",
    FailureKind.UNREACHABLE: "ERR_ADDRESS_UNREACHABLE",
    FailureKind.RESET: "ERR_CONNECTION_RESET",
    FailureKind.EOF: "ERR_EMPTY_RESPONSE",
    FailureKind.UNRESOLVED: "ERR_NAME_NOT_RESOLVED",
    FailureKind.NXDOMAIN: "ERR_NAME_NOT_RESOLVED",
    FailureKind.SERVFAIL: "ERR_NAME_NOT_RESOLVED",
    FailureKind.DNS_REFUSED: "ERR_NAME_NOT_RESOLVED",
    FailureKind.NO_ANSWER: "ERR_NAME_NOT_RESOLVED",
    FailureKind.CERTIFICATE: "ERR_CERT_AUTHORITY_INVALID",
    FailureKind.PROTOCOL_VERSION: "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
    FailureKind.HANDSHAKE_FAILURE: "ERR_SSL_PROTOCOL_ERROR",
    FailureKind.NOT_TLS: "ERR_SSL_PROTOCOL_ERROR",
    FailureKind.TOO_LARGE: "ERR_RESPONSE_HEADERS_TOO_BIG",
    FailureKind.PROXY: "ERR_PROXY_CONNECTION_FAILED",
    FailureKind.PROXY_AUTH: "ERR_PROXY_AUTH_UNSUPPORTED",
    FailureKind.PROTOCOL: "ERR_INVALID_HTTP_RESPONSE",
    FailureKind.INVALID_URL: "ERR_INVALID_URL",
}
"""Chromium's net error for a request that got no answer, by failure kind (``ERR_FAILED``
for a kind not listed). A certificate failure's exact ``ERR_CERT_*`` depends on the
certificate; the certificate check names it."""

TOO_MANY = "ERR_TOO_MANY_REDIRECTS"
EMPTY_ERROR_PAGE = "ERR_HTTP_RESPONSE_CODE_FAILURE"
"""An error status (4xx, 5xx) with an empty body: Chromium shows its own "This page isn't working
(HTTP ERROR 431)" page and reports this net error (measured: redirects-header-too-large-431)."""
REFRESH_LOOP = "REFRESH_LOOP"
"""Not a net error: a cycle through a meta refresh, which a browser follows for ever."""


@dataclass(frozen=True, slots=True)
class BrowserOutcome:
    """Where one browser ends up: a page (``status``, ``url``) or an ``error``."""

    error: str | None
    status: int | None
    url: str | None
    redirects: int
    """Redirects followed in the last navigation before the end."""
    step: int | None
    """The step (1-based) the browser ends at."""

    @property
    def shows_page(self) -> bool:
        return self.error is None and self.status is not None


def chromium_outcome(flow: Flow) -> BrowserOutcome | None:
    """How Chrome (and Edge) end this flow; None when the walk could not tell (out of time)."""
    return browser_outcome(flow, REDIRECT_LIMITS["chrome"])


def browser_outcome(flow: Flow, limit: int) -> BrowserOutcome | None:
    """The end of ``flow`` for a browser that follows ``limit`` redirects per navigation
    and reads ``Location`` as Chromium does."""
    for hop in flow.hops:
        ended = _ends_at(hop, limit)
        if ended is not None:
            return ended
    last = flow.last
    if last is None or flow.end is End.TIME_LIMIT:
        return None
    if flow.end is End.FINAL and last.status is not None:
        if last.status >= 400 and last.body_bytes == 0:
            return BrowserOutcome(EMPTY_ERROR_PAGE, None, None, last.redirects_before, last.index + 1)
        return BrowserOutcome(None, last.status, last.url, last.redirects_before, last.index + 1)
    # A loop or the walk's own cap: the browser keeps counting, or refreshes for ever.
    cycle = flow.cycle() or flow.hops[-10:]
    if any(h.kind is HopKind.META_REFRESH for h in cycle):
        return BrowserOutcome(REFRESH_LOOP, None, None, last.redirects_before, last.index + 1)
    return BrowserOutcome(TOO_MANY, None, None, limit, None)


def _ends_at(hop: Hop, limit: int) -> BrowserOutcome | None:
    """The outcome when the browser stops at ``hop``, else None."""
    if hop.failure is not None or hop.error_kind is not None:
        error = NET_ERRORS.get(hop.failure, "ERR_FAILED") if hop.failure is not None else "ERR_FAILED"
        return BrowserOutcome(error, None, None, hop.redirects_before, hop.index + 1)
    if hop.location_problem is not None:
        location_error = CHROMIUM_ERRORS[hop.location_problem]
        if location_error is None:  # a 3xx without a usable Location: its own page is shown
            return BrowserOutcome(None, hop.status, hop.url, hop.redirects_before, hop.index + 1)
        return BrowserOutcome(location_error, None, None, hop.redirects_before, hop.index + 1)
    if hop.next_url is not None and hop.status in REDIRECT_STATUSES and hop.redirects_before + 1 > limit:
        return BrowserOutcome(TOO_MANY, None, None, hop.redirects_before, hop.index + 1)
    return None


def giving_up(flow: Flow) -> list[str]:
    """The browsers (of :data:`REDIRECT_LIMITS`) that stop this flow for too many redirects."""
    return [
        browser
        for browser, limit in REDIRECT_LIMITS.items()
        if (outcome := browser_outcome(flow, limit)) is not None and outcome.error == TOO_MANY
    ]
