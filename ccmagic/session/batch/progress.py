"""The progress bar of a batch and the line that replaces it."""

from __future__ import annotations

from typing import Any

from ccmagic.core.turns import format_cost
from ccmagic.session.batch.items import Item


class BatchProgress:
    """A progress bar while the batch runs (a widget in a notebook, text in a terminal, both
    from tqdm), replaced by a one-line summary when it ends, so a saved notebook keeps text,
    not a widget that needs the kernel."""

    def __init__(self, name: str, total: int, done: int, show: bool) -> None:
        self.name = name
        self.errors = 0
        self.cost = 0.0
        self._bar: Any = None
        self._handle: Any = None
        if not show:
            return
        if _in_kernel():
            from IPython.display import display
            from tqdm.notebook import tqdm as notebook_bar

            self._bar = notebook_bar(total=total, initial=done, desc=name, display=False)
            self._handle = display(self._bar.container, display_id=True)
        else:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=name)

    def advance(self, item: Item) -> None:
        """An item ended (on the waiting thread)."""
        if item.status == "error":
            self.errors += 1
        if item.record is not None and item.record.cost_usd and not item.reused:
            self.cost += item.record.cost_usd
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"{self.errors} errors · {format_cost(self.cost)}")

    def finish(self, summary: str) -> None:
        """Close the bar and say ``summary`` (nothing when empty), where the bar was."""
        if self._bar is not None:
            self._bar.close()
        if self._handle is not None:
            self._handle.update({"text/plain": summary}, raw=True)
        elif summary:
            print(summary)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None
