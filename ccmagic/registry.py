"""The kernel's named conversations, and where each one continues from.

A name the kernel has not used yet continues the conversation the notebook's sidecar records
for it; failing that, the session id saved in the notebook's outputs (its transcript is copied
into the sidecar from this machine's Claude Code); failing that, a new conversation, recorded
in the sidecar before its first prompt is sent. Everything is written through the notebook's
:class:`~ccmagic.journal.Journal`; this is only the table of names of one kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccmagic.errors import SidecarError
from ccmagic.journal import Journal
from ccmagic.loop import shared_loop
from ccmagic.notebook import SavedSession, saved_sessions
from ccmagic.options import SessionOptions
from ccmagic.session import BlockingSession, Toolbox
from ccmagic.sidecar import sidecar_path


class SessionRegistry:
    """Finds, starts, continues, forks and binds the sessions of one notebook's kernel."""

    def __init__(self, locate: Callable[[], Path], toolbox: Toolbox | None = None) -> None:
        self.locate = locate
        self.toolbox = toolbox  # the kernel's notebook tools, for sessions whose options ask
        self.loop = shared_loop()
        self._sessions: dict[str, BlockingSession] = {}
        self._fresh: set[str] = set()
        self.notebook = locate()
        self.journal = Journal.at(sidecar_path(self.notebook), self.notebook.name)

    def __contains__(self, name: str) -> bool:
        return name in self._sessions

    def items(self) -> list[tuple[str, BlockingSession]]:
        return list(self._sessions.items())

    def refresh(self, before_prompt: bool = False) -> list[str]:
        """Look again for the notebook and its sidecar (renamed, repaired); return warnings.
        ``before_prompt`` also writes the transcript entries the store queued."""
        self.notebook = self.locate()
        self.journal.relocate(sidecar_path(self.notebook), self.notebook.name)
        if before_prompt:
            self.journal.flush(transcripts_only=True)
        return self.journal.take_warnings()

    def flush(self) -> None:
        self.journal.flush()

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
        self.journal.record_tags(name, session.session_id, tags)
        return session, notices

    def _open(self, name: str, options: SessionOptions, notices: list[str]) -> BlockingSession:
        fresh = name in self._fresh
        by_name, by_id = ({}, {}) if fresh else saved_sessions(self.notebook)
        plan = None if fresh else self.journal.continuation(name)
        if plan is not None:
            outputs = by_id.get(plan.session_id)
            if outputs is not None:  # the outputs may know turns the sidecar missed
                plan.first_turn = max(plan.first_turn, outputs.turn + 1)
                plan.known_totals = outputs.lineage_totals(by_id) | plan.known_totals
            session = self._make(options, **plan.session_kwargs())
            if plan.started:
                notices.append(f"Continuing session {name} (turn {session.session.next_turn}).")
            return session
        saved = by_name.get(name)
        if saved is not None:
            return self._continue_from_outputs(name, saved, by_id, options, notices)
        self._fresh.discard(name)
        session = self._make(options, name=name)
        self._announce(session, "new" if fresh else "start")
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
        if not self.journal.has_transcript(saved.session_id):
            raise SidecarError(
                f"The notebook's outputs name session {saved.session_id} for {name}, but "
                "neither a sidecar nor Claude Code on this machine has its transcript.",
                f"Restore {self.journal.path.name} from version control, or run "
                f"`%claude new --session {name}` to start a new conversation.",
            )
        self.loop.run(self.journal.import_transcript(saved.session_id))
        session = self._make(
            options,
            name=name,
            resume=saved.session_id,
            first_turn=saved.turn + 1,
            known_totals=saved.lineage_totals(by_id),
            prior=saved.so_far,
        )
        self._announce(session, "notebook", parent=saved.parent)
        notices.append(
            f"Continuing session {name} (turn {saved.turn + 1}) from the id saved in the "
            f"notebook's outputs ({saved.session_id}); the sidecar had no record of it."
        )
        return session

    def _make(self, options: SessionOptions, **kwargs: Any) -> BlockingSession:
        toolbox = self.toolbox if options.kernel_tools else None
        session = BlockingSession(  # the registry records how each conversation starts
            options, loop=self.loop, journal=self.journal, reason=None, toolbox=toolbox, **kwargs
        )
        self._sessions[kwargs["name"]] = session
        return session

    def _announce(self, session: BlockingSession, reason: str, **extra: Any) -> None:
        inner = session.session
        self.journal.record_session(inner.name, inner.session_id, reason, inner.options, **extra)

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
            conversation = self.journal.state().conversation(name)
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
            parent_totals = parent.session.known_totals | self.journal.lineage_totals(parent_id)
        else:
            plan = self.journal.continuation(name)
            if plan is None or not plan.history:
                raise SidecarError(f"Session {name} has no turns to fork from yet.")
            parent_id, turns, parent_totals = (
                plan.session_id,
                plan.first_turn - 1,
                plan.known_totals,
            )
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
        self._announce(session, "fork", parent=parent_id)
        return session

    def bind(self, name: str, session_id: str, options: SessionOptions) -> BlockingSession:
        """Give ``name`` to a Claude Code session started elsewhere (e.g. in a terminal)."""
        self.refresh()
        if not self.journal.has_transcript(session_id):
            raise SidecarError(
                f"Claude Code on this machine has no session {session_id}.",
                "List yours with `claude --resume` in a terminal, or check the id.",
            )
        self.loop.run(self.journal.import_transcript(session_id))
        old = self._sessions.pop(name, None)
        if old is not None:
            old.close()
        self._fresh.discard(name)
        session = self._make(options, name=name, resume=session_id)
        self._announce(session, "resume")
        return session
