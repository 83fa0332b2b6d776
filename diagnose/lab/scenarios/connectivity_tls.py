"""Connectivity scenarios about the port and the TLS handshake, measured against what Chromium does.

Each server here reproduces one way a handshake goes wrong (or right, but
slowly or on obsolete settings); real Chromium 156 loads every one of them in
``tests/differential/test_connectivity.py``. Servers that must refuse a
handshake send the TLS alert a real server sends (:func:`~diagnose.lab.tlsfaults.tls_with_alerts`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import ssl
import warnings
from collections.abc import AsyncIterator
from typing import Any

from diagnose.lab.scenario import Lab, LabRun, scenario, signin_app
from diagnose.lab.scenarios.connectivity import (
    CONNECTIVITY,
    FAIL,
    HOST,
    WARN,
    plain_http_server,
    signin_site,
    signin_url,
    with_probe,
    zone,
)
from diagnose.lab.servers import LabServer, reset_immediately, server_context
from diagnose.lab.tlsfaults import slow_handshake, tls_with_alerts
from diagnose.net.chromium import FIREFOX_ONLY_UNSAFE_PORTS

SLOW_HANDSHAKE_S = 8.0
"""How long the slow server sits on each handshake: the issue's 8 s (Chromium waits up to 30 s)."""

SLOW_DEADLINE = 30.0
"""Run deadline of the slow scenario: room for the handshake and the page request's own (slow) one."""

HUGE_CHAIN = 1000
"""Certificates the hostile server sends (issue 15): ~280 KB, almost three times the browser's limit."""


async def _alerting(lab: Lab, **tls: Any) -> LabServer:
    """The sign-in app behind a TLS server limited by ``tls`` that sends alerts on failure."""

    def context() -> ssl.SSLContext:
        with warnings.catch_warnings():  # TLS 1.0/1.1 servers are meant to be outdated here
            warnings.simplefilter("ignore", DeprecationWarning)
            return server_context(lab.issue([HOST], key_type="rsa"), **tls)

    # An RSA key (static-RSA key exchange needs one) takes CPU: off the event loop other scenarios share.
    made = await asyncio.to_thread(context)
    holder: list[LabServer] = []
    server: LabServer = await lab.enter(LabServer(raw=tls_with_alerts(made, signin_app(), lambda: holder[0].port)))
    holder.append(server)
    return server


# ----------------------------------------------------------------------------- port


@scenario(
    "unsafe-port",
    "The sign-in address names port 6666, which browsers refuse before connecting (ERR_UNSAFE_PORT): "
    "the check must fail without sending a packet.",
    expect=FAIL,
    codes=["connectivity.unsafe_port"],
    area="connectivity",
)
async def unsafe_port(lab: Lab) -> AsyncIterator[LabRun]:
    dns = await lab.dns(zone(["127.0.0.1"]))
    run = lab.run(signin_url(6666), dns=dns, only=CONNECTIVITY)
    run.observed["dns_queries"] = dns.queries
    yield run


@scenario(
    "firefox-only-port",
    "The sign-in site runs on port 6679 (or 4190), which Firefox refuses and Chrome and Edge open: a warning.",
    expect=WARN,
    codes=["connectivity.port_blocked_by_firefox"],
    area="connectivity",
)
async def firefox_only_port(lab: Lab) -> AsyncIterator[LabRun]:
    # The one place the lab binds a fixed port: the behaviour exists only on these two ports.
    # They are above 1024 and unassigned on a test machine; if both are taken the scenario says so.
    server = None
    for port in sorted(FIREFOX_ONLY_UNSAFE_PORTS, reverse=True):
        try:
            server = await lab.https(signin_app(), names=[HOST], port=port)
            break
        except OSError:
            continue
    if server is None:
        raise OSError(f"ports {sorted(FIREFOX_ONLY_UNSAFE_PORTS)} are both in use on 127.0.0.1")
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(server.port), dns=dns, only=CONNECTIVITY)


# ----------------------------------------------------------------------------- failures


@scenario(
    "tls-reset",
    "The TCP connection opens, then the TLS handshake is reset (as filtering firewalls do).",
    expect=FAIL,
    codes=["connectivity.tls_handshake_failed"],
    area="connectivity",
)
async def tls_reset(lab: Lab) -> AsyncIterator[LabRun]:
    server = await lab.enter(LabServer(raw=reset_immediately))
    yield await with_probe(lab, {}, signin_url(server.port))


@scenario(
    "tls-not-tls",
    "Plain HTTP answers on the https port, so no TLS handshake is possible.",
    expect=FAIL,
    codes=["connectivity.tls_handshake_failed"],
    area="connectivity",
)
async def tls_not_tls(lab: Lab) -> AsyncIterator[LabRun]:
    server = await lab.enter(LabServer(raw=plain_http_server))
    yield await with_probe(lab, {}, signin_url(server.port))


