"""Helpers the tests and the benchmarks share (importable: ``from tests.support import ...``)."""

from __future__ import annotations

from pathlib import Path

from ccmagic.core.turns import ToolCall, TurnRecord
from ccmagic.sidecar.file import Sidecar


def write_sidecar(path: Path, turns: int, lines: int = 1) -> None:
    """A sidecar of ``turns`` turns over two sessions, one of unknown cost, with transcripts.
    ``lines`` > 1: the ``analysis`` session is edited that many times over, each edit a branch
    at two turns before its line's head, as an edited cell makes one."""
    car = Sidecar(path)
    events: list[dict[str, object]] = []
    every = max(1, (turns * 2 // 3) // lines)  # analysis turns per line
    asked = 0  # analysis turns so far
    heads: dict[str, tuple[str, int, str | None]] = {}  # name -> (session id, turn, uuid)
    for n in range(1, turns + 1):
        name = "analysis" if n % 3 else "scratch"
        session_id, last, after = heads.get(name, (f"id-{name}", 0, None))
        asked += name == "analysis"
        if lines > 1 and name == "analysis" and asked % every == 0 and last > 2:
            parent, session_id = session_id, f"id-{name}-{n}"
            events.append({"event": "session", "session": name, "session_id": session_id,
                           "reason": "branch", "parent": parent, "fork_turn": last - 2,
                           "at": "2026-11-01T00:00:00+00:00"})  # fmt: skip
            last, after = last - 2, None
        record = TurnRecord(name, session_id, last + 1, f"question {n} about sales.csv")
        record.prompt_uuid, record.after = f"p{n}", after
        record.started_at = f"2026-11-{1 + n * 20 // turns:02d}T10:{n % 60:02d}:00+00:00"
        record.response = f"answer {n}\n\n- **bold** point"
        record.cost_usd = None if n == 7 else 0.001
        record.input_tokens, record.output_tokens, record.duration_ms = 100, 20, 900
        record.tool_calls = [ToolCall("Read", "sales.csv", result="3 lines")]
        record.model = "claude-x" if n % 2 else "claude-y"
        events.append({"event": "turn"} | record.to_dict())
        heads[name] = (session_id, last + 1, record.prompt_uuid)
        entry = {"type": "user", "uuid": f"u{n}", "text": "x" * 500}
        key = {"project_key": "p", "session_id": "x"}
        events.append({"event": "transcript", "key": key, "entries": [entry]})
    car.append(*events)
