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
from ccmagic.sidecar.file import FOLDED, Sidecar, collector_paused
from ccmagic.sidecar.fold import Turn, TurnTree
from ccmagic.sidecar.format import RECOVERY_SUFFIX, SUFFIX

if TYPE_CHECKING:
    import pandas as pd

HISTORY_COLUMNS = [
    "session", "session_id", "turn", "prompt", "response", "cost_usd", "input_tokens",
    "output_tokens", "cache_read_tokens", "cache_creation_tokens", "duration_ms", "model",
    "started_at", "is_error", "interrupted", "tools", "error", "cell_id", "batch", "item",
    "line", "label", "current_line",
]  # fmt: skip
SESSION_COLUMNS = [
    "session", "session_id", "current", "reason", "parent", "turns", "cost_usd",
    "unknown_cost_turns", "spent_usd", "spent_turns", "spent_unknown_cost_turns", "line",
    "line_turns", "line_cost_usd", "input_tokens", "output_tokens", "first_at", "last_at",
    "tags", "model",
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


def load_tree(notebook: str | Path | None = None) -> TurnTree:
    """Every readable event of the notebook's sidecar files, folded together."""
    events: list[dict[str, Any]] = []
    problems = []
    with collector_paused():
        for car in sidecars_for(notebook):
            try:
                events.extend(car.events(FOLDED))
            except SidecarError as problem:
                problems.append(problem)
        if problems and not events:
            raise problems[0]
        return TurnTree(events)


def history(
    session: str | None = None,
    notebook: str | Path | None = None,
    *,
    sidecar: str | Path | None = None,
) -> pd.DataFrame:
    """One row per recorded turn, oldest first; ``started_at`` is timezone-aware (UTC).

    Of ``sidecar`` (a ``.claude.json`` file), or of ``notebook``'s sidecar, or by default of
    the sidecar this kernel's cells (or ``Session()`` here) write.

    Every turn ever asked is a row, on every line (so ``cost_usd`` sums to what was spent).
    ``line`` is the line of its session name the turn was asked on (1 for the first; an edited
    cell, ``%claude new``, a fork, a merged-in branch or a second kernel start the next), and
    ``label`` how its cell shows it (``analysis ⎇2 #3``); ``current_line`` marks the turns of
    each name's current line (what Claude remembers now). See :mod:`ccmagic.sidecar.fold`.

    Built from the sidecar's events as dicts (one orjson parse, no turn objects, no garbage
    collection passes meanwhile): 10,000 turns load well within the 200 ms a notebook user
    notices.
    """
    import pandas as pd

    tree = load_tree(sidecar or notebook)
    with collector_paused():
        current = {n.key for name in tree.current for n in _head_path(tree, name)}
        nodes = [n for n in tree.turns() if session is None or n.name == session]
        rows = [n.event for n in nodes]  # parsed for this call only: filled in place
        for node, row in zip(nodes, rows, strict=True):
            row["tools"] = ", ".join(c.get("name", "") for c in row.get("tool_calls") or [])
            row["line"] = node.line or None
            row["label"] = node.label
            row["current_line"] = node.key in current
        frame = pd.DataFrame.from_records(rows, columns=HISTORY_COLUMNS)
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True, format="ISO8601")
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    for column in ("turn", "input_tokens", "output_tokens", "cache_read_tokens",
                   "cache_creation_tokens", "duration_ms", "line"):  # fmt: skip
        frame[column] = frame[column].astype("Int64")
    frame["item"] = _item_keys([row.get("item") for row in rows], frame.index)
    for column in ("is_error", "interrupted", "current_line"):
        frame[column] = frame[column].astype(bool)
    return frame.sort_values(["started_at", "turn"], kind="stable").reset_index(drop=True)


def _head_path(tree: TurnTree, name: str) -> list[Turn]:
    head = tree.head_of(tree.current[name])
    return head.path() if head is not None else []


def _item_keys(keys: list[Any], index: pd.Index) -> pd.Series:
    """Batch item keys as they were given: whole numbers stay whole (a column with gaps is
    no float), anything else as its own object."""
    import pandas as pd

    given = [k for k in keys if k is not None]
    if given and all(type(k) is int for k in given):
        return pd.Series(keys, index=index, dtype="Int64")
    return pd.Series(keys, index=index, dtype=object)


def sessions(
    tags: str | list[str] | None = None,
    notebook: str | Path | None = None,
    *,
    sidecar: str | Path | None = None,
) -> pd.DataFrame:
    """One row per conversation (a name keeps its earlier ones after ``new``), with totals.

    ``turns``, ``cost_usd`` and ``unknown_cost_turns`` are the conversation's own turns (the
    prompts the model received, not tries that never reached it). Two totals answer "what has
    this session cost", the same in every view (:mod:`ccmagic.sidecar.fold`): ``spent_usd``,
    every turn ever asked under the conversation's name, on every line (what the bill says),
    and ``line_cost_usd``, the turns on the conversation's line (what Claude remembers, some
    maybe asked under another name). A cost is ``<NA>`` when none of its turns' is known;
    ``unknown_cost_turns`` says how many a sum leaves out, so a total is never silently short.
    """
    import pandas as pd

    wanted = {tags} if isinstance(tags, str) else set(tags or [])
    tree = load_tree(sidecar or notebook)
    rows = []
    for conv in tree.conversations.values():
        if wanted and not wanted & set(conv.tags):
            continue
        turns = conv.turns
        cost = CostSoFar.of(turns)
        spent = tree.spent(conv.session)
        line = CostSoFar.of(tree.line_of(conv.session_id))
        rows.append(
            {
                "session": conv.session,
                "session_id": conv.session_id,
                "current": tree.current.get(conv.session) == conv.session_id,
                "reason": conv.reason,
                "parent": conv.parent,
                "turns": cost.turns,
                "cost_usd": _usd(cost),
                "unknown_cost_turns": cost.unknown_turns,
                "spent_usd": _usd(spent),
                "spent_turns": spent.turns,
                "spent_unknown_cost_turns": spent.unknown_turns,
                "line": _line_number(tree, conv.session_id),
                "line_turns": line.turns,
                "line_cost_usd": _usd(line),
                "input_tokens": sum(t.input_tokens for t in turns),
                "output_tokens": sum(t.output_tokens for t in turns),
                "first_at": min((t.started_at for t in turns), default=conv.started_at or None),
                "last_at": max((t.started_at for t in turns), default=conv.started_at or None),
                "tags": ", ".join(conv.tags),
                "model": turns[-1].model if turns else conv.options.get("model"),
            }
        )
    frame = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    for column in ("first_at", "last_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column in ("cost_usd", "spent_usd", "line_cost_usd"):
        frame[column] = frame[column].astype("Float64")
    frame["line"] = frame["line"].astype("Int64")
    return frame


def _usd(cost: CostSoFar) -> float | None:
    """A sum of known costs, or ``None`` when every turn's cost is unknown."""
    return None if cost.turns and cost.unknown_turns == cost.turns else cost.known_usd


def _line_number(tree: TurnTree, session_id: str) -> int | None:
    head = tree.head_of(session_id)
    return head.line or None if head is not None else None
