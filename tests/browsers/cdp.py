"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Chromium reads commands from its fd 3 and writes replies and events to its
fd 4, each message one JSON object followed by a NUL byte. Using the pipe
instead of the websocket endpoint needs no websocket library, opens no TCP
port (nothing else on the machine can drive the browser), and ties the
protocol's lifetime to the process: when Chromium exits, the pipe closes and
every waiting call fails at once instead of timing out.

One reader thread parses messages. Replies wake the caller waiting on their
``id``; events go to every :class:`EventStream` whose filter matches them.
Everything is synchronous and thread-safe, so a test can drive the browser
while lab servers run in another thread (:class:`diagnose.lab.servers.LabThread`),
or from async code with ``await asyncio.to_thread(page.navigate, url)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]

MAX_MESSAGE = 256 * 1024 * 1024
"""A reply larger than this (a screenshot of a huge page) is a protocol failure, not a memory blow-up."""


class CdpError(Exception):
    """The browser answered a command with an error (``{"error": {"code", "message"}}``)."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"{method}: {message} ({code})")
        self.method = method
        self.code = code
        self.message = message


class BrowserGone(Exception):
    """The pipe closed: the browser exited or crashed while a command was outstanding."""


class CdpTimeout(TimeoutError):
    """No reply (or awaited event) within the timeout."""


@dataclass(frozen=True)
class CdpEvent:
    """One protocol event: ``method`` (e.g. ``Network.loadingFailed``), its ``params``, and the
    flat-mode ``session_id`` of the target it came from (None for browser-level events)."""

    method: str
    params: Mapping[str, Any]
    session_id: str | None


EventFilter = Callable[[CdpEvent], bool]


class EventStream:
    """Events matching a filter, queued from the moment the stream was opened.

    Open one *before* the command whose events you need (``with conn.events(...) as stream``);
    read with :meth:`next`, :meth:`wait_for` or :meth:`drain`.
    """

    def __init__(self, connection: CdpConnection, accept: EventFilter) -> None:
        self._connection = connection
        self._accept = accept
        self._queue: queue.Queue[CdpEvent | None] = queue.Queue()

    def _offer(self, event: CdpEvent) -> None:
        if self._accept(event):
            self._queue.put(event)

    def _close(self) -> None:
        self._queue.put(None)

    def next(self, timeout: float) -> CdpEvent:
        """The next event; :class:`CdpTimeout` after ``timeout`` s, :class:`BrowserGone` if the pipe closed."""
        try:
            event = self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise CdpTimeout(f"no event within {timeout:g} s") from None
        if event is None:
            self._queue.put(None)  # stay closed for later readers
            raise BrowserGone("the browser closed the DevTools pipe")
        return event

    def wait_for(self, predicate: EventFilter, timeout: float) -> CdpEvent:
        """The first event (from now) that satisfies ``predicate``; earlier ones are consumed."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(deadline - time.monotonic())
            if predicate(event):
                return event

    def drain(self) -> list[CdpEvent]:
        """Every event queued so far, without waiting."""
        out: list[CdpEvent] = []
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return out
            if event is None:
                self._queue.put(None)
                return out
            out.append(event)

    def close(self) -> None:
        self._connection._remove_stream(self)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Pending:
    __slots__ = ("done", "reply")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: JsonObject | None = None


class CdpConnection:
    """The protocol over two pipe file descriptors (we write ``write_fd``, read ``read_fd``)."""

    def __init__(self, read_fd: int, write_fd: int, *, name: str = "cdp") -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, _Pending] = {}
        self._streams: list[EventStream] = []
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, name=f"{name}-reader", daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ commands

    def send(self, method: str, params: Mapping[str, Any] | None = None, *,
             session_id: str | None = None, timeout: float = 30.0) -> JsonObject:
        """Send a command and return its ``result``; raises :class:`CdpError`,
        :class:`CdpTimeout` or :class:`BrowserGone`."""
        pending = _Pending()
        with self._lock:
            if self._closed.is_set():
                raise BrowserGone(f"{method}: the DevTools pipe is closed")
            self._next_id += 1
            message_id = self._next_id
            self._pending[message_id] = pending
        message: JsonObject = {"id": message_id, "method": method, "params": dict(params or {})}
        if session_id is not None:
            message["sessionId"] = session_id
        data = json.dumps(message).encode() + b"\0"
        try:
            with self._write_lock:
                view = memoryview(data)
                while view:
                    written = os.write(self._write_fd, view)
                    view = view[written:]
        except OSError as exc:
            self._forget(message_id)
            raise BrowserGone(f"{method}: cannot write to the DevTools pipe ({exc})") from exc
        if not pending.done.wait(timeout):
            self._forget(message_id)
            raise CdpTimeout(f"{method}: no reply within {timeout:g} s")
        reply = pending.reply
        if reply is None:
            raise BrowserGone(f"{method}: the browser closed the DevTools pipe")
        if "error" in reply:
            error = reply["error"]
            raise CdpError(method, int(error.get("code", 0)), str(error.get("message", "")))
        result: JsonObject = reply.get("result", {})
        return result

    def _forget(self, message_id: int) -> None:
        with self._lock:
            self._pending.pop(message_id, None)

    # ------------------------------------------------------------------ events

    def events(self, accept: EventFilter | None = None, *, session_id: str | None = None,
               methods: tuple[str, ...] = ()) -> EventStream:
        """A new :class:`EventStream` of events from ``session_id`` (any when None) whose
        method is in ``methods`` (any when empty) and that ``accept`` likes."""

        def match(event: CdpEvent) -> bool:
            if session_id is not None and event.session_id != session_id:
                return False
            if methods and event.method not in methods:
                return False
            return accept is None or accept(event)

        stream = EventStream(self, match)
        with self._lock:
            if self._closed.is_set():
                stream._close()
            self._streams.append(stream)
        return stream

    def _remove_stream(self, stream: EventStream) -> None:
        with self._lock:
            if stream in self._streams:
                self._streams.remove(stream)

    # ------------------------------------------------------------------ reader

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def wait_closed(self, timeout: float) -> bool:
        return self._closed.wait(timeout)

    def _messages(self) -> Iterator[JsonObject]:
        buffer = bytearray()
        while True:
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while True:
                end = buffer.find(b"\0")
                if end < 0:
                    break
                raw = bytes(buffer[:end])
                del buffer[: end + 1]
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    yield message
            if len(buffer) > MAX_MESSAGE:
                return

    def _read_loop(self) -> None:
        try:
            for message in self._messages():
                self._dispatch(message)
        finally:
            with self._lock:
                self._closed.set()
                pending = list(self._pending.values())
                self._pending.clear()
                streams = list(self._streams)
            for waiter in pending:
                waiter.done.set()
            for stream in streams:
                stream._close()

    def _dispatch(self, message: JsonObject) -> None:
        if "id" in message:
            with self._lock:
                waiter = self._pending.pop(int(message["id"]), None)
            if waiter is not None:
                waiter.reply = message
                waiter.done.set()
            return
        method = message.get("method")
        if not isinstance(method, str):
            return
        event = CdpEvent(method, message.get("params") or {}, message.get("sessionId"))
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream._offer(event)

    def close(self) -> None:
        """Close our ends of the pipes (the reader thread ends when the browser's end closes)."""
        with contextlib.suppress(OSError):
            os.close(self._write_fd)
        self._reader.join(5)
        with contextlib.suppress(OSError):
            os.close(self._read_fd)
