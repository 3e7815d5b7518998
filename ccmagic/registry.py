"""The kernel's named conversations: one live session per name, all on one loop thread."""

from __future__ import annotations

from ccmagic.options import SessionOptions
from ccmagic.session import BlockingSession


class SessionRegistry:
    """Finds or starts the session of a name, and applies changed options to it."""

    def __init__(self) -> None:
        self._sessions: dict[str, BlockingSession] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._sessions

    def items(self) -> list[tuple[str, BlockingSession]]:
        return list(self._sessions.items())

    def get(self, name: str, options: SessionOptions) -> tuple[BlockingSession, list[str]]:
        """The session called ``name``, and notices about what had to change to serve it."""
        notices: list[str] = []
        session = self._sessions.get(name)
        if session is None:
            session = BlockingSession(options, name=name)
            self._sessions[name] = session
        elif session.session.options != options:
            session.session.options = options
            if session.session.connected:
                session.close()
                notices.append(f"Options changed: resuming session {name} with the new ones.")
        return session, notices

    def new(self, name: str) -> str | None:
        """Forget the live conversation of ``name``; returns the id it had, if any."""
        session = self._sessions.pop(name, None)
        if session is None:
            return None
        session.close()
        return session.session_id

    def close(self, name: str) -> bool:
        """End the Claude Code process of ``name``; the conversation resumes on next use."""
        session = self._sessions.get(name)
        if session is None or not session.session.connected:
            return False
        session.close()
        return True