@scenario(
    "tls-protocol-too-old",
    "The server only offers TLS 1.0 and 1.1 (with weak ciphers), which current browsers refuse.",
    expect=FAIL,
    codes=["connectivity.tls_protocol_too_old"],
    area="connectivity",
)
async def tls_protocol_too_old(lab: Lab) -> AsyncIterator[LabRun]:
    server = await _alerting(lab, minimum_version=ssl.TLSVersion.TLSv1, maximum_version=ssl.TLSVersion.TLSv1_1,
                             ciphers="ALL:@SECLEVEL=0")
    yield await with_probe(lab, {}, signin_url(server.port))


@scenario(
    "tls-cbc-sha256-only",
    "The server only accepts ECDHE with AES-CBC and HMAC-SHA256 (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256), "
    "a suite BoringSSL, and so Chromium, does not have.",
    expect=FAIL,
    codes=["connectivity.tls_cipher_not_offered"],
    area="connectivity",
)
async def tls_cbc_sha256_only(lab: Lab) -> AsyncIterator[LabRun]:
    server = await _alerting(lab, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-RSA-AES128-SHA256")
    yield await with_probe(lab, {}, signin_url(server.port))


@scenario(
    "tls-huge-chain",
    f"A hostile server sends a chain of {HUGE_CHAIN} certificates (~280 KB); browsers refuse any "
    "certificate message over 100 KiB.",
    expect=FAIL,
    codes=["connectivity.tls_certificate_too_large"],
    area="connectivity",
)
async def tls_huge_chain(lab: Lab) -> AsyncIterator[LabRun]:
    issued = lab.issue([HOST])
    # ~1 s of CPU: off the event loop, which other scenarios share (the demo runs several at once)
    fillers = await asyncio.to_thread(filler_certificates, HUGE_CHAIN - len(issued.chain))
    context = await asyncio.to_thread(server_context, issued, chain=[*issued.chain[:-1], *fillers])
    server: LabServer = await lab.enter(LabServer(signin_app(), tls=context))
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(server.port), dns=dns, only=CONNECTIVITY)


@functools.cache
def filler_certificates(count: int) -> tuple[Any, ...]:
    """``count`` small self-signed certificates (one key, distinct names), made once per process."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    from diagnose.lab.pki import new_key, now

    key = new_key()
    start = now() - dt.timedelta(days=1)
    out = []
    for index in range(count):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"filler {index}")])
        out.append(x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(index + 1).not_valid_before(start).not_valid_after(start + dt.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    return tuple(out)


# ----------------------------------------------------------------------------- works, with a warning


@scenario(
    "tls-slow-handshake",
    f"Every TLS handshake takes {SLOW_HANDSHAKE_S:g} s (an overloaded server or filter). Chromium waits up to "
    "30 s and loads the page: a warning with the measured time, not a failure.",
    expect=WARN,
    codes=["connectivity.tls_slow_handshake"],
    area="connectivity",
    demo=False,
)
async def tls_slow_handshake(lab: Lab) -> AsyncIterator[LabRun]:
    healthy = await signin_site(lab)
    slow: LabServer = await lab.enter(LabServer(raw=slow_handshake(healthy.port, SLOW_HANDSHAKE_S)))
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(slow.port), dns=dns, only=CONNECTIVITY, timeout=SLOW_DEADLINE)


@scenario(
    "tls-rsa-key-exchange",
    "The server only offers static-RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256). Chromium still "
    "offers it and loads the page, but calls the key exchange obsolete: a warning naming the suite.",
    expect=WARN,
    codes=["connectivity.tls_obsolete"],
    area="connectivity",
)
async def tls_rsa_key_exchange(lab: Lab) -> AsyncIterator[LabRun]:
    server = await _alerting(lab, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-GCM-SHA256")
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(server.port), dns=dns, only=CONNECTIVITY)


@scenario(
    "tls-cbc-sha1",
    "The server only offers ECDHE with AES-CBC and HMAC-SHA1 (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA): Chromium "
    "connects, but calls the cipher obsolete.",
    expect=WARN,
    codes=["connectivity.tls_obsolete"],
    area="connectivity",
)
async def tls_cbc_sha1(lab: Lab) -> AsyncIterator[LabRun]:
    server = await _alerting(lab, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-RSA-AES128-SHA")
    dns = await lab.dns(zone(["127.0.0.1"]))
    yield lab.run(signin_url(server.port), dns=dns, only=CONNECTIVITY)
