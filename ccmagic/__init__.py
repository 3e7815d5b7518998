"""ccmagic: Claude in Jupyter. ``%load_ext ccmagic``, then ``%%claude --session NAME`` cells.

Kept thin on purpose: loading the extension must not import the SDK, pandas or ipywidgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "BlockingSession",
    "Session",
    "SessionOptions",
    "TurnRecord",
    "__version__",
    "batch",
    "history",
    "resume",
    "sessions",
    "set_max_live_sessions",
]

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from ccmagic.core.options import SessionOptions
    from ccmagic.core.turns import TurnRecord
    from ccmagic.session.batch import batch
    from ccmagic.session.blocking import BlockingSession
    from ccmagic.session.live import set_max_live_sessions
    from ccmagic.session.resume import resume
    from ccmagic.session.session import Session
    from ccmagic.views.frames import history, sessions

_LAZY = {
    "Session": "ccmagic.session.session",
    "BlockingSession": "ccmagic.session.blocking",
    "SessionOptions": "ccmagic.core.options",
    "TurnRecord": "ccmagic.core.turns",
    "resume": "ccmagic.session.resume",
    "batch": "ccmagic.session.batch",
    "set_max_live_sessions": "ccmagic.session.live",
    "history": "ccmagic.views.frames",
    "sessions": "ccmagic.views.frames",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ccmagic' has no attribute {name!r}")


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext ccmagic``: register the ``%%claude`` magics."""
    from ccmagic.ipython.magics import ClaudeMagics

    ipython.register_magics(ClaudeMagics)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """``%unload_ext ccmagic`` (and ``%reload_ext``): end this kernel's Claude Code processes,
    remove the magics and every event hook they registered, and reset ccmagic's process-wide
    state (:func:`ccmagic._state.reset`: the demo model stops too). Conversations go on: the
    next ``%%claude`` cell of a session resumes it from the sidecar, with its next turn."""
    from ccmagic import _state

    manager = ipython.magics_manager
    magics = manager.registry.pop("ClaudeMagics", None)
    if magics is not None:
        magics.unhook()
        for kind in ("line", "cell"):
            manager.magics[kind].pop("claude", None)
        if magics in ipython.configurables:
            ipython.configurables.remove(magics)
    _state.reset()
