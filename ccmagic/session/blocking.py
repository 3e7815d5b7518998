""":class:`BlockingSession`: the twin of :class:`~ccmagic.session.session.Session` for code
that cannot await (a cell magic, a script).

Same surface (``name``, ``session_id``, ``turns``, ``cost``, ``connect``, ``query``, ``close``,
``resume``, a context manager), each call blocking. A client's task group is bound to the loop
it connected on, so the async session does the work on the process's loop thread and this
twin waits for it on the calling thread, rendering events and answering approvals there.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ccmagic.core.events import Aside
from ccmagic.core.modes import Decision
from ccmagic.core.options import SessionOptions
from ccmagic.core.permissions import ApprovalRequest
from ccmagic.core.start import Start
from ccmagic.core.turns import CostSoFar, TurnRecord
from ccmagic.session.loop import LoopThread, shared_loop, wait_interruptibly
from ccmagic.session.mainthread import Interrupted, MainThreadCall
from ccmagic.session.session import EventHandler, Session
from ccmagic.session.toolbox import Toolbox
from ccmagic.sidecar.journal import Journal

Approve = Callable[[ApprovalRequest], Decision | str | None]


class BlockingSession:
    """``with BlockingSession(name="review") as s: s.query(...)``; arguments as
    :class:`~ccmagic.session.session.Session`'s, and ``loop`` (default: the process's).

    ``query`` blocks, hands each event to ``on_event`` on the calling thread, and turns a
    KeyboardInterrupt into an interrupt of the turn (the partial answer is kept and recorded).
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
        loop: LoopThread | None = None,
    ) -> None:
        self._given_loop = loop
        self._session = Session(options, name=name, sidecar=sidecar, tags=tags, start=start,
                                journal=journal, reason=reason, toolbox=toolbox)  # fmt: skip
        self.last_interrupted = False

    @classmethod
    def resume(
        cls, session: str, *, loop: LoopThread | None = None, **kwargs: Any
    ) -> BlockingSession:
        """:func:`ccmagic.resume` for code that cannot await."""
        twin = cls.__new__(cls)  # around the Session resume makes, not a new one
        twin._given_loop, twin._session = loop, Session.resume(session, **kwargs)
        twin.last_interrupted = False
        return twin

    def __repr__(self) -> str:
        return repr(self._session).replace("<Session ", f"<{type(self).__name__} ", 1)

    @property
    def _loop(self) -> LoopThread:
        """The loop given, or the process's (a new one after ``ccmagic._state.reset``)."""
        return self._given_loop or shared_loop()

    # -- what it is, as Session says ----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._session.name

    @property
    def session_id(self) -> str:
        return self._session.session_id

    @property
    def fork_from(self) -> str | None:
        """The conversation this one branched off, if it did."""
        return self._session.fork_from

    @property
    def turns(self) -> list[TurnRecord]:
        return self._session.turns

    @property
    def prior(self) -> CostSoFar:
        return self._session.prior

    @property
    def cost(self) -> CostSoFar:
        return self._session.cost

    @property
    def next_turn(self) -> int:
        return self._session.next_turn

    @property
    def connected(self) -> bool:
        return self._session.connected

    @property
    def pid(self) -> int | None:
        return self._session.pid

    @property
    def options(self) -> SessionOptions:
        return self._session.options

    def reconfigure(self, options: SessionOptions, toolbox: Toolbox | None) -> None:
        """New options (and the toolbox they ask for): the gate follows the new tool rules from
        the next turn; the rest from the next connect on."""
        self._session.options, self._session.toolbox = options, toolbox

    def announce(self, reason: str, **extra: Any) -> None:
        self._session.announce(reason, **extra)

    # -- what it does, blocking ---------------------------------------------------------------
    def connect(self) -> None:
        self._loop.run(self._session.connect())

    def query(
        self,
        prompt: str,
        on_event: EventHandler | None = None,
        *,
        cell_id: str | None = None,
        approve: Approve | None = None,
        attachments: dict[str, str] | None = None,
        saw: list[dict[str, Any]] | None = None,
        images: list[dict[str, Any]] | None = None,
    ) -> TurnRecord:
        """Ask and wait; ``approve`` answers tool approvals on this thread. Without it, or when
        it returns ``None`` (nobody can answer), tools that need approval are denied at once."""
        events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        handle = on_event or (lambda event: None)
        session, loop = self._session, self._loop

        async def ask(request: ApprovalRequest) -> tuple[Decision | None, bool]:
            assert approve is not None
            try:
                answer = await session.main_thread.run(lambda: approve(request), aside=True)
            except Interrupted:  # Kernel -> Interrupt while asked: deny, and stop the turn
                return Decision.DENY, True
            return (None if answer is None else Decision(answer)), False

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
            future = loop.submit(
                session.query(
                    prompt,
                    events.put,
                    cell_id=cell_id,
                    attachments=attachments,
                    saw=saw,
                    images=images,
                )
            )
            record, self.last_interrupted = wait_interruptibly(
                future,
                events,
                dispatch,
                interrupt=lambda: loop.submit(session.interrupt()),
                abort=lambda: loop.loop.call_soon_threadsafe(session.abort),
            )
        finally:
            session.main_thread.attach(None)
        return record

    def close(self, notice: str | None = None) -> None:
        """End the Claude Code process; ``notice`` is what the next turn says on resuming."""
        self._loop.run(self._session.close(notice=notice))

    def __enter__(self) -> BlockingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
