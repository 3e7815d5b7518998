"""One conversation with Claude over a live Claude Code process.

A :class:`Session` keeps one Claude Code process open across turns (a warm turn costs tens of
milliseconds, a new process per turn hundreds), pre-assigns its session id so it is known before
the first answer, records each turn as a :class:`TurnRecord`, and reconnects by resuming the
same id when the process has died. The process is :class:`~ccmagic.sdk.client.ClaudeCode`;
what its messages mean is read by :mod:`ccmagic.sdk.reader`; which tools may run is decided by
the :class:`~ccmagic.sdk.gate.PermissionGate`. :class:`~ccmagic.session.blocking.BlockingSession`
is its twin for code that cannot await.

A session's lower-level arguments: ``start`` says where the conversation starts
(:class:`~ccmagic.core.start.Start`: a pre-assigned id, a resume, a fork, and the turns
before). ``journal`` is where it records (given by the magic's registry, which records the
conversation's start itself: ``reason=None``). ``toolbox`` adds tools of the caller's (the
kernel's ``notebook`` tools). ``on_record`` hooks are called with each finished turn before
the next prompt is sent.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccmagic.core.events import Notice, TurnEvent
from ccmagic.core.options import SessionOptions
from ccmagic.core.start import Start
from ccmagic.core.turns import CostMeter, CostSoFar, TurnRecord, known_totals
from ccmagic.notebook.location import default_sidecar
from ccmagic.sdk.client import ClaudeCode
from ccmagic.sdk.failures import ResumeRefused, TurnBroken, bundled_cli_path
from ccmagic.sdk.gate import PermissionGate
from ccmagic.sdk.options import agent_options
from ccmagic.sdk.reader import TurnReader
from ccmagic.session import tempdirs
from ccmagic.session.connection import extras, where
from ccmagic.session.live import live_sessions
from ccmagic.session.mainthread import MainThread
from ccmagic.session.recorder import Recorder
from ccmagic.session.toolbox import Toolbox
from ccmagic.sidecar.journal import Journal
from ccmagic.sidecar.redaction import environment_changed, shown_value

Prompt = str | list[dict[str, Any]]  # one text, or content blocks (text and images)
EventHandler = Callable[[TurnEvent], None]
RecordHook = Callable[[TurnRecord], None]


@dataclass
class _TurnInFlight:
    """The turn being asked: its task (to cancel), and its reader once the prompt is sent."""

    task: asyncio.Task[Any]
    reader: TurnReader | None = None
    stopped_early: bool = False  # interrupted before the prompt was sent


class Session:
    """A conversation with Claude: ``async with Session(name="review") as s: await s.query(...)``.

    It records itself: the conversation and each turn go to a sidecar (``sidecar``: a
    ``.claude.json`` path; by default the one ``ccmagic.history()`` reads, i.e. this kernel's
    notebook's, or ``ccmagic.claude.json`` in the working directory; ``False``: nothing is
    recorded), tagged with ``tags``. :meth:`resume` continues it later, in any process that
    has the sidecar. The lower-level arguments are described in the module's docstring.
    """

    def __init__(
        self,
        options: SessionOptions | None = None,
        *,
        name: str = "default",
        sidecar: str | Path | bool | None = None,
        tags: list[str] | tuple[str, ...] = (),
        start: Start | None = None,
        journal: Journal | None = None,
        reason: str | None = "start",
        toolbox: Toolbox | None = None,
    ) -> None:
        start = start or Start()
        self.options = options or SessionOptions()
        self.toolbox = toolbox
        if journal is None and sidecar is not False:
            journal = Journal.at(default_sidecar() if sidecar in (None, True) else str(sidecar))
        self.journal = journal
        self.name = name
        self.session_id = start.resume or start.session_id or str(uuid.uuid4())
        self.turns: list[TurnRecord] = list(start.history)
        self.fork_from = start.fork_from
        self._fork_at = (start.fork_at, start.drops_turn)
        self.prior = start.prior
        self.on_record: list[RecordHook] = []
        self._recorder: Recorder | None = None
        if journal is not None:
            announce = {"reason": reason, "tags": sorted(set(tags)), "parent": start.fork_from}
            recorder = self._recorder = Recorder(journal, announce if reason else None)
            self.on_record.append(lambda record: recorder.record(record, self.name, self.options))
        self.permissions = PermissionGate()
        self.main_thread = MainThread()  # where tool approvals and kernel tools run
        self.reconnect_notice: str | None = None  # what the next connect says, if it resumes
        self._first_turn = start.first_turn
        self._started = start.resume is not None  # Claude Code has a transcript to resume
        self._known_totals = dict(start.known_totals)
        self._process: ClaudeCode | None = None
        self._connecting: ClaudeCode | None = None
        self._connected_once = False
        self._meter = CostMeter()
        self._lock = asyncio.Lock()
        self._turn: _TurnInFlight | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._started_in = Path.cwd()  # where Claude Code runs when ``options.cwd`` is unset

    @classmethod
    def resume(cls, session: str, **kwargs: Any) -> Session:
        """:func:`ccmagic.resume`: the recorded conversation ``session``, ready to continue."""
        from ccmagic.session.resume import resume  # it builds Sessions: imported on use

        return resume(session, **kwargs)

    @property
    def connected(self) -> bool:
        return self._process is not None

    @property
    def busy(self) -> bool:
        """A turn is being asked."""
        return self._turn is not None

    @property
    def pid(self) -> int | None:
        """Process id of the live Claude Code CLI."""
        return self._process.pid if self._process is not None else None

    @property
    def next_turn(self) -> int:
        numbered = [t.turn for t in self.turns if t.turn is not None]
        return max([self._first_turn - 1, *numbered]) + 1

    @property
    def last_prompt_uuid(self) -> str | None:
        """The latest turn of this conversation as this process knows it: the next turn's
        parent (two kernels continuing one conversation each go on from their own)."""
        return next((t.prompt_uuid for t in reversed(self.turns) if t.turn is not None), None)

    @property
    def cost(self) -> CostSoFar:
        """What the conversation has cost so far (turns of unknown cost are counted apart)."""
        return self.prior + CostSoFar.of(self.turns)

    @property
    def known_totals(self) -> dict[int, float]:
        """Running totals the CLI reported in this conversation (and those it came from)."""
        return self._known_totals | known_totals(self.turns)

    def __repr__(self) -> str:
        """``<Session 'review' id=… · 3 turns · $0.0024 · live>``: what a notebook shows."""
        cost = self.cost
        turns = f"{cost.turns} turn{'s' if cost.turns != 1 else ''}"
        live = "live" if self.connected else "not live"
        return (
            f"<{type(self).__name__} {self.name!r} id={self.session_id} · {turns} · "
            f"{cost.text} · {live}>"
        )

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self, emit: EventHandler | None = None) -> None:
        """Start the Claude Code process: a new session, or a resume of this one."""
        self._started_in = Path.cwd()
        tempdirs.sweep_once()  # what dead kernels left
        start = where(self.session_id, self._started, self.fork_from, self._fork_at)
        added = extras(self.permissions, self._stderr.append, self.journal, self.toolbox,
                       self.main_thread)  # fmt: skip
        process = ClaudeCode(agent_options(self.options, start, added))
        await live_sessions().make_room(self)
        self._connecting = process
        cli = self.options.cli_path or str(bundled_cli_path())
        try:
            await process.start(cli, self.session_id, self.name)
        except ResumeRefused:
            # Claude Code could not vouch that only that turn is left out; fork anyway
            self._fork_at = (self._fork_at[0], None)
            await self.connect(emit)
            return
        finally:
            self._connecting = None
        if self._connected_once and emit is not None:
            died = f"Claude Code had stopped; reconnected by resuming {self.session_id}."
            emit(Notice(self.reconnect_notice or died))
        self.reconnect_notice = None
        self._process = process
        tempdirs.adopt(process.resume_dir)  # a resume from the store runs in a temp folder
        live_sessions().used(self)
        self._connected_once = True
        self._meter = CostMeter(known=self.known_totals)

    def announce(self, reason: str, **extra: Any) -> None:
        """Record how this conversation started (``branch``, with its parent and fork turn)
        together with its first turn."""
        if self._recorder is not None:
            self._recorder.announce(reason, **extra)

    async def close(self, grace: float = 5.0, notice: str | None = None) -> None:
        """Disconnect, ending the Claude Code process; the conversation can be resumed later.

        A process still there after ``grace`` seconds is killed. ``notice`` is what the next
        turn says when it resumes (by default, that Claude Code had stopped).
        """
        self.reconnect_notice = notice
        process, self._process = self._process, None
        live_sessions().gone(self)
        if process is None:
            return
        if self.journal is not None:  # what the last turn left queued (its last entries)
            self.journal.flush()
        folder = process.resume_dir  # the SDK forgets it on disconnecting
        await process.stop(grace)
        tempdirs.release(folder)  # the SDK's own removal races the exiting process

    async def interrupt(self) -> None:
        """Ask the running turn to stop; it ends soon after with what was written so far."""
        turn = self._turn
        if turn is None:
            return
        if turn.reader is None:  # still connecting: stop now, the prompt was never sent
            turn.stopped_early = True
            if self._connecting is not None:
                self._connecting.kill()
            turn.task.cancel()
        elif self._process is not None:
            await self._process.interrupt()

    def abort(self) -> None:
        """Cancel the running turn outright (when an interrupt was not enough)."""
        if self._turn is not None:
            self._turn.task.cancel()

    async def query(
        self,
        prompt: str,
        on_event: EventHandler | None = None,
        *,
        cell_id: str | None = None,
        attachments: dict[str, str] | None = None,
        images: list[dict[str, Any]] | None = None,
        batch: tuple[str, Any] | None = None,
        saw: list[dict[str, Any]] | None = None,
    ) -> TurnRecord:
        """Send one prompt and wait for the whole answer; the turn is recorded either way.
        ``batch`` is (batch name, item key) when the turn answers an item of a batch.

        ``attachments`` (name -> text, e.g. descriptions of kernel objects) are sent after the
        prompt; the record keeps the prompt as written and the names attached, and in its
        ``saw`` the fingerprints ``saw`` gives of them, then those of what the toolbox showed
        and the files Claude read (:mod:`ccmagic.core.fingerprints`). ``images``
        (Messages API image blocks, e.g. a figure's) go with them: the prompt then is a list of
        content blocks instead of one text.

        A try that never reached the model (not logged in, refused before any answer,
        interrupted while connecting) is recorded with ``turn=None``: it is not a turn of the
        conversation, and the next one takes its number.
        """
        if not prompt.strip():
            raise ValueError("the prompt is empty")
        emit = on_event or (lambda event: None)
        if self.journal is not None:
            self.journal.flush(transcripts_only=True)
        environment_changed()  # a credential set since the last turn is redacted
        async with self._lock:
            task = asyncio.current_task()
            assert task is not None
            turn = self._turn = _TurnInFlight(task)
            await self._ensure_connected(turn, emit)
            record = TurnRecord(self.name, self.session_id, self.next_turn, prompt, cell_id=cell_id,
                                asked_with=self.options.answer_changing(),
                                attached=list(attachments or {}),
                                after=self.last_prompt_uuid, saw=list(saw or []))  # fmt: skip
            if batch is not None:
                record.batch, record.item = batch
            root = Path(self.options.cwd or os.getcwd()).expanduser()
            reader = TurnReader(record, emit, self._meter, root, clean=shown_value)
            content = _with_attachments(prompt, attachments or {}, images or [])
            await _ask_turn(self, turn, reader, content)
            # Claude Code keeps the prompt of any try it received, answered or not
            self._started = self._started or reader.reached or reader.result is not None
            self.turns.append(record)
            for hook in self.on_record:
                hook(record)
            return record

    async def _ensure_connected(self, turn: _TurnInFlight, emit: EventHandler) -> None:
        if self._process is not None:
            live_sessions().used(self)
            return
        try:
            await self.connect(emit)
        except asyncio.CancelledError:  # aborted while connecting: nothing was sent
            turn.stopped_early = True
            await self.close(grace=0.5, notice=self.reconnect_notice)
        except BaseException:
            self._turn = None
            raise


async def _ask_turn(
    session: Session, turn: _TurnInFlight, reader: TurnReader, text: Prompt
) -> None:
    """One turn on a connected ``session``: the gate and the toolbox follow it, an interrupt
    or a dying process ends it, and a try that never reached the model gets no number."""
    record = reader.record
    started = time.monotonic()
    session.permissions.begin(record, reader.emit, session.options.tool_policy(session._started_in))
    if session.toolbox is not None:
        session.toolbox.begin_turn()
    try:
        if turn.stopped_early:
            record.interrupted = True
        else:
            turn.reader = reader
            assert session._process is not None
            await _read_turn(session._process, reader, text)
            if not reader.finish():  # the process ended during the turn
                await session.close()
    except asyncio.CancelledError:
        record.interrupted = True
        record.response = record.response or reader.partial_text
        await session.close(
            grace=0.5, notice=f"Resumed {session.name} after the interrupted answer."
        )
    finally:
        session._turn = None
        session.permissions.end()
        if session.toolbox is not None:
            record.saw += session.toolbox.seen()
    if not record.duration_ms:
        record.duration_ms = int((time.monotonic() - started) * 1000)
    if not reader.reached:
        record.turn = None  # recorded, but not a turn of the conversation


async def _read_turn(process: ClaudeCode, reader: TurnReader, text: Prompt) -> None:
    """Ask ``text`` and read the answer into ``reader``; a failed process is the turn's error."""
    prompt_uuid = reader.record.prompt_uuid = str(uuid.uuid4())
    try:
        async for message in process.ask(text, prompt_uuid):
            reader.read(message)
    except TurnBroken as broken:
        reader.record.error, reader.record.error_kind = broken.message, broken.kind


def _with_attachments(
    prompt: str, attachments: dict[str, str], images: list[dict[str, Any]]
) -> Prompt:
    """The prompt as sent: the attached descriptions after it, and the images (content blocks)
    after that, when there are any."""
    blocks = [
        f"<attached name={name!r}>\n{text}\n</attached>" for name, text in attachments.items()
    ]
    text = prompt + "\n\n" + "\n".join(blocks) if blocks else prompt
    return [{"type": "text", "text": text}, *images] if images else text
