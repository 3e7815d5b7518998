"""Claude Code's own transcripts: where this machine keeps them.

Claude Code writes each session to ``~/.claude/projects/<folder key>/<session id>.jsonl``
(``CLAUDE_CONFIG_DIR`` moves ``~/.claude``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def claude_config_dir() -> Path:
    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")


def local_transcript_exists(session_id: str) -> bool:
    """Whether Claude Code on this machine keeps a transcript of ``session_id``."""
    return any(claude_config_dir().glob(f"projects/*/{session_id}.jsonl"))


def local_entries(session_id: str) -> list[dict[str, Any]]:
    """This machine's transcript entries of ``session_id`` (none when it has no copy)."""
    for path in claude_config_dir().glob(f"projects/*/{session_id}.jsonl"):
        entries = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a line being written as we read
        return entries
    return []


def entry_before(entries: list[dict[str, Any]], prompt_uuid: str | None, prompt: str) -> str | None:
    """The uuid of the entry a turn's prompt follows: the last entry of the turn before it,
    where a branch that leaves the turn out forks. The prompt is found by its uuid, or failing
    that (turns recorded before prompts carried one) by its text."""
    for entry in entries:
        if entry.get("type") != "user":
            continue
        if prompt_uuid is not None and entry.get("uuid") == prompt_uuid:
            return entry.get("parentUuid")
    if prompt_uuid is None:
        for entry in entries:
            content = (entry.get("message") or {}).get("content")
            texts = (
                [content]
                if isinstance(content, str)
                else [b.get("text", "") for b in content or [] if isinstance(b, dict)]
            )
            if entry.get("type") == "user" and any(t.strip() == prompt.strip() for t in texts):
                return entry.get("parentUuid")
    return None
