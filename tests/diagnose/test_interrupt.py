"""Ctrl-C during a run: the CLI still writes what finished, marked interrupted, and exits 130.

End to end, as a person would see it: the real CLI in a subprocess diagnoses
a lab server that accepts the connection and then never answers (a black
hole), so the ``connectivity`` check is stalled in its TLS handshake. Once the
first check has finished (its progress line on stderr is the cue), the test
sends SIGINT, exactly what Ctrl-C in a terminal does.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnose.lab.servers import LabServer, LabThread, black_hole
from reports.schema import validation_errors

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("cli_with_quick_check.py")
HOST = "app.atera-lab.test"

PROFILE = f"""
name = "lab-interrupt"
vendor = "Lab"
default_url = "https://{HOST}/users/login"
official_domains = ["atera-lab.test"]
"""
"""A profile with no captive-portal probes and no control hosts: nothing beyond the pinned name is looked up."""


@pytest.fixture
def black_holed_port() -> Iterator[int]:
    with LabThread() as lab:
        server = lab.run(LabServer(raw=black_hole).start())
        try:
            yield server.port
        finally:
            lab.run(server.close())


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(PYTHONPATH=str(ROOT), LOGIN_DOCTOR_NO_PLUGINS="1", NO_COLOR="1")
    return env


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_sigint_after_first_check_writes_interrupted_report(
    tmp_path: Path, black_holed_port: int, stop: signal.Signals
) -> None:
    # Given a run whose connectivity check is stalled on a black-holed server
    profile = tmp_path / "lab.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    out_json, out_md, out_html = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"
    out_json.write_text("previous report\n", encoding="utf-8")
    cmd = [
        sys.executable, str(DRIVER), f"https://{HOST}:{black_holed_port}/users/login",
        "--headless", "--profile", str(profile), "--timeout", "60",
        "--resolve", f"{HOST}:{black_holed_port}:127.0.0.1",
        "-o", str(out_json), "-o", str(out_md), "-o", str(out_html), "--format", "json",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        # When the first check has finished
        for line in proc.stderr:
            seen.append(line)
            if re.search(r"\[\d+/\d+\] quick", line):
                break
        else:
            pytest.fail(f"the quick check never finished: {''.join(seen)}")
        proc.send_signal(stop)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # Then the run ends with 130 and every output holds what finished, marked interrupted
    assert proc.returncode == 130, stderr
    data = json.loads(out_json.read_text("utf-8"))
    assert validation_errors(data) == []
    assert data["interrupted"] is True
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["quick"]["status"] == "pass"
    assert by_id["connectivity"]["status"] == "error"
    assert by_id["connectivity"]["details"]["error"] == "interrupted"
    assert data["status"] == "error"  # a cut-off run never reads as a pass
    assert json.loads(stdout) == data
    assert "interrupted" in out_md.read_text("utf-8")
    assert "interrupted" in out_html.read_text("utf-8").lower()
    # and no temporary file is left next to the reports
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.toml", "r.html", "r.json", "r.md"]
