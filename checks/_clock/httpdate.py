"""The local clock's offset from a web server's HTTP ``Date`` header, to well under a second.

When UDP 123 is blocked (common on company networks), HTTPS still works, and
every HTTP response carries the server's time in ``Date``, to the whole
second. One request bounds the offset: the server wrote ``Date = D`` at some
local instant between sending (``t0``) and receiving (``t2``), when its clock
read somewhere in ``[D, D+1)``, so

    local − server ∈ (t0 − D − 1, t2 − D]

Every further request intersects another such interval. The htpdate method
(twekkel/htpdate, danroc/htp) makes each one count: send the next request so
that, if the current midpoint were the true offset, the server would read
its clock exactly on a second boundary. Whether ``Date`` then shows the
second before or after the boundary tells on which side of the midpoint the
truth lies, so the interval halves with every request, down to about the
round-trip time. The bounds stay rigorous whatever the network does; only
the speed of convergence depends on good timing.

Cached answers are not the server's clock: a response with ``Age`` came
from a cache and its ``Date`` is as old as the cached copy (RFC 9111 §5.1).
Requests are ``HEAD`` with ``Cache-Control: no-cache``; any response that
still carries a non-zero ``Age`` is discarded and the source given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checks._clock.timebase import Timebase

if TYPE_CHECKING:
    import httpx

    from diagnose.net import Net
    from diagnose.redact import Redactor

REQUEST_TIMEOUT = 4.0
"""Seconds one request may take (it still ends at the check's deadline)."""

MIN_LEAD = 0.01
"""Seconds of scheduling slack before a timed request is sent."""

GOOD_ENOUGH = 0.025
"""Half-width (seconds) at which refining stops: far below anything a 30-second code cares about."""

NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache"}


@dataclass(frozen=True, slots=True)
class DateSample:
    """One response: when we sent and received it (local time), and what it said."""

    sent: float
    received: float
    date: float | None
    """The ``Date`` header in Unix seconds (a whole second), None when absent or unreadable."""
    date_header: str
    age: str | None
    status_code: int

    @property
    def cached(self) -> bool:
        """A cache served it (any ``Age`` other than 0; an unreadable ``Age`` counts as cached)."""
        return self.age is not None and self.age.strip() != "0"

    @property
    def bounds(self) -> tuple[float, float]:
        """The offset interval (local − server) this sample allows."""
        assert self.date is not None
        return (self.sent - self.date - 1.0, self.received - self.date)


def parse_http_date(value: str) -> float | None:
    """An RFC 9110 ``Date`` value as Unix seconds, or None when it is not a date."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year < 2000:
        return None
    return parsed.timestamp()


def next_send_time(low: float, high: float, rtt: float, now: float) -> float:
    """When to send the next request so that its answer cuts the interval ``[low, high]``.

    A request sent at local ``t`` reaches the server, we assume, at
    ``t + rtt/2``; if the offset were ``p`` the server's clock would then read
    ``t + rtt/2 − p``. When that reading is a whole second for some ``p`` in
    the middle half of the interval, the answer cuts off at least a quarter
    of it: send at once. Otherwise wait for the next moment when it is a
    whole second for the midpoint (classic bisection). The first rule lets
    several requests fit into one second while the interval is wide.
    """
    half = rtt / 2
    width = high - low
    a, b = low + width / 4, high - width / 4
    u = now + MIN_LEAD + half
    if math.ceil(u - b) <= u - a:
        return now + MIN_LEAD
    middle = (low + high) / 2
    return math.ceil(u - middle) + middle - half


@dataclass(eq=False)
class HttpDateSource:
    """The ``Date`` of one URL, refined request by request."""

    url: str
    role: str
    """``target`` (the sign-in site) or ``fallback`` (another time source)."""
    net: Net
    timebase: Timebase
    redact: Redactor
    samples: list[DateSample] = field(default_factory=list)
    low: float = -math.inf
    high: float = math.inf
    error: str = ""
    inconsistent: bool = False
    finished: bool = False
    first_done: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the first request has ended (answered or failed)."""
    role_in_selection: str = ""
    """After selection: ``truechimer``, ``falseticker`` or ``candidate`` (no majority)."""
    _client: httpx.AsyncClient | None = field(default=None, repr=False)

    # -- results ------------------------------------------------------------------

    @property
    def fresh(self) -> list[DateSample]:
        return [s for s in self.samples if s.date is not None and not s.cached]

    @property
    def cached(self) -> list[DateSample]:
        return [s for s in self.samples if s.cached]

    @property
    def interval(self) -> tuple[float, float] | None:
        """The offset interval (local − server), or None when the source gave nothing usable."""
        if not self.fresh or self.inconsistent or self.cached:
            return None
        return (self.low, self.high)

    @property
    def validated(self) -> bool:
        return self.interval is not None

    @property
    def reason(self) -> str:
        """Why the source is unusable (empty when it is usable)."""
        if self.cached:
            return f"the answer came from a cache (Age: {self.cached[0].age}), so its Date is old"
        if self.inconsistent:
            return "its Date headers contradict each other (several servers with different clocks?)"
        if self.error:
            return self.error
        if self.samples and not self.fresh:
            return "the response has no readable Date header"
        if not self.samples:
            return "not queried"
        return ""

    @property
    def outcome(self) -> str:
        """What became of the source, in the vocabulary of the NTP sources."""
        if self.validated:
            return self.role_in_selection or "measured"
        if self.cached or self.inconsistent or (self.samples and not self.fresh):
            return "rejected"
        if self.error:
            return "no_reply"
        return "not_queried"

    def evidence(self) -> dict[str, Any]:
        last = self.samples[-1] if self.samples else None
        interval = self.interval
        return {
            "kind": "http_date",
            "url": self.redact.url(self.url),
            "role": self.role,
            "result": self.outcome,
            "validated": self.validated,
            "requests": len(self.samples),
            "fresh_samples": len(self.fresh),
            "cached_samples": len(self.cached),
            "offset_s": round((interval[0] + interval[1]) / 2, 4) if interval else None,
            "uncertainty_s": round((interval[1] - interval[0]) / 2, 4) if interval else None,
            "interval_s": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
            "last_date_header": last.date_header if last else None,
            "last_age_header": last.age if last else None,
            "last_status_code": last.status_code if last else None,
            "reason": self.redact.text(self.reason) or None,
        }

    # -- measuring ------------------------------------------------------------------

    async def refine(self, max_requests: int, deadline: float) -> None:
        """Send requests until ``max_requests`` in total, the deadline (monotonic), or no more to gain."""
        try:
            while not self.finished and len(self.samples) < max_requests:
                remaining = deadline - self.timebase.mono()
                if self.samples:
                    rtt = self.samples[-1].received - self.samples[-1].sent
                    best = min(s.received - s.sent for s in self.fresh)
                    if self.high - self.low <= max(1.5 * best + 0.005, 2 * GOOD_ENOUGH):
                        return  # as narrow as the round trip allows, or as narrow as needed
                    now = self.timebase.now()
                    wait = next_send_time(self.low, self.high, rtt, now) - now
                    if wait + rtt + 0.05 > remaining:
                        return
                    await asyncio.sleep(wait)
                    remaining = deadline - self.timebase.mono()
                if remaining <= 0.05:
                    return
                await self._one(remaining)
                self.first_done.set()
        finally:
            self.first_done.set()

    async def _one(self, remaining: float) -> None:
        from diagnose.net import request_errors

        try:
            if self._client is None:
                self._client = self.net.http_client(
                    verify=True, timeout=REQUEST_TIMEOUT, proxy=self.net.proxy_for(self.url)
                )
            sent = self.timebase.now()
            async with asyncio.timeout(min(REQUEST_TIMEOUT, remaining)):
                response = await self._client.request("HEAD", self.url, headers=NO_CACHE)
            received = self.timebase.now()
        except TimeoutError:
            self._stop(f"no answer within {min(REQUEST_TIMEOUT, remaining):.1f} s")
            return
        except request_errors() as exc:
            self._stop(_plain_error(exc))
            return
        header = response.headers.get("date", "")
        age = response.headers.get("age")
        sample = DateSample(
            sent=sent,
            received=received,
            date=parse_http_date(header) if header else None,
            # Kept for the report only in a date's (an age's) shape: a server may put anything there.
            date_header=self.redact.header("Date", header[:64]),
            age=self.redact.header("Age", age) if age is not None else None,
            status_code=response.status_code,
        )
        self.samples.append(sample)
        if sample.cached or sample.date is None:
            self.finished = True
            return
        low, high = sample.bounds
        if max(low, self.low) > min(high, self.high):
            self.inconsistent = True
            self.finished = True
            return
        self.low, self.high = max(low, self.low), min(high, self.high)

    def _stop(self, error: str) -> None:
        if not self.fresh:
            self.error = error
        self.finished = True

    async def aclose(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None


def _plain_error(exc: BaseException) -> str:
    from diagnose.net import FailureKind, classify

    failure = classify(exc)
    if failure.kind is FailureKind.CERTIFICATE:
        return "its HTTPS certificate is not trusted (see the certificate check)"
    if failure.kind is FailureKind.UNRESOLVED:
        return "its name could not be looked up"
    text = failure.detail if len(failure.detail) < 200 else failure.detail[:197] + "..."
    return f"the request failed ({type(exc).__name__}: {text})"
