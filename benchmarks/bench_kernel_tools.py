"""The notebook tools: inspect of a 1,000,000 x 20 DataFrame, and a warm turn with the
``notebook`` server connected against one without, interleaved in one kernel.

    python benchmarks/bench_kernel_tools.py [--turns 21]
"""

from __future__ import annotations

import argparse
import time

from _common import ScratchNotebook, median_ms, offline_claude
from bench_turns import load_ext_seconds

from ccmagic.ipython.inspection import LIMIT, describe


def inspect_figures(runs: int) -> tuple[list[float], int]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((1_000_000, 18)), columns=[f"x{i}" for i in range(18)])
    frame["region"] = rng.choice(["north", "south", "east"], 1_000_000)
    frame["when"] = pd.Timestamp("2026-01-01")
    samples, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(describe("df", frame))
        samples.append(time.perf_counter() - started)
    return samples, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=21)
    turns = parser.parse_args().turns
    inspect, size = inspect_figures(9)
    with offline_claude():
        notebook = ScratchNotebook(timeout=60)
        cell = notebook.cell
        tools, plain = [], []
        with notebook.client.setup_kernel():
            cell("%load_ext ccmagic")
            cell("%%claude -s tools\nwarm up")
            cell("%%claude -s plain --no-kernel\nwarm up")
            for i in range(turns):
                pair = [
                    (tools, f"%%claude -s tools\nturn {i}"),
                    (plain, f"%%claude -s plain --no-kernel\nturn {i}"),
                ]
                for samples, source in pair if i % 2 else pair[::-1]:
                    samples.append(cell(source))
    load = load_ext_seconds(5)
    print(f"inspect of a 1,000,000 x 20 DataFrame  {median_ms(inspect):7.1f} ms "
          f"(median of 9; target <= 200), {size:,} characters (limit {LIMIT:,})")  # fmt: skip
    print(f"warm turn, notebook tools connected    {median_ms(tools):7.1f} ms")
    print(f"warm turn, --no-kernel                 {median_ms(plain):7.1f} ms")
    ratio = median_ms(tools) / median_ms(plain)
    print(f"with / without                         {ratio:7.2f}x  (target <= 1.1)")
    print(f"%load_ext ccmagic                      {median_ms(load):7.1f} ms (target <= 150)")


if __name__ == "__main__":
    main()
