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

    from ccmagic.batches import batch
    from ccmagic.frames import history, sessions
    from ccmagic.live import set_max_live_sessions
    from ccmagic.options import SessionOptions
    from ccmagic.session import BlockingSession, Session, resume
    from ccmagic.turns import TurnRecord

_LAZY = {
    "Session": "ccmagic.session",
    "BlockingSession": "ccmagic.session",
    "SessionOptions": "ccmagic.options",
    "TurnRecord": "ccmagic.turns",
    "resume": "ccmagic.session",
    "batch": "ccmagic.batches",
    "set_max_live_sessions": "ccmagic.live",
    "history": "ccmagic.frames",
    "sessions": "ccmagic.frames",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ccmagic' has no attribute {name!r}")


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext ccmagic``: register the ``%%claude`` magics."""
    from ccmagic.magics import ClaudeMagics

    ipython.register_magics(ClaudeMagics)
