"""The run's deadline, end to end through the command line: a server whose TLS handshake stalls.

``login-doctor URL --timeout 6`` against a server that accepts the connection
and never answers the ClientHello (the lab's black hole, pinned with
``--resolve``). Every check budgets its steps from the run's deadline, so:

* connectivity names the step that ran out of time, the TLS handshake (its own
  5 s limit, or the run's deadline when that comes first), instead of being
  cut off by the runner with nothing to say;
* certificate and redirects are ``skip``, with the reason, not ``error``;
* the whole run, process start to exit, ends within 6.6 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab
from diagnose.lab.servers import LabServer, LabThread, black_hole

ROOT = Path(__file__).resolve().parents[2]
HOST = f"app.{LAB_DOMAIN}"
TIMEOUT = 6.0
LIMIT = 6.6


@pytest.fixture(scope="module")
def stalling_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A loopback port that accepts TLS connections and never answers; the CLI options that reach it."""
    tmp = tmp_path_factory.mktemp("stall")
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            server = thread.run(lab.enter(LabServer(raw=black_hole)))
            url = f"https://{HOST}:{server.port}{SIGNIN_PATH}"
            profile = tmp / "lab.toml"
            profile.write_text(lab.profile_toml(url))
            yield url, [
                "--profile", str(profile), "--resolve", f"{HOST}:{server.port}:127.0.0.1",
                "--ca-file", str(lab.ca_file),
            ]
        finally:
            thread.run(lab.__aexit__(None, None, None))


def test_a_stalled_tls_handshake_with_timeout_6(stalling_site: tuple[str, list[str]]) -> None:
    url, options = stalling_site
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}  # loopback only, no proxy
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", LOGIN_DOCTOR_NO_PLUGINS="1")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", url, *options, "--timeout", f"{TIMEOUT:g}", "--headless",
         "--format", "json"],
        cwd=ROOT, env=env, capture_output=True, timeout=60,
    )
    elapsed = time.monotonic() - started
    assert done.returncode in (1, 3), done.stderr.decode()[-2000:]
    report = json.loads(done.stdout)
    checks = {c["id"]: c for c in report["checks"]}

    # The run ends within 6.6 s: the report's own clock and the process, start to exit.
    assert report["duration_ms"] <= LIMIT * 1000
    assert elapsed <= LIMIT, f"the process took {elapsed:.2f} s"

    # Connectivity names the step that ran out of time: the TLS handshake.
    connectivity = checks["connectivity"]
    assert connectivity["status"] in ("fail", "error")
    assert connectivity["details"]["tcp"]["ipv4"][0]["ok"] is True  # it did get that far
    assert "handshake" in connectivity["summary"]
    if connectivity["status"] == "error":  # the run's deadline came before the step's own limit
        assert connectivity["details"]["out_of_time"]["step"] == "tls_handshake"
        assert "ran out of time during the TLS handshake" in connectivity["summary"]
        assert any("ran out of time during the TLS handshake" in w for w in report["warnings"])
    else:  # the step's own limit (5 s) came first: the server did not complete the handshake
        finding = next(f for f in connectivity["findings"] if f["code"] == "connectivity.tls_handshake_failed")
        assert finding["evidence"]["error"] == "timeout"
        assert "did not complete the handshake in time" in connectivity["summary"]
    assert "cut off" not in json.dumps(connectivity)  # concluded by itself, not stopped by the runner

    # Certificate and redirects are skipped with the reason, not errors.
    for dependant in ("certificate", "redirects"):
        assert checks[dependant]["status"] == "skip", checks[dependant]
        assert "connectivity check did not pass" in checks[dependant]["summary"]
        assert connectivity["summary"] in checks[dependant]["summary"]
    assert all(c["status"] != "error" or c["id"] == "connectivity" for c in report["checks"]), report["checks"]
