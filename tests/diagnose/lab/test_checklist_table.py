"""The checklist of every lab scenario, row by row, and the rule that no item contradicts a finding.

``TABLE`` holds one row per lab scenario (format: :mod:`tests.diagnose.lab.checklist_rows`): each item's
status and where its advice comes from. The advice is then rebuilt here from that row, the data in
``diagnose/checklist.toml`` and the report's own findings, and compared word for word. The first version
was drafted from the output (``python -m tests.diagnose.lab.checklist_rows``) and every row was read and
corrected before it went in; a new scenario needs a row, read the same way.

Independently of the rows, every report is checked for contradictions between its checklist and its
findings, and ``summarize`` over all the reports counts "not on the official address" only for the
scenarios whose address is not the vendor's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from diagnose.checklist import ChecklistItem, compose, load_checklist
from diagnose.lab.scenario import DiagnosedScenario, all_scenarios
from diagnose.model import Finding, Report, Status, report_to_json
from tests.conftest import CliResult
from tests.diagnose.lab.checklist_rows import default_status

TABLE: dict[str, str] = {
    "address-lookalike": "official-address=fail<url.typosquat secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "black-hole": "internet-connection=error",
    "browser-cookies-blocked": "no-loop=fail<browser.site_cookies_blocked extensions=fail<browser.site_cookies_blocked>no-loop",
    "browser-stored-cookies": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "captive-portal": "internet-connection=fail<connectivity.http_captive_portal",
    "certificate-bad-signature": "secure-connection=fail<certificate.bad_signature internet-connection=pass(connectivity)",
    "certificate-ca-as-leaf": "secure-connection=warn<certificate.advice internet-connection=pass(connectivity)",
    "certificate-clock-ahead": "secure-connection=fail<certificate.clock_likely_wrong>clock internet-connection=pass(connectivity) clock=fail<certificate.clock_likely_wrong",
    "certificate-critical-san": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-cross-signed-dead-end": "secure-connection=warn<certificate.advice internet-connection=pass(connectivity)",
    "certificate-empty-subject-noncritical-san": "secure-connection=fail<certificate.malformed internet-connection=pass(connectivity)",
    "certificate-expired": "secure-connection=fail<certificate.expired internet-connection=pass(connectivity)",
    "certificate-expired-intermediate": "secure-connection=fail<certificate.expired internet-connection=pass(connectivity)",
    "certificate-expired-root": "secure-connection=fail<certificate.expired internet-connection=pass(connectivity)",
    "certificate-expired-wrong-host": "official-address=warn<certificate.hostname_mismatch secure-connection=fail<certificate.expired internet-connection=pass(connectivity)",
    "certificate-expires-soon": "secure-connection=warn<certificate.expires_soon internet-connection=pass(connectivity)",
    "certificate-good-ocsp-crl": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-healthy": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-incomplete-chain": "secure-connection=fail<certificate.incomplete_chain internet-connection=pass(connectivity)",
    "certificate-incomplete-chain-aia": "secure-connection=warn<certificate.incomplete_chain internet-connection=pass(connectivity)",
    "certificate-incomplete-chain-aia-https": "secure-connection=fail<certificate.incomplete_chain internet-connection=pass(connectivity)",
    "certificate-intercepted": "secure-connection=fail<certificate.intercepted internet-connection=pass(connectivity)",
    "certificate-intercepted-unknown": "secure-connection=fail<certificate.intercepted internet-connection=pass(connectivity)",
    "certificate-ip-not-in-san": "official-address=warn<certificate.hostname_mismatch secure-connection=fail<certificate.hostname_mismatch>official-address internet-connection=pass(connectivity)",
    "certificate-ip-san": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-known-bad-root": "secure-connection=fail<certificate.known_bad_root internet-connection=pass(connectivity)",
    "certificate-long-validity-local": "secure-connection=warn<certificate.advice internet-connection=pass(connectivity)",
    "certificate-misordered-chain": "secure-connection=warn<certificate.chain_misordered internet-connection=pass(connectivity)",
    "certificate-name-constraints": "secure-connection=fail<certificate.name_constraints internet-connection=pass(connectivity)",
    "certificate-no-san": "secure-connection=fail<certificate.no_san internet-connection=pass(connectivity)",
    "certificate-no-server-auth-eku": "secure-connection=warn<certificate.advice internet-connection=pass(connectivity)",
    "certificate-not-yet-valid": "secure-connection=fail<certificate.not_yet_valid internet-connection=pass(connectivity)",
    "certificate-path-length": "secure-connection=fail<certificate.verification_failed internet-connection=pass(connectivity)",
    "certificate-revoked-crl": "secure-connection=fail<certificate.revoked internet-connection=pass(connectivity)",
    "certificate-revoked-ocsp": "secure-connection=fail<certificate.revoked internet-connection=pass(connectivity)",
    "certificate-revoked-stapled": "secure-connection=fail<certificate.revoked internet-connection=pass(connectivity)",
    "certificate-root-without-keyusage": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-rsa1024-local-root": "secure-connection=warn<certificate.advice internet-connection=pass(connectivity)",
    "certificate-self-signed": "secure-connection=fail<certificate.self_signed internet-connection=pass(connectivity)",
    "certificate-underscore-host": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-untrusted-root": "secure-connection=fail<certificate.untrusted_root internet-connection=pass(connectivity)",
    "certificate-weak-key": "secure-connection=fail<certificate.weak_key internet-connection=pass(connectivity)",
    "certificate-weak-signature": "secure-connection=fail<certificate.weak_signature internet-connection=pass(connectivity)",
    "certificate-wildcard": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "certificate-wildcard-public-suffix": "official-address=warn<certificate.hostname_mismatch secure-connection=fail<certificate.hostname_mismatch>official-address internet-connection=pass(connectivity)",
    "certificate-wildcard-two-labels": "official-address=warn<certificate.hostname_mismatch secure-connection=fail<certificate.hostname_mismatch>official-address internet-connection=pass(connectivity)",
    "certificate-wrong-host": "official-address=warn<certificate.hostname_mismatch secure-connection=fail<certificate.hostname_mismatch>official-address internet-connection=pass(connectivity)",
    "certificate-wrong-purpose": "secure-connection=fail<certificate.wrong_purpose internet-connection=pass(connectivity)",
    "clock-ahead-400d-ntp-blocked": "secure-connection=fail<certificate.clock_skew>clock internet-connection=pass(connectivity) clock=fail<clock.totp_rejected",
    "clock-ahead-40s": "clock=warn<clock.totp_intermittent",
    "clock-ahead-6min": "clock=fail<clock.totp_rejected",
    "clock-all-silent": "clock=error<clock.no_time_source",
    "clock-behind-95s": "clock=fail<clock.totp_rejected",
    "clock-cached-date": "clock=warn<clock.totp_intermittent",
    "clock-falseticker": "clock=pass(clock)",
    "clock-in-sync": "clock=pass(clock)",
    "clock-kiss-of-death": "clock=pass(clock)",
    "clock-leap-unsynchronised": "clock=pass(clock)",
    "clock-lone-source-hours": "clock=error<clock.single_source",
    "clock-no-majority": "clock=error<clock.sources_disagree",
    "clock-ntp-1903": "clock=pass(clock)",
    "clock-ntp-1903-alone": "clock=pass(clock)",
    "clock-ntp-blocked": "clock=pass(clock)",
    "clock-offline": "",
    "clock-only-invalid-ntp": "clock=error<clock.no_time_source",
    "clock-server-clock-off": "clock=pass(clock)",
    "clock-spoofed-reply": "clock=pass(clock)",
    "dns-bogon": "internet-connection=fail<connectivity.dns_bogon",
    "dns-named-resolver-blocks": "internet-connection=warn<connectivity.dns_bogon",
    "dns-named-resolver-sinkhole": "internet-connection=fail<connectivity.dns_nxdomain",
    "dns-no-answer": "internet-connection=fail<connectivity.dns_no_answer",
    "dns-nxdomain": "internet-connection=fail<connectivity.dns_nxdomain",
    "dns-refused": "internet-connection=fail<connectivity.dns_refused",
    "dns-resolvers-disagree": "internet-connection=warn<connectivity.dns_resolvers_disagree",
    "dns-servfail": "internet-connection=fail<connectivity.dns_servfail",
    "dns-system-dead-named-nxdomain": "internet-connection=fail<connectivity.offline",
    "dns-timeout": "internet-connection=fail<connectivity.dns_timeout",
    "firefox-only-port": "internet-connection=warn<connectivity.port_blocked_by_firefox",
    "healthy": "official-address=pass(url+certificate) secure-connection=pass(certificate) internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "http-no-response": "internet-connection=fail<connectivity.http_failed",
    "http-proxy-auth-required": "internet-connection=fail<connectivity.http_proxy_auth_required",
    "http-server-error": "internet-connection=fail<connectivity.http_server_error",
    "ip-family-broken": "internet-connection=warn<connectivity.ip_family_broken",
    "offline": "internet-connection=fail<connectivity.offline",
    "proxy-auto-config": "internet-connection=warn<connectivity.proxy_auto_config",
    "proxy-tls-inspection": "secure-connection=fail<certificate.intercepted internet-connection=pass(connectivity)",
    "proxy-tls-inspection-untrusted": "secure-connection=fail<certificate.intercepted internet-connection=pass(connectivity)",
    "proxy-tunnel": "secure-connection=pass(certificate) internet-connection=pass(connectivity)",
    "proxy-unreachable": "internet-connection=fail<connectivity.proxy_unreachable",
    "redirects-broken-location": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-cookie-disallowed-character": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_disallowed_character",
    "redirects-cookie-domain-mismatch": "internet-connection=pass(connectivity) no-loop=fail<redirects.cookie_domain_mismatch",
    "redirects-cookie-double-dot-domain": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_invalid_domain",
    "redirects-cookie-huge-max-age": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-cookie-invalid-domain": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_invalid_domain",
    "redirects-cookie-invalid-prefix": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_invalid_prefix",
    "redirects-cookie-nameless": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-cookie-overwrite-secure": "secure-connection=fail<redirects.downgrade internet-connection=pass(connectivity) no-loop=fail<redirects.downgrade>secure-connection",
    "redirects-cookie-path-mismatch": "internet-connection=pass(connectivity) no-loop=fail<redirects.cookie_path_mismatch",
    "redirects-cookie-samesite-none-insecure": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_samesite_none_insecure",
    "redirects-cookie-samesite-strict-round-trip": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_samesite_redirect",
    "redirects-cookie-secure-over-http": "internet-connection=pass(connectivity) no-loop=fail<redirects.cookie_secure_over_http",
    "redirects-cookie-tab-in-attribute": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_disallowed_character",
    "redirects-cookie-too-large": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_too_large",
    "redirects-cookie-too-many": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_too_many",
    "redirects-cookie-trailing-dot-domain": "internet-connection=pass(connectivity) no-loop=warn<redirects.cookie_invalid_domain",
    "redirects-counter-cookie": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-downgrade": "secure-connection=fail<redirects.downgrade internet-connection=pass(connectivity) no-loop=fail<redirects.downgrade>secure-connection",
    "redirects-five-hops": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-header-too-large": "internet-connection=pass(connectivity) no-loop=fail<redirects.header_too_large",
    "redirects-header-too-large-431": "internet-connection=pass(connectivity) no-loop=fail<redirects.header_too_large",
    "redirects-healthy": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-identity-provider": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-invalid-location": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-invalid-max-age": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-lifetime-clamped": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-location-data": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-location-empty": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-location-ideographic-space": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-location-javascript": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-location-long-label": "internet-connection=pass(connectivity) no-loop=fail<redirects.impossible_host",
    "redirects-location-nbsp": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-location-repeated": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-location-space-in-host": "internet-connection=pass(connectivity) no-loop=fail<redirects.impossible_host",
    "redirects-location-twice": "internet-connection=pass(connectivity) no-loop=fail<redirects.broken_location",
    "redirects-loop": "internet-connection=pass(connectivity) no-loop=fail<redirects.loop",
    "redirects-meta-refresh": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-nineteen": "internet-connection=pass(connectivity) no-loop=warn<redirects.too_many",
    "redirects-offsite": "official-address=warn<redirects.offsite internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-offsite-other-vendor": "official-address=warn<redirects.offsite internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-relative-location": "internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "redirects-step-unreachable": "internet-connection=fail<redirects.request_failed",
    "redirects-too-many": "internet-connection=pass(connectivity) no-loop=fail<redirects.too_many",
    "redirects-too-many-safari": "internet-connection=pass(connectivity) no-loop=warn<redirects.too_many",
    "redirects-twenty": "internet-connection=pass(connectivity) no-loop=fail<redirects.too_many",
    "server-canaries": "official-address=pass(url+certificate) secure-connection=pass(certificate) internet-connection=pass(connectivity) no-loop=pass(redirects)",
    "syn-dropped-deadline": "internet-connection=error",
    "tcp-refused": "internet-connection=fail<connectivity.tcp_refused",
    "tcp-timeout": "internet-connection=fail<connectivity.tcp_timeout",
    "tcp-unreachable": "internet-connection=fail<connectivity.tcp_unreachable",
    "tls-cbc-sha1": "internet-connection=warn<connectivity.tls_obsolete",
    "tls-cbc-sha256-only": "internet-connection=fail<connectivity.tls_cipher_not_offered",
    "tls-huge-chain": "internet-connection=fail<connectivity.tls_certificate_too_large",
    "tls-not-tls": "internet-connection=fail<connectivity.tls_handshake_failed",
    "tls-protocol-too-old": "internet-connection=fail<connectivity.tls_protocol_too_old",
    "tls-reset": "internet-connection=fail<connectivity.tls_handshake_failed",
    "tls-rsa-key-exchange": "internet-connection=warn<connectivity.tls_obsolete",
    "tls-slow-handshake": "internet-connection=warn<connectivity.tls_slow_handshake",
    "unsafe-port": "internet-connection=fail<connectivity.unsafe_port",
}

ITEMS = {item.id: item for item in load_checklist()}
TOKEN = re.compile(r"^(?P<item>[a-z-]+)=(?P<status>[a-z]+)(?:\((?P<said>[a-z_+]*)\)|<(?P<code>[a-z_.]+)(?:>(?P<see>[a-z-]+))?)?$")


def test_every_lab_scenario_has_a_row() -> None:
    assert sorted(TABLE) == sorted(all_scenarios())


def expected(row: str) -> dict[str, tuple[Status, re.Match[str] | None]]:
    out: dict[str, tuple[Status, re.Match[str] | None]] = {i.id: (default_status(i), None) for i in ITEMS.values()}
    for token in row.split():
        match = TOKEN.match(token)
        assert match is not None and match["item"] in ITEMS, f"bad token {token!r}"
        out[match["item"]] = (Status(match["status"]), match)
    return out


def finding(report: Report, code: str) -> Finding:
    return next(f for c in report.checks for f in c.findings if f.code == code)


def advice_for(item: ChecklistItem, status: Status, token: re.Match[str] | None, report: Report) -> str:
    """The advice the row says the item gives, built from the data and the report's findings."""
    if status is Status.MANUAL:
        return item.advice_manual
    if token is not None and token["said"] is not None:
        said = token["said"].split("+") if token["said"] else []
        sentences = [s.passes or s.confirms for s in item.inputs if s.check in said and (s.passes or s.confirms)]
        return compose(*sentences)
    if token is not None and token["code"]:
        found = finding(report, token["code"])
        if token["see"]:
            return compose(found.message, f"See “{ITEMS[token['see']].title}”.")
        return compose(found.message, found.remediation)
    return item.advice_unknown


