"""Benchmarks for the redirects check (run by hand; tests never time anything).

    python benchmarks/bench_redirects.py

Prints the time of: storing 3000 Set-Cookie lines in one jar (the most one
response can carry under h11's 100 KiB header limit), a 25-hop walk over HTTPS
on loopback (the hop cap), and a whole lab scenario run (connectivity + redirects).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checks._redirects.cookies import CookieJar
from checks._redirects.flow import FlowWalker
from checks._redirects.rules import CookieUrl
from diagnose.check import SystemClock
from diagnose.lab.scenario import Lab, diagnose_scenario
from diagnose.lab.servers import LabRequest, LabResponse


def jar_3000() -> float:
    jar, url = CookieJar(), CookieUrl("https", "app.atera-lab.test", "/")
    start = time.perf_counter()
    for i in range(3000):
        jar.receive(f"c{i}=v{i}; Path=/; Secure", url, 1e9)
    return time.perf_counter() - start


async def walk_25() -> float:
    def chain(request: LabRequest) -> LabResponse:
        return LabResponse.redirect(f"/r/{int(request.path.rsplit('/', 1)[1]) + 1}")

    async with Lab() as lab:
        server = await lab.https(chain, names=["app.atera-lab.test"])
        dns = await lab.dns({"app.atera-lab.test": ["127.0.0.1"]})
        run = lab.run(server.url("/r/0", host="app.atera-lab.test"), dns=dns)
        clock = SystemClock()
        walker = FlowWalker(run.net, now=clock.time, monotonic=clock.monotonic, budget=60)
        start = time.perf_counter()
        await walker.walk(run.url)
        return time.perf_counter() - start


async def scenario(name: str) -> float:
    start = time.perf_counter()
    await diagnose_scenario(name)
    return time.perf_counter() - start


def report(label: str, samples: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(samples) * 1000:8.1f} ms  (n={len(samples)})")


def main() -> None:
    jar_3000()  # warm the Public Suffix List
    report("jar: 3000 Set-Cookie lines", [jar_3000() for _ in range(5)])
    report("walk: 25 HTTPS hops on loopback", [asyncio.run(walk_25()) for _ in range(3)])
    report("scenario redirects-loop (connectivity+walk)", [asyncio.run(scenario("redirects-loop")) for _ in range(3)])


if __name__ == "__main__":
    main()
