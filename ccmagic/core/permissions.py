"""Which tools Claude may use: read-only ones freely, anything else only when approved.

Claude Code asks before a tool outside ``allowed_tools`` runs; the session's gate
(:mod:`ccmagic.sdk.gate`) turns each question into an :class:`ApprovalRequest` for whoever
drives it. In a live notebook or terminal the
person is asked (:mod:`ccmagic.ipython.approval`) and the turn waits for the answer; headless runs
(nbclient, papermill, nbval, CI) never wait: the tool is denied at once with a line saying how
to allow it. Every decision is kept with the turn.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ccmagic.core.modes import Decision
from ccmagic.core.tools import READING_TOOLS
from ccmagic.core.turns import ToolCall, shorten

# asks whoever drives the session; returns the decision (None: nobody can answer) and
# whether the turn should stop (the person interrupted instead of answering)
Approver = Callable[["ApprovalRequest"], Awaitable[tuple["Decision | None", bool]]]


@dataclass
class ApprovalRequest:
    """Claude wants to run ``call``; ``detail`` is the command or change, shortened."""

    call: ToolCall
    detail: str


def describe_input(tool_input: dict[str, Any], limit: int = 600) -> str:
    """The part of a tool's input a person needs to judge it: command, diff, or JSON."""
    if "command" in tool_input:
        text = str(tool_input["command"])
    elif "code" in tool_input:
        text = str(tool_input["code"])
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
    name = tool.rsplit("__", 1)[-1] if tool.startswith("mcp__notebook__") else tool
    if tool in READING_TOOLS:
        return (
            f"Denied {name} outside the working folder: this run cannot ask for approval. "
            "Add the folder with `--add-dir DIR` on the cell (or %config "
            f"ClaudeMagics.add_dirs), or allow reading anywhere with `--allow {name}`."
        )
    also = (
        " (read-only commands inside the working folder can run freely: %config "
        "ClaudeMagics.read_only_bash = True)"
        if tool == "Bash"
        else ""
    )
    return (
        f"Denied {name}: this run cannot ask for approval. Allow it with `--allow {name}` "
        f"on the cell or `%config ClaudeMagics.allowed_tools = ['{name}']`{also}."
    )


def permission_entry(call: ToolCall, detail: str, decision: str, by: str) -> dict[str, str]:
    """How a decision is recorded with the turn: the tool, its input (shortened), who said."""
    return {"tool": call.name, "input": shorten(detail, 200), "decision": decision, "by": by}


def decision_line(entry: dict[str, str]) -> str:
    """What the cell says of a recorded decision (the same live and when replayed)."""
    tool = entry.get("tool", "")
    name = tool.rsplit("__", 1)[-1] if tool.startswith("mcp__") else tool
    by = entry.get("by", "")
    if entry.get("decision") == "allow":
        how = ALLOWED_BY.get(by, "once")
        return f"✔ Allowed {how}: {name}({shorten(entry.get('input', ''), 60)})"
    if by == "headless":
        return f"✖ {how_to_allow(tool)}"
    if by == "disallowed":
        return f"✖ {name} is disallowed (--disallow / disallowed_tools)."
    return f"✖ The user denied {name}."


ALLOWED_BY = {  # who allowed a tool -> how the cell says it
    "user (session)": "for this session",
    "allowed for this session": "for this session (as before)",
    "allowed": "by --allow / allowed_tools",
    "read-only": "as a read inside the working folder (read_only_bash)",
    "bypassPermissions": "by bypassPermissions",
}
