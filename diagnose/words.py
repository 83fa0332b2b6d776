"""Counting and time in plain English, one way everywhere.

Every sentence login-doctor shows that holds a number goes through here: the
renderers, the terminal app, the command line and the checks. So a report
never says "1 checks" or "browsers accept all 0 cookies", and the clock and
the certificate checks describe the same 400-day offset with the same words.

* :func:`count` — ``count(1, "check")`` is ``"1 check"``, ``count(3, "check")``
  ``"3 checks"``; an irregular plural is given (``count(2, "entry", "entries")``).
* :func:`plural` — the word alone, for "the cookie" / "the cookies".
* :func:`join` — ``["a", "b", "c"]`` reads ``"a, b and c"``.
* :func:`duration` — seconds as a person says them: ``"0.25 seconds"``,
  ``"40.0 seconds"``, ``"1 minute 35 seconds"``, ``"2 hours 3 minutes"``,
  ``"1 day 6 hours"``, ``"400 days"``.
* :func:`choose` — the plural syntax of finding-message templates
  (``{count:~redirect}``, ``{cookie_names:~the cookie|the cookies}``), which
  :func:`diagnose.check.fill` applies; :class:`TemplateFormatter` is that formatter.

Only the standard library; no I/O. Sits in the bottom layer so that anything may use it.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sized
from typing import Any

__all__ = ["TemplateFormatter", "choose", "count", "duration", "join", "plural"]

MINUTE, HOUR, DAY = 60, 3600, 86400


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """The word that goes with ``n``: ``singular`` for exactly 1, else the plural.

    The regular plural adds ``s`` (``es`` after s, x, z, ch, sh; ``ies`` after a
    consonant and y); give ``plural_form`` for anything else.
    """
    if n == 1:
        return singular
    return plural_form if plural_form is not None else _regular_plural(singular)


def count(n: float, singular: str, plural_form: str | None = None, *, zero: str | None = None) -> str:
    """``"1 check"``, ``"3 checks"``; ``zero`` replaces the whole phrase for 0 (``"no cookies"``)."""
    if n == 0 and zero is not None:
        return zero
    number = f"{n:,}" if isinstance(n, int) else f"{n:g}"
    return f"{number} {plural(n, singular, plural_form)}"


def join(items: Iterable[object], conjunction: str = "and") -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"`` (no serial comma, as the rest of the product writes)."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def duration(seconds: float) -> str:
    """A length of time (the sign is ignored) in the two largest units that matter.

    Below a minute the seconds keep their precision (a clock 29.6 or 30.4 seconds
    off is a different verdict); above, whole units, the smaller left out when it
    is zero, and from two days on whole days only (nobody needs the hours of a
    certificate that expired 311 days ago)::

        0.25 seconds · 40.0 seconds · 1 minute 35 seconds · 6 minutes
        2 hours 3 minutes · 1 day 6 hours · 400 days · 4,627 days (about 13 years)
    """
    s = abs(seconds)
    if s < 1:
        return f"{s:.2f} seconds"
    if round(s, 1) < MINUTE:
        return f"{s:.1f} seconds"
    if round(s) < HOUR:
        return _two_units(round(s), MINUTE, "minute", 1, "second")
    if round(s / MINUTE) * MINUTE < DAY:
        return _two_units(round(s / MINUTE) * MINUTE, HOUR, "hour", MINUTE, "minute")
    if round(s / HOUR) * HOUR < 2 * DAY:
        return _two_units(round(s / HOUR) * HOUR, DAY, "day", HOUR, "hour")
    days = round(s / DAY)
    return count(days, "day") if days < 730 else f"{count(days, 'day')} (about {s / 31_557_600:.0f} years)"


def _two_units(total: int, big: int, big_name: str, small: int, small_name: str) -> str:
    first, rest = divmod(total, big)
    second = rest // small
    text = count(first, big_name)
    return f"{text} {count(second, small_name)}" if second else text


def _regular_plural(word: str) -> str:
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return f"{prefix}{last}es"
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return f"{prefix}{last[:-1]}ies"
    return f"{prefix}{last}s"


# -------------------------------------------------------------------- message templates


def choose(value: Any, spec: str) -> str:
    """Apply a plural spec (the part after ``~``) to ``value``.

    ``value`` is a number, or a list (or any sized value) whose length is the
    number. ``spec`` is ``singular`` (→ ``"1 redirect"``, ``"20 redirects"``) or
    ``one|other``, in which ``#`` stands for the number (``"# entry|# entries"``);
    without ``#`` only the words are chosen (``"the cookie|the cookies"``,
    ``"it|them"``).
    """
    n = len(value) if isinstance(value, Sized) and not isinstance(value, str) else _number(value)
    if n is None:
        return str(value)
    if "|" not in spec and "#" not in spec:
        return count(n, spec)
    one, _, other = spec.partition("|")
    form = one if n == 1 else (other or _regular_plural(one))
    return form.replace("#", f"{n:,}" if isinstance(n, int) else f"{n:g}")


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


class TemplateFormatter(string.Formatter):
    """:class:`string.Formatter` that also understands ``{name:~spec}`` (see :func:`choose`)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec.startswith("~"):
            return choose(value, format_spec[1:])
        return super().format_field(value, format_spec)
