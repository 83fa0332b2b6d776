"""TCP: open and close one connection, and say how it failed (as OONI classifies it)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from diagnose.net.addresses import family
from diagnose.net.errors import FailureKind, classify
from diagnose.net.timing import Stopwatch, close_quietly

TCP_TIMEOUT = 4.0


class TcpError(StrEnum):
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    OTHER = "other"


_FROM_KIND = {
    FailureKind.REFUSED: TcpError.REFUSED,
    FailureKind.TIMEOUT: TcpError.TIMEOUT,
    FailureKind.UNREACHABLE: TcpError.UNREACHABLE,
}


@dataclass(frozen=True, slots=True)
class TcpProbe:
    """One TCP connection attempt to one address."""

    address: str
    port: int
    error: TcpError | None = None
    detail: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def family(self) -> str:
        return family(self.address)

    def as_evidence(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "port": self.port,
            "family": self.family,
            "ok": self.ok,
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "duration_ms": self.duration_ms,
        }


async def tcp_probe(address: str, port: int, timeout: float = TCP_TIMEOUT) -> TcpProbe:
    """Open and close one TCP connection to ``address:port`` within ``timeout`` seconds."""
    watch = Stopwatch()
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(address, port)
    except OSError as exc:
        failure = classify(exc)
        error = _FROM_KIND.get(failure.kind, TcpError.OTHER)
        detail = f"no answer within {timeout:g} s" if error is TcpError.TIMEOUT else failure.detail
        return TcpProbe(address, port, error, detail, watch.ms())
    await close_quietly(writer)
    return TcpProbe(address, port, None, "", watch.ms())
