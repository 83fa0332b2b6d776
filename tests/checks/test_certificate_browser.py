"""The certificate check's browser model: Chromium's name rules, path building, malformed input.

Chains are built with the lab's PKI and, where no certificate library will build
them (duplicate extensions, a malformed name constraint, a broken key), by
editing the DER and signing it again; the whole check then judges them with no
network (tests/checks/limbo.py). Whatever the input, the check ends with
findings, never a crash.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from checks._certificate.aia import certificates_in
from checks._certificate.chromium import browser_anchors, chromium_verdict
from checks._certificate.der import SEQUENCE, RawCertificate, children, encode, oid_text, read, single
from checks._certificate.describe import Cert
from checks._certificate.names import host_compliant, wildcard_covers, wildcards_allowed
from checks._certificate.parsing import read_certificate
from checks._certificate.pathbuild import ITERATION_LIMIT, Anchor, Anchors, build_paths
from checks._certificate.stores import TrustStore
from diagnose.check import Outcome
from diagnose.lab.pki import CertificateAuthority, Issued, now
from diagnose.model import Status
from tests.checks.limbo import judge_chain

HOST = "app.example.test"


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


async def judge(issued: Issued, intermediates: list[x509.Certificate], root: CertificateAuthority, tmp: Path,
                host: str = HOST) -> Outcome:
    anchors = root.write_pem(tmp / "root.pem")
    return await judge_chain((der(issued.certificate), *map(der, intermediates)), anchors, host, dt.datetime.now(dt.UTC))


def codes(outcome: Outcome) -> set[str]:
    return {f.code for f in outcome.findings}


def resign(cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, edit: object) -> x509.Certificate:
    """``cert`` with its TBSCertificate fields passed through ``edit(fields) -> fields`` and signed again."""
    outer = children(single(der(cert)).value)
    fields = [f.raw for f in children(outer[0].value)]
    tbs = encode(SEQUENCE, b"".join(edit(fields)))  # type: ignore[operator]
    signature = issuer_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return x509.load_der_x509_certificate(encode(SEQUENCE, tbs + outer[1].raw + encode(0x03, b"\x00" + signature)))


def with_extension_list(extensions: list[bytes]) -> object:
    def edit(fields: list[bytes]) -> list[bytes]:
        return [*fields[:-1], encode(0xA3, encode(SEQUENCE, b"".join(extensions)))]
    return edit


def extensions_of(cert: x509.Certificate) -> list[bytes]:
    raw = RawCertificate.parse(der(cert))
    return [e.raw for e in raw.extensions]


# ------------------------------------------------------------------ names, Chromium's rules


@pytest.mark.parametrize(("pattern", "host", "covered"), [
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", False),
    ("*.com", "example.com", False),           # directly under a public suffix
    ("*.co.uk", "example.co.uk", False),       # a two-label public suffix
    ("*.test", "app.test", False),             # an unknown top-level domain counts as a suffix
    ("*.atera-lab.test", "app.atera-lab.test", True),
    ("*.s3.amazonaws.com", "x.s3.amazonaws.com", True),  # a private suffix does not stop Chromium
    ("*.1.2.3", "4.1.2.3", False),             # all digits and dots: never a wildcard
    ("a*.example.com", "ab.example.com", False),
    ("*.example.com", "sso_portal.example.com", True),
])
def test_wildcards_follow_chromium(pattern: str, host: str, covered: bool) -> None:
    assert wildcard_covers(pattern, host) is covered


@pytest.mark.parametrize(("host", "ok"), [
    ("sso_portal.corp.example", True), ("_dmarc.example.com", True), ("a-b.example", True),
    ("bad host.example", False), ("x..example", False), ("example.-com", False), ("a" * 64 + ".example", False),
])
def test_host_names_as_chromium_canonicalises_them(host: str, ok: bool) -> None:
    assert host_compliant(host) is ok


def test_wildcards_are_refused_right_under_a_suffix_or_for_numbers() -> None:
    assert wildcards_allowed("app.atera-lab.test") and not wildcards_allowed("app.test")
    assert not wildcards_allowed("localhost") and not wildcards_allowed("10.0.0.1")


async def test_a_host_with_an_underscore_is_judged_not_crashed(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    outcome = await judge(root.issue(["sso_portal.corp.example"]), [], root, tmp_path, host="sso_portal.corp.example")
    assert outcome.resolved_status() is Status.PASS
    advice = [f for f in outcome.findings if f.code == "certificate.advice"]
    assert [f.evidence["rule_id"] for f in advice] == ["host-not-dns-name"]


async def test_a_mismatched_leaf_whose_first_name_is_not_a_dns_name(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    outcome = await judge(root.issue(["not a name!", "-x-.example", "other.example"]), [], root, tmp_path)
    assert codes(outcome) == {"certificate.hostname_mismatch"}
    assert outcome.resolved_status() is Status.FAIL


# ------------------------------------------------------------------ malformed input becomes findings


async def test_a_duplicate_subject_alt_name_is_malformed_not_a_crash(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    issued = root.issue([HOST])
    extensions = extensions_of(issued.certificate)
    san = next(e for e in extensions if b"\x06\x03\x55\x1d\x11" in e)
    doubled = resign(issued.certificate, root.key, with_extension_list([*extensions, san]))  # type: ignore[arg-type]
    assert read_certificate(doubled).refusals == ("the subjectAltName extension appears 2 times",)
    outcome = await judge(Issued(doubled, issued.key), [], root, tmp_path)
    malformed = [f for f in outcome.findings if f.code == "certificate.malformed"]
    assert malformed and malformed[0].severity == "high" and "appears 2 times" in malformed[0].message
    assert outcome.resolved_status() is Status.FAIL


async def test_a_malformed_ip_name_constraint_is_reported_and_the_chain_still_judged(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    issuing = root.intermediate("Constrained CA")
    extensions = extensions_of(issuing.certificate)
    # nameConstraints permitting an IPAddress of 4 bytes: an address without its mask, not a network
    bad = encode(SEQUENCE, encode(0x06, b"\x55\x1d\x1e") + encode(0x01, b"\xff") + encode(0x04, encode(
        SEQUENCE, encode(0xA0, encode(SEQUENCE, encode(0x87, bytes([192, 0, 2, 0])))))))
    broken = resign(issuing.certificate, root.key, with_extension_list([*extensions, bad]))  # type: ignore[arg-type]
    outcome = await judge(issuing.issue([HOST]), [broken], root, tmp_path)
    found = codes(outcome)
    assert "certificate.malformed" in found and outcome.resolved_status() is Status.FAIL
    note = next(f for f in outcome.findings if f.code == "certificate.malformed")
    assert "nameConstraints" in note.message and "ignore" in note.message  # browsers ignore that intermediate
    assert found & {"certificate.incomplete_chain", "certificate.untrusted_root"}


async def test_a_malformed_issuer_key_is_reported(tmp_path: Path) -> None:
    root = CertificateAuthority.create()
    issuing = root.intermediate("Broken Key CA")

    def break_key(fields: list[bytes]) -> list[bytes]:
        spki = next(i for i, f in enumerate(fields) if f.startswith(b"\x30") and b"\x2a\x86\x48\xce\x3d\x02\x01" in f)
        body = bytearray(fields[spki])
        body[-10] ^= 0xFF  # a point that is not on the curve
        return [*fields[:spki], bytes(body), *fields[spki + 1:]]

    broken = resign(issuing.certificate, root.key, break_key)  # type: ignore[arg-type]
    outcome = await judge(issuing.issue([HOST]), [broken], root, tmp_path)
    assert outcome.resolved_status() is Status.FAIL
    assert "certificate.malformed" in codes(outcome)
    assert all(f.code != "certificate.verification_failed" or f.evidence.get("family") for f in outcome.findings)


async def test_each_judge_runs_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import checks.certificate

    def broken(*_: object) -> list[object]:
        raise TypeError("a value this judge cannot read")

    monkeypatch.setattr(checks.certificate, "keys", broken)
    root = CertificateAuthority.create()
    expired = root.issue([HOST], not_before=now() - dt.timedelta(days=30), not_after=now() - dt.timedelta(days=1))
    outcome = await judge(expired, [], root, tmp_path)
    assert "certificate.expired" in codes(outcome)  # the other judges still ran
    note = next(f for f in outcome.findings if f.code == "certificate.malformed")
    assert note.severity == "info" and note.evidence["judge"] == "keys" and "could not judge" in note.message


# ------------------------------------------------------------------ path building


def anchors_of(*roots: CertificateAuthority, known: bool = False) -> Anchors:
    return Anchors([Anchor(Cert(r.certificate, "ca_file"), known) for r in roots])


def cross_sign(ca: CertificateAuthority, by: CertificateAuthority, days: float) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(ca.certificate.subject).issuer_name(by.certificate.subject)
               .public_key(ca.key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now() - dt.timedelta(days=days)).not_valid_after(now() + dt.timedelta(days=90))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca.key.public_key()), critical=False))
    return builder.sign(by.key, hashes.SHA256())


async def test_the_path_builder_backtracks_past_a_dead_end_cross_sign() -> None:
    root, retired = CertificateAuthority.create("Trusted Root"), CertificateAuthority.create("Retired Root")
    issuing = root.intermediate("Issuing CA")
    dead_end = cross_sign(issuing, retired, days=0.1)  # newer: tried first
    sent = [Cert(issuing.issue([HOST]).certificate, "sent", 0), Cert(dead_end, "sent", 1),
            Cert(issuing.certificate, "sent", 2)]
    verdict = await chromium_verdict(sent, anchors_of(root), when=dt.datetime.now(dt.UTC), host=HOST)
    assert verdict.ok and verdict.paths_tried == 2
    assert [c.fingerprint for c in verdict.path[1:]] == [sent[2].fingerprint, Cert(root.certificate).fingerprint]


def test_the_search_stops_at_chromiums_iteration_limit() -> None:
    root = CertificateAuthority.create("Root")
    issuing = root.intermediate("Issuing CA")
    leaf = Cert(issuing.issue([HOST]).certificate, "sent", 0)
    decoys = [Cert(cross_sign(issuing, CertificateAuthority.create("Nobody"), days=1 + i), "sent", i + 1)
              for i in range(ITERATION_LIMIT + 5)]
    paths = build_paths(leaf, decoys, anchors_of(root), dt.datetime.now(dt.UTC), fetched={})
    assert paths[-1].problems[0].code == "iteration_limit" and not any(p.valid for p in paths)


async def test_a_public_root_is_trusted_as_is_and_a_local_one_has_its_dates_enforced() -> None:
    old = CertificateAuthority.create("Old Root", not_before=now() - dt.timedelta(days=900),
                                      not_after=now() - dt.timedelta(days=1))
    issuing = old.intermediate("Issuing CA", not_before=now() - dt.timedelta(days=10),
                               not_after=now() + dt.timedelta(days=100))
    sent = [Cert(issuing.issue(["app.example.com"]).certificate, "sent", 0), Cert(issuing.certificate, "sent", 1)]
    when = dt.datetime.now(dt.UTC)
    local = await chromium_verdict(sent, anchors_of(old), when=when, host="app.example.com")
    public = await chromium_verdict(sent, anchors_of(old, known=True), when=when, host="app.example.com")
    assert local.net_error == "ERR_CERT_DATE_INVALID" and local.problems[0].index == 2
    assert public.ok  # the Chrome Root Store's anchors are trusted without their dates
    internal_leaf = Cert(issuing.issue([HOST]).certificate, "sent", 0)
    internal = await chromium_verdict([internal_leaf, sent[1]], anchors_of(old, known=True), when=when, host=HOST)
    assert internal.net_error == "ERR_CERT_NON_UNIQUE_NAME"  # a public root may not vouch for an internal name


def test_browser_anchors_mark_public_roots_known() -> None:
    public, local = CertificateAuthority.create("Public"), CertificateAuthority.create("Local")
    store = TrustStore("mozilla", "public", (), (Cert(public.certificate, "mozilla"),))
    device = TrustStore("ca_file", "--ca-file", (), (Cert(local.certificate, "ca_file"), Cert(public.certificate)))
    anchors = browser_anchors(store, [device])
    assert [(a.cert.subject, a.known) for a in anchors.anchors] == [("CN=Public,O=login-doctor lab", True),
                                                                    ("CN=Local,O=login-doctor lab", False)]


# ------------------------------------------------------------------ DER and AIA answers


def test_the_der_reader_splits_a_certificate_and_refuses_garbage() -> None:
    cert = CertificateAuthority.create().certificate
    raw = RawCertificate.parse(der(cert))
    assert raw.version == 2 and raw.outer_algorithm == raw.inner_algorithm
    assert {e.oid for e in raw.extensions} == {"2.5.29.19", "2.5.29.15", "2.5.29.14"}
    assert oid_text(bytes.fromhex("2a864886f70d01010b")) == "1.2.840.113549.1.1.11"
    for garbage in (b"", b"\x30", b"\x30\x81\x05abc", b"\x30\x02\x01"):
        with pytest.raises(ValueError):
            read(garbage)


def test_aia_answers_are_read_as_chromium_reads_them() -> None:
    ca = CertificateAuthority.create()
    one = der(ca.certificate)
    pem = ca.cert_pem() + CertificateAuthority.create("Other").cert_pem()
    assert [c.subject for c in certificates_in(one)] == [ca.certificate.subject]
    assert len(certificates_in(pem)) == 1  # Chromium takes the first PEM certificate only
    assert certificates_in(b"<html>not a certificate</html>") == []


async def test_a_private_root_for_a_site_that_is_not_official_warns_instead_of_failing(tmp_path: Path) -> None:
    """Interception fails the check for the vendor's public site; elsewhere it may be the company's own CA."""
    from checks.certificate import CertificateCheck
    from diagnose.check import CheckContext, SystemClock
    from diagnose.lab.scenario import SIGNIN_PATH, Lab, signin_app
    from diagnose.session import make_target

    async with Lab() as lab:
        private = CertificateAuthority.create("Corp Internal Root", organization="Example Corp")
        host = "intranet.corp.example"
        server = await lab.https(signin_app(), issued=private.issue([host]))
        dns = await lab.dns({host: ["127.0.0.1"]})
        run = lab.run(f"https://{host}:{server.port}{SIGNIN_PATH}", dns=dns, profile=lab.profile())
        run.net.system_trust = (private.write_pem(lab.dir / "corp-root.pem"),)
        outcome = await CertificateCheck().run(CheckContext(
            target=make_target(run.url, run.profile), profile=run.profile, settings=run.settings, net=run.net,
            clock=SystemClock()))
    [finding] = [f for f in outcome.findings if f.code == "certificate.intercepted"]
    assert finding.severity == "medium" and finding.evidence["official_site"] is False
    assert "organisation's own certificate authority" in finding.message
    assert outcome.resolved_status() is Status.WARN
