"""The one PreToolUse hook of a session: every tool call passes ccmagic's own decision first.

Claude Code runs Bash commands it considers read-only (``cat``, ``grep -R``, ``ls``) without
asking ``can_use_tool``, even when they read outside the working folder through a symlink. A
PreToolUse hook is asked before every tool, in every permission mode, so this hook:

* refuses what the kernel's toolbox refuses (a notebook tool misused) and what the turn's
  rules disallow (``--disallow``), for any tool;
* decides every Bash command itself: allowed by the turn's rules (``--allow Bash``), by
  ``bypassPermissions``, or as a read-only command inside the folders when ``read_only_bash``
  is on (:mod:`ccmagic.core.shell_reads`); anything else is sent on to the
  :class:`~ccmagic.sdk.gate.PermissionGate` ("ask"), which asks the person or, headless,
  denies. Each decision is recorded with the turn.

Other tools get no opinion here: Claude Code's own boundary and the gate decide them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, cast

from claude_agent_sdk import HookMatcher

from ccmagic.core.permissions import describe_input, permission_entry
from ccmagic.core.shell_reads import judge
from ccmagic.core.turns import ToolCall
from ccmagic.sdk.gate import PermissionGate

# Asked before every tool runs, in every permission mode (bypass included): the reason to
# refuse it, or None to let the gate's own rules and Claude Code's decide.
PreToolUse = Callable[[str, dict[str, Any]], Awaitable[str | None]]
HookAnswer = Literal["allow", "deny", "ask"]


def pre_tool_use_hooks(
    gate: PermissionGate | None, refusals: list[PreToolUse] | None = None
) -> dict[str, Any]:
    """The SDK's ``hooks`` option: one matcher for every tool."""

    async def before_tool(data: Any, tool_use_id: str | None, context: Any) -> dict[str, Any]:
        tool, tool_input = data.get("tool_name", ""), data.get("tool_input") or {}
        for refusal in refusals or []:
            reason = await refusal(tool, tool_input)
            if reason is not None:
                return _answer("deny", reason)
        if gate is None:
            return {}
        answer, reason = decide_before(gate, tool, tool_input, Path(data.get("cwd") or "."))
        return {} if answer is None else _answer(answer, reason)

    return {"PreToolUse": [HookMatcher(hooks=[cast(Any, before_tool)])]}


def decide_before(
    gate: PermissionGate, tool: str, tool_input: dict[str, Any], cwd: Path
) -> tuple[HookAnswer | None, str]:
    """What the hook answers for one call, and why; ``None``: no opinion."""
    policy = gate.policy
    forbidden = policy.rules.forbids(tool, tool_input)
    if forbidden:
        _record(gate, tool, tool_input, "deny", "disallowed")
        return "deny", f"{tool} is disallowed here ({forbidden})."
    if tool != "Bash":
        return None, ""
    if policy.permission_mode == "bypassPermissions":
        _record(gate, tool, tool_input, "allow", "bypassPermissions")
        return "allow", "bypassPermissions"
    if policy.rules.allows(tool, tool_input):
        _record(gate, tool, tool_input, "allow", "allowed")
        return "allow", "allowed by the cell's rules"
    if policy.read_only_bash:
        verdict = judge(str(tool_input.get("command", "")), cwd, policy.folders, policy.home)
        if verdict.read_only:
            _record(gate, tool, tool_input, "allow", "read-only")
            return "allow", "reads only, inside the working folder"
        return "ask", f"not a read inside the working folder: {verdict.reason}"
    return "ask", "ccmagic decides every Bash command"


def _record(gate: PermissionGate, tool: str, tool_input: dict[str, Any], decision: str,
            by: str) -> None:  # fmt: skip
    call = ToolCall.from_block(tool, tool_input)
    gate.decide(permission_entry(call, describe_input(tool_input), decision, by))


def _answer(answer: HookAnswer, reason: str) -> dict[str, Any]:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": answer,
            "permissionDecisionReason": reason,
        }
    }
