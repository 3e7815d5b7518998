"""What a session's Claude Code process is started with: where its conversation starts, and
what the session adds to its options (the gate, the store, a toolbox's tools)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccmagic.sdk.gate import PermissionGate
from ccmagic.sdk.options import Extras, Where
from ccmagic.session.mainthread import MainThread
from ccmagic.session.toolbox import Toolbox
from ccmagic.sidecar.journal import Journal
from ccmagic.sidecar.transcripts import local_transcript_exists


def where(
    session_id: str, started: bool, fork_from: str | None, fork_at: tuple[str | None, str | None]
) -> Where:
    """A resume once Claude Code has a transcript of it; before that, a fork of
    ``fork_from`` (at ``fork_at``: entry, dropped prompt) or a new conversation."""
    if started or local_transcript_exists(session_id):
        return Where(resume=session_id)
    if fork_from:
        at, drops = fork_at
        return Where(session_id, fork_from, fork=True, at=at, drops=drops)
    return Where(session_id=session_id)


def extras(
    gate: PermissionGate,
    stderr: Callable[[str], None],
    journal: Journal | None,
    toolbox: Toolbox | None,
    main_thread: MainThread,
) -> Extras:
    """The callbacks, the sidecar's store, and a toolbox's server, tools and refusals."""
    added = Extras(can_use_tool=gate, stderr=stderr, gate=gate)
    if journal is not None:
        added.store = journal.store
    if toolbox is not None:

        async def refuse(tool: str, tool_input: dict[str, Any]) -> str | None:
            return toolbox.refusal(tool, tool_input)

        added.mcp_servers = {toolbox.name: toolbox.server(main_thread)}
        added.also_allowed = toolbox.read_only
        added.also_system = toolbox.instructions()
        added.pre_tool_use.append(refuse)
    return added
