"""history() on a 10,000-turn sidecar of 50 lines, and the first render of the history view.

python benchmarks/bench_views.py [--turns 10000] [--lines 50] [--reps 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import median_ms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ccmagic
from ccmagic.views.tables import history_bundle
from ccmagic.views.widget import HistoryView
from tests.support import write_sidecar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=50, help="lines of the edited session")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "big.claude.json"
    write_sidecar(path, args.turns, args.lines)
    ccmagic.history(notebook=path)  # imports pandas once, outside the timing
    HistoryView(ccmagic.history(notebook=path))  # imports ipywidgets once
    history_bundle(ccmagic.history(notebook=path))  # imports markdown-it once
    loads, renders, pages = [], [], []
    for _ in range(args.reps):
        started = time.perf_counter()
        frame = ccmagic.history(notebook=path)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        view = HistoryView(frame)
        view._repr_mimebundle_()
        renders.append(time.perf_counter() - started)
        started = time.perf_counter()
        history_bundle(frame)  # %claude history: a page of 25 turns, answers as Markdown
        pages.append(time.perf_counter() - started)
    size = path.stat().st_size / 1e6
    lines = int(frame.query("session == 'analysis'")["line"].max())
    print(f"sidecar                 {args.turns:,} turns, {lines} lines, {size:.1f} MB")
    print(f"ccmagic.history()       {median_ms(loads):6.1f} ms (target <= 200)")
    print(f"history view, 1st render{median_ms(renders):6.1f} ms (target <= 300)")
    print(f"%claude history page    {median_ms(pages):6.1f} ms (25 answers as Markdown)")
    print(f"rows built              {len(view.rows.options)} (one page)")


if __name__ == "__main__":
    main()
