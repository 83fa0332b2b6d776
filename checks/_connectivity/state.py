"""The state of one connectivity run, shared by its steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagnose.check import Check, CheckContext, CheckRun, Outcome
from diagnose.net import TcpProbe

if TYPE_CHECKING:
    from diagnose.net import Net


class ConnectivityRun(CheckRun):
    """One connectivity run: the address being reached, and what each step found."""

    def __init__(self, check: Check, ctx: CheckContext) -> None:
        import ada_url

        url = ada_url.URL(ctx.target.url)
        scheme = url.protocol.rstrip(":")
        host = ctx.target.host
        port = int(url.port) if url.port else (443 if scheme == "https" else 80)
        super().__init__(check, ctx, host=host, port=port)
        self.net: Net = ctx.net
        self.url = ctx.target.url
        self.scheme = scheme
        self.host = host
        self.port = port
        self.connected: list[TcpProbe] = []
        """Probes that connected, in the order the addresses were tried."""
        self.slow_handshake_s = 0.0
        """Seconds the TLS handshake took when it was slow (the page request waits as long again)."""
        self.details.update(host=host, port=port, scheme=scheme)

    def done(self, summary: str) -> Outcome:
        return self.outcome(summary)

    def failed(self) -> Outcome:
        """The run ends on a failure: the most severe finding is the summary."""
        return self.done(self.summary_for_failure())

    def summary_for_failure(self) -> str:
        if not self.findings:
            return f"{self.host} could not be reached."
        return self.by_severity()[0].message
