"""Homograph rules: when Unicode letters make a host look like another one.

A browser shows an internationalised host in Unicode when it judges it safe,
so ``аtera.com`` (Cyrillic ``а``) can read exactly like ``atera.com``. The
rules here are the ones Chromium's IDN spoof checker applies, driven by
Unicode's own security data (UTS #39), so the verdict matches what browsers
consider deceptive:

* **mixed scripts** in one label, beyond what UTS #39's *highly restrictive*
  level allows (Latin may mix with Han and Japanese kana, Han with Bopomofo
  or Hangul; Latin with Cyrillic or Greek may not);
* **whole-script confusables**: a label written entirely in one non-Latin
  script whose every letter has a Latin lookalike (``атера`` in Cyrillic);
* **skeletons**: UTS #39's skeleton maps each character to its confusable
  prototype; two strings that look the same have the same skeleton. As
  Chromium does, diacritics are removed first (``ạtera`` → ``atera``) and a
  few extra lookalikes ICU lacks are mapped (``т`` → ``t``);
* characters that **render like URL punctuation** (``⁄`` like ``/``, ``·``
  like ``.``), which make a host read as a different address.

Everything here is pure and offline; the tables load once per process.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import lru_cache

from checks._url.unicode_data import PROTOTYPES, SCRIPT_NAMES, SCRIPT_RANGES

COMMON = "Common"
INHERITED = "Inherited"
UNKNOWN = "Unknown"
_NEUTRAL = frozenset({COMMON, INHERITED})

_STARTS = tuple(first for first, _last, _script in SCRIPT_RANGES)

# Chromium's supplement to the Unicode confusables (skeleton_generator.cc,
# chromium/chromium commit 1749a822, "ExtraConf" rules): lookalikes of Latin
# letters and digits that confusables.txt does not map to them.
_CHROMIUM_EXTRA_GROUPS = (
    ("æӕ", "ae"), ("ϼҏ", "p"), ("ħнћңҥӈӊԋԧԩ", "h"), ("ĸκкқҝҟҡӄԟ", "k"), ("ŋпԥกח", "n"),
    ("ŧтҭԏ七丅丆丁", "t"), ("ƅьҍв", "b"), ("ωшщพฟພຟ", "w"), ("мӎ", "m"), ("єҽҿၔ", "e"),
    ("ґ", "r"), ("ғӻ", "f"), ("ҫင", "c"), ("ұ丫", "y"), ("χҳӽӿ乂", "x"), ("ԃძ", "d"),
    ("ԍဌ", "g"), ("ടรຣຮ", "s"), ("၂", "j"), ("०০੦૦ଠ୦೦", "o"), ("৭੧૧", "q"), ("บບ", "u"),
    ("θ", "0"), ("२২੨૨೩೭շ", "2"), ("зҙӡउওਤ੩૩౩ဒვპ", "3"), ("੫丩ㄐ", "4"), ("ճ", "6"),
    ("৪੪୫", "8"), ("૭୨౨", "9"), ("—一―⸺⸻", "-"),
)
_CHROMIUM_EXTRA = {ord(c): target for chars, target in _CHROMIUM_EXTRA_GROUPS for c in chars}

# Characters Chromium gives a second skeleton, because they look like two things.
_ALTERNATES = {"ӏ": ("l",), "þ": ("b", "p"), "œ": ("ce", "oe")}
_MAX_VARIANTS = 16

# Prototypes are compared lower-cased: hosts are lower-case after UTS #46, but a
# few prototypes are capitals (Cherokee Ꭺ → A; digit 0 → O).
_PROTOTYPE_TABLE = {ord(c): p.lower() for c, p in PROTOTYPES.items()}

# Diacritic removal applies only to Latin, Greek and Cyrillic hosts (as Chromium).
_LGC = frozenset({"Latin", "Greek", "Cyrillic"})
_DIACRITIC_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d"})

# Highly restrictive (UTS #39 §5.2): one script, or Latin with one of these CJK sets.
_CJK_SETS = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)

# Whole-script confusables are allowed under a TLD of their own script's
# countries (Chromium: Cyrillic under bg, by, kz, pyc, ru, su, ua, uz).
_SCRIPT_TLDS = {"Cyrillic": frozenset({"bg", "by", "kz", "xn--p1acf", "ru", "su", "ua", "uz"})}

SEPARATOR_LOOKALIKES = {
    "\u2044": "/", "\u2215": "/", "\u29f8": "/", "\u2571": "/", "\u30ce": "/", "\u4e3f": "/",
    "\u29f5": "\\", "\u2216": "\\", "\u244a": "\\",
    "\u00b7": ".", "\u2027": ".", "\u16eb": ".", "\u30fb": ".",
    "\u2236": ":", "\u0589": ":", "\ua789": ":", "\u02d0": ":",
    "\u01c0": "|", "\u2223": "|", "\u01c3": "!",
}
"""Characters a browser keeps inside a host that read as URL punctuation."""


def script(char: str) -> str:
    """The Unicode script of ``char`` (``Common`` for digits, ``-`` and ``.``)."""
    code = ord(char)
    if code < 0x80:
        return "Latin" if char.isalpha() else COMMON
    index = bisect_right(_STARTS, code) - 1
    if index >= 0:
        first, last, name = SCRIPT_RANGES[index]
        if first <= code <= last:
            return SCRIPT_NAMES[name]
    return UNKNOWN


def scripts(label: str) -> frozenset[str]:
    """The scripts of ``label``'s characters, leaving out Common and Inherited."""
    return frozenset(s for s in map(script, label) if s not in _NEUTRAL)


