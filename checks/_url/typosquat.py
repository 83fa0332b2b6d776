"""Typosquat permutations of the official names, built once, then looked up.

The classes are dnstwist's (elceef/dnstwist 20250130, ``Fuzzer``): an attacker
registers a name one slip away from the vendor's. dnstwist generates those
names to go looking for them; here the same permutations of each official
registrable name (``atera`` of ``atera.com``) are generated once per process
into a ``{label: class}`` table, so judging an address is a dictionary lookup
on its own registrable label, and a hit can say which slip it imitates.

Unlike dnstwist, a hit does not need the official TLD: ``atrea.net`` is as
much a lookalike as ``atrea.com``. A name that keeps the label and changes
only the suffix is the ``tld-swap`` class (decided by the caller, which knows
the suffix). Names a single edit away that no class produces (a non-adjacent
key, a letter added in the middle) are ``similar-spelling``, the edit-distance
rule Chromium's lookalike check uses.

Unicode lookalikes are not generated here: the skeleton rule in
:mod:`checks._url.homograph` covers every one of them, not a sample.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator

# Keyboard rows for neighbour slips (qwerty, qwertz, azerty), as dnstwist uses.
_KEYBOARDS = (
    ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    ("1234567890-", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
    ("1234567890-", "azertyuiop", "qsdfghjklm", "wxcvbn"),
)

# ASCII characters that read as others at a glance (UTS #39's ASCII
# confusables plus the common visual pairs dnstwist's ASCII glyph table lists).
_ASCII_GLYPHS = {
    "a": ("4",), "b": ("6", "lb"), "c": ("e",), "d": ("b", "cl"), "e": ("c", "3"), "g": ("q", "9"),
    "h": ("lh", "b"), "i": ("1", "l"), "k": ("lc", "lk"), "l": ("1", "i"), "m": ("rn", "nn"),
    "n": ("m", "r", "ri"), "o": ("0",), "q": ("g",), "s": ("5",), "t": ("7",), "u": ("v",),
    "v": ("u",), "w": ("vv",), "z": ("2",), "0": ("o",), "1": ("l", "i"),
    "rn": ("m",), "vv": ("w",), "cl": ("d",), "nn": ("m",),
}

_VOWELS = "aeiou"
_ALNUM = string.ascii_lowercase + string.digits
_LABEL_CHARS = frozenset(_ALNUM + "-")

DEFAULT_KEYWORDS = (
    "login", "signin", "sign-in", "logon", "secure", "security", "support", "help", "account",
    "accounts", "auth", "sso", "portal", "app", "apps", "my", "web", "online", "verify",
    "verification", "update", "service", "services", "admin", "billing", "invoice", "password",
    "reset", "mfa", "2fa", "access", "id", "user", "users", "client", "customer", "team", "it",
    "helpdesk", "mail", "office", "cloud", "rmm", "psa", "dashboard", "official",
)
"""Words attackers glue to a brand (``atera-login``); a profile's ``[url] brand_keywords`` extends them."""

CLASS_ORDER = (
    "omission", "repetition", "transposition", "vowel-swap", "homoglyph", "hyphenation",
    "replacement", "insertion", "addition", "bitsquatting", "subdomain-joined", "brand-plus-keyword",
)
"""When a name fits several classes, the first one here names it: the most telling slip."""


def _neighbours() -> dict[str, frozenset[str]]:
    near: dict[str, set[str]] = {}
    for rows in _KEYBOARDS:
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                spots = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
                for rr, cc in spots:
                    if 0 <= rr < len(rows) and 0 <= cc < len(rows[rr]):
                        near.setdefault(key, set()).add(rows[rr][cc])
    return {k: frozenset(v - {k}) for k, v in near.items()}


_NEAR = _neighbours()


def _addition(label: str) -> Iterator[str]:
    for ch in _ALNUM:
        yield label + ch


def _omission(label: str) -> Iterator[str]:
    for i in range(len(label)):
        yield label[:i] + label[i + 1 :]


