"""The per-run scaffold every built-in check records through, the deadline it budgets from,
and the typed facts one check hands another."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from diagnose.check import Check, CheckContext, FindingSpec, Outcome, RanOutOfTime, check_result_from
from diagnose.deadline import RESERVE, Budget, Deadline
from diagnose.facts import ClockOffset, OutOfTime, Reached
from diagnose.model import CheckResult, Severity, Status, Target
from diagnose.net import OfflineNet
from diagnose.profiles import load_profile
from diagnose.settings import Settings


class Ticking:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Probe(Check):
    id = "probe"
    title = "Probe works"
    failure_title = "Probe does not work"
    description = "A check to drive a CheckRun by hand."
    timeout = 10.0
    findings: ClassVar[Mapping[str, FindingSpec]] = {
        "probe.bad": FindingSpec(Severity.HIGH, "{host} is bad ({why}).", "Fix {host}."),
        "probe.meh": FindingSpec(Severity.MEDIUM, "{host} is so-so.", "Tune it."),
    }

    async def run(self, ctx: CheckContext) -> Outcome:
        raise NotImplementedError


def _ctx(deadline: Deadline | None = None, results: dict[str, CheckResult] | None = None) -> CheckContext:
    return CheckContext(
        target=Target("https://app.test/", "https://app.test/", "app.test"),
        profile=load_profile("atera"),
        settings=Settings(),
        net=OfflineNet(),
        clock=_Clock(),
        results=results or {},
        deadline=deadline or Deadline.never(),
    )


class _Clock:
    def time(self) -> float:
        return 1_800_000_000.0

    def monotonic(self) -> float:
        return 0.0


# ----------------------------------------------------------------------------- the deadline


def test_a_budget_is_the_steps_own_limit_until_the_deadline_is_nearer() -> None:
    clock = Ticking()
    deadline = Deadline.after(6.0, clock)
    assert deadline.budget(5.0) == Budget(5.0, 5.0) and not deadline.budget(5.0).cut
    clock.now += 2.0  # 4 s left
    tight = deadline.budget(5.0)
    assert tight.seconds == pytest.approx(4.0 - RESERVE) and tight.cut and not tight.exhausted
    clock.now += 3.8
    assert deadline.budget(5.0).exhausted and deadline.expired()
    clock.now += 10
    assert deadline.remaining() == 0.0 and deadline.budget(5.0).seconds == 0.0


def test_earlier_takes_whichever_deadline_comes_first() -> None:
    clock = Ticking()
    run = Deadline.after(6.0, clock)
    assert run.earlier(15.0).at == run.at  # the check's own 15 s: the run's 6 s come first
    assert run.earlier(2.0).at == clock.now + 2.0
    assert Deadline.never().earlier(8.0).remaining() == pytest.approx(8.0, abs=0.1)
    assert math.isinf(Deadline.never().remaining())


# ----------------------------------------------------------------------------- findings


def test_findings_carry_placeholders_common_evidence_and_severity_order() -> None:
    run = Probe().start(_ctx(), host="app.test")
    run.common_evidence["host"] = "app.test"
    run.add("probe.meh")
    bad = run.add("probe.bad", {"why": "reasons", "severity": "evidence may say anything"})
    assert bad.message == "app.test is bad (reasons)." and bad.evidence["host"] == "app.test"
    assert bad.evidence["severity"] == "evidence may say anything"
    assert run.has("probe.bad") and not run.has("probe.other")
    assert run.failing()
    assert [f.code for f in run.by_severity()] == ["probe.bad", "probe.meh"]
    assert run.outcome("done").resolved_status() is Status.FAIL
    with pytest.raises(KeyError):
        run.add("probe.not_in_the_catalogue")


def test_facts_reach_the_result_and_the_checks_that_read_it() -> None:
    run = Probe().start(_ctx())
    run.hand_on(Reached("app.test", 443, "192.0.2.1"))
    run.hand_on(Reached("app.test", 443, "192.0.2.7"))  # one fact per kind: the last one counts
    result = check_result_from(Probe, run.outcome("ok"), 1, "built-in")
    assert result.fact(Reached) == Reached("app.test", 443, "192.0.2.7")
    assert result.fact(ClockOffset) is None
    reader = _ctx(results={"probe": result})
    assert reader.fact("probe", Reached) == Reached("app.test", 443, "192.0.2.7")
    assert reader.fact("absent", Reached) is None


def test_a_clock_offset_is_only_what_was_measured() -> None:
    assert ClockOffset(-2.5, 0.01, "ntp").offset_s == -2.5
    for offset, uncertainty in ((math.nan, 0.1), (1.0, math.inf), (1.0, -0.1)):
        with pytest.raises(ValueError):
            ClockOffset(offset, uncertainty, "ntp")


# ----------------------------------------------------------------------------- running out of time


async def test_a_step_the_deadline_ends_says_where_and_what_was_seen() -> None:
    run = Probe().start(_ctx(Deadline.after(RESERVE + 0.2, asyncio.get_running_loop().time)))
    run.details["reached"] = "the TCP port"

    async def steps() -> Outcome:
        async with run.step("tls_handshake", "the TLS handshake with 192.0.2.1:443", lambda: "TCP connected"):
            await asyncio.sleep(5)
        raise AssertionError("the deadline did not end the step")

    outcome = await asyncio.wait_for(run.conclude(steps()), 2)
    assert outcome.resolved_status() is Status.ERROR
    assert outcome.summary == (
        "The check ran out of time during the TLS handshake with 192.0.2.1:443 (TCP connected), so it could not decide."
    )
    assert outcome.details == {
        "reached": "the TCP port",
        "out_of_time": {"step": "tls_handshake", "title": "the TLS handshake with 192.0.2.1:443",
                        "seen": "TCP connected"},
    }
    assert OutOfTime("tls_handshake", "the TLS handshake with 192.0.2.1:443", "TCP connected") in outcome.facts


async def test_what_was_found_before_the_deadline_still_decides() -> None:
    run = Probe().start(_ctx(), host="app.test")
    run.add("probe.bad", why="refused")

    async def steps() -> Outcome:
        raise run.out_of_time("portal", "the captive-portal check", "the page failed")

    outcome = await run.conclude(steps())
    assert outcome.resolved_status() is Status.FAIL  # the failure found is real
    assert outcome.summary == (
        "app.test is bad (refused). The check then ran out of time during the captive-portal check (the page failed)."
    )


async def test_a_step_with_no_time_left_is_not_started_and_other_timeouts_pass_through() -> None:
    clock = Ticking()
    run = Probe().start(_ctx(Deadline.after(RESERVE, clock)))
    started = False
    with pytest.raises(RanOutOfTime):
        async with run.step("dns", "the lookup of app.test", "nothing yet"):
            started = True
    assert not started
    roomy = Probe().start(_ctx())
    with pytest.raises(TimeoutError):  # the step's own timeout is the step's business, not "out of time"
        async with roomy.step("dns", "the lookup", "nothing"):
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1)


# ----------------------------------------------------------------------------- offline


async def test_offline_net_refuses_every_way_out() -> None:
    from diagnose.net import Offline

    net = OfflineNet()
    calls: list[Any] = [
        lambda: net.lookup("app.test", 443), lambda: net.tcp_probe("127.0.0.1", 1),
        lambda: net.tls_handshake("127.0.0.1", 1, "app.test"), lambda: net.fetch_chain("127.0.0.1", 1, "app.test"),
        lambda: net.udp_exchange_timed("127.0.0.1", 123, b"", 1.0, lambda: 0.0),
    ]
    for call in calls:
        with pytest.raises(Offline):
            await call()
    for sync in (net.system, net.extra_resolvers, net.http_client):
        with pytest.raises(Offline):
            sync()
