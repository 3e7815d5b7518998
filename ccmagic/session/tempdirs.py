"""The SDK's ``claude-resume-*`` folders: removed when their session closes, at exit, and
when a dead process left them.

A resume from a SessionStore writes the transcript (and a copy of the user's credentials) into
``tempfile.mkdtemp(prefix="claude-resume-")``; the SDK removes it only when the client
disconnects cleanly, so a kernel killed or shut down with sessions open leaves them behind.
ccmagic marks each folder its clients use with the owning process id, removes it when the
session closes and at exit, and sweeps (once per process) the folders no live process uses.

A folder is in use when its owner (the pid in its mark) is alive, or when a live process of
this user runs with it as ``CLAUDE_CONFIG_DIR`` (the Claude Code process itself; read from
``/proc``). Without ``/proc`` only marked folders of dead owners are swept. An unmarked folder
younger than :data:`YOUNGEST_SWEPT` seconds may be one whose client is still connecting.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "claude-resume-"
MARK = ".ccmagic-owner"
YOUNGEST_SWEPT = 120.0  # seconds

_ours: set[Path] = set()
_swept = False


def adopt(folder: Path | None) -> None:
    """Mark a process's resume folder (``ClaudeCode.resume_dir``) as this process's, to
    remove at close or exit."""
    if folder is None or not folder.is_dir():
        return
    with contextlib.suppress(OSError):
        (folder / MARK).write_text(str(os.getpid()))
    if not _ours:
        atexit.register(remove_ours)
    _ours.add(folder)


def release(folder: Path | None) -> None:
    """A client that ran in ``folder`` has disconnected and its process has ended: the folder
    goes, if the SDK's own removal left it (it does when the process still writes there)."""
    if folder is not None:
        _ours.discard(folder)
        shutil.rmtree(folder, ignore_errors=True)


def remove_ours() -> None:
    """At exit: every folder this process's clients still have."""
    for folder in list(_ours):
        shutil.rmtree(folder, ignore_errors=True)
    _ours.clear()


def sweep_once(temp: Path | None = None) -> list[Path]:
    """Remove (once per process) the folders left by this user's dead processes."""
    global _swept
    if _swept:
        return []
    _swept = True
    return sweep(temp)


def sweep(temp: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the ``claude-resume-*`` folders in ``temp`` that no live process uses."""
    base = Path(temp or tempfile.gettempdir())
    try:
        candidates = [p for p in base.glob(PREFIX + "*") if _mine(p)]
    except OSError:
        return []
    if not candidates:
        return []
    in_use = _config_dirs_of_live_processes()
    removed = []
    for folder in candidates:
        if folder in _ours or not _stale(folder, in_use, now or time.time()):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _mine(folder: Path) -> bool:
    try:
        return folder.is_dir() and folder.stat().st_uid == os.getuid()
    except OSError:
        return False


def _stale(folder: Path, in_use: set[Path] | None, now: float) -> bool:
    if in_use is not None and folder.resolve() in in_use:
        return False
    try:
        owner = int((folder / MARK).read_text().strip())
    except (OSError, ValueError):
        owner = None
    if owner is not None:
        return not _alive(owner)
    if in_use is None:  # no /proc: an unmarked folder cannot be told from one in use
        return False
    try:
        return now - folder.stat().st_mtime > YOUNGEST_SWEPT
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _config_dirs_of_live_processes() -> set[Path] | None:
    """``CLAUDE_CONFIG_DIR`` of every live process of this user; ``None`` without ``/proc``."""
    proc = Path("/proc")
    if not (proc / "self" / "environ").exists():
        return None
    found: set[Path] = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        for item in environ.split(b"\0"):
            if item.startswith(b"CLAUDE_CONFIG_DIR="):
                found.add(Path(os.fsdecode(item.split(b"=", 1)[1])).resolve())
    return found
