"""What keeping a sidecar safe to commit costs: redaction, git merges, bytes per turn.

    python benchmarks/bench_sharing.py [--reps 20]

- Redaction of a turn whose tool output is 100 KB (a log, Python source, a CSV), in the
  record and in its transcript entry, as the journal does before writing; beside it, the
  sidecar append of the same turn.
- The git merge driver on two sidecars of 1,000 new turns each (half of them continuing the
  same conversation on both sides), in process and as git runs it (a fresh Python process);
  beside it, reading both files with ``json.loads``.
- Sidecar bytes per turn for a tool-using conversation on the real CLI (a Read of a
  2,000-line file, then three Bash calls), beside Claude Code's own transcript of the turns.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median_ms, offline_claude

from ccmagic.core.turns import ToolCall, TurnRecord
from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.redaction import Findings, Redactor, redact_record
from ccmagic.testing import Reply

KB100 = 100_000


def tool_outputs() -> dict[str, str]:
    """100 KB of three kinds of output, with two secrets in each (as a stray .env would)."""
    rng = random.Random(7)
    log = "".join(
        f"2026-11-26T10:{n % 60:02d}:{n % 60:02d}Z INFO worker-{n % 8} processed batch {n} "
        f"in {rng.randint(5, 900)} ms (rows={rng.randint(1, 10**6)})\n"
        for n in range(1500)
    )
    source = "".join(
        f"def step_{n}(frame, window={n % 9 + 1}):\n"
        f'    """Rolling mean of column {n}."""\n'
        f"    return frame['col_{n}'].rolling(window).mean()\n\n"
        for n in range(1200)
    )
    csv = "id,region,price,units,sku\n" + "".join(
        f"{n},{rng.choice(['north', 'south'])},{rng.random() * 100:.2f},{rng.randint(1, 9)},"
        f"SKU-{rng.getrandbits(40):010x}\n"
        for n in range(3000)
    )
    secrets = (
        "AWS_ACCESS_KEY_ID=AKIAZ3MHQX5TPL2VW7RN\ntoken=ghp_4fT9kQ2mZx7LpR3sV8nB1cW6yH0jD5gA2eUq\n"
    )
    return {kind: (text[: KB100 // 2] + secrets + text)[:KB100]
            for kind, text in (("log", log), ("Python source", source), ("CSV", csv))}  # fmt: skip


def a_turn(output: str) -> tuple[TurnRecord, dict]:
    record = TurnRecord("analysis", "id", 1, "What does the output say?")
    record.response = "It processed every batch; see the slow ones below.\n" * 3
    record.tool_calls = [ToolCall("Bash", "cat run.log", result=output)]
    record.layout = [["t", len(record.response)], ["c", 0]]
    entry = {"type": "user", "uuid": "u1", "message": {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t1", "content": output}]}}  # fmt: skip
    return record, entry


def redaction(reps: int) -> None:
    redactor = Redactor()
    redactor.text("warm up AKIAZ3MHQX5TPL2VW7RN", "x", Findings())  # detect-secrets imported
    print("redaction of a turn with 100 KB of tool output (record + transcript entry)")
    for kind, output in tool_outputs().items():
        redact, write = [], []
        for _ in range(reps):
            record, entry = a_turn(output)
            started = time.perf_counter()
            found = Findings()
            redact_record(record, redactor, found)
            redactor.value(entry, "Bash output", found)
            redact.append(time.perf_counter() - started)
            car = Sidecar(Path(tempfile.mkdtemp()) / "a.claude.json")
            started = time.perf_counter()
            car.append({"event": "transcript", "key": {"session_id": "id"}, "entries": [entry]},
                       {"event": "turn"} | record.to_dict())  # fmt: skip
            write.append(time.perf_counter() - started)
        assert found.count == 2, found
        print(f"  {kind:14} {median_ms(redact):6.2f} ms (target <= 10)   "
              f"append of the same turn {median_ms(write):5.2f} ms   "
              f"ratio {median_ms(redact) / median_ms(write):4.1f}x")  # fmt: skip


def side(turns: int, tag: str, start: float) -> list[dict]:
    """``turns`` new turns: half continue conversation ``shared``, half a new one of ``tag``'s."""
    events = []
    for n in range(turns):
        session, number = ("shared", 21 + n // 2) if n % 2 == 0 else (f"{tag}-own", 1 + n // 2)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + n)) + f".{n:06d}+00:00"
        entries = [
            {"type": kind, "uuid": f"{tag}-{n}-{kind}", "parentUuid": None, "timestamp": stamp,
             "sessionId": session, "message": {"content": f"{kind} text of {tag} turn {n} " * 12}}
            for kind in ("user", "assistant")
        ]  # fmt: skip
        events.append({"event": "transcript", "key": {"session_id": session}, "entries": entries})
        events.append({"event": "turn", "session": session, "session_id": session,
                       "turn": number, "prompt": f"{tag} question {n} " * 6,
                       "started_at": stamp, "response": f"answer {n} " * 60,
                       "prompt_uuid": f"{tag}-{n}-user", "cost_usd": 0.002})  # fmt: skip
    return events


def merging(reps: int) -> None:
    folder = Path(tempfile.mkdtemp())
    base = [{"event": "turn", "session": "shared", "session_id": "shared", "turn": n,
             "prompt": f"base {n}", "started_at": f"2026-11-01T00:00:{n:02d}+00:00"}
            for n in range(1, 21)]  # fmt: skip
    paths = {}
    for name, events in (("base", base), ("ours", base + side(1000, "ana", 1.8e9)),
                         ("theirs", base + side(1000, "ben", 1.8e9 + 0.5))):  # fmt: skip
        car = Sidecar(folder / f"{name}.claude.json")
        car.append(*events)
        paths[name] = car.path
    sizes = f"{paths['ours'].stat().st_size / 1e6:.1f} + {paths['theirs'].stat().st_size / 1e6:.1f}"
    inside, driver, reading = [], [], []
    for _ in range(reps):
        target = folder / "merged.claude.json"
        target.write_bytes(paths["ours"].read_bytes())
        from ccmagic.sidecar.merge import merge

        started = time.perf_counter()
        merge(paths["base"], target, paths["theirs"])
        inside.append(time.perf_counter() - started)
        target.write_bytes(paths["ours"].read_bytes())
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ccmagic.cli", "merge-driver", str(paths["base"]),
                        str(target), str(paths["theirs"]), "x.claude.json"],
                       check=True, capture_output=True)  # fmt: skip
        driver.append(time.perf_counter() - started)
        started = time.perf_counter()
        for name in ("ours", "theirs"):
            json.loads(paths[name].read_bytes())
        reading.append(time.perf_counter() - started)
    merged = json.loads(target.read_bytes())["log"]
    turns = sum(1 for e in merged if e["event"] == "turn")
    assert turns == 2020, turns
    print(f"merge of two sidecars of 1,000 new turns each ({sizes} MB; {turns} turns after)")
    print(f"  in process              {median_ms(inside):7.0f} ms (target <= 1000)")
    print(f"  as git runs the driver  {median_ms(driver):7.0f} ms (a fresh Python process)")
    print(f"  json.loads of both      {median_ms(reading):7.0f} ms   "
          f"merge / loads {median_ms(inside) / median_ms(reading):4.1f}x")  # fmt: skip


