"""Work a turn needs done on the thread that waits for it: the kernel's main thread.

A tool approval asks the person through ``input``; a kernel tool reads or runs code in the
user's namespace. Both must happen on the main thread, where the cell runs and where
Kernel -> Interrupt lands, while the SDK lives on the loop thread. The loop thread puts a
:class:`MainThreadCall` into the queue the waiting thread drains (see
:func:`ccmagic.session.loop.wait_interruptibly`) and awaits its result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class Interrupted(Exception):
    """Kernel -> Interrupt came while the work ran on the main thread."""


class NobodyWaiting(RuntimeError):
    """No thread is waiting for this session's turn, so main-thread work cannot be done."""


@dataclass
class MainThreadCall:
    """``work`` to run on the waiting thread; ``aside`` when it shows something in the cell
    (a question, a kernel tool's output), so the answer continues below it."""

    work: Callable[[], Any]
    aside: bool = False
    future: concurrent.futures.Future[Any] = field(default_factory=concurrent.futures.Future)

    def run(self) -> None:
        """Run the work here. A KeyboardInterrupt reaches the caller as :class:`Interrupted`
        and is raised again, so the wait interrupts the turn too."""
        try:
            result = self.work()
        except KeyboardInterrupt:
            self.future.set_exception(Interrupted())
            raise
        except BaseException as exc:  # the caller (a tool) reports it to Claude
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)


class MainThread:
    """The way to the thread waiting for a session's turn, while one waits."""

    def __init__(self) -> None:
        self._events: queue.SimpleQueue[Any] | None = None

    def attach(self, events: queue.SimpleQueue[Any] | None) -> None:
        """Main-thread work goes into ``events`` from now on (``None``: nobody waits)."""
        self._events = events

    async def run(self, work: Callable[[], T], aside: bool = False) -> T:
        events = self._events
        if events is None:
            raise NobodyWaiting("no thread is waiting for this turn")
        call = MainThreadCall(work, aside)
        events.put(call)
        result: T = await asyncio.wrap_future(call.future)
        return result
