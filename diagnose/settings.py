"""Run settings that the person chooses on the command line (or a test chooses).

Parsing lives here rather than in the CLI so that the TUI, the lab and tests
build the very same values; every parse error is a :class:`UsageError` with a
sentence fit to print as it is.
"""

from __future__ import annotations

import ipaddress
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


def parse_pin(text: str) -> Pin:
    """Parse curl's ``HOST:PORT:ADDRESS[,ADDRESS…]`` (IPv6 addresses may be bracketed)."""
    host, sep, rest = text.partition(":")
    port_text, sep2, addr_text = rest.partition(":")
    if not (sep and sep2 and host and port_text and addr_text):
        raise UsageError(
            f"--resolve {text!r}: expected HOST:PORT:ADDRESS, for example "
            "app.atera.com:443:127.0.0.1"
        )
    port = _port(port_text, f"--resolve {text!r}")
    addresses = []
    for raw in addr_text.split(","):
        raw = raw.strip()
        if raw.startswith("[") and raw.endswith("]"):
            raw = raw[1:-1]
        try:
            addresses.append(str(ipaddress.ip_address(raw)))
        except ValueError:
            raise UsageError(
                f"--resolve {text!r}: {raw!r} is not an IP address"
            ) from None
    return Pin(host.lower().rstrip("."), port, tuple(addresses))


def parse_endpoint(text: str, *, default_port: int, option: str) -> Endpoint:
    """Parse ``HOST``, ``HOST:PORT``, ``IPv6``, or ``[IPv6]:PORT``."""
    text = text.strip()
    if not text:
        raise UsageError(f"{option}: empty value")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise UsageError(f"{option} {text!r}: missing ']'")
        port = _port(rest[1:], f"{option} {text!r}") if rest.startswith(":") else default_port
        if rest and not rest.startswith(":"):
            raise UsageError(f"{option} {text!r}: unexpected text after ']'")
        return Endpoint(_host(host, option, text), port)
    if text.count(":") > 1:  # a bare IPv6 address
        return Endpoint(_host(text, option, text), default_port)
    host, sep, port_text = text.partition(":")
    port = _port(port_text, f"{option} {text!r}") if sep else default_port
    return Endpoint(_host(host, option, text), port)


def _host(host: str, option: str, text: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not host or any(
        not label or len(label) > 63 or not all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        raise UsageError(f"{option} {text!r}: {host!r} is neither an IP address nor a host name")
    return host.lower()


def _port(text: str, context: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"{context}: port must be a number from 1 to 65535")
    return int(text)
