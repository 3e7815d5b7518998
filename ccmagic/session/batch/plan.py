"""What each item is asked with, and how its answer is recorded.

Independent items (the default) are each a fork of the base session at its last turn: every
item sees the instructions given there and nothing of any other item, so its cost does not
grow with the batch. A chain (``chain=True``) is one conversation, in order: the first item
forks the base, each next one continues the conversation the one before left.

A fork starts with a copy of the base's transcript entries; the sidecar keeps only what each
item adds (the copy once per item would be the base's transcript a thousand times over) and
puts the shared part back when the item's conversation is resumed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from ccmagic.core.options import SessionOptions
from ccmagic.sdk.oneshot import ItemAnswer, ItemTask
from ccmagic.session.batch.items import Item, settle
from ccmagic.session.batch.schema import OutputSchema
from ccmagic.sidecar.continuation import Continuation
from ccmagic.sidecar.journal import Journal


@dataclass
class BatchPlan:
    """One batch's base conversation, options and schema, shared by all its items."""

    name: str
    journal: Journal
    options: SessionOptions
    base: Continuation | None
    schema: OutputSchema | None = None
    chain: bool = False
    base_entries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def make(cls, name: str, session: str, journal: Journal, options: SessionOptions | None,
             schema: OutputSchema | None, chain: bool) -> BatchPlan:  # fmt: skip
        base = journal.continuation(session)
        if base is not None and not any(t.turn for t in base.history):
            base = None  # nothing to fork from: each item starts fresh
        if base is not None and not base.resumable:
            raise journal.cannot_resume(base)
        if options is None:
            options = SessionOptions.from_record(base.options) if base else SessionOptions()
        entries = journal.transcript_of(base.session_id) if base else []
        if base is not None and not entries:
            raise journal.cannot_resume(base)
        return cls(name, journal, options, base, schema, chain, entries)

    @property
    def first_turn(self) -> int:
        return self.base.first_turn if self.base else 1

    def task_of(self, item: Item) -> ItemTask:
        """The task asking ``item``: a fork of the base, or the chain's next turn."""
        task = ItemTask(
            prompt=item.prompt,
            name=f"{self.name}[{json.dumps(item.stored)}]",
            session_id=str(uuid.uuid4()),
            turn=self.first_turn,
            options=self.options.to_record(),
            env=dict(self.options.env),
            resume=self.base.session_id if self.base else None,
            entries=self.base_entries,
            output_schema=self.schema.json_schema if self.schema else None,
            batch=(self.name, item.stored),
        )
        if self.chain:
            self._continue_chain(task)
        return task

    def _continue_chain(self, task: ItemTask) -> None:
        """A chain's item continues the chain's conversation once it has one."""
        chain = self.journal.continuation(self.chain_name)
        task.name = self.chain_name
        if chain is None or not chain.started:
            return  # its first turn (or a first that never reached Claude): a fork of the base
        task.session_id = task.resume = chain.session_id
        task.fork, task.turn = False, chain.first_turn
        task.entries = self.journal.transcript_of(chain.session_id)

    @property
    def chain_name(self) -> str:
        return f"{self.name}[chain]"

    def record(self, item: Item, task: ItemTask, answer: ItemAnswer) -> None:
        """Record ``answer`` (with its conversation's start, for a new one) and settle
        ``item``; a structured answer is kept as its JSON text."""
        record = answer.record
        if answer.structured is not None:
            record.response = json.dumps(answer.structured, ensure_ascii=False)
        start = None
        if task.fork or task.resume is None:
            fork = {"parent": task.resume, "fork_turn": self.first_turn - 1} if task.resume else {}
            start = self.journal.session_event(
                task.name, task.session_id, "batch", self.options,
                tags=[f"batch:{self.name}"], **fork,
            )  # fmt: skip
        known = {e["uuid"] for e in task.entries if e.get("uuid")}
        self.journal.record_answer(record, start, (answer.project_key, answer.entries), known)
        settle(item, record, answer.structured, self.schema)
