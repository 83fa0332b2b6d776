"""Shared test helpers: run the CLI in-process with captured streams, or as a subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checks._browser.host import HOME_ENV
from diagnose.cli import run
from diagnose.environment import Environment

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ("tests.browsers.fixtures",)
"""Real-browser fixtures (``chromium``, ``chromium_case``, ``launch_chromium``, ``launch_firefox``,
``lab_scenarios``) for every test directory; see tests/browsers/README.md."""


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli_inprocess(args: list[str], **env_overrides: Any) -> CliResult:
    """Run the real CLI in this process with captured, non-TTY streams."""
    out, err = io.StringIO(), io.StringIO()
    stdin = env_overrides.pop("stdin", io.StringIO(""))
    env = Environment(stdin=stdin, stdout=out, stderr=err, stdin_isatty=False, stdout_isatty=False,
                      stderr_isatty=False, **env_overrides)
    code = run(args, env)
    return CliResult(int(code), out.getvalue(), err.getvalue())


def run_cli_subprocess(args: list[str], *, timeout: float = 60, stdin: bytes | None = None,
                       extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m diagnose`` from this checkout (not whatever is installed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "diagnose", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=timeout,
    )


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli_inprocess


@pytest.fixture(autouse=True, scope="session")
def _no_real_browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's own browsers: the ``browser`` check looks in an empty home
    (in this process and in every CLI subprocess, which inherit the variable)."""
    home = tmp_path_factory.mktemp("browser-home")
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)
    yield
    if previous is None:
        os.environ.pop(HOME_ENV, None)
    else:
        os.environ[HOME_ENV] = previous
