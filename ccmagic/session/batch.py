"""``ccmagic.batch``: many prompts, a few Claude sessions at once, every answer checkpointed.

    answers = ccmagic.batch(prompts, session="labels", workers=4, max_budget_usd=2.0)

Every answer is recorded in the sidecar the moment it arrives, as a turn carrying the batch's
name and the item's key. Run the same call again (after an interrupt, a crash, a kernel
restart, or on another machine with the sidecar) and the items already answered come back from
the record; only unfinished, failed or edited items are asked. Each worker is one
conversation forked from the named session's (so every item sees its earlier instructions), or
a fresh one when it has none; a worker asks its items one after another in that conversation.
Workers are bounded by ``max_live_sessions`` (each is a Claude Code process of ~180 MB).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.options import SessionOptions
from ccmagic.core.start import Start
from ccmagic.core.turns import TurnRecord, format_cost
from ccmagic.errors import CCMagicError
from ccmagic.notebook.location import default_sidecar
from ccmagic.session.live import live_sessions
from ccmagic.session.loop import shared_loop, wait_interruptibly
from ccmagic.session.session import Session
from ccmagic.sidecar.journal import Continuation, Journal

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["response", "status", "cost_usd", "duration_ms", "session_id", "turn", "error"]


class BatchInterrupted(KeyboardInterrupt):
    """Kernel -> Interrupt or Ctrl-C stopped a batch; ``results`` holds what was answered
    (and recorded: the same call again asks only the rest)."""

    def __init__(self, results: pd.DataFrame, message: str) -> None:
        super().__init__(message)
        self.results = results
        self.message = message

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[1;31mBatch interrupted:\x1b[0m {self.message}"]


@dataclass
class Item:
    """One prompt of the batch and what became of it."""

    key: Any  # as given (an index label)
    stored: Any  # the key as recorded with the turn (JSON-safe)
    prompt: str
    record: TurnRecord | None = None
    status: str = "pending"  # ok, error, interrupted, skipped-budget
    error: str | None = None
    reused: bool = False


def _stored(key: Any) -> Any:
    """A key as JSON can keep it: numbers and strings as they are, anything else as text."""
    if hasattr(key, "item") and callable(key.item):  # a numpy scalar
        key = key.item()
    return key if key is None or isinstance(key, str | int | float | bool) else str(key)


def _items(prompts: Any) -> tuple[list[Item], Any]:
    """The items of a list, a dict or a pandas Series, and the index the result takes."""
    import pandas as pd

    if isinstance(prompts, pd.Series):
        pairs = list(prompts.items())
        index = prompts.index
    elif isinstance(prompts, Mapping):
        pairs = list(prompts.items())
        index = pd.Index([k for k, _ in pairs])
    elif isinstance(prompts, Iterable) and not isinstance(prompts, str | bytes):
        pairs = list(enumerate(prompts))
        index = pd.RangeIndex(len(pairs))
    else:
        raise TypeError("prompts must be a list, a dict or a pandas Series of prompt texts")
    items = []
    for key, prompt in pairs:
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"item {key!r}: a prompt must be a non-empty string, not {prompt!r}")
        items.append(Item(key, _stored(key), prompt))
    keys = [json.dumps(i.stored) for i in items]
    if len(set(keys)) != len(keys):
        raise ValueError("the items' keys must be distinct: each one names its answer")
    return items, index


def status_of(record: TurnRecord) -> str:
    if record.interrupted:
        return "interrupted"
    return "error" if record.is_error or record.turn is None else "ok"


def _recorded(journal: Journal, name: str) -> dict[str, TurnRecord]:
    """The latest recorded turn of each item of batch ``name``, by the item's JSON key."""
    latest: dict[str, TurnRecord] = {}
    for conversation in journal.tree().conversations.values():
        for record in conversation.turns:
            if record.batch != name:
                continue
            key = json.dumps(record.item)
            known = latest.get(key)
            if known is None or record.started_at >= known.started_at:
                latest[key] = record
    return latest


