"""Find planted canary secrets in any output, whole or in any 12-character piece."""

from __future__ import annotations

from collections.abc import Mapping

PIECE = 12


def pieces(value: str, size: int = PIECE) -> set[str]:
    return {value[i:i + size] for i in range(max(1, len(value) - size + 1))}


def leaks(text: str, canaries: Mapping[str, str]) -> list[str]:
    """The names of the canaries any 12-character piece of which is in ``text``. A JWT's header
    (``{"alg":"HS256","typ":"JWT"}``) is the same in every JWT, so only its claims and signature count."""
    found = []
    for name, value in canaries.items():
        if value.startswith("eyJ") and value.count(".") >= 2:
            value = value.split(".", 1)[1]
        if any(p in text for p in pieces(value)):
            found.append(name)
    return found
