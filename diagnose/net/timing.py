"""Small timing helpers shared by the protocol modules."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any


class Stopwatch:
    """Milliseconds since it was started (monotonic)."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def ms(self) -> int:
        return max(0, round((time.monotonic() - self._start) * 1000))


async def in_daemon_thread(fn: Callable[[], Any], timeout: float) -> Any:
    """Run a blocking call in a daemon thread and wait at most ``timeout`` for it.

    Unlike ``run_in_executor``, an abandoned call (a hung ``getaddrinfo``)
    neither blocks the event loop's shutdown nor the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def work() -> None:
        try:
            value, ok = fn(), True
        except BaseException as exc:  # delivered to the awaiting coroutine
            value, ok = exc, False
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
            loop.call_soon_threadsafe(deliver, ok, value)

    threading.Thread(target=work, name="login-doctor-resolver", daemon=True).start()
    async with asyncio.timeout(timeout):
        return await future


async def close_quietly(writer: asyncio.StreamWriter, timeout: float = 1.0) -> None:
    """Close a connection and wait briefly for it; a peer that misbehaves while closing is ignored."""
    import ssl

    writer.close()
    with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
        async with asyncio.timeout(timeout):
            await writer.wait_closed()
