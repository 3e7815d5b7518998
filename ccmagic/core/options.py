"""The settings of one conversation (:mod:`ccmagic.sdk.options` makes the SDK's of them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ccmagic.core.tools import ALIASES

PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto")


@dataclass(frozen=True)
class SessionOptions:
    """What a user may set per session; recorded with the session (never the environment).

    ``system`` is appended to Claude Code's own system prompt rather than replacing it, so the
    tools and the working-directory context keep working.
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
