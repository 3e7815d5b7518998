"""Claude Code's ``can_use_tool`` callback: the SDK side of :mod:`ccmagic.core.permissions`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

from ccmagic.core.events import Decided, TurnEvent
from ccmagic.core.modes import Decision
from ccmagic.core.permissions import (
    ApprovalRequest,
    Approver,
    describe_input,
    how_to_allow,
    permission_entry,
)
from ccmagic.core.tool_rules import ToolPolicy
from ccmagic.core.turns import ToolCall, TurnRecord


class PermissionGate:
    """Claude Code's ``can_use_tool`` callback for one session: decides, records, says so.

    ``approver`` asks whoever drives the session; ``None`` denies at once, as a headless run
    must. A tool allowed "for this session" is not asked about again. ``policy`` holds the
    rules of the turn being asked (the cell's ``--allow``), so changing them needs no restart.
    """

    def __init__(self) -> None:
        self.approver: Approver | None = None
        self.policy = ToolPolicy()
        self.allowed_for_session: set[str] = set()
        self._record: TurnRecord | None = None
        self._emit: Callable[[TurnEvent], None] = lambda event: None

    def begin(
        self, record: TurnRecord, emit: Callable[[TurnEvent], None], policy: ToolPolicy
    ) -> None:
        """Decisions from now on belong to ``record``'s turn, are shown through ``emit`` and
        follow ``policy``."""
        self._record, self._emit, self.policy = record, emit, policy

    def end(self) -> None:
        self._record, self._emit = None, lambda event: None

    async def __call__(self, tool: str, tool_input: dict[str, Any], context: Any) -> Any:
        call = ToolCall.from_block(tool, tool_input)
        detail = describe_input(tool_input)
        if self.policy.rules.allows(tool, tool_input):
            self.decide(permission_entry(call, detail, "allow", "allowed"))
            return PermissionResultAllow()
        if tool in self.allowed_for_session:
            self.decide(permission_entry(call, detail, "allow", "allowed for this session"))
            return PermissionResultAllow()
        decision: Decision | None = None  # None: nobody can be asked (a headless run)
        interrupt = False
        if self.approver is not None:
            answer, interrupt = await self.approver(ApprovalRequest(call, detail))
            decision = None if answer is None else Decision(answer)
        if decision is None or decision is Decision.DENY:
            by = "headless" if decision is None else "interrupt" if interrupt else "user"
            self.decide(permission_entry(call, detail, "deny", by))
            message = how_to_allow(tool) if by == "headless" else f"The user denied {tool}."
            return PermissionResultDeny(message=message, interrupt=interrupt)
        if decision is Decision.SESSION:
            self.allowed_for_session.add(tool)
        self.decide(permission_entry(call, detail, "allow", f"user ({decision})"))
        return PermissionResultAllow()

    def decide(self, entry: dict[str, str]) -> None:
        if self._record is not None:
            self._record.permissions.append(entry)
        self._emit(Decided(entry))