def _repetition(label: str) -> Iterator[str]:
    for i, ch in enumerate(label):
        yield label[:i] + ch + label[i:]


def _transposition(label: str) -> Iterator[str]:
    for i in range(len(label) - 1):
        yield label[:i] + label[i + 1] + label[i] + label[i + 2 :]


def _replacement(label: str) -> Iterator[str]:
    for i, ch in enumerate(label):
        for other in _NEAR.get(ch, ()):
            yield label[:i] + other + label[i + 1 :]


def _insertion(label: str) -> Iterator[str]:
    for i, ch in enumerate(label):
        for other in _NEAR.get(ch, ()):
            yield label[:i] + other + label[i:]
            yield label[: i + 1] + other + label[i + 1 :]


def _bitsquatting(label: str) -> Iterator[str]:
    for i, ch in enumerate(label):
        for bit in range(8):
            flipped = chr(ord(ch) ^ (1 << bit)).lower()
            if flipped in _LABEL_CHARS and flipped != ch:
                yield label[:i] + flipped + label[i + 1 :]


def _hyphenation(label: str) -> Iterator[str]:
    for i in range(1, len(label)):
        yield label[:i] + "-" + label[i:]


def _vowel_swap(label: str) -> Iterator[str]:
    for i, ch in enumerate(label):
        if ch in _VOWELS:
            for vowel in _VOWELS:
                if vowel != ch:
                    yield label[:i] + vowel + label[i + 1 :]


def _homoglyph_once(label: str) -> Iterator[str]:
    for i in range(len(label)):
        for size in (1, 2):
            chunk = label[i : i + size]
            if len(chunk) == size:
                for glyph in _ASCII_GLYPHS.get(chunk, ()):
                    yield label[:i] + glyph + label[i + size :]


def _homoglyph(label: str) -> Iterator[str]:
    """One or two glyph swaps (dnstwist applies its glyph table twice)."""
    first = set(_homoglyph_once(label))
    yield from first
    for once in first:
        yield from _homoglyph_once(once)


_FUZZERS = {
    "omission": _omission,
    "repetition": _repetition,
    "transposition": _transposition,
    "vowel-swap": _vowel_swap,
    "homoglyph": _homoglyph,
    "hyphenation": _hyphenation,
    "replacement": _replacement,
    "insertion": _insertion,
    "addition": _addition,
    "bitsquatting": _bitsquatting,
}


def permutations(label: str, subdomains: Iterable[str] = (), suffix: str = "",
                 keywords: Iterable[str] = DEFAULT_KEYWORDS) -> dict[str, str]:
    """``{permuted label: class}`` for one official registrable label.

    ``subdomains`` are the official hosts' first labels (``app`` of
    ``app.atera.com``) for the ``subdomain-joined`` class (``app-atera``,
    ``appatera``); ``suffix`` gives ``ateracom``. The label itself is never in
    the table.
    """
    table: dict[str, str] = {}

    def add(candidate: str, kind: str) -> None:
        if candidate and candidate != label and _is_label(candidate):
            table.setdefault(candidate, kind)

    for kind in CLASS_ORDER:
        fuzzer = _FUZZERS.get(kind)
        if fuzzer is not None:
            for candidate in fuzzer(label):
                add(candidate, kind)
        elif kind == "subdomain-joined":
            for sub in subdomains:
                add(f"{sub}-{label}", kind)
                add(f"{sub}{label}", kind)
            if suffix:
                glued = suffix.replace(".", "")
                add(label + glued, kind)
                add(f"{label}-{glued}", kind)
        else:
            for word in keywords:
                for candidate in (f"{label}-{word}", f"{label}{word}", f"{word}-{label}", f"{word}{label}"):
                    add(candidate, kind)
    return table


def _is_label(text: str) -> bool:
    return 0 < len(text) <= 63 and not text.startswith("-") and not text.endswith("-") and set(text) <= _LABEL_CHARS


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance of ``a`` and ``b`` is at most 1 (and they differ)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]  # one insertion into a
