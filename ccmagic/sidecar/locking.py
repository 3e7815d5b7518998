"""One lock per sidecar file that every thread, process and machine reaching it sees.

The lock is a POSIX record lock (``fcntl.lockf``) on the sidecar file itself: on a shared
folder (JupyterHub on NFS, say) every machine's lock manager sees it, where a lock file in a
local temporary folder is seen by one machine only. Writers hold it exclusively, readers
shared. Within a process one re-entrant lock per file comes first, because POSIX locks belong
to a process (two threads would both hold it) and closing any descriptor of the file drops
them: only the outermost holder opens, locks and closes. Where ``fcntl`` is missing (Windows)
a lock file beside the sidecar stands in.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccmagic.errors import SidecarError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 30.0


@dataclass
class _Held:
    """This process's hold on one file."""

    threads: threading.RLock = field(default_factory=threading.RLock)
    depth: int = 0
    fd: int | None = None
    fallback: Any = None  # the lock file of a system without fcntl


_HELD: dict[Path, _Held] = {}
_HELD_GUARD = threading.Lock()


def _held(path: Path) -> _Held:
    key = path.absolute()
    with _HELD_GUARD:
        return _HELD.setdefault(key, _Held())


class Hold:
    """The lock held on a file, and the one descriptor to read and write it through while
    it is held (closing any other descriptor of it would drop the lock)."""

    def __init__(self, held: _Held, path: Path) -> None:
        self._held = held
        self.path = path

    @property
    def fd(self) -> int | None:
        return self._held.fd

    def read(self) -> bytes:
        """The whole file (``b""`` when it does not exist)."""
        if self._held.fd is None:
            return self.path.read_bytes() if self.path.exists() else b""
        os.lseek(self._held.fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._held.fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)


@contextlib.contextmanager
def locked(path: Path, exclusive: bool, create: bool = False) -> Iterator[Hold]:
    """Hold the lock of ``path`` (exclusive for writers, shared for readers).

    ``create``: make the file (empty, mode 0666 less the umask, as the notebook would be) if
    it is missing, so there is something to lock; the caller writes its first bytes.
    """
    held = _held(path)
    with held.threads:
        if held.depth == 0:
            _acquire(held, path, exclusive, create)
        held.depth += 1
        try:
            yield Hold(held, path)
        finally:
            held.depth -= 1
            if held.depth == 0:
                _release(held)


def _acquire(held: _Held, path: Path, exclusive: bool, create: bool) -> None:
    fd = _open(path, exclusive, create)
    if fcntl is None:
        from filelock import FileLock

        held.fallback = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=WAIT_SECONDS)
        held.fallback.acquire()
        held.fd = fd
        return
    if fd is None:
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            fcntl.lockf(fd, mode | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise SidecarError(
                    f"{path} has been locked by another process for {WAIT_SECONDS:.0f} s.",
                    "Check for a stuck kernel or script writing it, then run the cell again.",
                ) from None
            time.sleep(0.005)
    held.fd = fd


def _open(path: Path, exclusive: bool, create: bool) -> int | None:
    flags = os.O_RDWR if exclusive else os.O_RDONLY
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:  # made by another process meanwhile: lock that one
        return os.open(path, flags)


def _release(held: _Held) -> None:
    if held.fallback is not None:
        held.fallback.release()
        held.fallback = None
    if held.fd is not None:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.lockf(held.fd, fcntl.LOCK_UN)
        os.close(held.fd)
        held.fd = None
