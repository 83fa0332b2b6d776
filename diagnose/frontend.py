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
import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from diagnose.environment import Environment, ExitStatus
from diagnose.settings import UsageError
from diagnose.words import plural

if TYPE_CHECKING:
    from diagnose.model import Report, Target
    from diagnose.profiles import Profile

PROG = "login-doctor"
"""The program's name, as every message on stderr starts."""


_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, or None.

    difflib's similarity of at least 0.6, as Python 3.14's argparse suggests:
    ``chekcs`` → ``checks``, ``--fromat`` → ``--format``, ``frobnicate`` → None.
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


class CommandParser(argparse.ArgumentParser):
    """argparse that raises :class:`~diagnose.settings.UsageError` instead of printing usage and exiting.

    Every front end's parser is one: the CLI's :func:`~diagnose.cli.run` turns the
    error into one line on stderr and exit code 2, whichever command raised it.
    An option it does not know is named with the closest one it does
    (``unknown option --fromat; did you mean --format?``), before anything
    else is parsed, so a mistyped option is never read as an address or a value.
    Arguments are added with :meth:`add_argument` on the parser itself (no groups).
    Every command takes ``--debug`` (as every one takes ``--help``): :func:`~diagnose.cli.run` shows
    the traceback of an internal error only then, whichever command it came from.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.option_names: list[str] = []
        """Every option string this parser knows (``-o``, ``--output``, ``-h``, …)."""
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", help="show a traceback on internal errors")

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_names.extend(action.option_strings)
        return action

    def parse_args(self, args: Sequence[str] | None = None, namespace: None = None) -> argparse.Namespace:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        self.check_options(argv)
        parsed, extras = self.parse_known_args(argv, namespace)
        if extras:
            raise UsageError(f"unexpected {plural(len(extras), 'argument')}: {' '.join(extras)}")
        return parsed

    def check_options(self, argv: Sequence[str]) -> None:
        """Raise :class:`UsageError` for the first option this parser does not know."""
        for arg in argv:
            if arg == "--":
                return
            if not arg.startswith("-") or arg == "-" or _NEGATIVE_NUMBER.match(arg):
                continue
            name = arg.split("=", 1)[0]
            if self._knows(name):
                continue
            close = suggest(name, (o for o in self.option_names if o.startswith("--")))
            hint = f"; did you mean {close}?" if close else f" (see {self.prog} --help)"
            raise UsageError(f"unknown option {name}{hint}")

    def _knows(self, name: str) -> bool:
        if name in self.option_names:
            return True
        if name.startswith("--"):  # an abbreviation; argparse itself refuses an ambiguous one
            return any(o.startswith(name) for o in self.option_names if o.startswith("--"))
        return name[:2] in self.option_names  # -ofile.json, -qo FILE

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def target_for(text: str | None, profile: Profile) -> Target:
    """What to diagnose for the address the person gave (the profile's sign-in address when None).

    :func:`~diagnose.session.make_target` adds a missing ``https://`` as an
    address bar does and refuses what is not an http(s) address; on top of
    that, text a browser's address bar would search for instead of opening
    (a single word, ``ht!tp://[bad``) is refused too, in the ``url`` check's
    words, rather than diagnosed as ``https://ht!tp//[bad``.
    """
    from checks.url import not_an_address
    from diagnose.inputs.target import short as shown_input
    from diagnose.session import make_target

    target = make_target(text, profile)
    if text is not None and text.strip():
        why = not_an_address(text)
        if why:
            raise UsageError(f"cannot diagnose {shown_input(text)!r}: {why}")
    return target


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
