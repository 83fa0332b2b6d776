"""Build the fixed reports the golden-file tests render, and their golden outputs.

Usage (from the repository root)::

    python tests/reports/make_fixtures.py --update-golden   # re-render golden/ from fixtures/
    python tests/reports/make_fixtures.py --fixtures        # rebuild fixtures/*.json, then golden/

The fixtures are JSON files under ``tests/reports/fixtures``; they are built
here from the real model (:func:`diagnose.model.report_to_json`) and the real
checklist evaluation, with every varying value (ids, times, machine details)
fixed. Golden outputs under ``tests/reports/golden`` are rendered from the
fixture *files*, so a change in a renderer shows up as a golden diff, and
``--update-golden`` after reviewing that diff is how a deliberate change is
accepted. Rebuilding the fixtures is only needed when their content should
change.

Fixtures:

* ``all_pass``: every built-in check passes;
* ``failures``: every check fails, with several findings each, a proxy, a
  note and redactions;
* ``errors_skips``: an interrupted run with a timed-out check, a crashed
  check and skipped dependants;
* ``plugin``: third-party checks with unknown finding codes and details
  full of hostile strings (HTML, Markdown, terminal escapes, bidi overrides,
  a lone surrogate, deep nesting).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"

GOLDEN_FORMATS: dict[str, str] = {
    "json": "json",
    "markdown": "md",
    "html": "html",
    "text": "txt",
    "junit": "xml",
}
"""Format → file extension of its golden file (``<fixture>.<ext>``)."""

COLOR_FIXTURE = "failures"
"""This fixture also gets a coloured text golden (``failures.color.txt``)."""


def golden_cases() -> list[tuple[str, str, bool, Path]]:
    """(fixture, format, colour, golden path) for every golden file."""
    cases = []
    for fixture in sorted(p.stem for p in FIXTURES.glob("*.json")):
        for fmt, ext in GOLDEN_FORMATS.items():
            cases.append((fixture, fmt, False, GOLDEN / f"{fixture}.{ext}"))
        if fixture == COLOR_FIXTURE:
            cases.append((fixture, "text", True, GOLDEN / f"{fixture}.color.txt"))
    return cases


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return data


# ---------------------------------------------------------------------- building


ENVIRONMENT: dict[str, Any] = {
    "os": "Linux 6.8.0",
    "python": "3.11.7",
    "local_time": "2026-11-22T11:00:00+01:00",
    "time_zone": "CET",
    "utc_offset": "+01:00",
    "utc_time": "2026-11-22T10:00:00Z",
    "platform": "linux",
    "proxy": None,
    "proxy_in_use": None,
    "resolvers": ["system"],
    "pins": [],
    "trust_stores": ["operating system (truststore)"],
}


def _report(
    name: str,
    checks: list[Any],
    *,
    interrupted: bool = False,
    note: str = "",
    warnings: tuple[str, ...] = (),
    redactions: tuple[str, ...] = (),
    environment: dict[str, Any] | None = None,
    target: tuple[str, str, str] = ("https://app.atera.com/users/login",) * 2 + ("app.atera.com",),
) -> dict[str, Any]:
    from diagnose.checklist import evaluate
    from diagnose.model import Report, Target, overall_status, report_to_json
    from diagnose.profiles import load_profile

    profile = load_profile("atera")
    status = overall_status(checks, interrupted=interrupted)
    ids = {"all_pass": 1, "failures": 2, "errors_skips": 3, "plugin": 4}
    report = Report(
        tool_version="0.1.0",
        report_id=f"00000000-0000-4000-8000-00000000000{ids[name]}",
        profile="atera",
        target=Target(*target),
        started_at="2026-11-22T10:00:00Z",
        duration_ms=max([c.duration_ms for c in checks] + [0]) + 12,
        status=status,
        checks=tuple(checks),
        checklist=evaluate(checks, profile),
        environment=environment or dict(ENVIRONMENT),
        warnings=warnings,
        interrupted=interrupted,
        note=note,
        redactions=redactions,
    )
    return report_to_json(report)


def build_all_pass() -> dict[str, Any]:
    from diagnose.model import CheckResult, Finding, Severity, Status

    return _report(
        "all_pass",
        [
            CheckResult("url", "You are on the official sign-in address", Status.PASS,
                        "app.atera.com is Atera's official sign-in address.", 3,
                        {"host": "app.atera.com", "registrable_domain": "atera.com", "official": True}),
            CheckResult("connectivity", "Your device reaches the sign-in service", Status.PASS,
                        "app.atera.com is reachable: the sign-in page answered 200 OK.", 212,
                        {"host": "app.atera.com", "port": 443, "scheme": "https", "proxy": None,
                         "dns": [{"resolver": "system", "name": "app.atera.com",
                                  "addresses": ["203.0.113.10", "2001:db8::10"], "error": None,
                                  "detail": "", "duration_ms": 18}],
                         "http": {"status_code": 200, "reason": "OK", "http_version": "HTTP/1.1"}}),
            CheckResult("certificate", "The connection is secure", Status.PASS,
                        "The certificate for app.atera.com is valid for 64 more days and chains to a trusted root.",
                        41, {"subject": "CN=app.atera.com", "issuer": "CN=Example Issuing CA",
                             "not_after": "2027-01-25T00:00:00Z", "days_left": 64}),
            CheckResult("clock", "Your device clock is in sync", Status.PASS,
                        "Your clock is 0.4 s off, well within one 30-second authenticator step.", 96,
                        {"offset_s": 0.4, "sources": ["time.cloudflare.com"]},
                        (Finding("clock.in_sync", Severity.INFO, "Your device clock is 0.4 s off the time server.",
                                 "Nothing to do.", {"offset_s": 0.4, "totp_steps": 0.01}),)),
            CheckResult("redirects", "The sign-in page loads without a loop", Status.PASS,
                        "The sign-in page loaded after 1 redirect; 2 cookies were set and accepted.", 188,
                        {"hops": [{"url": "https://app.atera.com/", "status": 302,
                                   "location": "https://app.atera.com/users/login"},
                                  {"url": "https://app.atera.com/users/login", "status": 200}],
                         "cookies": ["ASP.NET_SessionId", "__RequestVerificationToken"]}),
        ],
    )


def build_failures() -> dict[str, Any]:
    from diagnose.model import CheckResult, Finding, Severity, Status

    def f(code: str, severity: Severity, message: str, remediation: str, **evidence: Any) -> Finding:
        return Finding(code, severity, message, remediation, evidence)

    env = dict(ENVIRONMENT)
    env["proxy"] = {"https": "http://[redacted]@proxy.corp.example:3128"}
    env["proxy_in_use"] = "http://[redacted]@proxy.corp.example:3128"
    return _report(
        "failures",
        [
            CheckResult("url", "You may not be on the official sign-in address", Status.FAIL,
                        "atera-login.com is not Atera's domain; it looks like app.atera.com.", 4,
                        {"host": "atera-login.com", "official_domains": ["atera.com"]},
                        (f("url.typosquat", Severity.CRITICAL,
                           "The address atera-login.com imitates Atera's official domain atera.com.",
                           "Do not enter your password. Type app.atera.com yourself.", host="atera-login.com"),
                         f("url.not_https", Severity.HIGH, "The address does not use HTTPS.",
                           "Use the https:// address.", scheme="http"))),
            CheckResult("connectivity", "Your device does not reach the sign-in service", Status.FAIL,
                        "This network sends you to its own sign-in page (http://10.0.0.1/portal) instead of the service.",
                        2310,
                        {"proxy": "http://[redacted]@proxy.corp.example:3128",
                         "http": {"status_code": 302, "location": "http://10.0.0.1/portal?session=[redacted]"}},
                        (f("connectivity.http_captive_portal", Severity.HIGH,
                           "This network sends you to its own sign-in page (http://10.0.0.1/portal) instead of the service: a captive portal.",
                           "Open any website to get the network's sign-in page, accept its terms, then try again.",
                           portal="http://10.0.0.1/portal?session=[redacted]", status_code=302),
                         f("connectivity.ip_family_broken", Severity.LOW,
                           "The service is reachable over IPv4 but not over IPv6 (2001:db8::10: timeout).",
                           "Browsers fall back to IPv4; ask IT about IPv6 if pages load slowly.",
                           working="IPv4", broken="IPv6"),
                         f("connectivity.proxy_in_use", Severity.INFO,
                           "Web traffic to the service goes through the proxy http://[redacted]@proxy.corp.example:3128.",
                           "Nothing to do if sign-in works.", proxy="http://[redacted]@proxy.corp.example:3128"))),
            CheckResult("certificate", "The connection is not secure", Status.FAIL,
                        "The certificate of app.atera.com expired 3 days ago.", 37,
                        {"subject": "CN=app.atera.com", "not_after": "2026-11-19T00:00:00Z"},
                        (f("certificate.expired", Severity.CRITICAL,
                           "The site's certificate expired on 2026-11-19, 3 days ago.",
                           "Check your device's date first; if it is right, do not sign in and tell support.",
                           not_after="2026-11-19T00:00:00Z"),
                         f("certificate.intercepted", Severity.HIGH,
                           "The certificate was issued by \"Corp Inspection CA\", not a public authority: the connection is inspected.",
                           "Ask IT whether HTTPS inspection is meant to cover Atera.", issuer="CN=Corp Inspection CA"))),
            CheckResult("clock", "Your device clock is not in sync", Status.FAIL,
                        "Your clock is 4 minutes 12 seconds fast: authenticator codes will be rejected.", 120,
                        {"offset_s": 252.0},
                        (f("clock.totp_rejected", Severity.HIGH,
                           "Your device clock is 252 s (8 authenticator steps) ahead.",
                           "Turn on automatic date and time on this device and on your phone.",
                           offset_s=252.0, steps=8),)),
            CheckResult("redirects", "The sign-in page loops", Status.FAIL,
                        "The sign-in page redirects in a loop: /users/login → /sso → /users/login.", 655,
                        {"hops": [{"url": "https://app.atera.com/users/login", "status": 302,
                                   "set_cookie": ["session=[redacted]; Path=/; Secure; HttpOnly"]},
                                  {"url": "https://app.atera.com/sso?state=[redacted]", "status": 302}]},
                        (f("redirects.loop", Severity.HIGH, "The sign-in page redirects in a loop (2 addresses).",
                           "Clear the cache and cookies for app.atera.com, then try again.", hops=2),
                         f("redirects.cookie_too_large", Severity.MEDIUM,
                           "The cookies for app.atera.com add up to 9 KiB; many servers refuse more than 8 KiB.",
                           "Clear the cookies for the site.", bytes=9216))),
        ],
        note="Started after the Windows update on Monday; the code from my phone is always \"invalid\".",
        redactions=("cookie:session", "query:state", "query:session", "url:userinfo:password"),
        environment=env,
        target=("atera-login.com/users/login", "https://atera-login.com/users/login", "atera-login.com"),
    )


def build_errors_skips() -> dict[str, Any]:
    from diagnose.model import CheckResult, Status

    return _report(
        "errors_skips",
        [
            CheckResult("url", "You are on the official sign-in address", Status.PASS,
                        "app.atera.com is Atera's official sign-in address.", 2, {"official": True}),
            CheckResult("connectivity", "Your device reaches the sign-in service", Status.ERROR,
                        "The check did not finish within its 15 s limit, so it could not decide.", 15003,
                        {"error": "timeout", "timeout_s": 15.0}),
            CheckResult("certificate", "The connection is secure", Status.SKIP,
                        "Skipped because the connectivity check did not pass (error): The check did not finish "
                        "within its 15 s limit, so it could not decide.", 0),
            CheckResult("clock", "Your device clock is in sync", Status.ERROR,
                        "The check stopped with an internal error (KeyError), so it could not decide.", 8,
                        {"error": "exception", "exception": "KeyError", "message": "'offset'",
                         "trace": "Traceback (most recent call last):\n  File \"checks/clock.py\", line 88, in run\n"
                                  "    offset = reply['offset']\nKeyError: 'offset'\n"}),
            CheckResult("redirects", "The sign-in page loads without a loop", Status.ERROR,
                        "The run was interrupted before this check finished, so it could not decide.", 950,
                        {"error": "interrupted"}),
        ],
        interrupted=True,
        warnings=("The run reached its 20 s time limit; checks still running were stopped.",),
    )


HOSTILE = {
    "html": "<script>alert('x')</script><img src=https://evil.example/x.png onerror=alert(1)>",
    "markdown": "| pipe | # heading *bold* _it_ [link](https://evil.example) ![img](https://evil.example/i.png) ```fence``` ~~s~~",
    "terminal": "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x08backspace\rcarriage",
    "bidi": "invoice\u202egpj.exe \u2066isolate\u2069",
    "surrogate": "half \ud800 pair",
    "unicode": "Zürich · 東京 · emoji 🔐 · rtl עברית",
    "lines": "line one\nline two\r\nline three\tTabbed",
    "xml": "]]> <!-- comment --> &amp; &#0; <?pi?>",
}


def build_plugin() -> dict[str, Any]:
    from diagnose.model import CheckResult, Finding, Severity, Status

    nested: dict[str, Any] = {"level": 0}
    cursor = nested
    for depth in range(1, 8):
        cursor["child"] = {"level": depth, "values": [depth, depth / 2, depth % 2 == 0, None]}
        cursor = cursor["child"]
    return _report(
        "plugin",
        [
            CheckResult("connectivity", "Your device reaches the sign-in service", Status.PASS,
                        "app.atera.com is reachable: the sign-in page answered 200 OK.", 180,
                        {"host": "app.atera.com", "port": 443}),
            CheckResult("vpn_split", "Sign-in traffic avoids the VPN tunnel", Status.WARN,
                        "Split tunnel <b>partly</b> active & \"leaking\" | see `ip route` *now*", 77,
                        {"hostile": dict(HOSTILE), "nested": nested, "empty": {}, "none": None,
                         "numbers": [0, -1, 3.25, 1e21], "flag": True, "list_of_lists": [[1, [2, [3]]]]},
                        (Finding("vpn_split.tunnel_leak", Severity.MEDIUM,
                                 "Traffic to app.atera.com leaves outside the VPN " + HOSTILE["html"],
                                 "Ask IT to route atera.com through the VPN. " + HOSTILE["markdown"],
                                 {"route": "default via 192.0.2.1 dev wlan0", "raw": HOSTILE["terminal"]}),
                         Finding("vpn_split.adapter_seen", Severity.INFO, "A VPN adapter is present: " + HOSTILE["bidi"],
                                 "", {"adapter": HOSTILE["unicode"]}))),
            CheckResult("hello", "The plugin says hello", Status.ERROR,
                        "The check stopped with an internal error (RuntimeError), so it could not decide.", 3,
                        {"error": "exception", "exception": "RuntimeError", "message": HOSTILE["xml"],
                         "trace": "Traceback (most recent call last):\n" + HOSTILE["lines"] + "\n" + HOSTILE["surrogate"]}),
        ],
        note="Tried twice " + HOSTILE["html"] + " " + HOSTILE["markdown"] + " " + HOSTILE["terminal"],
        warnings=(
            "check 'broken' (plugin broken-checks 0.3) could not be loaded: ImportError: " + HOSTILE["bidi"],
        ),
        redactions=("header:X-Api-Key", "jwt:signature"),
    )


BUILDERS = {
    "all_pass": build_all_pass,
    "failures": build_failures,
    "errors_skips": build_errors_skips,
    "plugin": build_plugin,
}

# Plugin check results reach the renderer with their own source and version.
_PLUGIN_SOURCES = {"vpn_split": ("plugin acme-login-checks 1.2.0", "1.2.0"), "hello": ("plugin hello-check 0.1", "0.1")}


def build_fixtures() -> None:
    from reports.schema import validation_errors

    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        data = build()
        for check in data["checks"]:
            if check["id"] in _PLUGIN_SOURCES:
                check["source"], check["version"] = _PLUGIN_SOURCES[check["id"]]
        errors = validation_errors(data)
        if errors:
            raise SystemExit(f"fixture {name} does not validate: {errors[0]}")
        text = json.dumps(data, indent=2, ensure_ascii=True) + "\n"
        (FIXTURES / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"wrote {FIXTURES / f'{name}.json'}")


def render_case(fixture: str, fmt: str, color: bool) -> str:
    from reports.render import render

    return render(load_fixture(fixture), fmt, color=color)


def update_golden() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for fixture, fmt, color, path in golden_cases():
        path.write_bytes(render_case(fixture, fmt, color).encode("utf-8"))
        print(f"wrote {path}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", action="store_true", help="rebuild fixtures/*.json (then the golden files)")
    parser.add_argument("--update-golden", action="store_true", help="re-render golden/ from fixtures/")
    ns = parser.parse_args(argv)
    if not (ns.fixtures or ns.update_golden):
        parser.error("nothing to do: give --update-golden and/or --fixtures")
    sys.path.insert(0, str(ROOT))
    if ns.fixtures:
        build_fixtures()
    update_golden()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
