"""``login-doctor har FILE.har``: diagnose a sign-in from the browser's own recording; write a copy safe to share.

The helpdesk's HAR workflow in one command::

    login-doctor har signin.har                          # the report (text on a terminal, JSON otherwise)
    login-doctor har signin.har --sanitize safe.har -o ticket.md

The recording is read once, streamed (:mod:`diagnose.har`): each entry is
typed for the analysis and sanitized, and with ``--sanitize`` written to the
copy at once (atomically). The analysis (:mod:`checks.har`, joined into a
report by :mod:`diagnose.recording`, which the TUI shares) gives a report of
the same schema, checklist and finding vocabulary as a live run, with a
``source`` object that says it came from a recording. Nothing is sent over
the network.

Exit codes as for a live run: 0 nothing failed, 1 a check failed, 2 the file
is not a HAR this can read (one line says what and where), 3 inconclusive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from diagnose.environment import Environment
from diagnose.frontend import PROG, CommandParser, check_writable, finish, output_targets
from diagnose.settings import UsageError
from diagnose.words import count


def build_parser() -> CommandParser:
    parser = CommandParser(
        prog="login-doctor har",
        description="Diagnose a failed sign-in from the browser's own recording (a HAR file), and write a "
        "sanitized copy that is safe to attach to a ticket.",
        epilog="Exit codes: 0 no check failed, 1 a check failed, 2 the file is not a usable HAR or a usage error, "
        "3 inconclusive. Save a HAR in Chrome or Edge (DevTools > Network > Export HAR) or Firefox "
        "(Network > Save All As HAR).",
    )
    parser.add_argument("file", metavar="FILE.har", help="the recording to diagnose")
    parser.add_argument("--sanitize", metavar="OUT.har",
                        help="also write a copy with every secret replaced by a marker (atomically)")
    parser.add_argument("--format", metavar="FORMAT",
                        help="report format on stdout: json, markdown, html, text, junit "
                        "(default: text on a terminal, json otherwise)")
    parser.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                        help="also write the report to FILE; the format comes from the extension; repeatable")
    parser.add_argument("--profile", default="atera", metavar="NAME|FILE", help="vendor profile (default: atera)")
    parser.add_argument("--note", default="", metavar="TEXT", help="a note for the helpdesk, saved in the report")
    parser.add_argument("--browser-profile", action="append", default=[], metavar="DIR",
                        help="also read this browser profile folder (the person's Chrome, Edge or Firefox profile, "
                        "read-only, metadata only) with the browser check; repeatable. This computer's own "
                        "browsers are never read")
    parser.add_argument("--tui", action="store_true",
                        help="show the report in the terminal app: the checklist, each item, the requests behind "
                        "the findings (needs a terminal)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return parser


RecordingTui = Callable[[Any, Sequence[tuple[Path, str]], Environment], int]
"""The terminal app on a recording (:func:`diagnose.tui.recording.run_recording_tui`): the entry
point passes it in, since one front end does not import another."""


def main(argv: list[str], env: Environment, *, tui: Callable[[], RecordingTui | None] | None = None) -> int:
    from diagnose.profiles import load_profile
    from diagnose.recording import diagnose_recording, shown_path

    ns = build_parser().parse_args(argv)
    app = _app(ns, env, tui)
    source = Path(ns.file)
    outputs = output_targets(ns.output)
    sanitize_to = _sanitize_target(ns, source, outputs)
    profile = load_profile(ns.profile)
    if not ns.quiet:
        env.stderr.write(f"{PROG}: reading {shown_path(source)}\n")
        env.stderr.flush()
    folders = [_folder(text) for text in ns.browser_profile]
    diagnosis = diagnose_recording(source, profile, sanitize_to=sanitize_to, note=ns.note, browser_profiles=folders)
    if sanitize_to is not None:
        env.stderr.write(f"{PROG}: sanitized copy written to {shown_path(sanitize_to)} "
                         f"({count(diagnosis.secrets, 'secret')} replaced)\n")
    elif diagnosis.secrets and not ns.quiet:
        env.stderr.write(f"{PROG}: this recording holds {count(diagnosis.secrets, 'secret')}; share only a copy "
                         f"made with --sanitize\n")
    if app is not None:
        return app(diagnosis, outputs, env)
    return finish(diagnosis.report, ns.format or ("text" if env.stdout_isatty else "json"), outputs, env)


def _app(ns: Any, env: Environment, tui: Callable[[], RecordingTui | None] | None) -> RecordingTui | None:
    """The terminal app with ``--tui`` (after the checks of the options), else None."""
    from reports.render import FORMATS

    if ns.format is not None and ns.format not in FORMATS:
        raise UsageError(f"--format {ns.format!r}: choose one of {', '.join(FORMATS)}")
    if not ns.tui:
        return None
    if ns.format is not None:
        raise UsageError("--tui shows the report in the terminal: use -o FILE for a report file, not --format")
    if not (env.stdout_isatty and env.stdin_isatty):
        raise UsageError("--tui needs a terminal (stdin and stdout); without it the report goes to stdout")
    app = tui() if tui is not None else None
    if app is None:
        raise UsageError("--tui: the terminal app is not installed in this build (textual is missing)")
    return app


def _sanitize_target(ns: Any, source: Path, outputs: Sequence[tuple[Path, str]]) -> Path | None:
    if not ns.sanitize:
        return None
    target = Path(ns.sanitize)
    check_writable(target)
    if _same_file(target, source):
        raise UsageError(f"--sanitize {target}: that is the recording itself; name a new file")
    if any(_same_file(target, path) for path, _ in outputs):
        raise UsageError(f"--sanitize {target}: the same file is also a report (-o)")
    return target


def _folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise UsageError(f"--browser-profile {text}: no such folder")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
