"""Certificate scenarios where browsers and strict verifiers part ways: what Chromium accepts that an
RFC 5280 linter refuses, what it refuses for its own reasons, and malformed input.

Each is a real TLS server on loopback (the headline ones are in `login-doctor demo`, all are listed by
`demo --list`); the browser-differential suite
(``tests/differential/test_certificate.py``) loads every one in real Chromium
and compares its verdict with the check's. A scenario that needs its own
root (an expired one, one without keyUsage) gives it as the ``--ca-file``
anchor and lists it in ``observed["browser_trusts"]`` (what the browser trusts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from diagnose.lab.pki import CertificateAuthority, Issued
from diagnose.lab.scenario import LAB_DOMAIN, Lab, LabRun, scenario
from diagnose.lab.scenarios.certificate import AREA, FAIL, HOST, PASS, WARN, days_from_now, rsa_key, serve
from diagnose.lab.servers import LabResponse

ADVICE = "certificate.advice"

# ----------------------------------------------------------------------------- accepted by browsers


@scenario("certificate-critical-san",
          "The site's certificate marks its subjectAltName critical next to a subject, as the trustme test-CA "
          "library does: RFC 5280 / CA-B Forum say no, browsers accept it (advice only).",
          expect=PASS, codes=[ADVICE], area=AREA)
async def critical_san(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], san_critical=True))


@scenario("certificate-root-without-keyusage",
          "A private root made like a stock `openssl req -x509` (no keyUsage extension) issues the site's "
          "certificate: browsers accept it, strict verifiers do not (advice only).",
          expect=PASS, codes=[ADVICE], area=AREA)
async def root_without_keyusage(lab: Lab) -> AsyncIterator[LabRun]:
    root = CertificateAuthority.create("Home-made Root CA", organization="Example Home Lab", key_usage=False)
    yield await serve(lab, root.issue([HOST]), chain=[],
                      ca_files=[root.write_pem(lab.dir / "home-made-root.pem")])


@scenario("certificate-ca-as-leaf",
          "The server presents a CA certificate (basicConstraints CA:TRUE) as its own: Chromium accepts it, "
          "Firefox refuses it (advice, low).",
          expect=WARN, codes=[ADVICE], area=AREA)
async def ca_as_leaf(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], ca=True))


@scenario("certificate-rsa1024-local-root",
          "A 1024-bit RSA key under a root installed on the device: Chromium's floor is 1024 bits, so it signs "
          "in; Safari and OpenSSL-based apps refuse it (advice, low).",
          expect=WARN, codes=[ADVICE], area=AREA)
async def rsa1024_local_root(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], key=rsa_key(1024)), ciphers="DEFAULT:@SECLEVEL=0")


@scenario("certificate-cross-signed-dead-end",
          "The server sends two intermediates with the same name and key: the first (newer) one is cross-signed "
          "by a retired root nobody trusts, the second by the trusted root. Chromium backtracks and signs in; "
          "OpenSSL-based apps (Python) do not (advice, low).",
          expect=WARN, codes=[ADVICE], area=AREA)
async def cross_signed_dead_end(lab: Lab) -> AsyncIterator[LabRun]:
    retired = CertificateAuthority.create("login-doctor Retired Root CA")
    issuing = lab.intermediate
    dead_end = _cross_sign(issuing, retired, not_before=days_from_now(-0.5))
    yield await serve(lab, issuing.issue([HOST]), chain=[dead_end, issuing.certificate])


def _cross_sign(ca: CertificateAuthority, by: CertificateAuthority, *, not_before: object) -> x509.Certificate:
    """``ca``'s certificate again (same name and key), issued by ``by``."""
    builder = (
        x509.CertificateBuilder().subject_name(ca.certificate.subject).issuer_name(by.certificate.subject)
        .public_key(ca.key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(days_from_now(365))  # type: ignore[arg-type]
    )
    for extension in ca.certificate.extensions:
        if not isinstance(extension.value, x509.AuthorityKeyIdentifier):
            builder = builder.add_extension(extension.value, extension.critical)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(by.key.public_key()), False)
    return builder.sign(by.key, hashes.SHA256())


@scenario("certificate-underscore-host",
          f"The sign-in host has an underscore (sso_portal.{LAB_DOMAIN}) and the certificate names it: "
          "Chromium accepts such host names; strict DNS-name checks do not (advice only).",
          expect=PASS, codes=[ADVICE], area=AREA)
async def underscore_host(lab: Lab) -> AsyncIterator[LabRun]:
    host = f"sso_portal.{LAB_DOMAIN}"
    yield await serve(lab, lab.issue([host]), host=host)


@scenario("certificate-no-server-auth-eku",
          "The site's certificate has no extended key usage at all: Chromium accepts it, Safari requires "
          "serverAuth (advice, low).",
          expect=WARN, codes=[ADVICE], area=AREA, demo=False)
