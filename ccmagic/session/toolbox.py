"""What a session needs of a caller's own tools (the kernel's ``notebook`` tools)."""

from __future__ import annotations

from typing import Any, Protocol

from ccmagic.session.mainthread import MainThread


class Toolbox(Protocol):
    """Tools a session offers Claude beyond Claude Code's own: an in-process MCP server whose
    tools run on the thread waiting for the turn (see :mod:`ccmagic.ipython.kernel_tools`)."""

    name: str  # the server's name: its tools are mcp__<name>__<tool>
    read_only: tuple[str, ...]  # its tools that run without asking

    def server(self, main_thread: MainThread) -> dict[str, Any]: ...
    def instructions(self) -> str: ...  # appended to Claude Code's system prompt
    def refusal(self, tool: str, tool_input: dict[str, Any]) -> str | None: ...
    def begin_turn(self) -> None: ...
    def seen(self) -> list[dict[str, Any]]: ...  # fingerprints of what the turn's calls showed