@pytest.mark.parametrize("name", sorted(TABLE))
def test_checklist_row(name: str, lab_reports: dict[str, Report]) -> None:
    report = lab_reports[name]
    got = {i.id: i for i in report.checklist}
    for item_id, (status, token) in expected(TABLE[name]).items():
        item = got[item_id]
        assert item.status is status, (item_id, item.status, item.advice)
        assert item.advice == advice_for(ITEMS[item_id], status, token, report), item_id


# ------------------------------------------------------------------ no item contradicts a finding


def sentences(text: str) -> list[str]:
    return [" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def deciding(item: ChecklistItem, report: Report) -> list[Finding]:
    """The findings the data says decide ``item`` (read straight from the TOML's codes/except)."""
    import fnmatch

    out = []
    for spec in item.inputs:
        check = report.check(spec.check)
        for f in check.findings if check is not None else ():
            named = not spec.codes or any(fnmatch.fnmatchcase(f.code, p) for p in spec.codes)
            if named and not any(fnmatch.fnmatchcase(f.code, p) for p in spec.except_):
                out.append(f)
    return out


DELETE_COOKIES = re.compile(r"\b(delete|clear)\b[^.]*\bcookies\b", re.IGNORECASE)
BLAMES_THE_SITE = re.compile(r"\brenew\b|certificate has expired", re.IGNORECASE)
NOT_OFFICIAL = re.compile(r"Do not enter your password here|Type the official (sign-in )?address yourself")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_no_item_contradicts_a_finding(name: str, lab_reports: dict[str, Report]) -> None:
    report = lab_reports[name]
    codes = {f.code for c in report.checks for f in c.findings}
    remedies = " ".join(f.remediation for c in report.checks for f in c.findings)
    url = report.check("url")
    for item in report.checklist:
        said = sentences(item.advice)
        assert len(said) == len(set(said)), f"{item.id} says a sentence twice: {item.advice}"
        if item.status is Status.PASS:  # nothing that decides the item may say otherwise
            against = [f.code for f in deciding(ITEMS[item.id], report) if f.severity.value != "info"]
            assert not against, (item.id, against)
            for spec in ITEMS[item.id].inputs:  # pass wording only from checks that decided
                check = report.check(spec.check)
                for text in (spec.passes, spec.confirms):
                    if text and text in item.advice:
                        assert check is not None and check.status in (Status.PASS, Status.WARN, Status.FAIL), text
        if "deleting cookies will not help" in remedies.lower():
            assert not DELETE_COOKIES.search(item.advice), (item.id, item.advice)
        if codes & {"certificate.clock_skew", "certificate.clock_likely_wrong"}:
            assert not BLAMES_THE_SITE.search(item.advice), (item.id, item.advice)
        if url is not None and url.status is Status.PASS:
            assert not NOT_OFFICIAL.search(item.advice), (item.id, item.advice)
        if item.status is Status.PASS:
            assert item.checks and all(report.check(c) is not None for c in item.checks)
        assert not UNFILLED.search(item.advice), (item.id, item.advice)
    for check in report.checks:  # a sentence with a placeholder no evidence filled in says nothing
        said = [check.summary, *(t for f in check.findings for t in (f.message, f.remediation))]
        assert not [t for t in said if UNFILLED.search(t)], check.id


UNFILLED = re.compile(r"\{[a-z_]+\}")


def official(host: str, domains: tuple[str, ...]) -> bool:
    """The address's host is one of the vendor's domains or under one (an IP address never is)."""
    return any(host == d or host.endswith("." + d) for d in domains)


def test_summarize_counts_not_official_only_where_the_address_is_not(
    lab_diagnosed: dict[str, DiagnosedScenario], tmp_path: Path, cli: Callable[[list[str]], CliResult]
) -> None:
    for name, diagnosed in lab_diagnosed.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(report_to_json(diagnosed.report)), "utf-8")
    result = cli(["summarize", str(tmp_path), "--format", "json"])
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["reports"] == len(lab_diagnosed)
    counted = next(r for r in summary["checklist"] if r["id"] == "official-address")["fail"]
    failing = {n for n, d in lab_diagnosed.items()
               if next(i for i in d.report.checklist if i.id == "official-address").status is Status.FAIL}
    unofficial = {n for n, d in lab_diagnosed.items()
                  if d.profile is not None and not official(d.report.target.host, d.profile.official_domains)}
    assert counted == len(failing)
    assert failing <= unofficial, failing - unofficial
    # Every unofficial address the url check judged is counted (the others were never judged: they
    # read "skip", not "pass").
    assert failing == {n for n in unofficial if lab_diagnosed[n].report.check("url") is not None}
    assert failing == {"address-lookalike"}
