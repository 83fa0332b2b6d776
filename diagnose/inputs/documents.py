"""JSON and TOML documents parsed within bounds: encoding, nesting, number sizes, element counts.

Python's parsers are correct but not defensive: ``json`` and ``tomllib`` recurse
(a document of 100,000 ``[`` ends in :class:`RecursionError`), ``int()`` refuses
more than 4,300 digits with a :class:`ValueError` of its own, and a 64 MiB
JSON array of empty objects costs gigabytes. Here each of those is a
:class:`~diagnose.settings.UsageError` naming the document and the place, and
the parsed value is known to be no deeper than the limit.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from diagnose.inputs.limits import MAX_INTEGER, MAX_JSON_DEPTH, MAX_NUMBER_CHARS, MAX_TOML_DEPTH
from diagnose.inputs.text import decode_utf8, shown
from diagnose.settings import UsageError

MAX_JSON_CONTAINERS = 2_000_000
"""Objects and arrays in one JSON document at most (about 200 MB of Python objects)."""

MAX_JSON_ITEMS = 8_000_000
"""Values in one JSON document at most (counted by their separating commas)."""

_PRESCAN_FROM = 1024 * 1024
"""Documents shorter than this cannot hold enough values to matter; larger ones are counted first."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LONG_NUMBER = re.compile(rf"[-+]?[0-9][0-9_a-fA-FxXoObB.eE+-]{{{MAX_NUMBER_CHARS},}}")


class _NumberTooLong(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(f"a number of {len(text):,} digits (at most {MAX_NUMBER_CHARS} characters are read)")
    value = int(text)
    if abs(value) > MAX_INTEGER:
        raise _NumberTooLong(f"the integer {text} is out of range (at most ±2^63-1)")
    return value


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(f"a number of {len(text):,} characters (at most {MAX_NUMBER_CHARS} are read)")
    value = float(text)
    if not math.isfinite(value):
        raise _NumberTooLong(f"the number {text} is out of range")
    return value


def _reject_constant(name: str) -> Any:
    raise _NumberTooLong(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_reject_constant)


def parse_json(data: bytes, what: str, *, depth: int = MAX_JSON_DEPTH, noun: str = "JSON") -> Any:
    """``data`` (UTF-8 JSON) as Python values, or a :class:`UsageError` naming ``what`` and the place."""
    text = decode_utf8(data, what)
    if len(text) >= _PRESCAN_FROM:
        _count_json(text, what)
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what}: not {noun} ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise UsageError(f"{what}: nested more than {depth} levels deep") from None
    except _NumberTooLong as exc:
        raise UsageError(f"{what}: {exc}{_line_of(text, _LONG_NUMBER)}") from None
    too_deep = deeper_than(value, depth)
    if too_deep is not None:
        raise UsageError(f"{what}: nested more than {depth} levels deep (at {too_deep})")
    return value


def _count_json(text: str, what: str) -> None:
    """Refuse a large document that holds more values than can be held in memory sensibly."""
    if text.count("{") + text.count("[") <= MAX_JSON_CONTAINERS and text.count(",") <= MAX_JSON_ITEMS:
        return
    bare = _JSON_STRING.sub('""', text)
    containers = bare.count("{") + bare.count("[")
    if containers > MAX_JSON_CONTAINERS:
        raise UsageError(f"{what}: holds {containers:,} objects and arrays (at most {MAX_JSON_CONTAINERS:,} are read)")
    items = bare.count(",")
    if items > MAX_JSON_ITEMS:
        raise UsageError(f"{what}: holds {items:,} values (at most {MAX_JSON_ITEMS:,} are read)")


def parse_toml(data: bytes, what: str, *, depth: int = MAX_TOML_DEPTH) -> dict[str, Any]:
    """``data`` (UTF-8 TOML) as a table, or a :class:`UsageError` naming ``what`` and the place."""
    text = decode_utf8(data, what)
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{what}: not valid TOML ({exc})") from None
    except RecursionError:
        raise UsageError(f"{what}: nested more than {depth} levels deep") from None
    except ValueError as exc:  # int() of more than 4,300 digits
        raise UsageError(f"{what}: a number is too long to read ({_first_line(exc)}){_line_of(text, _LONG_NUMBER)}"
                         ) from None
    too_deep = deeper_than(value, depth)
    if too_deep is not None:
        raise UsageError(f"{what}: nested more than {depth} levels deep (at {too_deep})")
    return value


def deeper_than(value: Any, limit: int) -> str | None:
    """The path of the first array or object nested more than ``limit`` levels deep in ``value``,
    or None. Iterative: a document nested deeper than Python's recursion limit is measured too."""
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 0, ())]
    while stack:
        item, level, where = stack.pop()
        if isinstance(item, dict):
            children: Iterator[tuple[Any, Any]] = iter(item.items())
        elif isinstance(item, list):
            children = enumerate(item)
        else:
            continue
        if level >= limit:
            return path_text(where)
        for key, child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, level + 1, (where, key)))
    return None


def path_text(where: tuple[Any, ...]) -> str:
    """``(((), 'checks'), 0)`` → ``checks[0]``: a nested key path as people read it."""
    parts: list[str] = []
    while where:
        where, key = where
        parts.append(f"[{key}]" if isinstance(key, int) else f".{shown(str(key), 60)}")
    return shown("".join(reversed(parts)).lstrip("."), 200) or "(top)"


def _line_of(text: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(text)
    return f" at line {text.count(chr(10), 0, match.start()) + 1}" if match else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).split(";")[0].strip()
    return text[:120]
