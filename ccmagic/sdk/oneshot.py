"""One prompt in a Claude Code process of its own, continuing a conversation carried in memory.

A batch item is asked here, in the caller's process or on an executor's worker that has only
the package and an API key: the :class:`ItemTask` holds everything (options, the transcript
entries of the conversation it continues or forks, the prompt). Claude Code gets that
transcript through an in-memory ``SessionStore`` (the SDK writes a temporary copy for the CLI
and removes it when the client disconnects); the :class:`ItemAnswer` carries back the turn's
record and the transcript entries the process wrote, for the caller's journal to keep.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ccmagic.core.options import SessionOptions
from ccmagic.core.turns import CostMeter, TurnRecord
from ccmagic.errors import CCMagicError
from ccmagic.sdk.client import ClaudeCode
from ccmagic.sdk.failures import TurnBroken, bundled_cli_path
from ccmagic.sdk.gate import PermissionGate
from ccmagic.sdk.options import Extras, Where, agent_options
from ccmagic.sdk.reader import TurnReader

DISCONNECT_SECONDS = 5.0


@dataclass
class ItemTask:
    """Everything needed to ask one prompt, picklable for any ``concurrent.futures`` executor.

    ``resume``: the conversation to continue (its entries in ``entries``); with ``fork`` a new
    conversation ``session_id`` branches off it, otherwise ``session_id`` is ``resume`` itself.
    No ``resume``: a fresh conversation. ``output_schema``: a JSON schema the answer must fill
    (the SDK's structured output).
    """

    prompt: str
    name: str
    session_id: str
    turn: int
    options: dict[str, Any]
    resume: str | None = None
    fork: bool = True
    entries: list[dict[str, Any]] = field(default_factory=list)
    output_schema: dict[str, Any] | None = None
    batch: tuple[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ItemAnswer:
    """The answer's record, its structured output if asked for, and the transcript entries
    the process wrote that the task did not already carry."""

    record: TurnRecord
    entries: list[dict[str, Any]] = field(default_factory=list)
    project_key: str = ""
    structured: Any = None


class _TaskStore:
    """The SDK's ``SessionStore`` protocol in memory: loads the task's conversation, keeps
    what Claude Code mirrors of the new one."""

    def __init__(self, session_id: str | None, entries: list[dict[str, Any]]) -> None:
        self.session_id = session_id
        self.entries = entries
        self.known = {e["uuid"] for e in entries if e.get("uuid")}
        self.written: list[dict[str, Any]] = []
        self.project_key = ""

    async def append(self, key: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        if key.get("subpath"):  # subagents' own transcripts are not resumed
            return
        self.project_key = str(key.get("project_key") or "")
        self.written.extend(e for e in entries if e.get("uuid") not in self.known)

    async def load(self, key: dict[str, Any]) -> list[dict[str, Any]] | None:
        if key.get("subpath") or key.get("session_id") != self.session_id or not self.entries:
            return None
        return list(self.entries)


class ItemAsker:
    """Asks one :class:`ItemTask`; :meth:`interrupt` (on the same loop) stops it early."""

    def __init__(self, task: ItemTask) -> None:
        self.task = task
        self._process: ClaudeCode | None = None
        self._stopped = False

    async def ask(self) -> ItemAnswer:
        task = self.task
        options = replace(SessionOptions.from_record(task.options), env=dict(task.env))
        record = TurnRecord(task.name, task.session_id, task.turn, task.prompt)
        record.asked_with = options.answer_changing()
        if task.batch is not None:
            record.batch, record.item = task.batch
        store = _TaskStore(task.resume, task.entries)
        gate, stderr = PermissionGate(), deque[str](maxlen=20)
        output = (
            {"type": "json_schema", "schema": task.output_schema} if task.output_schema else None
        )
        extras = Extras(can_use_tool=gate, gate=gate, stderr=stderr.append, store=store,
                        output_format=output)  # fmt: skip
        if task.resume is None:
            where = Where(session_id=task.session_id)
        elif task.fork:
            where = Where(task.session_id, task.resume, fork=True)
        else:
            where = Where(resume=task.resume)
        reader = TurnReader(record, lambda event: None, CostMeter())
        started = time.monotonic()
        gate.begin(record, lambda event: None, options.tool_policy(Path.cwd()))
        process = ClaudeCode(agent_options(options, where, extras))
        try:
            await process.start(options.cli_path or str(bundled_cli_path()), task.session_id,
                                task.name)  # fmt: skip
        except CCMagicError as problem:
            record.turn, record.is_error, record.error = None, True, str(problem)
            record.error_kind = "process"
            return ItemAnswer(record)
        self._process = process
        try:
            if self._stopped:
                record.interrupted = True
            else:
                await self._exchange(process, reader)
        finally:
            self._process = None
            await process.stop(DISCONNECT_SECONDS)
        return self._answer(reader, store, started)

    async def _exchange(self, process: ClaudeCode, reader: TurnReader) -> None:
        prompt_uuid = reader.record.prompt_uuid = str(uuid.uuid4())
        try:
            async for message in process.ask(self.task.prompt, prompt_uuid):
                reader.read(message)
        except TurnBroken as broken:
            reader.record.error, reader.record.error_kind = broken.message, broken.kind

    def _answer(self, reader: TurnReader, store: _TaskStore, started: float) -> ItemAnswer:
        record = reader.record
        reader.finish()
        if not record.duration_ms:
            record.duration_ms = int((time.monotonic() - started) * 1000)
        if not reader.reached:
            record.turn = None  # recorded, but not a turn of the conversation
        structured = getattr(reader.result, "structured_output", None)
        return ItemAnswer(record, store.written, store.project_key, structured)

    async def interrupt(self) -> None:
        """Ask the answer being written to stop (a task not connected yet never asks)."""
        self._stopped = True
        if self._process is not None:
            await self._process.interrupt()


def answer_item(task: ItemTask) -> ItemAnswer:
    """Ask ``task`` on a loop of its own: what an executor's worker runs."""
    return asyncio.run(ItemAsker(task).ask())
