"""What every front end shares: the program's name, its argument parser, report files and exit codes.

The command line, its subcommands, the terminal app and the lab's demo parse
arguments the same way (a usage error is one clear line and exit code 2, never
argparse's own usage dump and exit), check and write report files the same way
(atomically, in the format the extension names) and turn a report into the
same exit code. It lives here, below all of them, so that no front end imports
another: the TUI writes its ``-o`` files with :func:`finish` from here, not from
the CLI that starts it.

Light to import (``login-doctor --version`` loads it): the renderers and the
writer are imported only when a report is written.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from diagnose.environment import Environment, ExitStatus
from diagnose.settings import UsageError

if TYPE_CHECKING:
    from diagnose.model import Report

PROG = "login-doctor"
"""The program's name, as every message on stderr starts."""


class CommandParser(argparse.ArgumentParser):
    """argparse that raises :class:`~diagnose.settings.UsageError` instead of printing usage and exiting.

    Every front end's parser is one: the CLI's :func:`~diagnose.cli.run` turns the
    error into one line on stderr and exit code 2, whichever command raised it.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def output_targets(outputs: Sequence[str]) -> list[tuple[Path, str]]:
    """Check every ``-o`` path before the run: known extension, writable directory."""
    from reports.render import EXTENSIONS, format_for_path

    targets = []
    for text in outputs:
        path = Path(text)
        fmt = format_for_path(path)
        if fmt is None:
            raise UsageError(
                f"-o {text}: cannot tell the format from the extension (use one of {', '.join(sorted(EXTENSIONS))})"
            )
        check_writable(path)
        targets.append((path, fmt))
    return targets


def check_writable(path: Path) -> None:
    """Raise :class:`~diagnose.settings.UsageError` unless a file can be created at ``path``."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"cannot write report to {path}: it is a directory")
    if not parent.is_dir():
        raise UsageError(f"cannot write report to {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write report to {path}: permission denied")


def finish(report: Report, fmt: str | None, outputs: Sequence[tuple[Path, str]], env: Environment) -> int:
    """Write the report files and stdout; return the exit code the report implies.

    ``outputs`` are :func:`output_targets`' (path, format) pairs, each written
    atomically; ``fmt`` None writes nothing on stdout (the TUI's case).
    """
    from diagnose.model import report_to_json
    from diagnose.writer import write_atomic
    from reports.render import render

    data = report_to_json(report)
    for path, file_fmt in outputs:
        write_atomic(path, render(data, file_fmt))
        env.stderr.write(f"{PROG}: report written to {path}\n")
    if fmt is not None:
        env.stdout.write(render(data, fmt, color=env.color))
        env.stdout.flush()
    return int(exit_status(report))


def exit_status(report: Report) -> ExitStatus:
    """The exit code a report implies (design §3.1), from its status (:func:`diagnose.model.report_status`):
    interrupted 130, ``fail`` 1, ``error`` 3, ``skip`` 3 (nothing was decided: a script must not read
    it as OK), ``warn``/``pass`` 0."""
    from diagnose.model import Status

    if report.interrupted:
        return ExitStatus.INTERRUPTED
    if report.status is Status.FAIL:
        return ExitStatus.FAILED
    if report.status in (Status.ERROR, Status.SKIP):
        return ExitStatus.INCONCLUSIVE
    return ExitStatus.OK
