"""The kernel's named conversations, and where each one continues from.

A name the kernel has not used yet continues the conversation the notebook's sidecar records
for it; failing that, the session id saved in the notebook's outputs (its transcript is copied
into the sidecar from this machine's Claude Code); failing that, a new conversation, recorded
in the sidecar before its first prompt is sent. Everything is written through the notebook's
:class:`~ccmagic.sidecar.journal.Journal`; this is only the table of names of one kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccmagic.core.options import SessionOptions
from ccmagic.core.start import Start
from ccmagic.errors import SidecarError
from ccmagic.ipython.following import Follower
from ccmagic.ipython.lines import Lines
from ccmagic.notebook.location import NotebookLocation, SavedSession, saved_sessions
from ccmagic.session.blocking import BlockingSession
from ccmagic.session.loop import shared_loop
from ccmagic.session.toolbox import Toolbox
from ccmagic.sidecar.file import sidecar_path
from ccmagic.sidecar.journal import Journal


class SessionRegistry:
    """Finds, starts, continues, forks and binds the sessions of one notebook's kernel."""

    def __init__(
        self, locate: Callable[[], NotebookLocation], toolbox: Toolbox | None = None
    ) -> None:
        self.locate = locate
        self.toolbox = toolbox  # the kernel's notebook tools, for sessions whose options ask
        self.loop = shared_loop()
        self._sessions: dict[str, BlockingSession] = {}
        self._fresh: set[str] = set()  # names started afresh (%claude new) in this kernel
        notebook = locate().path
        self.journal = Journal.at(sidecar_path(notebook), notebook.name)
        self.follower = Follower(locate, self.journal)
        self.lines = Lines(self.journal, self.follower, self._fresh)

    def __contains__(self, name: str) -> bool:
        return name in self._sessions

    def items(self) -> list[tuple[str, BlockingSession]]:
        return list(self._sessions.items())

    @property
    def notebook(self) -> Path:
        return self.follower.notebook

    def refresh(self, before_prompt: bool = False) -> list[str]:
        """Look again for the notebook and its sidecar (renamed, repaired); return warnings.
        ``before_prompt`` also writes the transcript entries the store queued."""
        return self.follower.refresh(before_prompt)

    def take_notes(self) -> list[str]:
        """What to tell the user once (a sidecar followed its renamed notebook, say)."""
        return self.follower.take_notes()

    def flush(self) -> None:
        self.journal.flush()

    # -- finding sessions --------------------------------------------------------------------
    def get(
        self,
        name: str,
        options: SessionOptions,
        tags: tuple[str, ...] = (),
        branch_at: int | None = None,
    ) -> tuple[BlockingSession, list[str]]:
        """The session called ``name`` and what to tell the user about it; ``branch_at``: a
        new conversation that keeps only the first ``branch_at`` turns of the line."""
        notices = self.refresh(before_prompt=True)
        if branch_at is not None:
            self._branch(name, branch_at, options, notices)
        session = self._sessions.get(name)
        if session is None:
            session = self._open(name, options, notices)
        elif session.options != options:
            restart = session.options.needs_restart(options)
            session.reconfigure(options, self.toolbox if options.kernel_tools else None)
            if restart and session.connected:
                session.close(notice=f"Options changed: resumed session {name} with the new ones.")
        self.journal.record_tags(name, session.session_id, tags)
        return session, notices

    def _open(self, name: str, options: SessionOptions, notices: list[str]) -> BlockingSession:
        fresh = name in self._fresh
        by_name, by_id = ({}, {}) if fresh else saved_sessions(self.notebook)
        plan = None if fresh else self.journal.continuation(name)
        if plan is not None and not plan.resumable:
            raise self.journal.cannot_resume(plan)  # never a silent fresh start
        if plan is not None:
            outputs = by_id.get(plan.session_id)
            if outputs is not None:  # the outputs may know turns the sidecar missed
                plan.first_turn = max(plan.first_turn, outputs.turn + 1)
                plan.known_totals = outputs.lineage_totals(by_id) | plan.known_totals
            session = self._make(options, name, plan.start())
            if plan.started:
                notices.append(f"Continuing session {name} (turn {session.next_turn}).")
            if plan.note:
                notices.append(plan.note)
            return session
        saved = by_name.get(name)
        if saved is not None:
            return _continue_from_outputs(self, name, saved, by_id, options, notices)
        self._fresh.discard(name)
        session = self._make(options, name)
        self._announce(session, "new" if fresh else "start")
        return session

    def _make(
        self, options: SessionOptions, name: str, start: Start | None = None
    ) -> BlockingSession:
        toolbox = self.toolbox if options.kernel_tools else None
        session = BlockingSession(  # the registry records how each conversation starts
            options, name=name, start=start, loop=self.loop, journal=self.journal, reason=None,
            toolbox=toolbox,
        )  # fmt: skip
        self._sessions[name] = session
        return session

    def _announce(self, session: BlockingSession, reason: str, **extra: Any) -> None:
        self.journal.record_session(session.name, session.session_id, reason, session.options,
                                    **extra)  # fmt: skip

    def _branch(self, name: str, index: int, options: SessionOptions, notices: list[str]) -> None:
        """Start ``name`` afresh from ``line[:index]``: a fork of the conversation holding its
        last kept turn, at the end of that turn (Claude sees nothing after it)."""
        cursor = self.lines.cursor(name)
        line = cursor.line
        old = self._sessions.pop(name, None)
        if old is not None:
            old.close()
        self._fresh.discard(name)
        dropped = line[index] if index < len(line) else None
        if index == 0:
            session = self._make(options, name)
            session.announce("branch", parent=line[0].session_id if line else None,
                                     fork_turn=0)  # fmt: skip
        else:
            kept = line[index - 1]
            assert kept.turn is not None
            at, drops = self.journal.fork_point(kept.session_id, kept.turn)
            session = self._make(
                options,
                name,
                Start(
                    fork_from=kept.session_id,
                    fork_at=at,
                    drops_turn=drops,
                    first_turn=kept.turn + 1,
                    history=line[:index],
                    known_totals=self.journal.tree().lineage_totals(kept.session_id),
                ),
            )
            session.announce("branch", parent=kept.session_id, fork_turn=kept.turn)
        cursor.line, cursor.at = line[:index], index
        shown = f"after {self.journal.tree().label_of(line[index - 1])}" if index else "afresh"
        if dropped is not None:
            earlier = self.journal.tree().labels(line[index:])
            notices.append(
                f"Branched session {name} {shown}: this cell starts a new line. The cells "
                f"showing {earlier} belong to the earlier line, which Claude does not see "
                "here (it stays in the sidecar and in every total of what was spent)."
            )

    # -- subcommands -------------------------------------------------------------------------
    def new(self, name: str) -> str | None:
        """Start ``name`` afresh; the old conversation stays in the sidecar. Returns its id."""
        self.refresh()
        self.lines.forget(name)
        session = self._sessions.pop(name, None)
        if session is not None:
            session.close()
            self.flush()
            old: str | None = session.session_id
        else:
            conversation = self.journal.tree().conversation(name)
            old = conversation.session_id if conversation else None
        self._fresh.add(name)
        return old

    def close(self, name: str, notice: str | None = None) -> bool:
        """End the Claude Code process of ``name``; the conversation resumes on next use, and
        its first turn then says ``notice``."""
        session = self._sessions.get(name)
        if session is None or not session.connected:
            return False
        session.close(notice or f"Resumed session {name}: its Claude Code process was closed.")
        self.flush()
        return True

    def fork(self, name: str, new_name: str, options: SessionOptions) -> BlockingSession | None:
        """Branch ``new_name`` off the current conversation of ``name``; ``None`` when it is
        already that branch (a notebook run again forks nothing new)."""
        self.refresh()
        self.lines.forget(new_name)
        plan = self.journal.continuation(name)  # the sidecar has every turn, asked anywhere
        if plan is None or not plan.history:
            raise SidecarError(f"Session {name} has no turns to fork from yet.")
        parent_id, turns = plan.session_id, plan.first_turn - 1
        parent_totals = plan.known_totals
        existing = self.journal.tree().conversation(new_name)
        if existing and existing.parent == parent_id and existing.fork_turn in (turns, None):
            return None
        old = self._sessions.pop(new_name, None)
        if old is not None:
            old.close()
        self._fresh.discard(new_name)
        session = self._make(
            options,
            new_name,
            Start(
                fork_from=parent_id,
                first_turn=turns + 1,
                known_totals=parent_totals,  # a fork may restore its parent's running totals
            ),
        )
        self._announce(session, "fork", parent=parent_id, fork_turn=turns)
        return session

    def bind(self, name: str, session_id: str, options: SessionOptions) -> BlockingSession:
        """Give ``name`` to a Claude Code session started elsewhere (e.g. in a terminal), or
        to a conversation the sidecar records (a branch a merge kept, say): its turns, their
        numbering and costs go on."""
        self.refresh()
        plan = self.journal.continuation(session_id)
        if plan is not None and plan.session_id == session_id:
            if not plan.resumable:
                raise self.journal.cannot_resume(plan)
            start = plan.start()
        elif self.journal.has_transcript(session_id):
            self.loop.run(self.journal.import_transcript(session_id))
            start = Start(resume=session_id)
        else:
            raise SidecarError(
                f"Claude Code on this machine has no session {session_id}, and "
                f"{self.journal.path.name} records none by that id.",
                "List yours with `claude --resume` in a terminal (or `%claude sessions --all` "
                "for the sidecar's), or check the id.",
            )
        self.lines.forget(name)
        old = self._sessions.pop(name, None)
        if old is not None:
            old.close()
        self._fresh.discard(name)
        session = self._make(options, name, start)
        self._announce(session, "resume")
        return session


