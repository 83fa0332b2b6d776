"""Run settings that the person chooses on the command line (or a test chooses).

The values are parsed and validated at the door (:mod:`diagnose.inputs`), so
that the command line, the TUI, the lab and tests build the very same values;
every parse error is a :class:`UsageError` with a sentence fit to print as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_RUN_TIMEOUT = 20.0
"""Seconds the whole run may take unless ``--timeout`` says otherwise."""


class UsageError(ValueError):
    """Bad input from the person: printed as one line, exit code 2."""


@dataclass(frozen=True, slots=True)
class Pin:
    """``--resolve HOST:PORT:ADDRESS``: connect to ADDRESS for HOST:PORT, skipping DNS."""

    host: str
    port: int
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A host (name or address) and port, e.g. a DNS or NTP server."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes how checks talk to the network."""

    pins: tuple[Pin, ...] = ()
    ca_files: tuple[Path, ...] = ()
    dns_servers: tuple[Endpoint, ...] = ()
    ntp_servers: tuple[Endpoint, ...] = ()
    timeout: float = DEFAULT_RUN_TIMEOUT
    extra: dict[str, str] = field(default_factory=dict)
    browser_profiles: tuple[Path, ...] = ()
    """``--browser-profile DIR``: more browser profiles for the ``browser`` check to read."""
    browser_home: Path | None = None
    """Where the ``browser`` check looks for the user's browsers (None: the home directory).
    The lab points it at an empty folder, so a demo never reads the person's own browsers."""

    def pinned(self, host: str, port: int) -> Pin | None:
        """The pin for ``host:port`` (host compared case-insensitively), if any."""
        host = host.lower().rstrip(".")
        for pin in self.pins:
            if pin.host == host and pin.port == port:
                return pin
        return None
