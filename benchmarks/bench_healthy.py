"""A full headless diagnosis of a healthy HTTPS lab server beside ``sslyze --certinfo`` on the same server.

Run:  python benchmarks/bench_healthy.py [--runs 7]

The lab server (127.0.0.1, ephemeral port, leaf + intermediate from the lab
CA, a ``Date`` header) is diagnosed by every check, headless, JSON on stdout:
connectivity, certificate, clock (against two NTP responders on loopback),
redirects, url and browser (an empty home, so no real profile is read).
``sslyze --certinfo`` scans the same server with the lab root as its CA file.
The two commands take turns (interleaved, the order alternating each round),
after one warm-up run each; the figures are the medians of ``--runs`` runs.

Goal (issue 18): login-doctor's median wall time at most 0.5 x sslyze's.

sslyze conflicts with login-doctor's cryptography version, so it lives in its
own virtual environment; the benchmark finds it through ``SSLYZE=/path/to/sslyze``
or on PATH, and says so and exits 2 when it is missing. ``LOGIN_DOCTOR_PYTHON``
chooses the interpreter that runs login-doctor (default: this one).
"""

from __future__ import annotations

import argparse

from _common import (
    command_env,
    extras_note,
    find_sslyze,
    fmt_ms,
    healthy_site,
    interleaved,
    statuses,
    verdict,
)

GOAL = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    ns = parser.parse_args()
    sslyze = find_sslyze()
    if sslyze is None:
        print("bench healthy: sslyze not found. Install it in its own venv "
              "(python -m venv /work/venv-sslyze && /work/venv-sslyze/bin/pip install sslyze) "
              "and set SSLYZE=/work/venv-sslyze/bin/sslyze, or put it on PATH.")
        return 2
    print(extras_note())
    with healthy_site() as site:
        env = command_env(HOME=str(site.home))
        commands = {
            "login-doctor": (site.argv(site.ntp_answering), env),
            "sslyze": ([sslyze, "--certinfo", f"--certinfo_ca_file={site.ca_file}",
                        f"{site.host}:{site.port}{{127.0.0.1}}"], command_env()),
        }
        t = interleaved(commands, ns.runs)
    ld, ss = t["login-doctor"], t["sslyze"]
    results = statuses(ld.outputs[-1])
    wanted = ("connectivity", "certificate", "clock", "redirects")
    healthy = all(results.get(c, ("missing",))[0] == "pass" for c in wanted)
    print(f"healthy lab server, {ns.runs} interleaved runs each (medians; CPU = user+sys of the process)")
    print(f"  login-doctor, whole diagnosis  wall {fmt_ms(ld.median)}  CPU {fmt_ms(ld.cpu_median)}  "
          f"exit codes {sorted(set(ld.codes))}")
    print(f"  sslyze --certinfo              wall {fmt_ms(ss.median)}  CPU {fmt_ms(ss.cpu_median)}  "
          f"exit codes {sorted(set(ss.codes))}")
    print("  checks: " + ", ".join(f"{k} {v[0]}" for k, v in results.items()))
    ratio = ld.median / ss.median
    print(f"  ratio login-doctor / sslyze: wall {ratio:.2f}, CPU {ld.cpu_median / ss.cpu_median:.2f}   "
          f"goal <= {GOAL} (wall): {verdict(ratio <= GOAL and healthy)}")
    if not healthy:
        print("  the diagnosis was not healthy: the figure does not count")
    return 0 if ratio <= GOAL and healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
