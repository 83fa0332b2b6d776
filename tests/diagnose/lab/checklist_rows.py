"""The checklist of every lab scenario as one row of text, and the lab reports the table tests read.

A row names, for each item that is not at its default (``skip``, or ``manual`` for the items the
person checks), its status and where its advice comes from:

* ``item=pass(url+certificate)``: the ``pass`` (or ``confirms``) sentences of these inputs;
* ``item=fail<certificate.expired``: the message and what-to-do of that finding;
* ``item=fail<certificate.clock_skew>clock``: that finding's message and a pointer to the ``clock`` item;
* ``item=error``: no finding: the item's advice for "nothing decided".

Print the rows of the current output (to draft a new row, then read it before it goes into the table):

    python -m tests.diagnose.lab.checklist_rows [SCENARIO...]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Mapping

from diagnose.checklist import ChecklistItem, decisive, item_status, load_checklist, matches, read_input
from diagnose.lab.scenario import DiagnosedScenario, all_scenarios, diagnose_scenario
from diagnose.model import Report, Status

CONCURRENCY = 12
"""Scenarios diagnosed at once: most of their time is spent waiting for a timeout."""


def default_status(item: ChecklistItem) -> Status:
    return Status.MANUAL if item.manual or item.manual_when_undecided else Status.SKIP


def row_of(report: Report) -> str:
    """The row of ``report``'s checklist, as the checklist module decides it."""
    results = {c.id: c for c in report.checks}
    tokens = []
    for item in load_checklist():
        readings = [read_input(spec, results.get(spec.check)) for spec in item.inputs]
        status = item_status(item, readings)
        if status is default_status(item):
            continue
        token = f"{item.id}={status.value}"
        if status is Status.PASS:
            said = [r.input.check for r in readings if r.looked and (
                (r.input.passes and r.status is Status.PASS) or (r.input.confirms and not r.findings))]
            token += f"({'+'.join(said)})"
        else:
            finding = decisive(item, status, readings)
            if finding is not None:
                token += f"<{finding.code}"
                target = next((t for p, t in item.see.items() if matches(finding.code, (p,))), None)
                token += f">{target}" if target else ""
        tokens.append(token)
    return " ".join(tokens)


async def diagnose_all(names: Iterable[str]) -> dict[str, DiagnosedScenario]:
    """Every named scenario diagnosed, a few at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(name: str) -> tuple[str, DiagnosedScenario]:
        async with gate:
            return name, await diagnose_scenario(name)

    return dict(await asyncio.gather(*(one(n) for n in names)))


def rows(diagnosed: Mapping[str, DiagnosedScenario]) -> dict[str, str]:
    return {name: row_of(diagnosed[name].report) for name in sorted(diagnosed)}


if __name__ == "__main__":
    wanted = sys.argv[1:] or sorted(all_scenarios())
    for name, row in rows(asyncio.run(diagnose_all(wanted))).items():
        print(f'    "{name}": "{row}",')
