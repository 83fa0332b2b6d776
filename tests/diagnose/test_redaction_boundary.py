"""Nothing leaves a check unredacted: progress lines, the TUI, dependent checks and reports (issue 20).

Issue 20 item 1: a sign-in page answering ``HTTP/1.1 500 access_token=SECRET123``
put ``SECRET123`` on stderr, because the progress printer printed each
check's summary before the session redacted it, and a skipped check repeated
it. Now the runner redacts every result as it is recorded
(``Redactor.result``) and the printer only prints what the events carry.

The servers here are raw sockets on loopback that answer one fixed status
line, also lines no HTTP parser accepts (their error message quotes them).
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.events import CheckFinished, Event, RunFinished
from diagnose.profiles import load_profile
from diagnose.redact import FIXED_ENTRIES
from diagnose.registry import GROUP, discover
from diagnose.session import Diagnosis, make_target
from diagnose.tui.app import LoginDoctorApp
from diagnose.tui.rows import EXTRA_ROW_PREFIX
from diagnose.tui.screens.detail import DetailScreen
from tests.diagnose.leaky_checks import SECRET
from tests.diagnose.tui.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]

ENTRY = re.compile(
    r"^(?:(?:header|cookie|query|fragment):[^\x00-\x1f]{1,64}|param:(?:[A-Za-z_-]+|\*[a-z]+\*|\(other\))"
    r"|field:(?:[a-z]+|\*[a-z]+|\(other\)))$"
)
"""An entry of the ``redactions`` vocabulary (docs/redaction.md)."""

LEAKY = (EntryPoint("leaky", "tests.diagnose.leaky_checks:LeakyCheck", GROUP),
         EntryPoint("after_leaky", "tests.diagnose.leaky_checks:AfterLeakyCheck", GROUP))


class StatusLineServer:
    """Answers every connection with one fixed response head, then closes (loopback, port 0)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.head = b""
        self.served = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def answer(self, head: str) -> int:
        self.head = head.encode("latin-1") + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        return self.port

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.sendall(self.head)
                    self.served += 1
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def server() -> Iterator[StatusLineServer]:
    srv = StatusLineServer()
    try:
        yield srv
    finally:
        srv.close()


def _env(**kwargs: Any) -> Environment:
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdin_isatty=False,
                       stdout_isatty=False, environ={}, **kwargs)


