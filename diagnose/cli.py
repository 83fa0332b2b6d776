"""The ``login-doctor`` command line: parse, choose TUI or headless, exit with a code.

No check logic lives here. Commands (design §3.1)::

    login-doctor [URL] [options]        diagnose (TUI on a terminal, else headless)
    login-doctor checks                 list checks and where they come from
    login-doctor url ADDRESS...|-       judge addresses offline
    login-doctor render REPORT.json     re-render a saved report
    login-doctor demo [SCENARIO]        diagnose the local lab (no network needed)
    login-doctor har FILE.har           diagnose a browser's recording; --sanitize writes a safe copy

Every error the person can cause is one line on stderr and exit code 2; a bug
is one line too (``--debug`` shows the traceback).

What a word on the command line means (git's and cargo's rule, with the
address bar's): the first argument that names a command runs it. A *bare word*
(letters, digits, ``-`` and ``_`` only: no dot, colon, slash or ``@``) that is a
command's name in the wrong place or close to one (``chekcs``, ``check``,
``Demo``) is a typo: exit 2 with "did you mean `checks`?". Anything else is the
address to diagnose, when a browser's address bar would open it as one
(``app.atera.com``, ``localhost``, ``10.0.0.1``, ``intranet:8080``,
``https://sso/``); text the address bar would search for instead (any other
single word, such as ``frobnicate``; text with spaces; ``ht!tp://[bad``) is
exit 2 with the reason. Both are decided while the arguments are read, so
``frobnicate --help`` is refused rather than answered with the help.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from diagnose import __version__
from diagnose.environment import Environment, ExitStatus, process_age
from diagnose.frontend import PROG, CommandParser, finish, output_targets, suggest, target_for
from diagnose.settings import (
    DEFAULT_RUN_TIMEOUT,
    Settings,
    UsageError,
)

SUBCOMMANDS: dict[str, str] = {
    "checks": "diagnose.commands.checks:main",
    "url": "diagnose.commands.url:main",
    "render": "diagnose.commands.render:main",
    "summarize": "diagnose.commands.summarize:main",
    "demo": "diagnose.lab.demo:main",
    "har": "diagnose.commands.har:main",
}
"""Subcommand → ``module:function(argv, env) -> int``, imported only when used."""

BARE_WORD = re.compile(r"[A-Za-z0-9_-]+")
"""A word that cannot be an address with a dot, port, path or scheme: maybe a command."""


def command_typo(word: str) -> str | None:
    """The one-line refusal of ``word`` as a mistyped command, or None when it is not one."""
    if not BARE_WORD.fullmatch(word):
        return None
    lowered = word.lower()
    if lowered == word and lowered in SUBCOMMANDS:
        return f"{word!r} is a command: give it first ({PROG} {word} …)"
    meant = lowered if lowered in SUBCOMMANDS else suggest(lowered, SUBCOMMANDS)
    return f"there is no command {word!r}; did you mean `{meant}`?" if meant else None


class AddressArgument(argparse.Action):
    """The diagnose command's address, checked the moment argparse reads it (before ``--help``)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if isinstance(values, str):
            word = values.strip()
            refusal = command_typo(word)
            if refusal:
                raise UsageError(refusal)
            if BARE_WORD.fullmatch(word):
                _refuse_unless_address(word)
        setattr(namespace, self.dest, values)


def _refuse_unless_address(word: str) -> None:
    """Refuse a single word the address bar would search for (all but ``localhost``), naming the
    commands it may have meant. Other text is judged by :func:`~diagnose.frontend.target_for`
    once the run's deadline has started."""
    from checks.url import not_an_address
    from diagnose.inputs.target import short as shown_input
    from diagnose.words import join

    why = not_an_address(word)
    if why:
        raise UsageError(f"cannot diagnose {shown_input(word)!r}: {why}; the commands are {join(SUBCOMMANDS)}")


