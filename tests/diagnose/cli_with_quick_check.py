"""Run the real ``login-doctor`` CLI with one extra, instant plugin check.

Used by ``test_interrupt.py`` as a subprocess: the ``quick`` check finishes at
once (its progress line is the test's cue to press Ctrl-C) while the built-in
``connectivity`` check is still stalled on a black-holed server. The plugin is
passed the way the CLI's tests inject plugins (``Environment.extra_checks``),
so nothing is installed.
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint

from diagnose.check import Check, CheckContext, Outcome
from diagnose.cli import run
from diagnose.environment import Environment
from diagnose.registry import GROUP


class QuickCheck(Check):
    id = "quick"
    title = "A quick check finishes"
    failure_title = "A quick check does not finish"
    description = "Passes at once; it marks the moment the first check finished."

    async def run(self, ctx: CheckContext) -> Outcome:
        return self.outcome("Finished at once.")


if __name__ == "__main__":
    plugin = EntryPoint(name="quick", value="__main__:QuickCheck", group=GROUP)
    sys.exit(run(sys.argv[1:], Environment(extra_checks=(plugin,))))
