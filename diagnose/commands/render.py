"""``login-doctor render REPORT.json --format FMT``: re-render a saved report.

A helpdesk receives the JSON (the canonical form) and turns it into whatever
the ticket or the monitoring tool needs::

    login-doctor render report.json --format html -o report.html
    login-doctor render report.json -o report.xml          # format from the extension
    login-doctor --format json | login-doctor render - --format markdown

The report is read at the door (:mod:`diagnose.inputs.report`: a regular file or
stdin, at most 64 MiB, UTF-8, nesting and number sizes bounded) and validated
against the shipped JSON Schema, so a file that is not a login-doctor report (or
is from a newer, incompatible version) is one clear line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import CommandParser, check_writable
from diagnose.settings import UsageError


def load_report(path: str, stdin: IO[Any] | None = None) -> dict[str, Any]:
    """Read and validate a saved JSON report (``-`` reads ``stdin``) at the door; raises :class:`UsageError`."""
    from diagnose.inputs.report import load_report as load

    return load(path, stdin)


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
