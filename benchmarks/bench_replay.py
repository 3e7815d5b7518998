"""Run All of a reopened notebook: replayed cells against the live turns that recorded them,
and the first live cell after replayed ones (a branch) against a plain resume; then the data
check of a replay: Run All of 20 recorded cells on 4 lines, 10 of which inspected DataFrames,
with the data unchanged (cells that inspected against cells that did not, side by side, and one
that inspected a 1,000,000-row DataFrame), then after one DataFrame changed (which cells are
asked, counted at the fake model).

    python benchmarks/bench_replay.py [--cells 20] [--rounds 3] [--only plain|data]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from _common import offline_claude
from nbclient import NotebookClient

from ccmagic.ipython.inspection import describe
from ccmagic.testing import Reply


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
    parser.add_argument("--only", choices=("plain", "data"))
    args = parser.parse_args()
    if args.only != "data":
        plain_figures(args)
    if args.only != "plain":
        data_figures(args.rounds)


def plain_figures(args: argparse.Namespace) -> None:
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


FRAMES = (
    "import numpy as np, pandas as pd\n"
    "frames = [pd.DataFrame(np.random.default_rng(i).random((1_000, 5)), columns=list('abcde'))"
    " for i in range(10)]\n"
    "df0, df1, df2, df3, df4, df5, df6, df7, df8, df9 = frames\n"
    "rng = np.random.default_rng(0)\n"
    "big = pd.DataFrame(rng.random((1_000_000, 18)), columns=[f'x{i}' for i in range(18)])\n"
    "big['region'] = rng.choice(['north', 'south', 'east'], 1_000_000)\n"
    "big['when'] = pd.Timestamp('2026-01-01')"
)
CHANGED = "\ndf4 = pd.concat([df4, df4.head(1)])"  # one DataFrame gains a row
LINES = 4


def inspecting(api: Any, name: str) -> None:
    """The fake model's next answer calls ``inspect(name)``, then says ok."""
    api.script(Reply("Looking.", tool_uses=[("mcp__notebook__inspect", {"name": name})]), "ok")


def data_figures(rounds: int) -> None:
    """Cells 0..19 on lines s0..s3 (cell j on s{j % 4}); cells 0..9 inspected df0..df9; one
    more cell (its own line) inspected ``big``."""
    folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
    path = folder / "data.ipynb"
    first = 3  # %load_ext, the frames, a warm-up cell
    with offline_claude() as api:
        with Notebook(path) as nb:
            for source in ("%load_ext ccmagic", FRAMES, "%%claude -s w\nwarm up"):
                nb.run(nb.add(source))
            for j in range(20):
                if j < 10:
                    inspecting(api, f"df{j}")
                nb.run(nb.add(f"%%claude -s s{j % LINES}\nquestion {j}"))
            inspecting(api, "big")
            nb.run(nb.add("%%claude -s large\nlook at big"))
        checked, plain, large, requests = [], [], [], []
        for _ in range(rounds):
            asked = len(api.requests)
            with Notebook(copy_of(folder) / path.name) as nb:
                for index in range(len(nb.nb.cells)):
                    seconds = nb.run(index)
                    j = index - first
                    if 0 <= j < 10:
                        checked.append(seconds)
                    elif 10 <= j < 20:
                        plain.append(seconds)
                    elif j == 20:
                        large.append(seconds)
            requests.append(len(api.requests) - asked)
        copy = copy_of(folder) / path.name
        asked = len(api.requests)
        with Notebook(copy) as nb:
            nb.nb.cells[1].source = FRAMES + CHANGED
            for index in range(len(nb.nb.cells)):
                nb.run(index)
            again = [j for j in range(20) if "replayed" not in str(nb.nb.cells[first + j].outputs)]
        changed_requests = len(api.requests) - asked
    expected = [j for j in range(20) if j >= 4 and j % LINES == 4 % LINES]  # df4's cell, its line
    namespace: dict[str, Any] = {}
    exec(FRAMES, namespace)  # what one inspect costs here and now, for comparison
    alone = {name: [] for name in ("df0", "big")}
    for _ in range(3):
        for name, samples in alone.items():
            started = time.perf_counter()
            describe(name, namespace[name])
            samples.append(time.perf_counter() - started)
    ms = statistics.median
    print(f"data check: Run All of 20 recorded cells ({rounds} rounds), 10 inspected DataFrames")
    print(f"model requests, data unchanged       {max(requests)} (target 0)")
    print(f"replayed cell that inspected, median {ms(checked) * 1000:7.1f} ms (target <= 60)")
    print(f"replayed cell, nothing to check      {ms(plain) * 1000:7.1f} ms")
    print(f"one inspect of df0 alone (describe)  {ms(alone['df0']) * 1000:7.1f} ms")
    print(f"with check / without                 {ms(checked) / ms(plain):7.2f}x")
    print(f"replayed cell that inspected a 1,000,000-row DataFrame {ms(large) * 1000:5.0f} ms "
          "(target: well under 1 s)")  # fmt: skip
    print(f"one inspect of big alone (describe)  {ms(alone['big']) * 1000:7.1f} ms")
    print(f"load average during the run          {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"after df4 changed: cells asked       {again} (expected {expected})")
    print(f"after df4 changed: model requests    {changed_requests} (one per asked cell)")


if __name__ == "__main__":
    main()
