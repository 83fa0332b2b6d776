"""Read a HAR file as a stream of events, one entry at a time, in bounded memory.

The standard library has no streaming JSON parser, and a HAR is one object
whose ``log.entries`` array may hold hundreds of megabytes. The shape is
fixed, though: ``{"log": {..., "entries": [ {...}, {...} ], ...}}``. So this
module walks the two outer levels itself and hands each entry (and each
other ``log`` member) to the C JSON decoder (``raw_decode``) straight from a
sliding text buffer. Only one entry is held at a time; an entry larger than
:data:`~diagnose.har.limits.MAX_ENTRY_CHARS` is skipped by a scanner that
keeps nothing of it.

Every way a file can be wrong ends in :class:`HarFormatError`, whose message
is one line naming what is wrong and where (JSON path, line and column, or
byte offset), fit for ``login-doctor: error: FILE: …``.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO, Any

from diagnose.har.limits import MAX_DEPTH, MAX_ENTRY_CHARS, MAX_VALUE_CHARS, READ_CHUNK


class HarFormatError(Exception):
    """The file is not a HAR this reader can use; the message says what and where."""


@dataclass(frozen=True, slots=True)
class LogField:
    """A member of ``log`` other than ``entries`` (``version``, ``creator``, ``pages``, …)."""

    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class EntriesStart:
    """``log.entries`` begins (members after it follow the last entry)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One element of ``log.entries``, decoded (not yet checked for shape)."""

    index: int
    value: Any
    chars: int
    """Characters of JSON it took in the file."""


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    """An entry too large to hold (over ``MAX_ENTRY_CHARS``): skipped, nothing of it kept."""

    index: int
    chars: int


@dataclass(frozen=True, slots=True)
class EntriesEnd:
    count: int


@dataclass(frozen=True, slots=True)
class TopField:
    """A member of the top-level object other than ``log`` (not HAR 1.2, but kept)."""

    key: str
    value: Any


Event = LogField | EntriesStart | Entry | SkippedEntry | EntriesEnd | TopField

_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["{}\[\]]')
_STRING_BODY = re.compile(r'[^"\\]*')
_ERROR_MARGIN = 8
"""A decode error this close to the end of the buffer may only mean "read more"."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _Decoder(json.JSONDecoder):
    def __init__(self) -> None:
        super().__init__(parse_constant=_reject_constant)


