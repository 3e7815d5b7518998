"""``max_budget_usd`` over items answered at the same time.

An item's cost is known only when it ends, so a cap checked against what was spent lets every
item in flight overrun it (4 workers went 60% over). Instead each item, as it starts,
reserves what an item is expected to cost: the most any item of this run has cost so far. An
item starts only if what was spent, what the items in flight reserved and its own reservation
fit under the cap; while nothing is known yet, one item runs alone to find out.

The bound: what a run spends is at most ``max_budget_usd`` plus, for each item in flight when
it was reached, how much more it cost than the costliest item before it started. Items of
equal cost never go over; none goes over by more than the spread of the costs.
"""

from __future__ import annotations

from enum import Enum


class Admission(Enum):
    START = "start"
    WAIT = "wait"  # it may fit once an item in flight has ended
    SKIP = "skip"  # it cannot fit in this run


class Budget:
    """The cap (``None``: none), what was spent, and the reservations of items in flight."""

    def __init__(self, limit: float | None) -> None:
        if limit is not None and limit <= 0:
            raise ValueError("max_budget_usd must be more than 0")
        self.limit = limit
        self.spent = 0.0
        self.expected: float | None = None  # the costliest item so far
        self._reserved: dict[object, float] = {}

    def admit(self, ticket: object) -> Admission:
        """May the item of ``ticket`` start now? If so its expected cost is reserved."""
        if self.limit is None:
            self._reserved[ticket] = 0.0
            return Admission.START
        if self.expected is None:  # nothing is known: one item at a time until it is
            if self._reserved:
                return Admission.WAIT
            if self.spent >= self.limit:
                return Admission.SKIP
            self._reserved[ticket] = 0.0
            return Admission.START
        if self.spent + sum(self._reserved.values()) + self.expected <= self.limit:
            self._reserved[ticket] = self.expected
            return Admission.START
        return Admission.WAIT if self._reserved else Admission.SKIP

    def settle(self, ticket: object, cost: float | None) -> None:
        """The item of ``ticket`` ended, costing ``cost`` (``None``: unknown, or nothing)."""
        self._reserved.pop(ticket, None)
        self.spent += cost or 0.0
        if cost:
            self.expected = max(self.expected or 0.0, cost)
