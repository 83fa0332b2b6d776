"""The canonical JSON form (design §3.2): stable key order, UTF-8, a trailing newline."""

from __future__ import annotations

import json
from typing import Any


def render(data: dict[str, Any]) -> str:
    """Indented JSON, non-ASCII kept readable.

    A lone surrogate (which a plugin or a hand-edited report can carry) cannot
    be written as UTF-8; it is written as its ``\\udXXX`` JSON escape instead,
    which reads back as the same string.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
