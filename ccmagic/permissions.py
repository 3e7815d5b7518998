"""Which tools Claude may use: read-only ones freely, anything else only when approved.

Claude Code asks before a tool outside ``allowed_tools`` runs; the session turns each question
into an :class:`ApprovalRequest` for whoever drives it. In a live notebook or terminal the
person is asked (:mod:`ccmagic.approval`) and the turn waits for the answer; headless runs
(nbclient, papermill, nbval, CI) never wait: the tool is denied at once with a line saying how
to allow it. Every decision is kept with the turn.
"""

from __future__ import annotations

import concurrent.futures
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from ccmagic.turns import ToolCall, shorten

READ_ONLY_TOOLS = ("Read", "Grep", "Glob", "LS", "NotebookRead", "TodoWrite")

Decision = Literal["once", "session", "deny"]


@dataclass
class ApprovalRequest:
    """Claude wants to run ``call``; ``detail`` is the command or change, shortened."""

    call: ToolCall
    detail: str
    future: concurrent.futures.Future[tuple[Decision | None, bool]] = field(
        default_factory=concurrent.futures.Future, repr=False
    )

    def answer(self, decision: Decision | None, interrupt: bool = False) -> None:
        """``None``: nobody could be asked, so the tool is denied as in a headless run."""
        if not self.future.done():
            self.future.set_result((decision, interrupt))


def describe_input(tool_input: dict[str, Any], limit: int = 600) -> str:
    """The part of a tool's input a person needs to judge it: command, diff, or JSON."""
    if "command" in tool_input:
        text = str(tool_input["command"])
    elif "old_string" in tool_input or "new_string" in tool_input:
        text = (
            f"{tool_input.get('file_path', '')}\n"
            f"- {tool_input.get('old_string', '')}\n+ {tool_input.get('new_string', '')}"
        )
    elif "content" in tool_input:
        text = f"{tool_input.get('file_path', '')}\n{tool_input['content']}"
    else:
        text = json.dumps(tool_input, ensure_ascii=False, indent=1)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def how_to_allow(tool: str) -> str:
    return (
        f"Denied {tool}: this run cannot ask for approval. Allow it with `--allow {tool}` "
        f"on the cell or `%config ClaudeMagics.allowed_tools = ['{tool}']`."
    )


def permission_entry(call: ToolCall, detail: str, decision: str, by: str) -> dict[str, str]:
    """How a decision is recorded with the turn: the tool, its input (shortened), who said."""
    return {"tool": call.name, "input": shorten(detail, 200), "decision": decision, "by": by}
