"""The settings of one conversation, and how they become the SDK's ``ClaudeAgentOptions``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.tools import ALIASES, ALWAYS_ALLOWED

if TYPE_CHECKING:
    from claude_agent_sdk import ClaudeAgentOptions

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

    def to_sdk(
        self,
        *,
        session_id: str | None = None,
        resume: str | None = None,
        fork: bool = False,
        also_allowed: tuple[str, ...] = (),
        also_system: str = "",
        **extra: Any,
    ) -> ClaudeAgentOptions:
        """The SDK's options; ``also_allowed`` and ``also_system`` come from a toolbox."""
        from claude_agent_sdk import ClaudeAgentOptions

        system: dict[str, Any] = {"type": "preset", "preset": "claude_code"}
        appended = "\n\n".join(text for text in (also_system, self.system) if text)
        if appended:
            system["append"] = appended
        return ClaudeAgentOptions(
            model=self.model,
            system_prompt=system,  # type: ignore[arg-type]
            max_turns=self.max_turns,
            max_budget_usd=self.max_budget_usd,
            cwd=str(Path(self.cwd).expanduser()) if self.cwd else None,
            add_dirs=[str(Path(d).expanduser()) for d in self.add_dirs],
            allowed_tools=list(
                dict.fromkeys([*ALWAYS_ALLOWED, *also_allowed, *self.allowed_tools])
            ),
            disallowed_tools=list(self.disallowed_tools),
            permission_mode=self.permission_mode,  # type: ignore[arg-type]
            cli_path=self.cli_path,
            env=dict(self.env),
            include_partial_messages=True,
            session_id=session_id,
            resume=resume,
            fork_session=fork,
            **extra,
        )


def split_tools(values: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``["Read,Grep", "run"]`` -> ``("Read", "Grep", "mcp__notebook__run")``: tools may be
    listed either way, and the kernel's tools by their short names."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(ALIASES.get(name, name) for name in out))
