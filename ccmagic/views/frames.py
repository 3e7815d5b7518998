"""``ccmagic.history()`` and ``ccmagic.sessions()``: a notebook's sidecar as pandas frames.

They read the sidecar file (and its recovery file, when turns went there), so they work in any
Python process, with or without a live kernel session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.turns import CostSoFar
from ccmagic.errors import SidecarError
from ccmagic.notebook.location import default_sidecar
from ccmagic.sidecar.file import RECOVERY_SUFFIX, SUFFIX, Sidecar, SidecarState, collector_paused

if TYPE_CHECKING:
    import pandas as pd

HISTORY_COLUMNS = [
    "session", "session_id", "turn", "prompt", "response", "cost_usd", "input_tokens",
    "output_tokens", "cache_read_tokens", "cache_creation_tokens", "duration_ms", "model",
    "started_at", "is_error", "interrupted", "tools", "error", "cell_id", "batch", "item",
    "line",
]  # fmt: skip


def sidecars_for(notebook: str | Path | None = None) -> list[Sidecar]:
    """The sidecar of ``notebook`` (an .ipynb or a .claude.json) and its recovery file.

    With no notebook: the one this kernel's ``%%claude`` cells use, else the fallback sidecar
    in the working directory.
    """
    path = Path(notebook) if notebook is not None else default_sidecar()
    stem = path.name.removesuffix(SUFFIX).removesuffix(".ipynb")
    found = [Sidecar(path.with_name(stem + suffix)) for suffix in (SUFFIX, RECOVERY_SUFFIX)]
    return [car for car in found if car.path.exists()] or found[:1]


def load_state(notebook: str | Path | None = None) -> SidecarState:
    """Every readable event of the notebook's sidecar files, folded together."""
    state = SidecarState()
    problems = []
    for car in sidecars_for(notebook):
        try:
            for event in car.events(("session", "turn", "tags")):
                state.apply(event)
        except SidecarError as problem:
            problems.append(problem)
    if problems and not state.conversations:
        raise problems[0]
    return state


def history(
    session: str | None = None,
    notebook: str | Path | None = None,
    *,
    sidecar: str | Path | None = None,
) -> pd.DataFrame:
    """One row per recorded turn, oldest first; ``started_at`` is timezone-aware (UTC).

    Of ``sidecar`` (a ``.claude.json`` file), or of ``notebook``'s sidecar, or by default of
    the sidecar this kernel's cells (or ``Session()`` here) write.

    ``line`` numbers the conversations of a session name (1 for its first; a branch of an
    edited cell, ``%claude new`` or a fork start the next), so both lines of a branched
    conversation show, each paid turn once.

    Built straight from the sidecar's turn events (no intermediate objects, one orjson parse,
    no garbage collection passes meanwhile): 10,000 turns load well within the 200 ms a
    notebook user notices.
    """
    import pandas as pd

    with collector_paused():
        rows: list[dict[str, Any]] = []
        problems: list[SidecarError] = []
        for car in sidecars_for(sidecar or notebook):
            try:
                rows.extend(car.events(("session", "turn")))
            except SidecarError as problem:
                problems.append(problem)
        if problems and not rows:
            raise problems[0]
        rows = _numbered_lines(rows)
        if session is not None:
            rows = [r for r in rows if r.get("session") == session]
        for row in rows:
            row["tools"] = ", ".join(c.get("name", "") for c in row.get("tool_calls") or [])
        frame = pd.DataFrame.from_records(rows, columns=HISTORY_COLUMNS)
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True, format="ISO8601")
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    for column in ("turn", "input_tokens", "output_tokens", "cache_read_tokens",
                   "cache_creation_tokens", "duration_ms", "line"):  # fmt: skip
        frame[column] = frame[column].astype("Int64")
    frame["item"] = _item_keys([row.get("item") for row in rows], frame.index)
    frame["is_error"] = frame["is_error"].astype(bool)
    frame["interrupted"] = frame["interrupted"].astype(bool)
    return frame.sort_values(["started_at", "turn"], kind="stable").reset_index(drop=True)


def _item_keys(keys: list[Any], index: pd.Index) -> pd.Series:
    """Batch item keys as they were given: whole numbers stay whole (a column with gaps is
    no float), anything else as its own object."""
    import pandas as pd

    given = [k for k in keys if k is not None]
    if given and all(type(k) is int for k in given):
        return pd.Series(keys, index=index, dtype="Int64")
    return pd.Series(keys, index=index, dtype=object)


def _numbered_lines(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turn events, each with the ``line`` of its session name it belongs to."""
    lines: dict[str, int] = {}
    count: dict[str, int] = {}
    turns = []
    for event in events:
        session_id, name = event.get("session_id"), event.get("session")
        if isinstance(session_id, str) and session_id not in lines:
            count[str(name)] = count.get(str(name), 0) + 1
            lines[session_id] = count[str(name)]
        if event.get("event") == "turn":
            event["line"] = lines.get(str(session_id))
            turns.append(event)
    return turns


def sessions(
    tags: str | list[str] | None = None,
    notebook: str | Path | None = None,
    *,
    sidecar: str | Path | None = None,
) -> pd.DataFrame:
    """One row per conversation (a name keeps its earlier ones after ``new``), with totals.

    ``cost_usd`` is the sum of the turns' known costs (``<NA>`` when none is known);
    ``unknown_cost_turns`` counts the turns it leaves out, so a total is never silently short.
    ``turns`` counts prompts the model received (not tries that never reached it).
    """
    import pandas as pd

    wanted = {tags} if isinstance(tags, str) else set(tags or [])
    state = load_state(sidecar or notebook)
    rows = []
    for conv in state.conversations.values():
        if wanted and not wanted & set(conv.tags):
            continue
        turns = conv.turns
        cost = CostSoFar.of(turns)
        rows.append(
            {
                "session": conv.session,
                "session_id": conv.session_id,
                "current": state.current.get(conv.session) == conv.session_id,
                "reason": conv.reason,
                "parent": conv.parent,
                "turns": cost.turns,
                "cost_usd": None
                if cost.turns and cost.unknown_turns == cost.turns
                else cost.known_usd,
                "unknown_cost_turns": cost.unknown_turns,
                "input_tokens": sum(t.input_tokens for t in turns),
                "output_tokens": sum(t.output_tokens for t in turns),
                "first_at": min((t.started_at for t in turns), default=conv.started_at or None),
                "last_at": max((t.started_at for t in turns), default=conv.started_at or None),
                "tags": ", ".join(conv.tags),
                "model": turns[-1].model if turns else conv.options.get("model"),
            }
        )
    frame = pd.DataFrame(rows, columns=[
        "session", "session_id", "current", "reason", "parent", "turns", "cost_usd",
        "unknown_cost_turns", "input_tokens", "output_tokens", "first_at", "last_at", "tags",
        "model",
    ])  # fmt: skip
    for column in ("first_at", "last_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    return frame
