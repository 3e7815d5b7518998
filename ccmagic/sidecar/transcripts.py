"""Claude Code's own transcripts: where this machine keeps them.

Claude Code writes each session to ``~/.claude/projects/<folder key>/<session id>.jsonl``
(``CLAUDE_CONFIG_DIR`` moves ``~/.claude``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
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


# What of Claude Code's transcript a resume needs: the conversation's entries (messages,
# compaction summaries, attachments of what the model was shown), linked by parentUuid.
# Claude Code also writes, at every process start, snapshots of its own context that it
# makes anew each time (its system prompt, skill and agent listings, deferred tools, the
# environment with absolute paths and the OS version), request shapes and queue bookkeeping:
# 70-100 KB, none of it read back on a resume; and on each entry the machine's details.
KEPT_TYPES = {"user", "assistant", "system", "summary", "attachment"}
REGENERATED = {"prompt_snapshot", "skill_listing", "agent_listing_delta", "deferred_tools_delta",
               "environment", "date", "model", "session_context", "remote_session_change",
               "mcp_instructions_delta"}  # fmt: skip
MACHINE_FIELDS = {
    "cwd",
    "gitBranch",
    "version",
    "entrypoint",
    "userType",
    "sentAtMs",
    "promptSource",
    "rowSource",
    "turnOrigin",
    "turnPosition",
    "turnAttributionKey",
    "toolUseResult",
}  # fmt: skip  (toolUseResult repeats
#                                                the tool's output, which the message holds)


def kept(entry: dict[str, Any]) -> bool:
    if entry.get("type") not in KEPT_TYPES:
        return False
    attachment = entry.get("attachment")
    return not (isinstance(attachment, dict) and attachment.get("type") in REGENERATED)


class Trimmer:
    """Keeps what a resume needs of one conversation's entries, batch after batch: dropped
    entries are bridged, so each kept one's ``parentUuid`` names its nearest kept ancestor.

    ``kept_before``: the uuids the sidecar already keeps of it. A process that resumed the
    conversation goes on from entries an earlier process dropped; ``earlier`` (uuid -> parent,
    from this machine's transcript, read when first needed) leads from those to a kept one.
    """

    def __init__(
        self,
        kept_before: set[str] | None = None,
        earlier: Callable[[], dict[str, str | None]] | None = None,
    ) -> None:
        self._bridge: dict[str, str | None] = {}  # dropped uuid -> its nearest kept ancestor
        self._kept = set(kept_before or ())
        self._earlier = earlier
        self._earlier_parents: dict[str, str | None] | None = None

    def __call__(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for entry in entries:
            parent = self._nearest_kept(entry.get("parentUuid"))
            if not kept(entry):
                if entry.get("uuid"):
                    self._bridge[entry["uuid"]] = parent
                continue
            slim = {k: v for k, v in entry.items() if k not in MACHINE_FIELDS}
            if "parentUuid" in entry:
                slim["parentUuid"] = parent
            if entry.get("uuid"):
                self._kept.add(entry["uuid"])
            out.append(slim)
        return out

    def _nearest_kept(self, parent: str | None) -> str | None:
        seen: set[str] = set()
        while parent is not None and parent not in self._kept and parent not in seen:
            seen.add(parent)
            if parent in self._bridge:
                parent = self._bridge[parent]
            elif self._earlier is not None:
                if self._earlier_parents is None or parent not in self._earlier_parents:
                    self._earlier_parents = self._earlier()  # read (again: it grows) when needed
                if parent not in self._earlier_parents:
                    return parent  # nowhere to be found: left as it is
                parent = self._earlier_parents[parent]
            else:
                return parent
        return parent


def local_parents(session_id: str) -> dict[str, str | None]:
    """uuid -> parentUuid of every entry of this machine's transcript of ``session_id``."""
    return {e["uuid"]: e.get("parentUuid") for e in local_entries(session_id) if e.get("uuid")}
