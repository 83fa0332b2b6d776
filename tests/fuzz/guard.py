"""Nothing leaves loopback while fuzzed options run: a socket guard and a resolver that knows no name.

Fuzzed options name real addresses (``--dns-server 8.8.8.8``, ``--resolve
h:443:1.1.1.1``, ``https://9.9.9.9/``). In-process runs patch the socket class
so that connecting or sending to any address but loopback fails at once with
``ENETUNREACH`` (nothing is sent), and the run's system resolver answers NXDOMAIN
for every name without a packet. Subprocess runs go into a network namespace
with only ``lo`` (``unshare -rn``) instead.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import shutil
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

from diagnose.net import Net
from diagnose.net.dns import DnsError, Lookup
from diagnose.settings import Settings


def is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


class Refused:
    """Counts the attempts the guard refused (a test may assert there were some, or none)."""

    count = 0


@contextlib.contextmanager
def loopback_only() -> Iterator[type[Refused]]:
    """Within the block, sockets refuse every destination but loopback."""
    cls = socket.socket
    originals = {name: getattr(cls, name) for name in ("connect", "connect_ex", "sendto")}

    def refuse(address: Any) -> None:
        if not is_loopback(address):
            Refused.count += 1
            raise OSError(errno.ENETUNREACH, "refused by the fuzz suite's loopback guard")

    def connect(self: socket.socket, address: Any) -> None:
        refuse(address)
        originals["connect"](self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        refuse(address)
        result: int = originals["connect_ex"](self, address)
        return result

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        refuse(args[-1])
        result: int = originals["sendto"](self, data, *args)
        return result

    cls.connect = connect  # type: ignore[method-assign]
    cls.connect_ex = connect_ex  # type: ignore[method-assign]
    cls.sendto = sendto  # type: ignore[method-assign,assignment]
    try:
        yield Refused
    finally:
        for name, fn in originals.items():
            setattr(cls, name, fn)


class NoNames:
    """A resolver that answers NXDOMAIN for every name, at once and without a packet."""

    label = "system (fuzz: no names)"

    async def lookup(self, name: str) -> Lookup:
        return Lookup(self.label, name, (), DnsError.NXDOMAIN, "the fuzz suite resolves no name", 0)


class FuzzNet(Net):
    """The run's network for fuzzed options: no names resolve, extra DNS servers answer nothing."""

    def extra_resolvers(self) -> list[Any]:
        return [NoNames() for _ in self.settings.dns_servers]


def fuzz_net(settings: Settings) -> Net:
    return FuzzNet(settings, system_resolver=NoNames(), proxy_env={})


def namespace_prefix() -> list[str] | None:
    """``["unshare", "-rn"]`` when a network namespace with only ``lo`` can be made here, else None."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    try:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return [unshare, "-rn"] if probe.returncode == 0 else None
