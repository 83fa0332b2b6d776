"""The report's JSON Schema, shipped in the package, and validation against it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema of a report (``reports/report.schema.json``)."""
    data: dict[str, Any] = json.loads(
        resources.files("reports").joinpath("report.schema.json").read_text("utf-8")
    )
    return data


def validation_errors(data: Any) -> list[str]:
    """Every way ``data`` breaks the schema, as ``path: message`` lines (empty when valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(report_schema())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(top)'}: {err.message}"
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
