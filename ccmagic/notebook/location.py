"""Which notebook this kernel serves, and what its saved outputs carry of each conversation.

Found in this order: the ``ClaudeMagics.notebook_path`` setting; VS Code's
``__vsc_ipynb_file__``; Jupyter Server's ``__session__`` / ``JPY_SESSION_NAME`` (the path goes
stale after a rename until the kernel restarts: :mod:`ccmagic.notebook.follow` follows it); the
``CCMAGIC_NOTEBOOK`` environment variable (for papermill, nbclient and other headless runners,
which tell the kernel nothing). Otherwise (terminal IPython) the fallback is ``ccmagic.ipynb``
in the working directory, i.e. the sidecar ``ccmagic.claude.json`` there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmagic.core.turns import CostSoFar, TurnRecord

FALLBACK_NOTEBOOK = "ccmagic.ipynb"


@dataclass(frozen=True)
class NotebookLocation:
    path: Path
    found_by: str  # "setting", "vscode", "jupyter", "environment" or "fallback"


def locate_notebook(user_ns: Mapping[str, Any], setting: str | None) -> NotebookLocation:
    if setting:
        return NotebookLocation(Path(setting).expanduser().absolute(), "setting")
    vscode = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode.endswith(".ipynb"):
        return NotebookLocation(Path(vscode), "vscode")
    jupyter = user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if isinstance(jupyter, str) and jupyter.endswith(".ipynb"):
        return NotebookLocation(Path(jupyter).expanduser().absolute(), "jupyter")
    named = os.environ.get("CCMAGIC_NOTEBOOK")
    if named:
        return NotebookLocation(Path(named).expanduser().absolute(), "environment")
    return NotebookLocation(Path.cwd() / FALLBACK_NOTEBOOK, "fallback")


def output_metadata(
    record: TurnRecord, so_far: CostSoFar, parent: str | None = None, label: str | None = None
) -> dict[str, Any]:
    """What a ``%%claude`` output keeps under ``"ccmagic"``: enough to continue the
    conversation, number its turns and keep its costs exact from the notebook alone (the
    CLI's running totals are what a later process's first turn is measured from). ``so_far``
    is what its line has cost; ``label`` how the cell names the turn (``analysis ⎇2 #3``)."""
    meta: dict[str, Any] = {
        "session": record.session,
        "session_id": record.session_id,
        "turn": record.turn,
        "cost_usd": record.cost_usd,
        "reported_total_usd": record.reported_total_usd,
        "reported_tokens": record.reported_tokens,
        "so_far_usd": so_far.known_usd,
        "so_far_unknown_turns": so_far.unknown_turns,
        "so_far_turns": so_far.turns,
    }
    if parent:
        meta["parent"] = parent
    if label:
        meta["label"] = label
    return meta


@dataclass
class SavedSession:
    """What a notebook's outputs know of one conversation."""

    session_id: str
    turn: int = 0  # the highest turn they show
    so_far: CostSoFar = field(default_factory=CostSoFar)  # as of that turn
    parent: str | None = None
    totals: dict[int, float] = field(default_factory=dict)  # CLI running tokens -> total

    def lineage_totals(self, known: dict[str, SavedSession]) -> dict[int, float]:
        """Running totals of this conversation and those it was forked from."""
        totals: dict[int, float] = {}
        seen: set[str] = set()
        current: SavedSession | None = self
        while current is not None and current.session_id not in seen:
            seen.add(current.session_id)
            totals = current.totals | totals
            current = known.get(current.parent or "")
        return totals


def saved_sessions(notebook: Path) -> tuple[dict[str, SavedSession], dict[str, SavedSession]]:
    """From the ``%%claude`` outputs saved in ``notebook``: session name -> its last
    conversation, and session id -> every conversation they name."""
    try:
        document = json.loads(notebook.read_text(encoding="utf-8"))
        outputs = [o for c in document.get("cells", []) for o in c.get("outputs", [])]
        metas = [(o.get("metadata") or {}).get("ccmagic") for o in outputs]
    except (OSError, ValueError, AttributeError, TypeError):  # not a notebook we can read
        return {}, {}
    by_name: dict[str, SavedSession] = {}
    by_id: dict[str, SavedSession] = {}
    for meta in metas:
        if not (isinstance(meta, dict) and meta.get("session") and meta.get("session_id")):
            continue
        saved = by_id.setdefault(str(meta["session_id"]), SavedSession(str(meta["session_id"])))
        by_name[str(meta["session"])] = saved
        saved.parent = saved.parent or _text(meta.get("parent"))
        tokens, total = meta.get("reported_tokens"), meta.get("reported_total_usd")
        if isinstance(tokens, int) and isinstance(total, int | float):
            saved.totals[tokens] = float(total)
        turn = meta.get("turn")
        if isinstance(turn, int) and turn >= saved.turn:
            saved.turn = turn
            saved.so_far = _so_far(meta, turn)
    return by_name, by_id


def _so_far(meta: dict[str, Any], turn: int) -> CostSoFar:
    """The running cost an output recorded; outputs of older versions count as unknown."""
    known, unknown, turns = (
        meta.get("so_far_usd"),
        meta.get("so_far_unknown_turns"),
        meta.get("so_far_turns"),
    )
    if isinstance(known, int | float) and isinstance(unknown, int) and isinstance(turns, int):
        return CostSoFar(float(known), unknown, turns)
    return CostSoFar(0.0, turn, turn)


def _text(value: Any) -> str | None:
    return str(value) if value else None


def current_notebook() -> Path:
    """The notebook this process's ``%%claude`` cells write for: the kernel's (by the order
    above), or the fallback in the working directory outside a kernel."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        magics = shell.magics_manager.registry.get("ClaudeMagics")
        if magics is not None:
            return Path(magics.notebook.path)
        return locate_notebook(shell.user_ns, None).path
    return locate_notebook({}, None).path


def default_sidecar() -> Path:
    """The sidecar ``history()`` reads and ``Session()`` writes when none is named."""
    from ccmagic.sidecar.file import sidecar_path

    return sidecar_path(current_notebook())
