"""The kernel-lifetime event loop the SDK runs on, and an interruptible wait for its work.

The kernel's own loop is already running, so ``asyncio.run`` cannot be used in a cell. Every
client lives on one private loop in a daemon thread; a client's task group is bound to the loop
it connected on, so every call for it goes through here. The main thread blocks in
:func:`wait_interruptibly`, rendering events as they come, and turns a KeyboardInterrupt
(Kernel -> Interrupt) into a polite interrupt, then a hard abort if that is not enough.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from ccmagic._state import STATE

T = TypeVar("T")

POLL_SECONDS = 0.05
_DONE = object()
ABORT_AFTER_SECONDS = 1.5  # a turn must stop within 2 s of an interrupt


class OwnSessionLoop(asyncio.SelectorEventLoop):
    """An event loop whose child processes start in a session of their own.

    Jupyter's Kernel -> Interrupt signals the kernel's whole process group; a Claude Code CLI in
    that group would die of it instead of being asked to stop. Every spawn on this loop (the SDK
    spawns through ``loop.subprocess_exec``) leaves the group.
    """

    async def subprocess_exec(self, *args: Any, **kwargs: Any) -> Any:
        if os.name == "posix":
            kwargs["start_new_session"] = True
        return await super().subprocess_exec(*args, **kwargs)


class LoopThread:
    """A private asyncio loop on a daemon thread."""

    def __init__(self) -> None:
        self.loop = OwnSessionLoop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="ccmagic-loop", daemon=True
        )
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return self.submit(coro).result(timeout)

    def stop(self) -> None:
        """End the thread and close the loop (what is still scheduled on it is dropped)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


def shared_loop() -> LoopThread:
    """The one loop thread of this process (:mod:`ccmagic._state`), started on first use."""
    with STATE.lock:
        if STATE.loop is None:
            STATE.loop = LoopThread()
        return STATE.loop


def wait_interruptibly(
    future: Future[T],
    events: queue.SimpleQueue[Any],
    on_event: Callable[[Any], None],
    interrupt: Callable[[], object],
    abort: Callable[[], object],
) -> tuple[T, bool]:
    """Wait for ``future`` on the main thread, handing each queued event to ``on_event``.

    A first KeyboardInterrupt calls ``interrupt`` (ask the CLI to stop); if the work has not
    ended ``ABORT_AFTER_SECONDS`` later, or a second KeyboardInterrupt comes, ``abort`` (cancel
    it). Returns the result and whether the wait was interrupted.
    """
    interrupted_at: float | None = None
    aborted = False
    future.add_done_callback(lambda _: events.put(_DONE))  # wake at once, not at the next poll
    while True:
        try:
            try:
                event = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                pass
            else:
                if event is _DONE:
                    break
                on_event(event)
            waited = time.monotonic() - (interrupted_at or time.monotonic())
            if not aborted and waited > ABORT_AFTER_SECONDS:
                abort()
                aborted = True
        except KeyboardInterrupt:
            if interrupted_at is None:
                interrupted_at = time.monotonic()
                interrupt()
            elif not aborted:
                abort()
                aborted = True
    return future.result(), interrupted_at is not None
