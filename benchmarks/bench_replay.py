"""Run All of a reopened notebook: replayed cells against the live turns that recorded them,
and the first live cell after replayed ones (a branch) against a plain resume.

    python benchmarks/bench_replay.py [--cells 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from _common import offline_claude
from nbclient import NotebookClient


class Notebook:
    """A notebook file run cell by cell in a new kernel that knows its path, like a reopen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.nb = nbformat.read(path, 4) if path.exists() else nbformat.v4.new_notebook()
        self.client = NotebookClient(
            self.nb, timeout=120, kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )  # fmt: skip

    def __enter__(self) -> Notebook:
        self._context = self.client.setup_kernel(
            env=dict(os.environ, JPY_SESSION_NAME=str(self.path))
        )
        self._context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        nbformat.write(self.nb, self.path)
        self._context.__exit__(None, None, None)

    def run(self, index: int) -> float:
        started = time.perf_counter()
        self.client.execute_cell(self.nb.cells[index], index)
        return time.perf_counter() - started

    def add(self, source: str) -> int:
        self.nb.cells.append(nbformat.v4.new_code_cell(source))
        return len(self.nb.cells) - 1


def copy_of(folder: Path) -> Path:
    """The notebook and its sidecar in a new folder (each measurement starts alike)."""
    import shutil

    copy = Path(tempfile.mkdtemp(prefix="ccmagic-bench-")) / "copy"
    shutil.copytree(folder, copy)
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
    path = folder / "analysis.ipynb"
    prompts = [f"question {n}" for n in range(1, args.cells + 1)]
    with offline_claude() as api:
        live: list[float] = []
        with Notebook(path) as nb:
            nb.run(nb.add("%load_ext ccmagic"))
            nb.run(nb.add("%%claude -s a\nwarm up"))  # the process start is not a turn's cost
            for prompt in prompts:
                live.append(nb.run(nb.add(f"%%claude -s a\n{prompt}")))
        replayed: list[float] = []
        asked = len(api.requests)
        with Notebook(path) as nb:
            for index in range(len(nb.nb.cells)):
                seconds = nb.run(index)
                if index >= 2:
                    replayed.append(seconds)
        requests = len(api.requests) - asked
        branch, plain = [], []
        middle = 2 + args.cells // 2
        for _ in range(args.rounds):
            with Notebook(copy_of(folder) / path.name) as nb:  # replays, then an edited cell
                for index in range(middle):
                    nb.run(index)
                nb.nb.cells[middle].source = "%%claude -s a\nquestion, reworded"
                branch.append(nb.run(middle))
            with Notebook(copy_of(folder) / path.name) as nb:  # a new cell at the end, alone
                nb.run(0)
                plain.append(nb.run(nb.add("%%claude -s a\none more")))
    ms = statistics.median
    print(f"recorded cells                       {args.cells}")
    print(f"model requests during Run All        {requests} (target 0)")
    print(f"live turn, median                    {ms(live) * 1000:7.1f} ms")
    print(f"replayed cell, median                {ms(replayed) * 1000:7.1f} ms (target <= 30)")
    print(f"live / replayed                      {ms(live) / ms(replayed):7.1f}x")
    print(f"first live cell after replays (branch) {ms(branch) * 1000:5.0f} ms")
    print(f"plain resume (new cell, reopened)    {ms(plain) * 1000:7.0f} ms")
    print(f"branch / plain resume                {ms(branch) / ms(plain):7.2f}x  (target <= 1.5)")


if __name__ == "__main__":
    main()