def build_parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog=PROG,
        description="Find out why signing in to a web app fails: address, connection, "
        "certificate, clock, redirects and cookies.",
        epilog="Other commands: checks, url, render, summarize, demo, har (login-doctor COMMAND --help). "
        "Exit codes: 0 no check failed, 1 a check failed, 2 usage error, 3 inconclusive, 130 interrupted.",
    )
    p.add_argument("url", nargs="?", action=AddressArgument,
                   help="the sign-in address (default: the profile's sign-in URL)")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--profile", default="atera", metavar="NAME|FILE", help="vendor profile (default: atera)")
    p.add_argument("--headless", action="store_true",
                   help="no TUI; progress on stderr (the default when stdout is not a terminal)")
    p.add_argument("--format", choices=None, metavar="FORMAT",
                   help="report format on stdout: json, markdown, html, text, junit "
                   "(default: text on a terminal, json otherwise)")
    p.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                   help="also write the report to FILE; the format comes from the extension; repeatable")
    p.add_argument("--only", action="append", default=[], metavar="ID[,ID]", help="run only these checks")
    p.add_argument("--skip", action="append", default=[], metavar="ID[,ID]", help="leave these checks out")
    p.add_argument("--timeout", type=str, default=None, metavar="SECONDS",
                   help=f"deadline for the whole run, start-up included (default: {DEFAULT_RUN_TIMEOUT:g})")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT:ADDRESS",
                   help="connect to ADDRESS for HOST:PORT instead of looking it up (as curl --resolve); repeatable")
    p.add_argument("--ca-file", action="append", default=[], metavar="PEM",
                   help="extra trusted CA certificates (a private or lab CA); repeatable")
    p.add_argument("--dns-server", action="append", default=[], metavar="ADDRESS[:PORT]",
                   help="DNS server to compare with the system resolver; repeatable")
    p.add_argument("--ntp-server", action="append", default=[], metavar="HOST[:PORT]",
                   help="time server to measure the clock against; repeatable")
    p.add_argument("--browser-profile", action="append", default=[], metavar="DIR",
                   help="a browser profile (or user-data) folder for the browser check to read besides the "
                   "current user's; repeatable")
    p.add_argument("--note", default="", metavar="TEXT", help="a note for the helpdesk, saved in the report")
    p.add_argument("--no-plugins", action="store_true", help="do not load third-party checks")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return p


