"""A session's options as the SDK's ``ClaudeAgentOptions``: where a conversation starts, which
tools it may use, and the callbacks Claude Code calls back into."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from claude_agent_sdk import ClaudeAgentOptions, SessionStore

from ccmagic.core.options import SessionOptions
from ccmagic.core.tool_rules import cli_rules
from ccmagic.core.tools import ALWAYS_ALLOWED
from ccmagic.sdk.gate import PermissionGate
from ccmagic.sdk.tool_hook import PreToolUse, pre_tool_use_hooks


@dataclass
class Where:
    """Where the conversation starts: a new one of ``session_id``; a ``resume`` of one; or,
    with ``fork``, a new ``session_id`` branched off ``resume`` at its entry ``at`` (``drops``:
    the prompt of the one turn left out, for Claude Code to check)."""

    session_id: str | None = None
    resume: str | None = None
    fork: bool = False
    at: str | None = None
    drops: str | None = None


@dataclass
class Extras:
    """What a session adds to its options: a toolbox's server, tools and instructions, the
    callbacks, and the store that mirrors the transcript."""

    mcp_servers: dict[str, Any] = field(default_factory=dict)
    also_allowed: tuple[str, ...] = ()
    also_system: str = ""
    pre_tool_use: list[PreToolUse] = field(default_factory=list)
    can_use_tool: Callable[..., Awaitable[Any]] | None = None
    gate: PermissionGate | None = None  # decides every Bash command before it runs
    stderr: Callable[[str], None] | None = None
    store: Any = None  # a SessionStore (the sidecar's)
    output_format: dict[str, Any] | None = None  # structured output: a JSON schema to fill


def agent_options(options: SessionOptions, where: Where, extras: Extras) -> ClaudeAgentOptions:
    """The SDK's options for one connect."""
    system: dict[str, Any] = {"type": "preset", "preset": "claude_code"}
    appended = "\n\n".join(text for text in (extras.also_system, options.system) if text)
    if appended:
        system["append"] = appended
    more: dict[str, Any] = {}
    if where.at:
        more["resume_session_at"] = where.at
    if where.drops:
        more["resume_drops_turn"] = where.drops
    if extras.store is not None:
        more["session_store"] = cast(SessionStore, extras.store)
    if extras.gate is not None or extras.pre_tool_use:
        more["hooks"] = pre_tool_use_hooks(extras.gate, extras.pre_tool_use)
    if extras.mcp_servers:
        more["mcp_servers"] = extras.mcp_servers
    if extras.output_format is not None:
        more["output_format"] = extras.output_format
    return ClaudeAgentOptions(
        model=options.model,
        system_prompt=system,  # type: ignore[arg-type]
        max_turns=options.max_turns,
        max_budget_usd=options.max_budget_usd,
        cwd=str(Path(options.cwd).expanduser()) if options.cwd else None,
        add_dirs=[str(Path(d).expanduser()) for d in options.add_dirs],
        allowed_tools=list(  # the cell's own rules are the gate's (no restart to change)
            dict.fromkeys(
                [*ALWAYS_ALLOWED, *extras.also_allowed, *cli_rules(options.allowed_tools)]
            )
        ),
        disallowed_tools=list(cli_rules(options.disallowed_tools)),
        permission_mode=options.permission_mode,  # type: ignore[arg-type]
        cli_path=options.cli_path,
        env=dict(options.env),
        include_partial_messages=True,
        session_id=where.session_id,
        resume=where.resume,
        fork_session=where.fork,
        can_use_tool=extras.can_use_tool,
        stderr=extras.stderr,
        **more,
    )
