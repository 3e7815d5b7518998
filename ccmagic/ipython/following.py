"""The notebook a kernel writes for, followed through renames, and its sidecar with it.

A kernel keeps the path it was started for; the notebook may be renamed meanwhile, or opened
without its sidecar. Each cell looks again (:mod:`ccmagic.notebook.follow` has the rules) and
says once what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ccmagic.notebook.follow import move_sidecar, renamed_to, sidecar_holding
from ccmagic.notebook.location import NotebookLocation, saved_sessions
from ccmagic.sidecar.file import sidecar_path
from ccmagic.sidecar.journal import Journal


class Follower:
    """Where this kernel's notebook and sidecar are now, and what to say about a move."""

    def __init__(self, locate: Callable[[], NotebookLocation], journal: Journal) -> None:
        self.locate = locate
        self.journal = journal
        self.notebook = locate().path
        self._followed: dict[Path, Path] = {}  # renamed notebooks: old path -> new one
        self._adoption_checked: set[Path] = set()
        self._notes: list[str] = []  # said once, at the top of the next cell

    def refresh(self, before_prompt: bool = False) -> list[str]:
        """Look again for the notebook and its sidecar (renamed, repaired); return warnings.
        ``before_prompt`` also writes the transcript entries the store queued."""
        location = self.locate()
        self.notebook = self._followed.get(location.path, location.path)
        if location.found_by != "fallback":
            self.notebook = self._follow(self.notebook)
            self._adopt_sidecar(self.notebook)
        self.journal.relocate(sidecar_path(self.notebook), self.notebook.name)
        if before_prompt:
            self.journal.flush(transcripts_only=True)
        return self.journal.take_warnings()

    def take_notes(self) -> list[str]:
        """What to tell the user once (a sidecar followed its renamed notebook, say)."""
        notes, self._notes = self._notes, []
        return notes

    def _follow(self, notebook: Path) -> Path:
        """The notebook this kernel writes for was renamed: its sidecar goes along."""
        sidecar = sidecar_path(notebook)
        if notebook.exists() or not sidecar.exists():
            return notebook
        renamed = renamed_to(notebook, set(self.journal.tree().conversations))
        if renamed is None:
            return notebook
        self._followed[notebook] = renamed
        target = sidecar_path(renamed)
        if target.exists():  # never merged into, never overwritten
            self._notes.append(
                f"{notebook.name} seems renamed to {renamed.name}, which has a sidecar of its "
                f"own: this kernel's turns keep going to {sidecar.name}."
            )
            self._followed[notebook] = notebook
            return notebook
        self.journal.flush()
        move_sidecar(sidecar, target)
        self._notes.append(
            f"{notebook.name} was renamed to {renamed.name}: its sidecar is now {target.name}."
        )
        return renamed

    def _adopt_sidecar(self, notebook: Path) -> None:
        """A notebook without a sidecar of its name takes the one that holds its sessions."""
        if notebook in self._adoption_checked:
            return
        self._adoption_checked.add(notebook)
        own = sidecar_path(notebook)
        if own.exists() or not notebook.exists():
            return
        other = sidecar_holding(notebook, set(saved_sessions(notebook)[1]))
        if other is None:
            return
        done = move_sidecar(other, own)
        self._notes.append(
            f"{notebook.name} had no sidecar: {done}, which holds the sessions its outputs name."
        )
