"""``login-doctor render REPORT.json --format FMT``: re-render a saved report.

A helpdesk receives the JSON (the canonical form) and turns it into whatever
the ticket or the monitoring tool needs::

    login-doctor render report.json --format html -o report.html
    login-doctor render report.json -o report.xml          # format from the extension
    login-doctor --format json | login-doctor render - --format markdown

The report is validated against the shipped JSON Schema first, so a file that
is not a login-doctor report (or is from a newer, incompatible version) is one
clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import CommandParser, check_writable
from diagnose.model import SCHEMA_VERSION
from diagnose.settings import UsageError

MAX_REPORT_BYTES = 64 * 1024 * 1024
"""A report is kilobytes; anything past this is not one (and is not read whole)."""


def load_report(path: str, stdin: IO[str] | None = None) -> dict[str, Any]:
    """Read and validate a saved JSON report (``-`` reads ``stdin``); raises :class:`UsageError`."""
    from reports.schema import validation_errors

    text = _read(path, stdin)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a JSON report ({exc.msg} at line {exc.lineno})") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: report schema version {version} is not one this login-doctor reads "
            f"(it reads version {SCHEMA_VERSION}); use the login-doctor that wrote it"
        )
    errors = validation_errors(data)
    if errors:
        raise UsageError(f"{path}: not a valid login-doctor report ({errors[0]})")
    assert isinstance(data, dict)
    return data


def _read(path: str, stdin: IO[str] | None) -> str:
    if path == "-":
        if stdin is None:  # pragma: no cover - the CLI always passes its stdin
            raise UsageError("-: no standard input")
        text = stdin.read(MAX_REPORT_BYTES + 1)
    else:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(MAX_REPORT_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise UsageError(f"{path}: is a directory, not a report") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not a UTF-8 text file") from None
    if len(text) > MAX_REPORT_BYTES:
        raise UsageError(f"{path}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB; not a login-doctor report")
    return text


def main(argv: list[str], env: Environment) -> int:
    from reports.render import EXTENSIONS, FORMATS, format_for_path, render

    parser = CommandParser(
        prog="login-doctor render",
        description="Re-render a saved JSON report as another format.",
        epilog=f"Formats: {', '.join(FORMATS)}. With -o and no --format, the extension decides "
        f"({', '.join(sorted(EXTENSIONS))}).",
    )
    parser.add_argument("report", help="a report written with --format json or -o FILE.json; - reads stdin")
    parser.add_argument("--format", metavar="FORMAT", help=f"one of {', '.join(FORMATS)} (default: markdown)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    ns = parser.parse_args(argv)
    fmt = ns.format
    if fmt is None:
        fmt = (format_for_path(ns.output) if ns.output else None) or "markdown"
        if ns.output and format_for_path(ns.output) is None:
            raise UsageError(
                f"-o {ns.output}: cannot tell the format from the extension; give --format "
                f"or use one of {', '.join(sorted(EXTENSIONS))}"
            )
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out = Path(ns.output) if ns.output else None
    if out is not None:
        check_writable(out)
    data = load_report(ns.report, env.stdin)
    text = render(data, fmt, color=env.color and out is None)
    if out is not None:
        from diagnose.writer import write_atomic

        write_atomic(out, text)
    else:
        env.stdout.write(text)
    return ExitStatus.OK
