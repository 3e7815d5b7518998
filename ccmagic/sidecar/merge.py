"""Merging two sidecars, as git's merge driver for ``*.claude.json``, and showing one as text.

Every append rewrites a sidecar's closing line, so two branches that each added turns always
conflict line by line. The driver merges by structure instead: every event of both sides
once, in time order (turns by session id, turn and prompt; transcript entries by uuid; other
events by content), into a valid sidecar.

Both sides may have continued the same conversation (two colleagues, one session): both lines
are kept. The side that went on last keeps the conversation; the other side's turns since
they parted become a branch of it (a conversation of its own that forks from the common part
at that side's last transcript entry), and the next cell says so.

``ccmagic git-setup [--global]`` registers the driver (and a text diff) with git: see
:mod:`ccmagic.cli.git`, which holds the git side of it.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from ccmagic.sidecar.file import Sidecar, now_iso
from ccmagic.sidecar.fold import turn_key
from ccmagic.sidecar.format import TRAILER
from ccmagic.sidecar.locking import locked

Event = dict[str, Any]
BRANCHES = uuid.UUID("6f0c2c6a-3f58-4b5e-9d43-1d8e2b6f0a11")  # names merged-in lines


def _events(path: Path) -> tuple[dict[str, Any], list[Event]]:
    """A side's header and events (an empty or missing ancestor has none)."""
    if not path.exists() or path.stat().st_size == 0:
        return {}, []
    side = Sidecar(path)  # the one reader of the format: a damaged or newer side is refused
    return side.header(), list(side.events())


def _identity(event: Event) -> str:
    """What makes two events the same one (on either side)."""
    kind = event.get("event")
    if kind == "turn":
        return f"turn {turn_key(event)}"
    return json.dumps(event, sort_keys=True)


def _time(event: Event) -> str:
    if event.get("event") == "turn":
        return str(event.get("started_at") or "")
    if event.get("event") == "transcript":
        stamps = [e.get("timestamp") for e in event.get("entries", []) if e.get("timestamp")]
        return str(min(stamps)) if stamps else ""
    return str(event.get("at") or "")


def merge(ancestor: Path, ours: Path, theirs: Path) -> str:
    """Merge ``theirs`` into ``ours`` (written in place); returns what was done, to say."""
    _, base = _events(ancestor)
    header, mine = _events(ours)
    other_header, others = _events(theirs)
    header = header or other_header
    known = {_identity(e) for e in base}
    new_mine = [e for e in mine if _identity(e) not in known]
    new_theirs = [e for e in others if _identity(e) not in known]
    events, said = _reconcile(base, new_mine, new_theirs)
    _write(ours, header, events)
    return said


def _reconcile(
    base: list[Event], mine: list[Event], theirs: list[Event]
) -> tuple[list[Event], str]:
    """The merged events: each once; a conversation both sides continued split in two."""
    in_mine, in_theirs = {_identity(e) for e in mine}, {_identity(e) for e in theirs}
    diverged = _diverged([e for e in mine if _identity(e) not in in_theirs],
                         [e for e in theirs if _identity(e) not in in_mine])  # fmt: skip
    moved: dict[str, str] = {}  # the older line's session id -> its new one, per conversation
    extra: list[Event] = []
    said = []
    for session_id, (older, newer) in diverged.items():
        numbered = [e for e in older if e.get("event") == "turn" and e.get("turn") is not None]
        first = min(
            (e for e in numbered if e.get("session_id") == session_id), key=lambda e: e["turn"]
        )  # fmt: skip  (a try never sent has no number)
        branch = str(uuid.uuid5(BRANCHES, f"{session_id} {_identity(first)}"))
        moved[session_id] = branch
        name = first.get("session", "")
        extra.append({
            "event": "session", "session": name, "session_id": branch, "reason": "branch",
            "parent": session_id, "fork_turn": first["turn"] - 1,
            "at": first.get("started_at", ""),
        })  # fmt: skip
        extra += _transcript_of_line([*base, *mine, *theirs], older, session_id, branch)
        last = max(_time(e) for e in newer if e.get("event") == "turn")
        note = (
            f"Merged: session {name} was continued on both branches; it goes on with the line "
            f"continued last ({last[:16].replace('T', ' ')} UTC); the other is kept as "
            f"branch {branch} (`%claude resume {branch} --session {name}-2` goes on with it)."
        )
        extra.append({"event": "session", "session": name, "session_id": session_id,
                      "reason": "current", "note": note, "at": now_iso()})  # fmt: skip
        said.append(note)
    older_sides = {sid: {id(e) for e in older} for sid, (older, _) in diverged.items()}
    merged: list[Event] = []
    seen: set[str] = set()
    for event in [*base, *mine, *theirs, *extra]:
        key = _identity(event)
        if key in seen:
            continue
        seen.add(key)
        merged.append(_moved(event, moved, older_sides))
    # in time order (the line continued last then ends the file, and Claude Code resumes a
    # conversation from its last entry); the merge's own notes after everything
    order = {id(e): n for n, e in enumerate(merged)}
    timed = sorted(
        merged[len(base) :],
        key=lambda e: (e.get("reason") == "current", _time(e), order[id(e)]),
    )
    return _one_transcript_per_batch([*merged[: len(base)], *timed]), "\n".join(said)


