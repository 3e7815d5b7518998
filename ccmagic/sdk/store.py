"""Copying a transcript this machine's Claude Code keeps into a ``SessionStore`` (the
sidecar's), so the conversation can be resumed where only the store is."""

from __future__ import annotations

from typing import Any, cast

from claude_agent_sdk import SessionStore, import_session_to_store


async def import_transcript(session_id: str, store: Any) -> None:
    """``store`` implements the protocol's required methods (``append``, ``load``)."""
    await import_session_to_store(session_id, cast(SessionStore, store))
