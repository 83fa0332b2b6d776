"""Test-only plugin checks for the canary test (loaded through ``Environment.extra_checks``).

``capture`` records a response the way a HAR-like check does (the redirects
check records cookies and headers like this): every header through
``ctx.redact.headers`` and the body through ``ctx.redact.text``. ``crash``
raises an exception whose message is full of secrets, as a buggy check might.
"""

from __future__ import annotations

from typing import ClassVar

from diagnose.check import Check, CheckContext, FindingSpec, Outcome
from diagnose.model import Severity
from diagnose.net import read_bounded

CAPTURE_PATH = "/capture"


class CaptureCheck(Check):
    id = "capture"
    title = "The capture page answers"
    failure_title = "The capture page does not answer"
    description = "Fetches a page and records its headers and body as evidence (redacted)."
    findings: ClassVar = {
        "capture.cookies_set": FindingSpec(Severity.LOW, "The page set {count} cookies.", "Nothing to do."),
    }

    async def run(self, ctx: CheckContext) -> Outcome:
        base = ctx.target.url.split("/users/")[0]
        async with ctx.net.http_client() as client:
            response = await client.send(client.build_request("GET", base + CAPTURE_PATH), stream=True)
            body = await read_bounded(response, 16 * 1024)
        headers = ctx.redact.headers(response.headers)
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        return self.outcome(
            f"The capture page answered {response.status_code}.",
            [self.finding("capture.cookies_set", evidence={"count": len(cookies), "set_cookie": cookies})],
            {"headers": headers, "body": ctx.redact.text(body.data.decode("utf-8", "replace"))},
        )


class CrashCheck(Check):
    id = "crash"
    title = "The crashing check decides"
    failure_title = "The crashing check does not decide"
    description = "Raises an exception whose message holds secrets."
    secret_message: ClassVar[str] = ""

    async def run(self, ctx: CheckContext) -> Outcome:
        raise RuntimeError(self.secret_message)
