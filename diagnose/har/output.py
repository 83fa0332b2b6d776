"""Write a sanitized HAR as the stream is read: one entry at a time, atomically.

The copy keeps the file's member order. Each member of ``log`` and each entry
is written as compact JSON on a line of its own (non-ASCII kept as is), so a
200 MB recording never exists twice in memory and the copy stays readable
line by line. Written the same way twice, the same data gives the same bytes:
sanitizing a sanitized copy reproduces it exactly.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Encoder:
    """Compact JSON, non-ASCII kept, except a lone surrogate (a recording may hold ``"\\udcff"``):
    it stays the escape it was, since UTF-8 cannot carry it and the copy must still be JSON."""

    @staticmethod
    def encode(value: Any) -> str:
        text = _JSON.encode(value)
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_ENCODER = _Encoder()


class HarWriter:
    """Writes ``{"log": {…, "entries": [ … ], …}}`` to a text stream, piece by piece."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh
        self._log_members = 0
        self._entries = 0
        self._top_members = 0

    def begin(self) -> None:
        self._fh.write('{\n  "log": {')

    def log_member(self, key: str, value: Any) -> None:
        self._member_separator()
        self._fh.write(f"\n    {_ENCODER.encode(key)}: {_ENCODER.encode(value)}")

    def entries_start(self) -> None:
        self._member_separator()
        self._fh.write('\n    "entries": [')

    def entry(self, value: Any) -> None:
        text = _ENCODER.encode(value)
        self._fh.write(("," if self._entries else "") + "\n      " + text)
        self._entries += 1

    def entries_end(self) -> None:
        self._fh.write("\n    ]" if self._entries else "]")

    def end_log(self) -> None:
        self._fh.write("\n  }")

    def top_member(self, key: str, value: Any) -> None:
        self._fh.write(f",\n  {_ENCODER.encode(key)}: {_ENCODER.encode(value)}")

    def finish(self) -> None:
        self._fh.write("\n}\n")

    def _member_separator(self) -> None:
        if self._log_members:
            self._fh.write(",")
        self._log_members += 1
