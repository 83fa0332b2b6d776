"""Validate a HAR against the vendored har-schema 2.0.0 (see har_schema/README.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "har_schema"


@cache
def _validator() -> Any:
    from jsonschema import Draft6Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT6

    resources = []
    for path in HERE.glob("*.json"):
        schema = json.loads(path.read_text("utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT6)))
    registry = Registry().with_resources(resources)
    root = json.loads((HERE / "har.json").read_text("utf-8"))
    return Draft6Validator(root, registry=registry, format_checker=FormatChecker())


def har_errors(data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(data)][:10]