def is_mixed_script(label: str) -> bool:
    """True when ``label`` mixes scripts beyond UTS #39's highly restrictive level."""
    found = scripts(label)
    if len(found) <= 1:
        return False
    return not any(found <= allowed for allowed in _CJK_SETS)


def whole_script_confusable(label: str, tld: str) -> str | None:
    """The script name when ``label`` is one non-Latin script made only of Latin lookalikes.

    ``tld`` (Unicode form) exempts labels under a TLD of the same script, where
    such names are ordinary words (Chromium's rule).
    """
    found = scripts(label)
    if len(found) != 1:
        return None
    (name,) = found
    if name in ("Latin", UNKNOWN) or name in scripts(tld) or tld in _SCRIPT_TLDS.get(name, ()):
        return None
    letters = [c for c in label if script(c) == name]
    if all(_looks_latin(c) for c in letters):
        return name
    return None


def separator_lookalikes(text: str) -> list[str]:
    """Characters in ``text`` that render like ``/ \\ . : |`` (as ``U+2044 ⁄ looks like /``)."""
    return [f"U+{ord(c):04X} {c} looks like {SEPARATOR_LOOKALIKES[c]}" for c in text if c in SEPARATOR_LOOKALIKES]


def skeleton(text: str) -> str:
    """The UTS #39 skeleton of ``text`` after Chromium's diacritic removal, lower-cased.

    Two hosts with equal skeletons look the same to a person. For ASCII text
    only ``m → rn``, ``0 → o`` and ``1 → l`` apply.
    """
    if text.isascii():
        return text.lower().replace("m", "rn").replace("0", "o").replace("1", "l")
    return _cached_skeleton(text) if len(text) <= 253 else _unicode_skeleton(text)


def skeletons(text: str) -> frozenset[str]:
    """Every skeleton of ``text``: :func:`skeleton` plus the variants of two-faced
    characters (``ӏ`` reads as ``i`` or ``l``, ``þ`` as ``b`` or ``p``)."""
    if text.isascii() or not any(c in _ALTERNATES for c in text):
        return frozenset({skeleton(text)})
    variants = [""]
    for char in text:
        options = (char, *_ALTERNATES.get(char, ()))
        variants = [v + o for v in variants for o in options][:_MAX_VARIANTS]
    return frozenset(skeleton(v) for v in variants)


def _unicode_skeleton(text: str) -> str:
    if _is_lgc(text):
        text = remove_diacritics(text)
    text = text.translate(_CHROMIUM_EXTRA)
    text = unicodedata.normalize("NFD", text).translate(_PROTOTYPE_TABLE)
    return unicodedata.normalize("NFD", text).lower()


_cached_skeleton = lru_cache(maxsize=4096)(_unicode_skeleton)
"""Host names and labels repeat within a batch; long free text (paths) is not cached."""


def remove_diacritics(text: str) -> str:
    """``ạtera`` → ``atera``: NFD, drop non-spacing marks, NFC, then ``ł ø đ`` (Chromium)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).translate(_DIACRITIC_EXTRA)


def _is_lgc(text: str) -> bool:
    """Latin, Greek, Cyrillic, ``[0-9._-]`` and combining marks U+0300–U+0339 only."""
    for char in text:
        if char.isascii():
            if not (char.isalnum() or char in "._-"):
                return False
        elif not (0x300 <= ord(char) <= 0x339 or script(char) in _LGC):
            return False
    return True


def _looks_latin(char: str) -> bool:
    """True when ``char``'s skeleton is plain ASCII letters or digits (a Latin lookalike)."""
    shape = skeleton(char)
    return shape.isascii() and shape.isalnum()
