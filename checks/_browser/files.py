"""The one way the ``browser`` check reads a file: bounded, timed, and written down.

The report lists every file the check opened (browser, profile, path with the
home directory as ``~``, what it was read for, and what happened), so a
person or a helpdesk can see exactly what was looked at, and nothing else is
read. Each read has a size cap, and the whole inspection has a time budget:
a huge or hostile file costs a bounded amount of memory and time.

Problems are raised as :class:`ReadError` with a kind the findings understand:
``missing``, ``too_large``, ``unreadable``, ``locked``, ``corrupt`` or ``timeout``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from checks._browser.host import Host

KIB = 1024
MIB = 1024 * KIB

_WINDOWS_SHARING_VIOLATIONS = (32, 33)
"""ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION: another process holds the file exclusively."""


class ReadError(Exception):
    """A file the check could not read, and why (``kind``)."""

    def __init__(self, kind: str, path: Path, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.path = path
        self.detail = detail


@dataclass(slots=True)
class Budget:
    """A deadline on the monotonic clock for the whole inspection."""

    seconds: float
    monotonic: Callable[[], float] = time.monotonic
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = self.monotonic() + self.seconds

    def expired(self) -> bool:
        return self.monotonic() >= self.deadline

    def check(self, path: Path) -> None:
        if self.expired():
            raise ReadError("timeout", path, "the check's time budget ran out before this file was read")


@dataclass(frozen=True, slots=True)
class ReadRecord:
    """One file the check opened, for the report."""

    browser: str
    profile: str
    path: str
    """With the home directory shown as ``~``."""
    purpose: str
    outcome: str
    """``read``, ``read (copy)``, or the :class:`ReadError` kind."""
    bytes: int | None = None

    def as_details(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "browser": self.browser, "profile": self.profile, "file": self.path,
            "purpose": self.purpose, "outcome": self.outcome,
        }
        if self.bytes is not None:
            out["bytes"] = self.bytes
        return out


Opener = Callable[[Path], IO[bytes]]


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")


class FileReader:
    """Bounded reads that are recorded, for one inspection.

    ``opener`` is the operating-system boundary (tests use it to stand in for a
    Windows sharing violation, which no Linux file can produce).
    """

    def __init__(self, host: Host, budget: Budget, *, opener: Opener = _open_binary) -> None:
        self.host = host
        self.budget = budget
        self.opener = opener
        self.records: list[ReadRecord] = []

    def record(self, who: tuple[str, str], path: Path, purpose: str, outcome: str, size: int | None = None) -> None:
        self.records.append(ReadRecord(who[0], who[1], self.host.show(path), purpose, outcome, size))

    def read_bytes(self, path: Path, *, limit: int, who: tuple[str, str], purpose: str) -> bytes:
        """The file's content (at most ``limit`` bytes, else ``too_large``)."""
        self.budget.check(path)
        try:
            with self.opener(path) as handle:
                data = handle.read(limit + 1)
        except ReadError as exc:
            self.record(who, path, purpose, exc.kind)
            raise
        except OSError as exc:
            error = self.classify(exc, path)
            if error.kind != "missing":
                self.record(who, path, purpose, error.kind)
            raise error from None
        if len(data) > limit:
            self.record(who, path, purpose, "too_large", len(data))
            raise ReadError("too_large", path, f"larger than the {limit // KIB} KiB this check reads")
        self.record(who, path, purpose, "read", len(data))
        return data

    def read_text(self, path: Path, *, limit: int, who: tuple[str, str], purpose: str) -> str:
        data = self.read_bytes(path, limit=limit, who=who, purpose=purpose)
        return data.decode("utf-8", "replace")

    def read_json(self, path: Path, *, limit: int, who: tuple[str, str], purpose: str) -> dict[str, Any]:
        """A JSON object (``corrupt`` when the file is not one)."""
        data = self.read_bytes(path, limit=limit, who=who, purpose=purpose)
        try:
            value = json.loads(data.decode("utf-8-sig", "replace"))
        except (ValueError, RecursionError):
            raise ReadError("corrupt", path, "not valid JSON") from None
        if not isinstance(value, dict):
            raise ReadError("corrupt", path, "not a JSON object")
        return value

    def classify(self, exc: OSError, path: Path) -> ReadError:
        """An :class:`OSError` as a :class:`ReadError` kind."""
        winerror = getattr(exc, "winerror", None)
        if winerror in _WINDOWS_SHARING_VIOLATIONS:
            return ReadError("locked", path, "another program (the browser) holds the file exclusively")
        if isinstance(exc, FileNotFoundError):
            return ReadError("missing", path, "not present")
        if isinstance(exc, PermissionError) and self.host.os == "windows":
            # On Windows a file the browser holds open exclusively reads as "access denied".
            return ReadError("locked", path, "access denied: the browser is probably running and holds the file")
        return ReadError("unreadable", path, exc.strerror or type(exc).__name__)
