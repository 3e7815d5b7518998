"""Forks kept without their copy of the parent's transcript, whole again when resumed.

Claude Code starts a forked session's transcript with a copy of its parent's entries (same
uuids). A batch item is such a fork, so the sidecar keeps only what each item adds (the copy
once per item would be the base's transcript a thousand times over); here the shared part is
put back whenever the fork's transcript is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.store import SidecarStore
from ccmagic.sidecar.transcripts import Trimmer, local_entries

if TYPE_CHECKING:
    from ccmagic.sidecar.journal import Journal

Entries = list[dict[str, Any]]


def transcript_of(journal: Journal, session_id: str) -> Entries:
    """The entries to resume ``session_id`` from: the sidecar's, or this machine's (kept as
    the sidecar would keep them), with what it shares with its parent put back."""
    own = journal.sidecar.entries_of(session_id) or Trimmer()(local_entries(session_id))
    return with_parent(journal, session_id, own)


def with_parent(journal: Journal, session_id: str, entries: Entries) -> Entries:
    """When the first entry that follows another follows none of ``entries``, the parent's
    entries up to that one come first."""
    uuids = {e.get("uuid") for e in entries}
    root = next((e["parentUuid"] for e in entries
                 if e.get("parentUuid") and e["parentUuid"] not in uuids), None)  # fmt: skip
    conversation = journal.tree().conversations.get(session_id) if root else None
    if conversation is None or not conversation.parent or conversation.parent == session_id:
        return entries
    before = transcript_of(journal, conversation.parent)
    cut = next((n for n, e in enumerate(before) if e.get("uuid") == root), None)
    if cut is None:
        return entries
    shared = [e | {"sessionId": session_id} if "sessionId" in e else e for e in before[: cut + 1]]
    return shared + entries


class LineageStore(SidecarStore):
    """The sidecar's ``SessionStore``, whose loads put back what a fork shares with its parent."""

    def __init__(
        self,
        sidecar: Sidecar,
        prepare: Callable[[dict[str, Any], Entries], Entries],
        journal: Journal,
    ) -> None:
        super().__init__(sidecar, prepare)
        self.journal = journal

    async def load(self, key: dict[str, Any]) -> Entries | None:
        entries = self.sidecar.transcript(key)
        if entries and not key.get("subpath"):
            entries = with_parent(self.journal, str(key["session_id"]), entries)
        return self.with_images(entries)
