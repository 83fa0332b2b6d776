"""Run issue 18's benchmarks one after another and print their figures.

Run from the repository root::

    SSLYZE=/path/to/venv-sslyze/bin/sslyze python benchmarks/run_all.py
    python benchmarks/run_all.py --quick      # fewer runs, smaller batches: a smoke test, not the figures

Each benchmark is its own script (see the README's Benchmarks section); this
runs them in turn, streams their output, and ends with one line per benchmark
and its exit code (0 goal met, 1 not met, 2 could not run, e.g. sslyze missing).
Timings are only comparable on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = {
    "startup": ["bench_startup.py"],
    "healthy": ["bench_healthy.py", "--runs", "7"],
    "ntp-silent": ["bench_ntp_silent.py", "--runs", "5"],
    "url batch": ["bench_url.py", "--count", "20000", "--batch", "100000"],
    "render": ["bench_render.py", "--sizes", "2,8,50"],
    "summarize": ["bench_summarize.py", "--reports", "100000"],
}
QUICK = {
    "startup": ["bench_startup.py", "--runs", "1"],
    "healthy": ["bench_healthy.py", "--runs", "3"],
    "ntp-silent": ["bench_ntp_silent.py", "--runs", "2"],
    "url batch": ["bench_url.py", "--count", "5000", "--repeat", "1", "--batch", "20000"],
    "render": ["bench_render.py", "--sizes", "2,8", "--timeout", "60"],
    "summarize": ["bench_summarize.py", "--reports", "10000"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller inputs")
    parser.add_argument("--only", action="append", default=[], help="run only this benchmark (repeatable)")
    ns = parser.parse_args()
    plan = QUICK if ns.quick else FULL
    results = []
    for name, argv in plan.items():
        if ns.only and name not in ns.only:
            continue
        print(f"\n=== {name}: {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(HERE / argv[0]), *argv[1:]], cwd=HERE.parent, check=False).returncode
        results.append((name, code, time.perf_counter() - start))
    print("\n=== summary (exit 0: goal met, 1: not met, 2: could not run)")
    for name, code, seconds in results:
        print(f"  {name:12} exit {code}   ({seconds:.0f} s)")
    return max((code for _name, code, _s in results), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
