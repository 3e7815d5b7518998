"""Shared set-up for the benchmarks: the fake API on loopback and a private HOME."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ccmagic.testing import FakeAnthropicAPI, Reply


@contextmanager
def offline_claude() -> Iterator[FakeAnthropicAPI]:
    """An instant fake model, and the environment that points the real CLI at it."""
    with FakeAnthropicAPI(responder=lambda request: Reply("ok")) as api:
        os.environ.update(api.env() | {"HOME": tempfile.mkdtemp(prefix="ccmagic-bench-")})
        yield api


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


class ScratchNotebook:
    """A new notebook on a real kernel through nbclient, run from a scratch folder (where the
    fallback sidecar lands); :meth:`cell` times a whole cell as a frontend sees it."""

    def __init__(self, timeout: int = 120) -> None:
        import nbformat
        from nbclient import NotebookClient

        self.nb = nbformat.v4.new_notebook()
        self.client = NotebookClient(
            self.nb, timeout=timeout, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": tempfile.mkdtemp(prefix="ccmagic-bench-")}},
        )  # fmt: skip

    def cell(self, source: str) -> float:
        import nbformat

        self.nb.cells.append(nbformat.v4.new_code_cell(source))
        started = time.perf_counter()
        self.client.execute_cell(self.nb.cells[-1], len(self.nb.cells) - 1)
        return time.perf_counter() - started

    @property
    def outputs(self) -> list[Any]:
        """The last cell's outputs."""
        return list(self.nb.cells[-1].outputs)
