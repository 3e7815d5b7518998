"""``estimate=N``: ask N sampled items first and say what the whole batch would cost and take.

The sampled items are asked and recorded like any others, so the full run reuses them; the
projection scales what they cost and took to the items left, with a range from the cheapest
and the costliest (the quickest and the slowest) of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ccmagic.core.turns import format_cost
from ccmagic.session.batch.items import Item


def sample(items: list[Item], count: int, seed: int = 0) -> list[Item]:
    """``count`` of ``items`` drawn at random (the same ones for the same batch), in order."""
    if count < 1:
        raise ValueError("estimate must be at least 1 (the number of items to sample)")
    chosen = set(random.Random(seed).sample(range(len(items)), min(count, len(items))))
    return [item for n, item in enumerate(items) if n in chosen]


@dataclass
class Estimate:
    """The projected cost (USD) and time (seconds) of the items not asked yet: low, mid, high."""

    sampled: int
    remaining: int
    cost: tuple[float, float, float]
    seconds: tuple[float, float, float]

    @classmethod
    def of(cls, sampled: list[Item], remaining: int, workers: int, seconds: float) -> Estimate:
        costs = [i.record.cost_usd or 0.0 for i in sampled if i.record and i.status == "ok"]
        durations = [i.record.duration_ms / 1000 for i in sampled if i.record]
        if not costs or not durations:
            raise ValueError("no sampled item was answered: nothing to estimate from")
        # wall time per item as this run saw it (process start included), spread as the
        # model's own durations spread
        per_item = seconds * min(workers, len(sampled)) / len(sampled)
        mean_duration = sum(durations) / len(durations)
        scale = per_item / mean_duration if mean_duration else 1.0
        waves = remaining / max(workers, 1)
        return cls(
            len(sampled),
            remaining,
            tuple(x * remaining for x in (min(costs), sum(costs) / len(costs), max(costs))),  # type: ignore[arg-type]
            tuple(x * scale * waves for x in (min(durations), mean_duration, max(durations))),  # type: ignore[arg-type]
        )

    def line(self, name: str, workers: int) -> str:
        low, mid, high = self.cost
        quick, typical, slow = self.seconds
        return (
            f"{name}: estimate from {self.sampled} sampled item{'s' if self.sampled != 1 else ''}"
            f": the other {self.remaining} would cost about {format_cost(mid)} "
            f"({format_cost(low)} to {format_cost(high)}) and take about {_duration(typical)} "
            f"({_duration(quick)} to {_duration(slow)}) with {workers} worker"
            f"{'s' if workers != 1 else ''}. The sampled answers are recorded: the full run "
            "asks only the rest."
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
