"""Engine events as Textual messages.

The engine emits plain :mod:`diagnose.events` objects through a callback and
knows nothing of Textual; the app's worker wraps each one in a message here
and posts it, so the UI updates from its own message loop. Every message
carries the number of the run it belongs to: a late message from a cancelled
run can never overwrite the next run's rows.
"""

from __future__ import annotations

from textual.message import Message

from diagnose import events


class EngineMessage(Message):
    """Base of the messages that carry an engine event."""

    def __init__(self, run_id: int) -> None:
        super().__init__()
        self.run_id = run_id


class RunStarted(EngineMessage):
    """The plan is fixed; rows start waiting."""

    def __init__(self, run_id: int, event: events.RunStarted) -> None:
        super().__init__(run_id)
        self.event = event


class CheckStarted(EngineMessage):
    """A check began: its row spins."""

    def __init__(self, run_id: int, event: events.CheckStarted) -> None:
        super().__init__(run_id)
        self.event = event


class CheckFinished(EngineMessage):
    """A check has its result: its row may be decided."""

    def __init__(self, run_id: int, event: events.CheckFinished) -> None:
        super().__init__(run_id)
        self.event = event


class RunFinished(EngineMessage):
    """The report is complete (also after a cancel: then it is marked interrupted)."""

    def __init__(self, run_id: int, event: events.RunFinished) -> None:
        super().__init__(run_id)
        self.event = event


def message_for(event: events.Event, run_id: int) -> EngineMessage:
    """Wrap an engine event in its message."""
    if isinstance(event, events.RunStarted):
        return RunStarted(run_id, event)
    if isinstance(event, events.CheckStarted):
        return CheckStarted(run_id, event)
    if isinstance(event, events.CheckFinished):
        return CheckFinished(run_id, event)
    return RunFinished(run_id, event)
