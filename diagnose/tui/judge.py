"""Judge the address as the person types it, with the ``url`` check, offline.

The ``url`` check decides whether an address is the vendor's official
sign-in address from the text alone (no packet is sent), so the start screen
can run it on every edit and show its verdict before anything touches the
network. When no ``url`` check is installed, nothing is shown: the TUI never
invents a verdict of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from diagnose.check import Check, CheckContext, Clock
from diagnose.model import Severity, Status
from diagnose.profiles import Profile
from diagnose.registry import Plan
from diagnose.settings import Settings, UsageError

URL_CHECK_ID = "url"
JUDGE_TIMEOUT = 2.0
"""Seconds an offline verdict may take; a slower one is dropped, not waited for."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One line under the address field."""

    status: Status
    text: str


def find_url_check(plan: Plan | None = None) -> type[Check] | None:
    """The ``url`` check class: the run's own (a plugin may replace it), else the registry's."""
    if plan is not None:
        for info in plan.checks:
            if info.id == URL_CHECK_ID:
                return info.cls
    from diagnose.registry import discover

    found = discover(plugins=False).checks.get(URL_CHECK_ID)
    return found.cls if found is not None else None


async def judge_address(
    text: str,
    *,
    check: type[Check],
    profile: Profile,
    clock: Clock,
    settings: Settings | None = None,
) -> Verdict | None:
    """Run ``check`` on ``text`` offline and condense its outcome into one line.

    An address that cannot be diagnosed at all (an email address, no host)
    gets the same sentence the command line would print. A check that raises
    or takes too long yields None: the field then shows nothing rather than a
    guess.
    """
    from diagnose.check import check_result_from
    from diagnose.net import OfflineNet
    from diagnose.session import make_target

    try:
        target = make_target(text, profile)
    except UsageError as exc:
        return Verdict(Status.FAIL, str(exc))
    ctx = CheckContext(
        target=target,
        profile=profile,
        settings=settings or Settings(),
        net=OfflineNet(settings or Settings()),  # the url check judges text, never the network
        clock=clock,
    )
    try:
        async with asyncio.timeout(JUDGE_TIMEOUT):
            outcome = await check().run(ctx)
        result = check_result_from(check, outcome, 0, "built-in")
    except asyncio.CancelledError:
        raise
    except Exception:
        return None
    worst = sorted(
        (f for f in result.findings if f.severity is not Severity.INFO),
        key=lambda f: f.severity.rank,
    )
    text_out = worst[0].message if worst else result.summary
    return Verdict(result.status, text_out)