async def no_eku(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], extended_key_usage=None))


@scenario("certificate-long-validity-local",
          "A five-year certificate under a root installed on the device: Chromium's 398-day limit applies to "
          "public roots only; Safari refuses more than 825 days (advice, low).",
          expect=WARN, codes=[ADVICE], area=AREA, demo=False)
async def long_validity_local(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], not_before=days_from_now(-1), not_after=days_from_now(5 * 365)))


@scenario("certificate-wildcard",
          f"A wildcard *.{LAB_DOMAIN} for app.{LAB_DOMAIN}: valid.", expect=PASS, area=AREA, demo=False)
async def wildcard(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([f"*.{LAB_DOMAIN}"]))


# ----------------------------------------------------------------------------- refused by browsers


@scenario("certificate-expired-root",
          "The root installed on the device (the --ca-file anchor) expired yesterday; the intermediate and the "
          "site's certificate are current. Chromium enforces a locally trusted root's dates.",
          expect=FAIL, codes=["certificate.expired"], area=AREA)
async def expired_root(lab: Lab) -> AsyncIterator[LabRun]:
    root = CertificateAuthority.create("login-doctor Expired Root CA", not_before=days_from_now(-3650),
                                       not_after=days_from_now(-1))
    issuing = root.intermediate("login-doctor Issuing CA 2", not_before=days_from_now(-30),
                                not_after=days_from_now(300))
    yield await serve(lab, issuing.issue([HOST]), ca_files=[root.write_pem(lab.dir / "expired-root.pem")])


@scenario("certificate-name-constraints",
          "The issuing CA may only issue for names under corp.example (critical name constraints); it issued "
          f"for {HOST}.", expect=FAIL, codes=["certificate.name_constraints"], area=AREA, demo=False)
async def name_constraints(lab: Lab) -> AsyncIterator[LabRun]:
    constraint = x509.NameConstraints(permitted_subtrees=[x509.DNSName("corp.example")], excluded_subtrees=None)
    issuing = lab.ca.intermediate("login-doctor Constrained CA", extensions=[(constraint, True)])
    yield await serve(lab, issuing.issue([HOST]))


@scenario("certificate-wrong-purpose",
          "The site's certificate is for client authentication only (EKU clientAuth): not for a website.",
          expect=FAIL, codes=["certificate.wrong_purpose"], area=AREA, demo=False)
async def wrong_purpose(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], extended_key_usage=[ExtendedKeyUsageOID.CLIENT_AUTH]))


@scenario("certificate-bad-signature",
          "The site's certificate names the lab CA as its issuer, but its signature was damaged in transit "
          "(one byte changed).", expect=FAIL, codes=["certificate.bad_signature"], area=AREA, demo=False)
async def bad_signature(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([HOST])
    der = bytearray(issued.certificate.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the signature value
    broken = x509.load_der_x509_certificate(bytes(der))
    yield await serve(lab, Issued(broken, issued.key, issued.chain))


@scenario("certificate-empty-subject-noncritical-san",
          "The site's certificate has an empty subject and a subjectAltName not marked critical: Chromium "
          "refuses to read it.", expect=FAIL, codes=["certificate.malformed"], area=AREA, demo=False)
async def empty_subject_noncritical_san(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], subject=x509.Name([])))


@scenario("certificate-wildcard-public-suffix",
          "A wildcard *.test for app.test: browsers never let a wildcard stand directly under a public (or "
          "unknown) top-level suffix.", expect=FAIL, codes=["certificate.hostname_mismatch"], area=AREA, demo=False)
async def wildcard_public_suffix(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue(["*.test"], common_name="lab wildcard"), host="app.test")


@scenario("certificate-ip-not-in-san",
          "Connecting by IP address (127.0.0.1) to a certificate that only names the host.",
          expect=FAIL, codes=["certificate.hostname_mismatch"], area=AREA, demo=False)
async def ip_not_in_san(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST]), url_host="127.0.0.1")


@scenario("certificate-incomplete-chain-aia-https",
          "The missing intermediate can only be downloaded over https: browsers fetch AIA over http only, so "
          "the chain stays incomplete.", expect=FAIL, codes=["certificate.incomplete_chain"], area=AREA, demo=False)
async def incomplete_chain_aia_https(lab: Lab) -> AsyncIterator[LabRun]:
    der = lab.intermediate.certificate.public_bytes(serialization.Encoding.DER)
    repo = await lab.https(lambda _r: LabResponse(200, [("Content-Type", "application/pkix-cert")], der),
                           names=[f"ca.{LAB_DOMAIN}"])
    aia = f"https://ca.{LAB_DOMAIN}:{repo.port}/issuing-ca.cer"
    yield await serve(lab, lab.issue([HOST], aia_ca_issuers_url=aia), chain=[], names=[f"ca.{LAB_DOMAIN}"])
