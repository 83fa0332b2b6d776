"""Overall progress: a bar of fixed width and "3 of 5 checks done".

Drawn from two integers only, so the same state always gives the same picture
(Textual's ``ProgressBar`` rounds to the width it had when last updated,
which made screenshots depend on layout timing). The words carry the
information; the bar is only a glance.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

BAR_WIDTH = 24


def bar(done: int, total: int, width: int = BAR_WIDTH) -> tuple[str, str]:
    """The filled and the empty part of the bar."""
    filled = width if total <= 0 else min(width, round(width * done / total))
    return "━" * filled, "━" * (width - filled)


class RunProgress(Static):
    """``━━━━━━━━━━━━━━━━━━━━━━━━  3 of 5 checks done``."""

    def show(self, done: int, total: int, note: str = "") -> None:
        filled, empty = bar(done, total)
        colour = "$success" if total and done >= total else "$primary"
        words = f"  {done} of {total} checks done{note}"
        self.update(Content.assemble((filled, colour), (empty, "$panel-lighten-2"), (words, "$text-muted")))
