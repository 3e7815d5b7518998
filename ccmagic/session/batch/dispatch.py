"""The waiting side of a batch, on the calling thread: start items while workers and the budget
allow, record each answer as it arrives, and turn Kernel -> Interrupt into a stop.

Answers are recorded here, by the caller's journal, whether they were asked on this kernel's
loop or on another machine: checkpointing, re-asking only unfinished items, interrupts and
budgets hold the same for every runner.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from ccmagic.sdk.oneshot import ItemAnswer, ItemTask
from ccmagic.session.batch.budget import Admission, Budget
from ccmagic.session.batch.items import Item
from ccmagic.session.batch.runners import Runner
from ccmagic.session.loop import ABORT_AFTER_SECONDS, POLL_SECONDS


class Dispatcher:
    """Drives ``runner`` over items: at most ``workers`` in flight, within ``budget``.

    ``task_of`` makes an item's task when it starts (a chain's depends on the answer before);
    ``on_answer`` records an answer; ``on_end`` sees every item that ended (the progress bar).
    """

    def __init__(
        self,
        runner: Runner,
        workers: int,
        budget: Budget,
        task_of: Callable[[Item], ItemTask],
        on_answer: Callable[[Item, ItemTask, ItemAnswer], None],
        on_end: Callable[[Item], None],
    ) -> None:
        self.runner = runner
        self.workers = workers
        self.budget = budget
        self.task_of = task_of
        self.on_answer = on_answer
        self.on_end = on_end
        self.in_flight: dict[Future[ItemAnswer], tuple[Item, ItemTask]] = {}
        self.interrupted_at: float | None = None
        self.aborted = False

    def run(self, items: list[Item]) -> bool:
        """Ask ``items``; returns whether the batch was interrupted."""
        pending = deque(items)
        while self.in_flight or (pending and self.interrupted_at is None):
            try:
                if self.interrupted_at is None:
                    self._start(pending)
                self._collect()
                self._abort_if_stuck()
            except KeyboardInterrupt:
                self._interrupt()
        for item in pending:
            item.status = "interrupted" if self.interrupted_at else item.status
        return self.interrupted_at is not None

    def _start(self, pending: deque[Item]) -> None:
        while pending and len(self.in_flight) < self.workers:
            item = pending[0]
            admission = self.budget.admit(item)
            if admission is Admission.WAIT:
                return
            pending.popleft()
            if admission is Admission.SKIP:
                item.status = "skipped-budget"
                self.on_end(item)
                continue
            task = self.task_of(item)
            self.in_flight[self.runner.submit(task)] = (item, task)

    def _collect(self) -> None:
        if not self.in_flight:
            return
        done, _ = concurrent.futures.wait(
            list(self.in_flight), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED"
        )
        for future in done:
            item, task = self.in_flight.pop(future)
            self._settle(item, task, future)

    def _settle(self, item: Item, task: ItemTask, future: Future[ItemAnswer]) -> None:
        try:
            answer = future.result()
        except concurrent.futures.CancelledError:
            item.status = "interrupted"
            self.budget.settle(item, None)
        except Exception as problem:  # noqa: BLE001 - a worker's failure is this item's error
            item.status, item.error = "error", f"{type(problem).__name__}: {problem}"
            self.budget.settle(item, None)
        else:
            self.on_answer(item, task, answer)
            self.budget.settle(item, answer.record.cost_usd)
        self.on_end(item)

    def _interrupt(self) -> None:
        """A first interrupt stops new items and asks running ones to stop; a second, or one
        that is not enough within the abort delay, gives up on them."""
        if self.interrupted_at is None:
            self.interrupted_at = time.monotonic()
            self.runner.interrupt()
        else:
            self._abort()

    def _abort_if_stuck(self) -> None:
        if (
            self.interrupted_at is not None
            and not self.aborted
            and (time.monotonic() - self.interrupted_at > ABORT_AFTER_SECONDS)
        ):
            self._abort()

    def _abort(self) -> None:
        self.aborted = True
        self.runner.abort()
        for future, (item, _) in list(self.in_flight.items()):
            if not future.done():  # an executor's running task: its answer is dropped
                del self.in_flight[future]
                item.status = "interrupted"
                self.budget.settle(item, None)
                self.on_end(item)