class BatchRun:
    """The asking part, on the loop thread: ``workers`` sessions drain one queue of items."""

    def __init__(
        self,
        name: str,
        items: list[Item],
        journal: Journal,
        options: SessionOptions,
        base: Continuation | None,
        workers: int,
        budget: float | None,
        events: queue.SimpleQueue[Any],
    ) -> None:
        self.name = name
        self.pending = deque(items)
        self.journal = journal
        self.options = options
        self.base = base
        self.workers = workers
        self.budget = budget
        self.events = events
        self.spent = 0.0
        self.stopped = False
        self.active: set[Session] = set()
        self._task: asyncio.Task[Any] | None = None

    async def run(self) -> None:
        self._task = asyncio.current_task()
        await asyncio.gather(*(self._worker(n) for n in range(1, self.workers + 1)))

    def _session(self, number: int) -> Session:
        base = self.base
        return Session(
            self.options,
            name=f"{self.name}[{number}]",
            journal=self.journal,
            reason="batch",
            tags=[f"batch:{self.name}"],
            start=Start(
                fork_from=base.session_id if base else None,
                first_turn=base.first_turn if base else 1,
                known_totals=base.known_totals if base else {},
            ),
        )

    async def _worker(self, number: int) -> None:
        session: Session | None = None
        try:
            while self.pending and not self.stopped:
                item = self.pending.popleft()
                if self.budget is not None and self.spent >= self.budget:
                    item.status = "skipped-budget"
                    self.events.put(item)
                    continue
                session = session or self._session(number)
                self.active.add(session)
                try:
                    record = await session.query(item.prompt, batch=(self.name, item.stored))
                except CCMagicError as problem:  # the CLI would not start: this item failed
                    item.status, item.error = "error", str(problem)
                else:
                    item.record, item.status = record, status_of(record)
                    item.error = record.error
                    self.spent += record.cost_usd or 0.0
                self.events.put(item)
        finally:
            if session is not None:
                self.active.discard(session)
                await session.close(grace=2.0)

    async def interrupt(self) -> None:
        """Start no more items; ask the ones being answered to stop."""
        self.stopped = True
        await asyncio.gather(*(s.interrupt() for s in list(self.active)))

    def abort(self) -> None:
        self.stopped = True
        if self._task is not None:
            self._task.cancel()


