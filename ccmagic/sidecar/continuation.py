"""Where a recorded conversation goes on: the answer the journal gives a session about to
continue one (its turns, numbering, costs and options), where a branch of it forks, and what
to say when it cannot be continued here. All of it read from the turn tree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ccmagic.core.start import Start
from ccmagic.core.turns import TurnRecord
from ccmagic.errors import SidecarError
from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.fold import TurnTree
from ccmagic.sidecar.transcripts import Trimmer, entry_before, local_entries


@dataclass
class Continuation:
    """How to pick a recorded conversation up again: its name and :meth:`start`."""

    name: str
    session_id: str
    started: bool  # Claude Code has (or the sidecar holds) a transcript to resume
    parent: str | None = None
    first_turn: int = 1
    history: list[TurnRecord] = field(default_factory=list)
    known_totals: dict[int, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # what a merge asked to say when it is next continued

    @property
    def resumable(self) -> bool:
        """Its turns can be continued: a transcript of it is here (or it has no turns)."""
        return self.started or not any(t.turn for t in self.history)

    def start(self) -> Start:
        """Where a session continuing it starts."""
        return Start(
            resume=self.session_id if self.started else None,
            session_id=None if self.started else self.session_id,
            fork_from=None if self.started else self.parent,
            first_turn=self.first_turn,
            history=self.history if self.started else [],
            known_totals=self.known_totals,
        )


def continuation_of(
    tree: TurnTree, name_or_id: str, has_transcript: Callable[[str], bool]
) -> Continuation | None:
    """Where the conversation a name currently stands for (or a session id) goes on."""
    conversation = tree.find(name_or_id)
    if conversation is None:
        return None
    started = bool(conversation.nodes) and has_transcript(conversation.session_id)
    last = tree.last_turn(conversation.session_id)
    parent_last = 0 if started else tree.last_turn(conversation.parent)
    return Continuation(
        name=conversation.session,
        session_id=conversation.session_id,
        started=started,
        parent=conversation.parent,
        first_turn=max(last, parent_last) + 1,
        history=tree.line_of(conversation.session_id),
        known_totals=tree.lineage_totals(conversation.session_id),
        options=conversation.options,
        note=conversation.note,
    )


def fork_point(
    tree: TurnTree, sidecar: Sidecar, session_id: str, kept_turn: int
) -> tuple[str | None, str | None]:
    """Where a branch of ``session_id`` that keeps its turns up to ``kept_turn`` forks:
    (the transcript entry to resume at, or ``None`` for its end; the prompt of the one turn
    that leaves out, for Claude Code to check, when exactly one does)."""
    conversation = tree.conversations.get(session_id)
    later = [t for t in (conversation.turns if conversation else [])
             if t.turn is not None and t.turn > kept_turn]  # fmt: skip
    if not later:
        return None, None
    # as the sidecar keeps them (bridged over what it does not keep), so the point is an
    # entry both this machine's transcript and the sidecar's have
    entries = Trimmer()(local_entries(session_id)) or sidecar.entries_of(session_id)
    dropped = min(later, key=lambda t: t.turn or 0)
    at = entry_before(entries, dropped.prompt_uuid, dropped.prompt)
    if at is None:
        raise SidecarError(
            f"Cannot branch session {conversation.session if conversation else session_id} "
            f"after turn {kept_turn}: neither this machine nor the sidecar has the "
            "transcript entries that say where that turn ends.",
            "Run the cell with --fresh to ask it in a new conversation, or restore the "
            "sidecar with its transcripts.",
        )
    return at, dropped.prompt_uuid if len(later) == 1 and dropped.prompt_uuid else None


def cannot_resume(tree: TurnTree, plan: Continuation) -> SidecarError:
    """Turns are recorded, but no transcript to resume them is here or in the sidecar."""
    conversation = tree.conversations.get(plan.session_id)
    why = (
        "the sidecar keeps no transcripts (ClaudeMagics.transcripts = 'none' where it was "
        "recorded), and this machine's Claude Code has none of it"
        if conversation is not None and conversation.transcripts == "none"
        else "neither the sidecar nor this machine's Claude Code has its transcript"
    )
    return SidecarError(
        f"Session {plan.name} ({plan.session_id}) cannot be continued here: {why}. "
        "Its recorded answers still replay.",
        f"Continue it on the machine that recorded it, or run `%claude new --session "
        f"{plan.name}` to start a new conversation under this name.",
    )


def listing(tree: TurnTree, file_name: str) -> str:
    """The sessions recorded in ``file_name``, for an error that must say what exists."""
    if not tree.current:
        return f"{file_name} records no sessions yet."
    names = []
    for name, session_id in sorted(tree.current.items()):
        turns = [t for t in tree.conversations[session_id].turns if t.turn]
        names.append(f"{name} ({len(turns)} turn{'s' if len(turns) != 1 else ''}, {session_id})")
    return f"Sessions in {file_name}: " + "; ".join(names) + "."
