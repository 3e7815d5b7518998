"""Tools by name: Claude Code's own, the kernel's ``notebook`` tools, and which may run freely."""

from __future__ import annotations

# The kernel's in-process MCP server: its tools are mcp__notebook__<tool>
SERVER = "notebook"
PREFIX = f"mcp__{SERVER}__"
TOOLS = ("variables", "inspect", "cells", "run", "new_cell")
ALIASES = {name: PREFIX + name for name in TOOLS}  # "--allow run" means mcp__notebook__run
READ_ONLY = tuple(PREFIX + name for name in ("variables", "inspect", "cells", "new_cell"))
CODE_TOOLS = (PREFIX + "run", PREFIX + "new_cell")  # their code is kept whole
SUMMARY_FIRST = PREFIX  # tools whose result starts with a one-line summary

# Claude Code's own boundary holds for reading: inside the working folder (and folders added
# with --add-dir) its read-only tools run without asking; outside, they reach the gate like
# any other tool. Only tools that touch no file are allowed outright.
ALWAYS_ALLOWED = ("TodoWrite",)
READING_TOOLS = ("Read", "Grep", "Glob", "LS", "NotebookRead")

TOOL_INPUT_KEYS = {  # the input that says what a call does, shown in its one-line summary
    "Bash": "command",
    "Read": "file_path",
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
    "Grep": "pattern",
    "Glob": "pattern",
    "WebFetch": "url",
    "WebSearch": "query",
    "Task": "description",
    "Agent": "description",
    PREFIX + "inspect": "name",
    PREFIX + "cells": "count",
    PREFIX + "run": "code",
    PREFIX + "new_cell": "code",
}


def short_tool_name(name: str) -> str:
    """``inspect`` for ``mcp__notebook__inspect``: an MCP tool by its own name."""
    return name.rsplit("__", 1)[-1] if name.startswith("mcp__") else name
