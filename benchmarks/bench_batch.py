"""Batches, measured side by side in one run (real SDK and CLI, only the model faked).

- Flat cost: a fake model whose input tokens are the length of what it receives; a base
  session holding an instruction, then N items (default 200): item N's input tokens against
  item 1's. A short chain=True run beside it shows what one conversation would cost.
- Per item: a batch item against a raw one-shot SDK ``query()`` of the same prompt resumed
  (forked) from the same base, 300 ms model, one at a time.
- 40 items, 300 ms model: workers=4 and a Dask LocalCluster of 4 processes against workers=1.
- A batch killed (SIGKILL) half way, then run again: items asked twice, counted at the model.
- Sidecar bytes per item, and the base's transcript bytes (kept once, not per item).
- ``--memory``: resident memory of a kernel with 10 sessions, max_live_sessions 4 vs none.

    python benchmarks/bench_batch.py [--items 200] [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ScratchNotebook
from claude_agent_sdk import ClaudeAgentOptions, query

import ccmagic
from ccmagic.sidecar.file import Sidecar
from ccmagic.testing import FakeAnthropicAPI, Reply

SLOW = Reply("label", chunk_size=100, delay=0.3)
INSTRUCTION = "Label each review positive or negative, in one word. " + "Be brief. " * 300
KILLED = """
import ccmagic
ccmagic.batch([f"item {i}" for i in range(40)], session="base", workers=4,
              sidecar="half.claude.json", progress=False)
