"""One Claude Code process: start it, send it prompts, interrupt it, end it.

The SDK's ``ClaudeSDKClient`` runs the CLI as a child process; this keeps what ccmagic needs
of it behind one small class, with the SDK's failures mapped in :mod:`ccmagic.sdk.failures`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, __version__
from claude_agent_sdk.types import CanUseToolShadowedWarning

from ccmagic.sdk.failures import asking, starting


class ClaudeCode:
    """A Claude Code CLI process for one conversation (``options`` say which, and how)."""

    def __init__(self, options: ClaudeAgentOptions) -> None:
        self._client = ClaudeSDKClient(options)

    @property
    def pid(self) -> int | None:
        return cli_pid(self._client)

    @property
    def resume_dir(self) -> Path | None:
        """The temp folder Claude Code runs in when it resumed from a store: the SDK keeps it
        on the client (no public accessor exists) and forgets it on disconnecting."""
        folder = getattr(getattr(self._client, "_materialized", None), "config_dir", None)
        return Path(folder) if folder is not None else None

    async def start(self, cli: str, session_id: str, name: str) -> None:
        """Start the process; raises what :func:`~ccmagic.sdk.failures.starting` maps."""
        with starting(cli, session_id, name), warnings.catch_warnings():
            # some tools are allowed outright on purpose; the rest reach the gate
            warnings.simplefilter("ignore", CanUseToolShadowedWarning)
            await self._client.connect()

    async def ask(self, text: str | list[dict[str, Any]], prompt_uuid: str) -> AsyncIterator[Any]:
        """Send a prompt (its transcript entry gets ``prompt_uuid``: a later branch can fork
        before it) and yield the SDK's messages up to the turn's result; a failure of the
        process raises :class:`~ccmagic.sdk.failures.TurnBroken`."""

        async def prompt() -> AsyncIterator[dict[str, Any]]:
            yield {
                "type": "user",
                "message": {"role": "user", "content": text},
                "parent_tool_use_id": None,
                "uuid": prompt_uuid,
            }

        with asking(self._client.options.session_id or self._client.options.resume or ""):
            await self._client.query(prompt())
            async for message in self._client.receive_response():
                yield message

    async def interrupt(self) -> None:
        """Ask the running turn to stop (it may have ended meanwhile: nothing to do then)."""
        with contextlib.suppress(Exception):
            await self._client.interrupt()

    async def stop(self, grace: float) -> None:
        """Disconnect; a process still there after ``grace`` seconds is killed."""
        pid = self.pid
        # A dying process may fail to disconnect in many ways; either way it is gone.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._client.disconnect(), timeout=grace)
        kill(pid)

    def kill(self) -> None:
        """End the process at once (one half started is no use to anyone)."""
        kill(self.pid)


def cli_pid(client: ClaudeSDKClient) -> int | None:
    """The CLI process id of a client, ``None`` before it connects.

    The SDK has no public way to it: it keeps the process on its transport
    (``client._transport._process``). A connected client without one means the SDK changed
    shape: that fails here, loudly (``tests/unit/test_sdk_shapes.py`` checks it too).
    """
    transport = client._transport
    if transport is None:
        return None
    if not hasattr(transport, "_process"):
        raise RuntimeError(
            f"claude-agent-sdk {__version__} keeps no _process on its transport: ccmagic "
            "cannot find the Claude Code process to end it. Pin claude-agent-sdk to a version "
            "ccmagic supports."
        )
    process = transport._process
    return None if process is None else int(process.pid)


def kill(pid: int | None) -> None:
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
