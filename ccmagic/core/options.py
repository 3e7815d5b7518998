"""The settings of one conversation (:mod:`ccmagic.sdk.options` makes the SDK's of them)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ccmagic.core.tool_rules import ToolPolicy, ToolRules, cli_rules
from ccmagic.core.tools import ALIASES

PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto")


@dataclass(frozen=True)
class SessionOptions:
    """What a user may set per session; recorded with the session (never the environment).

    ``system`` is appended to Claude Code's own system prompt rather than replacing it, so the
    tools and the working-directory context keep working. ``allowed_tools``,
    ``disallowed_tools`` and ``read_only_bash`` are decided by ccmagic's gate, turn by turn
    (:mod:`ccmagic.core.tool_rules`); the rest are Claude Code's, fixed when it starts.
    """

    model: str | None = None
    system: str | None = None
    max_turns: int | None = None
    max_budget_usd: float | None = None
    cwd: str | None = None
    add_dirs: tuple[str, ...] = ()  # folders besides cwd that Claude may read without asking
    allowed_tools: tuple[str, ...] = ()
    disallowed_tools: tuple[str, ...] = ()
    permission_mode: str | None = None
    cli_path: str | None = None
    kernel_tools: bool = False  # the kernel's notebook tools (only a kernel can offer them)
    read_only_bash: bool = False  # Bash commands that only read inside the folders run freely
    env: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SessionOptions:
        """Options as :meth:`to_record` saved them (unknown keys, from other versions, skipped)."""
        known = {f.name for f in fields(cls)} - {"env"}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k in known
        }
        return cls(**values)

    def answer_changing(self) -> dict[str, Any]:
        """The options a recorded answer depends on (replay matches them): model, system."""
        return {k: v for k, v in (("model", self.model), ("system", self.system)) if v}

    def needs_restart(self, other: SessionOptions) -> bool:
        """Whether Claude Code must start again to run with ``other`` instead of these: not
        for what only the gate decides."""
        return self._at_start() != other._at_start()

    def _at_start(self) -> SessionOptions:
        gate_free = cli_rules(self.allowed_tools), cli_rules(self.disallowed_tools)
        return replace(self, allowed_tools=gate_free[0], disallowed_tools=gate_free[1],
                       read_only_bash=False)  # fmt: skip

    def tool_policy(self, started_in: Path) -> ToolPolicy:
        """What the gate decides by itself this turn; ``started_in``: where Claude Code runs
        when ``cwd`` is unset."""
        folder = started_in / Path(self.cwd).expanduser() if self.cwd else started_in
        home = self.env.get("HOME") or os.path.expanduser("~")
        return ToolPolicy(
            rules=ToolRules(self.allowed_tools, self.disallowed_tools),
            read_only_bash=self.read_only_bash,
            folders=(folder, *(folder / Path(d).expanduser() for d in self.add_dirs)),
            home=Path(home),
            permission_mode=self.permission_mode,
        )

    def to_record(self) -> dict[str, Any]:
        """The options as saved with a session: JSON-safe, and without ``env``."""
        record = asdict(self)
        record.pop("env")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def split_tools(values: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``["Read,Grep", "run"]`` -> ``("Read", "Grep", "mcp__notebook__run")``: tools may be
    listed either way, and the kernel's tools by their short names."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(ALIASES.get(name, name) for name in out))
