"""The checklist: one row per item, with a status that reads without colour.

A decided row shows the symbol and word of :mod:`reports.labels`
(``✘ FAIL``), coloured by a CSS class; a row whose checks are running shows a
spinner. All spinners share one timer, which only runs while something is
running and never when animations are off (``TEXTUAL_ANIMATIONS=none``, and
the snapshot tests), so a screenshot does not depend on when it was taken.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Label, ListItem, ListView

from diagnose.tui.rows import Activity, Row, RowView, RunState
from reports.labels import label

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPINNER_INTERVAL = 0.1

_STATUS_CLASSES = tuple(
    f"-{name}" for name in ("pass", "warn", "fail", "skip", "error", "manual", "running", "waiting", "idle")
)


def status_text(view: RowView, frame: int = 0) -> str:
    """The status cell of a row: a word always, a symbol when decided or a spinner while running."""
    if view.activity is Activity.RUNNING:
        return f"{SPINNER_FRAMES[frame % len(SPINNER_FRAMES)]} checking…"
    if view.activity is Activity.WAITING:
        return "· waiting"
    if view.activity is Activity.IDLE or view.status is None:
        return "· not run yet"
    return label(view.status.value)


def status_class(view: RowView) -> str:
    if view.activity is Activity.DONE and view.status is not None:
        return f"-{view.status.value}"
    return f"-{view.activity.value}"


class ChecklistRow(ListItem):
    """One checklist item: status cell and title."""

    def __init__(self, row: Row) -> None:
        super().__init__(classes="-idle")
        self.row = row
        self.view = RowView(Activity.IDLE, None, row.advice)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(status_text(self.view), classes="status", markup=False)
            yield Label(self.row.title, classes="title", markup=False)

    def show(self, view: RowView, frame: int) -> None:
        """Display ``view`` (``frame`` picks the spinner's glyph)."""
        self.view = view
        self.remove_class(*_STATUS_CLASSES)
        self.add_class(status_class(view))
        if self.is_mounted:
            self.query_one(".status", Label).update(status_text(view, frame))


class ChecklistView(ListView):
    """The list of rows; Enter or a click on a row opens its details."""

    def __init__(self, rows: tuple[Row, ...], *, id: str | None = None) -> None:
        super().__init__(*(ChecklistRow(row) for row in rows), id=id)
        self.frame = 0
        self._spinner: Timer | None = None

    def on_mount(self) -> None:
        self._spinner = self.set_interval(SPINNER_INTERVAL, self._tick, pause=True)

    @property
    def rows(self) -> list[ChecklistRow]:
        return list(self.query(ChecklistRow))

    @property
    def highlighted_row(self) -> Row | None:
        item = self.highlighted_child
        return item.row if isinstance(item, ChecklistRow) else None

    def show_state(self, state: RunState) -> None:
        """Bring every row up to date with ``state``; spin only while something runs."""
        running = False
        for widget in self.rows:
            view = state.view(widget.row)
            widget.show(view, self.frame)
            running = running or view.activity is Activity.RUNNING
        if self._spinner is not None:
            if running and self.app.animation_level != "none":
                self._spinner.resume()
            else:
                self._spinner.pause()

    def _tick(self) -> None:
        self.frame += 1
        for widget in self.rows:
            if widget.view.activity is Activity.RUNNING:
                widget.show(widget.view, self.frame)