def bytes_per_turn() -> None:
    import ccmagic
    from ccmagic.core.options import SessionOptions

    with offline_claude() as api:
        folder = Path(tempfile.mkdtemp(prefix="ccmagic-bench-"))
        data = folder / "data.py"
        data.write_text("".join(f"value_{n} = compute({n}, window={n % 7})  # step {n}\n"
                                for n in range(2000)))  # fmt: skip
        commands = ["wc -l data.py", "grep -c window=3 data.py", "head -20 data.py"]
        api.script(
            Reply("Reading it.", tool_uses=[("Read", {"file_path": str(data)})]),
            "It defines 2,000 values.",
            *[x for c in commands for x in (Reply("Running.", tool_uses=[("Bash", {"command": c})]),
                                             "Done.")],
        )  # fmt: skip
        sidecar = folder / "analysis.claude.json"
        options = SessionOptions(cwd=str(folder), allowed_tools=("Bash",))
        sizes = []
        with ccmagic.BlockingSession(options, name="s", sidecar=sidecar) as session:
            for prompt in ["What does data.py define?", *[f"Run {c}" for c in commands]]:
                session.query(prompt)
                sizes.append(sidecar.stat().st_size)
        home = Path(__import__("os").environ["HOME"])
        [transcript] = list((home / ".claude" / "projects").rglob(f"{session.session_id}.jsonl"))
        ours, theirs = sidecar.stat().st_size, transcript.stat().st_size
    read_turn = sizes[0]
    bash_turns = (sizes[-1] - sizes[0]) / 3
    print("a tool-using conversation on the real CLI (Read of 2,000 lines, then 3 Bash calls)")
    print(
        f"  sidecar                       {ours / 1e3:7.1f} KB  ({ours / 4 / 1e3:.1f} KB a turn;"
        f" the Read turn {read_turn / 1e3:.1f} KB, a Bash turn {bash_turns / 1e3:.1f} KB)"
    )
    print(
        f"  Claude Code's own transcript  {theirs / 1e3:7.1f} KB  "
        f"({theirs / 4 / 1e3:.1f} KB a turn)"
    )
    print(f"  sidecar / transcript          {ours / theirs:7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    reps = parser.parse_args().reps
    redaction(reps)
    merging(max(3, reps // 5))
    bytes_per_turn()


if __name__ == "__main__":
    main()
