"""Benchmark of the browser check (run by hand; tests never time anything).

    python benchmarks/bench_browser.py

The whole check (discovery, every file read, the SQL, the judgements, the
report details) over fake home trees with the real layouts and schemas
(tests/checks/browser_fixtures.py):

* a Chrome profile whose cookie store holds 5,000 cookies, all for the sign-in
  site (the worst case for the analysis; Chrome itself keeps 180 per site);
* a Chrome profile with 5,000 cookies of which 150 are the site's;
* a Firefox profile with 5,000 cookies still in the write-ahead log while a
  writer holds it open (a running Firefox: the database and WAL are copied);
* both browsers together.

Goal: under 300 ms for a profile with 5,000 cookies. The ``cpu`` column is the
process's CPU time (all threads): on a shared, loaded machine the wall-clock
median includes waiting for a core, the CPU time does not.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.checks.browser_fixtures import FakeCookie, FakeHome
from tests.checks.browser_run import run_browser_check

GOAL_MS = 300.0
RUNS = 15


def cookies(total: int, for_site: int) -> list[FakeCookie]:
    site = [FakeCookie(f"s{i}", "v" * 40, ".atera.com" if i % 2 else "app.atera.com", path="/" if i % 3 else "/users")
            for i in range(for_site)]
    other = [FakeCookie(f"o{i}", "w" * 40, f"site{i % 400}.example") for i in range(total - for_site)]
    return site + other


def measure(label: str, home: FakeHome, expect_profiles: int) -> float:
    samples, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run_browser_check(home)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert len(result.details["profiles"]) == expect_profiles, result.summary
    median = statistics.median(samples) * 1000
    verdict = "ok" if median < GOAL_MS else "OVER GOAL"
    print(f"{label:<62} median {median:7.1f} ms  max {max(samples) * 1000:7.1f} ms  "
          f"cpu {statistics.median(cpu) * 1000:7.1f} ms  (n={RUNS})  {verdict}")
    return median


def scenario(build: Callable[[FakeHome], object], label: str, profiles: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        home = FakeHome(Path(tmp), "linux")
        keep = build(home)
        try:
            return measure(label, home, profiles)
        finally:
            close = getattr(keep, "close", None)
            if close is not None:
                close()


def chrome_all_site(home: FakeHome) -> None:
    home.chromium()[0].cookies(cookies(5000, 5000))


def chrome_mixed(home: FakeHome) -> None:
    home.chromium()[0].cookies(cookies(5000, 150))


def firefox_wal(home: FakeHome) -> object:
    return home.firefox()[0].cookies(cookies(5000, 5000), keep_open=True)


def both(home: FakeHome) -> object:
    home.chromium()[0].cookies(cookies(5000, 5000))
    return home.firefox()[0].cookies(cookies(5000, 5000), keep_open=True)


def main() -> int:
    results = [
        scenario(chrome_all_site, "Chrome, 5,000 cookies, all for the site", 1),
        scenario(chrome_mixed, "Chrome, 5,000 cookies, 150 for the site", 1),
        scenario(firefox_wal, "Firefox, 5,000 cookies in the WAL (copied), all for the site", 1),
        scenario(both, "Chrome + Firefox, 5,000 cookies each", 2),
    ]
    return 0 if all(r < GOAL_MS for r in results[:3]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
