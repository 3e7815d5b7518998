"""Whether the cell below a ``%%claude`` cell already holds some code.

An answer's ``new_cell`` puts code into a new cell below the asking one. When that cell is
asked again (edited, regenerated, or re-run on a branch) and Claude hands back the same code,
the cell below already holds it: inserting it again would leave two copies, and the next Run
All would run both. Two witnesses say what is below: this kernel's own log of the cells it
ran (Run All runs the cell below right after the asking one), and the saved notebook file
(after a restart or reopening).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def holds_code_below(
    cell_id: str | None,
    source: str,
    ran: Iterable[tuple[str | None, str]],
    notebook: Path | None,
    code: str,
) -> bool:
    """Whether the cell after the asking one (``cell_id``, else found by its ``source``)
    holds ``code``, by the cells this kernel ran in order (``ran``: id and source) or by the
    saved ``notebook``."""
    wanted = _normal(code)
    if not wanted:
        return False
    below = [_after(cell_id, source, list(ran))]
    if notebook is not None:
        below.append(_after(cell_id, source, _saved_cells(notebook)))
    return any(text is not None and _normal(text) == wanted for text in below)


def _after(cell_id: str | None, source: str, cells: list[tuple[str | None, str]]) -> str | None:
    """The source of the cell right after the last one that is the asking cell."""
    for index in range(len(cells) - 2, -1, -1):
        found_id, found_source = cells[index]
        if cell_id is not None and found_id is not None:
            asking = found_id == cell_id
        else:  # nbclient and papermill send no cell ids: the cell is known by its source
            asking = _normal(found_source) == _normal(source)
        if asking:
            return cells[index + 1][1]
    return None


def _saved_cells(notebook: Path) -> list[tuple[str | None, str]]:
    try:
        document: dict[str, Any] = json.loads(notebook.read_text(encoding="utf-8"))
        cells = document.get("cells", [])
        return [(c.get("id"), _source(c)) for c in cells if isinstance(c, dict)]
    except (OSError, ValueError, AttributeError):
        return []


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
