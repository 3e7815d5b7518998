"""The one reading of a sidecar's events: conversations, and the tree of turns they form.

Every turn knows its parent turn: the turn it followed in the same conversation, or, for the
first turn of a fork, branch or batch item, the turn it was forked at. A *line* is the path
from a root to a head: what Claude remembers when it answers at that head. An edited cell, a
fork, a merged-in branch, a batch item or a second kernel continuing the same conversation
each start a new line at their parent, numbered per session name in the order they began
(``analysis #3`` on the first line, ``analysis ⎇2 #3`` on the second).

Totals come from here too, with one meaning each:

- *spent* under a name: every turn ever asked under it, on every line (what the bill says);
- *this line*: the turns on the path to a head (what Claude remembers), whoever asked them.

Replay, the views, the Python API, batches, the merge driver and the ``ccmagic`` command all
read this fold. Events are applied in file order and the fold is kept up to date by appending
(see :class:`~ccmagic.sidecar.journal.Journal`), so a warm cell never re-reads the file. Turn
records are made from their events only when asked for: ``history()`` of 10,000 turns reads
the events' dicts directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ccmagic.core.turns import COST_DIGITS, CostSoFar, Standing, TurnRecord, known_totals
from ccmagic.sidecar.format import INHERITING, Event

LINE_MARK = "⎇"  # U+2387, in DejaVu Sans: "analysis ⎇2 #3" is a turn of line 2


def turn_key(event: dict[str, Any]) -> str:
    """What names a turn in every copy of the sidecar: its prompt's transcript uuid, or for
    turns recorded before prompts had one, its conversation, number and start time."""
    uuid = event.get("prompt_uuid")
    if uuid:
        return str(uuid)
    return f"{event.get('session_id')}#{event.get('turn')}@{event.get('started_at')}"


def label(name: str, line: int | None, turn: int | None) -> str:
    """``analysis #3``, ``analysis ⎇2 #3``; a try that never reached the model has no number."""
    where = f"{name} {LINE_MARK}{line}" if line and line > 1 else name
    return f"{where} #{turn}" if turn is not None else f"{where} (not sent)"


def _known_cost(event: Event) -> float | None:
    """A turn's cost as its event holds it (no record is made); ``None`` when unknown."""
    cost = event.get("cost_usd")
    if isinstance(cost, int | float) and not isinstance(cost, bool) and cost == cost:
        return float(cost)
    return None


class Turn:
    """One recorded turn in the tree (a try that never reached the model is kept, unlinked)."""

    __slots__ = (
        "_record",
        "children",
        "conversation",
        "event",
        "key",
        "line",
        "name",
        "number",
        "parent",
    )  # fmt: skip  (thousands are made per fold)

    def __init__(self, event: Event, conversation: Conversation, parent: Turn | None) -> None:
        self._record: TurnRecord | None = None
        self.event = event
        self.key = turn_key(event)
        self.conversation = conversation
        self.parent = parent
        self.children: list[Turn] = []
        self.line = 0  # the line of its session name it was asked on (0: not sent)
        self.name = str(event.get("session", ""))
        number = event.get("turn")
        self.number = number if isinstance(number, int) else None

    @property
    def record(self) -> TurnRecord:
        """The turn as a record, made on first use (``history()`` reads events directly)."""
        if self._record is None:
            self._record = TurnRecord.from_dict(self.event)
        return self._record

    @property
    def label(self) -> str:
        return label(self.name, self.line, self.number)

    def path(self) -> list[Turn]:
        """The turns from the root to this one: the line Claude remembered here."""
        path: list[Turn] = []
        node: Turn | None = self
        while node is not None:
            path.append(node)
            node = node.parent
        return path[::-1]


@dataclass
class Conversation:
    """One Claude session id as the sidecar knows it."""

    session: str
    session_id: str
    reason: str = "start"
    parent: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    started_at: str = ""
    fork_turn: int | None = None  # the parent's last turn it keeps (a fork or branch)
    transcripts: str | None = None  # "none": its transcript was kept out of the sidecar
    note: str | None = None  # what to say when it is next continued (after a merge)
    nodes: list[Turn] = field(default_factory=list)  # its own turns and tries, in file order
    _latest: dict[int, Turn] = field(default_factory=dict, repr=False)  # number -> last one

    @property
    def turns(self) -> list[TurnRecord]:
        """Its own turns and tries as records, in the order they were recorded."""
        return [node.record for node in self.nodes]

    @property
    def head(self) -> Turn | None:
        """Its latest turn that reached the model."""
        return next((n for n in reversed(self.nodes) if n.number is not None), None)

    @property
    def inherits(self) -> bool:
        return bool(self.parent) and self.reason in INHERITING

    def numbered(self, number: int | None) -> Turn | None:
        """Its latest turn numbered ``number`` at most (``None``: its latest)."""
        if number is None:
            return self.head
        if number in self._latest:
            return self._latest[number]
        head = self.head
        if head is not None and head.number is not None and head.number <= number:
            return head  # numbers with gaps (older sidecars): the latest below is the head
        below = [n for n in self._latest if n <= number]
        return self._latest[max(below)] if below else None