def _continue_from_outputs(
    registry: SessionRegistry,
    name: str,
    saved: SavedSession,
    by_id: dict[str, SavedSession],
    options: SessionOptions,
    notices: list[str],
) -> BlockingSession:
    """The sidecar has no record of ``name``; the notebook's outputs do (their turn numbers
    and the CLI's running totals keep numbering and costs exact)."""
    if not registry.journal.has_transcript(saved.session_id):
        raise SidecarError(
            f"The notebook's outputs name session {saved.session_id} for {name}, but "
            "neither a sidecar nor Claude Code on this machine has its transcript.",
            f"Restore {registry.journal.path.name} from version control, or run "
            f"`%claude new --session {name}` to start a new conversation.",
        )
    registry.loop.run(registry.journal.import_transcript(saved.session_id))
    session = registry._make(
        options,
        name,
        Start(
            resume=saved.session_id,
            first_turn=saved.turn + 1,
            known_totals=saved.lineage_totals(by_id),
            prior=saved.so_far,
        ),
    )
    registry._announce(session, "notebook", parent=saved.parent)
    notices.append(
        f"Continuing session {name} (turn {saved.turn + 1}) from the id saved in the "
        f"notebook's outputs ({saved.session_id}); the sidecar had no record of it."
    )
    return session
