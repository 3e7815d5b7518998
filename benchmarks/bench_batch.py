"""Batches and live sessions, measured side by side in one run.

- 40 prompts on a fake model that takes 300 ms per answer: workers=4 against workers=1.
- A batch killed (SIGKILL) at the halfway point, then run again: answered items asked again.
- Per item, against a raw persistent ClaudeSDKClient on the same instant fake (both whole
  runs, connect included).
- Resident memory of a kernel (and its Claude Code processes) with 10 named sessions used
  once each: max_live_sessions 4 against no limit.

    python benchmarks/bench_batch.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ScratchNotebook, offline_claude
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient

import ccmagic
from ccmagic.session.loop import LoopThread
from ccmagic.testing import FakeAnthropicAPI, Reply

SLOW = Reply("label", chunk_size=100, delay=0.3)
KILLED = """
import ccmagic
ccmagic.batch([f"item {i}" for i in range(40)], session="half", workers=4,
              sidecar="half.claude.json", progress=False)
"""


def timed_batch(count: int, workers: int, folder: Path) -> float:
    started = time.perf_counter()
    frame = ccmagic.batch([f"item {i}" for i in range(count)], session=f"w{workers}",
                          workers=workers, sidecar=folder / f"w{workers}.claude.json",
                          progress=False)  # fmt: skip
    assert set(frame["status"]) == {"ok"}
    return time.perf_counter() - started


def answered(sidecar: Path) -> set[str]:
    if not sidecar.exists():
        return set()
    return {e["prompt"] for e in json.loads(sidecar.read_text())["log"] if e["event"] == "turn"}


def killed_at_half(api: FakeAnthropicAPI, folder: Path) -> tuple[int, int, int]:
    """(answered before the kill, asked in the rerun, of those already answered)."""
    script = folder / "killed.py"
    script.write_text(KILLED)
    sidecar = folder / "half.claude.json"
    first = subprocess.Popen([sys.executable, str(script)], cwd=folder, start_new_session=True)
    while len(answered(sidecar)) < 20:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = answered(sidecar)
    asked = len(api.requests)
    subprocess.run([sys.executable, str(script)], cwd=folder, check=True)
    again = {r.last_user_text for r in api.requests[asked:]}
    return len(before), len(again), len(again & before)


def raw_client(count: int, loop: LoopThread) -> float:
    async def run() -> None:
        async with ClaudeSDKClient(ClaudeAgentOptions(include_partial_messages=True)) as client:
            for i in range(count):
                await client.query(f"item {i}")
                async for _ in client.receive_response():
                    pass

    started = time.perf_counter()
    loop.run(run())
    return time.perf_counter() - started


def resident_mb(root: int) -> float:
    """Resident memory of ``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rss = Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]
        except (OSError, IndexError):
            continue
        total += int(rss)
    return total / 1024


def kernel_memory(limit: int) -> float:
    notebook = ScratchNotebook(timeout=120)
    with notebook.client.setup_kernel():
        notebook.cell(f"%load_ext ccmagic\n%config ClaudeMagics.max_live_sessions = {limit}")
        for n in range(10):
            notebook.cell(f"%%claude -s s{n}\nhello {n}")
        time.sleep(1.0)
        return resident_mb(notebook.client.km.provisioner.process.pid)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
    os.chdir(folder)
    with FakeAnthropicAPI(responder=lambda request: SLOW) as api:
        os.environ.update(api.env() | {"HOME": tempfile.mkdtemp(prefix="ccmagic-bench-")})
        one = timed_batch(40, 1, folder)
        four = timed_batch(40, 4, folder)
        before, again, repeated = killed_at_half(api, folder)
    with offline_claude():
        loop = LoopThread()
        raw = [raw_client(40, loop) for _ in range(3)]
        ours = [timed_batch(40, 1, Path(tempfile.mkdtemp(prefix="ccmagic-bench-")))
                for _ in range(3)]  # fmt: skip
        limited, unlimited = kernel_memory(4), kernel_memory(100)
    print(f"40 items, 300 ms model, workers=1     {one:6.1f} s")
    print(f"40 items, 300 ms model, workers=4     {four:6.1f} s")
    print(f"workers=4 speed-up                    {one / four:6.1f}x  (target >= 3)")
    print(f"killed at half: {before} answered before, {again} asked in the rerun, "
          f"{repeated} of them already answered (target 0)")  # fmt: skip
    per_raw, per_ours = min(raw) / 40 * 1000, min(ours) / 40 * 1000
    print(f"per item, raw persistent client       {per_raw:6.1f} ms (whole run / 40)")
    print(f"per item, batch(workers=1)            {per_ours:6.1f} ms (whole run / 40)")
    print(f"batch / raw client                    {per_ours / per_raw:6.2f}x  (target <= 1.2)")
    print(f"kernel + CLIs, 10 sessions, limit 4   {limited:6.0f} MB")
    print(f"kernel + CLIs, 10 sessions, no limit  {unlimited:6.0f} MB")


if __name__ == "__main__":
    main()