"""


def instructed(sidecar: Path) -> str:
    with ccmagic.BlockingSession(name="base", sidecar=sidecar) as s:
        return s.query(INSTRUCTION).session_id


def timed_batch(prompts: list[str], sidecar: Path, **kwargs: object) -> tuple[float, object]:
    started = time.perf_counter()
    frame = ccmagic.batch(prompts, session="base", sidecar=sidecar, progress=False, **kwargs)
    assert set(frame["status"]) == {"ok"}, frame["status"].value_counts()
    return time.perf_counter() - started, frame


def flat_cost(folder: Path, count: int) -> tuple[int, int, int, int]:
    """(item 1's and item N's input tokens, independent; the same of a 20-step chain)."""
    sidecar = folder / "flat.claude.json"
    instructed(sidecar)
    prompts = [f"review {n:04d}: fine" for n in range(count)]  # all of one length
    _, frame = timed_batch(prompts, sidecar, workers=4)
    _, chained = timed_batch(prompts[:20], sidecar, chain=True, name="chain")
    tokens, chain_tokens = frame["input_tokens"], chained["input_tokens"]  # type: ignore[index]
    return (
        int(tokens.iloc[0]),
        int(tokens.iloc[-1]),
        int(chain_tokens.iloc[0]),
        int(chain_tokens.iloc[-1]),
    )


def raw_one_shot(base: str, prompts: list[str]) -> float:
    """Seconds for ``prompts``, each a raw SDK query() forked from ``base``."""

    async def ask(prompt: str) -> None:
        options = ClaudeAgentOptions(resume=base, fork_session=True)
        async for _ in query(prompt=prompt, options=options):
            pass

    started = time.perf_counter()
    for prompt in prompts:
        asyncio.run(ask(prompt))
    return time.perf_counter() - started


def per_item(folder: Path, count: int = 8) -> tuple[float, float]:
    """(ms per item, raw query(); ms per item, batch workers=1), interleaved rounds."""
    sidecar = folder / "per-item.claude.json"
    base = instructed(sidecar)
    raw, ours = [], []
    for round_ in range(2):
        prompts = [f"round {round_} item {n}" for n in range(count)]
        raw.append(raw_one_shot(base, prompts) / count)
        ours.append(timed_batch(prompts, sidecar, workers=1, name=f"r{round_}")[0] / count)
    return min(raw) * 1000, min(ours) * 1000


def speed_ups(folder: Path) -> tuple[float, float, float]:
    """Seconds for 40 items: workers=1, workers=4, a Dask LocalCluster of 4 processes."""
    from distributed import Client, LocalCluster

    sidecar = folder / "speed.claude.json"
    instructed(sidecar)
    one = timed_batch([f"w1 item {n}" for n in range(40)], sidecar, workers=1, name="w1")[0]
    four = timed_batch([f"w4 item {n}" for n in range(40)], sidecar, workers=4, name="w4")[0]
    with LocalCluster(n_workers=4, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        # warm each worker as this process is warm (imports, a first Claude Code start)
        timed_batch([f"warm {n}" for n in range(8)], sidecar, workers=4, name="warm",
                    executor=client.get_executor())  # fmt: skip
        dask = timed_batch([f"dask item {n}" for n in range(40)], sidecar, workers=4,
                           name="dask", executor=client.get_executor())[0]  # fmt: skip
    return one, four, dask


def answered(sidecar: Path) -> set[str]:
    if not sidecar.exists():
        return set()
    return {e["prompt"] for e in Sidecar(sidecar).events(("turn",)) if e.get("batch")}


def killed_at_half(api: FakeAnthropicAPI, folder: Path) -> tuple[int, int, int]:
    """(answered before the kill, asked in the rerun, of those already answered)."""
    script = folder / "killed.py"
    script.write_text(KILLED)
    sidecar = folder / "half.claude.json"
    instructed(sidecar)
    first = subprocess.Popen([sys.executable, str(script)], cwd=folder, start_new_session=True)
    while len(answered(sidecar)) < 20:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = answered(sidecar)
    asked = len(api.requests)
    subprocess.run([sys.executable, str(script)], cwd=folder, check=True)
    again = [r.last_user_text for r in api.requests[asked:]]
    return len(before), len(again), len(set(again) & before)


def sidecar_bytes(folder: Path) -> tuple[int, float]:
    """(bytes of the base's transcript in the sidecar, bytes per batch item)."""
    sidecar = folder / "bytes.claude.json"
    base = instructed(sidecar)
    before = sidecar.stat().st_size
    timed_batch([f"item {n}" for n in range(20)], sidecar, workers=4)
    per_item = (sidecar.stat().st_size - before) / 20
    base_bytes = sum(len(json.dumps(e)) for e in Sidecar(sidecar).events(("transcript",))
                     if e["key"]["session_id"] == base)  # fmt: skip
    return base_bytes, per_item


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


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def speed_only() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
    os.chdir(folder)
    print(f"before: {load()}", flush=True)
    with FakeAnthropicAPI(responder=lambda request: SLOW) as api:
        os.environ.update(api.env() | {"HOME": tempfile.mkdtemp(prefix="ccmagic-bench-")})
        one, four, dask = speed_ups(folder)
    print(f"after:  {load()}")
    print(f"40 items, 300 ms model: workers=1 {one:6.1f} s, workers=4 {four:6.1f} s, "
          f"Dask LocalCluster 4 processes {dask:6.1f} s")  # fmt: skip
    print(f"workers=4 vs workers=1 {one / four:5.1f}x (target >= 3.2); "
          f"Dask vs workers=1 {one / dask:5.1f}x (target >= 3)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="only the speed-ups")
    args = parser.parse_args()
    if args.speed_only:
        speed_only()
        return
    folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
    os.chdir(folder)
    print(f"before: {load()}", flush=True)
    with FakeAnthropicAPI(responder=lambda request: Reply("positive"),
                          tokens_by_length=True) as api:  # fmt: skip
        os.environ.update(api.env() | {"HOME": tempfile.mkdtemp(prefix="ccmagic-bench-")})
        first, last, chain_first, chain_last = flat_cost(folder, args.items)
        base_bytes, per_item_bytes = sidecar_bytes(folder)
        api.responder = lambda request: SLOW
        raw_ms, ours_ms = per_item(folder)
        one, four, dask = speed_ups(folder)
        before, again, repeated = killed_at_half(api, folder)
    print(f"after:  {load()}")
    n = args.items
    print(f"input tokens, item 1 / item {n} (independent)   {first} / {last}  "
          f"= {last / first:.3f}x  (target <= 1.05)")  # fmt: skip
    print(f"input tokens, step 1 / step 20 (chain=True)      {chain_first} / {chain_last}  "
          f"= {chain_last / chain_first:.2f}x  (one conversation, for comparison)")  # fmt: skip
    print(f"per item, raw SDK query() forked from the base  {raw_ms:7.0f} ms (300 ms model)")
    print(f"per item, batch item (workers=1)               {ours_ms:7.0f} ms")
    print(f"batch item / raw query()                        {ours_ms / raw_ms:7.2f}x  "
          "(target <= 1.2)")  # fmt: skip
    print(f"40 items, 300 ms model: workers=1 {one:6.1f} s, workers=4 {four:6.1f} s, "
          f"Dask LocalCluster 4 processes {dask:6.1f} s")  # fmt: skip
    print(f"workers=4 vs workers=1                          {one / four:7.1f}x  (target >= 3.2)")
    print(f"Dask 4 processes vs workers=1                   {one / dask:7.1f}x  (target >= 3)")
    print(f"killed at half: {before} answered before, {again} asked in the rerun, "
          f"{repeated} of them already answered (target 0)")  # fmt: skip
    print(
        f"sidecar: base transcript {base_bytes} bytes (once); {per_item_bytes:.0f} bytes per item"
    )
    if args.memory:
        with FakeAnthropicAPI(responder=lambda request: Reply("ok")) as api:
            os.environ.update(api.env())
            limited, unlimited = kernel_memory(4), kernel_memory(100)
        print(f"kernel + CLIs, 10 sessions: limit 4 {limited:.0f} MB, no limit {unlimited:.0f} MB")


if __name__ == "__main__":
    main()
