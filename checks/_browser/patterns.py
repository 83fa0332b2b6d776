"""Chromium's content-settings patterns, as stored in a profile's ``Preferences``.

``profile.content_settings.exceptions.<type>`` maps ``"<primary>,<secondary>"``
to ``{"setting": n, ...}``. A pattern (``ContentSettingsPattern``) is
``[scheme://][host][:port][/path]`` where the host may be ``[*.]example.com``
(the domain and every subdomain), an exact host, an IP literal or ``*``; a
missing scheme or port, or ``*``, matches any. The primary pattern is the
site the setting is about; the secondary (usually ``*``) the top-level site
it applies under. When several patterns match, Chromium applies the most
specific one (``ContentSettingsPattern::Compare``): a narrower host first,
then an explicit scheme, then an explicit port.

Settings: 1 allow, 2 block, 4 session only (cookies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.redirects import domain_match

SETTINGS = {1: "allow", 2: "block", 4: "session only"}

_PATTERN = re.compile(
    r"""^(?:(?P<scheme>[a-z][a-z0-9+.-]*|\*)://)?
        (?P<host>\[\*\.\][^/:\[\]]*|\[[0-9a-f:.]+\]|[^/:\[\]]*)
        (?::(?P<port>\d+|\*))?
        (?P<path>/.*)?$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One parsed pattern."""

    text: str
    scheme: str | None
    """None matches any scheme."""
    host: str
    """Lower case, without ``[*.]``; empty matches any host."""
    subdomains: bool
    port: int | None
    """None matches any port."""

    @classmethod
    def parse(cls, text: str) -> Pattern | None:
        """The pattern, or None for one the check does not model (``file:`` paths, junk)."""
        text = text.strip()
        if text == "*":
            return cls(text, None, "", True, None)
        m = _PATTERN.match(text)
        if m is None:
            return None
        scheme = (m.group("scheme") or "*").lower()
        if scheme == "file":
            return None
        raw = m.group("host").lower()
        subdomains = raw.startswith("[*.]")
        host = raw.removeprefix("[*.]").strip("[]").rstrip(".")
        if raw == "*":
            host, subdomains = "", True
        elif not host or " " in host:
            return None
        port_text = m.group("port")
        port = int(port_text) if port_text and port_text != "*" else None
        return cls(text, None if scheme == "*" else scheme, host, subdomains, port)

    def matches(self, scheme: str, host: str, port: int) -> bool:
        if self.scheme is not None and self.scheme != scheme:
            return False
        if self.port is not None and self.port != port:
            return False
        if not self.host:
            return True
        return host == self.host or (self.subdomains and domain_match(host, self.host))

    def specificity(self) -> tuple[int, int, int, int]:
        """Larger is more specific: exact host > longer domain > wildcard; then scheme; then port."""
        if not self.host:
            host_rank = 0
        elif self.subdomains:
            host_rank = 1 + self.host.count(".")
        else:
            host_rank = 1000
        return (host_rank, len(self.host), int(self.scheme is not None), int(self.port is not None))


@dataclass(frozen=True, slots=True)
class Rule:
    """One exception: primary and secondary pattern and the setting."""

    primary: Pattern
    secondary: Pattern
    setting: str
    key: str


def parse_rules(exceptions: object) -> list[Rule]:
    """The rules of one content type (``exceptions.cookies`` …); malformed entries are skipped."""
    rules: list[Rule] = []
    if not isinstance(exceptions, dict):
        return rules
    for key, entry in list(exceptions.items())[:10_000]:
        if not isinstance(key, str) or not isinstance(entry, dict):
            continue
        value = entry.get("setting")
        if not isinstance(value, int) or isinstance(value, bool) or value not in SETTINGS:
            continue
        primary_text, _, secondary_text = key.partition(",")
        primary = Pattern.parse(primary_text)
        secondary = Pattern.parse(secondary_text or "*")
        if primary is None or secondary is None:
            continue
        rules.append(Rule(primary, secondary, SETTINGS[value], key))
    return rules


def effective_rule(rules: list[Rule], scheme: str, host: str, port: int) -> Rule | None:
    """The rule Chromium applies to a top-level page at ``scheme://host:port``, or None (the default).

    For a top-level page the secondary (top-level site) is the page itself, so
    ``*`` and patterns matching the page both apply.
    """
    matching = [r for r in rules if r.primary.matches(scheme, host, port) and r.secondary.matches(scheme, host, port)]
    if not matching:
        return None
    return max(matching, key=lambda r: (r.primary.specificity(), r.secondary.specificity()))
