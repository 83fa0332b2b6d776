"""The ``url`` check: the address table, the two safety properties, hostile input,
and the check inside a real diagnosis run."""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import ada_url
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from checks._url import policy as policy_module
from checks._url.judge import VERDICTS, judge
from checks._url.policy import policy_for
from checks.url import VERDICT_STATUS, AddressJudge, UrlCheck
from diagnose.check import builtin_catalogue
from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.model import Status
from diagnose.profiles import load_profile, profile_from_mapping
from reports.schema import validation_errors
from tests.checks.url_cases import CASES, URLLIB_HOSTS, Case

ROOT = Path(__file__).resolve().parents[2]
ATERA = load_profile("atera")
CHECK = UrlCheck()
URL_CODES = sorted(code for code in builtin_catalogue() if code.startswith("url."))


def assess(text: str) -> tuple[dict[str, object], list[str], Status]:
    outcome = CHECK.assess(text, ATERA)
    return dict(outcome.details), [f.code for f in outcome.findings], outcome.resolved_status()


# -- the table -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[repr(c.address)[:60] for c in CASES])
def test_address_table(case: Case) -> None:
    outcome = CHECK.assess(case.address, ATERA)
    details = outcome.details
    codes = {f.code for f in outcome.findings}
    assert details["verdict"] == case.verdict
    assert set(case.codes) <= codes, f"missing {set(case.codes) - codes}; got {sorted(codes)}"
    assert outcome.resolved_status() is VERDICT_STATUS[case.verdict]
    if case.opens is not None:
        assert details["opens_host"]["ascii"] == case.opens
    if case.kind is not None:
        kinds = [f.evidence["kind"] for f in outcome.findings if f.code == "url.typosquat"]
        assert kinds == [case.kind]
    for finding in outcome.findings:
        assert finding.message and "{" not in finding.message, finding.message
        assert finding.remediation and "{" not in finding.remediation, finding.remediation


def test_table_is_large_and_covers_every_verdict_and_code() -> None:
    assert len(CASES) >= 80
    assert {c.verdict for c in CASES} == set(VERDICTS)
    assert {code for c in CASES for code in c.codes} == set(URL_CODES)
    assert any(c.differential for c in CASES)


def test_catalogue_has_every_code_with_plain_words() -> None:
    expected = {
        "url.not_https", "url.userinfo", "url.userinfo_official", "url.ip_address", "url.nondefault_port", "url.trailing_dot",
        "url.obfuscated", "url.homograph", "url.typosquat", "url.brand_embedded", "url.unofficial",
        "url.unsupported_scheme", "url.invalid", "url.offsite_redirect_param", "url.shortener",
        "url.not_signin_page", "url.unreachable_host",
    }
    assert set(URL_CODES) == expected
    for code in URL_CODES:
        spec = builtin_catalogue()[code]
        assert spec.title and spec.message and spec.remediation


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.differential and c.opens], ids=lambda c: repr(c.address)[:50]
)
def test_whatwg_host_differs_from_urllib(case: Case) -> None:
    """The reference's differentials: the verdict follows the browser's host, not urllib's."""
    from urllib.parse import urlsplit

    details, _codes, _status = assess(case.address)
    assert details["opens_host"]["ascii"] == case.opens
    try:
        urllib_host = urlsplit(case.address).hostname
    except ValueError:
        urllib_host = "(urllib refused it)"
    if case.address in URLLIB_HOSTS:
        assert urllib_host == URLLIB_HOSTS[case.address]
    assert urllib_host != case.opens


@pytest.mark.parametrize(
    "unicode_form, punycode_form",
    [
        ("https://аtera.com/", "https://xn--tera-43d.com/"),
        ("https://атера.com/", "https://xn--80aao8bi.com/"),
        ("https://ạtera.com/", "https://xn--tera-4q5a.com/"),
        ("https://app.аtera.com/users/login", "https://app.xn--tera-43d.com/users/login"),
        ("https://аpp.atera.com/users/login", "https://xn--pp-6kc.atera.com/users/login"),
    ],
)
def test_idn_unicode_and_punycode_forms_get_the_same_verdict(unicode_form: str, punycode_form: str) -> None:
    a, codes_a, _ = assess(unicode_form)
    b, codes_b, _ = assess(punycode_form)
    assert a["verdict"] == b["verdict"]
    assert a["opens_host"] == b["opens_host"]
    assert "url.homograph" in codes_a and "url.homograph" in codes_b
    assert a["opens_host"]["unicode"] != a["opens_host"]["ascii"]


