"""Run the whole ``certificate`` check on one x509-limbo case (tests/suites/data/x509-limbo), or any chain.

The case's chain is what the server "sends" (:class:`LimboNet.fetch_chain`,
leaf then the untrusted intermediates in order), its trusted certificates are
the ``--ca-file`` anchors (roots installed on the device, as an admin would
install a private root), the device store holds nothing else, every HTTP fetch
(AIA, OCSP, CRL) is refused at once, and the device clock reads the case's
validation time (or now). The check runs exactly as in a real diagnosis.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.certificate import CertificateCheck
from diagnose.check import CheckContext, Outcome
from diagnose.model import Finding, Target
from diagnose.net import ChainFetch, Net
from diagnose.net.dns import Lookup
from diagnose.profiles import load_profile
from diagnose.settings import Settings
from tests.suites.x509_limbo import LimboCase


class _FixedClock:
    def __init__(self, when: float) -> None:
        self._when = when

    def time(self) -> float:
        return self._when

    def monotonic(self) -> float:
        return time.monotonic()


class LimboNet(Net):
    """A :class:`Net` that serves one case's chain and refuses every other request."""

    def __init__(self, settings: Settings, chain: tuple[bytes, ...]) -> None:
        super().__init__(settings, proxy_env={}, system_trust=())
        self.chain = chain

    async def lookup(self, host: str, port: int) -> Lookup:
        return Lookup("limbo", host, ("127.0.0.1",))

    async def fetch_chain(self, address: str, port: int, server_name: str, timeout: float = 0) -> ChainFetch:
        return ChainFetch(address, port, server_name, True, self.chain, version="TLSv1.3")

    def http_client(self, **_: Any) -> Any:
        import httpx

        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("no network in the limbo test", request=request)

        return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


@dataclass(frozen=True)
class LimboResult:
    case: LimboCase
    status: str
    """pass, warn, fail or error."""
    findings: tuple[Finding, ...]
    chromium_error: str | None

    @property
    def verdict(self) -> str:
        """SUCCESS when the check lets the sign-in go ahead (pass or warn), FAILURE when it fails."""
        return "FAILURE" if self.status == "fail" else "SUCCESS"

    def advice(self) -> set[str]:
        return {str(f.evidence.get("rule_id")) for f in self.findings if f.code == "certificate.advice"}


def limbo_host(case: LimboCase) -> str:
    if case.expected_peer_name is not None:
        value = case.expected_peer_name.value
        return f"[{value}]" if ":" in value else value
    return "example.com"  # rfc5280::nc::permitted-dn-match names no peer; its leaf is for example.com


def _der(pem: str) -> bytes:
    """DER bytes of a PEM certificate, without parsing it (some cases break rules cryptography warns about)."""
    import ssl

    return ssl.PEM_cert_to_DER_cert(pem)


async def judge_case(case: LimboCase, workdir: Path) -> LimboResult:
    """The certificate check's outcome for ``case``."""
    anchors = workdir / f"{case.id.replace(':', '_')}.pem"
    anchors.write_text("".join(case.trusted_certs), "ascii")
    chain = (_der(case.peer_certificate), *(_der(p) for p in case.untrusted_intermediates))
    when = case.validation_time or dt.datetime.now(dt.UTC)
    outcome = await judge_chain(chain, anchors, limbo_host(case), when)
    browser = outcome.details.get("browser", {})
    return LimboResult(case, outcome.resolved_status().value, outcome.findings, browser.get("net_error"))


async def judge_chain(chain: tuple[bytes, ...], anchors: Path, host: str, when: dt.datetime) -> Outcome:
    """The certificate check on ``chain`` (DER, as a server would send it) for ``host`` at ``when``,
    with the roots in the PEM file ``anchors`` as ``--ca-file`` and no network."""
    settings = Settings(ca_files=(anchors,))
    url = f"https://{host}/"
    ctx = CheckContext(target=Target(input=url, url=url, host=host.strip("[]")), profile=load_profile(),
                       settings=settings, net=LimboNet(settings, chain), clock=_FixedClock(when.timestamp()))
    return await CertificateCheck().run(ctx)
