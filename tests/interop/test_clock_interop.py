"""The clock check against a real NTP server: chronyd on a loopback port, honest and skewed.

chronyd runs in the foreground (``-d``) with ``-x`` (it never touches the
system clock) as a ``local stratum 8`` server with no upstream, everything in
the test's tmp dir. For the skewed run it is started under libfaketime
(``FAKETIME=+95s``, monotonic time left alone), so chrony believes the
time is 95 s later than it is and this machine's real clock looks 95 s behind.
The check must measure both within 50 ms.

libfaketime is preloaded directly (:func:`faketime_env`), not through the
``faketime`` wrapper: the wrapper creates ``/dev/shm/faketime_shm_<its pid>``
with ``O_EXCL`` and leaves it behind when it is killed (as chronyd's process
group is at the end of every test), and a later wrapper that happens to get
the same pid exits 1 with "faketime: shm_open: File exists" before the
program under test runs — a CI failure that had nothing to do with the code.

When chronyd or faketime is missing the test skips locally and fails under
``CI=true``. Fixtures live in this file (the shared interop conftest is
another engineer's).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks._clock import ntp
from diagnose.check import SystemClock
from diagnose.lab.scenario import Lab
from diagnose.lab.scenarios.clock import clock_lab
from diagnose.model import CheckResult, Status, report_to_json
from diagnose.settings import Endpoint
from reports.schema import validation_errors

pytestmark = pytest.mark.interop

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin")


def need(name: str) -> str:
    """The path of a program; missing fails the test under CI=true and skips it otherwise."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
    if path is None:
        message = f"{name} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI=true requires the interop tier", pytrace=False)
        pytest.skip(message)
    return path


LIBFAKETIME_DIRS = ("/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime",
                    "/usr/lib/faketime", "/usr/local/lib/faketime")


def faketime_env(offset: str) -> dict[str, str]:
    """Variables that run a program with its wall clock ``offset`` away (``+95s``, ``-400d``), monotonic
    time untouched: libfaketime preloaded as the ``faketime -f`` wrapper would, without the wrapper's
    shared-memory segment (see the module's docstring)."""
    need("faketime")  # the package that ships the library; missing fails under CI=true
    library = next((os.path.join(d, "libfaketime.so.1") for d in LIBFAKETIME_DIRS
                    if os.path.exists(os.path.join(d, "libfaketime.so.1"))), None)
    if library is None:
        message = f"libfaketime.so.1 is not in any of {', '.join(LIBFAKETIME_DIRS)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    preload = " ".join(p for p in (os.environ.get("LD_PRELOAD", ""), library) if p)
    return {"LD_PRELOAD": preload, "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serving(port: int) -> bool:
    """Whether chrony answers on ``port`` with a synchronised, valid reply (its local reference is up)."""
    nonce = ntp.new_nonce()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        t1 = time.time()
        try:
            s.sendto(ntp.build_request(nonce), ("127.0.0.1", port))
            data = s.recv(1024)
        except OSError:  # timeout, or ICMP port unreachable while chrony starts
            return False
        return isinstance(ntp.evaluate(data, nonce, t1, time.time()), ntp.Measurement)


@contextlib.contextmanager
def chronyd(tmp_path: Path, fake: str | None = None) -> Iterator[int]:
    """Run chronyd serving NTP on a free loopback port; yields the port."""
    binary = need("chronyd")
    port = free_udp_port()
    conf = tmp_path / "chrony.conf"
    conf.write_text(
        "\n".join(
            [
                f"port {port}",
                "bindaddress 127.0.0.1",
                "local stratum 8",
                "allow 127.0.0.1",
                "cmdport 0",
                f"driftfile {tmp_path / 'chrony.drift'}",
                f"pidfile {tmp_path / 'chronyd.pid'}",
                "",
            ]
        )
    )
    command = [binary, "-x", "-d", "-f", str(conf), "-u", getpass.getuser()]
    env = dict(os.environ)
    if fake is not None:
        env.update(faketime_env(fake))
    log_path = tmp_path / "chronyd.log"
    with log_path.open("wb") as log:
        # Its own process group, so whatever chronyd forks goes with it.
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not serving(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chronyd did not serve on port {port}:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        gone = time.monotonic() + 5
        while time.monotonic() < gone and _group_alive(proc.pid):
            time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def measure(port: int) -> CheckResult:
    """The clock check, through a real Diagnosis, with chrony as the only time server and
    this machine's real clock."""
    from diagnose.registry import discover
    from diagnose.session import Diagnosis, make_target

    async with Lab() as lab:
        world = await clock_lab(lab)
        run = lab.run(world.run.url, dns=world.dns, profile=world.run.profile, ntp_servers=[Endpoint("127.0.0.1", port)])
        report = await Diagnosis(
            target=make_target(run.url, run.profile),
            profile=run.profile,
            plan=discover(plugins=False).plan(("clock",)),
            settings=run.settings,
            net=run.net,
            clock=SystemClock(),
        ).run()
    assert validation_errors(report_to_json(report)) == []
    return next(c for c in report.checks if c.id == "clock")


@pytest.mark.parametrize(("fake", "expected", "status"), [(None, 0.0, Status.PASS), ("+95s", -95.0, Status.FAIL)])
def test_chrony_offset_measured_within_50_ms(
    tmp_path: Path, fake: str | None, expected: float, status: Status, capsys: pytest.CaptureFixture[str]
) -> None:
    with chronyd(tmp_path, fake) as port:
        result = asyncio.run(measure(port))
    details = result.details
    chrony = next(s for s in details["sources"] if s["kind"] == "ntp")
    with capsys.disabled():
        print(
            f"\nchronyd {fake or 'in sync'}: offset_s={details['offset_s']:+.6f} "
            f"uncertainty_s={details['uncertainty_s']:.6f} stratum={chrony['stratum']} "
            f"delay_s={chrony['delay_s']:.6f}"
        )
    assert chrony["result"] == "truechimer" and chrony["stratum"] == 8
    assert details["offset_s"] == pytest.approx(expected, abs=0.05)
    assert result.status is status
    assert details["method"] == "ntp"
