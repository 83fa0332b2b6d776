"""The text report's word wrapping: the lines of :func:`textwrap.wrap`, in time linear in the text."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.wrap import wrap

PIECES = st.one_of(
    st.text(alphabet="ab .,!x", max_size=12),
    st.text(alphabet=" -\u00a0\t\n\u3000—", max_size=6),
    st.builds(lambda c, n: c * n, st.sampled_from(["y", " ", "-", "a-"]), st.integers(0, 140)),
)
TEXTS = st.lists(PIECES, max_size=20).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.sampled_from(["", " ", "   ", " " * 19, " " * 21]), st.integers(1, 100))
def test_the_lines_are_textwraps(text: str, indent: str, extra: int) -> None:
    width = len(indent) + extra
    assert wrap(text, width, indent) == textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(["", " ", " " * 19]), st.integers(1, 100))
def test_without_hyphen_breaks_the_lines_are_textwraps(text: str, indent: str, extra: int) -> None:
    width = len(indent) + extra
    assert wrap(text, width, indent, break_on_hyphens=False) == textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def test_textwraps_quirks_are_kept() -> None:
    # A full line followed by a word longer than any line keeps its trailing space (textwrap
    # appends an empty piece of the long word and drops that piece instead).
    for text, width, indent in (("yyyyyaa .yyyy", 4, ""), ("b b baax  .", 3, " "), ("      aayyyyxyyyyy ", 5, "  ")):
        assert wrap(text, width, indent) == textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)


def test_a_word_of_megabytes_is_cut_into_lines() -> None:
    lines = wrap("a" * 2_000_000, 100, " " * 19)
    assert len(lines) == 2_000_000 // 81 + 1 and all(len(line) <= 100 for line in lines)
