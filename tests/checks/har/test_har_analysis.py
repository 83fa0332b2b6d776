"""The diagnosis of recordings shaped like real Chrome and Firefox exports: each scenario's report names its fault.

Phase 1 uses synthetic recordings (tests/diagnose/har/shapes.py, shaped from the exporters' source); phase 2
replaces them with recordings made by real Chromium and Firefox against the lab.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from diagnose.cli import run
from diagnose.environment import Environment
from reports.schema import validation_errors
from tests.diagnose.har.shapes import Step, chrome_har, firefox_har, write

LOGIN = "https://app.atera.com/users/login"


def diagnose(tmp_path: Path, har: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    path = write(tmp_path / "rec.har", har)
    out, err = io.StringIO(), io.StringIO()
    code = run(["har", str(path), "--format", "json", "-q"], Environment(stdout=out, stderr=err, stdout_isatty=False, environ={}))
    report = json.loads(out.getvalue())
    assert validation_errors(report) == []
    return code, report


def codes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for c in report["checks"] for f in c["findings"]}


def item(report: dict[str, Any], item_id: str) -> str:
    return str(next(i for i in report["checklist"] if i["id"] == item_id)["status"])


def check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == check_id)


def healthy() -> list[Step]:
    return [
        Step(LOGIN, set_cookies=["csrf=Xy12ab34cd; Path=/; Secure; SameSite=Lax"]),
        Step("https://app.atera.com/assets/app.js", dest="script", resource_type="script", mime="application/javascript",
             body="console.log(1)", at=0.2, initiator={"type": "parser", "url": LOGIN}),
        Step(LOGIN, method="POST", status=302, location="/home", cookie="csrf=Xy12ab34cd", at=5.0,
             set_cookies=["session=Ab12Cd34Ef56; Path=/; Secure; HttpOnly; SameSite=Lax"],
             post={"mimeType": "application/x-www-form-urlencoded", "text": "email=a%40b.c&password=pw123456",
                   "params": [{"name": "email", "value": "a@b.c"}, {"name": "password", "value": "pw123456"}]}),
        Step("https://app.atera.com/home", cookie="csrf=Xy12ab34cd; session=Ab12Cd34Ef56", at=5.3),
    ]


@pytest.mark.parametrize("shape", [chrome_har, firefox_har])
def test_healthy_sign_in_passes(tmp_path: Path, shape: Any) -> None:
    code, report = diagnose(tmp_path, shape(healthy()))
    assert code == 0, codes(report)
    assert report["source"]["kind"] == "har"
    assert report["source"]["browser"]["family"] == ("chromium" if shape is chrome_har else "firefox")
    assert report["source"]["entries"] == 4 and report["source"]["cookies_recorded"] is True
    for item_id in ("no-loop", "secure-connection", "internet-connection", "clock", "extensions"):
        assert item(report, item_id) == "pass", item_id
    assert item(report, "official-address") == "skip"
    assert report["target"]["host"] == "app.atera.com"


@pytest.mark.parametrize("shape", [chrome_har, firefox_har])
def test_loop_is_named_with_its_cycle(tmp_path: Path, shape: Any) -> None:
    steps = [Step(LOGIN, status=302, location="/sso", at=0)]
    for i in range(10):
        steps += [Step("https://app.atera.com/sso", status=302, location=LOGIN, at=0.1 + i * 0.2),
                  Step(LOGIN, status=302, location="/sso", at=0.2 + i * 0.2)]
    code, report = diagnose(tmp_path, shape(steps))
    assert code == 1
    loop = codes(report)["redirects.loop"]
    assert "app.atera.com/users/login → app.atera.com/sso" in loop["message"]
    assert loop["evidence"]["cycle_entries"] == [0, 1]
    assert "redirects.too_many" not in codes(report)  # the loop is the cause, as the live check says
    assert item(report, "no-loop") == "fail"


def test_browser_gave_up_on_redirects(tmp_path: Path) -> None:
    # as Chromium 156 records it (tests/checks/har/fixtures/chromium-too-many.har): 20 requests, the 20th
    # answered 302 and refused, its status and Location kept from the answer, with the error
    steps = [Step(f"https://app.atera.com/r/{i}", status=302, location=f"/r/{i + 1}", at=i * 0.05) for i in range(19)]
    steps.append(Step("https://app.atera.com/r/19", status=302, location="/r/20", error="net::ERR_TOO_MANY_REDIRECTS",
                      at=1.0))
    code, report = diagnose(tmp_path, chrome_har(steps))
    assert code == 1
    assert codes(report)["redirects.too_many"]["evidence"]["browser_error"] == "net::ERR_TOO_MANY_REDIRECTS"


def test_rejected_cookies_are_named_by_the_cookie_rules(tmp_path: Path) -> None:
    steps = [
        Step("http://app.atera.com/users/login", set_cookies=["sess=abcdef123456; Secure; Path=/"]),
        Step(LOGIN, set_cookies=["state=zz998877; SameSite=None; Path=/", "__Host-id=1234abcd; Path=/app; Secure"], at=1),
    ]
    code, report = diagnose(tmp_path, chrome_har(steps))
    found = codes(report)
    assert found["redirects.cookie_secure_over_http"]["evidence"]["cookie_names"] == ["sess"]
    assert found["redirects.cookie_samesite_none_insecure"]["evidence"]["cookie_names"] == ["state"]
    assert found["redirects.cookie_invalid_prefix"]["evidence"]["cookie_names"] == ["__Host-id"]
    assert "value_hash" not in json.dumps(report)
    assert item(report, "no-loop") == "warn" and code == 0


def test_blocked_script_fails_the_extensions_item(tmp_path: Path) -> None:
    steps = [Step(LOGIN), Step("https://app.atera.com/assets/login.js", dest="script", resource_type="script",
                               error="net::ERR_BLOCKED_BY_CLIENT", at=0.1, initiator={"type": "parser", "url": LOGIN}),
             Step("https://ads.example/pixel.gif", dest="image", resource_type="image", error="net::ERR_BLOCKED_BY_CLIENT", at=0.2)]
    code, report = diagnose(tmp_path, chrome_har(steps))
    assert code == 1
    blocked = codes(report)["har.blocked_by_client"]
    assert blocked["severity"] == "high" and blocked["evidence"]["host_list"] == ["app.atera.com"]
    assert item(report, "extensions") == "fail"


def test_certificate_error_fails_the_secure_connection_item(tmp_path: Path) -> None:
    steps = [Step(LOGIN, error="net::ERR_CERT_AUTHORITY_INVALID")]
    code, report = diagnose(tmp_path, chrome_har(steps))
    assert code == 1
    assert "net::ERR_CERT_AUTHORITY_INVALID" in codes(report)["har.certificate_error"]["message"]
    assert item(report, "secure-connection") == "fail"
    assert item(report, "internet-connection") == "pass"


def test_dns_failure_and_firefox_no_answer(tmp_path: Path) -> None:
    _, report = diagnose(tmp_path, chrome_har([Step(LOGIN, error="net::ERR_NAME_NOT_RESOLVED")]))
    assert "har.dns_failed" in codes(report) and item(report, "internet-connection") == "fail"
    _code, report = diagnose(tmp_path, firefox_har([Step(LOGIN), Step("https://app.atera.com/a.js", dest="script", status=0, at=1)]))
    assert "har.no_answer" in codes(report)


def test_431_reports_the_cookie_header_size(tmp_path: Path) -> None:
    big = "; ".join(f"chunk{i}={'x' * 900}" for i in range(12))
    steps = [Step(LOGIN, status=431, cookie=big, mime="text/html")]
    code, report = diagnose(tmp_path, chrome_har(steps))
    assert code == 1
    found = codes(report)["redirects.header_too_large"]
    assert found["evidence"]["status"] == 431
    assert found["evidence"]["cookie_bytes"] == len(big)
    assert found["evidence"]["cookie_count"] == 12
    assert "nginx" in found["evidence"]["exceeds_defaults_of"]


def test_sanitized_export_says_what_it_cannot_tell(tmp_path: Path) -> None:
    _code, report = diagnose(tmp_path, chrome_har(healthy(), sanitized=True))
    assert report["source"]["cookies_recorded"] is False
    assert "har.cookies_not_recorded" in codes(report)
    assert item(report, "no-loop") == "warn"


def test_clock_offset_from_date_headers(tmp_path: Path) -> None:
    steps = [Step(f"https://app.atera.com/p{i}", server_skew=-95.0, at=i) for i in range(6)]
    _code, report = diagnose(tmp_path, chrome_har(steps))
    clock = check(report, "clock")
    assert clock["status"] == "fail"
    assert "clock.totp_rejected" in codes(report)
    fact = report["source"]["recorded_clock"]
    assert 94 < fact["offset_s"] < 97 and fact["samples"] == 6
    assert item(report, "clock") == "fail"


def test_back_to_sign_in_after_password(tmp_path: Path) -> None:
    steps = [
        Step(LOGIN),
        Step(LOGIN, method="POST", status=302, location="/home", at=3,
             post={"mimeType": "application/x-www-form-urlencoded", "text": "password=abcdef12"}),
        Step("https://app.atera.com/home", status=302, location="/users/login", at=3.2),
        Step(LOGIN, at=3.4),
    ]
    code, report = diagnose(tmp_path, chrome_har(steps))
    assert code == 1
    assert "har.back_to_signin" in codes(report)


def test_downgrade_and_server_error(tmp_path: Path) -> None:
    steps = [Step(LOGIN, status=302, location="http://app.atera.com/callback"),
             Step("http://app.atera.com/callback", status=502, at=0.2)]
    _code, report = diagnose(tmp_path, chrome_har(steps))
    found = codes(report)
    assert "redirects.downgrade" in found
    assert found["har.signin_http_error"]["evidence"]["status"] == 502


def test_cookie_the_browser_did_not_send(tmp_path: Path) -> None:
    steps = [Step(LOGIN, set_cookies=["session=Ab12Cd34Ef56; Path=/; Secure"]),
             Step("https://app.atera.com/home", at=1)]
    _code, report = diagnose(tmp_path, chrome_har(steps))
    assert codes(report)["har.cookie_not_sent"]["evidence"]["cookie_list"][0]["name"] == "session"
