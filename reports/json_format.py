"""The canonical JSON form (design §3.2): stable key order, UTF-8, a trailing newline."""

from __future__ import annotations

import json
from typing import Any


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