def run(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    # the command itself (console script, python -m diagnose): its deadline counts from exec
    env = env or Environment(started_s_ago=process_age() if argv is None else 0.0)
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        return main(args, env)
    except UsageError as exc:
        from diagnose.inputs.text import one_line

        # argparse quotes what was typed as is: a line break or bidi control in it stays visible, escaped
        env.stderr.write(f"{PROG}: error: {one_line(str(exc))}\n")
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        env.stderr.write(f"{PROG}: interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:
        if debug:
            raise
        # The exception's words may hold a local path or what a server said: only its type here.
        env.stderr.write(
            f"{PROG}: internal error: {type(exc).__name__} (a bug in {PROG}; run again with --debug for details)\n"
        )
        return ExitStatus.INCONCLUSIVE


def main(args: list[str], env: Environment) -> int:
    if args and args[0] == "har":  # it may open the TUI, which only the entry point may start
        from diagnose.commands.har import main as har

        return har(args[1:], env, tui=_load_recording_tui)
    if args and args[0] in SUBCOMMANDS:
        if env.open_tui is None:
            env = dataclasses.replace(env, open_tui=_open_tui)
        return _subcommand(args[0])(args[1:], env)
    refusal = command_typo(args[0]) if args else None
    if refusal:  # before the options: what follows a mistyped command is that command's
        raise UsageError(refusal)
    ns = build_parser().parse_args(args)
    return diagnose_command(ns, env)


def _subcommand(name: str) -> Callable[[list[str], Environment], int]:
    from importlib import import_module

    module, _, func = SUBCOMMANDS[name].partition(":")
    try:
        fn: Callable[[list[str], Environment], int] = getattr(import_module(module), func)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise UsageError(f"the {name!r} command is not available in this build") from None
        raise
    return fn


def split_ids(values: Sequence[str], option: str = "--only") -> list[str]:
    """``--only a,b --only c`` → ``[a, b, c]`` (checked at the door: :func:`diagnose.inputs.options.check_ids`)."""
    from diagnose.inputs.options import check_ids

    return check_ids(values, option)


def settings_from(ns: argparse.Namespace) -> Settings:
    """Validate the network options into :class:`Settings` at the door (raises :class:`UsageError`)."""
    from diagnose.inputs.options import run_settings

    return run_settings(
        resolve=ns.resolve,
        ca_file=ns.ca_file,
        dns_server=ns.dns_server,
        ntp_server=ns.ntp_server,
        timeout=ns.timeout,
        browser_profiles=ns.browser_profile,
    )


def diagnose_command(ns: argparse.Namespace, env: Environment) -> int:
    from diagnose.check import SystemClock
    from diagnose.deadline import command_deadline
    from diagnose.inputs.options import note, repeats
    from diagnose.profiles import load_profile
    from diagnose.registry import discover
    from diagnose.session import Diagnosis

    settings = settings_from(ns)
    clock = env.clock or SystemClock()
    # --timeout bounds the command from exec to exit: the start-up counts, and the report needs its time
    deadline = command_deadline(settings.timeout, env.started_s_ago, clock.monotonic)
    profile = load_profile(ns.profile)
    target = target_for(ns.url, profile)
    outputs = output_targets(repeats(ns.output, "-o"))
    fmt = ns.format
    from reports.render import FORMATS

    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    registry = discover(plugins=not ns.no_plugins, extra=env.extra_checks, needed=split_ids(ns.only, "--only"))
    plan = registry.plan(split_ids(ns.only, "--only"), split_ids(ns.skip, "--skip"))
    net = env.net_factory(settings) if env.net_factory else None
    headless = ns.headless or ns.format is not None or not (env.stdout_isatty and env.stdin_isatty)
    diagnosis = Diagnosis(
        target=target,
        profile=profile,
        plan=plan,
        settings=settings,
        net=net,
        warnings=registry.warnings,
        note=note(ns.note),
        debug=ns.debug,
        clock=clock,
        deadline=deadline if headless else None,
    )

    if not headless:
        tui = _load_tui()
        if tui is not None:
            return int(tui(diagnosis, outputs, env, autostart=ns.url is not None))

    import asyncio

    progress = None if ns.quiet else _progress_printer(env)
    report = asyncio.run(_run_until_stopped(diagnosis, progress))
    return finish(report, fmt or ("text" if env.stdout_isatty else "json"), outputs, env)


async def _run_until_stopped(diagnosis: Any, progress: Callable[[Any], None] | None) -> Any:
    """Run the diagnosis; SIGTERM (how RMM agents and service managers stop a script)
    ends it like Ctrl-C does: the checks that finished are reported, marked interrupted."""
    import asyncio
    import contextlib
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed = False
    if task is not None and hasattr(signal, "SIGTERM"):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
            installed = True
    try:
        return await diagnosis.run(progress)
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def _load_tui() -> Callable[..., int] | None:
    """The TUI entry point, imported only now (the headless path never loads textual)."""
    try:
        from diagnose.tui.app import run_tui
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("diagnose.tui"):
            return None
        raise
    return run_tui


async def _open_tui(diagnosis: Any, env: Environment) -> int:
    """:attr:`Environment.open_tui` for the subcommands (front ends do not import one another);
    Textual is imported only now."""
    if _load_tui() is None:
        raise UsageError("the terminal interface is not available in this build")
    from diagnose.tui.app import run_tui_async

    return await run_tui_async(diagnosis, env)


def _load_recording_tui() -> Callable[..., int] | None:
    """The TUI on a recording (``har FILE --tui``), imported only now."""
    try:
        from diagnose.tui.recording import run_recording_tui
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name.startswith("diagnose.tui") or exc.name.startswith("textual")):
            return None
        raise
    return run_recording_tui


def _progress_printer(env: Environment) -> Callable[[Any], None]:
    """One line per engine event on stderr (which RMM agents log and helpdesks paste into tickets).

    It prints what the events carry and nothing else: the engine redacts the
    target before :class:`~diagnose.events.RunStarted` and every result
    before :class:`~diagnose.events.CheckFinished` (``Redactor.result``, in
    the runner), so there is nothing here to remember to redact. Control
    characters are shown as ``?``: a line of text must not drive the terminal.
    """
    from diagnose.events import CheckFinished, RunStarted
    from diagnose.words import count

    def show(event: Any) -> None:
        if isinstance(event, RunStarted):
            line = f"{PROG}: diagnosing {event.target.url} ({count(len(event.check_ids), 'check')})"
        elif isinstance(event, CheckFinished) and event.revised:
            r = event.result
            line = f"  [revised] {r.id:<13} {r.status.value:<6} re-judged with the other checks: {r.summary}"
        elif isinstance(event, CheckFinished):
            r = event.result
            line = f"  [{event.done}/{event.total}] {r.id:<13} {r.status.value:<6} {r.duration_ms:>5} ms  {r.summary}"
        else:
            return
        env.stderr.write(_one_line(line) + "\n")
        env.stderr.flush()

    return show


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)
