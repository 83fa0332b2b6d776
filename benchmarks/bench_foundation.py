"""Foundation benchmarks: start-up, a full headless run, and a black-holed run against its deadline.

Run:  python benchmarks/bench_foundation.py [--runs N]

Prints, for this machine:

* ``login-doctor --version`` wall time (goal < 100 ms), for the installed
  console script when found and for ``python -m diagnose``;
* a full headless run against the lab's healthy scenario (goal < 0.6 s), both
  the diagnosis alone (in-process) and end to end as a subprocess;
* a black-holed target (the server accepts and never answers) against a 3 s
  deadline: the run must end at the deadline with a report.

Everything runs on loopback; the lab pins names with ``--resolve``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, diagnose_scenario, signin_app  # noqa: E402
from diagnose.lab.servers import LabServer, LabThread, black_hole  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "LOGIN_DOCTOR_NO_PLUGINS": "1"}


def wall(argv: list[str], runs: int) -> tuple[float, float, int]:
    """Median and best wall time (ms) of ``argv`` and its last exit code."""
    times = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(argv, env=ENV, cwd=ROOT, capture_output=True).returncode
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), code


def real_script() -> str | None:
    """The console script itself, not a version-manager shim in front of it."""
    candidate = Path(sys.executable).parent / "login-doctor"
    if candidate.exists():
        return str(candidate)
    return shutil.which("login-doctor")


def lab_profile(directory: Path, url: str) -> Path:
    path = directory / "lab-profile.toml"
    path.write_text(
        f'name = "atera-lab"\nvendor = "Atera (lab)"\ndefault_url = "{url}"\n'
        f'official_domains = ["{LAB_DOMAIN}"]\nsignin_urls = ["https://app.{LAB_DOMAIN}{SIGNIN_PATH}"]\n'
        '[clock]\nntp_servers = []\n'
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    print("login-doctor --version")
    script = real_script()
    if script:
        med, best, _ = wall([script, "--version"], runs)
        print(f"  console script      median {med:6.1f} ms   best {best:6.1f} ms   (goal < 100 ms)")
    med, best, _ = wall([sys.executable, "-m", "diagnose", "--version"], runs)
    print(f"  python -m diagnose  median {med:6.1f} ms   best {best:6.1f} ms")

    print("full headless run, lab healthy scenario")
    inproc = []
    for _ in range(max(3, runs // 3)):
        result = asyncio.run(diagnose_scenario("healthy", only=()))
        inproc.append(result.report.duration_ms)
    print(f"  diagnosis in-process   median {statistics.median(inproc):6.1f} ms   best {min(inproc)} ms   "
          f"status {result.report.status.value}   checks {[c.id for c in result.report.checks]}")

    with LabThread() as thread, tempfile.TemporaryDirectory() as tmp:
        lab = thread.run(Lab().__aenter__())
        host = f"app.{LAB_DOMAIN}"
        site = thread.run(lab.https(signin_app(), names=[host]))
        url = f"https://{host}:{site.port}{SIGNIN_PATH}"
        profile = lab_profile(Path(tmp), url)
        argv = [sys.executable, "-m", "diagnose", url, "--headless", "-q", "--format", "json",
                "--profile", str(profile), "--resolve", f"{host}:{site.port}:127.0.0.1",
                "--ca-file", str(lab.ca_file)]
        med, best, code = wall(argv, max(3, runs // 2))
        print(f"  end to end (subprocess) median {med:6.1f} ms   best {best:6.1f} ms   exit {code}   (goal < 600 ms)")

        hole = thread.run(LabServer(raw=black_hole).start())
        argv = [sys.executable, "-m", "diagnose", f"https://{host}:{hole.port}{SIGNIN_PATH}", "--headless", "-q",
                "--format", "json", "--profile", str(profile), "--resolve", f"{host}:{hole.port}:127.0.0.1",
                "--ca-file", str(lab.ca_file), "--timeout", "3"]
        med, best, code = wall(argv, 2)
        print("black-holed target, --timeout 3")
        print(f"  wall median {med:6.1f} ms   exit {code} (3 = inconclusive: cut off, or 1 = failed)")
        thread.run(hole.close())
        thread.run(lab.__aexit__(None, None, None))


if __name__ == "__main__":
    main()
