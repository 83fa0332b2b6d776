"""Every NTP server silent beside NTP answering: how much longer a healthy HTTPS diagnosis takes.

Run:  python benchmarks/bench_ntp_silent.py [--runs 5]

One healthy lab HTTPS server (with a ``Date`` header, so the clock check has
its HTTP fallback) and four NTP responders on loopback: two that answer and
two that never do (UDP dropped). The same full headless diagnosis runs with
``--ntp-server`` pointing at the answering pair and at the silent pair,
interleaved, after a warm-up run each.

Goal (issue 18): with every NTP server silent the whole run ends within 1.0 s
of the run with NTP answering (medians), and the certificate verdict (status
and finding codes) is the same.
"""

from __future__ import annotations

import argparse

from _common import command_env, fmt_ms, healthy_site, interleaved, statuses, verdict

GOAL_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    ns = parser.parse_args()
    with healthy_site() as site:
        env = command_env(HOME=str(site.home))
        t = interleaved({
            "NTP answering": (site.argv(site.ntp_answering), env),
            "NTP silent": (site.argv(site.ntp_silent), env),
        }, ns.runs)
    answering, silent = t["NTP answering"], t["NTP silent"]
    print(f"healthy HTTPS lab server, {ns.runs} interleaved runs each (medians)")
    for name, timing in t.items():
        checks = statuses(timing.outputs[-1])
        clock = checks.get("clock", ("missing", ()))
        certificate = checks.get("certificate", ("missing", ()))
        print(f"  {name:14} wall {fmt_ms(timing.median)}  exit codes {sorted(set(timing.codes))}  "
              f"clock {clock[0]} {list(clock[1])}  certificate {certificate[0]} {list(certificate[1])}")
    same = {statuses(o).get("certificate") for o in (*answering.outputs, *silent.outputs)}
    delay = silent.median - answering.median
    ok = delay <= GOAL_SECONDS and len(same) == 1
    print(f"  silent - answering: {delay * 1000:+.0f} ms (goal <= {GOAL_SECONDS * 1000:.0f} ms); "
          f"certificate verdict the same in every run: {len(same) == 1}   {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
