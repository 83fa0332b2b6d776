"""The state of one redirects run: the walked flow, the profile's domains, and redaction helpers."""

from __future__ import annotations

from collections.abc import Iterable

from checks._redirects.flow import Flow
from checks._redirects.location import split_url
from diagnose.check import Check, CheckContext, CheckRun


class RedirectsRun(CheckRun):
    """One diagnosis of one :class:`Flow`: findings, details, and how URLs and texts are reported."""

    def __init__(self, check: Check, ctx: CheckContext, flow: Flow) -> None:
        super().__init__(check, ctx)
        self.flow = flow
        self.redact = ctx.redact
        self.official = tuple(d.lower() for d in ctx.profile.official_domains)
        self.idps = tuple(
            str(d).lower().strip(".") for d in ctx.profile.section("redirects").get("identity_providers", [])
        )
        self.header_observed = False
        """A server refused the Cookie header (400/431): the flow is stuck on it."""

    def is_official(self, host: str) -> bool:
        return under(host, self.official)

    def is_idp(self, host: str) -> bool:
        return under(host, self.idps)

    def url(self, url: str) -> str:
        """A URL fit for the report: redacted, and stripped of any cookie value it repeats."""
        return self.flow.jar.scrub(self.redact.url(url))

    def text(self, text: str) -> str:
        return self.flow.jar.scrub(self.redact.text(text))

    def short(self, url: str) -> str:
        """Host and path only (no query): enough to recognise a step, nothing secret."""
        return self.text(f"{host_of(url)}{path_of(url)}")


def under(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def host_of(url: str) -> str:
    return split_url(url)[1]


def path_of(url: str) -> str:
    return split_url(url)[2]
