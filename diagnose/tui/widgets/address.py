"""The address field: what the person will diagnose, judged as they type.

The field is prefilled with the profile's sign-in address and can be edited.
Each edit is judged by the ``url`` check offline after a short pause (an
exclusive worker: a newer keystroke cancels the older verdict), and the
verdict appears on the line below. Without a ``url`` check the line stays
empty. Enter (or the Start button) asks the app to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from diagnose.tui.judge import Verdict
from reports.labels import label

Judge = Callable[[str], Awaitable[Verdict | None]]

JUDGE_DELAY = 0.3
"""Seconds of quiet typing before the address is judged."""


class AddressField(Vertical):
    """Input, Start button and verdict line."""

    class StartRequested(Message):
        """The person asked to diagnose ``address`` (Enter or Start)."""

        def __init__(self, address: str) -> None:
            super().__init__()
            self.address = address

    def __init__(self, value: str, judge: Judge | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._value = value
        self._judge = judge
        self.verdict: Verdict | None = None
        self.judged: str | None = None
        """The text the verdict line is about (None before the first verdict)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="address-row"):
            yield Label("Address", id="address-caption")
            yield Input(
                self._value,
                placeholder="the sign-in address, e.g. https://app.example.com/users/login",
                id="address",
                compact=True,
                select_on_focus=False,
            )
            yield Button("Start", id="start", compact=True)
        yield Static("", id="verdict", markup=False)

    def on_mount(self) -> None:
        self.query_one("#verdict", Static).display = False
        if self._judge is not None:
            self.judge(self._value, delay=0.0)

    @property
    def value(self) -> str:
        return self.query_one("#address", Input).value

    @on(Input.Changed, "#address")
    def _changed(self, event: Input.Changed) -> None:
        if self._judge is not None:
            self.judge(event.value)

    @on(Input.Submitted, "#address")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.StartRequested(event.value))

    @on(Button.Pressed, "#start")
    def _start(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StartRequested(self.value))

    @work(exclusive=True, group="judge", exit_on_error=False)
    async def judge(self, text: str, delay: float = JUDGE_DELAY) -> None:
        """Judge ``text`` after ``delay`` unless a newer edit comes first."""
        if self._judge is None:
            return
        if delay:
            await asyncio.sleep(delay)
        self.show_verdict(await self._judge(text), about=text)

    def show_verdict(self, verdict: Verdict | None, *, about: str | None = None) -> None:
        """Show ``verdict`` on the text ``about`` (or nothing) under the field; usage errors go here too."""
        self.verdict = verdict
        self.judged = about
        line = self.query_one("#verdict", Static)
        line.remove_class("-pass", "-warn", "-fail", "-skip", "-error", "-manual")
        line.display = verdict is not None
        if verdict is None:
            line.update("")
            return
        line.add_class(f"-{verdict.status.value}")
        line.update(f"{label(verdict.status.value)}  {verdict.text}")
