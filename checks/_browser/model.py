"""What the ``browser`` check reads, as typed values (no cookie value anywhere)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from checks._browser.files import ReadError


class Family(StrEnum):
    """How a browser stores its profile: Chromium's layout or Firefox's."""

    CHROMIUM = "chromium"
    FIREFOX = "firefox"


@dataclass(frozen=True, slots=True)
class Site:
    """The sign-in site as the browser sees it."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    registrable: str
    """The site (eTLD+1): the unit of Chromium's per-site cookie limit."""
    urls: tuple[str, ...]
    """The sign-in addresses on this site (the target and the profile's), for the Cookie header."""
    identity_providers: tuple[str, ...] = ()
    """Domains of the identity providers the sign-in may pass through (profile data)."""

    @property
    def addresses(self) -> tuple[tuple[str, str, str, int], ...]:
        """Each sign-in address as (url, scheme, host, port): what a per-site setting is matched with."""
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            try:
                port = parts.port or (443 if scheme == "https" else 80)
            except ValueError:
                port = 443 if scheme == "https" else 80
            out.append((url, scheme, (parts.hostname or "").lower().rstrip("."), port))
        return tuple(out)

    @property
    def top_level_site(self) -> str:
        """Chromium's partition key for a top-level page of this site (``https://example.com``)."""
        return f"{self.scheme}://{self.registrable}"


@dataclass(frozen=True, slots=True)
class BrowserProfile:
    """One profile of one browser, found on disk."""

    browser: str
    """How the report names the browser: Chrome, Edge, Brave, Chromium, Firefox."""
    key: str
    """``chrome``, ``edge``, ``brave``, ``chromium``, ``firefox`` (profile data uses these)."""
    family: Family
    name: str
    """The profile's own name (``Person 1``, ``default-release``)."""
    directory: Path
    root: Path | None = None
    """Chromium's user-data directory or Firefox's profiles directory (None for ``--browser-profile``)."""
    source: str = "discovered"
    """``discovered`` or ``--browser-profile``."""
    default: bool = False
    """The profile the browser opens by default (Firefox's install default, Chromium's last used)."""

    @property
    def who(self) -> tuple[str, str]:
        return (self.browser, self.name)


@dataclass(frozen=True, slots=True)
class StoredCookie:
    """A cookie in a browser's database: everything but its value.

    ``size`` is name plus value in bytes. Chromium encrypts values, so its
    sizes are estimated from the ciphertext length: ``size`` is the smallest
    plaintext that fits, ``size_max`` the largest (equal when exact).
    """

    name: str
    host: str
    """As stored: ``.example.com`` for a domain cookie, ``app.example.com`` for a host-only one."""
    path: str
    secure: bool
    http_only: bool
    same_site: str
    """``none``, ``lax``, ``strict`` or ``unspecified``."""
    expires: float | None
    """Seconds since the epoch; None for a session cookie."""
    size: int
    size_max: int
    partition: str = ""
    """Empty for an ordinary cookie; otherwise the top-level site it is keyed to (``https://example.com``)."""
    container: str = ""
    """Firefox container (``userContextId``) it lives in; empty for the default one."""

    @property
    def host_only(self) -> bool:
        return not self.host.startswith(".")

    @property
    def estimated(self) -> bool:
        return self.size != self.size_max

    def describe(self) -> dict[str, Any]:
        """For the report: name, where, flags and size (never a value)."""
        out: dict[str, Any] = {
            "name": _printable(self.name), "domain": self.host, "path": self.path,
            "secure": self.secure, "http_only": self.http_only, "same_site": self.same_site,
            "session": self.expires is None, "size": self.size,
        }
        if self.estimated:
            out["size_up_to"] = self.size_max
        if self.partition:
            out["partitioned_under"] = self.partition
        if self.container:
            out["container"] = self.container
        return out


@dataclass(frozen=True, slots=True)
class CookieJarState:
    """The cookie database of one profile, as far as the sign-in site is concerned."""

    database: str
    """Its path, with the home directory as ``~``."""
    read_via: str
    """``read-only`` (opened in place, no lock taken) or ``copy`` (the database and its WAL copied first)."""
    schema_version: int | None
    total: int | None
    """Cookies of every site in this profile (None when not counted)."""
    site_cookies: tuple[StoredCookie, ...]
    truncated: bool = False
    """More site cookies than the row cap; only the first were read."""
    sizes: str = "exact"
    """``exact`` or ``estimated`` (Chromium's encrypted values)."""


@dataclass(frozen=True, slots=True)
class SiteException:
    """A per-site setting for the sign-in host or an identity provider."""

    kind: str
    """``cookies``, ``javascript`` or ``popups``."""
    setting: str
    """``block``, ``allow`` or ``session only``."""
    host: str
    """The host it applies to here (the sign-in host or an identity provider's)."""
    pattern: str
    """As the browser stores it (Chromium pattern, Firefox origin)."""
    identity_provider: bool = False


@dataclass(frozen=True, slots=True)
class ProxySetting:
    """A proxy the browser uses instead of (or besides) the operating system's."""

    mode: str
    """``direct``, ``manual``, ``pac``, ``auto-detect`` or ``system``."""
    server: str | None = None
    pac_url: str | None = None
    bypass: str = ""
    controlled_by: str | None = None
    """The extension that set it (Chromium), if any."""


@dataclass(frozen=True, slots=True)
class InstalledExtension:
    """An extension or add-on of a profile."""

    id: str
    name: str
    version: str
    enabled: bool
    location: str = ""
    state: str = ""
    """Why it is off, when it is (``disabled by you``, ``disabled (reasons 1, 8192)``)."""


@dataclass(slots=True)
class ProfileState:
    """Everything read from one profile; readers fill it, the judge reads it."""

    profile: BrowserProfile
    version: str | None = None
    jar: CookieJarState | None = None
    exceptions: list[SiteException] = field(default_factory=list)
    cookies_blocked_everywhere: str | None = None
    """Where the browser says so (``profile.default_content_setting_values.cookies = 2``), else None."""
    cookies_blocked_for: dict[str, str] = field(default_factory=dict)
    """Sign-in address → the per-site setting (pattern or origin) that blocks its cookies, read and written."""
    javascript_blocked_everywhere: str | None = None
    third_party_cookies_blocked: str | None = None
    proxy: ProxySetting | None = None
    enterprise_roots: bool | None = None
    """Firefox on Windows and macOS: does it trust roots installed in the operating system, as Chrome does
    (None: not Firefox, or Linux, where Chrome does not use the system's bundle either)."""
    enterprise_roots_setting: str = ""
    """How that was decided (the pref, or the default for this version and system)."""
    extensions: list[InstalledExtension] = field(default_factory=list)
    max_cookies_per_site: int = 180
    max_cookies_total: int = 3300
    problems: list[ReadError] = field(default_factory=list)


def _printable(text: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown if len(shown) <= 128 else shown[:125] + "..."
