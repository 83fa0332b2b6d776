"""Missing issuers downloaded from AIA caIssuers addresses, as Chromium on Linux does.

``net/cert/internal/cert_issuer_source_aia.cc`` and
``net/cert_net/cert_net_fetcher_url_request.cc``: only ``http://`` addresses
(https could depend on the very chain being verified), at most 5 addresses
per certificate, GET only, a 64 KiB answer, 10 seconds each. The answer is
read as one DER certificate, else a PKCS#7 "certs-only" bundle, else the first
PEM certificate. Chromium asks only when the certificates the server sent and
the trust store offer no way up (:class:`~checks._certificate.pathbuild.NeedAia`).

Everything goes through the run's :class:`~diagnose.net.Net` HTTP client
(:func:`~checks._certificate.fetch.http_get`), so ``--resolve`` pins and the
lab's DNS apply and nothing leaves the lab. Every attempt is recorded for the
report (``details.aia``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from checks._certificate.describe import Cert, load_der
from checks._certificate.state import CertificateRun

AIA_LIMIT = 64 * 1024
AIA_TIMEOUT = 10.0
MAX_URLS_PER_CERTIFICATE = 5


class AiaFetcher:
    """Fetches the issuers a certificate's AIA names, within the run's time; remembers every attempt."""

    def __init__(self, run: CertificateRun) -> None:
        self.run = run
        self.attempts: list[dict[str, Any]] = []

    async def __call__(self, cert: Cert) -> Sequence[Cert]:
        from checks._certificate.fetch import http_get

        found: list[Cert] = []
        urls = cert.urls(AuthorityInformationAccessOID.CA_ISSUERS)[:MAX_URLS_PER_CERTIFICATE]
        for url in urls:
            attempt: dict[str, Any] = {"for": cert.subject, "url": url}
            self.attempts.append(attempt)
            if not url.lower().startswith("http://"):
                attempt.update(ok=False, error="browsers only download issuers over plain http://")
                continue
            budget = self.run.budget(AIA_TIMEOUT)
            if budget.exhausted:
                attempt.update(ok=False, error="no time left in this run")
                break
            seen = f"the server did not send the issuer of {cert.subject}"
            async with self.run.step("aia", f"downloading a missing intermediate certificate ({url})", seen):
                fetched = await http_get(self.run.ctx.net, url, AIA_LIMIT, timeout=budget.seconds)
            attempt.update(fetched.describe())
            certs = certificates_in(fetched.data) if fetched.ok else []
            if fetched.ok and not certs:
                attempt["error"] = "the address did not serve a certificate"
            attempt["certificates"] = [Cert(c).subject for c in certs]
            found += [Cert(c, "aia") for c in certs]
        return found


def certificates_in(data: bytes) -> list[x509.Certificate]:
    """Certificates in an AIA answer, in Chromium's order of attempts: DER, PKCS#7, then the first PEM one."""
    from cryptography.hazmat.primitives.serialization import pkcs7

    with contextlib.suppress(ValueError):
        return [load_der(data)]
    with contextlib.suppress(ValueError):
        found = list(pkcs7.load_der_pkcs7_certificates(data))
        if found:
            return found
    with contextlib.suppress(ValueError):
        return x509.load_pem_x509_certificates(data)[:1]
    return []
