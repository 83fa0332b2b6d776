"""The redirects check against a real nginx with its default header buffers.

nginx (``large_client_header_buffers 4 8k``, the default: not set in the
config) terminates TLS with a lab certificate and proxies to a lab app whose
cookies grow by a few KB on every hop. Once the Cookie line no longer fits one
8 KB buffer, nginx itself answers 400 "Request Header Or Cookie Too Large"
before the app sees the request; the check must report
``redirects.header_too_large`` and name the largest cookies.

The nginx fixture lives here (not in a shared conftest) so this file stands
on its own. nginx runs in the foreground with every file it writes under the
test's tmp dir, listens on 127.0.0.1 only, and is stopped by its own pid.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from diagnose.lab.scenario import SIGNIN_PAGE, Lab
from diagnose.lab.servers import LabRequest, LabResponse, LabServer, LabThread
from diagnose.model import Report, Severity, Status, report_to_json
from diagnose.registry import discover
from diagnose.session import Diagnosis, make_target
from reports.schema import validation_errors
from tests.interop.conftest import nginx_config

pytestmark = pytest.mark.interop

APP = "app.atera-lab.test"
NGINX = "/usr/sbin/nginx"

# Cookie sizes per hop: three large ones (the auth ticket chunks) and a small one.
COOKIES = (("ESTSAUTH1", 3500), ("lang", 2), ("ESTSAUTH2", 2500), ("ESTSAUTH3", 3000))


def nginx_binary() -> str:
    """The nginx binary; missing it fails under CI=true and skips locally."""
    path = NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed, and CI=true requires the interop tier to run", pytrace=False)
        pytest.skip("nginx is not installed")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen[bytes]
    error_log: Path


def nginx_proxy_config(tmp: Path, port: int, upstream: int, cert: Path, key: Path) -> str:
    """nginx in front of the lab app; header buffers left at their defaults on purpose."""
    return nginx_config(
        tmp, port=port, server_name=APP, cert=cert, key=key,
        locations=f"""        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
        }}""",
    )


@pytest.fixture
def lab_thread() -> Iterator[tuple[LabThread, Lab]]:
    """A lab (CA, DNS, app servers) whose event loop runs in a background thread."""
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            yield thread, lab
        finally:
            thread.run(lab.__aexit__(None, None, None))


def start_nginx(tmp: Path, upstream: int, cert: Path, key: Path) -> Nginx:
    binary = nginx_binary()
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_proxy_config(tmp, port, upstream, cert, key))
    log = tmp / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    nginx = Nginx(port, process, tmp / "nginx-error.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop_nginx(nginx)
            pytest.fail(f"nginx exited ({process.returncode}): {log.read_text()} {_read(nginx.error_log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return nginx
        except OSError:
            time.sleep(0.05)
    stop_nginx(nginx)
    pytest.fail(f"nginx did not start listening: {_read(nginx.error_log)}")


def stop_nginx(nginx: Nginx) -> None:
    if nginx.process.poll() is None:
        nginx.process.terminate()
        try:
            nginx.process.wait(5)
        except subprocess.TimeoutExpired:
            nginx.process.kill()
            nginx.process.wait(5)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def growing_cookie_app(request: LabRequest) -> LabResponse:
    """``/step/N`` sets cookie N and redirects to N+1; the last step is the sign-in page."""
    n = int(request.path.rsplit("/", 1)[1]) if request.path.startswith("/step/") else -1
    if 0 <= n < len(COOKIES):
        name, size = COOKIES[n]
        return LabResponse.redirect(
            f"/step/{n + 1}", headers=[("Set-Cookie", f"{name}={'z' * size}; Secure; HttpOnly; Path=/; SameSite=Lax")]
        )
    return LabResponse.html(SIGNIN_PAGE)


def test_nginx_default_buffers_refuse_grown_cookies(tmp_path: Path, lab_thread: tuple[LabThread, Lab]) -> None:
    thread, lab = lab_thread
    app: LabServer = thread.run(lab.http(growing_cookie_app))
    dns = thread.run(lab.dns({APP: ["127.0.0.1"]}))
    cert, key = lab.issue([APP]).write(tmp_path, "nginx")
    nginx = start_nginx(tmp_path, app.port, cert, key)
    try:
        run = lab.run(f"https://{APP}:{nginx.port}/step/0", dns=dns, profile=lab.profile(), only=("redirects",))
        report = asyncio.run(_diagnose(run))
    finally:
        stop_nginx(nginx)

    assert validation_errors(report_to_json(report)) == []
    check = report.check("redirects")
    assert check is not None and check.status is Status.FAIL, check
    codes = [f.code for f in check.findings]
    assert codes == ["redirects.header_too_large"], codes
    f = check.findings[0]
    ev = f.evidence
    assert f.severity is Severity.HIGH and ev["observed"] is True
    assert ev["status"] == 400 and ev["error_page_says_too_large"] is True
    assert "nginx" in (ev["server"] or "")
    assert ev["cookie_line_bytes"] + 2 > 8192 and ev["step"] == len(COOKIES) + 1
    # The largest cookies first, named in the message and the remediation.
    assert [c["name"] for c in ev["largest_cookies"]] == ["ESTSAUTH1", "ESTSAUTH3", "ESTSAUTH2", "lang"]
    assert "ESTSAUTH1 (3509 bytes)" in f.message and "ESTSAUTH1" in f.remediation
    assert ev["cookie_families"][0]["family"] == "ESTSAUTH*"
    # nginx refused it: the app never saw the request with the oversized Cookie line.
    seen = [r.path for r in app.requests]
    assert f"/step/{len(COOKIES)}" not in seen and f"/step/{len(COOKIES) - 1}" in seen
    assert "client sent too long header line" in _read(nginx.error_log)


async def _diagnose(run: object) -> Report:
    from diagnose.lab.scenario import LabRun

    assert isinstance(run, LabRun)
    registry = discover(plugins=False)
    diagnosis = Diagnosis(
        target=make_target(run.url, run.profile),
        profile=run.profile,
        plan=registry.plan(run.only),
        settings=run.settings,
        net=run.net,
    )
    return await diagnosis.run()
