"""A sidecar as the record of conversations, for every way of talking to Claude.

The magic, the Python API and batches all record through a :class:`Journal`: session and tag
events, each turn the moment it ends, Claude Code's transcript (through the SDK's
``SessionStore``), a backlog of whatever could not be written yet, and the answer to "where
does this conversation continue from". It knows nothing of notebooks; the registry of a
kernel adds what a notebook's outputs know. One journal per file and process
(:meth:`Journal.at`), so every writer in a process shares one queue and one lock.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic._state import STATE
from ccmagic.core.tools import short_tool_name
from ccmagic.core.turns import TurnRecord
from ccmagic.errors import SidecarError
from ccmagic.sidecar.continuation import (
    Continuation,
    cannot_resume,
    continuation_of,
    fork_point,
    listing,
)
from ccmagic.sidecar.file import FOLDED, FileState, now_iso, open_sidecar, project_digest
from ccmagic.sidecar.fold import TurnTree
from ccmagic.sidecar.lineage import LineageStore, transcript_of
from ccmagic.sidecar.redaction import (
    Findings,
    redact_entry,
    redact_event,
    redact_record,
    redactor,
    transcripts,
)
from ccmagic.sidecar.transcripts import (
    Trimmer,
    local_parents,
    local_transcript_exists,
)

if TYPE_CHECKING:
    from ccmagic.core.options import SessionOptions


class Journal:
    """Writes and reads one sidecar file; see the module's docstring."""

    def __init__(self, path: Path, notebook_name: str = "") -> None:
        self.notebook_name = notebook_name
        self._lock = threading.RLock()
        self._warnings: list[str] = []
        self.sidecar, warning = open_sidecar(path, notebook_name=notebook_name)
        self.requested = path
        self.store = LineageStore(self.sidecar, self._prepare_transcript, self)
        self._trimmers: dict[str, Trimmer] = {}  # per conversation
        self._found: dict[str, Findings] = {}  # secrets in transcripts, per conversation
        self._tool_names: dict[str, str] = {}  # tool_use id -> tool, to say where a secret was
        self._tree: TurnTree | None = None  # the file's events folded, kept up to date
        self._tree_as_of: tuple[int, int, int] | None = None  # the file as it was folded
        if warning:
            self._warnings.append(warning)

    @classmethod
    def at(cls, path: str | Path, notebook_name: str = "") -> Journal:
        """The journal of the sidecar at ``path``, shared by everything in this process (kept
        in :mod:`ccmagic._state`, whose one ``atexit`` hook writes what they all still hold)."""
        key = Path(path).expanduser().absolute()
        with STATE.lock:
            journal = STATE.journals.get(key)
            if journal is None:
                journal = cls(key, notebook_name or key.name.removesuffix(".claude.json"))
                STATE.journals[key] = journal
            return journal

    @property
    def path(self) -> Path:
        """The file written: the sidecar, or its recovery file while the sidecar is damaged."""
        return self.sidecar.path

    def relocate(self, path: Path | None = None, notebook_name: str = "") -> None:
        """Look again at the file, or at ``path`` (the notebook was renamed, the sidecar
        repaired): the same file keeps its queue of unwritten events; a different one takes
        the queue over, and sessions writing here follow."""
        with self._lock:
            path = path.expanduser().absolute() if path is not None else None
            if path is not None and path != self.requested:
                with STATE.lock:
                    STATE.journals.pop(self.requested, None)
                    STATE.journals.setdefault(path, self)
                self.requested = path
                self.notebook_name = notebook_name or self.notebook_name
            sidecar, warning = open_sidecar(self.requested, known=self.sidecar,
                                            notebook_name=self.notebook_name)  # fmt: skip
            if sidecar is not self.sidecar:
                sidecar.pending = self.sidecar.pending + sidecar.pending
                self.sidecar = sidecar
                self.store.sidecar = sidecar
                self._tree = None
            if warning:
                self._warnings.append(warning)

    def take_warnings(self) -> list[str]:
        """What went wrong since last asked (each said once)."""
        with self._lock:
            warnings, self._warnings = list(dict.fromkeys(self._warnings)), []
        return warnings

    # -- writing -----------------------------------------------------------------------------
    def _write(self, *events: dict[str, Any]) -> None:
        """Append events after any that are waiting; they all wait if the write fails."""
        with self._lock:
            written = [*self.sidecar.pending, *events]
            try:
                before, after = self.sidecar.append(*events)
            except (OSError, SidecarError) as problem:
                why = problem.message if isinstance(problem, SidecarError) else str(problem)
                turns = sum(1 for e in self.sidecar.pending if e.get("event") == "turn")
                self._warnings.append(
                    f"Could not write {self.sidecar.path.name} ({why}); {turns} turn(s) are "
                    "kept in memory and written as soon as it works again."
                )
            else:
                self._follow_append(written, before, after)

    def _follow_append(
        self, events: list[dict[str, Any]], before: FileState | None, after: FileState | None
    ) -> None:
        """Our own append, applied to the folded tree, when the tree was of the file as it
        stood just before it (else the next read folds the file afresh)."""
        if self._tree is not None and before == self._tree_as_of and after is not None:
            for event in events:
                if event.get("event") in FOLDED:
                    self._tree.apply(event)
            self._tree_as_of = after

    def flush(self, transcripts_only: bool = False) -> None:
        """Write whatever waits (transcript entries queued by the store, failed writes).
        ``transcripts_only``: only when nothing but transcript entries waits (a failed
        write's backlog is left to the next turn, which retries it and says so once)."""
        pending = self.sidecar.pending
        if pending and not (transcripts_only and any(e.get("event") != "transcript"
                                                     for e in pending)):  # fmt: skip
            self._write()

    def record_turn(self, record: TurnRecord, start: dict[str, Any] | None = None) -> None:
        """A turn, and with it (in the same write) the ``start`` of its conversation. Secrets
        are taken out of the record first (in place: the cell then shows it redacted), and it
        keeps how many of which kinds were found in it and in its transcript."""
        found = self._found.pop(record.session_id, Findings())
        redact_record(record, redactor(), found)
        if found.count:
            record.redacted = found.record()
        turn = {"event": "turn"} | record.to_dict()
        self._write(*([start, turn] if start else [turn]))

    def _prepare_transcript(
        self, key: dict[str, Any], entries: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """What the sidecar keeps of a batch of transcript entries: what a resume needs
        (:class:`~ccmagic.sidecar.transcripts.Trimmer`), with secrets taken out."""
        mode = transcripts()
        if mode == "none" or key.get("subpath"):  # subagents' own transcripts: not resumed
            return []
        session_id = str(key.get("session_id"))
        trimmer = self._trimmers.get(session_id)
        if trimmer is None:
            stored = {e["uuid"] for e in self.sidecar.entries_of(session_id) if e.get("uuid")}
            trimmer = self._trimmers[session_id] = Trimmer(
                stored, lambda: local_parents(session_id)
            )
        entries = trimmer(entries)
        if mode == "redacted":
            found = self._found.setdefault(session_id, Findings())
            entries = [self._redact_entry(entry, found) for entry in entries]
        return entries

    def _redact_entry(self, entry: dict[str, Any], found: Findings) -> dict[str, Any]:
        return redact_entry(entry, found, self._tool_names, short_tool_name)

    @staticmethod
    def session_event(
        name: str, session_id: str, reason: str, options: SessionOptions, **extra: Any
    ) -> dict[str, Any]:
        """A conversation starts under ``name`` (reason: start, new, fork, branch, resume,
        notebook, batch); ``extra`` holds its parent, fork turn, tags."""
        kept = {"transcripts": "none"} if transcripts() == "none" else {}
        return redact_event(
            {
                "event": "session",
                "session": name,
                "session_id": session_id,
                "reason": reason,
                "options": options.to_record(),
                "at": now_iso(),
            }
            | kept
            | {k: v for k, v in extra.items() if v is not None and v != []}
        )  # the options redacted: a token in --system

    def record_session(
        self, name: str, session_id: str, reason: str, options: SessionOptions, **extra: Any
    ) -> None:
        self._write(self.session_event(name, session_id, reason, options, **extra))

    def record_tags(self, name: str, session_id: str, tags: tuple[str, ...] | list[str]) -> None:
        """Tags for a conversation; ones it already has are not written again."""
        conversation = self.tree().conversations.get(session_id) if tags else None
        if tags and (conversation is None or not set(tags) <= set(conversation.tags)):
            self._write({"event": "tags", "session": name, "session_id": session_id,
                         "tags": sorted(set(tags))})  # fmt: skip

    def fork_point(self, session_id: str, kept_turn: int) -> tuple[str | None, str | None]:
        """Where a branch of ``session_id`` keeping its turns up to ``kept_turn`` forks."""
        return fork_point(self.tree(), self.sidecar, session_id, kept_turn)

    def record_answer(
        self,
        record: TurnRecord,
        start: dict[str, Any] | None,
        transcript: tuple[str, list[dict[str, Any]]],
        known: set[str],
    ) -> None:
        """A turn asked by a process that did not record it (a batch item, perhaps on another
        machine): its transcript (project key, entries Claude Code wrote, none of those in
        ``known`` that its process was given), then the turn, with its conversation's start."""
        project_key, entries = transcript
        with self._lock:
            if entries and project_key:
                key = {"project_key": project_key, "session_id": record.session_id}
                self._trimmers.setdefault(record.session_id, Trimmer(known))
                kept = self._prepare_transcript(key, entries)
                if kept:
                    stored = key | {"project_key": project_digest(project_key)}
                    self.sidecar.pending.append({"event": "transcript", "key": stored,
                                                 "entries": kept})  # fmt: skip
            self.record_turn(record, start)

    # -- reading -----------------------------------------------------------------------------
    def transcript_of(self, session_id: str) -> list[dict[str, Any]]:
        """The entries to resume ``session_id`` from (see :mod:`ccmagic.sidecar.lineage`)."""
        return transcript_of(self, session_id)

    def tree(self) -> TurnTree:
        """The conversations and turns recorded so far, with what waits to be written (a
        sidecar that cannot be read records none). Folded once per version of the file."""
        with self._lock:
            try:
                stat = self.sidecar.file_state()
                if self._tree is None or stat != self._tree_as_of or stat is None:
                    self._tree, self._tree_as_of = self.sidecar.tree(), stat
                tree = self._tree
            except SidecarError as problem:
                self._warnings.append(problem.message)
                self._tree, tree = None, TurnTree()
            waiting = [e for e in self.sidecar.pending if e.get("event") in FOLDED]
        if waiting:  # a write failed: fold afresh, with what waits (rare, so not cached)
            try:
                tree = TurnTree([*self.sidecar.events(FOLDED), *waiting])
            except SidecarError:
                tree = TurnTree(waiting)
        return tree

    def has_transcript(self, session_id: str) -> bool:
        return local_transcript_exists(session_id) or self.sidecar.has_transcript(session_id)

    async def import_transcript(self, session_id: str) -> None:
        """Copy this machine's transcript of ``session_id`` into the sidecar, if it has one."""
        if local_transcript_exists(session_id) and not self.sidecar.has_transcript(session_id):
            from ccmagic.sdk.store import import_transcript  # the SDK: not at %load_ext

            await import_transcript(session_id, self.store)

    def continuation(self, name_or_id: str) -> Continuation | None:
        """Where the conversation a name currently stands for (or a session id) goes on."""
        return continuation_of(self.tree(), name_or_id, self.has_transcript)

    def cannot_resume(self, plan: Continuation) -> SidecarError:
        return cannot_resume(self.tree(), plan)

    def listing(self) -> str:
        """The sessions recorded here, for an error that must say what exists."""
        return listing(self.tree(), self.path.name)
