"""The TUI on a browser's recording: ``login-doctor har FILE.har --tui``.

The report is made first, by the same code as the headless ``har`` command
(:func:`diagnose.recording.diagnose_recording`; nothing runs in the app and
nothing is sent over the network). The app shows the checklist as the
recording decides it, the same item screens as a live run, and, with ``n``,
the recorded requests behind the findings of the item in view. ``-o`` files
are written when it closes, and the exit code is the headless command's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from diagnose.environment import Environment
from diagnose.model import Finding
from diagnose.profiles import Profile
from diagnose.recording import RecordingDiagnosis, entries_behind, entry_rows
from diagnose.tui.rows import Row, finished_state, recording_rows
from diagnose.tui.screens.detail import DetailScreen
from diagnose.tui.screens.recording import EntriesScreen, RecordingScreen


def source_line(diagnosis: RecordingDiagnosis) -> str:
    """``Recording  signin.har · Chrome 156 · 23 requests over 4.1 s · 12 secrets (share only a sanitized copy)``."""
    source = diagnosis.report.source or {}
    browser = source.get("browser") or {}
    name = " ".join(str(x) for x in (browser.get("name"), browser.get("version")) if x) or "an unknown browser"
    parts = [f"Recording  {source.get('file', '')}", name, f"{source.get('entries', 0):,} requests"]
    if source.get("duration_s") is not None:
        parts[-1] += f" over {source['duration_s']:.1f} s"
    secrets = diagnosis.secrets
    if diagnosis.sanitized_to is not None:
        parts.append(f"{secrets} secrets replaced in {diagnosis.sanitized_to.name}")
    elif secrets:
        parts.append(f"{secrets} secrets: share only a copy made with --sanitize")
    return " · ".join(parts)


class RecordingApp(App[None]):
    """The checklist a recording decides, its items, and the requests behind them."""

    CSS_PATH = "login_doctor.tcss"
    TITLE = "login-doctor"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "entries", "Requests"),
        Binding("e", "export", "Export"),
        Binding("c", "copy_summary", "Copy"),
        Binding("d", "toggle_dark", "Theme", show=False),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, diagnosis: RecordingDiagnosis, *, export_dir: Path | None = None) -> None:
        super().__init__()
        self.diagnosis = diagnosis
        self.report = diagnosis.report
        self.export_dir = export_dir
        self.exports: list[Path] = []
        profile = _profile_of(diagnosis)
        self.state = finished_state(recording_rows(profile, self.report), self.report)
        self.sub_title = f"recording {diagnosis.report.target.input}"

    def get_default_screen(self) -> Screen[Any]:
        return RecordingScreen(self.state, source_line(self.diagnosis))

    # ------------------------------------------------------------------ actions

    def current_row(self) -> Row | None:
        """The item in view: the open item screen's, else the highlighted one."""
        screen = self.screen
        if isinstance(screen, DetailScreen):
            return screen.row
        if isinstance(screen, RecordingScreen):
            return screen.checklist.highlighted_row
        return None

    def findings_of(self, row: Row | None) -> list[Finding]:
        if row is None:
            return [f for c in self.report.checks for f in c.findings]
        return [f for c in self.report.checks if c.id in row.checks for f in c.findings]

    def action_entries(self) -> None:
        if isinstance(self.screen, EntriesScreen):
            return
        row = self.current_row()
        behind = entries_behind(self.findings_of(row))
        self.push_screen(EntriesScreen(
            row.title if row is not None else "the whole recording",
            entry_rows(self.diagnosis, only=behind),
            entry_rows(self.diagnosis),
            self.diagnosis.read.recording.entries_analysed,
        ))

    def action_export(self) -> None:
        from diagnose.tui.export import export_report

        directory = self.export_dir or Path.cwd()
        try:
            self.exports = export_report(self.report, directory)
        except OSError as exc:
            self.notify(f"Export failed: {directory}: {exc.strerror or exc}", severity="error")
            self.bell()
            return
        self.notify(f"{len(self.exports)} report files saved in {directory}")

    def action_copy_summary(self) -> None:
        from diagnose.tui.summary import short_summary

        self.copy_to_clipboard(short_summary(self.report))
        self.notify("A short summary was copied to the clipboard (if your terminal allows it).")


def _profile_of(diagnosis: RecordingDiagnosis) -> Profile:
    from diagnose.profiles import load_profile

    return diagnosis.profile if diagnosis.profile is not None else load_profile(diagnosis.report.profile)


def run_recording_tui(diagnosis: RecordingDiagnosis, outputs: Sequence[tuple[Path, str]], env: Environment) -> int:
    """Show the recording's report in the terminal; then write ``-o`` files and return the exit code
    the headless ``har`` command gives for the same report."""
    from diagnose.frontend import PROG, finish
    from diagnose.tui.app import EXPORT_DIR_ENV
    from reports.labels import OVERALL_SENTENCE, label

    export_dir = env.environ.get(EXPORT_DIR_ENV)
    app = RecordingApp(diagnosis, export_dir=Path(export_dir) if export_dir else None)
    app.run()
    code = finish(diagnosis.report, None, outputs, env)
    status = diagnosis.report.status.value
    env.stderr.write(f"{PROG}: {label(status)}: {OVERALL_SENTENCE.get(status, '')}\n")
    for path in app.exports:
        env.stderr.write(f"{PROG}: report exported to {path}\n")
    return code
