"""The sidecar's file format: its names, its version, and the shapes of its events.

A sidecar is one JSON document, one event per line (see :mod:`ccmagic.sidecar.file`). Events
are only ever appended; readers skip kinds and keys they do not know, so a newer ccmagic may
add them without a new version. ``version`` changes only when an older reader would misread.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

FORMAT = "ccmagic-sidecar"
VERSION = 1
TRAILER = b"\n]}\n"
SUFFIX = ".claude.json"
RECOVERY_SUFFIX = ".claude.recovery.json"

Reason = Literal["start", "new", "fork", "branch", "resume", "notebook", "batch", "current"]
INHERITING = ("fork", "branch", "batch")  # reasons whose conversation keeps its parent's turns

Event = dict[str, Any]  # any event as read; the TypedDicts below say what each kind holds


class SessionEvent(TypedDict):
    """A conversation begins under a name, is named again, or (``current``, written by a
    merge) is the one its name goes on with."""

    event: Literal["session"]
    session: str
    session_id: str
    reason: Reason
    at: str
    options: NotRequired[dict[str, Any]]  # SessionOptions.to_record()
    parent: NotRequired[str]  # the conversation it was forked or branched from
    fork_turn: NotRequired[int]  # the parent's last turn it keeps
    tags: NotRequired[list[str]]
    transcripts: NotRequired[Literal["none"]]
    note: NotRequired[str]  # with "current": what the next cell says once


class TurnEvent(TypedDict, total=False):
    """One prompt and its answer: ``TurnRecord.to_dict()`` plus ``event`` and ``after``."""

    event: Literal["turn"]
    session: str
    session_id: str
    turn: int | None  # None: a try that never reached the model
    prompt_uuid: str | None  # names the turn in every copy of the sidecar
    after: str | None  # the prompt_uuid of the turn it followed (its parent in the tree)
    cost_usd: float | None


class TagsEvent(TypedDict):
    event: Literal["tags"]
    session: str
    session_id: str
    tags: list[str]


class TranscriptEvent(TypedDict):
    """Claude Code's transcript entries, as the SDK's SessionStore hands them over."""

    event: Literal["transcript"]
    key: dict[str, str]  # project_key (a digest), session_id, subpath for subagents
    entries: list[dict[str, Any]]
