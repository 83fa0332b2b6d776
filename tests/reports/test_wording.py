"""The words a person reads: counts agree with their nouns, durations read the same in every
check, one severity per finding code, and the report does not say the same sentence twice.

Each test here reproduces a sentence that was wrong (issue 19) through the real path
that produced it: a lab scenario's diagnosis, the command line, or a renderer.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import pytest

from checks._certificate.dating import plain_offset
from checks._clock.verdict import offset_text
from diagnose.check import load_catalogue
from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.lab.scenario import diagnose_scenario
from diagnose.model import Report, report_to_json
from reports import html, markdown, text

NUMBER_AND_NOUN = re.compile(r"\b(?:all )?(0|1) ([a-z]+s)\b")
"""``1 checks``, ``all 0 cookies``: a count that disagrees with its noun."""

SINGULAR_NOUNS_ENDING_IN_S = {"address", "access", "class", "status", "process", "bytes"}


def disagreements(sentence: str) -> list[str]:
    return [m.group(0) for m in NUMBER_AND_NOUN.finditer(sentence) if m.group(2) not in SINGULAR_NOUNS_ENDING_IN_S]


def scenario(name: str, only: tuple[str, ...] | None = None) -> Report:
    return asyncio.run(diagnose_scenario(name, only=only)).report


def every_sentence(report: Report) -> list[str]:
    out = []
    for check in report.checks:
        out.append(check.summary)
        out += [f.message for f in check.findings] + [f.remediation for f in check.findings]
    return out


@pytest.mark.parametrize(
    ("name", "cookies"),
    [("healthy", "sets no cookies"), ("redirects-lifetime-clamped", "accept the cookie the service sets")],
)
def test_the_redirects_summary_counts_cookies_in_words(name: str, cookies: str) -> None:
    # was: "browsers accept all 0 cookies it sets", "browsers accept all 1 cookie it sets"
    report = scenario(name, ("connectivity", "redirects"))
    summary = report.check("redirects").summary  # type: ignore[union-attr]
    assert cookies in summary, summary
    assert disagreements(summary) == [] and "all 1 " not in summary


def test_progress_line_counts_one_check_in_the_singular() -> None:
    # was: "login-doctor: diagnosing https://app.atera.com/users/login (1 checks)"
    err = io.StringIO()
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=err,
                      stdin_isatty=False, stdout_isatty=False, stderr_isatty=False)
    assert run(["--headless", "--only", "url", "https://app.atera.com/users/login"], env) == 0
    first = err.getvalue().splitlines()[0]
    assert first.endswith("(1 check)"), first


def test_the_clock_and_the_certificate_describe_one_offset_alike() -> None:
    # was: the clock said "9600 hours 0 minutes ahead", the certificate "400 days (ahead)"
    offset = 400 * 86400.0
    assert offset_text(offset).startswith("400 days ahead")
    assert plain_offset(offset).startswith("400 days")
    assert offset_text(-(2 * 3600 + 180)).startswith("2 hours 3 minutes behind")
    assert plain_offset(-(2 * 3600 + 180)).startswith("2 hours 3 minutes")


def test_time_servers_blocked_name_the_ports_they_were_asked_on() -> None:
    # was: "the network probably blocks NTP (UDP port 123)" for servers on ephemeral ports
    clock = scenario("clock-ntp-blocked").check("clock")
    assert clock is not None
    blocked = next(f for f in clock.findings if f.code == "clock.ntp_blocked")
    ports = sorted({int(server.rsplit(":", 1)[1]) for server in blocked.evidence["replies"]})
    assert 123 not in ports
    assert "port 123" not in blocked.message
    assert all(str(port) in blocked.message for port in ports), blocked.message
    assert "UDP ports " in blocked.message  # two servers, two ports


def test_the_hosting_suffix_is_named_in_the_parenthesis() -> None:
    # was: 'puts "atera" in its name on a hosting service anyone can use (atera)'
    out = io.StringIO()
    env = Environment(stdin=io.StringIO(), stdout=out, stderr=io.StringIO(), stdout_isatty=False)
    run(["url", "--format", "json", "https://atera.com.ru/"], env)
    finding = next(f for f in json.loads(out.getvalue())["findings"] if f["code"] == "url.brand_embedded")
    assert "(com.ru)" in finding["message"], finding["message"]
    assert finding["evidence"]["hosting_suffix"] == "com.ru"


@pytest.mark.parametrize(
    "address",
    ["https://user:pw@app.atera.com/users/login", "https://evil.net;@app.atera.com/users/login",
     "https://app.atera.com@evil.net/", "app.atera.com@evil.net/users/login"],
)
def test_user_info_has_the_severity_its_catalogue_entry_says(address: str) -> None:
    # was: url.userinfo "medium" in the report, "high" in `login-doctor checks --codes`: now two
    # codes, one severity each (url.userinfo_official on the vendor's own site)
    out = io.StringIO()
    env = Environment(stdin=io.StringIO(), stdout=out, stderr=io.StringIO(), stdout_isatty=False)
    run(["url", "--format", "json", address], env)
    catalogue = load_catalogue("url")
    for finding in json.loads(out.getvalue())["findings"]:
        assert finding["severity"] == catalogue[finding["code"]].severity.value, finding


def test_url_messages_never_show_a_python_list() -> None:
    # was: "uses look-alike letters from different alphabets (['Cyrillic', 'Latin'])"
    from tests.checks.url_cases import CASES

    out = io.StringIO()
    env = Environment(stdin=io.StringIO(), stdout=out, stderr=io.StringIO(), stdout_isatty=False)
    run(["url", "--format", "json", *(c.address for c in CASES)], env)
    for line in out.getvalue().splitlines():
        for finding in json.loads(line)["findings"]:
            assert not re.search(r"\[['\"]|\{'", finding["message"] + finding["remediation"]), finding


def _report_with_summary_equal_to_its_finding() -> dict[str, Any]:
    sentence = "The certificate of app.atera-lab.test expired on 2027-03-06, 311 days ago."
    data = json.loads(json.dumps(report_to_json(scenario("certificate-expired"))))
    cert = next(c for c in data["checks"] if c["id"] == "certificate")
    cert["summary"] = sentence
    cert["findings"][0]["message"] = sentence
    return data


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_what_needs_attention_says_a_sentence_once(fmt: str) -> None:
    # was: the check's summary, then the finding's identical message right under it
    data = _report_with_summary_equal_to_its_finding()
    rendered = {"text": text.render, "markdown": markdown.render, "html": html.render}[fmt](data)
    attention = rendered.split("What needs attention", 1)[1].split("All checks", 1)[0]
    assert attention.count("311 days ago") == 1, attention


def test_no_sentence_of_the_healthy_lab_disagrees_with_its_count() -> None:
    report = scenario("healthy")
    bad = [d for sentence in every_sentence(report) for d in disagreements(sentence)]
    assert bad == []


def test_the_text_report_never_wraps_inside_a_hyphenated_word() -> None:
    # was: "This network sends you to its own sign-" / "in page (...)" in the terminal report
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "fixtures" / "failures.json").read_text())
    lines = text.render(data).splitlines()
    assert not [line for line in lines if re.search(r"[A-Za-z]-$", line)]
