"""Following a notebook that was renamed, so its conversations go where it went.

The most common way a notebook gets its name: work in ``Untitled.ipynb``, then rename it while
the kernel runs. The kernel keeps the old path, and the sidecar the old name. Two checks put
them back together, both by the session ids a notebook's saved outputs carry:

- the notebook a kernel writes for is gone: the notebook in that folder whose outputs name this
  sidecar's sessions is where it went, and the sidecar moves to its name;
- a notebook has no sidecar of its name: a sidecar in its folder holding the sessions its
  outputs name is adopted (renamed if its own notebook is gone, copied if it is still there).

A sidecar that exists is never merged into nor overwritten.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ccmagic.errors import SidecarError
from ccmagic.notebook.location import saved_sessions
from ccmagic.sidecar.file import Sidecar, sidecar_path
from ccmagic.sidecar.format import RECOVERY_SUFFIX, SUFFIX


def renamed_to(gone: Path, ids: set[str]) -> Path | None:
    """The one notebook beside ``gone`` whose saved outputs name any of ``ids``."""
    if not ids or not gone.parent.is_dir():
        return None
    found = [
        path
        for path in sorted(gone.parent.glob("*.ipynb"))
        if path != gone and ids & set(saved_sessions(path)[1])
    ]
    return found[0] if len(found) == 1 else None


def sidecar_holding(notebook: Path, ids: set[str]) -> Path | None:
    """A sidecar beside ``notebook`` (not its own) that records any of ``ids``."""
    if not ids:
        return None
    own = sidecar_path(notebook)
    for path in sorted(notebook.parent.glob(f"*{SUFFIX}")):
        if path == own or path.name.endswith(RECOVERY_SUFFIX):
            continue
        try:
            recorded = set(Sidecar(path).tree().conversations)
        except SidecarError:
            continue
        if ids & recorded:
            return path
    return None


def move_sidecar(old: Path, new: Path) -> str:
    """Give ``new`` the sidecar ``old``: renamed when its notebook is gone, copied when it is
    still there (a copy of the notebook keeps its own). Returns what was done, to say so."""
    if new.exists():
        raise FileExistsError(new)
    notebook = old.with_name(old.name.removesuffix(SUFFIX) + ".ipynb")
    if notebook.exists():
        shutil.copy2(old, new)
        return f"copied {old.name} to {new.name}"
    old.rename(new)
    return f"renamed {old.name} to {new.name}"
