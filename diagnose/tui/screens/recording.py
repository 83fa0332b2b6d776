"""The screens of a browser's recording (``login-doctor har FILE.har --tui``).

:class:`RecordingScreen` is the main screen: what the recording is, the
checklist as the recording decides it, and the result. Its items open the
same item screen as a live run (:class:`~diagnose.tui.screens.detail.DetailScreen`).
:class:`EntriesScreen` lists the recorded requests, first those behind the
findings of the item in view, with the details of the highlighted one. Every
text comes from :mod:`diagnose.recording` already scrubbed of the file's
secrets and redacted, and is shown literally (``markup=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ListView, Static

from diagnose.recording import EntryRow
from diagnose.tui.rows import RunState
from diagnose.tui.widgets.checklist import ChecklistRow, ChecklistView
from diagnose.tui.widgets.details import ItemDetails
from reports.labels import OVERALL_SENTENCE, label

WIDE = 110


class RecordingScreen(Screen[None]):
    """What the recording is, the checklist it decides, and the result line."""

    def __init__(self, state: RunState, source: str) -> None:
        super().__init__()
        self.state = state
        self.source = source

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.source, id="recording-source", markup=False)
        with Horizontal(id="body"):
            yield ChecklistView(self.state.rows, id="checklist")
            with VerticalScroll(id="preview"):
                yield ItemDetails(None, self.state, id="preview-details")
        yield Static(self._result(), id="result", markup=False, classes=self._result_class())
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.size.width >= WIDE, "-wide")
        self.checklist.show_state(self.state)
        self.checklist.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")

    @property
    def checklist(self) -> ChecklistView:
        return self.query_one("#checklist", ChecklistView)

    def _result(self) -> str:
        report = self.state.report
        if report is None:
            return ""
        status = report.status.value
        return (f"{label(status)}: {OVERALL_SENTENCE.get(status, '')} Enter opens an item; "
                "n lists the recorded requests behind it.")

    def _result_class(self) -> str:
        report = self.state.report
        return f"-{report.status.value}" if report is not None else ""

    @on(ListView.Highlighted, "#checklist")
    async def _highlighted(self) -> None:
        if self.has_class("-wide"):
            await self.query_one("#preview-details", ItemDetails).show(self.checklist.highlighted_row, self.state)

    @on(ListView.Selected, "#checklist")
    def _selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, ChecklistRow):
            from diagnose.tui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(event.item.row, self.state))


COLUMNS = ("#", "at s", "method", "answer", "kind", "address")


class EntriesScreen(Screen[None]):
    """The recorded requests: those behind ``title``'s findings (``related``), or all of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "toggle_all", "All / related"),
    ]

    def __init__(self, title: str, related: Sequence[EntryRow], every: Sequence[EntryRow], total: int) -> None:
        super().__init__()
        self.item_title = title
        self.related = list(related)
        self.every = list(every)
        self.total = total
        self.showing_all = not self.related
        self.sub_title = f"Recorded requests · {title}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="entries-caption", markup=False)
        yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield Static("", id="entry-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#entries", DataTable)
        table.add_columns(*COLUMNS)
        self._fill()
        table.focus()

    @property
    def shown(self) -> list[EntryRow]:
        return self.every if self.showing_all else self.related

    def _fill(self) -> None:
        table = self.query_one("#entries", DataTable)
        table.clear()
        related = {r.index for r in self.related}
        for row in self.shown:
            mark = "◆" if row.index in related else " "
            table.add_row(f"{mark}{row.index}", "" if row.at_s is None else f"{row.at_s:.2f}", row.method,
                          row.outcome, ("page " if row.navigation else "") + row.kind, row.url, key=str(row.index))
        caption = self.query_one("#entries-caption", Static)
        if self.showing_all:
            more = f" (the first {len(self.every):,} of {self.total:,})" if self.total > len(self.every) else ""
            caption.update(f"All {self.total:,} recorded requests{more}; ◆ marks those behind \"{self.item_title}\". "
                           "a shows only those.")
        else:
            caption.update(f"{len(self.related)} recorded request(s) behind \"{self.item_title}\". "
                           "a shows every request.")
        self._detail(self.shown[0] if self.shown else None)

    def action_toggle_all(self) -> None:
        if self.related:
            self.showing_all = not self.showing_all
            self._fill()

    @on(DataTable.RowHighlighted, "#entries")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        index = int(event.row_key.value) if event.row_key.value is not None else -1
        self._detail(next((r for r in self.shown if r.index == index), None))

    def _detail(self, row: EntryRow | None) -> None:
        box = self.query_one("#entry-detail", Static)
        if row is None:
            box.update("No request of the recording is behind this item.")
            return
        lines = [f"Entry {row.index}: {row.method} {row.url}",
                 f"Answer: {row.outcome}" + (f" · {row.time_ms:.0f} ms" if row.time_ms is not None else "")
                 + (f" · {'top-level page load' if row.navigation else row.kind or 'request'}")]
        if row.location:
            lines.append(f"Redirects to: {row.location}")
        if row.cookies_sent:
            lines.append(f"Cookies sent (names): {', '.join(row.cookies_sent)}")
        if row.cookies_set:
            lines.append(f"Cookies set (names): {', '.join(row.cookies_set)}")
        box.update("\n".join(lines))
