"""The whole ``login-doctor demo``: how many scenarios it runs and how long it takes here.

Run:  python benchmarks/bench_demo.py [--runs N]

docs/lab.md does not state the demo's duration, which depends on the machine and
its load; this prints it. Everything runs on loopback (the lab's own servers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.lab.demo import FIRST  # noqa: E402
from diagnose.lab.scenario import all_scenarios  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    scenarios = all_scenarios()
    shown = sum(s.demo or s.name == FIRST for s in scenarios.values())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOGIN_DOCTOR_NO_PLUGINS": "1", "NO_COLOR": "1"}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "diagnose", "demo", "--format", "json"],
                              cwd=ROOT, env=env, capture_output=True, timeout=600)
        times.append(time.perf_counter() - start)
        last = proc.stderr.decode().strip().splitlines()[-1:]
        print(f"exit {proc.returncode}: {last[0] if last else ''}")
    print(f"scenarios: {len(scenarios)} registered, {shown} in the default demo")
    print(f"login-doctor demo: median {statistics.median(times):.1f} s, best {min(times):.1f} s over {runs} runs"
          f" (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
