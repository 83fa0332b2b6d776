"""Test-only plugin checks that leak on purpose (loaded through ``Environment.extra_checks``).

``leaky`` never calls ``ctx.redact``: its summary, details and finding carry
secrets in the shapes the redactor knows, as a careless third-party check
would. ``after_leaky`` depends on it, so it is skipped with a summary that
repeats ``leaky``'s. Nothing of them may reach an event, stderr, the TUI or a
report unredacted.
"""

from __future__ import annotations

from typing import ClassVar

from diagnose.check import Check, CheckContext, FindingSpec, Outcome
from diagnose.model import Severity

SECRET = "LeakySecretZq7Hn4Wx"
"""Appears only in secret-shaped places (after ``access_token=``, ``Bearer``, in user info)."""

LEAKY_TEXT = (
    f"the server said access_token={SECRET} with Authorization: Bearer {SECRET}Bb "
    f"via https://svc:{SECRET}Cc@app.test/ and {SECRET}Dd_token: x"
)


class LeakyCheck(Check):
    id = "leaky"
    title = "The leaky check passes"
    failure_title = "The leaky check fails"
    description = "Puts secrets in its summary, details and finding without redacting them."
    findings: ClassVar = {
        "leaky.failed": FindingSpec(Severity.HIGH, "It failed: {said}", "Nothing to do."),
    }

    async def run(self, ctx: CheckContext) -> Outcome:
        finding = self.finding("leaky.failed", evidence={"said": LEAKY_TEXT, "token": SECRET})
        return self.outcome(f"It failed: {LEAKY_TEXT}", [finding], {"raw": LEAKY_TEXT, "url": f"https://a/?code={SECRET}"})


class AfterLeakyCheck(Check):
    id = "after_leaky"
    title = "The check after the leaky one passes"
    failure_title = "The check after the leaky one fails"
    description = "Needs the leaky check; skipped when it fails, repeating its summary."
    requires = ("leaky",)

    async def run(self, ctx: CheckContext) -> Outcome:  # pragma: no cover - always skipped
        return self.outcome("It ran.")
