"""The TUI is imported only when it starts: headless runs and ``url`` never load textual.

Checked in a fresh interpreter with ``-X importtime``, which lists every module
the process imported, so nothing in this test process can hide an import.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.diagnose.tui.conftest import ROOT

TEXTUAL = re.compile(r"\|\s+textual(\.|$)", re.MULTILINE)


def imported_textual(importtime: str) -> bool:
    return bool(TEXTUAL.search(importtime))


def python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LOGIN_DOCTOR_NO_PLUGINS": "1"}
    return subprocess.run(
        [sys.executable, "-X", "importtime", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_check_can_see_textual_when_it_is_imported() -> None:
    # the probe itself works: importing the TUI shows up
    assert imported_textual(python("-c", "import diagnose.tui.app").stderr)


def test_headless_run_never_imports_textual(lab_site: tuple[str, list[str]], tmp_path: Path) -> None:
    url, options = lab_site
    out = tmp_path / "report.json"
    done = python("-m", "diagnose", "--headless", url, *options, "-o", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.exists()
    assert not imported_textual(done.stderr)
    assert re.search(r"\|\s+diagnose\.session$", done.stderr, re.MULTILINE)  # it did run the engine


def test_url_command_never_imports_textual() -> None:
    done = python("-m", "diagnose", "url", "https://app.atera.com/users/login", "https://atera.example/")
    # 0/1 when the url command exists, 2 in a build without it: either way no TUI
    assert done.returncode in (0, 1, 2)
    assert not imported_textual(done.stderr)


def test_har_command_never_imports_textual() -> None:
    """A recording's report is made without the terminal app (only ``--tui`` starts it)."""
    har = ROOT / "tests" / "checks" / "har" / "fixtures" / "chromium-loop.har"
    done = python("-m", "diagnose", "har", str(har), "--format", "json", "-q")
    assert done.returncode == 1, done.stderr[-2000:]
    assert not imported_textual(done.stderr)
    assert re.search(r"\|\s+diagnose\.recording$", done.stderr, re.MULTILINE)  # it did make the report


def test_cli_module_itself_does_not_import_textual() -> None:
    done = python("-c", "import diagnose.cli, diagnose.session, diagnose.__main__")
    assert not imported_textual(done.stderr)
