"""One inspection: find the profiles, read each one, and keep a list of every file read."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks._browser.chromium import read_chromium
from checks._browser.extensions import KnownExtension
from checks._browser.files import Budget, FileReader, Opener, ReadError, ReadRecord
from checks._browser.firefox import read_firefox
from checks._browser.host import Host
from checks._browser.locations import discover
from checks._browser.model import BrowserProfile, Family, ProfileState, Site
from checks.redirects import registrable_domain

_HOSTILE_CONTENT = (ValueError, TypeError, KeyError, AttributeError, RecursionError, UnicodeError, OverflowError)
"""What a malformed profile file can make a reader raise; it becomes a ``corrupt`` problem of that profile."""


@dataclass(slots=True)
class Inspection:
    """What was found and read."""

    host: Host
    profiles: list[ProfileState] = field(default_factory=list)
    searched: list[dict[str, Any]] = field(default_factory=list)
    files: list[ReadRecord] = field(default_factory=list)
    problems: list[tuple[tuple[str, str], ReadError]] = field(default_factory=list)
    """Problems outside any one profile (a browser's profile index, an unrecognised ``--browser-profile``)."""
    skipped: str | None = None
    """Why nothing was read (no user profile, no browser data), or None."""
    out_of_time: bool = False
    unread: int = 0
    """Profiles found but not read because the time ran out."""
    elapsed_ms: int = 0


def make_site(url: str, signin_urls: Sequence[str], identity_providers: Sequence[str]) -> Site:
    """The sign-in site of ``url``, with the profile's sign-in addresses on the same site."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = 443 if scheme == "https" else 80
    site = registrable_domain(host)
    same_site = [u for u in signin_urls if registrable_domain((urlsplit(u).hostname or "").lower()) == site]
    return Site(
        url=url, scheme=scheme, host=host, port=port, path=parts.path or "/", registrable=site,
        urls=tuple(dict.fromkeys([url, *same_site])),
        identity_providers=tuple(dict.fromkeys(d.lower().strip(".") for d in identity_providers if d)),
    )


def inspect(
    host: Host,
    site: Site,
    *,
    extra: tuple[Path, ...] = (),
    known: tuple[KnownExtension, ...] = (),
    now: float,
    budget_seconds: float = 6.0,
    monotonic: Callable[[], float] = time.monotonic,
    opener: Opener | None = None,
) -> Inspection:
    """Discover the user's browser profiles (and ``extra`` ones) and read each, within ``budget_seconds``."""
    begin = monotonic()
    budget = Budget(budget_seconds, monotonic)
    reader = FileReader(host, budget) if opener is None else FileReader(host, budget, opener=opener)
    result = Inspection(host)
    reason = host.no_user_reason()
    if reason is not None and not extra:
        result.skipped = reason[0].upper() + reason[1:] + "."
        return result
    # Without a user home only the --browser-profile directories are read.
    found = discover(host if reason is None else Host(host.os, None, {}), reader, extra)
    result.searched = found.searched
    result.problems = found.problems
    for profile in found.profiles:
        if budget.expired():
            result.out_of_time = True
            result.unread += 1
            result.problems.append((profile.who, ReadError("timeout", profile.directory,
                                                           "the check ran out of time before reading this profile")))
            continue
        result.profiles.append(_read(profile, site, reader, host, found.versions, known, now))
    result.files = reader.records
    # A query or read the budget interrupted inside a profile counts too.
    result.out_of_time = result.out_of_time or any(
        p.kind == "timeout" for state in result.profiles for p in state.problems)
    if not found.profiles and not found.problems:
        looked = ", ".join(s["location"] for s in found.searched[:6])
        result.skipped = (
            "No browser data was found for this user, so there was nothing to read "
            f"(looked in {looked}{', …' if len(found.searched) > 6 else ''})."
        )
    result.elapsed_ms = round((monotonic() - begin) * 1000)
    return result


def _read(profile: BrowserProfile, site: Site, reader: FileReader, host: Host, versions: dict[Path, str],
          known: tuple[KnownExtension, ...], now: float) -> ProfileState:
    try:
        if profile.family is Family.CHROMIUM:
            version = versions.get(profile.root) if profile.root is not None else None
            return read_chromium(profile, site, reader, os_name=host.os, version=version, known=known)
        return read_firefox(profile, site, reader, os_name=host.os, now=now)
    except ReadError as exc:
        state = ProfileState(profile)
        state.problems.append(exc)
        return state
    except _HOSTILE_CONTENT as exc:
        state = ProfileState(profile)
        state.problems.append(ReadError("corrupt", profile.directory,
                                        f"unexpected content ({type(exc).__name__})"))
        return state
