"""Where each session name stands in its recorded line, in this kernel: what a cell replays,
branches or continues (the rules are :mod:`ccmagic.notebook.replay`'s)."""

from __future__ import annotations

from collections.abc import Callable

from ccmagic.core.turns import TurnRecord
from ccmagic.ipython.following import Follower
from ccmagic.notebook.freshness import Verdict
from ccmagic.notebook.replay import Cell, Cursor, Replay, Step, decide, turns_shown_above
from ccmagic.sidecar.journal import Journal


class Lines:
    """A cursor per session name on its current line of the turn tree."""

    def __init__(self, journal: Journal, follower: Follower, fresh: set[str]) -> None:
        self.journal = journal
        self.follower = follower
        self.fresh = fresh  # names started afresh: no recorded line
        self._cursors: dict[str, Cursor] = {}

    def cursor(self, name: str) -> Cursor:
        """Where ``name`` stands in its recorded line (read once per kernel and name)."""
        cursor = self._cursors.get(name)
        if cursor is None:
            plan = None if name in self.fresh else self.journal.continuation(name)
            line = self.journal.tree().line_of(plan.session_id) if plan else []
            # turns a fork inherited from another name were shown under that name's cells
            inherited = next((i for i, t in enumerate(line) if t.session == name), len(line))
            cursor = Cursor(line, at=inherited)
            self._cursors[name] = cursor
        return cursor

    def forget(self, name: str) -> None:
        """``name`` starts again (new, forked, bound): its line is read afresh."""
        self._cursors.pop(name, None)

    def plan(
        self, name: str, cell: Cell, mode: str, check: Callable[[TurnRecord], Verdict] | None = None
    ) -> Step:
        """What a ``%%claude`` cell of session ``name`` does; ``check`` looks again at the
        data of a turn it would replay."""
        self.follower.refresh()
        cursor = self.cursor(name)
        notebook = self.follower.notebook
        above = lambda: turns_shown_above(notebook, cell, name, cursor.line)  # noqa: E731
        step = decide(cursor, cell, mode, above, check)
        if isinstance(step, Replay):
            cursor.at, cursor.used = step.index + 1, True
        return step

    def asked(self, name: str, record: TurnRecord) -> None:
        """A cell of ``name`` was asked live: its turn ends the line (unless it never reached
        the model, so is no turn of it)."""
        cursor = self.cursor(name)
        if record.turn is not None:
            cursor.line = [*cursor.line[: cursor.at], record]
            cursor.at = len(cursor.line)
        cursor.used = True
