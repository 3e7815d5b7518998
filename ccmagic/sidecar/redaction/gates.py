"""The gates: one function per way text leaves ccmagic, each through the process's redactor.

- :func:`redact_record`: a turn's record, before the journal writes it (and the cell draws it);
- :func:`redact_entry`: a Claude Code transcript entry, before the sidecar keeps it;
- :func:`redact_event`: a session event (its options: the system prompt);
- :func:`shown`: a line ccmagic draws in a cell, whole, before any clipping, and
  :func:`shown_value`: a tool's input or output as Claude Code reports it, before it is folded
  into one line;
- :func:`tool_result`: what a notebook tool hands the model.

Blocks that are not text (images, documents) pass every gate untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccmagic.sidecar.redaction.detector import Findings, Redactor
from ccmagic.sidecar.redaction.settings import redactor

# what identifies an entry and links it to others: kept as it is (uuids look random)
IDENTITY_KEYS = frozenset({"uuid", "parentUuid", "logicalParentUuid", "sessionId", "leafUuid",
                           "requestId", "id", "tool_use_id", "promptId", "messageId",
                           "timestamp", "type", "role", "version", "gitBranch", "cwd",
                           "userType", "isSidechain", "model", "stop_reason"})  # fmt: skip

BINARY = frozenset({"image", "document", "audio"})  # content blocks of base64 data


def notice(redacted: dict[str, Any]) -> str:
    """What a cell says of a turn's ``redacted`` record, once."""
    count = redacted.get("count", 0)
    kinds = ", ".join(redacted.get("kinds") or [])
    where = ", ".join(redacted.get("where") or [])
    return (
        f"{count} secret{'s' if count != 1 else ''} kept out of the sidecar and this output: "
        f"{kinds}" + (f" in {where}" if where else "") + "."
    )


def shown(text: str, place: str = "output", found: Findings | None = None) -> str:
    """A line drawn in a cell (a notice, a tool's output, an approval question)."""
    return redactor().text(text, place, found if found is not None else Findings())


def shown_value(value: Any, place: str) -> Any:
    """A tool's input (a dict) or result (text, or a list of content blocks) with every
    string redacted, images and other binary blocks as they are."""
    return _strings(value, place, Findings())


def tool_result(result: dict[str, Any], place: str) -> dict[str, Any]:
    """An MCP tool result with its text blocks redacted; other blocks (images) as they are."""
    return result | {"content": shown_value(result.get("content") or [], place)}


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A session event with its options redacted (a token in ``--system``)."""
    if not isinstance(event.get("options"), dict):
        return event
    return event | {"options": redactor().value(event["options"], "options", Findings())}


def redact_entry(
    entry: dict[str, Any],
    found: Findings,
    tool_names: dict[str, str],
    short: Callable[[str], str],
) -> dict[str, Any]:
    """Every string of a transcript entry redacted (attachments too: CLAUDE.md, @file), its
    structure and identifiers kept; ``where`` named by what the string is."""
    if entry.get("type") == "attachment":
        return dict(_strings(entry, "attachment", found))
    message = entry.get("message")
    rest = {k: v for k, v in entry.items() if k != "message"}
    if not isinstance(message, dict):
        return dict(_strings(rest, "transcript", found))
    content = message.get("content")
    where = "prompt" if entry.get("type") == "user" else "answer"
    if isinstance(content, str):
        content = redactor().text(content, where, found)
    elif isinstance(content, list):
        content = [_block(block, found, tool_names, short) for block in content]
        results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
        if results:  # the entry's copy of the result (toolUseResult) is that tool's output
            where = f"{tool_names.get(str(results[0].get('tool_use_id')), 'tool')} output"
    kept: dict[str, Any] = _strings(rest, where, found)
    others = _strings({k: v for k, v in message.items() if k != "content"}, where, found)
    return kept | {"message": others | {"content": content}}


def _block(
    block: Any, found: Findings, tool_names: dict[str, str], short: Callable[[str], str]
) -> Any:
    if not isinstance(block, dict) or block.get("type") in BINARY:
        return block
    kind = block.get("type")
    if kind == "tool_use":
        tool_names[str(block.get("id"))] = short(str(block.get("name")))
        where = f"{short(str(block.get('name')))} input"
    elif kind == "tool_result":
        where = f"{tool_names.get(str(block.get('tool_use_id')), 'tool')} output"
    else:
        where = "prompt" if kind == "text" and block.get("role") == "user" else "answer"
    return _strings(block, where, found)


def _strings(value: Any, place: str, found: Findings) -> Any:
    """Every string in ``value`` redacted but the identifiers (:data:`IDENTITY_KEYS`) and
    binary blocks (:data:`BINARY`)."""
    if isinstance(value, str):
        return redactor().text(value, place, found)
    if isinstance(value, list):
        return [_strings(item, place, found) for item in value]
    if isinstance(value, dict) and value.get("type") in BINARY:
        return value
    if isinstance(value, dict):
        return {k: v if k in IDENTITY_KEYS and not isinstance(v, (dict, list))
                else _strings(v, place, found) for k, v in value.items()}  # fmt: skip
    return value


def redact_record(record: Any, redactor: Redactor, found: Findings) -> None:
    """Take secrets out of a turn's record, in place, saying where each was."""
    text = redactor.text
    record.prompt = text(record.prompt, "prompt", found)
    record.response = _redacted_answer(record, redactor, found)
    for call in record.tool_calls:
        name = call.short_name
        call.summary = text(call.summary, f"{name} input", found)
        if call.code is not None:
            call.code = text(call.code, f"{name} input", found)
        if call.result is not None:
            call.result = text(call.result, f"{name} output", found)
    for entry in record.permissions:
        entry["input"] = text(entry.get("input", ""), "approval", found)
    if record.error:
        record.error = text(record.error, "error", found)
    if record.asked_with and record.asked_with.get("system"):  # --system "... token ..."
        record.asked_with["system"] = text(record.asked_with["system"], "options", found)
    record.saw = [_sighting(seen, redactor, found) for seen in record.saw]


SIGHTING_AS_IS = ("kind", "tool", "digest")  # what a replay's check compares: never a secret


def _sighting(seen: dict[str, Any], redactor: Redactor, found: Findings) -> dict[str, Any]:
    """What Claude saw, as the record keeps it: names, paths and column names redacted like
    any text (a replay's check then sees a change, the safe way), digests kept."""
    return {k: v if k in SIGHTING_AS_IS else redactor.value(v, "what Claude saw", found)
            for k, v in seen.items()}  # fmt: skip


def _redacted_answer(record: Any, redactor: Redactor, found: Findings) -> str:
    """The answer redacted piece by piece, its layout (each text piece's length) updated to
    match, so the cell and a replay still split it where Claude's text blocks end."""
    parts, start = [], 0
    for piece in record.layout:
        if piece[0] != "t":
            continue
        text = redactor.text(record.response[start : start + piece[1]], "answer", found)
        parts.append(text + record.response[start + piece[1] : start + piece[1] + 2])
        start += piece[1] + 2
        piece[1] = len(text)
    rest = record.response[start:] if start < len(record.response) else ""
    return "".join(parts) + redactor.text(rest, "answer", found)
