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
import contextlib
import time
import uuid
import warnings
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from ccmagic.core.options import SessionOptions
from ccmagic.core.turns import CostMeter, TurnRecord
from ccmagic.sdk.failures import bundled_cli_path, first_line, startup_failure
from ccmagic.sdk.permissions import PermissionGate
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
        self._client: Any = None
        self._stopped = False

    async def ask(self) -> ItemAnswer:
        from claude_agent_sdk import ClaudeSDKClient, ClaudeSDKError
        from claude_agent_sdk.types import CanUseToolShadowedWarning

        task = self.task
        options = replace(SessionOptions.from_record(task.options), env=dict(task.env))
        record = TurnRecord(task.name, task.session_id, task.turn, task.prompt)
        record.asked_with = options.answer_changing()
        if task.batch is not None:
            record.batch, record.item = task.batch
        store = _TaskStore(task.resume, task.entries)
        gate, stderr = PermissionGate(), deque[str](maxlen=20)
        extra: dict[str, Any] = {"session_store": store, "can_use_tool": gate,
                                 "stderr": stderr.append}  # fmt: skip
        if task.output_schema is not None:
            extra["output_format"] = {"type": "json_schema", "schema": task.output_schema}
        if task.resume is None or task.fork:
            extra["session_id"] = task.session_id
        sdk_options = options.to_sdk(resume=task.resume, fork=bool(task.resume and task.fork),
                                     **extra)  # fmt: skip
        reader = TurnReader(record, lambda event: None, CostMeter())
        started = time.monotonic()
        gate.begin(record, lambda event: None)
        client = ClaudeSDKClient(sdk_options)
        try:
            with warnings.catch_warnings():  # some tools are allowed outright on purpose
                warnings.simplefilter("ignore", CanUseToolShadowedWarning)
                await client.connect()
        except (ClaudeSDKError, OSError) as exc:
            cli = options.cli_path or str(bundled_cli_path())
            problem = startup_failure(exc, cli, task.session_id, task.name)
            record.turn, record.is_error, record.error = None, True, str(problem)
            record.error_kind = "process"
            return ItemAnswer(record)
        self._client = client
        try:
            if self._stopped:
                record.interrupted = True
            else:
                await self._exchange(reader)
        finally:
            self._client = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), DISCONNECT_SECONDS)
        return self._answer(reader, store, started)

    async def _exchange(self, reader: TurnReader) -> None:
        from claude_agent_sdk import ClaudeSDKError

        prompt_uuid = reader.record.prompt_uuid = str(uuid.uuid4())
        text = self.task.prompt

        async def prompt() -> Any:
            yield {"type": "user", "message": {"role": "user", "content": text},
                   "parent_tool_use_id": None, "uuid": prompt_uuid}  # fmt: skip

        try:
            await self._client.query(prompt())
            async for message in self._client.receive_response():
                reader.read(message)
        except ClaudeSDKError as exc:
            reader.record.error = f"The Claude Code process failed: {first_line(exc)}"
            reader.record.error_kind = "process"

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
        if self._client is not None:
            with contextlib.suppress(Exception):  # the turn may have ended meanwhile
                await self._client.interrupt()


def answer_item(task: ItemTask) -> ItemAnswer:
    """Ask ``task`` on a loop of its own: what an executor's worker runs."""
    return asyncio.run(ItemAsker(task).ask())
