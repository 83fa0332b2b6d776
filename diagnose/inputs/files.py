"""Reading a file or standard input at the door: regular files only, every read capped.

A FIFO would make ``open`` wait for a writer forever, a device such as
``/dev/zero`` never ends, a directory cannot be read: each is refused by its
kind before it is opened for reading, and once more on the opened descriptor
(the path may have been swapped in between). Every read stops one byte past its
limit, so an enormous file costs the limit, not its size.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from diagnose.inputs.limits import MAX_PATH_CHARS
from diagnose.inputs.text import size_words
from diagnose.settings import UsageError

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
"""``O_NONBLOCK``: opening a FIFO that appeared after the check returns at once instead of waiting."""


def check_path_text(text: str, what: str) -> str:
    """``text`` as a path the operating system can take, else :class:`UsageError`."""
    if not text:
        raise UsageError(f"{what}: an empty file name")
    if "\x00" in text:
        raise UsageError(f"{what}: the file name holds a NUL character")
    if len(text) > MAX_PATH_CHARS:
        raise UsageError(f"{what}: the file name is longer than {MAX_PATH_CHARS} characters")
    return text


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _refuse(what: str, kind: str) -> UsageError:
    if kind == "a directory":
        return UsageError(f"{what}: is a directory, not a file")
    return UsageError(f"{what}: is {kind}, not a regular file; save it to a file first")


def _os_error(what: str, exc: OSError) -> UsageError:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return UsageError(f"{what}: no such file")
    if isinstance(exc, PermissionError):
        return UsageError(f"{what}: permission denied")
    return UsageError(f"{what}: cannot read it ({exc.strerror or type(exc).__name__})")


def open_regular(path: str | Path, *, limit: int, what: str) -> BinaryIO:
    """Open the regular file at ``path`` for reading in binary, if it is at most ``limit`` bytes.

    Directories, FIFOs, sockets and devices are refused before they are opened;
    raises :class:`UsageError` with ``what`` ("profile file x.toml") in front.
    """
    text = check_path_text(os.fspath(path), what)
    try:
        info = os.stat(text)
    except OSError as exc:
        raise _os_error(what, exc) from None
    kind = kind_of(info.st_mode)
    if kind is not None:
        raise _refuse(what, kind)
    if info.st_size > limit:
        raise UsageError(f"{what}: larger than {size_words(limit)} ({info.st_size:,} bytes)")
    try:
        fd = os.open(text, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_error(what, exc) from None
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise _refuse(what, kind)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, *, limit: int, what: str) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`), at most ``limit``."""
    with open_regular(path, limit=limit, what=what) as fh:
        try:
            return read_capped(fh, limit=limit, what=what)
        except OSError as exc:
            raise _os_error(what, exc) from None


def read_capped(stream: IO[Any], *, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes from a binary stream (or the buffer under a text one);
    more is a :class:`UsageError`. A text stream without a buffer (a test's ``StringIO``)
    is read in characters and encoded as UTF-8, lone surrogates kept."""
    source = getattr(stream, "buffer", stream)
    data = source.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise UsageError(f"{what}: larger than {size_words(limit)}")
    return bytes(data)


def stdin_lines(stream: IO[Any], max_bytes: int) -> Iterator[str | None]:
    """Non-blank lines of ``stream`` (standard input), each read at most ``max_bytes`` at a time.

    Bytes are decoded with ``surrogateescape``: garbage turns into lone surrogates
    (which a file name may hold on POSIX, and which the url judge reports as "not
    text") instead of a decode error stopping the batch. A line longer than
    ``max_bytes`` is skipped to its end and given as None.
    """
    binary = getattr(stream, "buffer", None)
    if binary is None:
        for line in stream:
            text = line.rstrip("\r\n")
            if text.strip():
                yield text if len(text) <= max_bytes else None
        return
    while True:
        chunk: bytes = binary.readline(max_bytes + 1)
        if not chunk:
            return
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = binary.readline(max_bytes)
            yield None
            continue
        text = chunk.decode("utf-8", "surrogateescape").rstrip("\r\n")
        if text.strip():
            yield text
