"""Re-running a notebook: replay what was asked, branch where a cell was edited.

The principle: what the notebook shows above a ``%%claude`` cell is what Claude knows when it
answers that cell. Each session name stands for a *line*: the recorded turns of its current
conversation, through the conversations it was branched from up to where it branched. In a
kernel, each name keeps a cursor on its line:

- a cell that matches the line's next turn (same prompt, model, system prompt and attached
  objects) shows that turn again, marked as replayed: nothing is asked or paid;
- a cell that does not, while recorded turns still follow (an edited or inserted cell), is
  asked on a *branch*: a new conversation forked at the end of the last turn shown above it;
- re-running the cell that produced the line's last turn asks it again on a branch from
  just before it (regenerate); re-running an earlier cell moves the cursor back to it;
- at the end of the line a new cell continues the conversation, as always.

Before a cell replays, the data its turn saw is looked at again (:mod:`.freshness`, by a
``check`` the caller passes in): when it changed, the cell is asked again on a branch, refused
(``"only"``), or, with ``--replay-anyway``, replayed with a mark that says so.

Cells are told apart by the frontend's cell id where it sends one (JupyterLab, VS Code) and
by their order and prompt where it does not (nbclient, papermill, nbval). ``replay`` is
``"auto"`` (the above), ``"off"`` (always ask and append) or ``"only"`` (never ask: a cell
with no matching recording fails, for headless runs without a key).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmagic.core.turns import TurnRecord
from ccmagic.notebook.freshness import Verdict

MODES = ("auto", "off", "only")
NBVAL_SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


@dataclass
class Cell:
    """A ``%%claude`` cell about to run: what a recorded turn must match."""

    prompt: str
    asked_with: dict[str, Any]
    attached: list[str]
    cell_id: str | None = None
    fresh: bool = False  # --fresh: ask even when a recording matches
    source: str = ""  # the whole cell as run, to find it in the saved notebook
    anyway: bool = False  # --replay-anyway: replay a match even when its data changed

    def matches(self, record: TurnRecord) -> bool:
        """Whether ``record`` answered this cell as it now reads (a failed turn never does)."""
        return (
            _same_prompt(record.prompt, self.prompt)
            and _same_options(record.asked_with or {}, self.asked_with)
            and list(record.attached or []) == self.attached
            and not (record.is_error or record.interrupted)
        )

    def is_cell_of(self, record: TurnRecord) -> bool:
        return self.cell_id is not None and record.cell_id == self.cell_id


def _same_prompt(recorded: str, prompt: str, place: str = "prompt") -> bool:
    """The recorded prompt is this one (as the sidecar keeps it: with secrets taken out)."""
    if recorded.strip() == prompt.strip():
        return True
    if "[REDACTED:" not in recorded:
        return False
    from ccmagic.sidecar.redaction import Findings, redactor

    return recorded.strip() == redactor().text(prompt, place, Findings()).strip()


def _same_options(recorded: dict[str, Any], asked: dict[str, Any]) -> bool:
    """The options a recorded answer depends on are these; its system prompt is kept with
    secrets taken out, and compared so."""
    if recorded.keys() != asked.keys():
        return False
    return all(
        _same_prompt(value, asked[key], "options") if key == "system" else value == asked[key]
        for key, value in recorded.items()
    )


@dataclass
class Replay:
    """Show ``line[index]`` again (``verdict``: what its data check found, if it ran)."""

    index: int
    verdict: Verdict | None = None


@dataclass
class Branch:
    """Ask live on a new conversation that keeps ``line[:index]`` and drops what follows
    (``because`` what the recorded answer saw has changed, if so)."""

    index: int
    because: str | None = None


@dataclass
class Continue:
    """Ask live at the end of the line."""


@dataclass
class Refuse:
    """``replay = "only"`` and nothing recorded matches (``stale``: one did, but the data it
    saw has changed)."""

    reason: str
    stale: bool = False

    @property
    def hint(self) -> str:
        """What to do about it."""
        if self.stale:
            return (
                "Restore the data it saw, ask it again with %config ClaudeMagics.replay = "
                "'auto', or keep the old answer on purpose with %%claude --replay-anyway."
            )
        return (
            "Run it once with %config ClaudeMagics.replay = 'auto' (with a key, or %claude "
            "demo) to record it, or restore the sidecar that recorded it."
        )


Step = Replay | Branch | Continue | Refuse


@dataclass
class Cursor:
    """Where a session name stands in its line, in this kernel."""

    line: list[TurnRecord] = field(default_factory=list)
    at: int = 0  # the next turn a cell would replay
    used: bool = False  # this kernel has replayed or asked a turn of it


def decide(
    cursor: Cursor,
    cell: Cell,
    mode: str,
    shown_above: Callable[[], int | None],
    check: Callable[[TurnRecord], Verdict] | None = None,
) -> Step:
    """What a cell does (and where the cursor then stands before it).

    ``shown_above()``: how many turns of the line the saved notebook shows above this cell
    (``None`` when it cannot tell: a new cell not saved yet, or no notebook file), asked for a
    cell in a kernel that has not used the session yet. ``check(record)``: whether a turn the
    cell would replay still holds for the data as it is now (:func:`checked`).
    """
    step = _match(cursor, cell, mode, shown_above)
    if isinstance(step, Replay) and check is not None:
        return checked(step, cursor.line[step.index], cell, mode, check)
    return step


def checked(
    step: Replay, record: TurnRecord, cell: Cell, mode: str, check: Callable[[TurnRecord], Verdict]
) -> Step:
    """A replay candidate, once its data is looked at again: still a replay when nothing it
    saw changed (or the cell says ``--replay-anyway``), else asked again on a branch from just
    before it, or refused when replay is ``"only"``."""
    verdict = check(record)
    if not verdict.stale or cell.anyway:
        return Replay(step.index, verdict)
    if mode == "only":
        return Refuse(f"the data its recorded answer (turn {record.turn}) saw has changed: "
                      f"{verdict.reason}", stale=True)  # fmt: skip
    return Branch(step.index, because=verdict.reason)


def _match(cursor: Cursor, cell: Cell, mode: str, shown_above: Callable[[], int | None]) -> Step:
    """:func:`decide` by prompt, options and cell alone."""
    if mode == "off":
        return Continue()
    line = cursor.line
    if cell.cell_id is not None:
        last = line[cursor.at - 1] if cursor.used and cursor.at else None
        if last is not None and cell.is_cell_of(last):  # the last turn's cell, run again
            if mode == "only":
                return Replay(cursor.at - 1) if cell.matches(last) else _refuse(line, cursor.at)
            return Branch(cursor.at - 1)  # regenerate: ask it anew, on a branch before it
        own = [i for i, t in enumerate(line) if cell.is_cell_of(t)]
        if own:  # a cell whose turn is recorded: the cursor goes to it
            cursor.at = own[-1]
    at = cursor.at
    if at < len(line) and cell.matches(line[at]) and not cell.fresh:
        return Replay(at)
    if mode == "only":
        return _refuse(line, at)
    if at >= len(line):
        return Continue()
    if cursor.used or cell.fresh or any(cell.is_cell_of(t) for t in line):
        return Branch(at)
    above = shown_above()  # where does the saved notebook show this cell?
    if above is None or above >= len(line):
        return Continue()
    cursor.at = above
    return Branch(above)


def _refuse(line: list[TurnRecord], at: int) -> Refuse:
    where = f"turn {line[at].turn}" if at < len(line) else "the end of its recorded turns"
    return Refuse(f"no recorded answer matches this cell at {where}")


def turns_shown_above(notebook: Path, cell: Cell, name: str, line: list[TurnRecord]) -> int | None:
    """How many turns of ``line`` the saved ``notebook`` shows in the outputs of its
    ``%%claude`` cells above ``cell`` (found by its id, or by its source when the frontend
    sends no id); ``None`` when the cell is not in the file, or not once."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return None
    if cell.cell_id is not None:
        found = [i for i, c in enumerate(cells) if c.get("id") == cell.cell_id]
    else:
        source = cell.source.strip()
        found = [i for i, c in enumerate(cells) if _source(c).strip() == source and source]
    if len(found) != 1:
        return None
    position = found[0]
    ids = {t.session_id for t in line}
    highest = 0
    for above in cells[:position]:
        for output in above.get("outputs", []):
            meta = (output.get("metadata") or {}).get("ccmagic") or {}
            if meta.get("session") == name and meta.get("session_id") in ids:
                turn = meta.get("turn")
                if isinstance(turn, int):
                    highest = max(highest, turn)
    return sum(1 for t in line if t.turn is not None and t.turn <= highest)


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
