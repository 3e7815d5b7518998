"""One conversation with Claude over a live ``ClaudeSDKClient``, and its blocking twin.

A :class:`Session` keeps one Claude Code process open across turns (a warm turn costs tens of
milliseconds, a new process per turn hundreds), pre-assigns its session id so it is known before
the first answer, records each turn as a :class:`TurnRecord`, and reconnects by resuming the
same id when the process has died. :class:`BlockingSession` runs one on the shared loop thread
for code that cannot await, such as a cell magic. What the SDK's messages mean is read by
:mod:`ccmagic.sdk.reader`; which tools may run is decided by :class:`PermissionGate`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import signal
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from ccmagic.core.events import Aside, Notice, TurnEvent
from ccmagic.core.options import SessionOptions
from ccmagic.core.turns import CostMeter, CostSoFar, TurnRecord, known_totals
from ccmagic.errors import UnknownSession
from ccmagic.notebook.location import default_sidecar
from ccmagic.sdk.failures import (
    bundled_cli_path,
    first_line,
    is_missing_conversation,
    no_transcript,
    startup_failure,
)
from ccmagic.sdk.permissions import ApprovalRequest, Decision, PermissionGate
from ccmagic.sdk.reader import TurnReader
from ccmagic.session.live import LIVE
from ccmagic.session.loop import LoopThread, shared_loop, wait_interruptibly
from ccmagic.session.mainthread import Interrupted, MainThread, MainThreadCall
from ccmagic.sidecar.journal import Journal
from ccmagic.sidecar.transcripts import local_transcript_exists

if TYPE_CHECKING:
    from claude_agent_sdk import ClaudeSDKClient

EventHandler = Callable[[TurnEvent], None]
RecordHook = Callable[[TurnRecord], None]

# The SDK logs a dying CLI as an error on its own; we report it in the cell instead. Logging
# that an application configures still receives these records.
logging.getLogger("claude_agent_sdk").addHandler(logging.NullHandler())


class Toolbox(Protocol):
    """Tools a session offers Claude beyond Claude Code's own: an in-process MCP server whose
    tools run on the thread waiting for the turn (see :mod:`ccmagic.ipython.kernel_tools`)."""

    name: str  # the server's name: its tools are mcp__<name>__<tool>
    read_only: tuple[str, ...]  # its tools that run without asking

    def server(self, main_thread: MainThread) -> dict[str, Any]: ...
    def instructions(self) -> str: ...  # appended to Claude Code's system prompt
    def refusal(self, tool: str, tool_input: dict[str, Any]) -> str | None: ...
    def begin_turn(self) -> None: ...


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
    recorded), tagged with ``tags``. :func:`resume` (``Session.resume``) continues it later,
    in any process that has the sidecar.

    Lower level: ``session_id`` pre-assigns the id of a new conversation; ``resume`` continues
    an existing one (its earlier records may be passed as ``history`` so turn numbers and costs
    carry on); ``fork_from`` branches a new conversation off another, at its transcript entry
    ``fork_at`` if given (``drops_turn``: the prompt of the one turn that fork leaves out, for
    Claude Code to check). Turns are numbered on from
    ``first_turn`` at least; ``prior`` is what earlier turns not in ``history`` cost.
    ``journal`` is where it records (given by the magic's registry, which records the
    conversation's start itself: ``reason=None``). ``toolbox`` adds tools of the caller's
    (the kernel's ``notebook`` tools). ``on_record`` hooks are called with each finished turn
    before the next prompt is sent.
    """

    def __init__(
        self,
        options: SessionOptions | None = None,
        *,
        name: str = "default",
        sidecar: str | Path | bool | None = None,
        tags: list[str] | tuple[str, ...] = (),
        journal: Journal | None = None,
        reason: str | None = "start",
        session_id: str | None = None,
        resume: str | None = None,
        fork_from: str | None = None,
        fork_at: str | None = None,
        drops_turn: str | None = None,
        first_turn: int = 1,
        history: list[TurnRecord] | None = None,
        known_totals: dict[int, float] | None = None,
        prior: CostSoFar | None = None,
        toolbox: Toolbox | None = None,
    ) -> None:
        self.options = options or SessionOptions()
        self.toolbox = toolbox
        if journal is None and sidecar is not False:
            path = default_sidecar() if sidecar in (None, True) else Path(str(sidecar))
            journal = Journal.at(path)
        self.journal = journal
        # how the conversation started: written with its first turn, so a process killed
        # before that turn ends leaves no empty conversation (nor a half branch) behind
        self._announce: dict[str, Any] | None = (
            {"reason": reason, "tags": sorted(set(tags)), "parent": fork_from}
            if journal is not None and reason
            else None
        )
        self.name = name
        self.session_id = resume or session_id or str(uuid.uuid4())
        self.turns: list[TurnRecord] = list(history or [])
        self.fork_from = fork_from
        self._fork_at = (fork_at, drops_turn)
        self.prior = prior or CostSoFar()
        self.on_record: list[RecordHook] = []
        if journal is not None:
            self.on_record.append(self._record)
        self.permissions = PermissionGate()
        self.main_thread = MainThread()  # where tool approvals and kernel tools run
        self.reconnect_notice: str | None = None  # what the next connect says, if it resumes
        self._first_turn = first_turn
        self._started = resume is not None  # Claude Code has a transcript to resume
        self._known_totals = dict(known_totals or {})
        self._client: ClaudeSDKClient | None = None
        self._connecting: ClaudeSDKClient | None = None
        self._connected_once = False
        self._meter = CostMeter()
        self._lock = asyncio.Lock()
        self._turn: _TurnInFlight | None = None
        self._stderr: deque[str] = deque(maxlen=20)

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def busy(self) -> bool:
        """A turn is being asked."""
        return self._turn is not None

    @property
    def pid(self) -> int | None:
        """Process id of the live Claude Code CLI (the SDK keeps it on its transport)."""
        return _pid_of(self._client)

    @property
    def next_turn(self) -> int:
        numbered = [t.turn for t in self.turns if t.turn is not None]
        return max([self._first_turn - 1, *numbered]) + 1

    @property
    def cost(self) -> CostSoFar:
        """What the conversation has cost so far (turns of unknown cost are counted apart)."""
        return self.prior + CostSoFar.of(self.turns)

    @property
    def known_totals(self) -> dict[int, float]:
        """Running totals the CLI reported in this conversation (and those it came from)."""
        return self._known_totals | known_totals(self.turns)

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self, emit: EventHandler | None = None) -> None:
        """Start the Claude Code process: a new session, or a resume of this one."""
        from claude_agent_sdk import ClaudeSDKClient, ClaudeSDKError
        from claude_agent_sdk.types import CanUseToolShadowedWarning

        extra: dict[str, Any] = {"stderr": self._stderr.append, "can_use_tool": self.permissions}
        if self.journal is not None:
            extra["session_store"] = self.journal.store
        if self.toolbox is not None:
            extra |= self._toolbox_options(self.toolbox)
        if self._started or local_transcript_exists(self.session_id):
            options = self.options.to_sdk(resume=self.session_id, **extra)
        elif self.fork_from:
            at, drops = self._fork_at
            if at:
                extra |= {"resume_session_at": at}
            if drops:
                extra |= {"resume_drops_turn": drops}
            options = self.options.to_sdk(
                resume=self.fork_from, fork=True, session_id=self.session_id, **extra
            )
        else:
            options = self.options.to_sdk(session_id=self.session_id, **extra)
        client = ClaudeSDKClient(options)
        await LIVE.make_room(self)
        self._connecting = client
        try:
            with warnings.catch_warnings():
                # some tools are allowed outright on purpose; the rest reach the gate
                warnings.simplefilter("ignore", CanUseToolShadowedWarning)
                await client.connect()
        except (ClaudeSDKError, OSError) as exc:
            if self._fork_at[1] and "--resume-drops-turn" in str(exc):
                # Claude Code could not vouch that only that turn is left out; fork anyway
                self._fork_at = (self._fork_at[0], None)
                await self.connect(emit)
                return
            cli = self.options.cli_path or str(bundled_cli_path())
            raise startup_failure(exc, cli, self.session_id, self.name) from exc
        finally:
            self._connecting = None
        if self._connected_once and emit is not None:
            emit(Notice(self.reconnect_notice or self._died_notice))
        self.reconnect_notice = None
        self._client = client
        LIVE.used(self)
        self._connected_once = True
        self._meter = CostMeter(known=self.known_totals)

    def _toolbox_options(self, toolbox: Toolbox) -> dict[str, Any]:
        from claude_agent_sdk import HookMatcher

        async def refuse(data: Any, tool_use_id: str | None, context: Any) -> dict[str, Any]:
            """A PreToolUse hook: it holds in every permission mode, bypass included."""
            reason = toolbox.refusal(data.get("tool_name", ""), data.get("tool_input") or {})
            if reason is None:
                return {}
            return {
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "deny",
                    "permissionDecisionReason": reason,
                }
            }

        return {
            "mcp_servers": {toolbox.name: toolbox.server(self.main_thread)},
            "also_allowed": toolbox.read_only,
            "also_system": toolbox.instructions(),
            "hooks": {"PreToolUse": [HookMatcher(hooks=[cast(Any, refuse)])]},
        }

    def announce(self, reason: str, **extra: Any) -> None:
        """Record how this conversation started (``branch``, with its parent and fork turn)
        together with its first turn."""
        self._announce = {"reason": reason, **extra}

    def _record(self, record: TurnRecord) -> None:
        assert self.journal is not None
        start, self._announce = self._announce, None
        if start is not None and record.turn is None:  # a try is no start of a conversation
            self._announce = start
            start = None
        self.journal.record_turn(record, start and self._start_event(start))

    def _start_event(self, start: dict[str, Any]) -> dict[str, Any]:
        assert self.journal is not None
        reason = start.pop("reason")
        return self.journal.session_event(self.name, self.session_id, reason, self.options,
                                          **start)  # fmt: skip

    @property
    def _died_notice(self) -> str:
        return f"Claude Code had stopped; reconnected by resuming {self.session_id}."

    async def close(self, grace: float = 5.0, notice: str | None = None) -> None:
        """Disconnect, ending the Claude Code process; the conversation can be resumed later.

        A process still there after ``grace`` seconds is killed. ``notice`` is what the next
        turn says when it resumes (by default, that Claude Code had stopped).
        """
        self.reconnect_notice = notice
        pid, client, self._client = self.pid, self._client, None
        LIVE.gone(self)
        if client is None:
            return
        if self.journal is not None:  # what the last turn left queued (its last entries)
            self.journal.flush()
        # A dying process may fail to disconnect in many ways; either way it is gone.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), timeout=grace)
        _kill(pid)

    async def interrupt(self) -> None:
        """Ask the running turn to stop; it ends soon after with what was written so far."""
        turn = self._turn
        if turn is None:
            return
        if turn.reader is None:  # still connecting: stop now, the prompt was never sent
            turn.stopped_early = True
            _kill(_pid_of(self._connecting))  # a process half started is no use to anyone
            turn.task.cancel()
        elif self._client is not None:
            with contextlib.suppress(Exception):  # the turn may have ended meanwhile
                await self._client.interrupt()

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
    ) -> TurnRecord:
        """Send one prompt and wait for the whole answer; the turn is recorded either way.

        ``batch`` is (batch name, item key) when the turn answers an item of a batch.

        ``attachments`` (name -> text, e.g. descriptions of kernel objects) are sent after the
        prompt; the record keeps the prompt as written and the names attached. ``images``
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
        async with self._lock:
            task = asyncio.current_task()
            assert task is not None
            turn = self._turn = _TurnInFlight(task)
            if self._client is not None:
                LIVE.used(self)
            try:
                if self._client is None:
                    await self.connect(emit)
            except asyncio.CancelledError:  # aborted while connecting: nothing was sent
                turn.stopped_early = True
                await self.close(grace=0.5, notice=self.reconnect_notice)
            except BaseException:
                self._turn = None
                raise
            record = TurnRecord(self.name, self.session_id, self.next_turn, prompt, cell_id=cell_id)
            record.asked_with = self.options.answer_changing()
            record.attached = list(attachments or {})
            if batch is not None:
                record.batch, record.item = batch
            reader = TurnReader(record, emit, self._meter)
            started = time.monotonic()
            self.permissions.begin(record, emit)
            if self.toolbox is not None:
                self.toolbox.begin_turn()
            try:
                if turn.stopped_early:
                    record.interrupted = True
                else:
                    turn.reader = reader
                    content = _with_attachments(prompt, attachments or {}, images or [])
                    await self._ask(reader, content)
            except asyncio.CancelledError:
                record.interrupted = True
                record.response = record.response or reader.partial_text
                await self.close(
                    grace=0.5, notice=f"Resumed {self.name} after the interrupted answer."
                )
            finally:
                self._turn = None
                self.permissions.end()
            if not record.duration_ms:
                record.duration_ms = int((time.monotonic() - started) * 1000)
            if not reader.reached:
                record.turn = None  # recorded, but not a turn of the conversation
            # Claude Code keeps the prompt of any try it received, answered or not
            self._started = self._started or reader.reached or reader.result is not None
            self.turns.append(record)
            for hook in self.on_record:
                hook(record)
            return record

    async def _ask(self, reader: TurnReader, text: str | list[dict[str, Any]]) -> None:
        from claude_agent_sdk import ClaudeSDKError

        assert self._client is not None
        prompt_uuid = reader.record.prompt_uuid = str(uuid.uuid4())

        async def prompt() -> Any:  # a prompt of known uuid: a later branch can fork before it
            yield {
                "type": "user",
                "message": {"role": "user", "content": text},
                "parent_tool_use_id": None,
                "uuid": prompt_uuid,
            }

        try:
            await self._client.query(prompt())
            async for message in self._client.receive_response():
                reader.read(message)
        except ClaudeSDKError as exc:
            record = reader.record
            if is_missing_conversation(exc):
                record.error, record.error_kind = no_transcript(self.session_id), "no_transcript"
            else:
                record.error = f"The Claude Code process failed: {first_line(exc)}"
                record.error_kind = "process"
        if not reader.finish():
            await self.close()


def resume(
    session: str,
    *,
    sidecar: str | Path | None = None,
    options: SessionOptions | None = None,
    toolbox: Toolbox | None = None,
) -> Session:
    """The recorded conversation ``session`` (a name, or a session id), ready to continue:
    ``async with resume("review", sidecar="review.claude.json") as s: await s.query(...)``.

    Earlier turns, their numbering and costs carry on; the options it was started with are
    used unless ``options`` are given. A Claude Code session this machine knows but the
    sidecar does not (started in a terminal, say) is adopted into the sidecar.
    """
    journal = Journal.at(default_sidecar() if sidecar is None else Path(str(sidecar)))
    plan = journal.continuation(session)
    if plan is None:
        if not local_transcript_exists(session):
            raise UnknownSession(f"{journal.path} has no session {session!r}.", journal.listing())
        shared_loop().run(journal.import_transcript(session))
        return Session(options, name=session, journal=journal, reason="resume", resume=session,
                       toolbox=toolbox)  # fmt: skip
    if not plan.resumable:
        raise journal.cannot_resume(plan)
    chosen = options or SessionOptions.from_record(plan.options)
    return Session(chosen, journal=journal, reason=None, toolbox=toolbox, **plan.session_kwargs())


def _pid_of(client: Any) -> int | None:
    """The CLI process of a client (the SDK keeps it on its transport)."""
    process = getattr(getattr(client, "_transport", None), "_process", None)
    return getattr(process, "pid", None)


def _kill(pid: int | None) -> None:
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _with_attachments(
    prompt: str, attachments: dict[str, str], images: list[dict[str, Any]]
) -> str | list[dict[str, Any]]:
    blocks = [
        f"<attached name={name!r}>\n{text}\n</attached>" for name, text in attachments.items()
    ]
    text = prompt + "\n\n" + "\n".join(blocks) if blocks else prompt
    return [{"type": "text", "text": text}, *images] if images else text


class BlockingSession:
    """A :class:`Session` for code that cannot await: runs on the shared loop thread.

    ``query`` blocks, hands each event to ``on_event`` on the calling thread, and turns a
    KeyboardInterrupt into an interrupt of the turn (the partial answer is kept and recorded).
    """

    def __init__(
        self,
        options: SessionOptions | None = None,
        *,
        loop: LoopThread | None = None,
        session: Session | None = None,
        **session_kwargs: Any,
    ) -> None:
        self.loop = loop or shared_loop()
        self.session = session or Session(options, **session_kwargs)
        self.last_interrupted = False

    @classmethod
    def resume(
        cls, session: str, *, loop: LoopThread | None = None, **kwargs: Any
    ) -> BlockingSession:
        """:func:`resume` for code that cannot await."""
        return cls(session=resume(session, **kwargs), loop=loop)

    @property
    def session_id(self) -> str:
        return self.session.session_id

    @property
    def turns(self) -> list[TurnRecord]:
        return self.session.turns

    @property
    def cost(self) -> CostSoFar:
        return self.session.cost

    def connect(self) -> None:
        self.loop.run(self.session.connect())

    def query(
        self,
        prompt: str,
        on_event: EventHandler | None = None,
        *,
        cell_id: str | None = None,
        approve: Callable[[ApprovalRequest], Decision | None] | None = None,
        attachments: dict[str, str] | None = None,
        images: list[dict[str, Any]] | None = None,
    ) -> TurnRecord:
        """Ask and wait; ``approve`` answers tool approvals on this thread. Without it, or when
        it returns ``None`` (nobody can answer), tools that need approval are denied at once."""
        events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handle = on_event or (lambda event: None)
        session = self.session

        async def ask(request: ApprovalRequest) -> tuple[Decision | None, bool]:
            assert approve is not None
            try:
                return await session.main_thread.run(lambda: approve(request), aside=True), False
            except Interrupted:  # Kernel -> Interrupt while asked: deny, and stop the turn
                return "deny", True

        def dispatch(event: Any) -> None:
            if isinstance(event, MainThreadCall):
                if event.aside:
                    handle(Aside())
                event.run()
            else:
                handle(event)

        session.permissions.approver = ask if approve else None
        session.main_thread.attach(events)
        try:
            asked = session.query(
                prompt, events.put, cell_id=cell_id, attachments=attachments, images=images
            )
            future = self.loop.submit(asked)
            record, self.last_interrupted = wait_interruptibly(
                future,
                events,
                dispatch,
                interrupt=lambda: self.loop.submit(session.interrupt()),
                abort=lambda: self.loop.loop.call_soon_threadsafe(session.abort),
            )
        finally:
            session.main_thread.attach(None)
        return record

    def close(self, notice: str | None = None) -> None:
        """End the Claude Code process; ``notice`` is what the next turn says on resuming."""
        self.loop.run(self.session.close(notice=notice))

    def __enter__(self) -> BlockingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
