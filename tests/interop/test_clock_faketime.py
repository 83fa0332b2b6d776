"""A device clock 400 days off with NTP blocked, for real: login-doctor under libfaketime.

The whole command runs under libfaketime at ``+400d`` (and ``-400d``; monotonic time left alone), so
everything in it, OpenSSL's certificate verification included, believes the date is 400 days later:
every certificate looks expired and no HTTPS connection verifies, exactly as on such a device. (The library
is preloaded directly, not through the ``faketime`` wrapper: see ``faketime_env``.) The sign-in site is a
healthy lab server (a certificate valid now, from the lab CA, trusted with ``--ca-file``) running in
this test's process with the real clock, and the only time server (``--ntp-server``) is a loopback
port that never answers.

What must hold (issue 14): the report blames the device clock, not the certificate. The clock check
reads the site's ``Date`` over a connection it could not verify (for the time only, labelled so), the
certificate's own dates confirm the 400 days, and the certificate check re-judges "expired" as
``certificate.clock_skew``. Nothing tells the person to ask the site's owner to renew.

Only loopback: the profile names no host but the pinned sign-in host, and no time server but the
dead port. When faketime is missing the test skips locally and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagnose.lab.ntp import dated
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, signin_app
from diagnose.lab.servers import LabThread
from reports.schema import validation_errors
from tests.conftest import ROOT
from tests.interop.test_clock_interop import faketime_env

pytestmark = pytest.mark.interop

HOST = f"app.{LAB_DOMAIN}"


@pytest.fixture
def healthy_site(tmp_path: Path) -> Iterator[tuple[str, Path, int]]:
    """(url, lab CA file, port) of a healthy HTTPS sign-in server that sends a Date, on loopback."""
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            server = thread.run(lab.https(dated(signin_app()), names=[HOST]))
            yield f"https://{HOST}:{server.port}{SIGNIN_PATH}", lab.ca_file, server.port
        finally:
            thread.run(lab.__aexit__(None, None, None))


@pytest.fixture
def dead_ntp_port() -> Iterator[int]:
    """A loopback UDP port bound by a socket that never answers (NTP blocked)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def profile_file(tmp_path: Path, url: str) -> Path:
    """A vendor profile whose only host is the sign-in host (nothing else is looked up or asked)."""
    path = tmp_path / "lab-profile.toml"
    path.write_text("\n".join([
        'name = "atera-lab"',
        'vendor = "Atera (lab)"',
        f'default_url = "{url}"',
        f'official_domains = ["{LAB_DOMAIN}"]',
        f'signin_urls = ["{url}"]',
        'brand = "atera"',
        "[clock]",
        "ntp_servers = []",
        "",
    ]), "utf-8")
    return path


@pytest.mark.parametrize(("fake", "offset", "looks"), [("+400d", 400 * 86400, "expired"),
                                                      ("-400d", -400 * 86400, "not yet valid")])
def test_a_clock_400_days_off_with_ntp_blocked_is_blamed_not_the_certificate(
    tmp_path: Path, healthy_site: tuple[str, Path, int], dead_ntp_port: int, capsys: pytest.CaptureFixture[str],
    fake: str, offset: int, looks: str,
) -> None:
    url, ca_file, port = healthy_site
    args = [url, "--headless", "--format", "json", "--timeout", "30",
            "--profile", str(profile_file(tmp_path, url)), "--ca-file", str(ca_file),
            "--resolve", f"{HOST}:{port}:127.0.0.1", "--ntp-server", f"127.0.0.1:{dead_ntp_port}"]
    proc = under_faketime(fake, args)
    assert proc.returncode == 1 and proc.stdout, proc.stderr.decode(errors="replace")
    report: dict[str, Any] = json.loads(proc.stdout)
    assert validation_errors(report) == []
    checks = {c["id"]: c for c in report["checks"]}
    certificate, clock = checks["certificate"], checks["clock"]
    with capsys.disabled():
        print(f"\nfaketime {fake}: certificate {certificate['status']} {[f['code'] for f in certificate['findings']]}; "
              f"clock {clock['status']} offset_s={clock['details']['offset_s']}")
    # The certificate is not blamed.
    assert [f["code"] for f in certificate["findings"]] == ["certificate.clock_skew"]
    skew = certificate["findings"][0]
    assert skew["evidence"]["looks"] == looks and "400 days" in skew["message"]
    # The clock is: read from the site's Date over a connection it could not verify, confirmed by the
    # certificate's own dates.
    assert clock["status"] == "fail"
    assert abs(clock["details"]["offset_s"] - offset) < 5
    site = next(s for s in clock["details"]["sources"] if s.get("role") == "target")
    assert site["verified"] is False and "certificate" in site["unverified_because"]
    assert "without verifying the certificate (for the time only)" in clock["summary"]
    assert "confirms it" in clock["summary"]
    rejected = next(f for f in clock["findings"] if f["code"] == "clock.totp_rejected")
    assert rejected["evidence"]["confirmed_by"]["host"] == HOST
    # And the checklist says so, without ever asking the site to renew anything.
    items = {i["id"]: i for i in report["checklist"]}
    assert items["clock"]["status"] == "fail"
    assert items["secure-connection"]["advice"].endswith("(authenticator codes depend on it)”.")
    assert items["official-address"]["status"] == "pass"
    for item in report["checklist"]:
        assert "renew" not in item["advice"].lower(), item


def under_faketime(offset: str, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """``python -m diagnose ARGS`` from this checkout, its wall clock ``offset`` ahead (monotonic untouched)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **faketime_env(offset)}
    return subprocess.run([sys.executable, "-m", "diagnose", *args],
                          cwd=ROOT, env=env, capture_output=True, timeout=90)
