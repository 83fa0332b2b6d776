"""``login-doctor render`` of large reports: text, markdown, html and json of 2, 8 and 50 MB.

Run:  python benchmarks/bench_render.py [--sizes 2,8,50] [--formats text,markdown,html,json] [--timeout 120]

Each report is the golden-test fixture ``failures.json`` with a note of the
given size (mixed words, long unbroken runs and line breaks, as a pasted log
looks), under the 64 MiB input limit. Each format is rendered by the real
command in a fresh interpreter, output discarded; one run per size and format
(``--runs`` for more; the best is reported). A run over ``--timeout`` seconds
is stopped and reported as such.

Goal (issue 18): every renderer linear in the report's size; ``--format text``
of the 50 MB report under 5 s. The per-MB figure shows linearity: it should
stay flat as the size grows.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from _common import ROOT, command_env, python, run_timed, verdict

TEXT_GOAL_SECONDS = 5.0


def report_of(size_mb: int, directory: Path) -> Path:
    data = json.loads((ROOT / "tests" / "reports" / "fixtures" / "failures.json").read_text("utf-8"))
    rng = random.Random(size_mb)
    words = ["sign-in", "failed", "at", "09:14", "token", "expired", "the", "proxy", "said", "no", "again"]
    parts: list[str] = []
    total = 0
    target = size_mb * 1_000_000
    while total < target:
        roll = rng.random()
        part = ("x" * rng.randint(200, 5000)) if roll < 0.05 else ("\n" if roll < 0.15 else rng.choice(words))
        parts.append(part)
        total += len(part) + 1
    data["note"] = " ".join(parts)[:target]
    path = directory / f"report-{size_mb}mb.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="2,8,50", help="report sizes in MB (default 2,8,50)")
    parser.add_argument("--formats", default="text,markdown,html,json")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is stopped")
    ns = parser.parse_args()
    sizes = [int(s) for s in ns.sizes.split(",")]
    formats = ns.formats.split(",")
    env = command_env()
    text_50: float | None = None
    with tempfile.TemporaryDirectory(prefix="login-doctor-bench-") as tmp:
        reports = {size: report_of(size, Path(tmp)) for size in sizes}
        print(f"{'format':9} " + " ".join(f"{f'{s} MB':>22}" for s in sizes))
        for fmt in formats:
            cells = []
            for size in sizes:
                argv = [python(), "-m", "diagnose", "render", str(reports[size]), "--format", fmt]
                best = None
                for _ in range(ns.runs):
                    wall, _cpu, code, _out = run_timed(argv, env, timeout=ns.timeout)
                    if code == -1:
                        best = None
                        break
                    if code != 0:
                        cells.append(f"{'exit ' + str(code):>22}")
                        best = -1.0
                        break
                    best = wall if best is None else min(best, wall)
                if best == -1.0:
                    continue
                if best is None:
                    cells.append(f"{'> ' + format(ns.timeout, 'g') + ' s (stopped)':>22}")
                    if fmt == "text" and size == 50:
                        text_50 = float("inf")
                    continue
                if fmt == "text" and size == 50:
                    text_50 = best
                cells.append(f"{best:8.2f} s {best / size * 1000:6.0f} ms/MB")
            print(f"{fmt:9} " + " ".join(cells), flush=True)
    if text_50 is not None:
        print(f"text of 50 MB: {text_50:.2f} s, goal < {TEXT_GOAL_SECONDS:g} s: {verdict(text_50 < TEXT_GOAL_SECONDS)}")
        return 0 if text_50 < TEXT_GOAL_SECONDS else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
