"""Shared set-up for the benchmarks: the fake API on loopback and a private HOME."""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from ccmagic.testing import FakeAnthropicAPI, Reply


@contextmanager
def offline_claude() -> Iterator[FakeAnthropicAPI]:
    """An instant fake model, and the environment that points the real CLI at it."""
    with FakeAnthropicAPI(responder=lambda request: Reply("ok")) as api:
        os.environ.update(api.env() | {"HOME": tempfile.mkdtemp(prefix="ccmagic-bench-")})
        yield api


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
