"""The whole way in: ``python -m diagnose URL`` on a real pseudo-terminal opens the TUI.

The CLI sees a TTY on stdin and stdout, so it starts the TUI (not headless);
the address was given, so the run starts at once; ``q`` quits; the process
exits with the headless exit code and writes the ``-o`` report.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from reports.schema import validation_errors
from tests.diagnose.tui.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    """A child process on an 80×24 pseudo-terminal, and everything it drew."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.master = master
        self.screen = b""
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)

    def read_until(self, needle: bytes, limit: float = 60.0) -> None:
        """Read output until ``needle`` was drawn (``limit`` only guards against a hang)."""
        end = time.monotonic() + limit
        while needle not in self.screen:
            if time.monotonic() > end or (self.proc.poll() is not None and not self._read(0)):
                raise AssertionError(f"{needle!r} never appeared; last output: {self.screen[-600:]!r}")
            self._read(0.1)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.screen += chunk
        return bool(chunk)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self, limit: float = 60.0) -> int:
        end = time.monotonic() + limit
        while self.proc.poll() is None and time.monotonic() < end:
            self._read(0.1)
        code = self.proc.wait(timeout=5)
        os.close(self.master)
        return code


def test_cli_opens_the_tui_runs_at_once_and_exits_like_headless(
    lab_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, options = lab_site
    out = tmp_path / "tui.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "LOGIN_DOCTOR_NO_PLUGINS": "1",
           "LOGIN_DOCTOR_EXPORT_DIR": str(tmp_path / "exports")}
    term = Terminal([sys.executable, "-m", "diagnose", url, *options, "-o", str(out)], ROOT, env)
    try:
        term.read_until(b"1 of 1 checks done")
        term.read_until(b"No problem found")
        term.send(b"e")
        term.read_until(b"report files saved in")
        term.send(b"q")
        code = term.wait()
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert code == 0, term.screen[-2000:]
    data = json.loads(out.read_text())
    assert validation_errors(data) == [] and data["status"] == "pass"
    assert b"report written to" in term.screen
    exported = sorted(p.suffix for p in (tmp_path / "exports").iterdir())
    assert ".json" in exported and ".md" in exported
