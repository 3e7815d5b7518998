"""Which notebook this kernel serves, and the session ids its saved outputs carry.

Found in this order: the ``ClaudeMagics.notebook_path`` setting; VS Code's
``__vsc_ipynb_file__``; Jupyter Server's ``__session__`` / ``JPY_SESSION_NAME`` (the path can
go stale after a rename until the kernel restarts). Otherwise (terminal IPython, nbclient,
papermill) the fallback is ``ccmagic.ipynb`` in the working directory, i.e. the sidecar
``ccmagic.claude.json`` there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FALLBACK_NOTEBOOK = "ccmagic.ipynb"


@dataclass(frozen=True)
class NotebookLocation:
    path: Path
    found_by: str  # "setting", "vscode", "jupyter" or "fallback"


def locate_notebook(user_ns: Mapping[str, Any], setting: str | None) -> NotebookLocation:
    if setting:
        return NotebookLocation(Path(setting).expanduser().absolute(), "setting")
    vscode = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode.endswith(".ipynb"):
        return NotebookLocation(Path(vscode), "vscode")
    jupyter = user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if isinstance(jupyter, str) and jupyter.endswith(".ipynb"):
        return NotebookLocation(Path(jupyter).expanduser().absolute(), "jupyter")
    return NotebookLocation(Path.cwd() / FALLBACK_NOTEBOOK, "fallback")


def saved_session_ids(notebook: Path) -> dict[str, str]:
    """Session name -> the id of its last ``%%claude`` output saved in ``notebook``."""
    try:
        document = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, str] = {}
    outputs = (o for c in document.get("cells", []) for o in c.get("outputs", []))
    try:
        for output in outputs:
            meta = (output.get("metadata") or {}).get("ccmagic")
            if isinstance(meta, dict) and meta.get("session") and meta.get("session_id"):
                found[str(meta["session"])] = str(meta["session_id"])
    except AttributeError:  # not a notebook's shape: trust nothing found so far either
        return {}
    return found


def local_transcript_exists(session_id: str) -> bool:
    """Whether Claude Code on this machine keeps a transcript of ``session_id``."""
    config = Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")
    return any(config.glob(f"projects/*/{session_id}.jsonl"))
