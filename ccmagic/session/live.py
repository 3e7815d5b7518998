"""At most a few Claude Code processes at once: each live session is one of about 180 MB.

Ten named sessions in a kernel, or a batch of eight workers, would otherwise take 1.5-2 GB,
enough to get a JupyterHub or Binder pod killed. Before a session starts its process, the
least recently used idle ones on the same event loop are closed until it fits; a closed
session resumes by itself on its next turn and says so in one line.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccmagic.session.session import Session

DEFAULT_LIMIT = 4


class LiveSessions:
    """The connected sessions of this process, least recently used first."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._live: OrderedDict[Session, asyncio.AbstractEventLoop] = OrderedDict()

    def __len__(self) -> int:
        return len(self._live)

    def used(self, session: Session) -> None:
        """``session`` is connected and was just used."""
        self._live[session] = asyncio.get_running_loop()
        self._live.move_to_end(session)

    def gone(self, session: Session) -> None:
        self._live.pop(session, None)

    async def make_room(self, session: Session) -> None:
        """Close idle sessions (oldest first) until ``session`` can start within the limit;
        busy ones, and those of other event loops, are never closed."""
        loop = asyncio.get_running_loop()
        while len(self._live) >= max(1, self.limit):
            idle = [s for s, owner in self._live.items()
                    if s is not session and owner is loop and not s.busy]  # fmt: skip
            if not idle:
                return
            victim = idle[0]
            await victim.close(
                notice=f"Resumed session {victim.name}: its Claude Code process had been "
                f"closed to keep at most {self.limit} running (max_live_sessions)."
            )


LIVE = LiveSessions()


def set_max_live_sessions(limit: int) -> None:
    """Keep at most ``limit`` Claude Code processes in this process (``%config
    ClaudeMagics.max_live_sessions`` in a notebook); it bounds ``batch`` workers too."""
    if limit < 1:
        raise ValueError("max_live_sessions must be at least 1")
    LIVE.limit = limit
