"""Saved reports at the door, for ``render`` and ``summarize``.

A report arrives as a file or on standard input, from a ticket, a share or a
fleet's upload folder. It is read as every input is (a regular file, capped;
see :mod:`diagnose.inputs.files`), parsed within bounds (UTF-8, nesting,
number sizes, element counts: :mod:`diagnose.inputs.documents`) and then held
to the shipped JSON Schema (``reports/report.schema.json``) before a renderer
sees it.

This module sits with the front-end support (it applies the renderers'
schema); the rest of :mod:`diagnose.inputs` sits in the bottom layer.
"""

from __future__ import annotations

from typing import IO, Any

from diagnose.inputs.documents import parse_json
from diagnose.inputs.files import read_capped, read_regular
from diagnose.inputs.limits import MAX_REPORT_BYTES, MAX_SUMMARIZE_REPORT_BYTES
from diagnose.inputs.text import shown
from diagnose.model import SCHEMA_VERSION
from diagnose.settings import UsageError


def load_report(path: str, stdin: IO[Any] | None = None, *, limit: int = MAX_REPORT_BYTES) -> dict[str, Any]:
    """Read, parse and validate a saved JSON report (``-`` reads ``stdin``); raises :class:`UsageError`
    naming the file and what is wrong (the first schema error's place)."""
    from reports.schema import validation_errors

    what = "-" if path == "-" else shown(path, 200)
    if path == "-":
        if stdin is None:
            raise UsageError("-: no standard input")
        data = read_capped(stdin, limit=limit, what="standard input")
    else:
        data = read_regular(path, limit=limit, what=what)
    report = parse_json(data, what, noun="a JSON report")
    _check_version(report, what)
    errors = validation_errors(report)
    if errors:
        raise UsageError(f"{what}: not a valid login-doctor report ({shown(errors[0], 300)})")
    assert isinstance(report, dict)
    return report


def read_report(path: str) -> tuple[object, str | None]:
    """A report file for ``summarize``: (parsed JSON, None), or (None, why it cannot be read).

    The same door as :func:`load_report` (regular file, size, encoding, nesting, numbers);
    the summary then checks the fields it counts (:func:`reports.summary.structural_problem`),
    not the whole schema, which would cost more than the rest of a fleet's summary together.
    """
    try:
        data = read_regular(path, limit=MAX_SUMMARIZE_REPORT_BYTES, what="")
        return parse_json(data, "", noun="JSON"), None
    except UsageError as exc:
        return None, str(exc).removeprefix(": ")


def _check_version(report: Any, what: str) -> None:
    version = report.get("schema_version") if isinstance(report, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        raise UsageError(
            f"{what}: report schema version {version} is not one this login-doctor reads "
            f"(it reads version {SCHEMA_VERSION}); use the login-doctor that wrote it"
        )
