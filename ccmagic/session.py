"""One conversation with Claude over a live ``ClaudeSDKClient``, and its blocking twin.

A :class:`Session` keeps one Claude Code process open across turns (a warm turn costs tens of
milliseconds, a new process per turn hundreds), pre-assigns its session id so it is known before
the first answer, records each turn as a :class:`TurnRecord`, and reconnects by resuming the
same id when the process has died. :class:`BlockingSession` runs one on the shared loop thread
for code that cannot await, such as a cell magic.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.errors import ClaudeUnavailable, TurnFailed
from ccmagic.events import (
    Notice,
    Retrying,
    TextDelta,
    ThinkingDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
)
from ccmagic.loop import LoopThread, shared_loop, wait_interruptibly
from ccmagic.options import SessionOptions
from ccmagic.permissions import (
    ApprovalRequest,
    Decision,
    describe_input,
    how_to_allow,
    permission_entry,
)
from ccmagic.turns import CostMeter, ToolCall, TurnRecord, known_totals, model_usage_tokens

if TYPE_CHECKING:
    from claude_agent_sdk import ClaudeSDKClient, ResultMessage

EventHandler = Callable[[TurnEvent], None]
RecordHook = Callable[[TurnRecord], None]
Approver = Callable[[ApprovalRequest], Awaitable[tuple[Decision | None, bool]]]

# The SDK logs a dying CLI as an error on its own; we report it in the cell instead. Logging
# that an application configures still receives these records.
logging.getLogger("claude_agent_sdk").addHandler(logging.NullHandler())

HTTP_STATUS_MEANING = {
    400: "the API rejected the request as invalid",
    401: "the API key was refused",
    403: "the API key may not use this model or feature",
    404: "the model or endpoint was not found",
    413: "the request was too large",
    429: "rate limited: wait a moment, then run the cell again",
    500: "the API had an internal error: run the cell again",
    529: "the API is overloaded: run the cell again in a moment",
}


def bundled_cli_path() -> Path:
    """Where the SDK wheel keeps its own Claude Code CLI."""
    import claude_agent_sdk

    return Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"


def login_hint(cli_path: str | None) -> str:
    cli = cli_path or str(bundled_cli_path())
    return (
        "Set ANTHROPIC_API_KEY in the kernel's environment, or run "
        f"`{cli} login` in a terminal; then run the cell again. "
        "To try ccmagic without a key, run `%claude demo` (an offline demo model)."
    )


def describe_failure(result: ResultMessage) -> tuple[str, str]:
    """What a failed result means, as (message, what to do)."""
    text = (result.result or "; ".join(result.errors or []) or "").strip()
    status = result.api_error_status
    if "Not logged in" in text or "/login" in text:
        return "The Claude Code CLI is not logged in.", ""
    if result.subtype == "error_max_turns":
        return f"Stopped after {result.num_turns} agent turns (--max-turns).", ""
    if result.subtype == "error_max_budget_usd":
        return "Stopped: the session reached its --max-budget-usd.", ""
    if status:
        meaning = HTTP_STATUS_MEANING.get(status, "the API returned an error")
        return f"Claude API error {status}: {meaning}.", ""
    if "Connection error" in text or "ECONNREFUSED" in text or "Unable to connect" in text:
        return (
            "Could not reach the Claude API; Claude Code gave up after its retries.",
            "Check the network, a proxy, or ANTHROPIC_BASE_URL, then run the cell again.",
        )
    first_line = text.splitlines()[0] if text else result.subtype
    return f"Claude Code reported an error: {first_line}", ""


class Session:
    """A conversation with Claude: ``async with Session(options) as s: r = await s.query(...)``.

    ``session_id`` pre-assigns the id of a new conversation; ``resume`` continues an existing one
    (its earlier records may be passed as ``history`` so turn numbers and costs carry on);
    ``fork_from`` branches a new conversation off another, numbering on from ``first_turn``.
    ``on_record`` hooks are called with each finished turn before the next prompt is sent.
    """

    def __init__(
        self,
        options: SessionOptions | None = None,
        *,
        name: str = "default",
        session_id: str | None = None,
        resume: str | None = None,
        fork_from: str | None = None,
        first_turn: int = 1,
        history: list[TurnRecord] | None = None,
        session_store: Any = None,
        known_totals: dict[int, float] | None = None,
    ) -> None:
        self.options = options or SessionOptions()
        self.name = name
        self.session_id = resume or session_id or str(uuid.uuid4())
        self.turns: list[TurnRecord] = list(history or [])
        self.fork_from = fork_from
        self._first_turn = first_turn
        self.session_store = session_store
        self.on_record: list[RecordHook] = []
        self._exists = resume is not None
        self._known_totals = dict(known_totals or {})
        self._client: ClaudeSDKClient | None = None
        self._meter = CostMeter()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[Any] | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._connected_once = False
        self.approver: Approver | None = None  # None: deny at once, as a headless run must
        self.allowed_for_session: set[str] = set()
        self._emit: EventHandler = lambda event: None
        self._record: TurnRecord | None = None
        self._interrupted_early = False  # an interrupt that came before the prompt was sent

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def pid(self) -> int | None:
        """Process id of the live Claude Code CLI (the SDK keeps it on its transport)."""
        transport = getattr(self._client, "_transport", None)
        process = getattr(transport, "_process", None)
        return getattr(process, "pid", None)

    @property
    def next_turn(self) -> int:
        return self.turns[-1].turn + 1 if self.turns else self._first_turn

    @property
    def total_cost_usd(self) -> float:
        """What the recorded turns cost (turns of unknown cost count as nothing)."""
        return round(sum(t.cost_usd or 0.0 for t in self.turns), 10)

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self, emit: EventHandler | None = None) -> None:
        """Start the Claude Code process: a new session, or a resume of this one."""
        from claude_agent_sdk import ClaudeSDKClient, ClaudeSDKError, CLINotFoundError
        from claude_agent_sdk.types import CanUseToolShadowedWarning

        extra: dict[str, Any] = {"stderr": self._stderr.append, "can_use_tool": self._can_use}
        if self.session_store is not None:
            extra["session_store"] = self.session_store
        if self._exists:
            options = self.options.to_sdk(resume=self.session_id, **extra)
        elif self.fork_from:
            options = self.options.to_sdk(
                resume=self.fork_from, fork=True, session_id=self.session_id, **extra
            )
        else:
            options = self.options.to_sdk(session_id=self.session_id, **extra)
        client = ClaudeSDKClient(options)
        tried = self.options.cli_path or str(bundled_cli_path())
        try:
            with warnings.catch_warnings():
                # read-only tools are allowed outright on purpose; the rest reach _can_use
                warnings.simplefilter("ignore", CanUseToolShadowedWarning)
                await client.connect()
        except CLINotFoundError as exc:
            raise ClaudeUnavailable(
                f"No Claude Code CLI at {tried}.",
                "Reinstall claude-agent-sdk (it bundles the CLI), or point "
                "%config ClaudeMagics.cli_path at a working `claude`.",
            ) from exc
        except ClaudeSDKError as exc:
            if "No conversation found" in str(exc):
                raise TurnFailed(
                    f"Claude Code has no transcript of session {self.session_id} here, "
                    "and the sidecar holds none either.",
                    f"Restore the notebook's .claude.json sidecar, or run `%claude new "
                    f"--session {self.name}` to start a new conversation under this name.",
                ) from None
            raise ClaudeUnavailable(
                f"Claude Code at {tried} stopped while starting: {_first_line(exc)}",
                "Run the cell again; if it keeps failing, check the CLI in a terminal.",
            ) from exc
        except OSError as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ClaudeUnavailable(
                f"Could not start the Claude Code CLI at {tried}: {detail}",
                "Check that the file exists and is executable, or set "
                "%config ClaudeMagics.cli_path.",
            ) from exc
        if self._connected_once and emit is not None:
            emit(Notice(f"Claude Code had stopped; reconnected by resuming {self.session_id}."))
        self._client = client
        self._connected_once = True
        self._meter = CostMeter(known=self.known_totals)

    async def close(self, grace: float = 5.0) -> None:
        """Disconnect, ending the Claude Code process; the conversation can be resumed later.

        A process still there after ``grace`` seconds is killed.
        """
        pid, client, self._client = self.pid, self._client, None
        if client is None:
            return
        # A dying process may fail to disconnect in many ways; either way it is gone.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), timeout=grace)
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    async def interrupt(self) -> None:
        """Ask the running turn to stop; it ends soon after with what was written so far."""
        if self._task is None:
            return
        if self._record is None:  # still connecting: stop now, the prompt was never sent
            self._interrupted_early = True
            self._task.cancel()
        elif self._client is not None:
            with contextlib.suppress(Exception):  # the turn may have ended meanwhile
                await self._client.interrupt()

    def abort(self) -> None:
        """Cancel the running turn outright (when an interrupt was not enough)."""
        if self._task is not None:
            self._task.cancel()

    # -- turns -------------------------------------------------------------------------------
    async def query(
        self, prompt: str, on_event: EventHandler | None = None, *, cell_id: str | None = None
    ) -> TurnRecord:
        """Send one prompt and wait for the whole answer; the turn is recorded either way."""
        if not prompt.strip():
            raise ValueError("the prompt is empty")
        emit = on_event or (lambda event: None)
        async with self._lock:
            self._task, self._interrupted_early = asyncio.current_task(), False
            try:
                if self._client is None:
                    await self.connect(emit)
            except asyncio.CancelledError:  # aborted while connecting: nothing was sent
                self._interrupted_early = True
                await self.close(grace=0.5)
            except BaseException:
                self._task = None
                raise
            record = TurnRecord(
                session=self.name,
                session_id=self.session_id,
                turn=self.next_turn,
                prompt=prompt,
                cell_id=cell_id,
            )
            self._emit, self._record = emit, record
            started = time.monotonic()
            streamed: list[str] = []
            try:
                if self._interrupted_early:
                    record.interrupted = True
                else:
                    await self._run_turn(record, emit, streamed)
            except asyncio.CancelledError:
                record.interrupted = True
                record.response = record.response or "".join(streamed)
                await self.close(grace=0.5)
            finally:
                self._task, self._record = None, None
                self._emit = lambda event: None
            if not record.duration_ms:
                record.duration_ms = int((time.monotonic() - started) * 1000)
            self._exists = self._exists or not _never_started(record)
            self.turns.append(record)
            for hook in self.on_record:
                hook(record)
            return record

    async def _run_turn(self, record: TurnRecord, emit: EventHandler, streamed: list[str]) -> None:
        from claude_agent_sdk import (
            AssistantMessage,
            ClaudeSDKError,
            ResultMessage,
            StreamEvent,
            SystemMessage,
            TextBlock,
            ToolResultBlock,
            ToolUseBlock,
            UserMessage,
        )

        assert self._client is not None
        texts: list[str] = []
        calls: dict[str, ToolCall] = {}
        result: ResultMessage | None = None
        try:
            await self._client.query(record.prompt)
            async for message in self._client.receive_response():
                if isinstance(message, StreamEvent):
                    if message.parent_tool_use_id is None:
                        self._stream(message.event, emit, streamed)
                elif isinstance(message, AssistantMessage):
                    if message.parent_tool_use_id is not None:
                        continue
                    record.model = message.model
                    for block in message.content:
                        if isinstance(block, TextBlock):
                            texts.append(block.text)
                        elif isinstance(block, ToolUseBlock):
                            call = ToolCall.from_block(block.name, block.input, block.id)
                            calls[block.id] = call
                            record.tool_calls.append(call)
                            emit(ToolStarted(call))
                elif isinstance(message, UserMessage) and isinstance(message.content, list):
                    for block in message.content:
                        if isinstance(block, ToolResultBlock) and block.tool_use_id in calls:
                            call = calls[block.tool_use_id]
                            call.fold_result(block.content, block.is_error)
                            emit(ToolFinished(call))
                elif isinstance(message, SystemMessage) and message.subtype == "api_retry":
                    data = message.data
                    emit(
                        Retrying(
                            attempt=int(data.get("attempt") or 0),
                            max_retries=int(data.get("max_retries") or 0),
                            delay_ms=int(data.get("retry_delay_ms") or 0),
                            status=data.get("error_status"),
                        )
                    )
                elif isinstance(message, ResultMessage):
                    result = message
        except ClaudeSDKError as exc:
            if "No conversation found" in str(exc):
                record.error = (
                    f"Claude Code has no transcript of session {self.session_id} here, "
                    "and the sidecar holds none either."
                )
            else:
                record.error = f"The Claude Code process failed: {_first_line(exc)}"
        record.response = "\n\n".join(texts) if texts else "".join(streamed)
        if result is not None:
            self._apply_result(record, result)
        else:
            record.is_error = True
            record.error = record.error or "The Claude Code process ended during the turn."
            await self.close()

    async def _can_use(self, tool: str, tool_input: dict[str, Any], context: Any) -> Any:
        """Claude Code asks whether a tool outside ``allowed_tools`` may run."""
        from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

        call = ToolCall.from_block(tool, tool_input)
        detail = describe_input(tool_input)
        log = self._record.permissions if self._record is not None else []
        if tool in self.allowed_for_session:
            log.append(permission_entry(call, detail, "allow", "allowed for this session"))
            return PermissionResultAllow()
        decision: Decision | None = None  # None: nobody can be asked (a headless run)
        interrupt = False
        if self.approver is not None:
            decision, interrupt = await self.approver(ApprovalRequest(call, detail))
        if decision is None or decision == "deny":
            by = "headless" if decision is None else "interrupt" if interrupt else "user"
            log.append(permission_entry(call, detail, "deny", by))
            message = how_to_allow(tool) if by == "headless" else f"The user denied {tool}."
            self._emit(Notice(f"⛔ {message}"))
            return PermissionResultDeny(message=message, interrupt=interrupt)
        if decision == "session":
            self.allowed_for_session.add(tool)
        log.append(permission_entry(call, detail, "allow", f"user ({decision})"))
        how = "for this session" if decision == "session" else "once"
        self._emit(Notice(f"✔ Allowed {how}: {call.line}"))
        return PermissionResultAllow()

    def _stream(self, event: dict[str, Any], emit: EventHandler, streamed: list[str]) -> None:
        kind = event.get("type")
        if kind == "content_block_start":
            if event.get("content_block", {}).get("type") == "text" and streamed:
                streamed.append("\n\n")
                emit(TextDelta("\n\n"))
        elif kind == "content_block_delta":
            delta = event.get("delta", {})
            if delta.get("type") == "text_delta":
                streamed.append(delta.get("text", ""))
                emit(TextDelta(delta.get("text", "")))
            elif delta.get("type") == "thinking_delta":
                emit(ThinkingDelta(delta.get("thinking", "")))

    def _apply_result(self, record: TurnRecord, result: ResultMessage) -> None:
        usage = result.usage or {}
        record.input_tokens = int(usage.get("input_tokens") or 0)
        record.output_tokens = int(usage.get("output_tokens") or 0)
        record.cache_read_tokens = int(usage.get("cache_read_input_tokens") or 0)
        record.cache_creation_tokens = int(usage.get("cache_creation_input_tokens") or 0)
        record.duration_ms = result.duration_ms
        record.reported_total_usd = result.total_cost_usd
        record.reported_tokens = model_usage_tokens(result.model_usage) or None
        record.cost_usd = self._meter.turn_cost(result.total_cost_usd, usage, result.model_usage)
        if not record.model and result.model_usage:
            record.model = next(iter(result.model_usage))
        if result.terminal_reason in ("aborted_streaming", "aborted_tools"):
            record.interrupted = True
        elif result.is_error or result.subtype != "success":
            record.is_error = True
            record.error_status = result.api_error_status
            record.error, _ = describe_failure(result)

    @property
    def known_totals(self) -> dict[int, float]:
        """Running totals the CLI reported in this conversation (and those it came from)."""
        return self._known_totals | known_totals(self.turns)


def _never_started(record: TurnRecord) -> bool:
    """Whether the turn ended (refused, or interrupted while connecting) before the CLI
    started a transcript of it."""
    failed = record.is_error or record.interrupted
    return failed and not record.response and record.input_tokens == 0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def failure_of(record: TurnRecord, cli_path: str | None = None) -> TurnFailed | None:
    """The error to raise for a failed turn, or ``None`` when it did not fail."""
    if not record.is_error:
        return None
    message = record.error or "The turn failed."
    hint = login_hint(cli_path) if "not logged in" in message else ""
    if "no transcript" in message:
        hint = (
            f"Restore the notebook's .claude.json sidecar, or run `%claude new --session "
            f"{record.session}` to start a new conversation under this name."
        )
    if not hint and record.error_status:
        hint = "The session is still usable: run the cell again when the API is back."
    return TurnFailed(message, hint)


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
        **session_kwargs: Any,
    ) -> None:
        self.loop = loop or shared_loop()
        self.session = Session(options, **session_kwargs)
        self.last_interrupted = False

    @property
    def session_id(self) -> str:
        return self.session.session_id

    @property
    def turns(self) -> list[TurnRecord]:
        return self.session.turns

    @property
    def total_cost_usd(self) -> float:
        return self.session.total_cost_usd

    def connect(self) -> None:
        self.loop.run(self.session.connect())

    def query(
        self,
        prompt: str,
        on_event: EventHandler | None = None,
        *,
        cell_id: str | None = None,
        approve: Callable[[ApprovalRequest], Decision | None] | None = None,
    ) -> TurnRecord:
        """Ask and wait; ``approve`` answers tool approvals on this thread. Without it, or when
        it returns ``None`` (nobody can answer), tools that need approval are denied at once."""
        events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handle = on_event or (lambda event: None)

        async def ask(request: ApprovalRequest) -> tuple[Decision | None, bool]:
            events.put(request)
            return await asyncio.wrap_future(request.future)

        def dispatch(event: Any) -> None:
            if not isinstance(event, ApprovalRequest):
                handle(event)
                return
            try:
                event.answer(approve(event) if approve else None)
            except KeyboardInterrupt:  # Kernel -> Interrupt while asked: deny, and stop the turn
                event.answer("deny", interrupt=True)
                raise

        self.session.approver = ask if approve else None
        future = self.loop.submit(self.session.query(prompt, events.put, cell_id=cell_id))
        record, self.last_interrupted = wait_interruptibly(
            future,
            events,
            dispatch,
            interrupt=lambda: self.loop.submit(self.session.interrupt()),
            abort=lambda: self.loop.loop.call_soon_threadsafe(self.session.abort),
        )
        return record

    def close(self) -> None:
        self.loop.run(self.session.close())

    def __enter__(self) -> BlockingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
