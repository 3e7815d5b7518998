"""Warm %%claude cell vs a raw persistent ClaudeSDKClient vs a fresh query(resume=) per cell.

All three talk to the same instant fake model through the real CLI, measured interleaved in
one run so that machine noise hits them alike. Prints medians and the two ratios of issue 2,
and the time of ``%load_ext ccmagic``.

    python benchmarks/bench_turns.py [--turns 21]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from _common import ScratchNotebook, median_ms, offline_claude
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, ResultMessage, query

from ccmagic.session.loop import LoopThread

LOAD_EXT = """
import time
from IPython.testing.globalipapp import get_ipython
ip = get_ipython()
t = time.perf_counter()
ip.run_line_magic("load_ext", "ccmagic")
print(time.perf_counter() - t)
"""


async def raw_turn(client: ClaudeSDKClient, prompt: str) -> None:
    await client.query(prompt)
    async for _ in client.receive_response():
        pass


async def fresh_process_turn(session_id: str, prompt: str) -> None:
    async for message in query(prompt=prompt, options=ClaudeAgentOptions(resume=session_id)):
        assert not isinstance(message, ResultMessage) or not message.is_error


def load_ext_seconds(runs: int) -> list[float]:
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", LOAD_EXT], capture_output=True, text=True, check=True
            ).stdout.split()[-1]
        )
        for _ in range(runs)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=21)
    turns = parser.parse_args().turns
    with offline_claude():
        loop = LoopThread()
        raw = ClaudeSDKClient(ClaudeAgentOptions(include_partial_messages=True))
        loop.run(raw.connect())
        resumable = str(uuid.uuid4())
        loop.run(fresh_process_turn_first(resumable))

        notebook = ScratchNotebook(timeout=60)
        cell = notebook.cell
        ours, direct, fresh = [], [], []
        with notebook.client.setup_kernel():
            cell("%load_ext ccmagic")
            cell("%%claude -s bench\nwarm up")  # connects: the first turn is not a warm one
            noop = [cell("pass") for _ in range(turns)]  # after the SDK's background import
            loop.run(raw_turn(raw, "warm up"))

            def timed(coro: Any) -> float:
                started = time.perf_counter()
                loop.run(coro)
                return time.perf_counter() - started

            kinds: list[tuple[list[float], Callable[[int], float]]] = [
                (ours, lambda i: cell(f"%%claude -s bench\nturn {i}")),
                (direct, lambda i: timed(raw_turn(raw, f"turn {i}"))),
                (fresh, lambda i: timed(fresh_process_turn(resumable, f"turn {i}"))),
            ]
            for i in range(turns):
                # rotate the order: a kind measured right after a fresh CLI process started and
                # exited would otherwise pay for that process's teardown every time
                for samples, run in kinds[i % 3 :] + kinds[: i % 3]:
                    samples.append(run(i))
        loop.run(raw.disconnect())
    load = load_ext_seconds(5)
    print(f"turns per kind            {turns}")
    print(f"warm %%claude cell        {median_ms(ours):7.1f} ms (whole cell via nbclient)")
    print(f"raw persistent client     {median_ms(direct):7.1f} ms")
    print(f"empty cell via nbclient   {median_ms(noop):7.1f} ms (the frontend's own share)")
    print(f"fresh query(resume=)      {median_ms(fresh):7.1f} ms")
    print(f"cell / raw client         {median_ms(ours) / median_ms(direct):7.2f}x  (target <= 1.3)")
    print(f"fresh query / cell        {median_ms(fresh) / median_ms(ours):7.1f}x  (target >= 8)")
    print(f"%load_ext ccmagic         {median_ms(load):7.1f} ms (median of 5; target <= 150)")


async def fresh_process_turn_first(session_id: str) -> None:
    async for _ in query(prompt="start", options=ClaudeAgentOptions(session_id=session_id)):
        pass


if __name__ == "__main__":
    main()
