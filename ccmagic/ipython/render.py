"""How a turn looks in a cell: the answer as Markdown while it is written, tools, a footer.

One display output per turn, updated in place at most every ``interval`` seconds and once more
with the whole text at the end, with a ``text/plain`` twin for terminals and saved notebooks and
``{"ccmagic": {...}}`` metadata naming the session. Terminal IPython gets plain streamed text.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ccmagic.core.events import (
    Aside,
    Decided,
    Notice,
    Retrying,
    TextDelta,
    ThinkingDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
)
from ccmagic.core.permissions import decision_line
from ccmagic.core.turns import Standing, ToolCall, TurnRecord, format_cost, format_duration
from ccmagic.notebook.freshness import Verdict
from ccmagic.views.tables import NO_MATH

REPLAYED = "↺ replayed"  # how a replayed turn's footer starts (nbval_sanitize.cfg drops it)
# Marks every page draws: where only the DejaVu and Liberation fonts are installed, ⏺ ⎿ ⏹ ⏳
# and emoji are empty boxes; these are in DejaVu Sans (fonts-dejavu-core), ● └ ■ in both.
TOOL, RESULT, INTERRUPTED, RETRYING, THINKING = "●", "└", "■", "↻", "✻"


def footer(record: TurnRecord, standing: Standing | None = None) -> str:
    """model · tokens in/out · this turn's cost · duration · its label · what was spent under
    its name (and on its line, when that differs) · how it ended; a try that never reached
    the model says so instead."""
    if record.turn is None:
        why = "interrupted while connecting" if record.interrupted else record.error or "failed"
        return f"{record.session} · not sent to Claude: {why.rstrip('.')}"
    parts = [
        record.model or "model unknown",
        f"{record.input_tokens + record.cache_read_tokens + record.cache_creation_tokens:,} in"
        f" / {record.output_tokens:,} out",
        format_cost(record.cost_usd),
        format_duration(record.duration_ms),
        standing.label if standing is not None else f"{record.session} #{record.turn}",
    ]
    if standing is not None and standing.totals:
        parts.append(standing.totals)
    if record.interrupted:
        parts.append(f"{INTERRUPTED} interrupted")
    elif record.is_error:
        parts.append("✖ error")
    return " · ".join(parts)


def replay_mark(record: TurnRecord, verdict: Verdict | None = None) -> str:
    """``↺ replayed (asked 2026-12-04)``; ``↺ replayed anyway (asked …; df changed …)`` when
    its data changed, and what its replay could not check (``not checked: Bash``)."""
    anyway = " anyway" if verdict is not None and verdict.stale else ""
    remarks = verdict.remarks if verdict is not None else []
    return f"{REPLAYED}{anyway} ({'; '.join([f'asked {record.started_at[:10]}', *remarks])})"


def tool_line(call: ToolCall) -> str:
    folded = f"  {RESULT} {call.result}" if call.result is not None else ""
    return f"{TOOL} {call.line}{folded}"


class TurnContent:
    """The pieces of a turn in the order they happened, renderable as Markdown or plain text."""

    def __init__(self, notices: list[str], show_thinking: bool) -> None:
        self.notices = list(notices)  # about the session (continuing, reconnected, warnings)
        self.decisions: list[dict[str, str]] = []  # tools allowed or denied
        self.show_thinking = show_thinking
        self.pieces: list[tuple[str, Any]] = []  # ("text"|"thinking", str) or ("tool", ToolCall)
        self.status: str | None = None

    @classmethod
    def of(cls, record: TurnRecord, notices: list[str] | None = None) -> TurnContent:
        """A finished turn from its record alone, as the live cell ends and as a replay shows
        it: its text and tool pieces in their order, and its tool decisions."""
        content = cls(notices or [], show_thinking=False)
        content.decisions = list(record.permissions)
        calls = list(record.tool_calls)
        start = 0
        for kind, value in record.layout:
            if kind == "t":
                content.pieces.append(("text", record.response[start : start + value]))
                start += value + 2  # the blank line the answer's text blocks are joined by
            elif kind == "c" and value < len(calls):
                content.pieces.append(("tool", calls[value]))
        if not record.layout:  # recorded before layouts were kept, or cut off mid-message
            if record.response:
                content.pieces.append(("text", record.response))
            content.pieces += [("tool", call) for call in calls]
        elif start < len(record.response):  # an interrupted message's text, after the rest
            content.pieces.append(("text", record.response[start:]))
        return content

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
        elif isinstance(event, Decided):
            self.decisions.append(event.entry)

    def _append(self, kind: str, text: str) -> None:
        if self.pieces and self.pieces[-1][0] == kind:
            self.pieces[-1] = (kind, self.pieces[-1][1] + text)
        else:
            self.pieces.append((kind, text))

    def drawn(self, foot: str | None) -> list[tuple[str, str]]:
        """What the cell shows, in order, as (kind, text): every piece passes the redactor
        here, whole, before it is escaped, quoted or folded (the cell's one gate)."""
        from ccmagic.sidecar.redaction import shown

        parts = [("note", n) for n in self._notes]
        if self.status:
            parts.append(("status", self.status))
        for kind, value in self.pieces:
            if kind in ("text", "thinking"):
                parts.append((kind, value))
            else:
                parts.append(("tool", tool_line(value)))
                if value.code is not None:
                    parts.append(("code", value.code))
        if foot:
            parts.append(("foot", foot))
        return [(kind, shown(text, "cell")) for kind, text in parts]

    def markdown(self, foot: str | None, drawn: list[tuple[str, str]] | None = None) -> str:
        """The cell as Markdown (``drawn``: :meth:`drawn` already computed for this update)."""
        blocks = []
        for kind, text in drawn if drawn is not None else self.drawn(foot):
            if kind == "text":
                blocks.append(text.strip("\n"))
            elif kind == "thinking":
                blocks.append(f"> {THINKING} " + text.strip().replace("\n", "\n> "))
            elif kind == "code":
                blocks.append(_fenced(text))
            else:
                tag = {"note": "i", "status": "i", "foot": "sub"}.get(kind, "span")
                blocks.append((f"{RETRYING} " if kind == "status" else "") + _ours(text, tag))
        return "\n\n".join(b for b in blocks if b)

    @property
    def _notes(self) -> list[str]:
        return self.notices + [decision_line(entry) for entry in self.decisions]

    def plain(self, foot: str | None, drawn: list[tuple[str, str]] | None = None) -> str:
        lines = []
        for kind, text in drawn if drawn is not None else self.drawn(foot):
            if kind == "text":
                lines.append(text.strip("\n"))
            elif kind == "thinking":
                lines.append(f"{THINKING} " + text.strip())
            elif kind == "code":
                lines.append(_indented(text))
            else:
                lines.append(("── " if kind == "foot" else "") + text)
        return "\n".join(line for line in lines if line)


def _ours(text: str, tag: str = "span") -> str:
    """Our own words (tool inputs, notices, costs) in an answer's Markdown: read as neither
    Markdown nor HTML, and kept from MathJax, which typesets the rendered page (a backslash
    before ``$`` is gone by then)."""
    for char in "\\`*_[]<>#|$&":
        text = text.replace(char, "\\" + char)
    return f"<{tag} class='{NO_MATH}'>{text}</{tag}>"


def _fenced(code: str) -> str:
    fence = "~~~~" if "```" in code else "```"
    return f"{fence}python\n{code.rstrip()}\n{fence}"


def _indented(code: str) -> str:
    return "\n".join("    " + line for line in code.rstrip().splitlines())


class NotebookTurnView:
    """A turn's answer as a display output updated in place (or shown once at the end when not
    live). When something else is shown in the cell meanwhile (an approval question, a figure
    of code Claude ran), the answer so far stays above it and continues in a new output below,
    so the cell, and the saved notebook, read in the order things happened; the last output
    has the footer and the turn's metadata."""

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
        self._split = False  # an aside split the answer into several outputs
        # the first update waits an interval too: a quick answer is then one output message
        self._last = time.monotonic()
        if stream and notices:
            self._show(None)

    def handle(self, event: TurnEvent) -> None:
        if isinstance(event, Aside):
            self._continue_below()
            return
        self.content.add(event)
        if self.stream and time.monotonic() - self._last >= self.interval:
            self._show(None)

    def _continue_below(self) -> None:
        """Freeze what is shown; a tool still running moves below, where its result will be."""
        pieces = self.content.pieces
        running = (
            pieces.pop()
            if pieces and pieces[-1][0] == "tool" and pieces[-1][1].result is None
            else None
        )
        if self.content.notices or self.content.decisions or pieces or self.content.status:
            self._show(None)
        self._split = True
        self.content = TurnContent([], self.content.show_thinking)
        if running is not None:
            self.content.pieces.append(running)
        self._handle = None

    def finish(
        self,
        record: TurnRecord,
        standing: Standing | None = None,
        warnings: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """The whole answer with its footer; ``metadata`` is what the output keeps.

        Unless an aside split it, the final answer is drawn from the record alone (plus what
        was said of the session), exactly as a replay of the turn will draw it."""
        self.metadata = {"ccmagic": metadata} if metadata else self.metadata
        notices = self.content.notices + [f"⚠ {w}" for w in warnings or []]
        if self._split or self.content.show_thinking:
            self.content.notices = notices
        else:
            status = self.content.status  # a retry that never got through stays said
            self.content = TurnContent.of(record, notices)
            self.content.status = status if record.is_error else None
        self._show(footer(record, standing))

    def replay(
        self,
        record: TurnRecord,
        standing: Standing,
        metadata: dict[str, Any],
        verdict: Verdict | None = None,
    ) -> None:
        """A recorded turn shown again, marked as such; nothing is asked."""
        self.metadata = {"ccmagic": metadata}
        self.content = TurnContent.of(record, self.content.notices)
        self._show(f"{replay_mark(record, verdict)} · {footer(record, standing)}")

    def _show(self, foot: str | None) -> None:
        from IPython.display import display

        drawn = self.content.drawn(foot)  # redacted once, for both forms
        data = {
            "text/markdown": self.content.markdown(foot, drawn),
            "text/plain": self.content.plain(foot, drawn),
        }
        if self._handle is None:
            self._handle = display(data, raw=True, metadata=self.metadata, display_id=True)
        else:
            self._handle.update(data, raw=True, metadata=self.metadata)
        self._last = time.monotonic()


class TerminalTurnView:
    """Terminal IPython: print the answer as it comes, then the footer. What ccmagic writes
    passes the redactor (:meth:`_say`); the answer's streamed fragments cannot be judged
    whole, and are written as they come (a terminal keeps no output)."""

    def __init__(self, notices: list[str], *, show_thinking: bool = False) -> None:
        self.content = TurnContent([], show_thinking)
        self.out = sys.stdout
        for notice in notices:
            self._say(notice + "\n")

    def _say(self, text: str) -> None:
        from ccmagic.sidecar.redaction import shown

        self.out.write(shown(text, "terminal"))

    def handle(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self.out.write(event.text)
        elif isinstance(event, ToolFinished):
            code = "" if event.call.code is None else _indented(event.call.code) + "\n"
            self._say("\n" + tool_line(event.call) + "\n" + code)
        elif isinstance(event, (Retrying, Notice)):
            self._say(event.text + "\n")
        elif isinstance(event, ThinkingDelta) and self.content.show_thinking:
            self.out.write(event.text)
        self.out.flush()

    def finish(
        self,
        record: TurnRecord,
        standing: Standing | None = None,
        warnings: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._say("\n── " + footer(record, standing) + "\n")
        for warning in warnings or []:
            self._say(f"⚠ {warning}\n")
        self.out.flush()

    def replay(
        self,
        record: TurnRecord,
        standing: Standing,
        metadata: dict[str, Any],
        verdict: Verdict | None = None,
    ) -> None:
        content = TurnContent.of(record)
        mark = f"{replay_mark(record, verdict)} · {footer(record, standing)}"
        self.out.write(content.plain(mark) + "\n")
        self.out.flush()
