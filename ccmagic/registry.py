"""The kernel's named conversations, and where each one continues from.

A name the kernel has not used yet continues the conversation the notebook's sidecar records
for it; failing that, the session id saved in the notebook's outputs (its transcript is copied
into the sidecar from this machine's Claude Code); failing that, a new conversation, recorded
in the sidecar before its first prompt is sent. Each turn is written to the sidecar as soon as
it ends; a turn that cannot be written stays in memory and is written with the next one.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ccmagic.errors import SidecarError
from ccmagic.loop import shared_loop
from ccmagic.notebook import SavedSession, saved_sessions
from ccmagic.options import SessionOptions
from ccmagic.session import BlockingSession, Toolbox
from ccmagic.sidecar import SidecarState, SidecarStore, now_iso, open_sidecar
from ccmagic.transcripts import local_transcript_exists
from ccmagic.turns import TurnRecord, known_totals


class SessionRegistry:
    """Finds, starts, continues, forks and binds the sessions of one notebook's kernel."""

    def __init__(self, locate: Callable[[], Path], toolbox: Toolbox | None = None) -> None:
        self.locate = locate
        self.toolbox = toolbox  # the kernel's notebook tools, for sessions whose options ask
        self.loop = shared_loop()
        self._sessions: dict[str, BlockingSession] = {}
        self._fresh: set[str] = set()
        self._warnings: list[str] = []
        self.notebook = locate()
        self.sidecar, warning = open_sidecar(self.notebook)
        self.store = SidecarStore(self.sidecar)
        if warning:
            self._warnings.append(warning)
        atexit.register(self.flush)  # transcript entries still queued when the kernel stops

    def __contains__(self, name: str) -> bool:
        return name in self._sessions

    def items(self) -> list[tuple[str, BlockingSession]]:
        return list(self._sessions.items())

    # -- the sidecar -------------------------------------------------------------------------
    def refresh(self, before_prompt: bool = False) -> list[str]:
        """Look again for the notebook and its sidecar (renamed, repaired); return warnings.

        The same file keeps its :class:`Sidecar` (and so its queue of unwritten events); a
        different one takes the queue over. ``before_prompt`` also writes the transcript
        entries the store queued; a failed write's backlog is left to the turn's own write,
        which retries it and says so once.
        """
        self.notebook = self.locate()
        sidecar, warning = open_sidecar(self.notebook, known=self.sidecar)
        if sidecar is not self.sidecar:
            sidecar.pending = self.sidecar.pending + sidecar.pending
            self.sidecar = sidecar
            self.store.sidecar = sidecar
        if before_prompt and all(e.get("event") == "transcript" for e in sidecar.pending):
            self.flush()
        warnings, self._warnings = self._warnings, []
        if warning:
            warnings.append(warning)
        return warnings

    def state(self) -> SidecarState:
        try:
            return self.sidecar.state()
        except SidecarError as problem:
            self._warnings.append(problem.message)
            return SidecarState()

    def _write(self, *events: dict[str, Any]) -> None:
        """Append events after any that are waiting; they all wait if the write fails."""
        try:
            self.sidecar.append(*events)
        except (OSError, SidecarError) as problem:
            why = problem.message if isinstance(problem, SidecarError) else str(problem)
            turns = sum(1 for e in self.sidecar.pending if e.get("event") == "turn")
            self._warnings.append(
                f"Could not write {self.sidecar.path.name} ({why}); {turns} turn(s) are kept "
                "in memory and written as soon as it works again."
            )

    def flush(self) -> None:
        """Write whatever waits (transcript entries queued by the store, failed writes)."""
        if self.sidecar.pending:
            self._write()

    def _record_turn(self, record: TurnRecord) -> None:
        self._write({"event": "turn"} | record.to_dict())

    def _session_event(self, session: BlockingSession, reason: str, **extra: Any) -> None:
        self._write(
            {
                "event": "session",
                "session": session.session.name,
                "session_id": session.session_id,
                "reason": reason,
                "options": session.session.options.to_record(),
                "at": now_iso(),
            }
            | extra
        )

    # -- finding sessions --------------------------------------------------------------------
    def get(
        self, name: str, options: SessionOptions, tags: tuple[str, ...] = ()
    ) -> tuple[BlockingSession, list[str]]:
        """The session called ``name`` and what to tell the user about it."""
        notices = self.refresh(before_prompt=True)
        session = self._sessions.get(name)
        if session is None:
            session = self._open(name, options, notices)
        elif session.session.options != options:
            session.session.options = options
            session.session.toolbox = self.toolbox if options.kernel_tools else None
            if session.session.connected:
                session.close(notice=f"Options changed: resumed session {name} with the new ones.")
        if tags:
            self._write(
                {
                    "event": "tags",
                    "session": name,
                    "session_id": session.session_id,
                    "tags": sorted(set(tags)),
                }
            )
        return session, notices

    def _open(self, name: str, options: SessionOptions, notices: list[str]) -> BlockingSession:
        fresh = name in self._fresh
        by_name, by_id = ({}, {}) if fresh else saved_sessions(self.notebook)
        conversation = None if fresh else self.state().conversation(name)
        if conversation is not None:
            started = bool(conversation.turns) and self._has_transcript(conversation.session_id)
            outputs = by_id.get(conversation.session_id)
            session = self._make(
                options,
                name=name,
                resume=conversation.session_id if started else None,
                session_id=None if started else conversation.session_id,
                fork_from=None if started else conversation.parent,
                first_turn=max(
                    outputs.turn if outputs else 0,
                    0 if started else self._last_turn(conversation.parent),
                )
                + 1,
                history=conversation.turns if started else [],
                known_totals=(outputs.lineage_totals(by_id) if outputs else {})
                | self._lineage_totals(conversation.session_id),
            )
            if started:
                notices.append(f"Continuing session {name} (turn {session.session.next_turn}).")
            return session
        saved = by_name.get(name)
        if saved is not None:
            return self._continue_from_outputs(name, saved, by_id, options, notices)
        reason = "new" if fresh else "start"
        self._fresh.discard(name)
        session = self._make(options, name=name)
        self._session_event(session, reason)
        return session

    def _continue_from_outputs(
        self,
        name: str,
        saved: SavedSession,
        by_id: dict[str, SavedSession],
        options: SessionOptions,
        notices: list[str],
    ) -> BlockingSession:
        """The sidecar has no record of ``name``; the notebook's outputs do (their turn numbers
        and the CLI's running totals keep numbering and costs exact)."""
        if not self._has_transcript(saved.session_id):
            raise SidecarError(
                f"The notebook's outputs name session {saved.session_id} for {name}, but "
                "neither a sidecar nor Claude Code on this machine has its transcript.",
                f"Restore {self.sidecar.path.name} from version control, or run "
                f"`%claude new --session {name}` to start a new conversation.",
            )
        self._import(saved.session_id)
        session = self._make(
            options,
            name=name,
            resume=saved.session_id,
            first_turn=saved.turn + 1,
            known_totals=saved.lineage_totals(by_id),
            prior=saved.so_far,
        )
        self._session_event(
            session, "notebook", **({"parent": saved.parent} if saved.parent else {})
        )
        notices.append(
            f"Continuing session {name} (turn {saved.turn + 1}) from the id saved in the "
            f"notebook's outputs ({saved.session_id}); the sidecar had no record of it."
        )
        return session

    def _make(self, options: SessionOptions, **kwargs: Any) -> BlockingSession:
        toolbox = self.toolbox if options.kernel_tools else None
        session = BlockingSession(
            options, loop=self.loop, session_store=self.store, toolbox=toolbox, **kwargs
        )
        session.session.on_record.append(self._record_turn)
        self._sessions[kwargs["name"]] = session
        return session

    def _has_transcript(self, session_id: str) -> bool:
        return local_transcript_exists(session_id) or self.sidecar.has_transcript(session_id)

    def _lineage_totals(self, session_id: str) -> dict[int, float]:
        """Running totals reported in a conversation and the ones it was forked from."""
        state = self.state()
        totals: dict[int, float] = {}
        seen: set[str] = set()
        conversation = state.conversations.get(session_id)
        while conversation is not None and conversation.session_id not in seen:
            seen.add(conversation.session_id)
            totals = known_totals(conversation.turns) | totals
            conversation = state.conversations.get(conversation.parent or "")
        return totals

    def _last_turn(self, session_id: str | None) -> int:
        conversation = self.state().conversations.get(session_id or "")
        numbered = [t.turn for t in conversation.turns if t.turn] if conversation else []
        return max(numbered, default=0)

    def _import(self, session_id: str) -> None:
        """Copy this machine's transcript of ``session_id`` into the sidecar, if it has one."""
        if local_transcript_exists(session_id) and not self.sidecar.has_transcript(session_id):
            from claude_agent_sdk import SessionStore, import_session_to_store

            # SidecarStore implements the protocol's required methods (append, load)
            self.loop.run(import_session_to_store(session_id, cast(SessionStore, self.store)))

    # -- subcommands -------------------------------------------------------------------------
    def new(self, name: str) -> str | None:
        """Start ``name`` afresh; the old conversation stays in the sidecar. Returns its id."""
        self.refresh()
        session = self._sessions.pop(name, None)
        if session is not None:
            session.close()
            self.flush()
            old: str | None = session.session_id
        else:
            conversation = self.state().conversation(name)
            old = conversation.session_id if conversation else None
        self._fresh.add(name)
        return old

    def close(self, name: str, notice: str | None = None) -> bool:
        """End the Claude Code process of ``name``; the conversation resumes on next use, and
        its first turn then says ``notice``."""
        session = self._sessions.get(name)
        if session is None or not session.session.connected:
            return False
        session.close(notice or f"Resumed session {name}: its Claude Code process was closed.")
        self.flush()
        return True

    def fork(self, name: str, new_name: str, options: SessionOptions) -> BlockingSession:
        """Branch ``new_name`` off the current conversation of ``name``."""
        self.refresh()
        parent = self._sessions.get(name)
        if parent is not None:
            parent_id, turns = parent.session_id, parent.session.next_turn - 1
            parent_totals = parent.session.known_totals | self._lineage_totals(parent_id)
        else:
            conversation = self.state().conversation(name)
            if conversation is None or not conversation.turns:
                raise SidecarError(f"Session {name} has no turns to fork from yet.")
            parent_id = conversation.session_id
            turns = self._last_turn(parent_id)
            parent_totals = self._lineage_totals(parent_id)
        old = self._sessions.pop(new_name, None)
        if old is not None:
            old.close()
        self._fresh.discard(new_name)
        session = self._make(
            options,
            name=new_name,
            fork_from=parent_id,
            first_turn=turns + 1,
            known_totals=parent_totals,  # a fork may restore its parent's running totals
        )
        self._session_event(session, "fork", parent=parent_id)
        return session

    def bind(self, name: str, session_id: str, options: SessionOptions) -> BlockingSession:
        """Give ``name`` to a Claude Code session started elsewhere (e.g. in a terminal)."""
        self.refresh()
        if not (local_transcript_exists(session_id) or self.sidecar.has_transcript(session_id)):
            raise SidecarError(
                f"Claude Code on this machine has no session {session_id}.",
                "List yours with `claude --resume` in a terminal, or check the id.",
            )
        self._import(session_id)
        old = self._sessions.pop(name, None)
        if old is not None:
            old.close()
        self._fresh.discard(name)
        session = self._make(options, name=name, resume=session_id)
        self._session_event(session, "resume")
        return session
