"""How many addresses ``login-doctor url`` judges per second, in batch mode.

Run from the repository root::

    python benchmarks/bench_url.py                 # 50,000 addresses, best of 3
    python benchmarks/bench_url.py --count 200000 --repeat 5 --profile atera

It feeds a generated batch (official, official-but-warn, lookalike,
unrelated and invalid addresses in realistic proportions, every one distinct)
through the real command, ``login-doctor url - --format json``, in this
process (one thread, so one core), with standard output discarded, and prints
the rate per CPU second (what one core does, whatever else the machine runs)
and per wall-clock second.
It also prints the judge alone (no JSON, no catalogue wording) to show where
the time goes, and how many times the profile's permutation tables were
built: once per run, before the first address. The goal is at least 10,000
addresses per second on one core.

Then the whole command as a person runs it (``--batch``, default 100,000
addresses): a fresh ``python -m diagnose url - --format json`` reading a file
on stdin, which spreads a large batch over every core; wall-clock rate, goal
(issue 18) at least 20,000 addresses/s on 2 cores. ``--against DIR`` also runs
the same batch with the code of another checkout (``DIR``, e.g. main before a
change) and compares the two outputs byte for byte: the verdicts must be identical.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = (
    "https://app.atera.com/users/login?ReturnUrl=%2Fd{i}",
    "app.atera.com/users/login#{i}",
    "http://app.atera.com/users/login?x={i}",
    "https://support.atera.com/hc/articles/{i}",
    "https://app.atera.com/users/login?next=https://e{i}.net/",
    "https://app.atera.com.e{i}.net/users/login",
    "https://atera.com@e{i}.net/",
    "https://xn--tera-43d.com/{i}",
    "https://аtera.com/{i}",
    "https://atrea.com/{i}",
    "https://atera-login.com/{i}",
    "https://e{i}.net/atera/login",
    "https://example{i}.com/",
    "https://bit.ly/{i}",
    "https://www.google.com/url?q=https://app.atera.com/users/login&i={i}",
    "http://10.0.{j}.{k}/",
    "https://evil{i}.net\\@atera.com/",
    "support{i}@atera.com",
    "javascript:alert({i})",
    "https://e{i}.net%2fapp.atera.com/",
)


def corpus(count: int) -> list[str]:
    """``count`` distinct addresses cycling through :data:`SHAPES`."""
    return [SHAPES[i % len(SHAPES)].format(i=i, j=(i // 256) % 256, k=i % 256) for i in range(count)]


class _Null(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000, help="addresses per run (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported (default 3)")
    parser.add_argument("--profile", default="atera")
    parser.add_argument("--batch", type=int, default=100_000, help="addresses for the whole-command run (0: skip)")
    parser.add_argument("--against", metavar="DIR", help="another checkout whose output must be identical")
    ns = parser.parse_args()

    from checks._url import policy as policy_module
    from checks._url.judge import judge
    from checks._url.policy import policy_for
    from diagnose.commands.url import main as url_main
    from diagnose.environment import Environment
    from diagnose.profiles import load_profile

    addresses = corpus(ns.count)
    stdin_text = "\n".join(addresses) + "\n"

    start = time.perf_counter()
    policy = policy_for(load_profile(ns.profile))
    build_ms = (time.perf_counter() - start) * 1000

    batch_cpu, batch_wall = float("inf"), float("inf")
    for _ in range(ns.repeat):
        env = Environment(stdin=io.StringIO(stdin_text), stdout=_Null(), stderr=sys.stderr,
                          stdin_isatty=False, stdout_isatty=False)
        cpu, wall = time.process_time(), time.perf_counter()
        url_main(["-", "--format", "json", "--profile", ns.profile], env)
        batch_cpu = min(batch_cpu, time.process_time() - cpu)
        batch_wall = min(batch_wall, time.perf_counter() - wall)

    judge_cpu = float("inf")
    for _ in range(ns.repeat):
        cpu = time.process_time()
        for text in addresses:
            judge(text, policy)
        judge_cpu = min(judge_cpu, time.process_time() - cpu)

    print(f"profile {ns.profile}: policy built in {build_ms:.0f} ms "
          f"({len(policy.permutations):,} typosquat permutations); builds this run: {policy_module.BUILDS}")
    print(f"batch (login-doctor url - --format json), {ns.count:,} addresses, best of {ns.repeat}:")
    print(f"  {ns.count / batch_cpu:,.0f} addresses/s per CPU second on one core ({batch_cpu:.2f} s CPU)")
    print(f"  {ns.count / batch_wall:,.0f} addresses/s wall clock ({batch_wall:.2f} s; lower when the machine is busy)")
    print(f"judge only (no wording, no JSON): {ns.count / judge_cpu:,.0f} addresses/s per CPU second")
    return whole_command(ns.batch, ns.profile, ns.against) if ns.batch else 0


def whole_command(count: int, profile: str, against: str | None) -> int:
    """``login-doctor url - --format json`` in a fresh interpreter on ``count`` addresses, every core."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="login-doctor-bench-") as tmp:
        source = Path(tmp) / "addresses.txt"
        source.write_text("\n".join(corpus(count)) + "\n", encoding="utf-8")

        def run(code_dir: Path, out: Path) -> float:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env.update(PYTHONPATH=str(code_dir), LOGIN_DOCTOR_NO_PLUGINS="1")
            with source.open("rb") as stdin, out.open("wb") as stdout:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "diagnose", "url", "-", "--format", "json", "--profile", profile],
                               stdin=stdin, stdout=stdout, cwd=code_dir, env=env, check=False, timeout=1200)
                return time.perf_counter() - start

        ours = Path(tmp) / "ours.jsonl"
        run(root, Path(tmp) / "warmup.jsonl")
        wall = run(root, ours)
        rate = count / wall
        print(f"whole command, {count:,} addresses on {os.cpu_count()} cores: {wall:.2f} s, {rate:,.0f} addresses/s "
              f"(goal >= 20,000/s on 2 cores: {'MET' if rate >= 20_000 else 'NOT MET'})")
        if against:
            theirs = Path(tmp) / "theirs.jsonl"
            run(Path(against).resolve(), theirs)
            same = ours.read_bytes() == theirs.read_bytes()
            print(f"output identical to {against}'s: {same} ({sum(1 for _ in ours.open('rb')):,} lines)")
            if not same:
                return 1
        return 0 if rate >= 20_000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
