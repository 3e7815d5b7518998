"""At most a few Claude Code processes at once: each live session is one of about 180 MB.

Ten named sessions in a kernel, or a batch of eight workers, would otherwise take 1.5-2 GB,
enough to get a JupyterHub or Binder pod killed. Before a session starts its process, the
least recently used idle ones on the same event loop are closed until it fits; a closed
session resumes by itself on its next turn and says so in one line. The pool is the
process's (:mod:`ccmagic._state`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import OrderedDict
from typing import TYPE_CHECKING

from ccmagic._state import STATE

if TYPE_CHECKING:
    from ccmagic.session.loop import LoopThread
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

    def close_all(self, loop: LoopThread | None, timeout: float) -> None:
        """End every live session's process (on reset): those of ``loop`` are closed there;
        those of other loops (a script's own) are killed, as their loop may be this thread's."""
        for session, owner in list(self._live.items()):
            if loop is not None and owner is loop.loop and not loop.loop.is_closed():
                with contextlib.suppress(Exception):  # it resumes on next use either way
                    loop.run(session.close(grace=1.0), timeout)
                    continue
            if session.pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(session.pid, signal.SIGKILL)
        self._live.clear()


def live_sessions() -> LiveSessions:
    """This process's pool (a fresh one after :func:`ccmagic._state.reset`)."""
    with STATE.lock:
        if STATE.live is None:
            STATE.live = LiveSessions()
        return STATE.live


def set_max_live_sessions(limit: int) -> None:
    """Keep at most ``limit`` Claude Code processes in this process (``%config
    ClaudeMagics.max_live_sessions`` in a notebook); it bounds ``batch`` workers too."""
    if limit < 1:
        raise ValueError("max_live_sessions must be at least 1")
    live_sessions().limit = limit
