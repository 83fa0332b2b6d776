"""Only what a run needs is imported, checked in a fresh interpreter with ``-X importtime``.

The headless JSON path (every check, the report as JSON on stdout) loads
neither textual nor jinja2; ``--only url`` loads none of the other checks
(no cryptography, no HTTP client); re-rendering as JSON or Markdown loads no jinja2.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnose.lab.ntp import LabNtp, dated
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, signin_app
from diagnose.lab.servers import LabThread

ROOT = Path(__file__).resolve().parents[2]
HOST = f"app.{LAB_DOMAIN}"


def imported(importtime: str) -> set[str]:
    """Modules an ``import`` statement loaded. (The registry loads the check modules themselves with
    ``importlib.import_module``, which ``-X importtime`` does not list: their private packages show them.)"""
    return {m[1] for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", importtime, re.MULTILINE)}


def python(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LOGIN_DOCTOR_NO_PLUGINS": "1", "HOME": str(home)}
    return subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], Path]]:
    """A healthy lab site with an NTP responder; the full diagnosis's arguments and an empty home."""
    tmp = tmp_path_factory.mktemp("lazy")
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            server = thread.run(lab.https(dated(signin_app()), names=[HOST]))
            ntp = thread.run(lab.enter(LabNtp()))
            url = f"https://{HOST}:{server.port}{SIGNIN_PATH}"
            profile = tmp / "lab.toml"
            profile.write_text(
                f'name = "atera-lab"\nvendor = "Atera (lab)"\ndefault_url = "{url}"\n'
                f'official_domains = ["{LAB_DOMAIN}"]\n[connectivity]\ncontrol_hosts = []\n[clock]\nntp_servers = []\n'
            )
            (tmp / "home").mkdir()
            yield [url, "--headless", "--format", "json", "--profile", str(profile), "--resolve",
                   f"{HOST}:{server.port}:127.0.0.1", "--ca-file", str(lab.ca_file),
                   "--ntp-server", f"127.0.0.1:{ntp.port}"], tmp / "home"
        finally:
            thread.run(lab.__aexit__(None, None, None))


def test_headless_json_loads_neither_textual_nor_jinja2(site: tuple[list[str], Path]) -> None:
    args, home = site
    done = python(["-m", "diagnose", *args], home)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"schema_version": 1' in done.stdout or '"schema_version":1' in done.stdout
    modules = imported(done.stderr)
    assert {"checks._certificate.chromium", "checks._clock.conclude", "checks._redirects.flow", "httpx"} <= modules
    assert not {m for m in modules if m.split(".")[0] in ("textual", "jinja2")}


def test_only_url_imports_no_other_check(site: tuple[list[str], Path]) -> None:
    args, home = site
    # --ca-file is checked at the door with cryptography whatever the checks (diagnose.inputs.certificates:
    # the certificate check parses with it), so the address-only run is given none.
    at = args.index("--ca-file")
    done = python(["-m", "diagnose", *args[:at], *args[at + 2:], "--only", "url"], home)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = imported(done.stderr)
    assert "checks._url.judge" in modules
    loaded = {".".join(m.split(".")[:2]) for m in modules} | {m.split(".")[0] for m in modules}
    assert not loaded & {"checks._certificate", "checks._connectivity", "checks._clock", "checks._redirects",
                         "checks._browser", "cryptography", "httpx", "dns", "textual", "jinja2"}


def test_only_certificate_loads_what_it_requires(site: tuple[list[str], Path]) -> None:
    args, home = site
    done = python(["-m", "diagnose", *args, "--only", "certificate"], home)
    assert done.returncode == 0, done.stderr[-3000:]
    modules = imported(done.stderr)
    packages = {".".join(m.split(".")[:2]) for m in modules}
    assert {"checks._certificate", "checks._connectivity"} <= packages
    # (checks._url loads anyway: the command line asks checks.url whether the target is an address at all)
    assert not {"checks._redirects", "checks._browser", "checks._clock"} & packages


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_rendering_without_html_loads_no_jinja2(fmt: str, tmp_path: Path) -> None:
    report = ROOT / "tests" / "reports" / "fixtures" / "failures.json"
    done = python(["-m", "diagnose", "render", str(report), "--format", fmt], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not {m for m in imported(done.stderr) if m.split(".")[0] in ("textual", "jinja2", "httpx", "cryptography")}
