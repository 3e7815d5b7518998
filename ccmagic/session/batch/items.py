"""The items of a batch: what each prompt is, what became of it, and the frame that says so."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ccmagic.core.turns import TurnRecord, format_cost
from ccmagic.sidecar.journal import Journal

if TYPE_CHECKING:
    import pandas as pd

    from ccmagic.session.batch.schema import OutputSchema

COLUMNS = ["prompt", "response", "status", "cost_usd", "input_tokens", "output_tokens",
           "duration_ms", "session_id", "turn", "error"]  # fmt: skip


@dataclass(eq=False)  # each item is itself (a key in the budget's reservations)
class Item:
    """One prompt of the batch and what became of it."""

    key: Any  # as given (an index label)
    stored: Any  # the key as recorded with the turn (JSON-safe)
    prompt: str
    record: TurnRecord | None = None
    status: str = "pending"  # ok, error, interrupted, skipped-budget
    error: str | None = None
    reused: bool = False
    fields: dict[str, Any] = field(default_factory=dict)  # the schema's fields, validated


def stored_key(key: Any) -> Any:
    """A key as JSON can keep it: numbers and strings as they are, anything else as text."""
    if hasattr(key, "item") and callable(key.item):  # a numpy scalar
        key = key.item()
    return key if key is None or isinstance(key, str | int | float | bool) else str(key)


def items_of(prompts: Any) -> tuple[list[Item], Any]:
    """The items of a list, a dict or a pandas Series, and the index the result takes."""
    import pandas as pd

    if isinstance(prompts, pd.Series):
        pairs = list(prompts.items())
        index = prompts.index
    elif isinstance(prompts, Mapping):
        pairs = list(prompts.items())
        index = pd.Index([k for k, _ in pairs])
    elif isinstance(prompts, Iterable) and not isinstance(prompts, str | bytes):
        pairs = list(enumerate(prompts))
        index = pd.RangeIndex(len(pairs))
    else:
        raise TypeError("prompts must be a list, a dict or a pandas Series of prompt texts")
    items = []
    for key, prompt in pairs:
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"item {key!r}: a prompt must be a non-empty string, not {prompt!r}")
        items.append(Item(key, stored_key(key), prompt))
    keys = [json.dumps(i.stored) for i in items]
    if len(set(keys)) != len(keys):
        raise ValueError("the items' keys must be distinct: each one names its answer")
    return items, index


def status_of(record: TurnRecord) -> str:
    if record.interrupted:
        return "interrupted"
    return "error" if record.is_error or record.turn is None else "ok"


def settle(item: Item, record: TurnRecord, structured: Any, schema: OutputSchema | None) -> None:
    """What became of ``item`` with this answer (checked against ``schema`` if there is one)."""
    item.record, item.status, item.error = record, status_of(record), record.error
    if schema is None or item.status != "ok":
        return
    if structured is None:
        structured = schema.from_text(record.response)
    item.fields, problem = schema.check(structured)
    if problem is not None:
        item.status, item.error = "error", problem


def reuse_recorded(journal: Journal, name: str, items: list[Item],
                   schema: OutputSchema | None) -> None:  # fmt: skip
    """Items answered before (ok, same prompt, fitting the schema) come from the record."""
    latest: dict[str, TurnRecord] = {}
    for conversation in journal.tree().conversations.values():
        for record in conversation.turns:
            if record.batch != name:
                continue
            key = json.dumps(record.item)
            known = latest.get(key)
            if known is None or record.started_at >= known.started_at:
                latest[key] = record
    for item in items:
        known = latest.get(json.dumps(item.stored))
        if known is None or status_of(known) != "ok" or known.prompt != item.prompt:
            continue
        settle(item, known, None, schema)
        item.reused = item.status == "ok"
        if not item.reused:
            item.record, item.status, item.error, item.fields = None, "pending", None, {}


def frame_of(items: list[Item], index: Any, schema: OutputSchema | None) -> pd.DataFrame:
    """The result: indexed like the input, one row per item, the schema's fields as columns."""
    import pandas as pd

    rows = []
    for item in items:
        record = item.record
        row: dict[str, Any] = {"prompt": item.prompt, "status": item.status, "error": item.error}
        if record is not None:
            row |= {"response": record.response, "cost_usd": record.cost_usd,
                    "input_tokens": record.input_tokens, "output_tokens": record.output_tokens,
                    "duration_ms": record.duration_ms, "session_id": record.session_id,
                    "turn": record.turn}  # fmt: skip
        rows.append(row | {f"{name}": item.fields.get(name) for name in schema_fields(schema)})
    frame = pd.DataFrame(rows, columns=COLUMNS + schema_fields(schema), index=index)
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    for column in ("input_tokens", "output_tokens", "duration_ms", "turn"):
        frame[column] = frame[column].astype("Int64")
    if schema is not None:
        for column, dtype in schema.dtypes().items():
            frame[column] = frame[column].astype(dtype)
    return frame


def schema_fields(schema: OutputSchema | None) -> list[str]:
    return list(schema.dtypes()) if schema is not None else []


def summary(name: str, items: list[Item], seconds: float) -> str:
    """``labels: 20 items · 18 ok · 2 error · 12 answered before ... · $0.02 this run · 4.1 s``"""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
    reused = sum(1 for i in items if i.reused)
    asked = [i.record for i in items if i.record is not None and not i.reused]
    cost = sum(record.cost_usd or 0.0 for record in asked)
    parts = [f"{name}: {len(items)} item{'s' if len(items) != 1 else ''}"]
    parts += [f"{n} {status}" for status, n in counts.items()]
    if reused:
        parts.append(f"{reused} answered before (from the sidecar, not asked again)")
    parts += [f"{format_cost(cost)} this run", f"{seconds:.1f} s"]
    return " · ".join(parts) + "."
