"""Engine events as Textual messages.

The engine emits plain :mod:`diagnose.events` objects through a callback and
knows nothing of Textual; the app's worker wraps each one in a message here
and posts it, so the UI updates from its own message loop. Every message
carries the number of the run it belongs to: a late message from a cancelled
run can never overwrite the next run's rows.

One base holds the run number and the event; each subclass only names the
event it carries, so handlers can be written per kind (``@on(RunStarted)``).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual.message import Message

from diagnose import events

E = TypeVar("E", events.RunStarted, events.CheckStarted, events.CheckFinished, events.RunFinished)


class EngineMessage(Message, Generic[E]):
    """Base of the messages that carry an engine event."""

    def __init__(self, run_id: int, event: E) -> None:
        super().__init__()
        self.run_id = run_id
        self.event: E = event


class RunStarted(EngineMessage[events.RunStarted]):
    """The plan is fixed; rows start waiting."""


class CheckStarted(EngineMessage[events.CheckStarted]):
    """A check began: its row spins."""


class CheckFinished(EngineMessage[events.CheckFinished]):
    """A check has its result: its row may be decided."""


class RunFinished(EngineMessage[events.RunFinished]):
    """The report is complete (also after a cancel: then it is marked interrupted)."""


_MESSAGE_FOR: dict[type[Any], type[EngineMessage[Any]]] = {
    events.RunStarted: RunStarted,
    events.CheckStarted: CheckStarted,
    events.CheckFinished: CheckFinished,
    events.RunFinished: RunFinished,
}


def message_for(event: events.Event, run_id: int) -> EngineMessage[Any]:
    """Wrap an engine event in its message."""
    return _MESSAGE_FOR[type(event)](run_id, event)
