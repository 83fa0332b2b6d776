"""The HTTP step: a GET of the sign-in page (no redirects followed, body capped), and the
captive-portal probe: the profile's known-answer URLs over plain HTTP."""

from __future__ import annotations

from typing import Any

from checks._connectivity.state import ConnectivityRun
from diagnose.check import Outcome
from diagnose.net import HTTP_TIMEOUT, FailureKind, Stage, classify, is_ip_literal, read_bounded, request_errors

PAGE_LIMIT = 8 * 1024
PORTAL_BODY_LIMIT = 16 * 1024
PORTAL_TIMEOUT = 4.0

_PROXY_DOWN = {
    FailureKind.REFUSED: "the connection was refused", FailureKind.UNREACHABLE: "no route to it",
    FailureKind.TIMEOUT: "no answer", FailureKind.UNRESOLVED: "its name does not resolve",
    FailureKind.RESET: "the connection was reset",
}
"""Through a proxy, the client only ever connects to the proxy: these at connect time mean it is down
(Chromium: ``ERR_PROXY_CONNECTION_FAILED``)."""


async def http(run: ConnectivityRun, proxy: str | None) -> Outcome:
    """Request the sign-in page and judge the answer.

    After a slow handshake the request's own connection is as slow to set up:
    it gets the time the handshake took on top of its own limit (the browser
    waits up to 30 s for it).
    """
    budget = run.budget(HTTP_TIMEOUT + run.slow_handshake_s)
    patience = budget.seconds if run.slow_handshake_s else None
    title = "the request for the sign-in page" + (" through the proxy" if proxy else "")
    seen = _seen_before_http(run, proxy)
    if budget.exhausted:
        raise run.out_of_time("http_request", title, seen)
    try:
        async with run.step("http_request", title, seen), \
                run.net.http_client(verify=True, proxy=proxy, timeout=budget.seconds,
                                    connect_timeout=patience) as client:
            response = await client.send(client.build_request("GET", run.url), stream=True)
            body = await read_bounded(response, PAGE_LIMIT)
    except request_errors() as exc:
        failure = classify(exc)
        if failure.kind is FailureKind.TIMEOUT and budget.cut:
            raise run.out_of_time(
                "http_request", title, f"{seen}; no complete answer within {budget.seconds:.1f} s"
            ) from None
        if proxy and failure.stage is Stage.CONNECT and failure.kind in _PROXY_DOWN:
            run.add("connectivity.proxy_unreachable", proxy=run.ctx.redact.url(proxy), error=failure.kind.value,
                    detail=f"{_PROXY_DOWN[failure.kind]}: {run.ctx.redact.text(_exc_text(failure.detail))}")
            return run.failed()
        return await _request_failed(run, proxy, failure.kind, failure.detail)
    return await _answered(run, proxy, response, len(body.data), body.truncated)


def _seen_before_http(run: ConnectivityRun, proxy: str | None) -> str:
    if proxy:
        return f"the proxy {run.ctx.redact.url(proxy)} is in use"
    if run.connected:
        return f"TCP{' and TLS' if run.scheme == 'https' else ''} to {run.connected[0].address} worked"
    return f"{run.host} is reachable"


async def _request_failed(run: ConnectivityRun, proxy: str | None, kind: FailureKind, detail: str) -> Outcome:
    redact = run.ctx.redact
    if kind is FailureKind.PROXY_AUTH:
        run.add("connectivity.http_proxy_auth_required", proxy=redact.url(proxy or ""), status_code=407)
    elif kind is FailureKind.PROXY:
        run.add("connectivity.http_failed", detail=redact.text(f"the proxy failed: {detail}"))
    elif kind is FailureKind.CERTIFICATE:
        run.details["http"] = {"skipped": "certificate not trusted"}
        run.add("connectivity.http_not_verified", detail=redact.text(detail))
        await portal_probe(run)
        if not run.has("connectivity.http_captive_portal"):
            return run.done(
                f"{run.host} is reachable; its certificate is not trusted by this device (see the certificate check)."
            )
    else:
        run.add("connectivity.http_failed", detail=redact.text(_exc_text(detail)))
    return run.failed()


