"""The login-doctor Textual app and :func:`run_tui`, the CLI's way in.

The app is the controller. The engine (:class:`~diagnose.session.Diagnosis`)
runs in an exclusive async worker and reports through its plain event
callback; :mod:`diagnose.tui.messages` wraps each event in a Textual message,
so the screen updates from the app's message loop and never freezes. The
engine knows nothing of Textual.

Cancelling (``s``, ``q``, Ctrl-C) cancels the worker: the runner catches the
cancellation and still returns a report of what finished, marked
``interrupted``, exactly as a headless run does on Ctrl-C. :func:`run_tui`
then writes the ``-o`` files and returns the exit code a headless run of the
same report would (:func:`diagnose.frontend.exit_status`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from diagnose.check import Check
from diagnose.environment import Environment, ExitStatus
from diagnose.events import Event
from diagnose.model import Report, Status
from diagnose.redact import redact_text
from diagnose.session import Diagnosis
from diagnose.settings import UsageError
from diagnose.tui import messages
from diagnose.tui.judge import Verdict, find_url_check, judge_address
from diagnose.tui.rows import Phase, RunState, build_rows
from diagnose.tui.screens.detail import DetailScreen
from diagnose.tui.screens.help import HelpScreen
from diagnose.tui.screens.main import MainScreen
from diagnose.tui.widgets.address import AddressField

EXPORT_DIR_ENV = "LOGIN_DOCTOR_EXPORT_DIR"
"""Directory the ``e`` key writes reports into (default: the current directory)."""

_LOOK_UP = object()


class LoginDoctorApp(App[None]):
    """Diagnose one sign-in address and explain the result, item by item."""

    CSS_PATH = "login_doctor.tcss"
    TITLE = "login-doctor"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rerun", "Re-run"),
        Binding("s", "stop", "Stop"),
        Binding("e", "export", "Export"),
        Binding("c", "copy_summary", "Copy"),
        Binding("t", "toggle_clock", "Clock"),
        Binding("d", "toggle_dark", "Theme", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        diagnosis: Diagnosis,
        *,
        autostart: bool = False,
        export_dir: Path | None = None,
        url_check: type[Check] | object | None = _LOOK_UP,
    ) -> None:
        """
        Args:
            diagnosis: what to diagnose (target, profile, plan, network, clock).
            autostart: start the run at once (an address was given on the command line).
            export_dir: where ``e`` writes reports; None means the current directory.
            url_check: the check that judges the address as it is typed; by default
                the run's or the registry's ``url`` check, None for no judging.
        """
        super().__init__()
        self.diagnosis = diagnosis
        self.autostart = autostart
        self.export_dir = export_dir
        self.url_check: type[Check] | None = (
            find_url_check(diagnosis.plan)
            if url_check is _LOOK_UP
            else url_check if isinstance(url_check, type) and issubclass(url_check, Check) else None
        )
        self.state = RunState(
            build_rows(diagnosis.plan, diagnosis.profile),
            titles={info.id: info.cls.title for info in diagnosis.plan.checks},
        )
        self.report: Report | None = None
        """The last finished report (the one the exit code and ``-o`` files follow)."""
        self.exports: list[Path] = []
        self.runs = 0
        """Number of the current run; messages of older runs are ignored."""
        self._worker: Worker[Report] | None = None
        self._quit_when_stopped = False
        self.ready = False
        """True once the main screen is mounted; events before that are shown when it is."""
        self._stale = False
        self._refresh_scheduled = False
        self._drawing = False
        self.sub_title = f"{diagnosis.profile.vendor} sign-in"

    # ------------------------------------------------------------------ screens

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(
            self.state,
            address=self.diagnosis.target.input,
            judge=self._judge if self.url_check is not None else None,
            profile=self.diagnosis.profile,
            clock=self.diagnosis.clock,
        )

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    @on(MainScreen.Ready)
    async def _main_ready(self) -> None:
        self.ready = True
        await self._refresh()
        if self.autostart:
            self.start_run()
        else:
            self.main.address.focus()

    async def _judge(self, text: str) -> Verdict | None:
        if self.url_check is None:
            return None
        return await judge_address(
            text,
            check=self.url_check,
            profile=self.diagnosis.profile,
            clock=self.diagnosis.clock,
            settings=self.diagnosis.settings,
        )

    # ------------------------------------------------------------------ running

    @property
    def running(self) -> bool:
        return self.state.phase is Phase.RUNNING

    def start_run(self, address: str | None = None) -> bool:
        """Start a run, on ``address`` when given (else the current target).

        Returns False, and says why under the address, when the address
        cannot be diagnosed; does nothing while a run is in progress.
        """
        if self.running:
            return False
        if address is not None and address.strip() != self.diagnosis.target.input:
            from diagnose.session import make_target

            try:
                target = make_target(address, self.diagnosis.profile)
            except UsageError as exc:
                self.main.address.show_verdict(Verdict(Status.FAIL, str(exc)))
                self.bell()
                return False
            self.diagnosis = dataclasses.replace(self.diagnosis, target=target)
        if self.url_check is None:
            self.main.address.show_verdict(None)  # an earlier "cannot diagnose this" no longer applies
        self.runs += 1
        self.main.stopping = False
        plan = self.diagnosis.plan
        self.state.begin(plan.ids, (info.cls.title for info in plan.checks))
        self._worker = self._run(self.diagnosis, self.runs)
        self.main.checklist.focus()
        self.request_refresh()
        return True

    @work(exclusive=True, exit_on_error=False, group="run", name="diagnosis")
    async def _run(self, diagnosis: Diagnosis, run_id: int) -> Report:
        """The engine, in a worker: each event becomes a message for this app."""

        def emit(event: Event) -> None:
            self.post_message(messages.message_for(event, run_id))

        return await diagnosis.run(emit)

    def replay(self, events: Iterable[Event]) -> None:
        """Show recorded engine events as a run (screenshots and demos; no engine runs)."""
        self.runs += 1
        for event in events:
            self.post_message(messages.message_for(event, self.runs))

    def stop_run(self, *, then_quit: bool = False) -> None:
        """Cancel the run in progress; its partial report arrives as usual."""
        self._quit_when_stopped = self._quit_when_stopped or then_quit
        self.main.stopping = True
        if self._worker is not None:
            self._worker.cancel()
        self.request_refresh()

    @on(messages.RunStarted)
    def _on_run_started(self, message: messages.RunStarted) -> None:
        if message.run_id == self.runs:
            self.state.begin(message.event.check_ids, message.event.titles)
            self.request_refresh()

    @on(messages.CheckStarted)
    def _on_check_started(self, message: messages.CheckStarted) -> None:
        if message.run_id == self.runs:
            self.state.check_started(message.event.check_id)
            self.request_refresh()

    @on(messages.CheckFinished)
    def _on_check_finished(self, message: messages.CheckFinished) -> None:
        if message.run_id == self.runs:
            self.state.check_finished(message.event.result)
            self.request_refresh()

    @on(messages.RunFinished)
    def _on_run_finished(self, message: messages.RunFinished) -> None:
        if message.run_id == self.runs:
            self._finished(message.event.report)
            self.request_refresh()
            self._quit_if_asked()

    def _finished(self, report: Report) -> None:
        self.state.finish(report)
        self.report = report
        self.exports = []

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A run that ended without its RunFinished message (engine crash, early cancel)."""
        worker = event.worker
        if worker is not self._worker or not self.running:
            return
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, Report):
            self._finished(worker.result)
        elif event.state is WorkerState.ERROR:
            error = worker.error
            # The engine's own crash: its message may quote a server, so it is redacted like a result.
            self.state.fail(f"internal error ({type(error).__name__}: {redact_text(str(error))[:300]})")
        elif event.state is WorkerState.CANCELLED:
            self.state.fail("it was stopped before any check started")
        else:
            return
        self.request_refresh()
        self._quit_if_asked()

    def _quit_if_asked(self) -> None:
        if self._quit_when_stopped and not self.running:
            self.exit()

    def request_refresh(self) -> None:
        """Redraw soon: a burst of engine messages costs one redraw, not one each."""
        self._stale = True
        if not self._refresh_scheduled:
            self._refresh_scheduled = True
            self.call_after_refresh(self._refresh)

    @property
    def drawn(self) -> bool:
        """True when the screens show the current state (no redraw pending or under way)."""
        return not (self._stale or self._refresh_scheduled or self._drawing)

    async def _refresh(self) -> None:
        """Redraw every screen that shows the run."""
        self._refresh_scheduled = False
        if not self.ready:
            return
        self._stale = False
        self._drawing = True
        try:
            for screen in self.screen_stack:
                if not screen.is_attached:
                    continue
                if isinstance(screen, MainScreen):
                    await screen.show_state(self.state, self.diagnosis.target)
                elif isinstance(screen, DetailScreen):
                    await screen.show_state(self.state)
            self.refresh_bindings()
        finally:
            self._drawing = False

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what cannot be done now; show Stop only while running."""
        if action == "stop":
            return self.running
        if action == "rerun":
            return None if self.running else True
        if action in ("export", "copy_summary"):
            return True if self.report is not None and not self.running else None
        return True

    @on(AddressField.StartRequested)
    def _address_start(self, message: AddressField.StartRequested) -> None:
        self.start_run(message.address)

    def action_rerun(self) -> None:
        self.start_run(self.main.address.value)

    def action_stop(self) -> None:
        if self.running:
            self.stop_run()

    async def action_quit(self) -> None:
        """Quit; a run in progress is stopped first (a second press quits at once)."""
        if self.running and not self._quit_when_stopped:
            self.stop_run(then_quit=True)
            self.notify("Stopping the run… press q again to quit at once.")
            return
        self.exit()

    def action_export(self) -> None:
        from diagnose.tui.export import export_report

        if self.report is None:
            return
        directory = self.export_dir or Path.cwd()
        try:
            self.exports = export_report(self.report, directory)
        except OSError as exc:
            self.main.show_exports(None, error=f"{directory}: {exc.strerror or exc}")
            self.bell()
            return
        self.main.show_exports(self.exports)
        self.notify(f"{len(self.exports)} report files saved in {directory}")

    def action_copy_summary(self) -> None:
        from diagnose.tui.summary import short_summary

        if self.report is None:
            return
        self.copy_to_clipboard(short_summary(self.report))
        self.notify("A short summary was copied to the clipboard (if your terminal allows it).")

    def action_toggle_clock(self) -> None:
        self.main.toggle_clock()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Light or dark", "Switch between the light and the dark theme", self.action_toggle_dark)
        yield SystemCommand("Re-run", "Run the diagnosis again", self.action_rerun)
        yield SystemCommand("Export", "Write Markdown, HTML and JSON reports", self.action_export)
        yield SystemCommand("Copy summary", "Copy a short summary to the clipboard", self.action_copy_summary)
        yield SystemCommand("Reference clock", "Show or hide the measured true time", self.action_toggle_clock)


def run_tui(
    diagnosis: Diagnosis,
    outputs: Sequence[tuple[Path, str]],
    env: Environment,
    *,
    autostart: bool | None = None,
) -> int:
    """Run the TUI on the terminal; return the exit code a headless run would give.

    ``autostart`` None guesses from the address (one other than the profile's
    means the person gave it on the command line).
    """
    if autostart is None:
        autostart = diagnosis.target.input != diagnosis.profile.default_url
    export_dir = env.environ.get(EXPORT_DIR_ENV)
    app = LoginDoctorApp(diagnosis, autostart=autostart, export_dir=Path(export_dir) if export_dir else None)
    app.run()
    return conclude(app, outputs, env)


def conclude(app: LoginDoctorApp, outputs: Sequence[tuple[Path, str]], env: Environment) -> int:
    """After the app closed: write ``-o`` files, say the result on stderr, return the exit code."""
    from diagnose.frontend import PROG, finish
    from reports.labels import OVERALL_SENTENCE, label

    report = app.report
    if report is None:
        if app.state.failure:
            # as a headless run whose engine crashed: one line, "inconclusive"
            env.stderr.write(f"{PROG}: internal error: the diagnosis stopped: {app.state.failure}\n")
            return int(ExitStatus.INCONCLUSIVE)
        if app.return_code not in (None, 0):
            env.stderr.write(f"{PROG}: the terminal interface stopped with an error\n")
            return int(ExitStatus.INCONCLUSIVE)
        env.stderr.write(f"{PROG}: no diagnosis was completed\n")
        return int(ExitStatus.INTERRUPTED)
    code = finish(report, None, outputs, env)
    status = report.status.value
    env.stderr.write(f"{PROG}: {label(status)}: {OVERALL_SENTENCE.get(status, '')}\n")
    for path in app.exports:
        env.stderr.write(f"{PROG}: report exported to {path}\n")
    return code
