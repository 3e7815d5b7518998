"""Figures for Claude and hostile objects, measured side by side in one run:

- ``inspect`` of a 4000 x 2000 px matplotlib figure (target <= 300 ms, <= 1568 px, <= 300 KB),
  beside ``inspect`` of a small DataFrame;
- ``cells`` over 4 cells that showed figures (target <= 500 ms), beside 4 cells without;
- sidecar growth for one figure inspected three times in one turn, against one image's bytes
  (target <= 1.2x), beside the same turn inspecting a number three times;
- a turn calling ``variables`` with one 30 s ``__repr__`` among 100 variables (target <= 3 s
  for the tool), beside the same turn without the slow one (real kernel, real CLI).

    python benchmarks/bench_figures.py
"""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from types import SimpleNamespace

from _common import ScratchNotebook, median_ms, offline_claude

from ccmagic.ipython.cell_log import CellLog, CellRun
from ccmagic.ipython.images import _from_raster
from ccmagic.ipython.kernel_tools import look_up
from ccmagic.testing import Reply

RUNS = 9


def figure(width_px: int, height_px: int) -> object:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(width_px / 100, height_px / 100), dpi=100)
    x = np.linspace(0, 10, 2_000)
    for k in range(6):
        ax.plot(x, np.sin(x + k) * (k + 1), label=f"series {k}")
    ax.set(title="Six waves", xlabel="time", ylabel="amplitude")
    ax.legend()
    plt.close(fig)
    return fig


CPU: list[float] = []  # the process's CPU time of each timed call (the machine may be busy)


def timed(work: object, runs: int = RUNS, cold: object = None) -> tuple[list[float], object]:
    samples, result = [], None
    CPU.clear()
    for _ in range(runs):
        if cold is not None:
            cold()  # type: ignore[operator]
        started, cpu = time.perf_counter(), time.process_time()
        result = work()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
        CPU.append(time.process_time() - cpu)
    return samples, result


def cpu_ms() -> str:
    return f"cpu {median_ms(CPU):6.1f} ms"


def inspect_figures() -> None:
    import pandas as pd

    namespace = {"fig": figure(4000, 2000), "df": pd.DataFrame({"a": range(1000)})}
    big, seen = timed(lambda: look_up("fig", namespace, set(), 5))
    big_cpu = cpu_ms()
    small, _ = timed(lambda: look_up("df", namespace, set(), 5))
    [picture] = seen.pictures  # type: ignore[attr-defined]
    print(f"inspect, 4000 x 2000 px figure   {median_ms(big):7.1f} ms, {big_cpu} (target <= 300)"
          f" -> {picture.width} x {picture.height} px, {len(picture.data) / 1024:,.0f} KB, "
          f"~{picture.tokens:,} tokens")  # fmt: skip
    print(f"inspect, 1,000-row DataFrame     {median_ms(small):7.1f} ms, {cpu_ms()}")


def shown(fig: object) -> dict[str, str]:
    out = io.BytesIO()
    fig.savefig(out, format="png")  # type: ignore[attr-defined]
    return {"image/png": base64.b64encode(out.getvalue()).decode(), "text/plain": "<Figure>"}


def cells_figures() -> None:
    shell = SimpleNamespace(history_manager=None, user_ns={}, execution_count=100)
    inline = [shown(figure(640, 480)) for _ in range(4)]  # as the inline backend shows them
    large = [shown(figure(3000, 1500)) for _ in range(4)]  # to be scaled down first
    for label, outputs in (("inline 640 x 480", inline), ("3000 x 1500", large), ("none", [])):
        log = CellLog()
        for number in range(4):
            figures = outputs[number : number + 1]
            log.runs.append(CellRun(number + 1, f"plot({number})", shown=figures))
        samples, seen = timed(lambda log=log: log.recent(10, shell), cold=_from_raster.cache_clear)
        cold = f"{median_ms(samples):7.1f} ms, {cpu_ms()}"
        again, _ = timed(lambda log=log: log.recent(10, shell))
        pictures = len(seen.pictures)  # type: ignore[attr-defined]
        print(f"cells, 4 cells, figures {label:<16} {cold} (target <= 500); asked again "
              f"{median_ms(again):5.1f} ms ({pictures} images)")  # fmt: skip


