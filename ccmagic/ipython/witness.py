"""What the notebook tools showed Claude, fingerprinted as it leaves, and looked at again.

:class:`Witness` sits at the call boundary of the kernel's ``notebook`` server: each read-only
call's result (what Claude gets, after anything else done to it on the way out) is digested,
with a structural summary of the object taken on the main thread. A replay re-runs the same
call through :meth:`Witness.rerun` and compares (:mod:`ccmagic.notebook.freshness`). Only
digests and summaries are kept (:mod:`ccmagic.core.fingerprints`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.fingerprints import (
    DATA_TOOLS,
    MAX_NAMES,
    SIDE_EFFECTS,
    Sighting,
    attachment_sighting,
    digest,
    result_text,
    summary_of,
    tool_sighting,
)
from ccmagic.core.turns import TurnRecord
from ccmagic.ipython.inspection import (
    InspectionError,
    describe,
    resolve,
    user_variables,
)
from ccmagic.notebook.freshness import Verdict, check_turn

if TYPE_CHECKING:
    from ccmagic.ipython.kernel_tools import KernelTools
    from ccmagic.session.mainthread import MainThread


class Witness:
    """The sightings of the turn being asked, and a second look for a replay."""

    def __init__(self, tools: KernelTools) -> None:
        self.tools = tools
        self._seen: list[Sighting] = []
        self._after: str | None = None  # a call with side effects ran earlier in this turn

    def begin_turn(self) -> None:
        self._seen, self._after = [], None

    def take(self) -> list[Sighting]:
        """This turn's sightings (and none kept for the next)."""
        seen, self._seen = self._seen, []
        return seen

    # -- recording ----------------------------------------------------------------------------
    def watching(self, tools: list[Any], main_thread: MainThread) -> list[Any]:
        """The server's tools (SDK ``SdkMcpTool`` objects): the read-only ones watched; after
        ``run`` (side effects) what they show is no longer what a replay can expect."""
        watched = []
        for tool in tools:
            if tool.name in DATA_TOOLS:
                tool = self._watched(tool, main_thread)
            elif tool.name in SIDE_EFFECTS:
                tool = self._effect(tool)
            watched.append(tool)
        return watched

    def _effect(self, tool: Any) -> Any:
        handler = tool.handler

        async def effect(args: dict[str, Any]) -> Any:
            self._after = self._after or tool.name
            return await handler(args)

        return dataclasses.replace(tool, handler=effect)

    def _watched(self, tool: Any, main_thread: MainThread) -> Any:
        handler = tool.handler

        async def watched(args: dict[str, Any]) -> Any:
            result = await handler(args)
            summary = None
            with contextlib.suppress(Exception):  # no summary: the digest still decides
                summary = await main_thread.run(lambda: self.summary(tool.name, args))
            sighting = tool_sighting(tool.name, args, result, summary)
            self._seen.append(sighting | ({"after": self._after} if self._after else {}))
            return result

        return dataclasses.replace(tool, handler=watched)

    def attached(self, described: dict[str, str]) -> list[Sighting]:
        """``--with`` attachments as sent (on the main thread, like the cell)."""
        return [
            attachment_sighting(name, text, self.summary("inspect", {"name": name}))
            for name, text in described.items()
        ]

    def summary(self, tool: str, args: dict[str, Any]) -> Any:
        """How a change of what ``tool`` shows can be told: the object's shape and columns, or
        the variables' names."""
        namespace, hidden = self._namespace
        if tool == "inspect":
            try:
                return summary_of(resolve(str(args.get("name")), namespace, hidden))
            except InspectionError:
                return {"missing": True}
        if tool == "variables":
            return {"names": sorted(user_variables(namespace, hidden))[:MAX_NAMES]}
        return None

    @property
    def _namespace(self) -> tuple[dict[str, Any], set[str]]:
        shell = self.tools.shell
        return shell.user_ns, set(getattr(shell, "user_ns_hidden", {}))

    # -- looking again ------------------------------------------------------------------------
    def rerun(self, sighting: Sighting) -> tuple[str, Any]:
        """The digest and summary of what the sighting's call shows now (main thread)."""
        if sighting.get("kind") == "with":
            name = str(sighting.get("name"))
            try:
                value = resolve(name, *self._namespace)
                text = describe(name, value, self.tools.sample_rows())
            except InspectionError as problem:
                text = str(problem)
            return digest(text), self.summary("inspect", {"name": name})
        tool, args = str(sighting.get("tool")), dict(sighting.get("args") or {})
        return digest(result_text(self._call(tool, args))), self.summary(tool, args)

    def _call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        """The tool's result as its MCP handler returns it (the same way out)."""
        from ccmagic.ipython.kernel_tools import result_of

        if tool == "inspect":
            return result_of(lambda: self.tools.inspect(args["name"]))
        if tool == "cells":
            return result_of(lambda: self.tools.cells(int(args.get("count") or 10)))
        return result_of(self.tools.variables)


def data_check(witness: Witness | None, cwd: str | None) -> Callable[[TurnRecord], Verdict]:
    """The check a replay candidate of a cell goes through: its kernel calls made again by
    ``witness`` (none without a kernel), its files looked at in ``cwd`` (the working folder)."""
    root = Path(cwd or os.getcwd()).expanduser()
    rerun = witness.rerun if witness is not None else None
    return lambda record: check_turn(record, rerun, root)