class HarStream:
    """Pull events out of a binary file object holding a HAR (UTF-8 JSON)."""

    def __init__(self, fh: IO[bytes], *, max_entry_chars: int = MAX_ENTRY_CHARS) -> None:
        self._fh = fh
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._bytes_read = 0
        self._dropped_lines = 0
        """Newlines in text already dropped from the buffer (for line numbers)."""
        self._dropped_line_start = 0
        self._decoder = _Decoder()
        self._max_entry = max_entry_chars
        self._first = True

    # -- public --------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        """Every event of the file, in document order; raises :class:`HarFormatError`."""
        self._expect("{", "the file does not start with a JSON object: it is not a HAR file")
        seen_log = False
        for key in self._members("top level"):
            if key == "log":
                if seen_log:
                    raise self._error("the file has two 'log' members")
                seen_log = True
                yield from self._log()
            else:
                yield TopField(key, self._value(key, MAX_VALUE_CHARS))
        self._skip_ws()
        if self._peek():
            raise self._error("there is more text after the end of the HAR object")
        if not seen_log:
            raise HarFormatError("the file is JSON but has no 'log' object: it is not a HAR file")

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    # -- structure -----------------------------------------------------------------------

    def _log(self) -> Iterator[Event]:
        self._skip_ws()
        if self._peek() != "{":
            raise self._error("'log' is not an object")
        self._pos += 1
        seen_entries = False
        for key in self._members("log"):
            if key == "entries":
                if seen_entries:
                    raise self._error("'log' has two 'entries' members")
                seen_entries = True
                yield EntriesStart()
                count = yield from self._entries()
                yield EntriesEnd(count)
            else:
                yield LogField(key, self._value(f"log.{_short(key)}", MAX_VALUE_CHARS))
        if not seen_entries:
            raise HarFormatError("'log' has no 'entries' list: it is not a HAR file")

    def _members(self, where: str) -> Iterator[str]:
        """Keys of the object whose ``{`` was just consumed; the caller consumes each value."""
        self._skip_ws()
        if self._peek() == "}":
            self._pos += 1
            return
        while True:
            self._skip_ws()
            if self._peek() != '"':
                raise self._error(f"expected a member name in {where}")
            key = self._value(where, 64 * 1024)
            self._skip_ws()
            if self._peek() != ":":
                raise self._error(f"expected ':' after a member name in {where}")
            self._pos += 1
            yield str(key)
            self._skip_ws()
            c = self._peek()
            if c == ",":
                self._pos += 1
                continue
            if c == "}":
                self._pos += 1
                return
            raise self._error(f"expected ',' or '}}' in {where}")

    def _entries(self) -> Generator[Event, None, int]:
        self._skip_ws()
        if self._peek() != "[":
            raise self._error("'log.entries' is not a list")
        self._pos += 1
        self._skip_ws()
        if self._peek() == "]":
            self._pos += 1
            return 0
        index = 0
        while True:
            self._skip_ws()
            start = self._pos
            decoded = self._try_value(f"log.entries[{index}]", self._max_entry)
            if decoded is _TOO_LARGE:
                chars = self._skip_value(f"log.entries[{index}]", start)
                yield SkippedEntry(index, chars)
            else:
                yield Entry(index, decoded, self._pos - start)
            index += 1
            self._skip_ws()
            c = self._peek()
            if c == ",":
                self._pos += 1
                continue
            if c == "]":
                self._pos += 1
                return index
            raise self._error(f"expected ',' or ']' after log.entries[{index - 1}]")

    # -- values --------------------------------------------------------------------------

    def _value(self, where: str, limit: int) -> Any:
        value = self._try_value(where, limit)
        if value is _TOO_LARGE:
            raise self._error(f"{where} is larger than {limit // (1024 * 1024) or 1} MiB")
        return value

    def _try_value(self, where: str, limit: int) -> Any:
        """Decode the value at the cursor, reading more as needed, up to ``limit`` characters."""
        self._skip_ws()
        self._compact()
        want = READ_CHUNK
        while True:
            self._fill(want)
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or not _maybe_incomplete(exc, len(self._buf)):
                    if self._eof and _maybe_incomplete(exc, len(self._buf)):
                        raise self._error(f"the file ends in the middle of {where}: it is truncated") from None
                    raise self._error(f"{where} is not valid JSON ({exc.msg})", exc.pos) from None
                if len(self._buf) - self._pos >= limit:
                    return _TOO_LARGE
                want = min(max(want * 2, len(self._buf) - self._pos + READ_CHUNK), limit + READ_CHUNK)
                continue
            except RecursionError:
                raise self._error(f"{where} is nested too deeply") from None
            except ValueError as exc:  # NaN/Infinity, an integer of thousands of digits
                raise self._error(f"{where} holds an invalid number ({_first_line(exc)})") from None
            if end - self._pos > limit:
                return _TOO_LARGE
            depth = _depth(value)
            if depth > MAX_DEPTH:
                raise self._error(f"{where} is nested {depth} levels deep (at most {MAX_DEPTH} are read)")
            self._pos = end
            return value

    def _skip_value(self, where: str, start: int) -> int:
        """Scan past the value at ``start`` without keeping it; returns its length in characters."""
        self._pos = start
        depth = 0
        in_string = False
        length = 0
        while True:
            if self._pos >= len(self._buf):
                length += len(self._buf) - start
                self._buf, self._pos, start = "", 0, 0
                self._read(READ_CHUNK)
                if not self._buf:
                    raise HarFormatError(f"the file ends in the middle of {where}: it is truncated")
            buf, i = self._buf, self._pos
            if in_string:
                i = _STRING_BODY.match(buf, i).end()  # type: ignore[union-attr]
                if i >= len(buf):
                    self._pos = i
                    continue
                if buf[i] == "\\":
                    if i + 1 >= len(buf):
                        # An escape split across reads: keep the backslash for the next round.
                        length += i - start
                        self._buf, self._pos, start = buf[i:], 0, 0
                        self._read(READ_CHUNK)
                        if len(self._buf) < 2:
                            raise HarFormatError(f"the file ends in the middle of {where}: it is truncated")
                        continue
                    self._pos = i + 2
                    continue
                in_string = False
                self._pos = i + 1
                continue
            m = _STRUCT.search(buf, i)
            if m is None:
                self._pos = len(buf)
                continue
            c = m.group()
            self._pos = m.end()
            if c == '"':
                in_string = True
            elif c in "{[":
                depth += 1
                if depth > MAX_DEPTH:
                    raise self._error(f"{where} is nested more than {MAX_DEPTH} levels deep")
            else:
                depth -= 1
                if depth <= 0:
                    return length + self._pos - start

    # -- buffer --------------------------------------------------------------------------

    def _peek(self) -> str:
        if self._pos >= len(self._buf):
            self._fill(1)
        return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def _skip_ws(self) -> None:
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf) or self._eof:
                return
            self._fill(1)

    def _expect(self, char: str, message: str) -> None:
        self._skip_ws()
        if self._peek() == "\ufeff" and self._first:  # a byte-order mark some tools write
            self._pos += 1
            self._skip_ws()
        self._first = False
        if self._peek() != char:
            raise HarFormatError(message)
        self._pos += 1

    def _fill(self, chars: int) -> None:
        """Make at least ``chars`` characters available after the cursor (fewer at the end of the file)."""
        while len(self._buf) - self._pos < chars and not self._eof:
            self._read(max(READ_CHUNK, chars - (len(self._buf) - self._pos)))

    def _compact(self) -> None:
        if self._pos > READ_CHUNK:
            dropped = self._buf[: self._pos]
            self._dropped_lines += dropped.count("\n")
            last_nl = dropped.rfind("\n")
            self._dropped_line_start = (
                len(dropped) - last_nl - 1 if last_nl != -1 else self._dropped_line_start + len(dropped)
            )
            self._buf = self._buf[self._pos :]
            self._pos = 0

    def _read(self, size: int) -> None:
        data = self._fh.read(size)
        try:
            text = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise HarFormatError(
                f"the file is not UTF-8 text (invalid byte at byte {self._bytes_read + exc.start:,})"
            ) from None
        self._bytes_read += len(data)
        if not data:
            self._eof = True
        if "\x00" in text and self._bytes_read <= len(data):
            raise HarFormatError("the file is binary, not JSON text")
        self._buf += text

    def _error(self, message: str, pos: int | None = None) -> HarFormatError:
        where = self._pos if pos is None else pos
        where = min(where, len(self._buf))
        before = self._buf[:where]
        lines = before.count("\n")
        column = where - before.rfind("\n") if lines else self._dropped_line_start + where + 1
        return HarFormatError(f"{message} (line {self._dropped_lines + lines + 1:,}, column {column:,})")


_TOO_LARGE: Any = object()


def _maybe_incomplete(exc: json.JSONDecodeError, length: int) -> bool:
    """Whether a decode error may only mean the buffer ends too soon."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= length - _ERROR_MARGIN


def _depth(value: Any) -> int:
    """Nesting depth of a decoded value (iterative: the value may be deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


def _short(key: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in key)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."
