"""Certificate scenarios: one real TLS server on loopback per defect a browser rejects.

Certificates are generated at start (``cryptography``; the ``openssl`` command
for SHA-1 signatures; the server at ``@SECLEVEL=0`` for a weak key). Each
scenario names the finding codes a correct diagnosis must report. Scenarios
are about the ``certificate`` check (``only``), which also runs its
``connectivity`` dependency.

Two cases need the device's trust store: the lab cannot touch the real one,
so it hands the run a stand-in (:attr:`diagnose.net.Net.system_trust`)
holding the root an inspection product (or adware) would have installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from diagnose.lab.pki import CertificateAuthority, Issued, now, self_signed
from diagnose.lab.revocation import crl_handler, ocsp_answer, ocsp_handler, stapling_tls
from diagnose.lab.scenario import LAB_DOMAIN, SIGNIN_PATH, Lab, LabRun, scenario, signin_app
from diagnose.lab.servers import LabResponse, LabServer
from diagnose.model import Status

HOST = f"app.{LAB_DOMAIN}"
AREA = "certificate"
ONLY = ("certificate",)
FAIL = {"certificate": Status.FAIL}
WARN = {"certificate": Status.WARN}
PASS = {"certificate": Status.PASS}


async def serve(lab: Lab, issued: Issued, *, host: str = HOST, chain: Sequence[x509.Certificate] | None = None,
                names: Sequence[str] = (), system_trust: Sequence[x509.Certificate] = (),
                url_host: str | None = None, ca_files: Sequence[Path] | None = None, **tls: Any) -> LabRun:
    """Start an HTTPS sign-in server with ``issued`` and return a run for ``host`` (certificate only).

    ``ca_files`` replaces the lab root as the ``--ca-file`` anchors; ``system_trust`` adds roots to
    the simulated device store. ``observed["browser_trusts"]`` lists the roots a browser on this
    device trusts (what an admin installed), for the browser-differential tests.
    """
    server = await lab.https(signin_app(), issued=issued, chain=chain, **tls)
    zone: dict[str, Any] = {name: ["127.0.0.1"] for name in (host, *names)}
    dns = await lab.dns(zone)
    run = lab.run(f"https://{url_host or host}:{server.port}{SIGNIN_PATH}", dns=dns, only=ONLY)
    trusted = [lab.ca_file]
    if ca_files is not None:
        run.settings = replace(run.settings, ca_files=tuple(ca_files))
        run.net.settings = run.settings
        trusted = list(ca_files)
    if system_trust:
        run.net.system_trust = (write_roots(lab, system_trust),)
        trusted.append(write_pem(lab.dir / "installed-roots.pem", system_trust))
    run.observed["browser_trusts"] = trusted
    return run


def write_pem(path: Path, certificates: Sequence[x509.Certificate]) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path


def write_roots(lab: Lab, roots: Sequence[x509.Certificate]) -> Path:
    """A PEM file standing in for the device's trust store: the OS bundle plus ``roots``."""
    import ssl

    path = lab.dir / "simulated-os-store.pem"
    system = ssl.get_default_verify_paths().cafile
    base = Path(system).read_bytes() if system and Path(system).is_file() else b""
    path.write_bytes(base + b"".join(r.public_bytes(serialization.Encoding.PEM) for r in roots))
    return path


def days_from_now(n: float) -> dt.datetime:
    return now() + dt.timedelta(days=n)


# ----------------------------------------------------------------------------- healthy


@scenario("certificate-healthy", "A valid chain (leaf + intermediate, sent in order) for the right name: no finding.",
          expect=PASS, area=AREA)
async def healthy(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST, LAB_DOMAIN]))


@scenario("certificate-ip-san", "Connecting by IP address to a certificate that lists that IP address in its SAN: valid.",
          expect=PASS, area=AREA)
async def ip_san(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue(["127.0.0.1", HOST]), url_host="127.0.0.1")


# ----------------------------------------------------------------------------- dates


