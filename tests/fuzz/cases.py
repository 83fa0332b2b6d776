"""One hostile case: the files it needs, the command line, standard input; run it and judge the outcome.

A case fails when the program crashes (an exception escapes :func:`diagnose.cli.run`,
or it prints "internal error" or a traceback, or a check of the report it writes
crashed), when the exit code is outside {0, 1, 2, 3, 130}, or when a usage error
(exit 2) is not exactly one line on stderr.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagnose.environment import Environment
from tests.fuzz.guard import fuzz_net, loopback_only

ROOT = Path(__file__).resolve().parents[2]
GOOD_CODES = frozenset({0, 1, 2, 3, 130})

FIFO = b"\x00fifo"
DIRECTORY = b"\x00dir"
"""Stand-ins in :attr:`Case.files` for a FIFO and a directory at that name."""


@dataclass(frozen=True)
class Case:
    """``argv`` may name ``{dir}``, the case's own empty directory where ``files`` are written first."""

    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...] = ()
    stdin: bytes = b""

    def prepare(self, directory: Path) -> list[str]:
        for name, content in self.files:
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if content == FIFO:
                os.mkfifo(path)
            elif content == DIRECTORY:
                path.mkdir(exist_ok=True)
            else:
                path.write_bytes(content)
        return [arg.replace("{dir}", str(directory)) for arg in self.argv]

    @property
    def diagnoses(self) -> bool:
        return not (self.argv and self.argv[0] in READERS)

    def short(self) -> str:
        """The case in a line, for a failure message."""
        argv = " ".join(a if len(a) < 60 else a[:57] + "..." for a in self.argv)
        files = ", ".join(f"{n} ({len(c):,} bytes)" for n, c in self.files)
        return f"argv: {argv[:300]!r}; files: {files[:200]}; stdin: {len(self.stdin):,} bytes"


@dataclass
class Outcome:
    code: int | None
    seconds: float
    problems: list[str] = field(default_factory=list)
    grew_kib: int = 0
    """In-process: how far the resident set rose above where it stood when the case began
    (Linux's peak RSS, reset per case), so what hypothesis drew for the case is not counted."""

    @property
    def crashed(self) -> bool:
        return any(p.startswith("crash") for p in self.problems)

    @property
    def bad_code(self) -> bool:
        return self.code not in GOOD_CODES


READERS = frozenset({"render", "summarize"})
"""Commands that print a report they were given: a crashed check in it is the input's, not this run's."""


def judge(code: int | None, stdout: str, stderr: str, seconds: float, *, diagnosed: bool = True) -> Outcome:
    """``diagnosed``: the command ran checks, so a crashed check in the report it printed is a failure."""
    outcome = Outcome(code, seconds)
    if code not in GOOD_CODES:
        outcome.problems.append(f"exit code {code}")
    # (a report given to render may hold a crashed check's trace, written with --debug: that is its data)
    for text in (stdout, stderr) if diagnosed else (stderr,):
        if "Traceback (most recent call last)" in text:
            outcome.problems.append("crash: a traceback was printed")
    if "internal error" in stderr:
        line = next(x for x in stderr.splitlines() if "internal error" in x)
        outcome.problems.append(f"crash: {line[:200]}")
    # summarize names each file it skipped in a warning line before its one error line
    errors = [line for line in stderr.strip().splitlines() if not line.startswith("login-doctor: warning:")]
    if code == 2 and len(errors) != 1:
        outcome.problems.append(f"usage error is not one line: {stderr[:300]!r}")
    if diagnosed:
        outcome.problems += _crashed_checks(stdout)
    return outcome


def _crashed_checks(stdout: str) -> list[str]:
    """A check of the written report that stopped with an internal error."""
    if not stdout.startswith("{") or '"exception"' not in stdout:
        return []
    try:
        report = json.loads(stdout)
    except ValueError:
        return []
    return [
        f"crash: the {c.get('id')} check raised {c['details'].get('exception')}"
        for c in report.get("checks", [])
        if isinstance(c, dict) and isinstance(c.get("details"), dict) and c["details"].get("error") == "exception"
    ]


