"""``login-doctor render REPORT.json --format FMT``: re-render a saved report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from diagnose.cli import _Parser, check_writable
from diagnose.environment import Environment, ExitStatus
from diagnose.settings import UsageError


def load_report(path: str) -> dict[str, Any]:
    """Read and validate a saved JSON report (raises :class:`UsageError`)."""
    from reports.schema import validation_errors

    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a JSON report ({exc.msg} at line {exc.lineno})") from None
    errors = validation_errors(data)
    if errors:
        raise UsageError(f"{path}: not a valid login-doctor report ({errors[0]})")
    assert isinstance(data, dict)
    return data


def main(argv: list[str], env: Environment) -> int:
    from reports.render import FORMATS, render

    parser = _Parser(prog="login-doctor render", description="Re-render a saved JSON report.")
    parser.add_argument("report", help="a report written with --format json or -o FILE.json")
    parser.add_argument("--format", default="markdown", help=f"one of {', '.join(FORMATS)}")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    ns = parser.parse_args(argv)
    if ns.format not in FORMATS:
        raise UsageError(f"--format {ns.format!r}: choose one of {', '.join(FORMATS)}")
    data = load_report(ns.report)
    text = render(data, ns.format, color=env.color and ns.output is None)
    if ns.output:
        from diagnose.writer import write_atomic

        out = Path(ns.output)
        check_writable(out)
        write_atomic(out, text)
    else:
        env.stdout.write(text)
    return ExitStatus.OK
