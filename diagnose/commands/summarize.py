"""``login-doctor summarize REPORT.json... [--format markdown|csv|json] [-o FILE]``: a fleet summary.

Per checklist item, per check and per finding code: how many endpoints pass,
warn and fail, the most common failures first (see :mod:`reports.summary`).

Inputs may be report files, directories (searched recursively for ``*.json``),
glob patterns (expanded here too, for shells that do not: ``"reports/**/*.json"``)
and ``-`` (file names on stdin, one per line: ``find … | login-doctor summarize -``).
A file that cannot be read as a report is skipped with a warning on stderr,
and the summary says how many were skipped; only when no report at all can be
read is it an error (exit code 2).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from diagnose.environment import Environment, ExitStatus
from diagnose.frontend import PROG, CommandParser, check_writable
from diagnose.inputs.files import check_path_text, stdin_lines
from diagnose.inputs.limits import MAX_PATH_CHARS
from diagnose.inputs.text import one_line, shown
from diagnose.settings import UsageError
from diagnose.words import count

WARNINGS_SHOWN = 20
"""Unreadable files named one by one on stderr; the rest are counted."""

_GLOB_MAGIC = frozenset("*?[")

if TYPE_CHECKING:
    from reports.summary import FleetSummary

Candidate = tuple[str, str | None]
"""A path to read, and why it cannot be read (None: read it)."""


def main(argv: list[str], env: Environment) -> int:
    from reports.summary import SUMMARY_EXTENSIONS, SUMMARY_FORMATS

    parser = CommandParser(
        prog="login-doctor summarize",
        description="Summarize many JSON reports: per checklist item, check and finding code, "
        "how many endpoints pass, warn and fail (most common failures first).",
        epilog="Directories are searched recursively for *.json; '-' reads file names from stdin. "
        "Unreadable files are skipped with a warning.",
    )
    parser.add_argument("reports", nargs="+", metavar="REPORT", help="report files, directories, globs, or -")
    parser.add_argument("--format", metavar="FORMAT", help="markdown (default), csv or json")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    ns = parser.parse_args(argv)

    fmt = ns.format
    if fmt is None and ns.output:
        fmt = SUMMARY_EXTENSIONS.get(Path(ns.output).suffix.lower())
    fmt = fmt or "markdown"
    if fmt not in SUMMARY_FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(SUMMARY_FORMATS)}")
    out = Path(ns.output) if ns.output else None
    if out is not None:
        check_writable(out)

    summary = summarize(iter_inputs(ns.reports, env), env)
    if summary.reports == 0:
        raise UsageError(
            f"no readable login-doctor report among {count(summary.files, 'file')}"
            if summary.files
            else "no report files found"
        )
    from diagnose.check import builtin_catalogue

    titles = {code: spec.title for code, spec in builtin_catalogue().items() if spec.title}
    text = SUMMARY_FORMATS[fmt](summary.to_json(titles))
    if out is not None:
        from diagnose.writer import write_atomic

        write_atomic(out, text)
    else:
        env.stdout.write(text)
    skipped = f"; skipped {summary.skipped_count} unreadable" if summary.skipped_count else ""
    dupes = f"; {count(summary.duplicates, 'duplicate')} counted once" if summary.duplicates else ""
    env.stderr.write(f"{PROG}: summarized {count(summary.reports, 'report')}{skipped}{dupes}\n")
    return ExitStatus.OK


def iter_inputs(args: list[str], env: Environment) -> Iterator[Candidate]:
    """(path, problem) for every candidate file, each path once; problem is None for a file to read."""
    seen: set[str] = set()

    def once(path: str) -> Iterator[Candidate]:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            yield path, None

    for arg in args:
        if arg == "-":
            for name in stdin_lines(env.stdin, MAX_PATH_CHARS):
                if name is None:
                    yield "(a line of standard input)", f"longer than {MAX_PATH_CHARS} characters: not a file name"
                else:
                    yield from _expand(name, once)
        else:
            yield from _expand(arg, once)


def _expand(arg: str, once: Callable[[str], Iterator[Candidate]]) -> Iterator[Candidate]:
    try:
        check_path_text(arg, "")
    except UsageError as exc:
        yield shown(arg), str(exc).removeprefix(": ")
        return
    if os.path.isdir(arg):
        for root, dirs, files in os.walk(arg):
            dirs.sort()
            for name in sorted(files):
                if name.lower().endswith(".json"):
                    yield from once(os.path.join(root, name))
    elif os.path.exists(arg):
        yield from once(arg)
    elif _GLOB_MAGIC & set(arg):
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            yield arg, "the pattern matches no file"
        for match in matches:
            if os.path.isdir(match):
                yield from _expand(match, once)
            else:
                yield from once(match)
    else:
        yield arg, "no such file"


def summarize(inputs: Iterator[Candidate], env: Environment) -> FleetSummary:
    """Read every input into a :class:`~reports.summary.FleetSummary`, warning about the unreadable."""
    from reports.summary import FleetSummary, structural_problem

    summary = FleetSummary()
    for path, problem in inputs:
        if problem is None:
            data, problem = _read(path)
            if problem is None:
                problem = structural_problem(data)
            if problem is None:
                assert isinstance(data, dict)  # structural_problem said so
                summary.add(data)
                continue
        summary.skip(path, problem)
        if summary.skipped_count <= WARNINGS_SHOWN:
            env.stderr.write(one_line(f"{PROG}: warning: skipped {path}: {problem}") + "\n")
    if summary.skipped_count > WARNINGS_SHOWN:
        env.stderr.write(
            f"{PROG}: warning: … and {summary.skipped_count - WARNINGS_SHOWN} more unreadable files "
            "(--format json lists them)\n"
        )
    return summary


def _read(path: str) -> tuple[object, str | None]:
    from diagnose.inputs.report import read_report

    return read_report(path)
