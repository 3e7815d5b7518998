"""Importing the Claude Agent SDK ahead of use, while the kernel is idle.

The import takes about 3 s where Jupyter's own packages are installed (mcp; jsonschema's
format checker), and the first ``%%claude`` cell would otherwise wait for it. It is done on a
background thread once the kernel has been idle for a moment after ``%load_ext``: while a
person writes the first question. While cells run back to back (Run All replaying recorded
answers, which need no SDK) it waits, so as not to slow them down.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from typing import Any

IDLE_SECONDS = 0.5


def _import_quietly() -> None:
    """A failure is reported by the real import, when a cell needs the SDK. (The module that
    imports the SDK for a session's process: ccmagic.sdk is the only importer of the SDK.)"""
    with contextlib.suppress(Exception):
        importlib.import_module("ccmagic.sdk.client")


class IdlePreload:
    """Starts the import once the kernel has been idle for :data:`IDLE_SECONDS`."""

    def __init__(self, shell: Any) -> None:
        self._timer: threading.Timer | None = None
        self._started = False
        for event, hook in self.hooks:
            shell.events.register(event, hook)

    @property
    def hooks(self) -> list[tuple[str, Any]]:
        return [("pre_run_cell", self.busy), ("post_run_cell", self.idle)]

    def stop(self) -> list[tuple[str, Any]]:
        """Start nothing any more; returns the hooks to unregister."""
        self._started = True
        self.busy()
        return self.hooks

    def idle(self, result: Any = None) -> None:
        if self._started or "claude_agent_sdk" in sys.modules:
            return
        self.busy()
        self._timer = threading.Timer(IDLE_SECONDS, self._start)
        self._timer.daemon = True
        self._timer.start()

    def busy(self, info: Any = None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start(self) -> None:
        self._started = True
        threading.Thread(target=_import_quietly, name="ccmagic-preload", daemon=True).start()
