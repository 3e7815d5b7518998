"""Whether a recorded turn still answers the notebook as it is now: the data check of a replay.

A turn's ``saw`` list (:mod:`ccmagic.core.fingerprints`) says what Claude was shown. Before a
cell replays, each read-only call is made again (by ``rerun``, which the kernel provides: it
runs on the main thread, in the user's namespace, bounded like the tools themselves) and each
file is stat-ed again (read only when its size or mtime moved). Same digests: the answer still
holds. Any difference: the :class:`Verdict` names it, and the cell is asked again (or refused,
or replayed anyway, as the caller decides). Tools that are not re-run (Bash, ``run``, web
tools) are listed so the replay mark can say what it could not check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmagic.core.fingerprints import Sighting, change, file_change, label, unchecked
from ccmagic.core.turns import TurnRecord

# a sighting -> (digest of what the same call shows now, its structural summary)
Rerun = Callable[[Sighting], tuple[str, Any]]


@dataclass(frozen=True)
class Verdict:
    """What differs since a turn was asked (``changes``: one phrase each) and what its replay
    cannot check (``unchecked``: tool names, mostly)."""

    changes: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.changes)

    @property
    def reason(self) -> str:
        """``df changed since this was asked (3 → 4 rows, new column b)``, all changes."""
        return "; ".join(self.changes)

    def as_metadata(self) -> dict[str, list[str]]:
        """What a replayed output's metadata says of it: changes it was kept despite, and
        what could not be checked."""
        said = {"replayed_anyway": self.changes, "replay_unchecked": self.unchecked}
        return {key: value for key, value in said.items() if value}

    @property
    def remarks(self) -> list[str]:
        """What a replay mark adds after the date it was asked."""
        unchecked = [f"not checked: {', '.join(self.unchecked)}"] if self.unchecked else []
        return self.changes + unchecked


def check_turn(record: TurnRecord, rerun: Rerun | None, root: Path) -> Verdict:
    """Look again at everything ``record`` saw; ``rerun`` is ``None`` where there is no kernel
    to ask (every kernel sighting then counts as changed: it cannot be vouched for)."""
    changes: dict[str, None] = {}  # ordered, each phrase once
    looked: dict[str, tuple[str, Any]] = {}  # the same call made twice is made again once
    for sighting in record.saw:
        if sighting.get("after"):  # seen after a side effect a replay does not repeat
            continue
        if sighting.get("kind") == "file":
            found = file_change(sighting, root)
        elif rerun is None:
            found = f"{label(sighting)} cannot be looked at again (no kernel)"
        else:
            key = json.dumps([sighting.get("kind"), sighting.get("tool"), sighting.get("name"),
                              sighting.get("args")], sort_keys=True, default=str)  # fmt: skip
            if key not in looked:
                looked[key] = rerun(sighting)
            found = change(sighting, *looked[key])
        if found:
            changes[found] = None
    names = [call.name for call in record.tool_calls]
    return Verdict(list(changes), unchecked(names, record.saw, record.attached))