def _run(argv: list[str], **kwargs: Any) -> tuple[int, str, str]:
    env = _env(**kwargs)
    code = run(argv, env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def _assert_vocabulary(redactions: list[str]) -> None:
    assert all(e in FIXED_ENTRIES or ENTRY.match(e) for e in redactions), redactions


# ----------------------------------------------------------------- the issue's case, through the console script


def test_the_issues_case_keeps_the_reason_phrase_off_stderr(server: StatusLineServer) -> None:
    # login-doctor http://app.test:PORT/ --resolve app.test:PORT:127.0.0.1 --only connectivity,
    # against a loopback server answering "HTTP/1.1 500 access_token=SECRET123" (issue 20 item 1).
    port = server.answer("HTTP/1.1 500 access_token=SECRET123")
    served = server.served
    environ = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", f"http://app.test:{port}/", "--resolve", f"app.test:{port}:127.0.0.1",
         "--only", "connectivity", "--no-plugins"],
        cwd=ROOT, env={**environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert server.served > served  # the run did meet the status line
    # Progress was on (stderr is not a terminal: headless, not --quiet) and shows the failure …
    assert re.search(r"\[1/1\] connectivity\s+fail", proc.stderr), proc.stderr
    # … without the secret, in any output, and the redactions list does not name it either (item 2).
    assert "SECRET123" not in proc.stderr and "SECRET123" not in proc.stdout
    report = json.loads(proc.stdout)
    http = report["checks"][0]["details"]["http"]
    assert http["status_code"] == 500 and http["reason"] == "[redacted]"
    assert "reason_phrase" in report["redactions"]
    _assert_vocabulary(report["redactions"])


@pytest.mark.parametrize(
    ("status_line", "canary"),
    [
        ("HTTP/1.1 500 access_token=SECRET123", "SECRET123"),
        ("HTTP/1.1 502 Zq9SessionValueInTheReason", "Zq9SessionValueInTheReason"),
        ("HTTP/1.1 503 SECRET123token: Zq9AfterAColon", "Zq9AfterAColon"),
        # Lines no parser accepts: h11's error message quotes them (bytearray(b'…')).
        ("HTTP/1.1 5OO Zq9IllegalStatusLine", "Zq9IllegalStatusLine"),
        ("HTTP/1.1 200 OK\r\nX-Broken Zq9IllegalHeaderLine", "Zq9IllegalHeaderLine"),
    ],
)
def test_a_skipped_check_does_not_repeat_what_the_server_said(server: StatusLineServer, status_line: str,
                                                              canary: str) -> None:
    port = server.answer(status_line)
    code, stdout, stderr = _run([f"http://app.test:{port}/", "--resolve", f"app.test:{port}:127.0.0.1",
                                 "--only", "connectivity,redirects", "--no-plugins"])
    assert code == 1, stderr
    # redirects needs connectivity: it is skipped, and its summary repeats connectivity's.
    assert re.search(r"\[2/2\] redirects\s+skip .*Skipped because the connectivity check did not pass", stderr), stderr
    for where, text in (("stderr", stderr), ("stdout", stdout)):
        assert canary not in text and "SECRET123" not in text, where
    report = json.loads(stdout)
    assert not any("secret123" in e.lower() or canary.lower() in e.lower() for e in report["redactions"])
    _assert_vocabulary(report["redactions"])


# ----------------------------------------------------------------- a check that forgets to redact


def _leaky_diagnosis(tmp: Path) -> Diagnosis:
    registry = discover(plugins=False, extra=LEAKY)
    profile = load_profile("atera")
    return Diagnosis(target=make_target("https://app.test/", profile), profile=profile,
                     plan=registry.plan(("leaky", "after_leaky")))


async def test_events_carry_only_redacted_results(tmp_path: Path) -> None:
    events: list[Event] = []
    report = await _leaky_diagnosis(tmp_path).run(events.append)
    finished = [e for e in events if isinstance(e, CheckFinished)]
    assert [e.result.id for e in finished] == ["leaky", "after_leaky"]
    assert finished[1].result.summary.startswith("Skipped because the leaky check did not pass (fail): It failed:")
    assert "[redacted]" in finished[0].result.summary  # the secret was met, and removed
    for event in events:
        assert SECRET not in repr(event), type(event).__name__
    assert isinstance(events[-1], RunFinished) and events[-1].report is report
    assert not any(SECRET.lower() in e.lower() for e in report.redactions)
    _assert_vocabulary(list(report.redactions))


def test_a_leaky_plugin_leaves_stderr_clean() -> None:
    code, stdout, stderr = _run(["https://app.test/", "--only", "leaky,after_leaky", "--no-plugins"],
                                extra_checks=LEAKY)
    assert code == 1
    assert "leaky" in stderr and "after_leaky" in stderr
    assert SECRET not in stderr and SECRET not in stdout


def test_progress_lines_cannot_drive_the_terminal() -> None:
    from diagnose.cli import _one_line

    assert _one_line("a\x1b]0;title\x07b\r\nc\u202e") == "a?]0;title?b??c?"


async def test_the_tui_in_mid_run_shows_only_redacted_text(tmp_path: Path) -> None:
    # The TUI shows each result as its CheckFinished arrives, before the report exists:
    # replay a run's events without the last one and read everything the item screen draws.
    events: list[Event] = []
    diagnosis = _leaky_diagnosis(tmp_path)
    await diagnosis.run(events.append)
    app = LoginDoctorApp(_leaky_diagnosis(tmp_path))
    async with app.run_test(size=(100, 60)) as pilot:
        app.replay(e for e in events if not isinstance(e, RunFinished))
        await wait_for(pilot, lambda: "after_leaky" in app.state.results and app.drawn, "the replayed results")
        assert app.report is None
        row = next(r for r in app.state.rows if r.key == f"{EXTRA_ROW_PREFIX}leaky")
        await app.push_screen(DetailScreen(row, app.state))
        await wait_for(pilot, lambda: bool(app.screen.query(".evidence")), "the item screen")
        shown = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "It failed:" in shown and "[redacted]" in shown and "leaky.failed" in shown
        assert SECRET not in shown
        await pilot.press("q")