def test_details_shape_and_fixup_record() -> None:
    details, _codes, status = assess("app.atera.com/users/login")
    assert status is Status.PASS
    assert details["verdict"] == "official"
    assert details["opens_host"] == {"ascii": "app.atera.com", "unicode": "app.atera.com"}
    assert details["canonical"] == "https://app.atera.com/users/login"
    assert details["fixup"]["added"] == "https://"
    plain, _c, _s = assess("https://app.atera.com/users/login")
    assert plain["fixup"] is None
    email, _c, _s = assess("support@atera.com")
    assert email["verdict"] == "invalid" and email["fixup"] is None and email["invalid_reason"] == "email"


def test_secrets_never_reach_findings_or_details() -> None:
    outcome = CHECK.assess("https://alice:hunter2@app.atera.com/users/login?token=abc123", ATERA)
    text = json.dumps({"details": outcome.details, "findings": [f.evidence for f in outcome.findings]})
    assert "hunter2" not in text and "abc123" not in text and "alice" not in text
    assert outcome.details["verdict"] == "official-but-warn"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNlY3JldA"
    outcome = CHECK.assess(f"https://evil.net/atera/{jwt}", ATERA)
    text = json.dumps({"details": outcome.details, "findings": [f.evidence for f in outcome.findings]})
    assert outcome.details["verdict"] == "lookalike"
    assert "c2lnbmF0dXJlLXNlY3JldA" not in text


def test_redirector_target_is_decoded_and_judged() -> None:
    outcome = CHECK.assess("https://www.google.com/url?q=https://xn--tera-43d.com/users/login", ATERA)
    details = outcome.details
    assert details["verdict"] == "lookalike"
    assert details["opens_host"]["ascii"] == "www.google.com"
    assert details["redirect"]["service"] == "Google redirect"
    assert details["redirect"]["target"]["verdict"] == "lookalike"
    shortener = next(f for f in outcome.findings if f.code == "url.shortener")
    assert shortener.evidence["target_host"] == "xn--tera-43d.com"


def test_every_typosquat_permutation_is_a_lookalike_under_any_common_tld() -> None:
    """A large generated table: every permutation the policy holds, under several TLDs."""
    policy = policy_for(ATERA)
    labels = sorted(policy.permutations)
    assert len(labels) > 300
    for label, tld in itertools.product(labels, ("com", "net", "co.uk")):
        result = judge(f"https://{label}.{tld}/users/login", policy)
        assert result.verdict == "lookalike", (label, tld, result.codes)
        assert "url.typosquat" in result.codes or "url.homograph" in result.codes


def test_official_subdomains_are_never_lookalikes() -> None:
    policy = policy_for(ATERA)
    names = ["app", "www", "support", "login", "atera", "app-atera", "xn--pp-6kc", "evil", "a" * 63]
    for name, path in itertools.product(names, ("/", "/users/login", "/app", "/@evil.net")):
        result = judge(f"https://{name}.atera.com{path}", policy)
        assert result.verdict in ("official", "official-but-warn"), (name, path, result.codes)


# -- the two properties ---------------------------------------------------------------

_PSL = PublicSuffixList()
_TABS = {9: None, 10: None, 13: None}


def browser_host(text: str) -> str | None:
    """The host a browser opens for ``text``, modelled independently of the check:
    an http(s) address as it is, anything else with ``https://`` in front (address bar)."""
    candidate = text.strip("".join(chr(i) for i in range(0x21))).translate(_TABS)
    if not re.match(r"(?i)^https?:", candidate):
        candidate = "https://" + candidate
    try:
        url = ada_url.URL(candidate)
    except ValueError:
        return None
    if url.protocol not in ("http:", "https:"):
        return None
    host: str = url.hostname
    return host


def is_official_host(host: str | None) -> bool:
    if not host:
        return False
    name = host[:-1] if host.endswith(".") else host
    return (name == "atera.com" or name.endswith(".atera.com")) and _PSL.privatesuffix(name) == "atera.com"


def check_properties(text: str) -> str:
    verdict = judge(text, policy_for(ATERA)).verdict
    assert verdict in VERDICTS
    host = browser_host(text)
    if verdict in ("official", "official-but-warn"):
        assert is_official_host(host), (text, host, verdict)
    if is_official_host(host):
        assert verdict != "lookalike", (text, host)
    return verdict