@scenario("certificate-expired", "The site's certificate expired yesterday.",
          expect=FAIL, codes=["certificate.expired"], area=AREA)
async def expired(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], not_before=days_from_now(-90), not_after=days_from_now(-1)))


@scenario("certificate-not-yet-valid", "The site's certificate only becomes valid in three days.",
          expect=FAIL, codes=["certificate.not_yet_valid"], area=AREA)
async def not_yet_valid(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], not_before=days_from_now(3), not_after=days_from_now(93)))


@scenario("certificate-expired-intermediate", "The site's certificate is fine, the intermediate above it expired.",
          expect=FAIL, codes=["certificate.expired"], area=AREA)
async def expired_intermediate(lab: Lab) -> AsyncIterator[LabRun]:
    old = lab.ca.intermediate("login-doctor Lab Old Issuing CA", not_before=days_from_now(-400), not_after=days_from_now(-2))
    yield await serve(lab, old.issue([HOST], not_before=days_from_now(-30), not_after=days_from_now(60)))


@scenario("certificate-expires-soon", "The certificate is valid but expires in five days.",
          expect=WARN, codes=["certificate.expires_soon"], area=AREA)
async def expires_soon(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], not_before=days_from_now(-80), not_after=days_from_now(5)))


@scenario("certificate-clock-ahead",
          "The certificate is valid, but this device's clock runs 400 days ahead, so it looks expired.",
          expect=FAIL, codes=["certificate.expired"], area=AREA)
async def clock_ahead(lab: Lab) -> AsyncIterator[LabRun]:
    run = await serve(lab, lab.issue([HOST]))
    run.clock = OffsetClock(400 * 86400)
    yield run


