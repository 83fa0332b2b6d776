"""The command line's surroundings (streams, TTY-ness, overrides), injectable for tests.

Modelled on httpie's ``Environment``: the CLI reads and writes only through
this object, so a test runs the real CLI in-process with captured streams and
with the lab's network in place of the real one.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum, unique
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from diagnose.check import Clock
    from diagnose.net import Net
    from diagnose.session import Diagnosis
    from diagnose.settings import Settings


@unique
class ExitStatus(IntEnum):
    """Exit codes (design §3.1); scripts and RMM agents branch on them."""

    OK = 0
    """No check failed."""
    FAILED = 1
    """At least one check failed (or, for ``url``, an address is not official)."""
    USAGE = 2
    """Bad input: usage, an address that does not parse, an unwritable output, …"""
    INCONCLUSIVE = 3
    """No failure, but a check errored or the deadline cut it off, or nothing was decided (every check skipped)."""
    INTERRUPTED = 130
    """Ctrl-C."""


@dataclass
class Environment:
    """Streams and overrides the CLI runs with.

    All attributes can be replaced, which the test suite and the lab's demo do.
    ``net_factory`` builds the :class:`~diagnose.net.Net` from the parsed
    settings (the lab swaps in its DNS server as the system resolver).
    """

    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    net_factory: Callable[[Settings], Net] | None = None
    clock: Clock | None = None
    extra_checks: tuple[EntryPoint, ...] = ()
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    open_tui: Callable[[Diagnosis, Environment], Awaitable[int]] | None = None
    """Opens the TUI on a diagnosis inside a running event loop and returns the exit code
    (``login-doctor demo SCENARIO --tui``). The CLI fills it in, because front ends do not
    import one another; None: this build has no TUI."""
    started_s_ago: float = 0.0
    """How long the process had already run when the command began (the interpreter's start-up):
    ``--timeout`` bounds the command as the script or agent that started it times it, from exec
    to exit. :func:`process_age` for the real command; 0 for an environment a test builds."""

    def __post_init__(self) -> None:
        if self.stdin_isatty is None:
            self.stdin_isatty = _isatty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = _isatty(self.stderr)

    @property
    def color(self) -> bool:
        """Colour on stdout: only on a TTY, and never with ``NO_COLOR`` set."""
        return bool(self.stdout_isatty) and not self.environ.get("NO_COLOR")


def process_age() -> float:
    """Seconds since this process was started, from ``/proc`` (10 ms steps); 0.0 where that cannot be
    read (not Linux, no ``/proc``) or where it cannot be a start-up's (over 10 s: the command was
    called from a longer-lived program)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            line = stat.read(4096)
        start_ticks = int(line[line.rindex(b")") + 2:].split()[19])  # field 22, "starttime"
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0
    return age if 0.0 <= age <= 10.0 else 0.0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
