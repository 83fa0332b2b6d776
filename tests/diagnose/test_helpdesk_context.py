"""Helpdesk context in every report (issue 7 item 2): version, profile, target, UTC and local time with
zone, OS, proxy in use, resolvers, trust stores, report id and the person's note; nothing that
identifies the person beyond what they add."""

from __future__ import annotations

import getpass
import io
import json
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diagnose import __version__
from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.lab.dns import LabDns
from diagnose.lab.scenario import LAB_DOMAIN, Lab, lab_net, signin_app
from diagnose.lab.servers import LabThread
from diagnose.net import Net
from diagnose.profiles import load_profile
from diagnose.redact import Redactor
from diagnose.session import MAX_NOTE, environment, make_target
from diagnose.settings import Settings
from reports.schema import validation_errors

HOST = f"app.{LAB_DOMAIN}"


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("tz", "local", "zone", "offset"), [
    ("CET-1", "2026-11-22T11:00:00+01:00", "CET", "+01:00"),
    ("EST+5", "2026-11-22T05:00:00-05:00", "EST", "-05:00"),
    ("IST-5:30", "2026-11-22T15:30:00+05:30", "IST", "+05:30"),
])
def test_environment_has_utc_and_local_time_with_zone(
    tz: str, local: str, zone: str, offset: str, local_zone: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    env = environment(Net(Settings(), proxy_env={}), datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    assert (env["utc_time"], env["local_time"], env["time_zone"], env["utc_offset"]) == (
        "2026-11-22T10:00:00Z", local, zone, offset)


def test_environment_names_proxy_resolvers_and_trust_stores_without_the_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    ca = tmp_path / "certs" / "corp-ca.pem"
    settings = Settings(ca_files=(ca,))
    net = Net(settings, proxy_env={"https": "http://alice:hunter22@proxy.corp:3128", "no": "intranet.corp"})
    redactor = Redactor()
    env = environment(net, datetime.now(UTC), redactor=redactor, target_url="https://app.atera.com/users/login")
    assert env["proxy"] == {"https": "http://[redacted]@proxy.corp:3128", "no": "intranet.corp"}
    assert env["proxy_in_use"] == "http://[redacted]@proxy.corp:3128"
    assert env["trust_stores"] == ["operating system (truststore)", "--ca-file ~/certs/corp-ca.pem"]
    assert env["resolvers"] and env["os"] and env["python"]
    assert "url:userinfo:password" in redactor.fields  # the report lists what it removed
    text = json.dumps(env)
    assert "hunter22" not in text and "alice" not in text and str(tmp_path) not in text
    direct = environment(net, datetime.now(UTC), target_url="https://intranet.corp/login")
    assert direct["proxy_in_use"] is None


def test_target_loses_user_info_before_any_check_visits_it() -> None:
    target = make_target("https://alice:pw@app.atera.com/users/login?x=1", load_profile())
    assert target.url == "https://app.atera.com/users/login?x=1"
    assert target.input == "https://alice:pw@app.atera.com/users/login?x=1"  # the url check judges this


@pytest.fixture(scope="module")
def healthy_site() -> Iterator[tuple[Lab, int, LabDns]]:
    with LabThread() as thread:
        lab = Lab()
        thread.run(lab.__aenter__())
        try:
            site = thread.run(lab.https(signin_app(), names=[HOST]))
            dns = thread.run(lab.dns({HOST: ["127.0.0.1"]}))
            yield lab, site.port, dns
        finally:
            thread.run(lab.__aexit__(None, None, None))


def test_every_report_carries_the_helpdesk_context(healthy_site: tuple[Lab, int, LabDns], tmp_path: Path) -> None:
    lab, port, dns = healthy_site
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "lab-context"\nvendor = "Lab"\ndefault_url = "https://{HOST}/"\n'
                       f'official_domains = ["{LAB_DOMAIN}"]\n', encoding="utf-8")
    def net_factory(settings: Settings) -> Net:
        return lab_net(settings, dns)

    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, stdout_isatty=False, stdin_isatty=False, net_factory=net_factory, environ={})
    note = "Started after the update. " + "x" * (MAX_NOTE + 100)
    code = run([f"https://{HOST}:{port}/users/login", "--profile", str(profile), "--ca-file", str(lab.ca_file),
                "--no-plugins", "--format", "json", "--note", note], env)
    assert code == 0, err.getvalue()
    report = json.loads(out.getvalue())
    assert validation_errors(report) == []
    assert report["tool"] == {"name": "login-doctor", "version": __version__}
    assert report["profile"] == "lab-context"
    assert report["target"]["input"] == f"https://{HOST}:{port}/users/login" and report["target"]["host"] == HOST
    assert uuid.UUID(report["report_id"]).version == 4
    assert report["note"].startswith("Started after the update.") and len(report["note"]) == MAX_NOTE
    env_ = report["environment"]
    for key in ("os", "python", "local_time", "time_zone", "utc_offset", "utc_time", "proxy", "proxy_in_use",
                "resolvers", "trust_stores"):
        assert key in env_, key
    assert env_["utc_time"] == report["started_at"]
    assert env_["resolvers"] == [f"system (lab dns {dns.port})"]
    assert any(lab.ca_file.name in t for t in env_["trust_stores"])
    # Nothing identifies the person or the machine beyond what they typed.
    text = out.getvalue()
    hostname = socket.gethostname()
    if len(hostname) > 3 and hostname not in ("localhost", HOST):
        assert hostname not in text
    assert f"/{getpass.getuser()}/" not in text.replace(str(lab.ca_file.parent), "")
