"""Start-up: what each command imports, measured with ``python -X importtime``.

Run:  python benchmarks/bench_startup.py [--runs 3]

For each command (``--version``, ``checks``, ``url``, ``render`` as json,
markdown and html, ``summarize``, a diagnosis of only the url check, and a full
headless diagnosis of a healthy lab site with JSON on stdout) it prints the
import time (the smallest of ``--runs`` runs, per module), how many modules,
and which heavy libraries were loaded. The headless JSON path must load
neither textual nor jinja2 (``tests/diagnose/test_lazy_imports.py`` asserts it).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections.abc import Sequence

from _common import ROOT, command_env, healthy_site, python

HEAVY = ("textual", "jinja2", "rich", "httpx", "httpcore", "trio", "cryptography", "OpenSSL", "dns", "ntplib",
         "truststore", "jsonschema", "publicsuffixlist", "ada_url", "sqlite3")
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_profile(argv: Sequence[str], env: dict[str, str], runs: int) -> tuple[float, int, dict[str, float]]:
    """(total import ms, modules, ms per heavy top-level package), the least of ``runs`` per module."""
    best: dict[str, int] = {}
    for _ in range(runs):
        done = subprocess.run([python(), "-X", "importtime", *argv], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False, timeout=300)
        for match in _LINE.finditer(done.stderr):
            name, own = match[4], int(match[1])
            best[name] = min(own, best.get(name, own))
    heavy: dict[str, float] = {}
    for name, own in best.items():
        top = name.split(".")[0]
        if top in HEAVY:
            heavy[top] = heavy.get(top, 0) + own / 1000
    return sum(best.values()) / 1000, len(best), heavy


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    fixture = str(ROOT / "tests" / "reports" / "fixtures" / "failures.json")
    with healthy_site() as site:
        env = command_env(HOME=str(site.home))
        commands = {
            "--version": ["-m", "diagnose", "--version"],
            "checks": ["-m", "diagnose", "checks"],
            "url ADDRESS": ["-m", "diagnose", "url", "https://app.atera.com/users/login"],
            "render --format json": ["-m", "diagnose", "render", fixture, "--format", "json"],
            "render --format markdown": ["-m", "diagnose", "render", fixture, "--format", "markdown"],
            "render --format html": ["-m", "diagnose", "render", fixture, "--format", "html"],
            "summarize": ["-m", "diagnose", "summarize", str(ROOT / "tests" / "reports" / "fixtures")],
            "diagnosis --only url": [*site.argv(site.ntp_answering)[1:], "--only", "url"],
            "diagnosis, every check": site.argv(site.ntp_answering)[1:],
        }
        print(f"{'command':26} {'imports':>9} {'modules':>8}  heavy libraries (ms)")
        failed = False
        for name, argv in commands.items():
            total, modules, heavy = import_profile(argv, env, ns.runs)
            listed = ", ".join(f"{k} {v:.0f}" for k, v in sorted(heavy.items(), key=lambda kv: -kv[1]))
            print(f"{name:26} {total:7.0f} ms {modules:8}  {listed or '-'}")
            if name == "diagnosis, every check" and {"textual", "jinja2"} & set(heavy):
                failed = True
                print("  the headless JSON path loaded textual or jinja2")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
