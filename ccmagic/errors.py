"""What can go wrong, as exceptions that IPython shows in one short block, not a traceback wall.

    CCMagicError           base; ``_render_traceback_`` keeps it to "what happened, what to do"
    ├── ClaudeUnavailable  the Claude Code CLI is missing, not executable, or would not start
    ├── TurnFailed         a turn ended in an error (API error, not logged in, CLI died);
    │                      the turn is recorded all the same, with ``is_error``
    ├── SidecarError       the sidecar file cannot be read or written as it stands
    ├── UnknownSession     a session asked for by name or id is recorded nowhere
    └── NotRecorded        replay is "only" and a cell has no recorded answer

Mistakes in a magic line are IPython's own ``UsageError``.
"""

from __future__ import annotations


class CCMagicError(Exception):
    """Base of ccmagic's expected failures; ``hint`` says what to do about it."""

    title = "ccmagic"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message

    def _render_traceback_(self) -> list[str]:
        """IPython calls this instead of printing a traceback."""
        lines = [f"\x1b[1;31m{self.title}:\x1b[0m {self.message}"]
        if self.hint:
            lines.append(self.hint)
        return lines


class ClaudeUnavailable(CCMagicError):
    title = "Claude Code CLI unavailable"


class TurnFailed(CCMagicError):
    title = "Claude turn failed"


class SidecarError(CCMagicError):
    title = "ccmagic sidecar"


class UnknownSession(CCMagicError):
    title = "ccmagic session"


class NotRecorded(CCMagicError):
    title = "ccmagic replay"
