"""Counting and time in plain English (diagnose.words), and the plural syntax of message templates."""

from __future__ import annotations

import pytest

from diagnose.check import fill
from diagnose.words import choose, count, duration, join, plural


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (0, "check", "0 checks"),
        (1, "check", "1 check"),
        (2, "check", "2 checks"),
        (1_000, "request", "1,000 requests"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (2, "address", "2 addresses"),
        (2, "time server", "2 time servers"),
        (1.5, "second", "1.5 seconds"),
    ],
)
def test_count(n: float, word: str, expected: str) -> None:
    assert count(n, word) == expected


def test_count_with_an_irregular_plural_and_a_zero_phrase() -> None:
    assert count(2, "child", "children") == "2 children"
    assert count(0, "cookie", zero="no cookies") == "no cookies"
    assert count(1, "cookie", zero="no cookies") == "1 cookie"
    assert plural(1, "it", "them") == "it" and plural(3, "it", "them") == "them"


def test_join_reads_as_a_sentence() -> None:
    assert join([]) == ""
    assert join(["sid"]) == "sid"
    assert join(["sid", "pref"]) == "sid and pref"
    assert join(["a", "b", "c"]) == "a, b and c"
    assert join(["a", "b"], "or") == "a or b"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.004, "0.00 seconds"),
        (0.25, "0.25 seconds"),
        (-0.25, "0.25 seconds"),
        (1, "1.0 seconds"),
        (40, "40.0 seconds"),
        (59.96, "1 minute"),
        (95, "1 minute 35 seconds"),
        (360, "6 minutes"),
        (3599.7, "1 hour"),
        (2 * 3600 + 3 * 60, "2 hours 3 minutes"),
        (86399, "1 day"),
        (30 * 3600, "1 day 6 hours"),
        (2 * 86400, "2 days"),
        (400 * 86400, "400 days"),
        (-400 * 86400, "400 days"),
        (311.4 * 86400, "311 days"),
    ],
)
def test_duration(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


def test_a_400_day_offset_is_never_counted_in_hours() -> None:
    # the defect: the clock check said "9600 hours 0 minutes" where the certificate check said "400 days"
    assert "hour" not in duration(9600 * 3600)


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (1, "redirect", "1 redirect"),
        (20, "redirect", "20 redirects"),
        ("20", "redirect", "20 redirects"),
        (1, "# entry|# entries", "1 entry"),
        (3, "# entry|# entries", "3 entries"),
        (["sid"], "the cookie|the cookies", "the cookie"),
        (["sid", "pref"], "the cookie|the cookies", "the cookies"),
        (["sid", "pref"], "it|them", "them"),
        ("not a number", "redirect", "not a number"),
    ],
)
def test_choose(value: object, spec: str, expected: str) -> None:
    assert choose(value, spec) == expected


def test_fill_applies_the_plural_syntax_and_stays_lenient() -> None:
    template = "Browsers reject {names:~the cookie|the cookies} {cookies} after {count:~redirect}; {missing:~x}."
    assert fill(template, {"names": ["sid"], "cookies": "sid", "count": 1}) == (
        "Browsers reject the cookie sid after 1 redirect; {missing}."
    )
    assert fill(template, {"names": ["a", "b"], "cookies": "a, b", "count": 21}) == (
        "Browsers reject the cookies a, b after 21 redirects; {missing}."
    )
    assert fill("{x:.1f} s", {"x": 2}) == "2.0 s"  # ordinary format specs still work


def test_a_very_long_duration_also_says_years() -> None:
    assert duration(4627 * 86400) == "4,627 days (about 13 years)"
    assert duration(729 * 86400) == "729 days"
