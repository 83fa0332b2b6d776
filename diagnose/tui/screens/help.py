"""Help: the keys, what each status means, and what the tool does (and never does)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reports.labels import STATUS_LABEL, label

_MEANING = {
    "pass": "checked, and fine",
    "warn": "works, but something needs attention",
    "fail": "a problem that can stop the sign-in",
    "skip": "not checked (not applicable, or an earlier check did not pass)",
    "error": "could not decide (a check failed to run or ran out of time)",
    "manual": "only you can check this: open it for the steps",
}

KEYS = (
    ("Enter / click", "open the selected item: what to do, findings, technical details"),
    ("r", "run the diagnosis again (with the address in the field)"),
    ("s", "stop a run in progress and keep what finished"),
    ("e", "export the report as Markdown, HTML and JSON files"),
    ("c", "copy a short summary to the clipboard (where the terminal allows)"),
    ("t", "show or hide the reference clock (the measured true time)"),
    ("d", "switch between the dark and the light theme"),
    ("ctrl+p", "command palette (themes and every command)"),
    ("?", "this help"),
    ("q / ctrl+c", "quit (a run in progress is stopped first)"),
    ("Esc", "back"),
)


INTRO = (
    "login-doctor finds out why signing in to a web app fails: the address, the connection, "
    "the certificate, the clock, redirects and cookies. It only looks: it never submits the sign-in "
    "form and never sends a password, and its reports hold no cookies or tokens."
)


def _pair(left: str, right: str, *classes: str) -> Horizontal:
    return Horizontal(
        Static(left, classes=" ".join(("help-key", *classes)), markup=False),
        Static(right, classes="help-what", markup=False),
        classes="help-row",
    )


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        # A modal screen hides the app's plain-key bindings; q must still quit.
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(INTRO, markup=False)
            yield Static("Keys", classes="heading")
            for key, what in KEYS:
                yield _pair(key, what)
            yield Static("Statuses", classes="heading")
            for status in STATUS_LABEL:
                yield _pair(label(status), _MEANING[status], "status", f"-{status}")

    def on_click(self) -> None:
        self.dismiss()
