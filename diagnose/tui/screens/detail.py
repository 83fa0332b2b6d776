"""One checklist item on its own screen: advice first, each check's findings, evidence folded."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header

from diagnose.tui.rows import Row, RunState
from diagnose.tui.widgets.details import ItemDetails


class DetailScreen(Screen[None]):
    """The details of ``row``; follows the run while it is still in progress."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("backspace", "app.pop_screen", "Back", show=False),
    ]

    def __init__(self, row: Row, state: RunState) -> None:
        super().__init__()
        self.row = row
        self.state = state
        self.sub_title = row.title

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail-scroll"):
            yield ItemDetails(self.row, self.state, id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-scroll", VerticalScroll).focus()

    async def show_state(self, state: RunState) -> None:
        self.state = state
        await self.query_one("#details", ItemDetails).show(self.row, state)
