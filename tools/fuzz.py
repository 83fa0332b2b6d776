"""The big hostile-input run: ≥ 10,000 generated inputs per input kind, judged as issue 15 asks.

    python tools/fuzz.py                       # 10,000 per kind, every kind, 2 workers at a time
    python tools/fuzz.py --count 500 --kinds har,pem_der --jobs 1 --every 50

Each kind runs in its own worker process (``python -m tests.fuzz.worker``), which draws
cases with hypothesis and runs each through :func:`diagnose.cli.run` in-process with
the CLI's injectable environment (network: loopback only); every ``--every``-th case
also runs through the real console script, in a network namespace with only ``lo``
when the kind can reach the network, and its exit code is compared with the
in-process one. This command watches the workers: a case that has not ended
after ``--case-limit`` seconds (20) is a hang; the worker is killed and restarted
for the cases left.

What must hold, per kind: 0 crashes (a traceback, "internal error", an exception
escaping ``run()``, a check of the report that crashed), exit codes only in
{0, 1, 2, 3, 130}, a usage error is one line, no case over 20 s, and memory:

* in-process, how far the worker's resident set rose during the case (its peak RSS is
  reset before each case), minus the same for a healthy run. What hypothesis drew for
  the case is resident before the case begins, so it is not counted; memory the
  program reuses from freed generator data may be undercounted, hence:
* console script, each sampled process's own peak RSS (VmHWM) over a healthy run's,
  an absolute figure.

Both must stay under +100 MB. A summary table is printed and written as JSON
(``--out``, default ``fuzz-results.json`` in the current directory).
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("addresses", "arguments", "profile_toml", "report_render", "report_summarize", "pem_der", "resolve", "har")
MEMORY_LIMIT_KIB = 100 * 1024
CASE_LIMIT = 20.0


@dataclass
class Tally:
    kind: str
    target: int
    cases: int = 0
    crashes: int = 0
    bad_codes: int = 0
    hangs: int = 0
    other: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    max_seconds: float = 0.0
    baseline_kib: int = 0
    max_rss_over_kib: int = 0
    worker_peak_kib: int = 0
    sub_cases: int = 0
    sub_baseline_kib: int = 0
    sub_max_rss_over_kib: int = 0
    sub_max_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def ok(self) -> bool:
        return (self.cases >= self.target and not (self.crashes or self.bad_codes or self.hangs or self.other)
                and self.max_seconds <= CASE_LIMIT and self.sub_max_seconds <= CASE_LIMIT
                and self.max_rss_over_kib <= MEMORY_LIMIT_KIB and self.sub_max_rss_over_kib <= MEMORY_LIMIT_KIB)

    def take(self, record: dict[str, Any]) -> None:
        if "baseline_rss_kib" in record:
            self.baseline_kib = self.baseline_kib or int(record["baseline_grew_kib"])
            return
        if "baseline_subprocess_rss_kib" in record:
            self.sub_baseline_kib = self.sub_baseline_kib or int(record["baseline_subprocess_rss_kib"])
            return
        if "seconds" not in record:
            return
        self.cases += 1
        code = record["code"]
        self.codes[str(code)] = self.codes.get(str(code), 0) + 1
        self.max_seconds = max(self.max_seconds, float(record["seconds"]))
        self.max_rss_over_kib = max(self.max_rss_over_kib, int(record["grew_kib"]) - self.baseline_kib)
        self.worker_peak_kib = max(self.worker_peak_kib, int(record["rss_kib"]))
        problems = list(record["problems"])
        sub = record.get("subprocess")
        if isinstance(sub, dict):
            self.sub_cases += 1
            self.sub_max_seconds = max(self.sub_max_seconds, float(sub["seconds"]))
            if sub["rss_kib"]:
                self.sub_max_rss_over_kib = max(self.sub_max_rss_over_kib, int(sub["rss_kib"]) - self.sub_baseline_kib)
            problems += [f"console script: {p}" for p in sub["problems"]]
        self._count(problems, record.get("case", ""))

    def _count(self, problems: list[str], case: str) -> None:
        if not problems:
            return
        if any("crash" in p for p in problems):
            self.crashes += 1
        elif any(p.startswith(("exit code", "console script: exit code")) for p in problems):
            self.bad_codes += 1
        elif any("hang" in p for p in problems):
            self.hangs += 1
        else:
            self.other += 1
        if len(self.failures) < 20:
            self.failures.append(f"{'; '.join(problems)[:400]} -- {case}")


def run_kind(kind: str, count: int, seed: int, every: int, case_limit: float) -> Tally:
    """Run ``count`` cases of ``kind`` in worker processes, restarting a worker after a hang."""
    tally = Tally(kind, count)
    start = time.monotonic()
    attempt = 0
    while tally.cases < count and attempt < 50:
        left = count - tally.cases
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker", kind, str(left), str(seed + attempt), str(every)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        attempt += 1
        hung = _watch(proc, tally, case_limit)
        if hung is not None:
            tally.cases += 1
            tally.hangs += 1
            tally.failures.append(f"hang: case {hung} of worker {attempt} did not end within {case_limit:g} s")
        elif proc.returncode not in (0, None) and tally.cases < count:
            tally.other += 1
            tally.failures.append(f"the worker itself ended with {proc.returncode}")
            break
    tally.wall_seconds = time.monotonic() - start
    return tally


def _watch(proc: subprocess.Popen[str], tally: Tally, case_limit: float) -> int | None:
    """Feed the worker's records to ``tally``; the index of a case that hung (the worker is then killed)."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    running: int | None = None
    since = time.monotonic()
    try:
        while True:
            limit = case_limit if running is not None else 600.0  # drawing a case may take a while too
            if not selector.select(timeout=max(0.0, limit - (time.monotonic() - since))):
                if running is None:
                    return -1
                return running
            line = proc.stdout.readline()
            if not line:
                proc.wait()
                return None
            record = json.loads(line)
            if record.get("start"):
                running, since = int(record["i"]), time.monotonic()
                continue
            tally.take(record)
            running, since = None, time.monotonic()
    finally:
        selector.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def print_table(tallies: list[Tally]) -> None:
    head = (f"{'kind':<17}{'cases':>7}{'crash':>6}{'code':>5}{'hang':>5}{'other':>6}{'max s':>7}"
            f"{'+MB in-proc':>12}{'script':>7}{'script max s':>13}{'+MB script':>11}{'wall s':>8}  codes")
    print(head)
    for t in tallies:
        codes = " ".join(f"{k}:{v}" for k, v in sorted(t.codes.items()))
        print(f"{t.kind:<17}{t.cases:>7}{t.crashes:>6}{t.bad_codes:>5}{t.hangs:>5}{t.other:>6}{t.max_seconds:>7.2f}"
              f"{t.max_rss_over_kib / 1024:>12.1f}{t.sub_cases:>7}{t.sub_max_seconds:>13.2f}"
              f"{t.sub_max_rss_over_kib / 1024:>11.1f}{t.wall_seconds:>8.0f}  {codes}")
    for t in tallies:
        for failure in t.failures:
            print(f"  {t.kind}: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="cases per kind (default 10,000)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--every", type=int, default=200, help="run every Nth case through the console script too")
    parser.add_argument("--jobs", type=int, default=2, help="kinds run at the same time")
    parser.add_argument("--case-limit", type=float, default=CASE_LIMIT)
    parser.add_argument("--out", type=Path, default=Path("fuzz-results.json"))
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        tallies = list(pool.map(lambda k: run_kind(k, args.count, args.seed, args.every, args.case_limit), kinds))
    print_table(tallies)
    args.out.write_text(json.dumps([t.__dict__ for t in tallies], indent=2) + "\n", "utf-8")
    ok = all(t.ok() for t in tallies)
    print("PASS" if ok else "FAIL", f"({sum(t.cases for t in tallies):,} cases; results in {args.out})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
