"""The certificate check against real TLS servers on loopback (diagnose/lab/scenarios/certificate.py).

Every scenario runs through a real Diagnosis: the lab generates the
certificates, serves them, answers DNS, CRL and OCSP on 127.0.0.1, and the
check reads the chain over the wire. Tests assert the codes, the evidence
(which certificate, which dates, which source), that no defect ever passes,
and that every report validates against the schema.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from checks._certificate.describe import Cert
from checks._certificate.interception import match_bad_root, match_product
from checks._certificate.names import match_host, wildcard_covers
from checks.certificate import CertificateCheck
from diagnose.check import CheckContext
from diagnose.facts import ClockOffset
from diagnose.lab.pki import CertificateAuthority, now
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, all_scenarios, diagnose_scenario, signin_app
from diagnose.lab.scenarios.certificate import OffsetClock
from diagnose.lab.servers import LabServer, server_context
from diagnose.model import CheckResult, Finding, Report, Status, Target, report_to_json
from diagnose.net.tls import fetch_chain
from reports.schema import validation_errors

HOST = f"app.{LAB_DOMAIN}"
SCENARIOS = sorted(name for name, s in all_scenarios().items() if s.area == "certificate")


def certificate_result(report: Report) -> CheckResult:
    result = report.check("certificate")
    assert result is not None, "the certificate check did not run"
    return result


def only(result: CheckResult, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.code for f in result.findings]
    return found[0]


def parse(when: str) -> dt.datetime:
    return dt.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------ every scenario


@pytest.mark.parametrize("name", SCENARIOS)
async def test_scenario_reports_exactly_its_codes(name: str) -> None:
    diagnosed = await diagnose_scenario(name)
    report = diagnosed.report
    result = certificate_result(report)
    expected = diagnosed.scenario.expect["certificate"]
    connectivity = report.check("connectivity")
    assert connectivity is not None and connectivity.status is Status.PASS
    assert result.status is expected, (result.summary, [f.code for f in result.findings])
    assert sorted({f.code for f in result.findings}) == sorted(diagnosed.scenario.codes)
    if expected is not Status.PASS:  # no false pass: a defect never reads as passed
        assert result.findings and result.status is not Status.PASS
    assert validation_errors(report_to_json(report)) == []
    for finding in result.findings:
        assert "{" not in finding.message and "{" not in finding.remediation, finding.message


def test_every_certificate_code_has_a_scenario() -> None:
    from diagnose.check import load_catalogue

    covered = {code for name in SCENARIOS for code in all_scenarios()[name].codes}
    missing = set(load_catalogue("certificate")) - covered - {"certificate.clock_skew"}
    assert not missing  # clock_skew needs the clock check's result: test_clock_* below


# ------------------------------------------------------------------ evidence


async def test_expired_leaf_evidence_names_the_leaf_and_its_dates() -> None:
    result = certificate_result((await diagnose_scenario("certificate-expired")).report)
    evidence = only(result, "certificate.expired").evidence
    assert evidence["certificate"] == "leaf" and evidence["position"] == 0
    assert evidence["subject"] == f"CN={HOST}"
    assert parse(evidence["not_after"]) < dt.datetime.now(dt.UTC)
    assert evidence["days"] >= 1 and evidence["date"] == evidence["not_after"][:10]


async def test_expired_intermediate_is_named_as_the_intermediate() -> None:
    result = certificate_result((await diagnose_scenario("certificate-expired-intermediate")).report)
    evidence = only(result, "certificate.expired").evidence
    assert evidence["certificate"] == "intermediate" and evidence["position"] == 1
    assert "Old Issuing CA" in evidence["subject"]
    assert parse(evidence["not_after"]) < dt.datetime.now(dt.UTC)
    assert "intermediate certificate" in only(result, "certificate.expired").message
    leaf = result.details["chain"][0]
    assert parse(leaf["not_after"]) > dt.datetime.now(dt.UTC)  # the leaf itself is fine


async def test_not_yet_valid_gives_the_start_date() -> None:
    result = certificate_result((await diagnose_scenario("certificate-not-yet-valid")).report)
    evidence = only(result, "certificate.not_yet_valid").evidence
    assert parse(evidence["not_before"]) > dt.datetime.now(dt.UTC)
    assert evidence["date"] == evidence["not_before"][:10]


async def test_expired_and_wrong_host_reports_both() -> None:
    result = certificate_result((await diagnose_scenario("certificate-expired-wrong-host")).report)
    assert {f.code for f in result.findings} == {"certificate.expired", "certificate.hostname_mismatch"}
    assert only(result, "certificate.hostname_mismatch").evidence["valid_for"] == ["other.example-lab.test"]


async def test_wildcard_two_labels_says_why() -> None:
    result = certificate_result((await diagnose_scenario("certificate-wildcard-two-labels")).report)
    finding = only(result, "certificate.hostname_mismatch")
    assert finding.evidence["valid_for"] == [f"*.{LAB_DOMAIN}"]
    assert "one level only" in finding.message


async def test_no_san_is_its_own_finding_even_though_python_accepts_it() -> None:
    diagnosed = await diagnose_scenario("certificate-no-san")
    result = certificate_result(diagnosed.report)
    finding = only(result, "certificate.no_san")
    assert finding.evidence["common_name"] == HOST and finding.evidence["common_name_matches"] is True
    connectivity = diagnosed.report.check("connectivity")
    assert connectivity is not None
    assert not any(f.code == "connectivity.http_not_verified" for f in connectivity.findings)  # Python said yes


async def test_incomplete_chain_names_the_aia_address_and_uses_it() -> None:
    result = certificate_result((await diagnose_scenario("certificate-incomplete-chain-aia")).report)
    finding = only(result, "certificate.incomplete_chain")
    assert finding.severity == "medium"
    assert finding.evidence["aia_url"].startswith(f"http://ca.{LAB_DOMAIN}:")
    assert finding.evidence["completed_by_aia"] is True
    assert finding.evidence["aia_url"] in finding.message
    assert [c["source"] for c in result.details["path"]] == ["sent", "aia"]


async def test_incomplete_chain_without_aia_fails() -> None:
    result = certificate_result((await diagnose_scenario("certificate-incomplete-chain")).report)
    finding = only(result, "certificate.incomplete_chain")
    assert finding.severity == "high" and finding.evidence["aia_url"] is None
    assert "login-doctor Lab Issuing CA" in finding.evidence["missing"]


async def test_untrusted_root_names_the_root() -> None:
    result = certificate_result((await diagnose_scenario("certificate-untrusted-root")).report)
    finding = only(result, "certificate.untrusted_root")
    assert finding.evidence["root"] == "CN=Untrusted Lab Root CA,O=Nobody Trusts Me"
    assert finding.evidence["position"] == 2


async def test_intercepted_names_the_product_and_whom_to_ask() -> None:
    result = certificate_result((await diagnose_scenario("certificate-intercepted")).report)
    finding = only(result, "certificate.intercepted")
    assert finding.evidence["product"] == "Zscaler"
    assert finding.evidence["trusted_on_this_device"] is True and finding.evidence["trusted_publicly"] is False
    assert "Zscaler" in finding.message and "IT team" in finding.remediation
    assert "single sign-on" in finding.remediation


async def test_intercepted_by_an_unknown_product_says_so() -> None:
    result = certificate_result((await diagnose_scenario("certificate-intercepted-unknown")).report)
    finding = only(result, "certificate.intercepted")
    assert finding.evidence["product_kind"] == "unknown"
    assert finding.evidence["anchor"]["store"] == "operating_system"


async def test_known_bad_root_installed_on_the_device_is_critical() -> None:
    result = certificate_result((await diagnose_scenario("certificate-known-bad-root")).report)
    finding = only(result, "certificate.known_bad_root")
    assert finding.severity == "critical"
    assert finding.evidence["trusted_on_this_device"] is True and "Superfish" in finding.evidence["root"]


async def test_weak_key_and_weak_signature_evidence() -> None:
    key = only(certificate_result((await diagnose_scenario("certificate-weak-key")).report), "certificate.weak_key")
    assert (key.evidence["key_type"], key.evidence["key_bits"], key.evidence["certificate"]) == ("RSA", 768, "leaf")
    signature = only(certificate_result((await diagnose_scenario("certificate-weak-signature")).report),
                     "certificate.weak_signature")
    assert signature.evidence["hash"] == "SHA1" and signature.evidence["algorithm"] == "ECDSA-SHA1"


@pytest.mark.parametrize(("name", "source"), [
    ("certificate-revoked-crl", "crl"),
    ("certificate-revoked-ocsp", "ocsp"),
    ("certificate-revoked-stapled", "stapled_ocsp"),
])
async def test_revoked_says_by_whom(name: str, source: str) -> None:
    result = certificate_result((await diagnose_scenario(name)).report)
    finding = only(result, "certificate.revoked")
    assert finding.severity == "critical"
    assert finding.evidence["source"] == source and finding.evidence["reason"] == "key_compromise"
    assert finding.evidence["certificate"] == "leaf"
    assert parse(finding.evidence["revocation_time"]) < dt.datetime.now(dt.UTC)
    if source != "stapled_ocsp":
        assert finding.evidence["url"].startswith("http://")
    assert result.details["revocation"]["stapled_ocsp"] is (source == "stapled_ocsp")


async def test_good_revocation_answers_are_recorded() -> None:
    result = certificate_result((await diagnose_scenario("certificate-good-ocsp-crl")).report)
    checked = {(r["source"], r["status"]) for r in result.details["revocation"]["checked"]}
    assert checked == {("ocsp", "good"), ("crl", "good")}


async def test_path_length_violation_is_caught_by_the_verifier() -> None:
    result = certificate_result((await diagnose_scenario("certificate-path-length")).report)
    assert "path length" in only(result, "certificate.verification_failed").evidence["detail"]


# ------------------------------------------------------------------ details


async def test_details_describe_every_certificate_of_the_chain() -> None:
    diagnosed = await diagnose_scenario("certificate-misordered-chain")
    result = certificate_result(diagnosed.report)
    chain = result.details["chain"]
    assert [c["position"] for c in chain] == [0, 1, 2]
    assert [c["role"] for c in chain] == ["leaf", "intermediate", "intermediate"]
    for entry in chain:
        for field in ("subject", "issuer", "names", "not_before", "not_after", "key", "signature_algorithm",
                      "fingerprint_sha256"):
            assert entry[field] not in (None, ""), field
        assert entry["key"] == {"type": "EC", "bits": 256, "curve": "secp256r1"}
        assert entry["signature_algorithm"] == "ECDSA-SHA256"
    assert chain[0]["names"]["dns"] == [HOST]
    assert result.details["path"][-1]["subject"].startswith("CN=login-doctor Lab Policy CA")
    assert result.details["anchor"]["store"] == "ca_file"
    json.dumps(report_to_json(diagnosed.report))  # machine-readable as it is


async def test_fingerprints_are_sha256_of_what_the_server_sent() -> None:
    async with Lab() as lab:
        issued = lab.issue([HOST])
        server = await lab.https(signin_app(), issued=issued)
        fetched = await fetch_chain("127.0.0.1", server.port, HOST)
        assert fetched.ok and len(fetched.certificates) == 2
        assert fetched.certificates[0] == issued.certificate.public_bytes(serialization.Encoding.DER)
        assert server.requests == []  # the unverified connection carried nothing but the handshake
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        outcome = await CertificateCheck().run(context(run))
    assert outcome.details["chain"][0]["fingerprint_sha256"] == hashlib.sha256(fetched.certificates[0]).hexdigest()


async def test_markdown_report_shows_the_chain() -> None:
    from reports.render import render

    report = (await diagnose_scenario("certificate-expired")).report
    text = render(report_to_json(report), "markdown")
    assert "certificate.expired" in text and certificate_result(report).details["chain"][0]["fingerprint_sha256"] in text


# ------------------------------------------------------------------ trust stores


async def test_without_the_ca_file_the_lab_chain_is_an_unknown_root() -> None:
    from dataclasses import replace

    async with Lab() as lab:
        server = await lab.https(signin_app(), names=[HOST])
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        run.settings = replace(run.settings, ca_files=())
        run.net.settings = run.settings
        outcome = await CertificateCheck().run(context(run))
    assert [f.code for f in outcome.findings] == ["certificate.untrusted_root"]
    assert outcome.findings[0].evidence["root"] == "CN=login-doctor Lab Root CA,O=login-doctor lab"
    assert outcome.resolved_status() is Status.FAIL


async def test_a_plain_http_address_is_skipped_not_passed() -> None:
    async with Lab() as lab:
        server = await lab.http(signin_app())
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"http://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        outcome = await CertificateCheck().run(context(run))
    assert outcome.resolved_status() is Status.SKIP


async def test_an_unreadable_chain_is_an_error_never_a_pass() -> None:
    async def plain_http(reader: Any, writer: Any) -> None:  # plain HTTP where TLS is expected
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()

    async with Lab() as lab:
        server = await lab.enter(LabServer(raw=plain_http))
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        outcome = await CertificateCheck().run(context(run))
    assert outcome.resolved_status() is Status.ERROR
    assert outcome.details["tls"]["error"] == "not_tls"


# ------------------------------------------------------------------ the clock


def context(run: Any, *, clock: Any = None, results: dict[str, CheckResult] | None = None) -> CheckContext:
    from diagnose.session import make_target

    target: Target = make_target(run.url, run.profile)
    from diagnose.check import SystemClock

    return CheckContext(target=target, profile=run.profile, settings=run.settings, net=run.net,
                        clock=clock or run.clock or SystemClock(), results=results or {})


def clock_result(offset: float, status: Status = Status.FAIL) -> CheckResult:
    """What the clock check reports (only its ``status`` and its ClockOffset fact are read)."""
    return CheckResult(id="clock", title="clock", status=status, summary="", duration_ms=1,
                       details={"offset_s": offset}, facts=(ClockOffset(offset, 0.5, "ntp"),))


async def run_with_clock(issued_days: tuple[float, float], offset: float | None, status: Status = Status.FAIL,
                         ) -> Any:
    async with Lab() as lab:
        issued = lab.issue([HOST], not_before=now() + dt.timedelta(days=issued_days[0]),
                           not_after=now() + dt.timedelta(days=issued_days[1]))
        server = await lab.https(signin_app(), issued=issued)
        dns = await lab.dns({HOST: ["127.0.0.1"]})
        run = lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns)
        results = {"clock": clock_result(offset, status)} if offset is not None else {}
        return await CertificateCheck().run(context(run, clock=OffsetClock(offset or 0.0), results=results))


async def test_clock_far_ahead_is_blamed_instead_of_the_certificate() -> None:
    outcome = await run_with_clock((-1, 89), 400 * 86400.0)
    assert [f.code for f in outcome.findings] == ["certificate.clock_skew"]
    finding = outcome.findings[0]
    assert "400 days (ahead)" in finding.message and "automatic date and time" in finding.remediation
    assert finding.evidence["looks"] == "expired"
    assert outcome.details["clock"]["offset_s"] == 400 * 86400.0


async def test_clock_far_behind_explains_not_yet_valid() -> None:
    outcome = await run_with_clock((-1, 89), -30 * 86400.0)
    assert [f.code for f in outcome.findings] == ["certificate.clock_skew"]
    assert outcome.findings[0].evidence["looks"] == "not yet valid"


async def test_without_a_clock_result_the_dates_are_judged_by_this_device() -> None:
    outcome = await run_with_clock((-1, 89), None)  # device clock right, cert valid: pass
    assert outcome.findings == () and outcome.resolved_status() is Status.PASS
    diagnosed = await diagnose_scenario("certificate-clock-ahead")  # device 400 days ahead, no clock check
    assert [f.code for f in certificate_result(diagnosed.report).findings] == ["certificate.expired"]


async def test_a_really_expired_certificate_stays_expired_whatever_the_clock() -> None:
    outcome = await run_with_clock((-100, -10), 3600.0, Status.WARN)
    assert [f.code for f in outcome.findings] == ["certificate.expired"]
    assert outcome.findings[0].evidence["clock_offset_s"] == 3600.0


async def test_a_clock_result_without_an_offset_is_ignored() -> None:
    for unmeasurable in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            ClockOffset(unmeasurable, 0.5, "ntp")  # a fact cannot hold what was not measured
    for bad in (float("nan"), "12", True):  # an offset in the details alone is not a fact
        result = CheckResult(id="clock", title="clock", status=Status.FAIL, summary="", duration_ms=1,
                             details={"offset_s": bad})
        from checks.certificate import clock_offset

        ctx = CheckContext(target=Target("x", "https://x", "x"), profile=None, settings=None,  # type: ignore[arg-type]
                           net=None, clock=OffsetClock(0), results={"clock": result})
        assert clock_offset(ctx) is None
    errored = clock_result(50.0, Status.ERROR)
    ctx = CheckContext(target=Target("x", "https://x", "x"), profile=None, settings=None,  # type: ignore[arg-type]
                       net=None, clock=OffsetClock(0), results={"clock": errored})
    assert clock_offset(ctx) is None


# ------------------------------------------------------------------ rules and data


@pytest.mark.parametrize(("pattern", "host", "covered"), [
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", False),
    ("*.example.com", "example.com", False),
    ("*.com", "example.com", False),
    ("a*.example.com", "ab.example.com", False),
    ("*.EXAMPLE.com.", "A.example.COM", True),
])
def test_wildcards_cover_exactly_one_label(pattern: str, host: str, covered: bool) -> None:
    assert wildcard_covers(pattern, host.lower()) is covered


def test_an_ip_address_only_matches_an_ip_entry() -> None:
    ca = CertificateAuthority.create()
    by_ip = Cert(ca.issue(["127.0.0.1"]).certificate)
    by_name = Cert(ca.issue(["app.test"], common_name="127.0.0.1").certificate)
    assert match_host(by_ip, "127.0.0.1").matched
    assert match_host(by_ip, "[::ffff:7f00:1]").matched is False
    verdict = match_host(by_name, "127.0.0.1")
    assert not verdict.matched and "only matches an IP address" in verdict.note


EDELLROOT = b"""-----BEGIN CERTIFICATE-----
MIIC8zCCAd+gAwIBAgIQa8V7lRiTqpdLYkrAiPw7tjAJBgUrDgMCHQUAMBQxEjAQ
BgNVBAMTCWVEZWxsUm9vdDAeFw0xNTA0MDcxMDIzMjdaFw0zOTEyMzEyMzU5NTla
MBQxEjAQBgNVBAMTCWVEZWxsUm9vdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC
AQoCggEBAL3RJg1uzVuEX0Hw4XWGzs6oI9W+o7HZdVdBMMVb4Gzb4uZjCTNjbPx4
b8LNFL1uArUt+5VVMQDsOTY3Lg/Xe/UNukY2b+0llUOzzBYYpbsFcco4n6SsTvDh
Ni5t+kPo7c23ZrYBPmOu82eEJ6cavs/t39u+wFOkXXwvRCiHA/lWyNWNEPh17+bC
EP3q5N+JrV+6Ho3zQPEv5QUJYdmXsMmD2CMQojeQUj68J91P5w5BKjurG0xjivzh
Soie9ym7VRwLFjWScRuw/9XV6CLqTyL5xrqiiDp1uTOuqNj3uxyts9ocbsoJXuxj
5iEYkSM1nvLupEv+lgy9WqzIEFMm1l8CAwEAAaNJMEcwRQYDVR0BBD4wPIAQYA/f
EzPwmaRcZuSaa/VZ1KEWMBQxEjAQBgNVBAMTCWVEZWxsUm9vdIIQa8V7lRiTqpdL
YkrAiPw7tjAJBgUrDgMCHQUAA4IBAQArfdcScsezj8ooJ92UwwnPgg36noOgiUs5
XzPLP4h0JpUYQVKB9hY1WTDwRUfTKGh7oNOowd027a/rVSb/TNeoiJIvMKn4gbvV
CWAiHhO8u2u0RkHCDVsa7e0i4ncpueWsihjn6jBrY8T+7eDYwiFT/F03A8NJ7mK5
lZA8SFd5CTDy3EBUU5UwzXUc5HoIRUxXSPycu3aIBWawg3sCdKiAoikScPAWj0bM
0vmsP/8QSlTOBqO+QFQ6R82BtTvBNU3qbVICV4QObsxib++FAFL56NApPqskg7Vz
LfNIAjKabHUcjbuZkmg6jr4BfYW7+oQDHCsYgADjjKGdKz/8U/fP
-----END CERTIFICATE-----
"""
"""The public eDellRoot certificate (chromium/badssl.com certs/src/crt/ca-edellroot.crt), SHA-1 signed."""


def test_known_bad_roots_match_by_key_and_products_by_issuer() -> None:
    root = Cert(x509.load_pem_x509_certificate(EDELLROOT))
    found = match_bad_root([root])
    assert found is not None and found.matched_by == "key" and "eDellRoot" in found.root.name
    assert root.signature_name == "RSA-SHA1"  # the old OIW sha1WithRSA OID is recognised
    fortinet = CertificateAuthority.create("FortiGate CA", organization="Fortinet")
    leaf = Cert(fortinet.issue(["app.test"]).certificate)
    product = match_product([leaf])
    assert product is not None and product.product.name == "Fortinet FortiGate"
    assert match_product([Cert(CertificateAuthority.create("Ordinary CA", organization="Fortinet Fans").issue(
        ["app.test"]).certificate)]) is None


def test_scenario_time_is_real_time() -> None:
    # The clock tests rely on OffsetClock shifting only wall time.
    assert abs(OffsetClock(0).time() - time.time()) < 5


async def test_stapling_server_is_a_real_lab_server() -> None:
    """The stapled-OCSP path reads what a pyOpenSSL server staples; without a staple there is none."""
    async with Lab() as lab:
        issued = lab.issue([HOST])
        async with LabServer(signin_app(), tls=server_context(issued)) as plain:
            fetched = await fetch_chain("127.0.0.1", plain.port, HOST)
    assert fetched.ok and fetched.stapled_ocsp == b""


def test_revocation_answers_count_only_when_the_issuer_signed_them() -> None:
    from checks._certificate.revocation import judge_crl, judge_ocsp
    from diagnose.lab.revocation import make_crl, ocsp_answer

    issuer = CertificateAuthority.create("Real Issuer")
    forger = CertificateAuthority.create("Real Issuer")  # same name, another key
    leaf = issuer.issue(["app.test"])
    cert, ca = Cert(leaf.certificate), Cert(issuer.certificate)
    when = dt.datetime.now(dt.UTC)
    assert judge_ocsp("ocsp", ocsp_answer(issuer, leaf.certificate, revoked=True), cert, ca, when).status == "revoked"
    assert judge_ocsp("ocsp", ocsp_answer(issuer, leaf.certificate, revoked=False), cert, ca, when).status == "good"
    forged = judge_ocsp("ocsp", ocsp_answer(forger, leaf.certificate, revoked=True), cert, ca, when)
    assert forged.status == "error" and "not signed" in forged.detail
    assert judge_crl(make_crl(issuer, [leaf.certificate]), cert, ca, when).status == "revoked"
    assert judge_crl(make_crl(forger, [leaf.certificate]), cert, ca, when).status == "error"
    assert judge_ocsp("ocsp", b"not der", cert, ca, when).status == "error"