class BatchProgress:
    """A progress bar while the batch runs (a widget in a notebook, text in a terminal, both
    from tqdm), replaced by a one-line summary when it ends, so a saved notebook keeps text,
    not a widget that needs the kernel."""

    def __init__(self, name: str, total: int, done: int, show: bool) -> None:
        self.name = name
        self.errors = 0
        self.cost = 0.0
        self._bar: Any = None
        self._handle: Any = None
        if not show:
            return
        if _in_kernel():
            from IPython.display import display
            from tqdm.notebook import tqdm as notebook_bar

            self._bar = notebook_bar(total=total, initial=done, desc=name, display=False)
            self._handle = display(self._bar.container, display_id=True)
        else:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=name)

    def advance(self, item: Item) -> None:
        """An item ended (on the waiting thread)."""
        if item.status == "error":
            self.errors += 1
        if item.record is not None and item.record.cost_usd:
            self.cost += item.record.cost_usd
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"{self.errors} errors · {format_cost(self.cost)}")

    def finish(self, summary: str) -> None:
        """Close the bar and say ``summary`` (nothing when empty), where the bar was."""
        if self._bar is not None:
            self._bar.close()
        if self._handle is not None:
            self._handle.update({"text/plain": summary}, raw=True)
        elif summary:
            print(summary)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def batch(
    prompts: Any,
    *,
    session: str = "batch",
    name: str | None = None,
    workers: int = 4,
    max_budget_usd: float | None = None,
    sidecar: str | Path | None = None,
    options: SessionOptions | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Ask every prompt; return a DataFrame indexed like ``prompts`` with ``response``,
    ``status`` (ok / error / interrupted / skipped-budget), ``cost_usd``, ``duration_ms``,
    ``session_id``, ``turn`` and ``error``, in input order.

    ``prompts``: a list, a dict or a pandas Series of prompt texts (e.g. built from a
    DataFrame with a template). ``session``: the conversation whose earlier turns every item
    sees (workers fork from it; fresh ones when it has none). ``name``: the batch's name in
    the record (default: ``session``); the same call again with the same name continues it.
    ``max_budget_usd``: no new item starts once this run has spent that much; the rest are
    skipped-budget until the next run. Items that fail do not stop the batch.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if max_budget_usd is not None and max_budget_usd <= 0:
        raise ValueError("max_budget_usd must be more than 0")
    name = name or session
    items, index = _items(prompts)
    journal = Journal.at(default_sidecar() if sidecar is None else Path(str(sidecar)))
    recorded = _recorded(journal, name)
    for item in items:
        known = recorded.get(json.dumps(item.stored))
        if known is not None and status_of(known) == "ok" and known.prompt == item.prompt:
            item.record, item.status, item.reused = known, "ok", True
    to_ask = [i for i in items if not i.reused]
    started = time.monotonic()
    bar = BatchProgress(name, len(items), len(items) - len(to_ask), progress and bool(to_ask))
    interrupted = False
    try:
        if to_ask:
            interrupted = _ask(name, session, to_ask, journal, options, workers,
                               max_budget_usd, bar)  # fmt: skip
    finally:
        for item in to_ask:
            if item.status == "pending":
                item.status = "interrupted"
        summary = _summary(name, items, time.monotonic() - started)
        bar.finish(summary if progress else "")
    frame = _frame(items, index)
    if interrupted:
        raise BatchInterrupted(frame, summary + " Run the same call again to ask the rest.")
    return frame


def _ask(
    name: str,
    session: str,
    to_ask: list[Item],
    journal: Journal,
    options: SessionOptions | None,
    workers: int,
    budget: float | None,
    bar: BatchProgress,
) -> bool:
    """Ask ``to_ask`` on the shared loop; returns whether the batch was interrupted."""
    base = journal.continuation(session)
    if base is not None and not (base.started and base.history):
        base = None  # nothing to fork from: the workers start fresh
    if options is None:
        options = SessionOptions.from_record(base.options) if base else SessionOptions()
    events: queue.SimpleQueue[Any] = queue.SimpleQueue()
    limit = live_sessions().limit
    run = BatchRun(name, to_ask, journal, options, base, min(workers, limit, len(to_ask)),
                   budget, events)  # fmt: skip
    loop = shared_loop()
    future = loop.submit(run.run())
    try:
        _, interrupted = wait_interruptibly(
            future,
            events,
            bar.advance,
            interrupt=lambda: loop.submit(run.interrupt()),
            abort=lambda: loop.loop.call_soon_threadsafe(run.abort),
        )
    except (asyncio.CancelledError, concurrent.futures.CancelledError):
        interrupted = True  # aborted: the items being asked were recorded as interrupted
    finally:
        while not events.empty():
            bar.advance(events.get())
    return interrupted


def _frame(items: list[Item], index: Any) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for item in items:
        record = item.record
        rows.append(
            {
                "response": record.response if record else None,
                "status": item.status,
                "cost_usd": record.cost_usd if record else None,
                "duration_ms": record.duration_ms if record else None,
                "session_id": record.session_id if record else None,
                "turn": record.turn if record else None,
                "error": item.error,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS, index=index)
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    frame["duration_ms"] = frame["duration_ms"].astype("Int64")
    frame["turn"] = frame["turn"].astype("Int64")
    return frame


def _summary(name: str, items: list[Item], seconds: float) -> str:
    """``labels: 20 items · 18 ok · 2 error · 12 answered before ... · $0.02 this run · 4.1 s``"""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    reused = sum(1 for i in items if i.reused)
    asked = [i.record for i in items if i.record is not None and not i.reused]
    cost = sum(record.cost_usd or 0.0 for record in asked)
    parts = [f"{name}: {len(items)} item{'s' if len(items) != 1 else ''}"]
    parts += [f"{n} {status}" for status, n in counts.items()]
    if reused:
        parts.append(f"{reused} answered before (from the sidecar, not asked again)")
    parts += [f"{format_cost(cost)} this run", f"{seconds:.1f} s"]
    return " · ".join(parts) + "."
