"""Settings parsing, profiles as data, and the checklist's worst-of aggregation."""

from __future__ import annotations

import pytest

from diagnose.checklist import evaluate, load_checklist
from diagnose.inputs.addresses import parse_endpoint, parse_pin
from diagnose.model import CheckResult, Status, worst_status
from diagnose.profiles import builtin_profiles, load_profile
from diagnose.settings import Endpoint, Pin, UsageError


def test_parse_pin_like_curl() -> None:
    assert parse_pin("App.Atera.com:443:127.0.0.1") == Pin("app.atera.com", 443, ("127.0.0.1",))
    assert parse_pin("h:8443:[::1],127.0.0.2") == Pin("h", 8443, ("::1", "127.0.0.2"))
    with pytest.raises(UsageError):
        parse_pin("h:0:127.0.0.1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", Endpoint("127.0.0.1", 53)),
        ("127.0.0.1:5353", Endpoint("127.0.0.1", 5353)),
        ("::1", Endpoint("::1", 53)),
        ("[::1]:5353", Endpoint("::1", 5353)),
        ("Time.Example.test", Endpoint("time.example.test", 53)),
    ],
)
def test_parse_endpoint(text: str, expected: Endpoint) -> None:
    assert parse_endpoint(text, default_port=53, option="--dns-server") == expected


def test_atera_profile_is_the_default_and_carries_vendor_facts() -> None:
    assert "atera" in builtin_profiles()
    profile = load_profile()
    assert profile.official_domains == ("atera.com",)
    assert "https://app.atera.com/users/login" in profile.signin_urls
    assert profile.facts["lockout_attempts"] == 5
    assert profile.section("connectivity")["control_hosts"]


def test_user_profile_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "acme.toml"
    path.write_text('name = "acme"\nvendor = "Acme"\ndefault_url = "https://login.acme.test/"\n'
                    'official_domains = ["acme.test"]\n[advice]\ncredentials = "Call Acme."\n')
    profile = load_profile(str(path))
    assert profile.name == "acme" and profile.signin_urls == ("https://login.acme.test/",)
    items = evaluate([], profile)
    credentials = next(i for i in items if i.id == "credentials")
    assert credentials.advice.endswith("Call Acme.")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.PASS, Status.FAIL, Status.ERROR], Status.FAIL),
        ([Status.PASS, Status.ERROR, Status.WARN], Status.ERROR),
        ([Status.PASS, Status.WARN], Status.WARN),
        ([Status.PASS, Status.SKIP], Status.PASS),
        ([Status.SKIP, Status.SKIP], Status.SKIP),
        ([], Status.SKIP),
    ],
)
def test_worst_of(statuses: list[Status], expected: Status) -> None:
    assert worst_status(statuses) is expected


def _result(check_id: str, status: Status) -> CheckResult:
    return CheckResult(check_id, check_id, status, "summary", 1)


def test_checklist_maps_checks_to_items_and_keeps_manual_items_manual() -> None:
    profile = load_profile()
    items = {i.id: i for i in evaluate([_result("url", Status.PASS), _result("certificate", Status.FAIL),
                                        _result("connectivity", Status.PASS)], profile)}
    assert items["official-address"].status is Status.PASS  # the address is official; the certificate's
    assert items["secure-connection"].status is Status.FAIL  # failure is the connection's item
    assert items["internet-connection"].status is Status.PASS
    assert items["clock"].status is Status.SKIP  # did not run: never a pass
    assert items["extensions"].status is Status.MANUAL and items["extensions"].steps
    assert "15 minutes" in items["credentials"].advice  # the profile's vendor fact


def test_checklist_data_matches_the_design() -> None:
    items = load_checklist()
    assert [i.id for i in items] == [
        "official-address", "secure-connection", "internet-connection", "clock", "no-loop",
        "extensions", "credentials", "sessions",
    ]
    live = {"url", "certificate", "connectivity", "clock", "redirects", "browser"}
    recording = {"har_tls", "har_network", "har_blocked"}
    assert {c for i in items for c in i.checks} == live | recording
