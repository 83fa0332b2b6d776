"""Benchmark: ``login-doctor summarize`` over generated reports, time and peak memory.

Run from the repository root::

    python benchmarks/bench_summarize.py                 # 10,000 reports (goal: under 10 s)
    python benchmarks/bench_summarize.py --reports 100000   # issue 18: under 20 s, peak under 500 MB
    python benchmarks/bench_summarize.py --reports 2000 --format json --runs 3

It writes the reports (built from the golden-test fixtures, each with its own
report id, time and a random mix of check statuses and findings, indented as
login-doctor writes them) into a temporary directory, then times the real
command in a fresh interpreter (``python -m diagnose summarize DIR``), start-up
included, and prints the figure with the command's peak resident memory (its
``ru_maxrss``). Generation is not timed (100,000 reports take a few minutes to
write). Exit code 1 when the best run is over the target, so CI can run it.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "reports" / "fixtures"
TARGETS = {10_000: (10.0, None), 100_000: (20.0, 500.0)}
"""Reports → (seconds, peak MB) goals: 10,000 from the first wave, 100,000 from issue 18."""

_SEVERITY_STATUS = {"critical": "fail", "high": "fail", "medium": "warn", "low": "warn", "info": "pass"}
_EXTRA_FINDINGS = [
    ("connectivity", "connectivity.dns_timeout", "high"),
    ("connectivity", "connectivity.proxy_in_use", "info"),
    ("certificate", "certificate.intercepted", "high"),
    ("certificate", "certificate.expires_soon", "medium"),
    ("clock", "clock.totp_intermittent", "medium"),
    ("redirects", "redirects.cookie_too_large", "medium"),
    ("url", "url.not_signin_page", "low"),
]


def generate(directory: Path, count: int, seed: int = 7) -> int:
    """Write ``count`` reports into ``directory`` (100 per sub-directory); return the bytes written."""
    rng = random.Random(seed)
    templates = [json.loads((FIXTURES / f"{name}.json").read_text("utf-8")) for name in ("all_pass", "failures")]
    total = 0
    for i in range(count):
        data = copy.deepcopy(templates[0] if rng.random() < 0.6 else templates[1])
        data["report_id"] = f"bench-{seed}-{i:06d}"
        data["started_at"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        for check in data["checks"]:
            if rng.random() < 0.15:
                check["findings"] = []
                check["status"] = rng.choice(["pass", "pass", "error", "skip"])
        for check_id, code, severity in _EXTRA_FINDINGS:
            if rng.random() < 0.1:
                check = next(c for c in data["checks"] if c["id"] == check_id)
                check["findings"].append({"code": code, "severity": severity, "message": "Generated.",
                                          "remediation": "None.", "evidence": {"i": i}})
                if _SEVERITY_STATUS[severity] == "fail":
                    check["status"] = "fail"
        statuses = {c["status"] for c in data["checks"]}
        data["status"] = next((s for s in ("fail", "error", "warn") if s in statuses), "pass")
        sub = directory / f"batch{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        (sub / f"endpoint-{i:06d}.json").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--format", default="markdown", choices=["markdown", "csv", "json"])
    parser.add_argument("--runs", type=int, default=1, help="timed runs; the best one is reported")
    ns = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="login-doctor-bench-") as tmp:
        directory = Path(tmp) / "reports"
        directory.mkdir()
        started = time.perf_counter()
        size = generate(directory, ns.reports)
        print(f"generated {ns.reports} reports ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
        env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "diagnose", "summarize", str(directory), "--format", ns.format,
               "-o", str(Path(tmp) / f"summary.{ 'md' if ns.format == 'markdown' else ns.format}")]
        times = []
        for _ in range(ns.runs):
            begin = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - begin)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 2
        best = min(times)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        seconds_goal, mb_goal = TARGETS.get(ns.reports, (float("inf"), None))
        ok = best < seconds_goal and (mb_goal is None or peak_mb < mb_goal)
        goal = (f"goal < {seconds_goal:g} s" + (f", peak < {mb_goal:g} MB" if mb_goal else "")
                if ns.reports in TARGETS else f"no goal for {ns.reports} reports (goals: 10,000 and 100,000)")
        print(f"summarize: {ns.reports} reports in {best:.2f} s ({ns.reports / best:,.0f} reports/s), "
              f"peak {peak_mb:.0f} MB, format {ns.format}, best of {ns.runs}; {goal}: {'MET' if ok else 'NOT MET'}")
        print(f"stderr: {proc.stderr.strip()}")
        return 0 if ok or ns.reports not in TARGETS else 1

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
