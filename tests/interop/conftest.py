"""Helpers for the interop tier: real daemons (nginx, dnsmasq, chronyd, ...) on loopback.

Shared by every interop suite; nothing here knows a particular daemon:

* :func:`require_binary` finds a program, and when it is missing FAILS the test
  under ``CI=true`` (the CI machine must have it) or skips it locally;
* :func:`free_port` picks an ephemeral loopback port (optionally free for UDP and
  TCP at once, as a DNS server needs);
* the ``start_process`` fixture starts a program as a non-daemonised child with
  its output in a log file in the test's tmp dir, waits until a ``ready`` probe
  says it serves (or fails with the log), and stops it after the test;
* :func:`tcp_ready` / :func:`udp_ready` are ready probes, and :func:`run_async`
  runs a coroutine from a synchronous test.

Daemons must bind 127.0.0.1 (or ::1) on the port they are given, keep their
pid files, logs and temporary files under ``tmp_path``, and stay in the
foreground (nginx ``daemon off``, dnsmasq ``--keep-in-foreground``, chronyd ``-d``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
"""Daemons often live outside a normal user's PATH."""


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require_binary(name: str) -> str:
    """The path of ``name``; a missing binary fails the test under CI=true, else skips it."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
    if path is None:
        message = f"{name} is not installed"
        if in_ci():
            pytest.fail(f"{message}, and CI=true requires the interop tier to run", pytrace=False)
        pytest.skip(message)
    return path


def free_port(host: str = "127.0.0.1", *, udp_too: bool = False) -> int:
    """An ephemeral port on ``host`` that is free now (for TCP, and also UDP with ``udp_too``).

    The port is released before the daemon binds it, so another process could
    take it in between; :func:`start_process` reports that as a start failure
    with the daemon's log rather than a confusing test failure.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _attempt in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            if not udp_too:
                return port
            try:
                with socket.socket(family, socket.SOCK_DGRAM) as udp:
                    udp.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port on {host}")


def tcp_ready(host: str, port: int) -> Callable[[], bool]:
    """Ready when a TCP connection to ``host:port`` is accepted."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False

    return probe


def udp_ready(host: str, port: int, payload: bytes, *, accept: Callable[[bytes], bool] = bool) -> Callable[[], bool]:
    """Ready when a datagram ``payload`` to ``host:port`` gets a reply that ``accept`` likes."""

    def probe() -> bool:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(0.3)
            try:
                s.sendto(payload, (host, port))
                reply, _ = s.recvfrom(4096)
            except OSError:
                return False
            return accept(reply)

    return probe


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous test (daemon fixtures are synchronous)."""
    return asyncio.run(coro)


@dataclass
class Process:
    """A started daemon: its ``Popen``, where its output goes, and how to stop it."""

    argv: Sequence[str]
    popen: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        """Everything the daemon wrote to stdout/stderr so far."""
        try:
            return self.log.read_text("utf-8", "replace")
        except OSError:
            return ""

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 5.0) -> int | None:
        """Stop the daemon (``stop_signal``, then SIGKILL after ``timeout``); returns its exit code."""
        if not self._stopped:
            self._stopped = True
            if self.running():
                self.popen.send_signal(self.stop_signal)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.popen.kill()
                    self.popen.wait(timeout)
        return self.popen.returncode


StartProcess = Callable[..., Process]


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[StartProcess]:
    """Start daemons for one test; every one of them is stopped when the test ends.

    ``start_process(argv, ready=probe, timeout=10, name="nginx", cwd=None, env=None,
    stop_signal=SIGTERM)`` returns a :class:`Process` once ``probe()`` is true, and
    fails the test with the daemon's output if it exits or is not ready in time.
    """
    started: list[Process] = []

    def start(
        argv: Sequence[str],
        *,
        ready: Callable[[], bool],
        timeout: float = 10.0,
        name: str | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> Process:
        label = name or Path(argv[0]).name
        log = tmp_path / f"{label}-{len(started)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=cwd or tmp_path, env=env, start_new_session=True,
            )
        process = Process(argv, popen, log, stop_signal)
        started.append(process)
        deadline = time.monotonic() + timeout
        while not ready():
            if not process.running():
                pytest.fail(f"{label} exited with {process.popen.returncode}:\n{process.output()}", pytrace=False)
            if time.monotonic() > deadline:
                process.stop()
                pytest.fail(f"{label} was not ready within {timeout:g} s:\n{process.output()}", pytrace=False)
            time.sleep(0.05)
        return process

    yield start
    for process in reversed(started):
        with contextlib.suppress(OSError):
            process.stop()


def nginx_config(tmp: Path, *, port: int, server_name: str, cert: Path, key: Path, locations: str,
                 extra_server: str = "") -> str:
    """A foreground, single-process nginx with one HTTPS server on 127.0.0.1:``port``.

    Everything nginx writes (pid, logs, temp files) stays under ``tmp``; every
    other setting keeps nginx's default, which the redirects interop relies on
    (default header buffers). ``locations`` is the server block's location text.
    """
    temp = {kind: tmp / f"nginx-{kind}" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"} info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp / "nginx-access.log"};
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {server_name};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {extra_server}
{locations}
    }}
}}
"""