def run_in_process(case: Case, directory: Path) -> Outcome:
    """The case through :func:`diagnose.cli.run` with an injected environment (network: loopback only)."""
    from diagnose.cli import run

    argv = case.prepare(directory)
    stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=stdin, stdout=out, stderr=err, stdin_isatty=False, stdout_isatty=False,
                      stderr_isatty=False, net_factory=fuzz_net, environ={})
    gc.collect()
    before = reset_peak()
    start = time.monotonic()
    try:
        with loopback_only():
            code: int | None = run(argv, env)
    except BaseException as exc:  # anything escaping run() is the failure this suite looks for
        if isinstance(exc, KeyboardInterrupt):
            raise
        seconds = time.monotonic() - start
        outcome = judge(None, out.getvalue(), err.getvalue(), seconds, diagnosed=case.diagnoses)
        outcome.problems.append(f"crash: {type(exc).__name__} escaped run(): {str(exc)[:200]}")
        outcome.grew_kib = _status_kib("VmHWM") - before
        return outcome
    outcome = judge(code, out.getvalue(), err.getvalue(), time.monotonic() - start, diagnosed=case.diagnoses)
    outcome.grew_kib = _status_kib("VmHWM") - before
    return outcome


def _status_kib(name: str) -> int:
    """A ``Vm…`` line of /proc/self/status in KiB (0 where there is none)."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    line = next((x for x in text.splitlines() if x.startswith(name + ":")), f"{name}: 0 kB")
    return int(line.split()[1])


def reset_peak() -> int:
    """Reset this process's peak RSS to its current RSS (Linux ≥ 4.0: ``5`` into clear_refs); return it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def passable(case: Case) -> bool:
    """Whether the operating system can pass the case's arguments to a process (no NUL, encodable)."""
    try:
        return all("\x00" not in a and a.encode("utf-8", "surrogateescape") is not None for a in case.argv)
    except UnicodeEncodeError:
        return False


def run_subprocess(case: Case, directory: Path, prefix: list[str] | None = None,
                   timeout: float = 60.0) -> tuple[Outcome, int]:
    """The case through the real console script (``python -m diagnose``), optionally in a network
    namespace (``prefix``); returns the outcome and the process's peak RSS in KiB. (A case that is not
    :func:`passable` cannot be given to a process at all.)"""
    argv = case.prepare(directory)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "PYTHONPATH": str(ROOT),
           "LANG": "C.UTF-8", "LOGIN_DOCTOR_NO_PLUGINS": "1"}
    start = time.monotonic()
    proc = subprocess.Popen([*(prefix or []), sys.executable, "-c", _CONSOLE, *argv], cwd=directory, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(case.stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Outcome(None, time.monotonic() - start, [f"hang: no end within {timeout:g} s"]), 0
    text = err.decode("utf-8", "replace")
    body, _, rss = text.rpartition(_RSS_MARK)
    outcome = judge(proc.returncode, out.decode("utf-8", "replace"), body if rss else text, time.monotonic() - start,
                    diagnosed=case.diagnoses)
    return outcome, int(rss.strip() or 0) if rss.strip().isdigit() else 0


_RSS_MARK = "\x00peak-rss-kib "
_CONSOLE = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    line = [x for x in open('/proc/self/status').read().splitlines() if x.startswith('VmHWM:')]\n"
    f"    sys.__stderr__.write({_RSS_MARK!r} + (line[0].split()[1] if line else '0'))\n"
    "atexit.register(_peak)\n"
    "from diagnose.cli import run\n"
    "raise SystemExit(run())\n"
)
"""What ``python -m diagnose`` runs, and then the process's peak RSS written after everything on stderr
(VmHWM: ``ru_maxrss`` would keep the forking worker's high-water mark across exec)."""


def own_rss() -> int:
    """This process's peak RSS in KiB (Linux)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def jsonable(outcome: Outcome) -> dict[str, Any]:
    return {"code": outcome.code, "seconds": round(outcome.seconds, 4), "problems": outcome.problems,
            "grew_kib": outcome.grew_kib}
