"""Reading one turn's messages from the SDK into its :class:`TurnRecord` and view events.

What the SDK hands over is streamed text, whole assistant messages (text, tool calls), tool
results, retry notices and a final result with usage and the process's running cost. Claude
Code's own words on a failure come as assistant messages of a ``<synthetic>`` model: they are
not the model's answer, and a turn that only has those never reached the model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)

from ccmagic.core.events import (
    Retrying,
    TextDelta,
    ThinkingDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
)
from ccmagic.core.fingerprints import FILE_EFFECTS, FILE_READERS, file_sighting
from ccmagic.core.turns import CostMeter, ToolCall, TurnRecord, model_usage_tokens
from ccmagic.sdk.failures import describe_result

SYNTHETIC_MODEL = "<synthetic>"  # what Claude Code names the model of its own error messages

EventHandler = Callable[[TurnEvent], None]
Clean = Callable[[Any, str], Any]  # a tool's input or result, with secrets taken out


def _as_is(value: Any, place: str) -> Any:
    return value


class TurnReader:
    """Folds the SDK messages of one turn into ``record``, handing events to ``emit``; each
    file Claude reads is fingerprinted as its result arrives (``root``: the working folder)."""

    def __init__(
        self,
        record: TurnRecord,
        emit: EventHandler,
        meter: CostMeter,
        root: Path | None = None,
        clean: Clean = _as_is,
    ) -> None:
        self.record = record
        self.root = root
        self.emit = emit
        self.meter = meter
        self.clean = clean  # applied whole, before a tool's input and result are folded
        self.reached = False  # the model received the prompt (it started answering)
        self.result: Any = None
        self._streamed: list[str] = []
        self._texts: list[str] = []
        self._calls: dict[str, ToolCall] = {}
        self._files: dict[str, str] = {}  # tool use id -> the path a file reader was given
        self._after: str | None = None  # a tool that may change files was called this turn

    @property
    def partial_text(self) -> str:
        """What was written so far: the whole messages, then the one being streamed."""
        unfinished = "".join(self._streamed).strip("\n")
        return "\n\n".join([*self._texts, unfinished] if unfinished else self._texts)

    def read(self, message: Any) -> None:
        if isinstance(message, StreamEvent):
            self.reached = True
            if message.parent_tool_use_id is None:
                self._stream(message.event)
        elif isinstance(message, AssistantMessage):
            if message.parent_tool_use_id is None and message.model != SYNTHETIC_MODEL:
                self.reached = True
                self.record.model = message.model
                self._streamed = []  # streamed so far: this message, now whole
                self._assistant(message.content)
        elif isinstance(message, UserMessage) and isinstance(message.content, list):
            self._tool_results(message.content)
        elif isinstance(message, SystemMessage) and message.subtype == "api_retry":
            data = message.data
            self.emit(
                Retrying(
                    attempt=int(data.get("attempt") or 0),
                    max_retries=int(data.get("max_retries") or 0),
                    delay_ms=int(data.get("retry_delay_ms") or 0),
                    status=data.get("error_status"),
                )
            )
        elif isinstance(message, ResultMessage):
            self.result = message

    def _assistant(self, content: list[Any]) -> None:
        for block in content:
            if isinstance(block, TextBlock):
                self._texts.append(block.text)
                self.record.layout.append(["t", len(block.text)])
            elif isinstance(block, ToolUseBlock):
                tool_input = self.clean(block.input, f"{block.name} input")
                call = ToolCall.from_block(block.name, tool_input, block.id)
                self._calls[block.id] = call
                path = block.input.get(FILE_READERS.get(block.name, ""))
                if isinstance(path, str) and path:
                    self._files[block.id] = path
                elif block.name in FILE_EFFECTS:
                    self._after = self._after or call.short_name
                self.record.layout.append(["c", len(self.record.tool_calls)])
                self.record.tool_calls.append(call)
                self.emit(ToolStarted(call))

    def _tool_results(self, content: list[Any]) -> None:
        for block in content:
            if isinstance(block, ToolResultBlock) and block.tool_use_id in self._calls:
                call = self._calls[block.tool_use_id]
                call.fold_result(self.clean(block.content, f"{call.name} output"), block.is_error)
                path = self._files.pop(block.tool_use_id, None)
                if path is not None and self.root is not None:
                    seen = file_sighting(path, self.root)
                    self.record.saw.append(seen | ({"after": self._after} if self._after else {}))
                self.emit(ToolFinished(call))

    def _stream(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "content_block_start":
            if event.get("content_block", {}).get("type") == "text" and self._streamed:
                self._streamed.append("\n\n")
                self.emit(TextDelta("\n\n"))
        elif kind == "content_block_delta":
            delta = event.get("delta", {})
            if delta.get("type") == "text_delta":
                self._streamed.append(delta.get("text", ""))
                self.emit(TextDelta(delta.get("text", "")))
            elif delta.get("type") == "thinking_delta":
                self.emit(ThinkingDelta(delta.get("thinking", "")))

    def finish(self) -> bool:
        """Complete the record from what arrived; ``False`` when no result came (the process
        ended during the turn)."""
        record = self.record
        record.response = self.partial_text
        if self.result is None:
            record.is_error = True
            record.error = record.error or "The Claude Code process ended during the turn."
            record.error_kind = record.error_kind or "process"
            return False
        result = self.result
        usage = result.usage or {}
        record.input_tokens = int(usage.get("input_tokens") or 0)
        record.output_tokens = int(usage.get("output_tokens") or 0)
        record.cache_read_tokens = int(usage.get("cache_read_input_tokens") or 0)
        record.cache_creation_tokens = int(usage.get("cache_creation_input_tokens") or 0)
        record.duration_ms = result.duration_ms
        record.reported_total_usd = result.total_cost_usd
        record.reported_tokens = model_usage_tokens(result.model_usage) or None
        record.cost_usd = self.meter.turn_cost(result.total_cost_usd, usage, result.model_usage)
        if not record.model and result.model_usage:
            record.model = next((m for m in result.model_usage if m != SYNTHETIC_MODEL), None)
        if result.terminal_reason in ("aborted_streaming", "aborted_tools"):
            record.interrupted = True
        elif result.is_error or result.subtype != "success":
            record.is_error = True
            record.error_status = result.api_error_status
            record.error, record.error_kind = describe_result(result)
        return True
