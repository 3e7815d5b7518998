"""Sidecar appends at 10 and 1,000 turns, and the first cell after reopening a notebook.

    python benchmarks/bench_sidecar.py [--reps 5]

The append figure uses realistic turns (prompt, Markdown answer, tool calls) and a transcript
batch per turn, so the file at 1,000 turns is several megabytes. The reopen figure times the
first ``%%claude`` cell of a fresh kernel on a saved notebook (resume from the sidecar)
against a bare ``ClaudeSDKClient(resume=...)`` with the same store doing the same turn, the
bare one both in a fresh Python process (importing the SDK, as a fresh kernel must: the fair
comparison) and in this already-warm process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _common import median_ms, offline_claude
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient
from nbclient import NotebookClient

from ccmagic.core.turns import ToolCall, TurnRecord
from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.store import SidecarStore


def turn_event(n: int) -> dict:
    record = TurnRecord("analysis", "id", n, "Which columns look unreliable? " * 8)
    record.response = "Column **b** has gaps; see below.\n\n" + "- a finding\n" * 60
    record.tool_calls = [ToolCall("Read", "sales.csv", result="120 lines")]
    return {"event": "turn"} | record.to_dict()


def transcript_event(n: int) -> dict:
    entry = {"type": "assistant", "uuid": f"u{n}", "message": {"content": "x" * 3000}}
    return {"event": "transcript", "key": {"project_key": "p", "session_id": "id"},
            "entries": [entry]}  # fmt: skip


def append_ms(turns: int, samples: int = 50) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp())
    car = Sidecar(folder / "a.claude.json")
    for n in range(turns):
        car.append(turn_event(n), transcript_event(n))
    times = []
    for n in range(samples):
        started = time.perf_counter()
        car.append(turn_event(turns + n))
        times.append(time.perf_counter() - started)
    return median_ms(times), car.path.stat().st_size / 1e6


async def bare_resume(session_id: str, store: SidecarStore, cwd: str) -> float:
    started = time.perf_counter()
    options = ClaudeAgentOptions(resume=session_id, session_store=store, cwd=cwd,
                                 include_partial_messages=True)  # fmt: skip
    async with ClaudeSDKClient(options) as client:
        await client.query("and next?")
        async for _ in client.receive_response():
            pass
    return time.perf_counter() - started


FRESH_PROCESS = """
import asyncio, sys, time
started = time.perf_counter()
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient
from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.store import SidecarStore
from pathlib import Path

async def turn():
    store = SidecarStore(Sidecar(Path(sys.argv[2])))
    options = ClaudeAgentOptions(resume=sys.argv[1], session_store=store, cwd=sys.argv[3],
                                 include_partial_messages=True)
    async with ClaudeSDKClient(options) as client:
        await client.query("and next?")
        async for _ in client.receive_response():
            pass

asyncio.run(turn())
print(time.perf_counter() - started)
"""


def bare_resume_fresh_process(session_id: str, sidecar: Path, cwd: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, session_id, str(sidecar), cwd],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.split()[-1])


def reopen_cell(path: Path) -> float:
    nb = nbformat.read(path, 4)
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
    with client.setup_kernel(env=dict(os.environ, JPY_SESSION_NAME=str(path))):
        nb.cells.append(nbformat.v4.new_code_cell("%load_ext ccmagic"))
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
        nb.cells.append(nbformat.v4.new_code_cell("%%claude -s analysis\nand next?"))
        started = time.perf_counter()
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    reps = parser.parse_args().reps
    small, _ = append_ms(10)
    large, size = append_ms(1000)
    print(f"append a turn at 10 turns      {small:6.2f} ms")
    print(f"append a turn at 1,000 turns   {large:6.2f} ms  (file {size:.1f} MB; target <= 10)")

    with offline_claude():
        folder = Path(tempfile.mkdtemp())
        path = folder / "analysis.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("%load_ext ccmagic")] + [
            nbformat.v4.new_code_cell(f"%%claude -s analysis\nquestion {i}") for i in range(3)
        ]
        client = NotebookClient(nb, timeout=60, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}})  # fmt: skip
        client.execute(env=dict(os.environ, JPY_SESSION_NAME=str(path)))
        nbformat.write(nb, path)
        session_id = nb.cells[-1].outputs[-1].metadata["ccmagic"]["session_id"]
        store = SidecarStore(Sidecar(folder / "analysis.claude.json"))
        ours, fresh, warm = [], [], []
        for _ in range(reps):
            ours.append(reopen_cell(path))
            fresh.append(bare_resume_fresh_process(session_id, store.sidecar.path, str(folder)))
            warm.append(asyncio.run(bare_resume(session_id, store, str(folder))))
    print(f"first cell after reopening     {median_ms(ours):6.0f} ms (median of {reps})")
    print(f"bare resume, fresh process     {median_ms(fresh):6.0f} ms (imports the SDK too)")
    print(f"bare resume, SDK already warm  {median_ms(warm):6.0f} ms")
    print(
        f"reopen / bare (fresh process)  {median_ms(ours) / median_ms(fresh):6.2f}x (target <= 1.5)"
    )
    ratio = median_ms(ours) / median_ms(warm)
    print(f"reopen / bare (SDK warm)       {ratio:6.2f}x (ours includes the SDK import)")


if __name__ == "__main__":
    main()
