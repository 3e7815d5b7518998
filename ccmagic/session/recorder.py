"""How a session writes to its journal: each finished turn, and with the first one how the
conversation started (so a process killed before that turn ends leaves no empty conversation,
nor a half branch, behind)."""

from __future__ import annotations

from typing import Any

from ccmagic.core.options import SessionOptions
from ccmagic.core.turns import TurnRecord
from ccmagic.sidecar.journal import Journal


class Recorder:
    """Records one conversation's turns in ``journal``; ``start`` is what its first turn
    announces (``None``: the caller recorded the start itself)."""

    def __init__(self, journal: Journal, start: dict[str, Any] | None) -> None:
        self.journal = journal
        self.start = start

    def announce(self, reason: str, **extra: Any) -> None:
        """How this conversation started (``branch``, with its parent and fork turn)."""
        self.start = {"reason": reason, **extra}

    def record(self, record: TurnRecord, name: str, options: SessionOptions) -> None:
        start, self.start = self.start, None
        if start is not None and record.turn is None:  # a try is no start of a conversation
            self.start, start = start, None
        event = None
        if start is not None:
            reason = start.pop("reason")
            event = self.journal.session_event(name, record.session_id, reason, options, **start)
        self.journal.record_turn(record, event)
