"""Shared by the benchmarks: a healthy lab site with NTP responders, interpreters, timing.

Everything listens on 127.0.0.1 on ephemeral ports. Commands are timed as a
person runs them: a fresh interpreter, start-up included, with compiled
bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped and a temporary
``PYTHONPYCACHEPREFIX`` holds the cache, as an installed package has its
``.pyc`` files), after one untimed warm-up run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOGIN_DOCTOR_PYTHON = "LOGIN_DOCTOR_PYTHON"
"""Env var: the interpreter that runs login-doctor (default: the one running the benchmark)."""

SSLYZE = "SSLYZE"
"""Env var: the ``sslyze`` executable (default: ``sslyze`` on PATH)."""

NOT_OUR_DEPENDENCIES = ("trio", "click")
"""Installed here by something else, and imported by httpcore/httpx when present (a clean install has neither)."""

_CACHE = Path(tempfile.gettempdir()) / "login-doctor-bench-pycache"


def python() -> str:
    return os.environ.get(LOGIN_DOCTOR_PYTHON) or sys.executable


def command_env(**extra: str) -> dict[str, str]:
    """The environment a timed command runs in: this checkout first, bytecode cached, no plugins."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(_CACHE), LOGIN_DOCTOR_NO_PLUGINS="1", NO_COLOR="1")
    env.update(extra)
    return env


def extras_note() -> str:
    """Which non-dependencies the login-doctor interpreter would import through httpx, if any."""
    code = f"import importlib.util as u; print(' '.join(m for m in {NOT_OUR_DEPENDENCIES!r} if u.find_spec(m)))"
    found = subprocess.run([python(), "-c", code], capture_output=True, text=True, check=False).stdout.split()
    if not found:
        return "interpreter: clean (no trio, no click)"
    return (f"interpreter: {python()} also has {', '.join(found)} (not login-doctor dependencies; "
            "httpcore/httpx import them at start-up; a clean install has neither: see the README)")


def find_sslyze() -> str | None:
    path = os.environ.get(SSLYZE)
    if path:
        return path if Path(path).exists() else None
    return shutil.which("sslyze")


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    codes: list[int]
    outputs: list[bytes]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def run_timed(argv: Sequence[str], env: dict[str, str], timeout: float = 300) -> tuple[float, float, int, bytes]:
    """(wall s, CPU s of the process and its children, exit code, stdout) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(list(argv), env=env, cwd=ROOT, capture_output=True, timeout=timeout, check=False)
        code, out = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired:
        code, out = -1, b""
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, code, out


def interleaved(commands: dict[str, tuple[Sequence[str], dict[str, str]]], runs: int,
                warmup: bool = True) -> dict[str, Timing]:
    """Each command ``runs`` times, taking turns (the order alternates every round), after a warm-up."""
    names = list(commands)
    if warmup:
        for name in names:
            run_timed(*commands[name])
    timings = {name: Timing([], [], [], []) for name in names}
    for round_ in range(runs):
        for name in names if round_ % 2 == 0 else reversed(names):
            wall, cpu, code, out = run_timed(*commands[name])
            t = timings[name]
            t.wall.append(wall)
            t.cpu.append(cpu)
            t.codes.append(code)
            t.outputs.append(out)
    return timings


@dataclass
class HealthySite:
    """A healthy HTTPS sign-in site (with a ``Date`` header) and NTP responders, all on loopback."""

    url: str
    host: str
    port: int
    ca_file: Path
    profile: Path
    ntp_answering: tuple[int, int]
    ntp_silent: tuple[int, int]
    home: Path

    def argv(self, ntp_ports: Sequence[int]) -> list[str]:
        """A full headless diagnosis of the site, JSON report on stdout."""
        argv = [python(), "-m", "diagnose", self.url, "--headless", "-q", "--format", "json",
                "--profile", str(self.profile), "--resolve", f"{self.host}:{self.port}:127.0.0.1",
                "--ca-file", str(self.ca_file)]
        for port in ntp_ports:
            argv += ["--ntp-server", f"127.0.0.1:{port}"]
        return argv


@contextlib.contextmanager
def healthy_site() -> Iterator[HealthySite]:
    from diagnose.lab.ntp import LabNtp, dated
    from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, signin_app
    from diagnose.lab.servers import LabThread

    host = f"app.{LAB_DOMAIN}"
    with LabThread() as thread, tempfile.TemporaryDirectory(prefix="login-doctor-bench-") as tmp:
        lab = thread.run(Lab().__aenter__())
        try:
            site = thread.run(lab.https(dated(signin_app()), names=[host]))
            answering = [thread.run(lab.enter(LabNtp())) for _ in range(2)]
            silent = [thread.run(lab.enter(LabNtp(drop=True))) for _ in range(2)]
            url = f"https://{host}:{site.port}{SIGNIN_PATH}"
            profile = Path(tmp) / "lab-profile.toml"
            # No control hosts (they would be looked up in the real DNS) and no NTP servers of its own.
            profile.write_text(
                f'name = "atera-lab"\nvendor = "Atera (lab)"\ndefault_url = "{url}"\n'
                f'official_domains = ["{LAB_DOMAIN}"]\nsignin_urls = ["{url}"]\n'
                "[connectivity]\ncontrol_hosts = []\n[clock]\nntp_servers = []\n"
            )
            home = Path(tmp) / "home"  # the browser check reads no one's real profiles
            home.mkdir()
            yield HealthySite(url, host, site.port, lab.ca_file, profile,
                              (answering[0].port, answering[1].port), (silent[0].port, silent[1].port), home)
        finally:
            thread.run(lab.__aexit__(None, None, None))


def statuses(report_json: bytes) -> dict[str, tuple[str, tuple[str, ...]]]:
    """check id → (status, finding codes) of a JSON report ({} when it is not one)."""
    import json

    try:
        data = json.loads(report_json)
    except ValueError:
        return {}
    return {c["id"]: (c["status"], tuple(sorted(f["code"] for f in c["findings"]))) for c in data.get("checks", [])}


def have_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


Check = Callable[[], bool]
