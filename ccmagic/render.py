"""How a turn looks in a cell: the answer as Markdown while it is written, tools, a footer.

One display output per turn, updated in place at most every ``interval`` seconds and once more
with the whole text at the end, with a ``text/plain`` twin for terminals and saved notebooks and
``{"ccmagic": {...}}`` metadata naming the session. Terminal IPython gets plain streamed text.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ccmagic.events import (
    Notice,
    Retrying,
    TextDelta,
    ThinkingDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
)
from ccmagic.turns import ToolCall, TurnRecord


def format_cost(cost: float | None) -> str:
    return "cost unknown" if cost is None else f"${cost:.4g}"


def format_duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def footer(record: TurnRecord) -> str:
    """model · tokens in/out · this turn's cost · duration · session (· how it ended)."""
    parts = [
        record.model or "model unknown",
        f"{record.input_tokens + record.cache_read_tokens + record.cache_creation_tokens:,} in"
        f" / {record.output_tokens:,} out",
        format_cost(record.cost_usd),
        format_duration(record.duration_ms),
        f"{record.session} #{record.turn}",
    ]
    if record.interrupted:
        parts.append("⏹ interrupted")
    elif record.is_error:
        parts.append("✖ error")
    return " · ".join(parts)


def tool_line(call: ToolCall) -> str:
    folded = f"  ⎿ {call.result}" if call.result is not None else ""
    return f"⏺ {call.line}{folded}"


class TurnContent:
    """The pieces of a turn in the order they happened, renderable as Markdown or plain text."""

    def __init__(self, notices: list[str], show_thinking: bool) -> None:
        self.notices = list(notices)
        self.show_thinking = show_thinking
        self.pieces: list[tuple[str, Any]] = []  # ("text"|"thinking", str) or ("tool", ToolCall)
        self.status: str | None = None

    def add(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self._append("text", event.text)
            self.status = None
        elif isinstance(event, ThinkingDelta):
            if self.show_thinking:
                self._append("thinking", event.text)
        elif isinstance(event, ToolStarted):
            self.pieces.append(("tool", event.call))
        elif isinstance(event, ToolFinished):
            pass  # the ToolCall object in pieces was updated in place
        elif isinstance(event, Retrying):
            self.status = event.text
        elif isinstance(event, Notice):
            self.notices.append(event.text)

    def _append(self, kind: str, text: str) -> None:
        if self.pieces and self.pieces[-1][0] == kind:
            self.pieces[-1] = (kind, self.pieces[-1][1] + text)
        else:
            self.pieces.append((kind, text))

    def markdown(self, foot: str | None) -> str:
        blocks = [f"*{_escape(n)}*" for n in self.notices]
        if self.status:
            blocks.append(f"⏳ *{_escape(self.status)}*")
        for kind, value in self.pieces:
            if kind == "text":
                blocks.append(value.strip("\n"))
            elif kind == "thinking":
                blocks.append("> 💭 " + value.strip().replace("\n", "\n> "))
            else:
                blocks.append(_escape(tool_line(value)))
        if foot:
            blocks.append(f"<sub>{_escape(foot)}</sub>")
        return "\n\n".join(b for b in blocks if b)

    def plain(self, foot: str | None) -> str:
        lines = list(self.notices)
        if self.status:
            lines.append(self.status)
        for kind, value in self.pieces:
            if kind == "text":
                lines.append(value.strip("\n"))
            elif kind == "thinking":
                lines.append("💭 " + value.strip())
            else:
                lines.append(tool_line(value))
        if foot:
            lines.append("── " + foot)
        return "\n".join(line for line in lines if line)


def _escape(text: str) -> str:
    """Keep tool inputs, notices and costs from being read as Markdown, HTML or LaTeX."""
    for char in "\\`*_[]<>#|$":
        text = text.replace(char, "\\" + char)
    return text


class NotebookTurnView:
    """One display output per turn, updated in place (or shown once at the end when not live)."""

    def __init__(
        self,
        metadata: dict[str, Any],
        notices: list[str],
        *,
        stream: bool = True,
        interval: float = 0.1,
        show_thinking: bool = False,
    ) -> None:
        self.content = TurnContent(notices, show_thinking)
        self.metadata = metadata
        self.stream = stream
        self.interval = interval
        self._handle: Any = None
        # the first update waits an interval too: a quick answer is then one output message
        self._last = time.monotonic()
        if stream and notices:
            self._show(None)

    def handle(self, event: TurnEvent) -> None:
        self.content.add(event)
        if self.stream and time.monotonic() - self._last >= self.interval:
            self._show(None)

    def finish(self, record: TurnRecord, warnings: list[str] | None = None) -> None:
        self.metadata["ccmagic"].update(session_id=record.session_id, turn=record.turn)
        self.content.notices.extend(f"⚠ {w}" for w in warnings or [])
        self._show(footer(record))

    def _show(self, foot: str | None) -> None:
        from IPython.display import display

        data = {
            "text/markdown": self.content.markdown(foot),
            "text/plain": self.content.plain(foot),
        }
        if self._handle is None:
            self._handle = display(data, raw=True, metadata=self.metadata, display_id=True)
        else:
            self._handle.update(data, raw=True, metadata=self.metadata)
        self._last = time.monotonic()


class TerminalTurnView:
    """Terminal IPython: print the answer as it comes, then the footer."""

    def __init__(self, notices: list[str], *, show_thinking: bool = False) -> None:
        self.content = TurnContent([], show_thinking)
        self.out = sys.stdout
        for notice in notices:
            self.out.write(notice + "\n")

    def handle(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self.out.write(event.text)
        elif isinstance(event, ToolFinished):
            self.out.write("\n" + tool_line(event.call) + "\n")
        elif isinstance(event, (Retrying, Notice)):
            self.out.write(event.text + "\n")
        elif isinstance(event, ThinkingDelta) and self.content.show_thinking:
            self.out.write(event.text)
        self.out.flush()

    def finish(self, record: TurnRecord, warnings: list[str] | None = None) -> None:
        self.out.write("\n── " + footer(record) + "\n")
        for warning in warnings or []:
            self.out.write(f"⚠ {warning}\n")
        self.out.flush()
