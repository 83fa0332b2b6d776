"""Certificate benchmark: login-doctor against ``sslyze --certinfo`` on the same lab server.

Run:  python benchmarks/bench_certificate.py [--runs N]

One lab HTTPS server on 127.0.0.1 (leaf + intermediate from the lab CA, the
lab root given to both tools as the extra trust anchor). Prints, median and
best of N runs:

* ``sslyze --certinfo`` as a subprocess (what a person would run);
* the **whole** login-doctor diagnosis as a subprocess (every check, headless,
  JSON report), and the ratio to sslyze: the goal is below 1.0;
* in-process: sslyze's certificate scan through its Python API, the
  certificate check alone, and the whole diagnosis in-process.

Everything runs on loopback; names are pinned with ``--resolve`` (login-doctor)
and ``host:port{ip}`` (sslyze).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, signin_app  # noqa: E402
from diagnose.lab.servers import LabThread  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "LOGIN_DOCTOR_NO_PLUGINS": "1"}
HOST = f"app.{LAB_DOMAIN}"


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median and best wall time (ms) of ``fn`` and its last result."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def lab_profile(directory: Path, url: str) -> Path:
    """A profile for the lab vendor with no NTP servers (nothing may leave loopback)."""
    path = directory / "lab-profile.toml"
    path.write_text(
        f'name = "atera-lab"\nvendor = "Atera (lab)"\ndefault_url = "{url}"\n'
        f'official_domains = ["{LAB_DOMAIN}"]\nsignin_urls = ["https://app.{LAB_DOMAIN}{SIGNIN_PATH}"]\n'
        '[clock]\nntp_servers = []\n'
    )
    return path


def sslyze_api(port: int, ca_file: Path) -> Any:
    """sslyze's certificate scan through its Python API (in-process)."""
    from sslyze import (
        ScanCommand,
        ScanCommandsExtraArguments,
        Scanner,
        ServerNetworkLocation,
        ServerScanRequest,
    )
    from sslyze.plugins.certificate_info.implementation import CertificateInfoExtraArgument

    location = ServerNetworkLocation(hostname=HOST, port=port, ip_address="127.0.0.1")
    request = ServerScanRequest(
        server_location=location,
        scan_commands={ScanCommand.CERTIFICATE_INFO},
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_file),
        ),
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    return next(iter(scanner.get_results()))


def certificate_only(url: str, run_factory: Callable[[], Any]) -> Any:
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    async def go() -> Any:
        run = run_factory()
        registry = discover(plugins=False)
        diagnosis = Diagnosis(target=make_target(url, run.profile), profile=run.profile,
                              plan=registry.plan(("certificate",)), settings=run.settings, net=run.net)
        return await diagnosis.run()

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    with LabThread() as thread, tempfile.TemporaryDirectory() as tmp:
        lab: Lab = thread.run(Lab().__aenter__())
        site = thread.run(lab.https(signin_app(), names=[HOST]))
        url = f"https://{HOST}:{site.port}{SIGNIN_PATH}"
        profile = lab_profile(Path(tmp), url)
        print(f"lab server {HOST}:{site.port} on 127.0.0.1 (leaf + intermediate, lab root as extra anchor)")

        sslyze_argv = [sys.executable, "-m", "sslyze", "--certinfo", f"--certinfo_ca_file={lab.ca_file}",
                       f"{HOST}:{site.port}{{127.0.0.1}}"]
        ld_argv = [sys.executable, "-m", "diagnose", url, "--headless", "-q", "--format", "json",
                   "--profile", str(profile), "--resolve", f"{HOST}:{site.port}:127.0.0.1",
                   "--ca-file", str(lab.ca_file)]

        def sub(argv: list[str]) -> Callable[[], int]:
            return lambda: subprocess.run(argv, env=ENV, cwd=ROOT, capture_output=True, timeout=120).returncode

        s_med, s_best, s_code = timed(sub(sslyze_argv), runs)
        l_med, l_best, l_code = timed(sub(ld_argv), runs)
        print("subprocess (what a person runs)")
        print(f"  sslyze --certinfo              median {s_med:7.1f} ms   best {s_best:7.1f} ms   exit {s_code}")
        print(f"  login-doctor, whole diagnosis  median {l_med:7.1f} ms   best {l_best:7.1f} ms   exit {l_code}")
        print(f"  ratio login-doctor / sslyze    {l_med / s_med:.2f} (median)   {l_best / s_best:.2f} (best)"
              "   goal < 1.00")

        print("in-process")
        try:
            a_med, a_best, scan = timed(lambda: sslyze_api(site.port, lab.ca_file), runs)
            print(f"  sslyze certificate scan (API)  median {a_med:7.1f} ms   best {a_best:7.1f} ms   "
                  f"status {scan.scan_status.name}")
        except Exception as exc:  # an sslyze API change must not hide the other figures
            a_med = float("nan")
            print(f"  sslyze API unavailable: {type(exc).__name__}: {exc}")

        dns_holder: dict[str, Any] = {}

        def run_factory() -> Any:
            if "dns" not in dns_holder:
                dns_holder["dns"] = thread.run(lab.dns({HOST: ["127.0.0.1"]}))
            return lab.run(url, dns=dns_holder["dns"], only=("certificate",))

        c_med, c_best, report = timed(lambda: certificate_only(url, run_factory), runs)
        check = report.check("certificate")
        print(f"  certificate check (+connectivity)  median {c_med:7.1f} ms   best {c_best:7.1f} ms   "
              f"status {check.status.value if check else None}")
        if a_med == a_med:  # not NaN
            print(f"  ratio certificate check / sslyze API  {c_med / a_med:.2f} (median)")
        thread.run(lab.__aexit__(None, None, None))


if __name__ == "__main__":
    main()