def _diverged(mine: list[Event], theirs: list[Event]) -> dict[str, tuple[list[Event], list[Event]]]:
    """Conversations both sides added turns to: (the side that went on first, the other)."""

    def turns(events: list[Event]) -> dict[str, list[Event]]:
        by_id: dict[str, list[Event]] = {}
        for event in events:
            if event.get("event") == "turn" and event.get("turn") is not None:
                by_id.setdefault(event["session_id"], []).append(event)
        return by_id

    ours, others = turns(mine), turns(theirs)
    found = {}
    for session_id in ours.keys() & others.keys():
        last_ours = max(_time(e) for e in ours[session_id])
        last_theirs = max(_time(e) for e in others[session_id])
        found[session_id] = (mine, theirs) if last_ours < last_theirs else (theirs, mine)
    return found


def _moved(event: Event, moved: dict[str, str], older: dict[str, set[int]]) -> Event:
    """The older line's turns of a diverged conversation go to its branch."""
    session_id = event.get("session_id")
    if event.get("event") != "turn" or session_id not in moved:
        return event
    if id(event) in older[session_id]:
        return event | {"session_id": moved[session_id]}
    return event


def _transcript_of_line(
    every: list[Event], older: list[Event], session_id: str, branch: str
) -> list[Event]:
    """The older line's transcript as one of its own: the last entry that side added and its
    ancestors, back to the conversation's start (so the branch resumes on any machine)."""
    entries: dict[str, Event] = {}
    key: dict[str, Any] = {}
    for event in every:
        if event.get("event") == "transcript" and event["key"].get("session_id") == session_id:
            key = key or dict(event["key"])
            entries.update((e["uuid"], e) for e in event.get("entries", []) if e.get("uuid"))
    last = None
    for event in older:
        if event.get("event") == "transcript" and event["key"].get("session_id") == session_id:
            last = next((e["uuid"] for e in reversed(event["entries"]) if e.get("uuid")), last)
    chain = []
    while last is not None and last in entries:
        chain.append(entries[last] | {"sessionId": branch})
        last = entries[last].get("parentUuid")
    if not chain:
        return []
    return [{"event": "transcript", "key": key | {"session_id": branch}, "entries": chain[::-1]}]


def _one_transcript_per_batch(events: list[Event]) -> list[Event]:
    """Transcript entries each once per conversation (by uuid), in the order they came."""
    seen: set[tuple[str, str]] = set()
    out = []
    for event in events:
        if event.get("event") != "transcript":
            out.append(event)
            continue
        owner = str(event["key"].get("session_id"))
        fresh = [e for e in event.get("entries", [])
                 if not e.get("uuid") or (owner, e["uuid"]) not in seen]  # fmt: skip
        seen.update((owner, e["uuid"]) for e in fresh if e.get("uuid"))
        if fresh:
            out.append(event | {"entries": fresh})
    return out


def _write(path: Path, header: dict[str, Any], events: list[Event]) -> None:
    """The merged sidecar, written whole under the file's own lock (see locking.py)."""
    head = json.dumps(header, ensure_ascii=False)[:-1] + ', "log": ['
    lines = [json.dumps(e, ensure_ascii=False, separators=(", ", ": ")) for e in events]
    body = (",\n".join(lines) + "\n") if lines else ""
    data = head.encode() + b"\n" + body.encode() + TRAILER[1:]
    with locked(path, exclusive=True, create=True) as hold:
        assert hold.fd is not None
        os.ftruncate(hold.fd, 0)
        written = 0
        while written < len(data):
            written += os.pwrite(hold.fd, data[written:], written)
        os.fsync(hold.fd)


def text_of(path: Path) -> str:
    """A sidecar as readable text, one block per turn (git diff's textconv)."""
    blocks = []
    for event in Sidecar(path).events(("session", "turn")):
        if event["event"] == "session":
            blocks.append(f"== session {event.get('session')} ({event.get('reason')}) "
                          f"{event.get('session_id')}")  # fmt: skip
            continue
        cost = event.get("cost_usd")
        head = (f"-- {event.get('session')} #{event.get('turn') or '-'} · "
                f"{str(event.get('started_at'))[:16]} · "
                f"{'cost unknown' if cost is None else f'${cost:.4g}'}")  # fmt: skip
        blocks.append(f"{head}\n> " + str(event.get("prompt", "")).replace("\n", "\n> ")
                      + "\n" + str(event.get("response", "")))  # fmt: skip
    return "\n\n".join(blocks) + "\n"
