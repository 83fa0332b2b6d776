"""Benchmark: ``login-doctor render --format text`` on large reports (target: 50 MB in under 5 s).

Run from the repository root::

    python benchmarks/bench_render_shapes.py                       # 2, 8 and 50 MB, text format
    python benchmarks/bench_render_shapes.py --sizes 2,8 --format markdown --runs 3

Each size is made in two shapes from the golden-test ``failures.json`` fixture:
``words``, findings whose messages and evidence are long runs of ordinary words
(many findings, many lines), and ``blob``, one finding whose evidence is one
unbroken word of the whole size (what a hostile server's header or a plugin's
summary looks like; textwrap is quadratic on it). The real command runs in a fresh
interpreter (``python -m diagnose render FILE``, start-up included) with stdout
to /dev/null; generation is not timed. Exit code 1 when a 50 MB (or larger) report
is over the target, or the time per MB grows by more than 3x from the smallest
size to the largest (not linear). The target is judged on the child's CPU time
(user + system), since the machine it runs on may be shared; the wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "reports" / "fixtures" / "failures.json"
TARGET_SECONDS = 5.0
MB = 1_000_000


def make_report(size: int, shape: str) -> str:
    """A valid report of about ``size`` bytes."""
    data = json.loads(FIXTURE.read_text("utf-8"))
    check = next(c for c in data["checks"] if c["findings"])
    template = check["findings"][0]
    if shape == "blob":
        finding = copy.deepcopy(template)
        finding["evidence"] = {"header": "x" * size}
        check["findings"] = [finding]
    else:
        words = " ".join(f"word{i % 97}" for i in range(2000))  # ~14 KB
        per = len(words) * 2 + 500
        check["findings"] = [
            {**copy.deepcopy(template), "message": words, "evidence": {"seen": words}} for _ in range(max(1, size // per))
        ]
    return json.dumps(data, indent=2)


def time_render(path: Path, fmt: str) -> tuple[float, float, float]:
    """Wall seconds, the child's CPU seconds (user + system: the machine may be shared) and its peak MB."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "diagnose", "render", str(path), "--format", fmt],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"render of {path.name} failed ({proc.returncode})")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2,8,50", help="report sizes in MB (default 2,8,50)")
    parser.add_argument("--format", default="text")
    parser.add_argument("--runs", type=int, default=1, help="runs per report; the best is kept")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    ok = True
    with tempfile.TemporaryDirectory(prefix="login-doctor-bench-render-") as tmp:
        for shape in ("words", "blob"):
            per_mb: list[float] = []
            for size in sizes:
                path = Path(tmp) / f"{shape}-{size:g}.json"
                path.write_text(make_report(int(size * MB), shape), "utf-8")
                actual = path.stat().st_size / MB
                wall, cpu, peak = min(time_render(path, args.format) for _ in range(args.runs))
                best = cpu  # what the command costs; the wall time also holds the other engineers' load
                per_mb.append(best / actual)
                print(f"render --format {args.format} {shape:>5} {actual:6.1f} MB: {cpu:6.2f} s CPU, {wall:6.2f} s "
                      f"wall ({cpu / actual:.3f} s CPU/MB), peak {peak:.0f} MB")
                if size >= 50 and best > TARGET_SECONDS:
                    ok = False
                path.unlink()
            if len(per_mb) > 1 and per_mb[-1] > 3 * per_mb[0] and sizes[-1] >= 8:
                print(f"  {shape}: time per MB grew from {per_mb[0]:.3f} to {per_mb[-1]:.3f}: not linear")
                ok = False
    print("PASS" if ok else f"FAIL (target: 50 MB in under {TARGET_SECONDS:g} s, linear)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
