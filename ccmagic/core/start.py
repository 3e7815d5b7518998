"""Where a conversation starts: new, resumed, or branched off another, and what came before."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccmagic.core.turns import CostSoFar, TurnRecord


@dataclass
class Start:
    """How a :class:`~ccmagic.session.session.Session` picks its conversation up.

    ``session_id`` pre-assigns the id of a new conversation; ``resume`` continues an existing
    one (its earlier records may be passed as ``history`` so turn numbers and costs carry on);
    ``fork_from`` branches a new conversation off another, at its transcript entry ``fork_at``
    if given (``drops_turn``: the prompt of the one turn that fork leaves out, for Claude Code
    to check). Turns are numbered on from ``first_turn`` at least; ``known_totals`` are the
    running totals the CLI reported earlier in it (and in those it came from); ``prior`` is
    what earlier turns not in ``history`` cost.
    """

    session_id: str | None = None
    resume: str | None = None
    fork_from: str | None = None
    fork_at: str | None = None
    drops_turn: str | None = None
    first_turn: int = 1
    history: list[TurnRecord] = field(default_factory=list)
    known_totals: dict[int, float] = field(default_factory=dict)
    prior: CostSoFar = field(default_factory=CostSoFar)
