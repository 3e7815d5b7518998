"""All of ccmagic's process-wide runtime state, in one place, and :func:`reset` to undo it.

What lives as long as the process, shared by the magic and the Python API alike:

- ``loop``: the one event loop thread every Claude Code client runs on
  (:func:`ccmagic.session.loop.shared_loop` starts it);
- ``live``: the pool of connected sessions, which bounds how many Claude Code processes run
  (:func:`ccmagic.session.live.live_sessions`; ``set_max_live_sessions`` sets its limit);
- ``journals``: the open sidecar journals, one per file (:meth:`ccmagic.sidecar.journal.
  Journal.at`), all flushed by one ``atexit`` hook;
- ``redaction``: what a sidecar keeps and which patterns are redacted
  (:data:`ccmagic.sidecar.redaction.SETTINGS`);
- ``demo``: the demo model's server, and the environment it changed so every Claude Code
  process of the kernel answers from it (:mod:`ccmagic.demo.serve`).

Each is created by the module that owns it, on first use, and kept here; this module imports
nothing of ccmagic at run time, so every layer may use it. Settings change only when someone
sets them (``%config ClaudeMagics.*``, ``set_max_live_sessions``): creating a magic changes
nothing here. ``reset()`` (``%unload_ext ccmagic`` calls it) ends every live session's
process, writes what the journals hold, stops the demo model and restores the environment,
stops the loop thread and restores the defaults.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccmagic.demo.fake_api import FakeAnthropicAPI
    from ccmagic.session.live import LiveSessions
    from ccmagic.session.loop import LoopThread
    from ccmagic.sidecar.journal import Journal
    from ccmagic.sidecar.redaction import Settings

CLOSE_TIMEOUT = 15.0  # seconds to end every live session on reset (each is killed after 5)


@dataclass
class RuntimeState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    loop: LoopThread | None = None
    live: LiveSessions | None = None
    journals: dict[Path, Journal] = field(default_factory=dict)
    redaction: Settings | None = None
    demo: FakeAnthropicAPI | None = None
    environ_before: dict[str, str | None] = field(default_factory=dict)  # demo's changes
    demo_config: str | None = None  # the demo's Claude Code config folder (removed at exit)


STATE = RuntimeState()


def flush_journals() -> None:
    """Write what every open journal still holds (the one ``atexit`` hook for all of them)."""
    with STATE.lock:
        journals = list(STATE.journals.values())
    for journal in journals:
        journal.flush()


atexit.register(flush_journals)


def set_environ(values: dict[str, str]) -> None:
    """Change the process's environment, remembering what was there for :func:`reset`."""
    with STATE.lock:
        for key, value in values.items():
            STATE.environ_before.setdefault(key, os.environ.get(key))
            os.environ[key] = value


def reset() -> None:
    """Back to the state of a process that never used ccmagic (see the module's docstring).

    Sessions themselves survive it: a session object used again reconnects by resuming its
    conversation (the sidecar and Claude Code's transcript hold it)."""
    with STATE.lock:
        loop, live = STATE.loop, STATE.live
    if live is not None:
        live.close_all(loop, CLOSE_TIMEOUT)
    flush_journals()
    with STATE.lock:
        STATE.loop = STATE.live = None
        STATE.journals.clear()
        demo, STATE.demo = STATE.demo, None
        for key, value in STATE.environ_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        STATE.environ_before.clear()
        if STATE.redaction is not None:
            _restore_defaults(STATE.redaction)
    if demo is not None:
        demo.stop()
    if loop is not None:
        loop.stop()


def _restore_defaults(settings: Settings) -> None:
    """In place: modules hold the settings object itself."""
    fresh = type(settings)()
    for each in dataclasses.fields(settings):
        setattr(settings, each.name, getattr(fresh, each.name))
