"""Where a batch's items are asked: Claude Code processes on this kernel's loop thread, or any
``concurrent.futures.Executor`` (a Dask client's ``get_executor()``, Ray's, a process pool).

Both hand back a ``concurrent.futures.Future`` of an :class:`ItemAnswer` per task, so the
caller waits, records and counts the same way for either.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from concurrent.futures import Future
from typing import Protocol

from ccmagic.sdk.oneshot import ItemAnswer, ItemAsker, ItemTask, answer_item
from ccmagic.session.loop import shared_loop


class Runner(Protocol):
    def submit(self, task: ItemTask) -> Future[ItemAnswer]: ...
    def interrupt(self) -> None: ...  # ask the answers being written to stop
    def abort(self) -> None: ...  # give up on whatever is still running


class LoopRunner:
    """Each item a Claude Code process on the shared loop; an interrupt reaches the CLI."""

    def __init__(self) -> None:
        self.loop = shared_loop()
        self._askers: dict[Future[ItemAnswer], ItemAsker] = {}

    def submit(self, task: ItemTask) -> Future[ItemAnswer]:
        asker = ItemAsker(task)
        future = self.loop.submit(asker.ask())
        self._askers[future] = asker
        future.add_done_callback(lambda done: self._askers.pop(done, None))
        return future

    def interrupt(self) -> None:
        askers = list(self._askers.values())

        async def stop_all() -> None:
            await asyncio.gather(*(asker.interrupt() for asker in askers))

        self.loop.submit(stop_all())

    def abort(self) -> None:
        for future in list(self._askers):
            future.cancel()


class ExecutorRunner:
    """Items on an executor's workers: the task carries the conversation, the answer its
    transcript. A running task cannot be reached there: an interrupt cancels the ones not
    started, and the ones running are left to end on their own (their answers are dropped)."""

    def __init__(self, executor: concurrent.futures.Executor) -> None:
        self.executor = executor
        self._futures: set[Future[ItemAnswer]] = set()

    def submit(self, task: ItemTask) -> Future[ItemAnswer]:
        future = self.executor.submit(answer_item, task)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return future

    def interrupt(self) -> None:
        for future in list(self._futures):
            future.cancel()

    def abort(self) -> None:
        self.interrupt()
