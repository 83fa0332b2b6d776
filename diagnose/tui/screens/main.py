"""The main screen: address, profile, progress, the checklist, the result line.

It only displays the app's :class:`~diagnose.tui.rows.RunState` and forwards
what the person asks for; the app decides and runs. On a terminal at least
:data:`WIDE` columns wide the details of the highlighted item sit beside the
checklist, so a large terminal shows the advice without opening anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, ListView, Static

from diagnose.check import Clock
from diagnose.model import Target
from diagnose.profiles import Profile
from diagnose.tui.refclock import measured_offset
from diagnose.tui.rows import Phase, RunState
from diagnose.tui.widgets.address import AddressField, Judge
from diagnose.tui.widgets.checklist import ChecklistRow, ChecklistView
from diagnose.tui.widgets.clock import ReferenceClock
from diagnose.tui.widgets.details import ItemDetails
from diagnose.tui.widgets.progress import RunProgress
from diagnose.words import count, plural
from reports.labels import OVERALL_SENTENCE, label

WIDE = 110
"""Columns from which the item details are shown beside the checklist."""


def profile_line(profile: Profile) -> str:
    """``Profile  Atera · official domain atera.com · help support.atera.com``."""
    name = profile.vendor if profile.name == profile.vendor.lower() else f"{profile.vendor} ({profile.name})"
    domains = plural(len(profile.official_domains), "official domain")
    line = f"Profile  {name} · {domains} {', '.join(profile.official_domains)}"
    support = profile.support_url.removeprefix("https://").removeprefix("http://").rstrip("/")
    return f"{line} · help {support}" if support else line


class MainScreen(Screen[None]):
    """Address field, checklist and result; the details open on Enter or a click."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave_address", "Leave field")]

    class Ready(Message):
        """The screen is composed and mounted: the app may show state and start."""

    def __init__(
        self,
        state: RunState,
        *,
        address: str,
        judge: Judge | None,
        profile: Profile,
        clock: Clock,
    ) -> None:
        super().__init__()
        self.state = state
        self._address = address
        self._judge = judge
        self._profile = profile
        self._clock = clock
        self.stopping = False
        self._exported = ""
        self._export_error = False
        self._note = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield AddressField(self._address, self._judge, id="address-field")
        yield Static(profile_line(self._profile), id="profile", markup=False)
        yield RunProgress("", id="progress")
        with Horizontal(id="body"):
            yield ChecklistView(self.state.rows, id="checklist")
            with VerticalScroll(id="preview"):
                yield ItemDetails(None, self.state, id="preview-details")
        yield Static("", id="result", markup=False)
        yield Static("", id="exports", markup=False)
        yield ReferenceClock(self._clock, id="refclock")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#refclock", ReferenceClock).display = False
        self.query_one("#exports", Static).display = False
        self.set_class(self.size.width >= WIDE, "-wide")
        self.post_message(self.Ready())

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= WIDE
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")
            if wide:
                self.run_worker(self._show_preview(), group="preview", exclusive=True)

    # ------------------------------------------------------------------ state

    @property
    def checklist(self) -> ChecklistView:
        return self.query_one("#checklist", ChecklistView)

    @property
    def address(self) -> AddressField:
        return self.query_one("#address-field", AddressField)

    async def show_state(self, state: RunState, target: Target | None = None) -> None:
        """Bring every widget up to date with ``state``."""
        self.state = state
        self.checklist.show_state(state)
        progress = self.query_one("#progress", RunProgress)
        progress.display = state.phase is not Phase.IDLE
        stopping = state.phase is Phase.RUNNING and self.stopping
        early = state.ended_early if state.phase is Phase.DONE else ""
        progress.show(*state.progress, note=" · stopping…" if stopping else f" · {early}" if early else "")
        self._show_result(state, target)
        self.query_one("#refclock", ReferenceClock).set_offset(measured_offset(state.report))
        await self._show_preview()

    def _show_result(self, state: RunState, target: Target | None) -> None:
        line = self.query_one("#result", Static)
        line.remove_class("-pass", "-warn", "-fail", "-error")
        if state.phase is Phase.IDLE:
            text = "Edit the address if needed, then press Enter or click Start. Esc leaves the field (then ? help, q quit)."
        elif state.phase is Phase.RUNNING:
            where = target.url if target is not None else "the address"
            text = f"Diagnosing {where} … s stops, q quits."
        elif state.report is None:
            line.add_class("-error")
            text = f"{label('error')}: the diagnosis stopped without a report: {state.failure}"
        else:
            status = state.report.status.value
            line.add_class(f"-{status}")
            text = f"{label(status)}: {OVERALL_SENTENCE.get(status, '')}"
            if state.report.interrupted:
                text += " The run was interrupted; only the checks that finished are reported."
            text += " Enter or a click on an item shows what to do."
        line.update(text)

    def show_exports(self, paths: list[Path] | None, error: str = "") -> None:
        """Show where the reports were written (or why they were not).

        These lines are the announcement: no toast, which would lie over them
        (Textual stacks toasts at the bottom right, where this box is).
        """
        if error:
            self._exported = f"Export failed: {error}"
        elif paths:
            where = paths[0].parent
            names = (f"  {p.name}" if p.parent == where else f"  {p}" for p in paths)
            self._exported = f"{count(len(paths), 'report file')} saved in {where}:\n" + "\n".join(names)
        else:
            self._exported = "No report format is available to export."
        self._export_error = bool(error)
        self._note = ""
        self._show_box()

    def show_note(self, note: str) -> None:
        """A one-line confirmation (the summary was copied) under the export lines, never over them."""
        self._note = note
        self._show_box()

    def clear_exports(self) -> None:
        """A new run: the files and notes of the previous one no longer describe what is shown."""
        self._exported = self._note = ""
        self._export_error = False
        self.query_one("#exports", Static).display = False

    def _show_box(self) -> None:
        box = self.query_one("#exports", Static)
        box.display = True
        box.set_class(self._export_error, "-error")
        box.update("\n".join(line for line in (self._exported, self._note) if line))

    def toggle_clock(self) -> bool:
        clock = self.query_one("#refclock", ReferenceClock)
        clock.display = not clock.display
        clock.tick()
        return bool(clock.display)

    async def _show_preview(self) -> None:
        if self.has_class("-wide"):
            await self.query_one("#preview-details", ItemDetails).show(self.checklist.highlighted_row, self.state)

    # ------------------------------------------------------------------ events

    @on(ListView.Highlighted, "#checklist")
    async def _highlighted(self) -> None:
        await self._show_preview()

    @on(ListView.Selected, "#checklist")
    def _selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, ChecklistRow):
            from diagnose.tui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(event.item.row, self.state))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer "Leave field" only while the address field has the keyboard."""
        if action == "leave_address":
            return isinstance(self.focused, Input)
        return True

    def action_leave_address(self) -> None:
        if isinstance(self.focused, Input):
            self.checklist.focus()
