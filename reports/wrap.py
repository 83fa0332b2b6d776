"""Word wrapping in time linear in the text: :func:`textwrap.wrap`'s lines, without its quadratic step.

:func:`textwrap.wrap` breaks a word longer than a line by copying the rest of
the word for every line it fills, so one 4 MB word (a hostile server's header,
a plugin's summary) takes minutes: 1 MB took 2 s, 2 MB 6 s, 4 MB 19 s. This is
the same algorithm (greedy lines, whitespace dropped at line ends, long words
broken at the line width or after a hyphen) walking the words by index and
offset, so every character is copied a bounded number of times. For every text
its lines equal ``textwrap.wrap(text, width, initial_indent=indent,
subsequent_indent=indent)`` (``tests/reports/test_wrap.py`` holds it to that).
"""

from __future__ import annotations

import re
import textwrap
from bisect import bisect_right
from itertools import accumulate

_WHITESPACE = "\t\n\x0b\x0c\r "
_TO_SPACE = str.maketrans(dict.fromkeys(_WHITESPACE, " "))
_SIMPLE = re.compile(f"([{re.escape(_WHITESPACE)}]+)")
_HYPHENATED = textwrap.TextWrapper.wordsep_re
"""textwrap's own splitter, which also splits hyphenated words; without a hyphen in the
text it gives the same chunks as the (much faster) whitespace split."""


_OTHER_SPACE = re.compile(r"[^\S ]")
"""Whitespace other than the space (NBSP, U+3000, …): textwrap keeps it inside words but drops a
word made only of it at a line's end, which the fast path does not model."""


def wrap(text: str, width: int, indent: str = "", *, break_on_hyphens: bool = True) -> list[str]:
    """``text`` in lines of at most ``width`` characters, each starting with ``indent``; with
    ``break_on_hyphens=False`` a hyphenated word (``app.atera-lab.test``) is never split at its hyphen."""
    text = text.expandtabs().translate(_TO_SPACE)
    hyphens = break_on_hyphens and "-" in text
    if not hyphens and width > len(indent) and not _OTHER_SPACE.search(text):
        return _plain(text, width - len(indent), indent)
    splitter = _HYPHENATED if hyphens else _SIMPLE
    chunks = [c for c in splitter.split(text) if c]
    return _Lines(chunks, width - len(indent), indent, hyphens).all()


class _Lines:
    """The greedy line filling of ``textwrap.TextWrapper._wrap_chunks`` over (chunk, offset)."""

    def __init__(self, chunks: list[str], width: int, indent: str, hyphens: bool = True) -> None:
        self.chunks = chunks
        self.hyphens = hyphens
        self.ends = [len(c.rstrip()) for c in chunks]
        """Where each chunk's last non-whitespace character ends: a rest from there on is blank."""
        self.starts = [0, *accumulate(len(c) for c in chunks)]
        """``starts[k]``: characters before chunk ``k``, so a line's whole chunks are found by bisection."""
        self.width = width
        self.indent = indent
        self.i = 0
        self.off = 0

    def rest_len(self) -> int:
        return len(self.chunks[self.i]) - self.off

    def take_rest(self) -> str:
        chunk, off = self.chunks[self.i], self.off
        self.i, self.off = self.i + 1, 0
        return chunk[off:] if off else chunk

    def all(self) -> list[str]:
        lines: list[str] = []
        while self.i < len(self.chunks):
            if lines and self.off >= self.ends[self.i]:  # a blank chunk never starts a line
                self.i, self.off = self.i + 1, 0
            line = self.line()
            if line:
                lines.append(self.indent + "".join(line))
        return lines

    def line(self) -> list[str]:
        line: list[str] = []
        used = 0
        if self.off and self.rest_len() <= self.width:  # the rest of a broken word
            used = self.rest_len()
            line.append(self.take_rest())
        if not self.off and self.i < len(self.chunks):
            last = bisect_right(self.starts, self.starts[self.i] + self.width - used, self.i) - 1
            if last > self.i:  # whole chunks i .. last-1 fit
                line += self.chunks[self.i:last]
                used += self.starts[last] - self.starts[self.i]
                self.i = last
        if self.i < len(self.chunks) and self.rest_len() > self.width:
            line.append(self.break_long_word(used))
        if line and not line[-1].strip():
            line.pop()
        return line

    def break_long_word(self, used: int) -> str:
        """As much of a word longer than any line as fits, broken after a hyphen if there is one."""
        space = 1 if self.width < 1 else self.width - used
        chunk, off = self.chunks[self.i], self.off
        end = space
        if self.hyphens and self.rest_len() > space:
            hyphen = chunk.rfind("-", off, off + space) - off
            if hyphen > 0 and chunk[off:off + hyphen].strip("-"):
                end = hyphen + 1
        self.off += end
        if self.off >= len(chunk):
            self.i, self.off = self.i + 1, 0
        return chunk[off:off + end]


def _plain(text: str, width: int, indent: str) -> list[str]:
    """The lines of a text whose only whitespace is the space and that has no hyphen (or whose hyphens
    do not break), found
    with string searches on a window of ``width`` characters per line (no list of words)."""
    lines: list[str] = []
    pos, size = 0, len(text)
    while pos < size:
        if lines and text[pos] == " ":  # a line never starts with the space between words
            pos = _after_spaces(text, pos)
            if pos >= size:
                break
        line, pos, full = _plain_line(text, pos, width)
        if not full:
            line = line.rstrip(" ")
        if line:
            lines.append(indent + line)
    return lines


_SPACES = re.compile(" +")


def _after_spaces(text: str, pos: int) -> int:
    match = _SPACES.match(text, pos)
    return match.end() if match else pos


def _plain_line(text: str, pos: int, width: int) -> tuple[str, int, bool]:
    """One line from ``pos``: whole words and spaces that fit, then the start of a word longer
    than any line; returns the line, where the next one starts, and whether the line keeps its
    trailing spaces. (textwrap's quirk: when the line is already full and a word longer than any
    line follows, it appends an empty piece of that word and then drops that piece, not the spaces.)"""
    end = pos + width
    if end >= len(text):
        return text[pos:], len(text), False
    if (text[end - 1] == " ") != (text[end] == " "):
        cut = end  # a word or a run of spaces ends exactly at the line's end
    elif text[end] == " ":
        cut = pos + len(text[pos:end].rstrip(" "))  # the run of spaces that does not fit starts here
    else:
        cut = text.rfind(" ", pos, end) + 1 or pos  # the word that does not fit starts here
    if _longer_than(text, cut, width):  # the next word is longer than any line: as much of it as fits
        space = width - (cut - pos)
        return text[pos:cut + space], cut + space, space == 0
    return text[pos:cut], cut, False


def _longer_than(text: str, pos: int, width: int) -> bool:
    """Whether the word (or run of spaces) at ``pos`` is longer than ``width``, looking no further."""
    stop = pos + width + 1
    if stop > len(text):
        return False
    if text[pos] == " ":
        match = _SPACES.match(text, pos, stop)
        return match is not None and match.end() == stop
    return text.find(" ", pos, stop) < 0
