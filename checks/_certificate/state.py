"""The state of one certificate run: the host, the device's and the true time, the findings."""

from __future__ import annotations

import datetime as dt

from checks._certificate.judges import Issue
from diagnose.check import Check, CheckContext, CheckRun, Outcome
from diagnose.model import Status

DEFAULT_EXPIRES_SOON_DAYS = 14


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
        self.offset: float | None = None
        """This device's clock minus the true time (seconds): not known during the run. The certificate
        and clock checks run side by side; the dates are re-judged with the clock's measured offset at the
        end of the run (:func:`checks._certificate.dating.rejudge`)."""
        self.true_now = self.device_now
        settings = ctx.profile.section("certificate")
        self.soon_days = int(settings.get("expires_soon_days", DEFAULT_EXPIRES_SOON_DAYS))
        self.details.update(host=self.host, port=self.port)
        self.common_evidence["host"] = self.host

    def add_issue(self, issue: Issue) -> None:
        self.add(issue.code, issue.evidence, severity=issue.severity)

    def undecided(self, summary: str) -> Outcome:
        """The check could not judge the certificate: never a pass."""
        return self.outcome(summary, Status.ERROR)
