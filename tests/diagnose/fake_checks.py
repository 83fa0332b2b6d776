"""Checks used by the engine tests: each one does one thing the runner must handle."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import ClassVar

from diagnose.check import Check, CheckContext, FindingSpec, Outcome
from diagnose.model import CheckResult, Severity, Status

CATALOGUE = {
    "alpha.broken": FindingSpec(Severity.HIGH, "Alpha is broken on {host}.", "Fix alpha."),
    "alpha.meh": FindingSpec(Severity.MEDIUM, "Alpha is so-so.", "Tune alpha."),
}


class Alpha(Check):
    id = "alpha"
    title = "Alpha works"
    failure_title = "Alpha does not work"
    description = "Fails when the target host is 'bad.test'."
    findings = CATALOGUE
    delay = 0.2

    async def run(self, ctx: CheckContext) -> Outcome:
        await asyncio.sleep(self.delay)
        if ctx.target.host == "bad.test":
            return self.outcome("Alpha failed.", [self.finding("alpha.broken", evidence={"host": ctx.target.host})])
        return self.outcome("Alpha is fine.")


class Beta(Check):
    id = "beta"
    title = "Beta works"
    failure_title = "Beta does not work"
    description = "Independent of alpha; sleeps as long."
    delay = 0.2

    async def run(self, ctx: CheckContext) -> Outcome:
        await asyncio.sleep(self.delay)
        return self.outcome("Beta is fine.")


class NeedsAlpha(Check):
    id = "needs_alpha"
    title = "Needs alpha"
    failure_title = "Needs alpha (failed)"
    description = "Reads alpha's result."
    requires = ("alpha",)

    async def run(self, ctx: CheckContext) -> Outcome:
        alpha = ctx.result("alpha")
        assert alpha is not None
        return self.outcome(f"alpha said {alpha.status.value}", details={"saw": sorted(ctx.results)})


class Crashes(Check):
    id = "crashes"
    title = "Crashes"
    failure_title = "Crashes (failed)"
    description = "Raises an unexpected exception carrying a secret."

    async def run(self, ctx: CheckContext) -> Outcome:
        raise RuntimeError("boom at https://x.test/?access_token=SECRET123456")


class Slow(Check):
    id = "slow"
    title = "Slow"
    failure_title = "Slow (failed)"
    description = "Outlives its own timeout."
    timeout = 0.3

    async def run(self, ctx: CheckContext) -> Outcome:
        await asyncio.sleep(30)
        return self.outcome("never")


class Forever(Check):
    id = "forever"
    title = "Forever"
    failure_title = "Forever (failed)"
    description = "Outlives the run's deadline (its own timeout is long)."
    timeout = 60

    async def run(self, ctx: CheckContext) -> Outcome:
        await asyncio.sleep(60)
        return self.outcome("never")


class Manual(Check):
    id = "manualish"
    title = "Manual"
    failure_title = "Manual"
    description = "Returns an explicit status."

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("The person must look.", status=Status.MANUAL)


class NotACheck:
    id = "not_a_check"


class BadId(Check):
    id = "Bad-Id"
    title = "x"
    failure_title = "x"
    description = "x"

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("x")


class DuplicateConnectivity(Check):
    id = "connectivity"
    title = "Imposter"
    failure_title = "Imposter"
    description = "Reuses a built-in id."

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("x")


class CycleA(Check):
    id = "cycle_a"
    title = "a"
    failure_title = "a"
    description = "a"
    requires = ("cycle_b",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("a")


class CycleB(Check):
    id = "cycle_b"
    title = "b"
    failure_title = "b"
    description = "b"
    requires = ("cycle_a",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("b")


class ReadsAlphaLater(Check):
    """Starts at once, works, then reads alpha's result near its end (``reads_later``)."""

    id = "reads_alpha_later"
    title = "Reads alpha later"
    failure_title = "Reads alpha later (failed)"
    description = "Says what alpha said, if alpha finished within this check's time."
    reads_later = ("alpha",)
    timeout = 1.0

    async def run(self, ctx: CheckContext) -> Outcome:
        run = self.start(ctx)
        alpha = await run.result_later("alpha")
        said = "nothing" if alpha is None else alpha.status.value
        run.details.update(saw_at_start=sorted(ctx.results), not_finished=run.not_finished)
        return run.outcome(f"alpha said {said}")


class NeedsReader(Check):
    """Waits for ``reads_alpha_later`` before it starts; alpha reads it later: a would-be deadlock."""

    id = "needs_reader"
    title = "Needs the reader"
    failure_title = "Needs the reader (failed)"
    description = "Optional dependency on reads_alpha_later."
    optional = ("reads_alpha_later",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("done")


class AlphaReadsNeedsReader(Check):
    """Stands in for alpha in the deadlock test: it reads ``needs_reader`` later."""

    id = "alpha"
    title = "Alpha"
    failure_title = "Alpha (failed)"
    description = "Reads needs_reader later, which waits for reads_alpha_later, which reads alpha later."
    reads_later = ("needs_reader",)

    async def run(self, ctx: CheckContext) -> Outcome:
        run = self.start(ctx)
        other = await run.result_later("needs_reader")
        return run.outcome("needs_reader said " + ("nothing" if other is None else other.status.value))


class JudgesAlpha(Check):
    """Finishes at once on its own evidence; re-judges its result with alpha's at the end of the run."""

    id = "judges_alpha"
    title = "Judges alpha"
    failure_title = "Judges alpha (failed)"
    description = "Passes on its own; fails once alpha's result says alpha is broken."
    reconciles_with = ("alpha",)
    findings: ClassVar[Mapping[str, FindingSpec]] = {
        "judges_alpha.because_alpha": FindingSpec(Severity.HIGH, "Alpha is broken, so this is too.", "Fix alpha first."),
    }

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("Fine on my own.", details={"saw_at_start": sorted(ctx.results)})

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        alpha = others.get("alpha")
        if alpha is None:
            return self.outcome("Fine on my own; alpha did not take part.", details={**own.details, "others": []})
        if alpha.status is not Status.FAIL:
            return None
        return self.outcome("Broken because alpha is.", [self.finding("judges_alpha.because_alpha")],
                            details={**own.details, "others": sorted(others)})


class MutualOne(Check):
    """Reconciles with ``mutual_two``, which reconciles with it: each must see the other's own result."""

    id = "mutual_one"
    title = "Mutual one"
    failure_title = "Mutual one (failed)"
    description = "Says what mutual_two said."
    reconciles_with = ("mutual_two",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("one: own")

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        return self.outcome(f"one saw [{others['mutual_two'].summary}]")


class MutualTwo(MutualOne):
    id = "mutual_two"
    title = "Mutual two"
    failure_title = "Mutual two (failed)"
    reconciles_with = ("mutual_one",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("two: own")

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        return self.outcome(f"two saw [{others['mutual_one'].summary}]")


class ReconcileCrashes(Check):
    id = "reconcile_crashes"
    title = "Reconcile crashes"
    failure_title = "Reconcile crashes (failed)"
    description = "Its reconciliation raises."
    reconciles_with = ("alpha",)

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("fine")

    def reconcile(self, own: CheckResult, others: Mapping[str, CheckResult]) -> Outcome | None:
        raise ZeroDivisionError("oops")
