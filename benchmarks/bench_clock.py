"""Clock check benchmarks: how long it takes, and how close it gets, in each situation.

Run:  python benchmarks/bench_clock.py [--runs N]

Prints, per lab scenario, the check's own duration (median and worst) and the
error of the measured offset against the truth the lab set, with the reported
uncertainty beside it:

* ``clock-in-sync``: NTP answers (goal: well under a second);
* ``clock-ntp-blocked``: UDP dropped, HTTP Date fallback (goal: under the 8 s
  timeout, error < 0.5 s and inside the reported uncertainty);
* ``clock-offline``: nothing resolves (goal: immediate);
* ``clock-all-silent``: every source silent (goal: ends by the check's own
  deadline, before its 8 s timeout).

Everything runs on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.lab.scenario import diagnose_scenario  # noqa: E402

TRUTH = {"clock-in-sync": 0.0, "clock-ntp-blocked": 7.3, "clock-offline": None, "clock-all-silent": None}


async def one(name: str) -> tuple[int, float | None, float | None, str]:
    result = await diagnose_scenario(name)
    check = next(c for c in result.report.checks if c.id == "clock")
    return check.duration_ms, check.details.get("offset_s"), check.details.get("uncertainty_s"), check.status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for name, truth in TRUTH.items():
        rows = [asyncio.run(one(name)) for _ in range(runs if name != "clock-all-silent" else 1)]
        durations = [r[0] for r in rows]
        line = (f"{name:20} status {rows[-1][3]:5}  duration median {statistics.median(durations):6.0f} ms  "
                f"worst {max(durations):6.0f} ms")
        if truth is not None:
            errors = [abs(r[1] - truth) for r in rows if r[1] is not None]
            uncertainties = [r[2] for r in rows if r[2] is not None]
            honest = sum(1 for r in rows if r[1] is not None and r[2] is not None and abs(r[1] - truth) <= r[2] + 0.005)
            line += (f"  |error| median {statistics.median(errors) * 1000:7.2f} ms  worst {max(errors) * 1000:7.2f} ms"
                     f"  uncertainty median ±{statistics.median(uncertainties) * 1000:6.1f} ms"
                     f"  truth inside bound {honest}/{len(rows)}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
