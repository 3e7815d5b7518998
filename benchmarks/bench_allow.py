"""A cell whose ``--allow`` differs from the previous cell's vs a plain warm cell (issue 19).

``--allow`` and ``--disallow`` are decided by ccmagic's gate per turn, so changing them needs no
new Claude Code process. Three sessions on one kernel, measured interleaved in one run against
the same instant fake model: plain warm cells and cells alternating ``--allow Bash`` and
``--allow Read``, interleaved; then, for reference and apart (a restarted process keeps a core
busy for a while after its first answer), cells alternating ``--add-dir``: an option Claude
Code must start with, so each such cell restarts the process, as every ``--allow`` change did.

    python benchmarks/bench_allow.py [--turns 15]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable

from _common import ScratchNotebook, median_ms, offline_claude


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=15)
    turns = parser.parse_args().turns
    folders = [tempfile.mkdtemp(prefix="ccmagic-bench-dir-") for _ in range(2)]
    with offline_claude():
        notebook = ScratchNotebook(timeout=60)
        cell = notebook.cell
        plain: list[float] = []
        allow: list[float] = []
        restart: list[float] = []
        with notebook.client.setup_kernel():
            cell("%load_ext ccmagic")
            for name in ("plain", "allow", "restart"):  # the first turn connects: not warm
                cell(f"%%claude -s {name}\nwarm up")
            kinds: list[tuple[list[float], Callable[[int], float]]] = [
                (plain, lambda i: cell(f"%%claude -s plain\nturn {i}")),
                (allow, lambda i: cell(
                    f"%%claude -s allow --allow {('Bash', 'Read')[i % 2]}\nturn {i}")),
            ]  # fmt: skip
            for i in range(turns):
                for samples, run in kinds[i % 2 :] + kinds[: i % 2]:  # rotate the order
                    samples.append(run(i))
            for i in range(max(3, turns // 3)):
                restart.append(cell(f"%%claude -s restart --add-dir {folders[i % 2]}\nturn {i}"))
    print(f"turns per kind                     {turns}")
    print(f"plain warm cell                    {median_ms(plain):7.1f} ms")
    print(f"cell with a changed --allow        {median_ms(allow):7.1f} ms")
    print(f"cell with a changed --add-dir      {median_ms(restart):7.1f} ms (restarts Claude Code)")
    print(f"--allow / plain                    {median_ms(allow) / median_ms(plain):7.2f}x"
          "  (target <= 1.3)")  # fmt: skip
    print(f"--add-dir / plain                  {median_ms(restart) / median_ms(plain):7.2f}x"
          "  (what each --allow change cost before)")  # fmt: skip


if __name__ == "__main__":
    main()
