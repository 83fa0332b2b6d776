"""The Public Suffix List, offline and built once per process.

The ``publicsuffixlist`` package ships a snapshot of the list, so nothing is
fetched at run time. Building it takes tens of milliseconds, so every check
shares the same instance instead of building its own.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def public_suffix_list(*, icann_only: bool = False) -> Any:
    """The shared ``PublicSuffixList`` (ICANN section only when ``icann_only``)."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=icann_only)
