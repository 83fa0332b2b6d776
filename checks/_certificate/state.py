"""The state of one certificate run: the host, the device's and the true time, the findings."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from checks._certificate.judges import Issue
from diagnose.check import Check, CheckContext, CheckRun, Outcome
from diagnose.facts import ClockOffset
from diagnose.model import Status
from diagnose.net import ChainFetch

DEFAULT_EXPIRES_SOON_DAYS = 14


@dataclass(frozen=True, slots=True)
class ProxyView:
    """With a proxy in use: the chain read through it (what the browser sees) against the one read
    directly, when the site answered directly too. ``replaced`` is the interception evidence."""

    proxy: str
    proxied_leaf: str
    """SHA-256 of the leaf read through the proxy."""
    direct_leaf: str | None
    """SHA-256 of the leaf read directly (None: no direct path)."""
    direct_detail: str

    @classmethod
    def compare(cls, proxy: str, proxied: ChainFetch, direct: ChainFetch | None) -> ProxyView:
        got = direct is not None and direct.ok and bool(direct.certificates)
        return cls(
            proxy, _sha256(proxied.certificates[0]),
            _sha256(direct.certificates[0]) if got and direct is not None else None,
            "" if got else (direct.detail or direct.error if direct is not None else "not reachable directly"),
        )

    @property
    def replaced(self) -> bool:
        """The proxy shows another leaf certificate than the site's own."""
        return self.direct_leaf is not None and self.direct_leaf != self.proxied_leaf

    def describe(self) -> dict[str, Any]:
        return {"url": self.proxy, "read_through_proxy": True, "leaf_sha256": self.proxied_leaf,
                "direct_leaf_sha256": self.direct_leaf, "direct_path": self.direct_leaf is not None,
                "direct_detail": self.direct_detail or None, "certificate_replaced_by_proxy": self.replaced}


def _sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


class CertificateRun(CheckRun):
    """One certificate run. Every finding's evidence names the host."""

    def __init__(self, check: Check, ctx: CheckContext) -> None:
        import ada_url

        url = ada_url.URL(ctx.target.url)
        host = ctx.target.host.strip("[]").rstrip(".").lower()
        super().__init__(check, ctx, host=host)
        self.scheme = url.protocol.rstrip(":")
        self.host = host
        self.port = int(url.port) if url.port else 443
        self.device_now = dt.datetime.fromtimestamp(ctx.clock.time(), dt.UTC)
        self.offset = clock_offset(ctx)
        """This device's clock minus the true time (seconds), when the clock check measured it."""
        self.true_now = (
            self.device_now - dt.timedelta(seconds=self.offset) if self.offset is not None else self.device_now
        )
        settings = ctx.profile.section("certificate")
        self.soon_days = int(settings.get("expires_soon_days", DEFAULT_EXPIRES_SOON_DAYS))
        self.proxy_view: ProxyView | None = None
        """Set when the chain was read through a proxy (by :func:`checks._certificate.chain.read_as_the_browser`)."""
        self.details.update(host=self.host, port=self.port)
        self.common_evidence["host"] = self.host

    def add_issue(self, issue: Issue) -> None:
        self.add(issue.code, issue.evidence, severity=issue.severity, message=issue.message)

    def undecided(self, summary: str) -> Outcome:
        """The check could not judge the certificate: never a pass."""
        return self.outcome(summary, Status.ERROR)


def clock_offset(ctx: CheckContext) -> float | None:
    """This device's clock minus the true time, in seconds, from the ``clock`` check if it measured it.

    Read from its :class:`~diagnose.facts.ClockOffset` fact, and only when its
    status is not skip/error; anything else means "unknown".
    """
    result = ctx.result("clock")
    if result is None or result.status in (Status.SKIP, Status.ERROR):
        return None
    measured = result.fact(ClockOffset)
    return measured.offset_s if measured is not None else None
