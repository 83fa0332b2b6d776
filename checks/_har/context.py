"""What every analyser of a recording shares: the recording, the profile, and safe display."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from checks._har.navigation import host_of
from diagnose.har.model import Recording
from diagnose.profiles import Profile
from diagnose.redact import Redactor

SHOWN_URL_CHARS = 300
"""A URL in a report is cut to this many characters (after redaction)."""


def under(host: str, domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass
class RecordingContext:
    """The recording under analysis and how to show pieces of it without secrets.

    ``scrub`` is the sanitizer's: it replaces, with this run's markers, every
    JWT, credential and value that the sanitizer replaced anywhere in the file;
    ``redactor`` is the report's, recording what it removed. Every URL or text
    taken from the recording goes through both before it becomes evidence.
    """

    recording: Recording
    profile: Profile
    redactor: Redactor
    scrub: Callable[[str], str]
    official: tuple[str, ...] = field(init=False)
    idps: tuple[str, ...] = field(init=False)
    _hosts: dict[str, tuple[bool, bool]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.official = tuple(d.lower().strip(".") for d in self.profile.official_domains)
        self.idps = tuple(
            str(d).lower().strip(".") for d in self.profile.section("redirects").get("identity_providers", [])
        )

    def url(self, url: str) -> str:
        shown = self.redactor.url(self.scrub(url))
        return shown if len(shown) <= SHOWN_URL_CHARS else shown[: SHOWN_URL_CHARS - 1] + "…"

    def text(self, text: str) -> str:
        shown = self.redactor.text(self.scrub(text))
        return "".join(c if c.isprintable() else "?" for c in shown)[:500]

    def short(self, url: str) -> str:
        """Host and path only: enough to recognise a step, nothing secret."""
        from checks._har.navigation import parts_of

        _, host, path = parts_of(url)
        return self.text(f"{host}{path}")[:120]

    def is_official(self, host: str) -> bool:
        return self._kind(host)[0]

    def is_idp(self, host: str) -> bool:
        return self._kind(host)[1]

    def is_signin_host(self, host: str) -> bool:
        official, idp = self._kind(host)
        return official or idp

    def _kind(self, host: str) -> tuple[bool, bool]:
        """(official, identity provider) of ``host``, remembered (a recording asks about few hosts, often)."""
        known = self._hosts.get(host)
        if known is None:
            known = (under(host, self.official), under(host, self.idps))
            if len(self._hosts) < 65_536:
                self._hosts[host] = known
        return known

    def signin_in_recording(self) -> bool:
        return any(self.is_official(host_of(e.url)) for e in self.recording.entries)

    @property
    def facts(self) -> dict[str, object]:
        return self.profile.facts_for_messages()
