"""``ccmagic.batch``: Claude over every row of a DataFrame, each answer checkpointed.

    answers = ccmagic.batch(prompts, session="labels", workers=4, max_budget_usd=2.0)

Each item is a fork of the named session at its last turn: it sees the instructions given
there and nothing of any other item, at a cost that does not grow with the batch
(``chain=True`` asks them in one conversation instead, in order). Every answer is recorded in
the sidecar as it arrives, as a turn carrying the batch's name and the item's key: run the
same call again (after an interrupt, a crash, a kernel restart, or elsewhere with the sidecar)
and only unfinished, failed or edited items are asked. ``executor=`` runs the items on any
``concurrent.futures.Executor`` (a Dask cluster), recorded here all the same.
"""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.options import SessionOptions
from ccmagic.notebook.location import default_sidecar
from ccmagic.session.batch.budget import Budget
from ccmagic.session.batch.dispatch import Dispatcher
from ccmagic.session.batch.estimate import Estimate, sample
from ccmagic.session.batch.items import Item, frame_of, items_of, reuse_recorded, summary
from ccmagic.session.batch.plan import BatchPlan
from ccmagic.session.batch.progress import BatchProgress
from ccmagic.session.batch.runners import ExecutorRunner, LoopRunner, Runner
from ccmagic.session.batch.schema import OutputSchema
from ccmagic.session.live import live_sessions
from ccmagic.sidecar.journal import Journal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BatchInterrupted", "batch"]


class BatchInterrupted(KeyboardInterrupt):
    """Kernel -> Interrupt or Ctrl-C stopped a batch; ``results`` holds what was answered
    (and recorded: the same call again asks only the rest)."""

    def __init__(self, results: pd.DataFrame, message: str) -> None:
        super().__init__(message)
        self.results = results
        self.message = message

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[1;31mBatch interrupted:\x1b[0m {self.message}"]


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
    chain: bool = False,
    schema: Any = None,
    estimate: int | None = None,
    executor: concurrent.futures.Executor | None = None,
) -> pd.DataFrame:
    """Ask every prompt; return a DataFrame indexed like ``prompts`` with ``prompt``,
    ``response``, ``status`` (ok / error / interrupted / skipped-budget), ``cost_usd``,
    ``input_tokens``, ``output_tokens``, ``duration_ms``, ``session_id``, ``turn``, ``error``,
    and a typed column per field of ``schema``, in input order.

    ``prompts``: a list, a dict or a pandas Series of prompt texts. ``session``: the
    conversation whose instructions every item sees (each item forks it; a fresh conversation
    when it has none). ``name``: the batch's name in the record (default: ``session``); the
    same call again continues it. ``workers``: items asked at once (on this kernel at most
    ``max_live_sessions``). ``max_budget_usd``: items start only while what was spent and what
    the items in flight are expected to cost fit under it (the bound is in
    :mod:`ccmagic.session.batch.budget`); the rest are skipped-budget until the next run.
    ``chain``: one conversation, items in order, each seeing the ones before. ``schema``: a
    JSON-schema dict, pydantic model, dataclass or TypedDict every answer must fill (an answer
    that does not is an ``error`` with the reason). ``estimate``: ask only that many sampled
    items, then print what the whole batch would cost and take. ``executor``: a
    ``concurrent.futures.Executor`` to ask the items on (e.g. ``dask_client.get_executor()``).
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    budget = Budget(max_budget_usd)
    checked = OutputSchema(schema) if schema is not None else None
    name = name or session
    items, index = items_of(prompts)
    journal = Journal.at(default_sidecar() if sidecar is None else Path(str(sidecar)))
    reuse_recorded(journal, name, items, checked)
    to_ask = [i for i in items if not i.reused]
    if estimate is not None:
        to_ask = sample(to_ask, estimate)
    plan = BatchPlan.make(name, session, journal, options, checked, chain) if to_ask else None
    if chain or executor is None:
        workers = 1 if chain else min(workers, live_sessions().limit)
    runner: Runner = LoopRunner() if executor is None else ExecutorRunner(executor)
    started = time.monotonic()
    interrupted = _run(name, plan, to_ask, items, runner, workers, budget, progress)
    seconds = time.monotonic() - started
    frame = frame_of(items, index, checked)
    if interrupted:
        line = summary(name, items, seconds) + " Run the same call again to ask the rest."
        raise BatchInterrupted(frame, line)
    if estimate is not None and plan is not None:
        _say_estimate(frame, name, items, to_ask, workers, seconds)
    return frame


def _say_estimate(frame: pd.DataFrame, name: str, items: list[Item], sampled: list[Item],
                  workers: int, seconds: float) -> None:  # fmt: skip
    """Print what the items not asked would cost and take (kept in ``frame.attrs``)."""
    left = sum(1 for i in items if i.status == "pending")
    try:
        projected = Estimate.of(sampled, left, workers, seconds)
    except ValueError as problem:
        print(f"{name}: {problem} (see the errors in the result).")
        return
    frame.attrs["estimate"] = projected
    print(projected.line(name, workers))


def _run(name: str, plan: BatchPlan | None, to_ask: list[Item], items: list[Item],
         runner: Runner, workers: int, budget: Budget, progress: bool) -> bool:  # fmt: skip
    """Ask ``to_ask`` with a progress bar that ends as the summary line; interrupted?"""
    bar = BatchProgress(name, len(items), len(items) - len(to_ask), progress and bool(to_ask))
    started = time.monotonic()
    interrupted = False
    try:
        if plan is not None:
            dispatcher = Dispatcher(runner, workers, budget, plan.task_of, plan.record,
                                    bar.advance)  # fmt: skip
            interrupted = dispatcher.run(to_ask)
    finally:
        for item in to_ask:
            if item.status == "pending":
                item.status = "interrupted"
        bar.finish(summary(name, items, time.monotonic() - started) if progress else "")
    return interrupted
