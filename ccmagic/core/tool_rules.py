"""Which tools a cell allows or forbids, decided by ccmagic's gate rather than by Claude Code.

Claude Code reads ``--allowedTools`` once, when its process starts; ccmagic's gate is asked
(before each tool runs, see :mod:`ccmagic.sdk.tool_hook`) with the rules of the turn being
asked, so a cell's ``--allow`` or ``--disallow`` changes nothing but that turn. A rule is a
tool name (``Bash``, ``mcp__notebook__run``) or a Bash rule as Claude Code writes them:
``Bash(git diff:*)`` allows commands starting with ``git diff``, ``Bash(make test)`` that
command; a command joined from several (``a && b``) needs every part allowed. Rules with a
specifier for other tools (``Read(~/data/**)``, ``WebFetch(domain:x)``) are Claude Code's own
and are passed to it when it starts.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmagic.core.shell_words import Unsure, simple_commands


def gate_rule(rule: str) -> bool:
    """Whether the gate decides ``rule`` (else Claude Code must get it when it starts)."""
    return "(" not in rule or rule.startswith("Bash(")


def cli_rules(rules: Sequence[str]) -> tuple[str, ...]:
    return tuple(rule for rule in rules if not gate_rule(rule))


@dataclass(frozen=True)
class ToolRules:
    """The allow and deny rules of one turn."""

    allowed: tuple[str, ...] = ()
    disallowed: tuple[str, ...] = ()

    def allows(self, tool: str, tool_input: dict[str, Any]) -> str | None:
        """The rule that allows this call, if one does."""
        return _matching(self.allowed, tool, tool_input)

    def forbids(self, tool: str, tool_input: dict[str, Any]) -> str | None:
        """The rule that forbids this call, if one does."""
        return _matching(self.disallowed, tool, tool_input)


def _matching(rules: Sequence[str], tool: str, tool_input: dict[str, Any]) -> str | None:
    for rule in rules:
        if rule == tool:
            return rule
        bash_rule = tool == "Bash" and rule.startswith("Bash(") and rule.endswith(")")
        if bash_rule and _command_matches(rule[5:-1], str(tool_input.get("command", ""))):
            return rule
    return None


def _command_matches(spec: str, command: str) -> bool:
    """Claude Code's Bash rule forms: ``prefix:*``, or a command with ``*`` wildcards; every
    simple command of a compound one must match."""
    try:
        parts = [" ".join([c.name, *c.words]) for c in simple_commands(command)]
    except Unsure:
        return spec == command.strip()
    if spec.endswith(":*"):
        prefix = spec[:-2]
        return all(part == prefix or part.startswith(prefix + " ") for part in parts)
    return all(fnmatch.fnmatchcase(part, spec) for part in parts)


@dataclass(frozen=True)
class ToolPolicy:
    """What the gate decides by itself in one turn: the rules, whether read-only Bash
    commands inside ``folders`` run freely, and the permission mode Claude Code runs in."""

    rules: ToolRules = ToolRules()
    read_only_bash: bool = False
    folders: tuple[Path, ...] = ()
    home: Path = field(default_factory=lambda: Path(os.path.expanduser("~")))
    permission_mode: str | None = None
