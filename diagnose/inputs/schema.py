"""A small typed schema for configuration data (the vendor profile): types, lengths, list sizes.

Each spec checks one value and names the key when it is wrong::

    Table({"clock": Table({"ntp_servers": ListOf(Endpoint(123), 16)})}).check(data, Where("profile x"))
    # UsageError: profile x: clock.ntp_servers[2]: expected a host name or IP address, got an integer (42)

Specs are frozen data; the profile's schema (:mod:`diagnose.inputs.profile`) is
a table of them. A check then reads values of the types the schema promised.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from diagnose.inputs.limits import MAX_INTEGER, MAX_LIST_ITEMS, MAX_PROFILE_STRING, MAX_TABLE_KEYS
from diagnose.inputs.text import shown
from diagnose.settings import UsageError


@dataclass(frozen=True, slots=True)
class Where:
    """The document and the key path of a value: ``profile x.toml: clock.ntp_servers[2]``."""

    document: str
    path: str = ""

    def key(self, name: str) -> Where:
        part = shown(name, 60)
        return Where(self.document, f"{self.path}.{part}" if self.path else part)

    def item(self, index: int) -> Where:
        return Where(self.document, f"{self.path}[{index}]")

    def __str__(self) -> str:
        return f"{self.document}: {self.path or '(top)'}"

    def error(self, message: str) -> UsageError:
        return UsageError(f"{self}: {message}")


def describe(value: Any) -> str:
    """``a string ('abc…')``, ``an integer (42)``, ``a list of 3 items``: what was found instead."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**30 else f"{len(str(abs(value)))} digits"
        return f"an integer ({text})"
    if isinstance(value, float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({shown(value, 40)!r})"
    if isinstance(value, list):
        return f"a list of {len(value):,} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"a table of {len(value):,} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (datetime.date, datetime.time)):
        return f"a date or time ({value.isoformat()})"
    return f"a {type(value).__name__}"


class Spec:
    """One value's expected shape."""

    def check(self, value: Any, where: Where) -> None:
        raise NotImplementedError

    def expectation(self) -> str:
        """``a string``, ``a list of host names``: what the value should be, in words."""
        return "a value"

    def wrong(self, value: Any, where: Where) -> UsageError:
        return where.error(f"expected {self.expectation()}, got {describe(value)}")


@dataclass(frozen=True)
class Text(Spec):
    """A string of at most ``max_chars`` characters; ``parse`` (if any) must accept it."""

    max_chars: int = MAX_PROFILE_STRING
    min_chars: int = 0
    choices: tuple[str, ...] = ()
    parse: Callable[[str, str], object] | None = None
    """``parse(text, where)`` raises :class:`UsageError` (naming ``where``) when the text is not of the kind."""
    kind: str = "a string"

    def expectation(self) -> str:
        return self.kind

    def check(self, value: Any, where: Where) -> None:
        if not isinstance(value, str):
            raise self.wrong(value, where)
        if len(value.strip()) < self.min_chars:
            raise where.error("must not be empty")
        if len(value) > self.max_chars:
            raise where.error(f"longer than {self.max_chars:,} characters ({len(value):,})")
        if self.choices and value not in self.choices:
            raise where.error(f"{shown(value)!r} is not one of {', '.join(self.choices)}")
        if self.parse is not None:
            self.parse(value, str(where))


@dataclass(frozen=True)
class Integer(Spec):
    """A whole number from ``low`` to ``high`` (a boolean is not one)."""

    low: int = -MAX_INTEGER
    high: int = MAX_INTEGER

    def expectation(self) -> str:
        return f"a whole number from {self.low} to {self.high}"

    def check(self, value: Any, where: Where) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not self.low <= value <= self.high:
            raise self.wrong(value, where)


@dataclass(frozen=True)
class Boolean(Spec):
    def expectation(self) -> str:
        return "true or false"

    def check(self, value: Any, where: Where) -> None:
        if not isinstance(value, bool):
            raise self.wrong(value, where)


@dataclass(frozen=True)
class Scalar(Spec):
    """A string (bounded), a whole number, a finite number or a boolean: a fact a message may name."""

    max_chars: int = MAX_PROFILE_STRING

    def expectation(self) -> str:
        return "a string, a number or true/false"

    def check(self, value: Any, where: Where) -> None:
        if isinstance(value, str):
            Text(self.max_chars).check(value, where)
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            Integer().check(value, where)
        elif not (isinstance(value, float) and abs(value) < 1e300):
            raise self.wrong(value, where)


@dataclass(frozen=True)
class ListOf(Spec):
    """A list of at most ``max_items`` values of ``item``."""

    item: Spec
    max_items: int = MAX_LIST_ITEMS
    min_items: int = 0

    def expectation(self) -> str:
        return f"a list of {self.item.expectation().removeprefix('a ').removeprefix('an ')}s"

    def check(self, value: Any, where: Where) -> None:
        if not isinstance(value, list):
            raise self.wrong(value, where)
        if len(value) > self.max_items:
            raise where.error(f"at most {self.max_items:,} entries are read ({len(value):,} given)")
        if len(value) < self.min_items:
            raise where.error(f"must name at least {self.min_items} entr{'y' if self.min_items == 1 else 'ies'}")
        for index, item in enumerate(value):
            self.item.check(item, where.item(index))


@dataclass(frozen=True)
class Table(Spec):
    """A table with known ``fields`` (``required`` ones must be there); other keys follow ``other``,
    or are refused when ``other`` is None."""

    fields: Mapping[str, Spec] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    other: Spec | None = None
    max_keys: int = MAX_TABLE_KEYS

    def expectation(self) -> str:
        return "a table"

    def check(self, value: Any, where: Where) -> None:
        if not isinstance(value, dict):
            raise self.wrong(value, where)
        if len(value) > self.max_keys + len(self.fields):
            raise where.error(f"at most {self.max_keys:,} keys are read ({len(value):,} given)")
        for name in sorted(self.required - set(value)):
            raise where.key(name).error("missing (it is required)")
        for name, item in value.items():
            spec = self.fields.get(name, self.other)
            if spec is None:
                known = ", ".join(sorted(self.fields))
                raise where.key(name).error(f"unknown setting (known here: {known})")
            spec.check(item, where.key(name))


@dataclass(frozen=True)
class Anything(Spec):
    """A value of a table this schema does not know (a plugin's section): any TOML value,
    bounded in nesting, list size and string length."""

    depth: int = 4

    def expectation(self) -> str:
        return "a TOML value"

    def check(self, value: Any, where: Where) -> None:
        if isinstance(value, (dict, list)) and self.depth <= 0:
            raise where.error("nested too deeply")
        inner = Anything(self.depth - 1)
        if isinstance(value, dict):
            Table(other=inner).check(value, where)
        elif isinstance(value, list):
            ListOf(inner).check(value, where)
        elif isinstance(value, (str, int, float)):
            Scalar().check(value, where)
        elif not isinstance(value, (datetime.date, datetime.time)):
            raise self.wrong(value, where)


def count_values(value: Any, limit: int, where: Where) -> None:
    """Refuse a document of more than ``limit`` values (keys, items and scalars), counted iteratively."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        if count > limit:
            raise where.error(f"holds more than {limit:,} values")