async def _answered(run: ConnectivityRun, proxy: str | None, response: Any, size: int, truncated: bool) -> Outcome:
    redact = run.ctx.redact
    location = response.headers.get("location")
    # What the server said, redacted as it is captured: a non-standard reason phrase is removed
    # whole (clients ignore it, and a server may put a session id there), Server as free text.
    reason = redact.reason_phrase(response.reason_phrase)
    server = redact.header("Server", response.headers["server"]) if "server" in response.headers else None
    run.details["http"] = {
        "status_code": response.status_code,
        "reason": reason,
        "http_version": response.http_version,
        "location": redact.url(location) if location else None,
        "server": server,
        "body_bytes_read": size,
        "body_truncated": truncated,
    }
    code = response.status_code
    if code == 407:
        run.add("connectivity.http_proxy_auth_required", proxy=redact.url(proxy or "(transparent proxy)"),
                status_code=code)
    elif code >= 500:
        run.add("connectivity.http_server_error", status_code=code, reason=reason, server=server)
    elif 300 <= code < 400 and location and is_portal_redirect(run, location):
        await portal_probe(run, hint=location)
    if run.failing():
        return run.failed()
    return run.done(f"{run.host} is reachable: the sign-in page answered {code} {reason}.".replace(" .", "."))


def is_portal_redirect(run: ConnectivityRun, location: str) -> bool:
    """A redirect to a plain-http, non-official host is how captive portals answer."""
    import ada_url

    try:
        target = ada_url.URL(location, run.url)
    except ValueError:
        return False
    host = target.hostname.lower().strip("[]")
    official = any(host == d or host.endswith("." + d) for d in run.ctx.profile.official_domains)
    return not official and host != run.host and (target.protocol == "http:" or is_ip_literal(host))


async def portal_probe(run: ConnectivityRun, hint: str | None = None) -> None:
    """Fetch the profile's known-answer URLs over plain HTTP; a different answer is a captive portal."""
    probes = run.ctx.profile.section("connectivity").get("captive_portal_probes", [])
    results: list[dict[str, Any]] = []
    run.details["captive_portal_probes"] = results
    for probe in probes:
        if await _one_portal_probe(run, probe, results, hint):
            break


async def _one_portal_probe(run: ConnectivityRun, probe: Any, results: list[dict[str, Any]], hint: str | None
                            ) -> bool:
    """Ask one known-answer URL; True when it settled the question (genuine, or a portal)."""
    import ada_url

    url = str(probe.get("url", ""))
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return False
    title, seen = f"the captive-portal check ({url})", _seen_before_portal(run)
    budget = run.budget(PORTAL_TIMEOUT)
    async with run.step("captive_portal_probe", title, seen):
        lookup = await run.net.lookup(parsed.hostname, int(parsed.port) if parsed.port else 80)
        if not lookup.ok:
            results.append({"url": url, "result": "name not resolved"})
            return False
        if budget.exhausted:
            raise run.out_of_time("captive_portal_probe", title, seen)
        try:
            async with run.net.http_client(verify=False, timeout=budget.seconds) as client:
                response = await client.send(client.build_request("GET", url), stream=True)
                body = await read_bounded(response, PORTAL_BODY_LIMIT)
        except request_errors() as exc:
            if budget.cut and classify(exc).kind is FailureKind.TIMEOUT:
                raise run.out_of_time("captive_portal_probe", title, seen) from None
            results.append({"url": url, "result": f"failed: {type(exc).__name__}"})
            return False
    return _judge_portal_answer(run, probe, url, response, body.data, results, hint)


def _judge_portal_answer(run: ConnectivityRun, probe: Any, url: str, response: Any, data: bytes,
                         results: list[dict[str, Any]], hint: str | None) -> bool:
    expected_status = int(probe.get("expect_status", 200))
    expected_body = probe.get("expect_body")
    text = data.decode("utf-8", "replace")
    genuine = response.status_code == expected_status and (expected_body is None or str(expected_body) in text)
    location = response.headers.get("location")
    results.append(
        {
            "url": url,
            "status_code": response.status_code,
            "location": run.ctx.redact.url(location) if location else None,
            "result": "expected answer" if genuine else "unexpected answer",
        }
    )
    if not genuine:
        run.add(
            "connectivity.http_captive_portal",
            portal=run.ctx.redact.url(location or hint or url),
            probe=url,
            status_code=response.status_code,
        )
    return True


def _seen_before_portal(run: ConnectivityRun) -> str:
    if run.findings:
        return run.by_severity()[0].message.rstrip(".")
    return f"{run.host} answered"


def _exc_text(detail: str) -> str:
    # Messages end with their own full stop ("...failed: {detail}."), so drop the exception's.
    text = detail.rstrip(".")
    return text if len(text) < 300 else text[:297] + "..."
