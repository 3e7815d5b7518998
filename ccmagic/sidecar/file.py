"""``<notebook>.claude.json``: every session and turn of a notebook, and their transcripts.

The file is one JSON document a person can read, laid out one event per line::

    {"format": "ccmagic-sidecar", "version": 1, "notebook": "analysis.ipynb", "log": [
    {"event": "session", "session": "analysis", "session_id": "…", "reason": "start", …},
    {"event": "turn", "session": "analysis", "turn": 1, "prompt": "…", "cost_usd": 0.0008, …},
    {"event": "transcript", "key": {"project_key": "sha256:…", "session_id": "…"}, "entries": […]}
    {"event": "blob", "sha256": "…", "media_type": "image/png", "data": "…"}
    ]}

An image in a transcript is kept once, in a ``blob`` event that the entries refer to by hash
(:mod:`ccmagic.sidecar.blobs`).

Events are only ever appended: under a lock on the file itself that every process and machine
reaching it sees (:mod:`ccmagic.sidecar.locking`), the closing ``]}`` is overwritten by ``,``
+ the new line + ``]}`` in one ``write`` and fsynced, so a turn is stored in well under a
millisecond however long the file is, and earlier events are never rewritten; the append
first checks that the file still ends with that ``]}``.
A file that is not in this form is never written to: see :func:`open_sidecar`. Events that
cannot be written (disk full, read-only) wait in memory, in order, and go out with the next
append that succeeds.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ccmagic.errors import SidecarError
from ccmagic.sidecar.blobs import EVENT as BLOB
from ccmagic.sidecar.fold import TurnTree
from ccmagic.sidecar.format import FORMAT, RECOVERY_SUFFIX, SUFFIX, TRAILER, VERSION
from ccmagic.sidecar.locking import locked

FOLDED = ("session", "turn", "tags")  # the kinds of event the turn tree is made of


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Parsing thousands of events makes objects that all stay alive: the garbage collector's
    passes over them meanwhile find nothing and cost a quarter of the parse."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


FileState = tuple[int, int, int]  # inode, size, modification time (ns)


def _state_of(st: os.stat_result) -> FileState:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def sidecar_path(notebook: Path) -> Path:
    """``analysis.ipynb`` -> ``analysis.claude.json`` beside it."""
    return notebook.with_name(notebook.stem + SUFFIX)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class Sidecar:
    """Appends events to one sidecar file and reads them back."""

    def __init__(self, path: Path, notebook_name: str = "") -> None:
        self.path = path
        self.notebook_name = notebook_name
        self.pending: list[dict[str, Any]] = []
        self._valid_as_of: FileState | None = None  # as it was last checked

    # -- writing -----------------------------------------------------------------------------
    def append(self, *events: dict[str, Any]) -> tuple[FileState | None, FileState | None]:
        """Add events (after any still pending) at the end of the file, creating it if needed;
        returns the file's state just before and just after (``None``: it had no events).

        On failure the events stay in :attr:`pending` and the error is raised. Events queued
        meanwhile by another thread (the session store's) are kept for the next append.
        """
        batch, self.pending = [*self.pending, *events], []
        if not batch:
            return None, None
        try:
            return self._write(batch)
        except BaseException:
            self.pending = batch + self.pending
            raise

    def _write(self, events: list[dict[str, Any]]) -> tuple[FileState | None, FileState]:
        """Under the file's own lock: check that the file still ends where an append must,
        then overwrite its closing ``]}`` with the events and a new one, in one write."""
        lines = b",\n".join(
            json.dumps(e, ensure_ascii=False, separators=(", ", ": ")).encode() for e in events
        )
        with locked(self.path, exclusive=True, create=True) as hold:
            fd = hold.fd
            assert fd is not None
            size = os.lseek(fd, 0, os.SEEK_END)
            before = _state_of(os.fstat(fd)) if size else None
            if size == 0:  # new (or made empty by a crash while it was made): the header first
                size = self._create(fd)
            self.check()
            os.lseek(fd, size - len(TRAILER) - 1, os.SEEK_SET)
            last = os.read(fd, len(TRAILER) + 1)
            if not last.endswith(TRAILER):  # changed under us since it was checked
                raise self._damaged("its last line is not the closing ]} (truncated or edited?)")
            opening = last[:1] == b"["
            payload = memoryview((b"" if opening else b",") + b"\n" + lines + TRAILER)
            try:
                written = 0
                while written < len(payload):
                    written += os.pwrite(fd, payload[written:], size - len(TRAILER) + written)
                os.fsync(fd)
            except OSError:  # a short write (disk full): put the file back as it was
                os.pwrite(fd, TRAILER, size - len(TRAILER))
                os.ftruncate(fd, size)
                raise
            self._valid_as_of = _state_of(os.fstat(fd))
            return before, self._valid_as_of

    def _create(self, fd: int) -> int:
        """Write the header of a new sidecar into ``fd``; returns its size."""
        header = {
            "format": FORMAT,
            "version": VERSION,
            "notebook": self.notebook_name,
            "created_at": now_iso(),
        }
        text = (json.dumps(header, ensure_ascii=False)[:-1] + ', "log": [').encode() + TRAILER
        os.pwrite(fd, text, 0)
        os.fsync(fd)
        return len(text)

    # -- reading -----------------------------------------------------------------------------
    def _stat(self) -> FileState:
        return _state_of(self.path.stat())

    def file_state(self) -> FileState | None:
        """The file as it stands (``None`` when absent or empty): what a cache is keyed by."""
        try:
            state = self._stat()
        except FileNotFoundError:
            return None
        return state if state[1] else None

    def _read(self) -> bytes:
        """The whole file, read under the lock: an append elsewhere rewrites its closing
        line, and a read in the middle of that would take a sound file for a damaged one."""
        with locked(self.path, exclusive=False) as hold:
            return hold.read()

    def check(self) -> None:
        """Raise :class:`SidecarError` unless the file is absent or a sidecar we can extend.

        The whole file is checked (valid JSON, our format, one event per line), once per
        version of it: unchanged since the last check or our own append, it costs a ``stat``.
        """
        if not self.path.exists():
            return
        with locked(self.path, exclusive=False):
            stat = self._stat()
            if stat == self._valid_as_of or stat[1] == 0:  # unchanged, or being made
                return
            data = self._read()
        lines = data.split(b"\n")
        self._header(lines[0])
        if not data.endswith(TRAILER):
            raise self._damaged("its last line is not the closing ]} (truncated or edited?)")
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError:  # orjson is stricter than json (NaN, say): ask json
            try:
                document = json.loads(data)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
                raise self._damaged(f"it is not valid JSON{where}") from None
        log = document.get("log") if isinstance(document, dict) else None
        events = lines[1:-2]  # between the header and the closing ]} (and final newline)
        if not isinstance(log, list) or len(log) != len(events):
            raise self._damaged("its events are not one per line")
        for number, (event, line) in enumerate(zip(log, events, strict=True), start=2):
            last = number == len(events) + 1
            shaped = line.startswith(b"{") and line.endswith(b"}" if last else b"},")
            if not (isinstance(event, dict) and isinstance(event.get("event"), str) and shaped):
                raise self._damaged(f"line {number} is not an event")
        self._valid_as_of = stat

    def events(self, kinds: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        """The events in order; only those of ``kinds`` when given (others are not parsed).

        The chosen lines are parsed as one JSON array by orjson: one call into a fast decoder
        instead of one per line, which was most of what ``history()`` took on a long sidecar.
        """
        data = self._read() if self.path.exists() else b""
        if not data:  # absent, or being made
            return iter(())
        lines = data.splitlines()  # JSON text holds no raw CR or LF
        self._header(lines[0] if lines else b"")
        try:
            end = lines.index(b"]}")
        except ValueError:
            raise self._damaged("it ends before the closing ]} (truncated?)") from None
        prefixes = tuple(f'{{"event": "{k}"'.encode() for k in kinds)
        body = lines[1:end]
        chosen = [line for line in body if line.startswith(prefixes)] if prefixes else body
        with collector_paused():
            try:  # every event line but the file's last ends with the comma an array needs
                parsed = orjson.loads(b"[" + b"\n".join(chosen).rstrip(b",") + b"]")
            except orjson.JSONDecodeError:  # find the bad line, or read what only json accepts
                parsed = [
                    self._parse_line(number, line.removesuffix(b","))
                    for number, line in enumerate(body, start=2)
                    if not prefixes or line.startswith(prefixes)
                ]
        return iter(parsed)

    def _parse_line(self, number: int, line: bytes) -> Any:
        """One event line, or an error naming it (used to find the line a batch failed on)."""
        try:
            return json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self._damaged(f"line {number} is not valid JSON") from exc

    def header(self) -> dict[str, Any]:
        """The file's header (format, version, notebook, created_at); ``{}`` when empty."""
        data = self._read() if self.path.exists() else b""
        return self._header(data.split(b"\n", 1)[0]) if data else {}

    def _header(self, first: bytes) -> dict[str, Any]:
        line = first.rstrip(b"\r\n")
        try:
            if not line.endswith(b'"log": ['):
                raise ValueError
            header = json.loads(line + b"]}")
        except (ValueError, UnicodeDecodeError):
            raise self._damaged("its first line is not a ccmagic sidecar header") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise self._damaged("it is not a ccmagic sidecar")
        version = header.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self._damaged("its format version is not a positive whole number")
        if version > VERSION:
            raise SidecarError(
                f"{self.path} was written by a newer ccmagic (format version {version}).",
                "Upgrade ccmagic to read it; it will not be changed.",
            )
        return header

    def _damaged(self, why: str) -> SidecarError:
        self._valid_as_of = None
        return SidecarError(f"{self.path} cannot be read: {why}.", "The file was not changed.")

    # -- the record ------------------------------------------------------------------------------
    def tree(self) -> TurnTree:
        """The conversations and turns recorded here (:mod:`ccmagic.sidecar.fold`)."""
        return TurnTree(self.events(FOLDED))

    def transcript(self, key: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The transcript entries stored under ``key``, each ``uuid`` once, in order."""
        by_project: dict[str, list[dict[str, Any]]] = {}
        subpath = key.get("subpath")
        for event in self._transcript_events():
            stored = event.get("key", {})
            if stored.get("session_id") == key["session_id"] and stored.get("subpath") == subpath:
                project = project_digest(stored.get("project_key", ""))
                by_project.setdefault(project, []).extend(event["entries"])
        entries = by_project.get(project_digest(key["project_key"]))
        if entries is None and len(by_project) == 1:
            # the same conversation, stored from another folder or machine
            entries = next(iter(by_project.values()))
        if entries is None:
            return None
        seen: set[str] = set()
        unique = []
        for entry in entries:
            uid = entry.get("uuid")
            if uid is not None:
                if uid in seen:
                    continue
                seen.add(uid)
            unique.append(entry)
        return unique

    def entries_of(self, session_id: str) -> list[dict[str, Any]]:
        """Every stored transcript entry of ``session_id`` (main thread, any folder)."""
        found = [entry for event in self._transcript_events()
                 if event.get("key", {}).get("session_id") == session_id
                 and not event.get("key", {}).get("subpath")
                 for entry in event["entries"]]  # fmt: skip
        return found

    def has_transcript(self, session_id: str) -> bool:
        return any(e.get("key", {}).get("session_id") == session_id
                   for e in self._transcript_events())  # fmt: skip

    def blobs(self, wanted: set[str] | None = None) -> dict[str, dict[str, Any]]:
        """The stored images (blob events) by hash, in the file or waiting to be written;
        only those in ``wanted`` when given."""
        waiting = [e for e in self.pending if e.get("event") == BLOB]
        return {e["sha256"]: e for e in [*self.events((BLOB,)), *waiting]
                if wanted is None or e.get("sha256") in wanted}  # fmt: skip

    def _transcript_events(self) -> list[dict[str, Any]]:
        """Transcript events in the file, then those still waiting to be written."""
        waiting = [e for e in self.pending if e.get("event") == "transcript"]
        return [*self.events(("transcript",)), *waiting]


def project_digest(project_key: str) -> str:
    """Claude Code's project key is the working folder's absolute path (``-home-ana-sales``):
    the sidecar keeps a digest of it instead, which tells folders apart as well."""
    if project_key.startswith("sha256:"):
        return project_key
    return "sha256:" + hashlib.sha256(project_key.encode()).hexdigest()[:16]


def recovery_path(path: Path) -> Path:
    """``analysis.claude.json`` -> ``analysis.claude.recovery.json`` beside it."""
    return path.with_name(path.name.removesuffix(SUFFIX) + RECOVERY_SUFFIX)


def open_sidecar(
    path: Path, known: Sidecar | None = None, notebook_name: str = ""
) -> tuple[Sidecar, str | None]:
    """The sidecar file to write for ``path``, and a warning when it is not ``path`` itself.

    A damaged or newer-format sidecar is left exactly as it is; turns go to a recovery file
    beside it until the user repairs, moves or deletes the original. ``known`` is reused when
    it is the same file, so its check is not repeated while the file is unchanged.
    """

    def reuse(candidate: Path) -> Sidecar:
        if known is not None and known.path == candidate:
            return known
        return Sidecar(candidate, notebook_name)

    main = reuse(path)
    try:
        main.check()
    except SidecarError as problem:
        recovery = reuse(recovery_path(path))
        return recovery, (
            f"{problem.message} New turns go to {recovery.path.name} until it is repaired, "
            "moved or deleted."
        )
    return main, None
