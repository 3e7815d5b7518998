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
    from ccmagic.session.live import set_max_live_sessions
    from ccmagic.session.session import BlockingSession, Session, resume
    from ccmagic.views.frames import history, sessions

_LAZY = {
    "Session": "ccmagic.session.session",
    "BlockingSession": "ccmagic.session.session",
    "SessionOptions": "ccmagic.core.options",
    "TurnRecord": "ccmagic.core.turns",
    "resume": "ccmagic.session.session",
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