SCHEMES = ["https://", "http://", "https:", "https:/\\", "https:\\\\", "https:///", "HTTPS://", "", "//"]
USERINFO = ["", "atera.com@", "user:pw@", "evil.net;@", "evil.net\\@", "app.atera.com@", "evil.net#@", "%40@"]
LABELS = [
    "app", "atera", "com", "evil", "net", "аtera", "xn--tera-43d", "atera-com", "www", "support", "co", "uk",
    "ａｔｅｒａ", "notatera", "0x7f", "1", "web", "app。atera", "atera\u200b", "аpp", "ATERA", "attera",
]
SEPARATORS = [".", ".", ".", "-", "%2e", "。", "\\", "@", "#", "?", "/", ";", ":", "⁄", "．"]
PORTS = ["", ":443", ":8443", ":0443", ":", ":99999"]
PATHS = ["", "/", "/users/login", "/app", "\\users\\login", "/@atera.com/", "?next=https://evil.net", "#@evil.net"]


@st.composite
def addresses(draw: st.DrawFn) -> str:
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=5))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(labels) - 1, max_size=len(labels) - 1))
    host = labels[0] + "".join(s + label for s, label in zip(separators, labels[1:], strict=True))
    if draw(st.booleans()):
        host += "."
    return (
        draw(st.sampled_from(SCHEMES))
        + draw(st.sampled_from(USERINFO))
        + host
        + draw(st.sampled_from(PORTS))
        + draw(st.sampled_from(PATHS))
    )


@settings(max_examples=600, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(addresses())
def test_property_verdict_follows_the_browser_host(text: str) -> None:
    """Never official(-but-warn) off the official domains; never lookalike on them."""
    check_properties(text)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=200))
def test_property_holds_for_arbitrary_text(text: str) -> None:
    check_properties(text)


def test_properties_on_a_large_generated_table() -> None:
    """A deterministic sweep of the same building blocks (about 25,000 addresses)."""
    hosts = [
        "app.atera.com", "atera.com", "app.atera.com.", "app.atera.com.evil.net", "evil.net", "аtera.com",
        "app%2eatera%2ecom", "ａｐｐ.ａｔｅｒａ.ｃｏｍ", "atera.com%2eevil.net", "notatera.com", "atera-com.evil.net",
        "app.xn--tera-43d.com", "xn--pp-6kc.atera.com", "0x7f.1", "atera.com.", "a..atera.com", "atera.web.app",
        "app。atera。com", "atera.co.uk", "support.atera.com", "atera\u200b.com", "APP.ATERA.COM",
    ]
    seen = set()
    for parts in itertools.product(SCHEMES, USERINFO, hosts, PORTS[:2], PATHS):
        text = "".join(parts)
        seen.add(check_properties(text))
    assert seen == set(VERDICTS)


# -- hostile input ----------------------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "text, reason",
    [
        ("https://app.atera.com/" + "a" * 1_000_000, "too_long"),
        ("x" * (1 << 20), "too_long"),
        ("https://app.atera.com/\udc80", "not_text"),
        ("\ud800", "not_text"),
        ("https://app\x00.atera.com/", "unparsable"),
        ("https://" + "a." * 10_000 + "atera.com/", "too_long"),
        ("https://" + "a." * 4_000 + "atera.com/", "impossible_host"),
    ],
    ids=["1MB-url", "1MB-text", "lone-surrogate", "only-surrogate", "nul-host",
         "10000-labels", "4000-labels"],
)
def test_hostile_input_is_invalid(text: str, reason: str) -> None:
    """A NUL at either end is trimmed as the URL Standard trims C0 controls (see the table);
    inside a host it makes the address unparsable."""
    details, codes, status = assess(text)
    assert details["verdict"] == "invalid"
    assert codes == ["url.invalid"]
    assert status is Status.FAIL
    assert details.get("invalid_reason", "impossible_host") == reason


@pytest.mark.timeout(30)
def test_hostile_but_parseable_inputs_stay_bounded() -> None:
    many_params = "https://app.atera.com/users/login?" + "&".join(f"next=//e{i}.net" for i in range(500))
    assert len(many_params) < 8192
    details, codes, _ = assess(many_params)
    assert details["verdict"] == "official-but-warn" and "url.offsite_redirect_param" in codes
    long_unicode = "https://" + ".".join(["аtera"] * 40) + ".com/"
    assert assess(long_unicode)[0]["verdict"] in ("lookalike", "invalid")
    binary = bytes(range(256)).decode("latin-1") * 8
    assert assess(binary)[0]["verdict"] == "invalid"


# -- profiles and the policy cache -------------------------------------------------------


