"""In-process MCP servers from plain Python functions: tools Claude calls in this process.

Tools are declared with :func:`tool` (name, description, input schema, read-only or not) on
an async function taking the tool's arguments and returning an MCP result
(``{"content": [...], "is_error": bool}``); :func:`in_process_server` makes the server
configuration Claude Code is given (``ClaudeAgentOptions.mcp_servers``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from claude_agent_sdk import SdkMcpTool, ToolAnnotations, create_sdk_mcp_server

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any] | type  # a JSON schema, or {"arg": type} for simple ones
    handler: Handler
    read_only: bool = False


def tool(
    name: str, description: str, schema: dict[str, Any], read_only: bool = False
) -> Callable[[Handler], Tool]:
    """Declare a tool on its handler."""

    def declare(handler: Handler) -> Tool:
        return Tool(name, description, schema, handler, read_only)

    return declare


def in_process_server(name: str, tools: list[Tool]) -> dict[str, Any]:
    """The server's configuration; always loaded, so a real model sees its tools in the first
    request instead of finding them through Claude Code's ToolSearch (guide, fact 12)."""
    sdk_tools = [
        SdkMcpTool(
            name=t.name,
            description=t.description,
            input_schema=t.schema,
            handler=t.handler,
            annotations=ToolAnnotations(readOnlyHint=True) if t.read_only else None,
        )
        for t in tools
    ]
    return dict(create_sdk_mcp_server(name, tools=sdk_tools)) | {"alwaysLoad": True}