class TurnTree:
    """The sidecar's events folded: conversations by id, the current one of each name, and
    every turn linked to its parent."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.current: dict[str, str] = {}  # session name -> the conversation it goes on with
        self.nodes: list[Turn] = []  # every turn and try, in file order
        self._by_key: dict[str, Turn] = {}
        self._lines: dict[str, int] = {}  # session name -> lines begun under it
        self._spent: dict[str, list[float]] = {}  # name -> [known USD, unknown turns, turns]
        for event in events:
            self.apply(event)

    # -- folding -------------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        kind = event.get("event")
        if kind == "session":
            self._session(event)
        elif kind == "turn":
            self._turn(event)
        elif kind == "tags":
            tagged = self.conversations.get(str(event.get("session_id")))
            if tagged is not None:
                tagged.tags = sorted(set(tagged.tags) | set(event.get("tags") or []))

    def _session(self, event: Event) -> None:
        known = self.conversations.get(str(event.get("session_id")))
        if event.get("reason") == "current":
            # a merge names the line a session goes on with; the rest of it stays as it was
            if known is not None:
                self.current[known.session] = known.session_id
                known.note = event.get("note")
            return
        conversation = Conversation(
            session=event["session"],
            session_id=event["session_id"],
            reason=event.get("reason", "start"),
            parent=event.get("parent"),
            options=event.get("options") or {},
            tags=list(event.get("tags") or []),
            started_at=event.get("at", ""),
            fork_turn=event.get("fork_turn"),
            transcripts=event.get("transcripts"),
        )
        if known is not None:  # the same conversation under a name again: its past stays
            conversation.nodes, conversation._latest = known.nodes, known._latest
            conversation.parent = conversation.parent or known.parent
            if conversation.fork_turn is None:
                conversation.fork_turn = known.fork_turn
            if conversation.reason not in INHERITING and known.reason in INHERITING:
                conversation.reason = known.reason
        self.conversations[conversation.session_id] = conversation
        self.current[conversation.session] = conversation.session_id

    def _turn(self, event: Event) -> None:
        session_id = str(event.get("session_id"))
        conversation = self.conversations.get(session_id)
        if conversation is None:
            conversation = Conversation(str(event.get("session")), session_id)
            self.conversations[session_id] = conversation
        self.current.setdefault(conversation.session, session_id)
        conversation.note = None  # said with the turn that continued it
        number = event.get("turn")
        if not isinstance(number, int):  # a try that never reached the model
            conversation.nodes.append(Turn(event, conversation, None))
            self.nodes.append(conversation.nodes[-1])
            return
        if turn_key(event) in self._by_key:  # the same turn twice (merged by hand): once
            return
        node = Turn(event, conversation, self._parent_of(event, conversation, number))
        node.line = self._line_of(node)
        if node.parent is not None:
            node.parent.children.append(node)
        conversation.nodes.append(node)
        conversation._latest[number] = node
        self.nodes.append(node)
        self._by_key[node.key] = node
        spent = self._spent.setdefault(node.name, [0.0, 0, 0])
        cost = _known_cost(event)
        spent[0] += cost or 0.0
        spent[1] += cost is None
        spent[2] += 1

    def _parent_of(self, event: Event, conversation: Conversation, number: int) -> Turn | None:
        """The turn this one followed: named by the turn itself (``after``), else the latest
        earlier turn of its conversation, else the turn its conversation was forked at."""
        after = event.get("after")
        if after and after in self._by_key:
            return self._by_key[after]
        before = conversation.numbered(number - 1)
        if before is not None:
            return before
        if conversation.inherits:
            parent = self.conversations.get(conversation.parent or "")
            if parent is not None and parent is not conversation:
                if conversation.fork_turn == 0:
                    return None
                return parent.numbered(conversation.fork_turn)
        return None

    def _line_of(self, node: Turn) -> int:
        """The line a new turn is on: its parent's, unless the parent already went on under
        this name (an edit, a second kernel) or the turn begins a name's line afresh."""
        name, parent = node.name, node.parent
        continues = (
            parent is not None
            and parent.name == name
            and not any(child.name == name for child in parent.children)
        )
        if continues:
            assert parent is not None
            return parent.line
        if name not in self._lines and (parent is None or parent.name != name):
            self._lines[name] = 1
            return 1
        self._lines[name] = self._lines.get(name, 0) + 1
        return self._lines[name]

    # -- reading -------------------------------------------------------------------------------
    def conversation(self, name: str) -> Conversation | None:
        session_id = self.current.get(name)
        return self.conversations.get(session_id) if session_id else None

    def find(self, name_or_id: str) -> Conversation | None:
        """The conversation a name currently stands for, or the one of that session id."""
        return self.conversation(name_or_id) or self.conversations.get(name_or_id)

    def head_of(self, session_id: str) -> Turn | None:
        """Where a conversation stands: its latest turn, or where it was forked."""
        conversation = self.conversations.get(session_id)
        if conversation is None:
            return None
        head = conversation.head
        if head is None and conversation.inherits:
            parent = self.conversations.get(conversation.parent or "")
            if parent is not None and parent is not conversation and conversation.fork_turn != 0:
                head = parent.numbered(conversation.fork_turn)
        return head

    def line_of(self, session_id: str) -> list[TurnRecord]:
        """The turns Claude remembers in a conversation, oldest first."""
        head = self.head_of(session_id)
        return [node.record for node in head.path()] if head is not None else []

    def line(self, name: str) -> list[TurnRecord]:
        """The current line of a session name."""
        session_id = self.current.get(name)
        return self.line_of(session_id) if session_id else []

    def node(self, record: TurnRecord | Event) -> Turn | None:
        if isinstance(record, dict):
            return self._by_key.get(turn_key(record))
        keys = {"prompt_uuid": record.prompt_uuid, "session_id": record.session_id,
                "turn": record.turn, "started_at": record.started_at}  # fmt: skip
        return self._by_key.get(turn_key(keys))

    def label_of(self, record: TurnRecord) -> str:
        """How cells show this turn (a turn not in the tree is shown as on the first line)."""
        node = self.node(record)
        return node.label if node is not None else label(record.session, 1, record.turn)

    def labels(self, turns: list[TurnRecord], most: int = 5) -> str:
        """``analysis #3, analysis #4`` (at most ``most`` named; how many more, after them)."""
        named = ", ".join(self.label_of(t) for t in turns[:most])
        return named + (f" and {len(turns) - most} more" if len(turns) > most else "")

    def standing(
        self,
        record: TurnRecord,
        line: CostSoFar,
        *,
        replayed: bool = False,
        unrecorded: CostSoFar | None = None,
    ) -> Standing:
        """How a cell's footer places the turn: its label, what was spent under its name
        (as of when it was asked, for a replay), and what ``line`` (its line) holds.
        ``unrecorded``: earlier turns only the notebook's outputs know (a lost sidecar)."""
        spent = self.spent_until(record) if replayed else self.spent(record.session)
        return Standing(self.label_of(record), spent + (unrecorded or CostSoFar()), line)

    def spent(self, name: str) -> CostSoFar:
        """Every turn ever asked under ``name``, on every line."""
        known, unknown, turns = self._spent.get(name, (0.0, 0, 0))
        return CostSoFar(round(known, COST_DIGITS), int(unknown), int(turns))

    def spent_until(self, record: TurnRecord) -> CostSoFar:
        """What had been spent under the turn's name when it was asked (a replayed footer)."""
        node = self.node(record)
        if node is None:
            return self.spent(record.session)
        until = self.nodes[: self.nodes.index(node) + 1]
        return CostSoFar.of([n.record for n in until if n.name == node.name])

    def lines(self, name: str) -> int:
        return self._lines.get(name, 0)

    def turns(self) -> Iterator[Turn]:
        return iter(self.nodes)

    def lineage_totals(self, session_id: str) -> dict[int, float]:
        """Running totals the CLI reported on a conversation's line (a resume or fork may
        restore any of them)."""
        totals: dict[int, float] = {}
        seen: set[str] = set()
        conversation = self.conversations.get(session_id)
        while conversation is not None and conversation.session_id not in seen:
            seen.add(conversation.session_id)
            totals = known_totals(conversation.turns) | totals
            conversation = self.conversations.get(conversation.parent or "")
        return totals

    def last_turn(self, session_id: str | None) -> int:
        conversation = self.conversations.get(session_id or "")
        numbered = [n.number for n in conversation.nodes if n.number] if conversation else []
        return max(numbered, default=0)
