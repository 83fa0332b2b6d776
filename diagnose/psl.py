"""The Public Suffix List, offline and built once per process.

The ``publicsuffixlist`` package ships a snapshot of the list, so nothing is
fetched at run time. Every check shares the same instance instead of building
its own.

Building it the package's default way punycodes every one of the ~9,700 rules
with Python's ``idna`` codec (about 100 ms per list on a busy machine, and a
run builds two: the whole list and its ICANN section). Only the ~500 rules
that are not ASCII change when punycoded, so :func:`_rules` adds their
punycoded form next to them once and the package reads that text with
``accept_encoded_idn=False``: the same set of rules, a fraction of the time
(``tests/diagnose/test_psl.py`` compares every rule with the default build).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def public_suffix_list(*, icann_only: bool = False) -> Any:
    """The shared ``PublicSuffixList`` (ICANN section only when ``icann_only``)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(source=_rules(), accept_encoded_idn=False, only_icann=icann_only)


@cache
def _rules() -> tuple[str, ...]:
    """The bundled list's lines, each non-ASCII rule followed by its punycoded form.

    The form is the one ``publicsuffixlist`` itself derives (``encode_idn`` on
    the rule without its ``!``), placed in the same section, so ``only_icann``
    still reads the section markers around it.
    """
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, encoding="utf-8") as file:
        lines = file.read().splitlines()
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.isascii():
            continue
        rule = line.lower().split(" ")[0].rstrip()
        if not rule or rule.startswith("//"):
            continue
        bang = "!" if rule.startswith("!") else ""
        out.append(bang + rule.lstrip("!").encode("idna").decode("ascii"))
    return tuple(out)