class OffsetClock:
    """A device clock that is ``offset`` seconds off (positive: ahead)."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def time(self) -> float:
        import time

        return time.time() + self.offset

    def monotonic(self) -> float:
        import time

        return time.monotonic()


# ----------------------------------------------------------------------------- names


@scenario("certificate-wrong-host", "The certificate is for another name (www.example-lab.test).",
          expect=FAIL, codes=["certificate.hostname_mismatch"], area=AREA)
async def wrong_host(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue(["www.example-lab.test", "example-lab.test"]))


@scenario("certificate-wildcard-two-labels",
          f"A wildcard *.{LAB_DOMAIN} does not cover eu.app.{LAB_DOMAIN} (two labels).",
          expect=FAIL, codes=["certificate.hostname_mismatch"], area=AREA)
async def wildcard_two_labels(lab: Lab) -> AsyncIterator[LabRun]:
    host = f"eu.app.{LAB_DOMAIN}"
    yield await serve(lab, lab.issue([f"*.{LAB_DOMAIN}"]), host=host)


@scenario("certificate-no-san", "The certificate names the site only in its common name (no SAN); Python accepts it, browsers do not.",
          expect=FAIL, codes=["certificate.no_san"], area=AREA)
async def no_san(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST], include_san=False))


@scenario("certificate-expired-wrong-host", "Expired and for another name: both are reported.",
          expect=FAIL, codes=["certificate.expired", "certificate.hostname_mismatch"], area=AREA)
async def expired_wrong_host(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue(["other.example-lab.test"], not_before=days_from_now(-100), not_after=days_from_now(-10)))


# ----------------------------------------------------------------------------- trust


@scenario("certificate-self-signed", "The server presents a self-signed certificate.",
          expect=FAIL, codes=["certificate.self_signed"], area=AREA)
async def self_signed_leaf(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, self_signed([HOST]))


@scenario("certificate-untrusted-root", "The chain (leaf, intermediate, root) ends at a root nobody trusts.",
          expect=FAIL, codes=["certificate.untrusted_root"], area=AREA)
async def untrusted_root(lab: Lab) -> AsyncIterator[LabRun]:
    stranger = CertificateAuthority.create("Untrusted Lab Root CA", organization="Nobody Trusts Me")
    issuing = stranger.intermediate("Untrusted Lab Issuing CA", organization="Nobody Trusts Me")
    issued = issuing.issue([HOST])
    yield await serve(lab, issued, chain=[issuing.certificate, stranger.certificate])


@scenario("certificate-path-length",
          "A sub-CA below an intermediate that allows none (pathLenConstraint 0): only the verifier sees it.",
          expect=FAIL, codes=["certificate.verification_failed"], area=AREA)
async def path_length(lab: Lab) -> AsyncIterator[LabRun]:
    lower = lab.intermediate.intermediate("login-doctor Lab Forbidden Sub-CA")
    yield await serve(lab, lower.issue([HOST]), chain=[lower.certificate, lab.intermediate.certificate])


@scenario("certificate-incomplete-chain",
          "The server sends only its own certificate, and the certificate does not say where its issuer is.",
          expect=FAIL, codes=["certificate.incomplete_chain"], area=AREA)
async def incomplete_chain(lab: Lab) -> AsyncIterator[LabRun]:
    yield await serve(lab, lab.issue([HOST]), chain=[])


@scenario("certificate-incomplete-chain-aia",
          "The server sends only its own certificate; the missing intermediate can be downloaded from the AIA address.",
          expect=WARN, codes=["certificate.incomplete_chain"], area=AREA)
async def incomplete_chain_aia(lab: Lab) -> AsyncIterator[LabRun]:
    der = lab.intermediate.certificate.public_bytes(serialization.Encoding.DER)
    repo = await lab.http(lambda _r: LabResponse(200, [("Content-Type", "application/pkix-cert")], der))
    aia = f"http://ca.{LAB_DOMAIN}:{repo.port}/issuing-ca.cer"
    yield await serve(lab, lab.issue([HOST], aia_ca_issuers_url=aia), chain=[], names=[f"ca.{LAB_DOMAIN}"])


@scenario("certificate-misordered-chain",
          "The chain is complete but sent out of order (leaf, then the upper intermediate, then the lower one).",
          expect=WARN, codes=["certificate.chain_misordered"], area=AREA)
async def misordered_chain(lab: Lab) -> AsyncIterator[LabRun]:
    upper = lab.ca.intermediate("login-doctor Lab Policy CA", path_length=1)
    lower = upper.intermediate("login-doctor Lab Sub-Issuing CA")
    issued = lower.issue([HOST])
    yield await serve(lab, issued, chain=[upper.certificate, lower.certificate])


@scenario("certificate-intercepted",
          "HTTPS inspection: the device trusts a Zscaler root that signs a certificate for the site.",
          expect=FAIL, codes=["certificate.intercepted"], area=AREA)
async def intercepted(lab: Lab) -> AsyncIterator[LabRun]:
    proxy = CertificateAuthority.create("Zscaler Root CA", organization="Zscaler Inc.")
    issuing = proxy.intermediate("Zscaler Intermediate Root CA (zscaler.net)", organization="Zscaler Inc.")
    yield await serve(lab, issuing.issue([HOST]), system_trust=[proxy.certificate])


@scenario("certificate-intercepted-unknown",
          "Interception by an unknown product: a root installed on the device, not public, signs for the site.",
          expect=FAIL, codes=["certificate.intercepted"], area=AREA)
async def intercepted_unknown(lab: Lab) -> AsyncIterator[LabRun]:
    proxy = CertificateAuthority.create("Contoso Web Gateway Root", organization="Contoso Ltd")
    yield await serve(lab, proxy.issue([HOST]), system_trust=[proxy.certificate])


@scenario("certificate-known-bad-root",
          "The device trusts a root named like Superfish's (whose private key is public), and it signs for the site.",
          expect=FAIL, codes=["certificate.known_bad_root"], area=AREA)
async def known_bad_root(lab: Lab) -> AsyncIterator[LabRun]:
    fish = CertificateAuthority.create("Superfish, Inc.", organization="Superfish, Inc.")
    yield await serve(lab, fish.issue([HOST]), system_trust=[fish.certificate])


# ----------------------------------------------------------------------------- crypto


@scenario("certificate-weak-key", "The site's certificate has a 768-bit RSA key: under Chromium's floor of 1024 "
          "bits (made with the openssl command; server at security level 0).",
          expect=FAIL, codes=["certificate.weak_key"], area=AREA)
async def weak_key(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([HOST], key=rsa_key(768))
    yield await serve(lab, issued, ciphers="DEFAULT:@SECLEVEL=0")


@scenario("certificate-weak-signature", "The site's certificate is signed with SHA-1 (made with the openssl command).",
          expect=FAIL, codes=["certificate.weak_signature"], area=AREA)
async def weak_signature(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([HOST], hash_algorithm=hashes.SHA1())
    yield await serve(lab, issued, ciphers="DEFAULT:@SECLEVEL=0")


_RSA_KEYS: dict[int, Any] = {}


def rsa_key(bits: int) -> Any:
    """An RSA key of ``bits``, made once per process (RSA generation is slow; tests share it)."""
    from diagnose.lab.pki import new_key, small_rsa_key

    if bits not in _RSA_KEYS:
        _RSA_KEYS[bits] = small_rsa_key(bits) if bits < 1024 else new_key("rsa", bits)
    return _RSA_KEYS[bits]


# ----------------------------------------------------------------------------- revocation


@scenario("certificate-revoked-crl", "The certificate is listed in its issuer's CRL (served over HTTP on loopback).",
          expect=FAIL, codes=["certificate.revoked"], area=AREA)
async def revoked_crl(lab: Lab) -> AsyncIterator[LabRun]:
    revoked: list[x509.Certificate] = []
    crl = await lab.http(lambda r: crl_handler(lab.intermediate, revoked)(r))
    issued = lab.issue([HOST], crl_url=f"http://crl.{LAB_DOMAIN}:{crl.port}/issuing.crl")
    revoked.append(issued.certificate)
    yield await serve(lab, issued, names=[f"crl.{LAB_DOMAIN}"])


@scenario("certificate-revoked-ocsp", "The issuer's OCSP responder (on loopback) says the certificate is revoked.",
          expect=FAIL, codes=["certificate.revoked"], area=AREA)
async def revoked_ocsp(lab: Lab) -> AsyncIterator[LabRun]:
    serials: set[int] = set()
    responder = await lab.http(ocsp_handler(lab.intermediate, lambda serial: serial in serials))
    issued = lab.issue([HOST], ocsp_url=f"http://ocsp.{LAB_DOMAIN}:{responder.port}")
    serials.add(issued.certificate.serial_number)
    yield await serve(lab, issued, names=[f"ocsp.{LAB_DOMAIN}"])


@scenario("certificate-good-ocsp-crl", "The certificate names an OCSP responder and a CRL; both say it is good.",
          expect=PASS, area=AREA)
async def good_ocsp_crl(lab: Lab) -> AsyncIterator[LabRun]:
    responder = await lab.http(ocsp_handler(lab.intermediate, lambda _serial: False))
    crl = await lab.http(crl_handler(lab.intermediate, []))
    issued = lab.issue([HOST], ocsp_url=f"http://ocsp.{LAB_DOMAIN}:{responder.port}",
                       crl_url=f"http://crl.{LAB_DOMAIN}:{crl.port}/issuing.crl")
    yield await serve(lab, issued, names=[f"ocsp.{LAB_DOMAIN}", f"crl.{LAB_DOMAIN}"])


@scenario("certificate-revoked-stapled", "The server staples an OCSP response, signed by the issuer, saying it is revoked.",
          expect=FAIL, codes=["certificate.revoked"], area=AREA)
async def revoked_stapled(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([HOST])
    staple = ocsp_answer(lab.intermediate, issued.certificate, revoked=True)
    server = await lab.enter(LabServer(raw=stapling_tls(issued, staple, signin_app())))
    dns = await lab.dns({HOST: ["127.0.0.1"]})
    yield lab.run(f"https://{HOST}:{server.port}{SIGNIN_PATH}", dns=dns, only=ONLY)