def test_works_for_another_profile() -> None:
    profile = profile_from_mapping(
        {
            "name": "contoso",
            "vendor": "Contoso",
            "default_url": "https://login.contoso.co.uk/signin",
            "official_domains": ["contoso.co.uk"],
            "brand": "contoso",
        }
    )
    verdicts = {
        text: CHECK.assess(text, profile).details["verdict"]
        for text in (
            "https://login.contoso.co.uk/signin",
            "login.contoso.co.uk/signin/",
            "https://www.contoso.co.uk/",
            "https://contoso.com/",
            "https://login.contoso.co.uk.evil.net/signin",
            "https://соntoso.co.uk/",
            "https://app.atera.com/users/login",
        )
    }
    assert list(verdicts.values()) == [
        "official", "official", "official-but-warn", "lookalike", "lookalike", "lookalike", "unrelated",
    ]


def test_a_vendor_with_an_internationalised_domain() -> None:
    """Official domains may be written in Unicode; hosts are compared in their xn-- form."""
    profile = profile_from_mapping(
        {"name": "b", "vendor": "Bücher", "default_url": "https://login.bücher.de/", "official_domains": ["bücher.de"]}
    )
    verdicts = [
        CHECK.assess(text, profile).details["verdict"]
        for text in ("https://login.bücher.de/", "https://login.xn--bcher-kva.de/", "https://bücher.de.evil.net/",
                     "https://xn--lgin-43d.bücher.de/")
    ]
    assert verdicts == ["official", "official", "lookalike", "official-but-warn"]


def test_a_public_suffix_is_never_an_official_domain() -> None:
    """The PSL cross-check: a profile listing web.app must not make every web.app site official."""
    profile = profile_from_mapping(
        {"name": "x", "vendor": "X", "default_url": "https://x.web.app/", "official_domains": ["web.app"]}
    )
    assert CHECK.assess("https://evil.web.app/", profile).details["verdict"] not in ("official", "official-but-warn")


def test_policy_is_built_once_per_profile() -> None:
    first = policy_for(ATERA)
    builds = policy_module.BUILDS
    for _ in range(3):
        assert policy_for(load_profile("atera")) is first
    assert builds == policy_module.BUILDS


def test_batch_api_gives_what_the_check_reports_with_one_redactor_per_address() -> None:
    judge = AddressJudge(ATERA)
    texts = ["https://app.atera.com/users/login", "https://bob:hunter2@evil.example/?token=abc",
             "https://app.atera.com.evil.net/", "not a url at all"]
    judgements = list(judge.judge_all(texts))
    assert [j.verdict for j in judgements] == ["official", "unrelated", "lookalike", "invalid"]
    for text, judgement in zip(texts, judgements, strict=True):
        outcome = CHECK.assess(text, ATERA)
        assert judgement.status is outcome.resolved_status() is VERDICT_STATUS[judgement.verdict]
        assert (judgement.summary, judgement.findings, dict(judgement.details)) == (
            outcome.summary, outcome.findings, dict(outcome.details))
        assert judgement.official is (judgement.verdict == "official") and judgement.input == text
    assert judgements[1].redacted and "hunter2" not in json.dumps(dict(judgements[1].details))
    assert judgements[0].redacted == () and judgements[2].redacted == ()  # nothing carried over


# -- inside a diagnosis run ---------------------------------------------------------------


def _diagnose(args: list[str]) -> tuple[int, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    code = run([*args, "--headless", "--format", "json", "--only", "url", "--no-plugins"],
               Environment(stdout=out, stderr=err, stdin=io.StringIO()))
    report = json.loads(out.getvalue())
    assert validation_errors(report) == []
    return code, report


def test_main_run_passes_for_the_official_sign_in_address() -> None:
    code, report = _diagnose(["https://app.atera.com/users/login"])
    assert code == 0
    (check,) = report["checks"]
    assert check["id"] == "url" and check["status"] == "pass"
    assert check["details"]["verdict"] == "official"
    assert report["target"]["input"] == "https://app.atera.com/users/login"
    item = next(i for i in report["checklist"] if i["id"] == "official-address")
    assert item["status"] == "pass"


def test_main_run_fails_for_a_lookalike_and_keeps_the_original_input() -> None:
    code, report = _diagnose(["аtera.com/users/login"])
    assert code == 1
    (check,) = report["checks"]
    assert check["status"] == "fail" and check["details"]["verdict"] == "lookalike"
    assert report["target"]["input"] == "аtera.com/users/login"
    assert check["details"]["fixup"]["added"] == "https://"


def test_main_command_in_a_subprocess() -> None:
    """The exact command of the issue, as a person or a script runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", "https://app.atera.com/users/login", "--headless", "--format", "json",
         "--only", "url"],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert validation_errors(report) == []
    assert report["checks"][0]["status"] == "pass"
    assert report["target"]["input"] == "https://app.atera.com/users/login"
