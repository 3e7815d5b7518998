"""The first %%claude cell of a fresh kernel, with and without the background SDK import.

A person loads the extension, then writes the first question (here: a 5 s pause). The cell runs
without credentials, so it measures what "not logged in" costs to report, which is mostly the
SDK import and the CLI's start. Each kernel is new; both settings alternate in one run.

    python benchmarks/bench_first_cell.py [--rounds 3] [--pause 5]
"""

from __future__ import annotations

import argparse
import os
import time

from _common import ScratchNotebook, median_ms, offline_claude


def first_cell_seconds(preload: bool, pause: float) -> float:
    notebook = ScratchNotebook()
    with notebook.client.setup_kernel():
        notebook.cell(f"%load_ext ccmagic\n%config ClaudeMagics.preload = {preload}")
        time.sleep(pause)
        seconds = notebook.cell("%%claude\nhello")
        assert "not logged in" in str(notebook.outputs), notebook.outputs
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
