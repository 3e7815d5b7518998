"""The first %%claude cell of a fresh kernel, with and without the background SDK import.

A person loads the extension, then writes the first question (here: a 5 s pause). The cell runs
without credentials, so it measures what "not logged in" costs to report, which is mostly the
SDK import and the CLI's start. Each kernel is new; both settings alternate in one run.

    python benchmarks/bench_first_cell.py [--rounds 3] [--pause 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import nbformat
from _common import median_ms, offline_claude
from nbclient import NotebookClient


def first_cell_seconds(preload: bool, pause: float) -> float:
    nb = nbformat.v4.new_notebook()
    work = tempfile.mkdtemp(prefix="ccmagic-bench-")  # the fallback sidecar lands there
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": work}},
    )  # fmt: skip
    with client.setup_kernel():

        def cell(source: str) -> float:
            nb.cells.append(nbformat.v4.new_code_cell(source))
            started = time.perf_counter()
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            return time.perf_counter() - started

        cell(f"%load_ext ccmagic\n%config ClaudeMagics.preload = {preload}")
        time.sleep(pause)
        seconds = cell("%%claude\nhello")
        assert "not logged in" in str(nb.cells[-1].outputs), nb.cells[-1].outputs
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=5.0)
    args = parser.parse_args()
    with offline_claude():
        os.environ.pop("ANTHROPIC_API_KEY")
        on, off = [], []
        for _ in range(args.rounds):
            on.append(first_cell_seconds(True, args.pause))
            off.append(first_cell_seconds(False, args.pause))
    print(f"first cell, preload on    {median_ms(on):7.0f} ms (median of {args.rounds})")
    print(f"first cell, preload off   {median_ms(off):7.0f} ms")
    print(f"off / on                  {median_ms(off) / median_ms(on):7.1f}x")


if __name__ == "__main__":
    main()
