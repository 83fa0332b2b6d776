"""Firefox's ``prefs.js`` and ``user.js``, parsed without evaluating anything.

Both files are JavaScript-like, but Firefox itself reads them with a small
dedicated parser (``modules/libpref/parser``), not a JavaScript engine. This
reads only the one form the brief allows, one statement at a time::

    user_pref("network.cookie.cookieBehavior", 2);
    user_pref("network.proxy.http", "proxy.example.com");
    user_pref("security.enterprise_roots.enabled", false);

Values are strings (double or single quotes, with the usual backslash
escapes), ``true``/``false`` and integers. Comments (``//``, ``/* */`` and
``#``, as Firefox's parser allows) are removed first; anything else
(``pref(...)``, ``sticky_pref(...)``, expressions) is skipped, never run.
Later statements win, as in Firefox, and ``user.js`` is applied after
``prefs.js`` (Firefox copies it over ``prefs.js`` at start-up).
"""

from __future__ import annotations

import re

PrefValue = str | int | bool

_STRING = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_STATEMENT = re.compile(
    rf"""^[ \t]*user_pref[ \t]*\([ \t]*(?P<name>{_STRING})[ \t]*,[ \t]*
         (?P<value>{_STRING}|true|false|[-+]?\d{{1,18}})[ \t]*\)[ \t]*;""",
    re.MULTILINE | re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'"}

_STRINGS_AND_COMMENTS = re.compile(rf"""{_STRING}|/\*.*?(?:\*/|\Z)|//[^\n]*|\#[^\n]*""", re.S | re.X)

MAX_PREFS = 100_000


def _without_comments(text: str) -> str:
    """``text`` with comments blanked (line breaks kept); strings, which may hold ``//``, kept."""

    def blank(m: re.Match[str]) -> str:
        token = m.group(0)
        return token if token[0] in "\"'" else "\n" * token.count("\n")

    return _STRINGS_AND_COMMENTS.sub(blank, text)


def parse_prefs(text: str) -> dict[str, PrefValue]:
    """``{name: value}`` of every ``user_pref`` statement in ``text``."""
    prefs: dict[str, PrefValue] = {}
    for match in _STATEMENT.finditer(_without_comments(text)):
        if len(prefs) >= MAX_PREFS:
            break
        prefs[_unquote(match.group("name"))] = _value(match.group("value"))
    return prefs


def _value(text: str) -> PrefValue:
    if text == "true":
        return True
    if text == "false":
        return False
    if text[0] in "\"'":
        return _unquote(text)
    return int(text)


def _unquote(text: str) -> str:
    return _ESCAPE.sub(_unescape, text[1:-1])


def _unescape(m: re.Match[str]) -> str:
    escape = m.group(1)
    if escape[0] in "ux" and len(escape) > 1:
        return chr(int(escape[1:], 16))
    return _SIMPLE_ESCAPES.get(escape, escape)
