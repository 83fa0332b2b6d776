"""The CLI's surroundings: how long the process had run before the command began.

``--timeout`` bounds the command as a script or RMM agent times it, from exec to exit, so the run's
deadline is moved back by the interpreter's start-up (:func:`diagnose.environment.process_age`).
"""

from __future__ import annotations

import subprocess
import sys

from diagnose.environment import Environment
from tests.conftest import ROOT


def age_after(sleep_s: float) -> float:
    code = f"import time; time.sleep({sleep_s}); from diagnose.environment import process_age; print(process_age())"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return float(done.stdout)


def test_a_fresh_process_knows_how_long_it_has_run() -> None:
    assert 0.0 < age_after(0.0) < 10.0
    assert 0.7 <= age_after(0.7) < 10.0  # the sleep counts: the clock is the process's, not the import's


def test_an_environment_a_test_builds_started_now() -> None:
    assert Environment().started_s_ago == 0.0