PLOT = (
    "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
    "import numpy as np\nx = np.linspace(0, 10, 2_000)\n"
    "fig, ax = plt.subplots(figsize=(40, 20), dpi=100)\n"
    "for k in range(6):\n    ax.plot(x, np.sin(x + k) * (k + 1), label=f'series {k}')\n"
    "ax.set(title='Six waves', xlabel='time', ylabel='amplitude')\nax.legend()\n"
    "plt.close(fig)\nnumber = 42\n"
)
SLOW = (
    "import time\nclass Slow:\n    def __repr__(self):\n        time.sleep(30)\n"
    "        return 'slow'\nfor i in range(99):\n    globals()[f'v{i:02}'] = i\n"
)
TIME_THE_TOOL = (  # its work, on the main thread, as a tool call runs it
    "from ccmagic.ipython.inspection import variables_table\nslow = Slow()\n"
    "started = time.perf_counter()\n"
    "listed = variables_table(globals(), set(get_ipython().user_ns_hidden))\n"
    "print(time.perf_counter() - started)\nprint(listed)"
)


def use(tool: str, **tool_input: object) -> Reply:
    return Reply(f"using {tool}", tool_uses=[(f"mcp__notebook__{tool}", dict(tool_input))])


def sidecar_and_variables() -> None:
    with offline_claude() as api:
        notebook = ScratchNotebook(timeout=120)
        folder = Path(notebook.client.resources["metadata"]["path"])
        with notebook.client.setup_kernel():
            cell = notebook.cell
            cell("%load_ext ccmagic\n" + PLOT + SLOW)
            cell("%%claude -s warm\nwarm up")
            sidecar = next(folder.glob("*.claude.json"))
            growth = {}
            for name in ("fig", "number"):
                before = sidecar.stat().st_size
                api.script(*[use("inspect", name=name)] * 3, "seen")
                cell(f"%%claude -s {name}\nlook at {name} three times")
                growth[name] = sidecar.stat().st_size - before
            image = next(i for r in api.requests for i in r.images)
            cell(TIME_THE_TOOL)
            tool_seconds, *listing = notebook.outputs[0]["text"].splitlines()
            with_slow, without = [], []
            for _ in range(3):
                for samples, setup in ((without, "slow = 0"), (with_slow, "slow = Slow()")):
                    cell(setup)
                    api.script(use("variables"), "listed")
                    samples.append(cell("%%claude -s vars\nlist the variables"))
    encoded = len(base64.b64encode(b"x" * image.size))
    extra = growth["fig"] - growth["number"]
    print(f"sidecar growth, figure x 3       {growth['fig']:8,} bytes = "
          f"{growth['fig'] / image.size:.2f}x the image's {image.size:,} bytes, "
          f"{growth['fig'] / encoded:.2f}x its {encoded:,} base64 characters "
          "(target <= 1.2x)")  # fmt: skip
    print(f"sidecar growth, number x 3       {growth['number']:8,} bytes: the turn's own entries;"
          f" the figure adds {extra:,} = {extra / encoded:.2f}x its base64")  # fmt: skip
    said = next(line for line in listing if line.startswith("slow"))
    print(f"variables, one 30 s repr of 100  {float(tool_seconds):7.2f} s  (target <= 3) -> "
          f"{said!r}")  # fmt: skip
    print(f"turn calling it, one 30 s repr   {median_ms(with_slow) / 1000:7.2f} s")
    print(f"turn calling it, none slow       {median_ms(without) / 1000:7.2f} s")


def main() -> None:
    import os

    print("load average (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    inspect_figures()
    cells_figures()
    sidecar_and_variables()


if __name__ == "__main__":
    main()
