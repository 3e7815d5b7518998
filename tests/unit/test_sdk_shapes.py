"""What ccmagic reads of the SDK beyond its public API, checked against the installed SDK: an
upgrade that moves it fails here, not silently in a notebook."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, CLINotFoundError, ProcessError
from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

from ccmagic.errors import ClaudeUnavailable, TurnFailed
from ccmagic.sdk.client import cli_pid
from ccmagic.sdk.failures import ResumeRefused, TurnBroken, asking, starting


def test_the_cli_process_is_where_cli_pid_looks() -> None:
    client = ClaudeSDKClient(ClaudeAgentOptions())
    assert cli_pid(client) is None  # not connected yet
    transport = SubprocessCLITransport(prompt="", options=ClaudeAgentOptions())
    assert hasattr(transport, "_process")  # where the SDK keeps the CLI's process
    transport._process = SimpleNamespace(pid=4321)  # type: ignore[assignment]
    client._transport = transport
    assert cli_pid(client) == 4321
    client._transport = SimpleNamespace()  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="keeps no _process"):
        cli_pid(client)


def test_sdk_errors_are_mapped_by_type() -> None:
    with (
        pytest.raises(ClaudeUnavailable, match="No Claude Code CLI at /x/claude") as caught,
        starting("/x/claude", "id", "s"),
    ):
        raise CLINotFoundError("gone", "/x/claude")
    assert isinstance(caught.value.__cause__, CLINotFoundError)
    with pytest.raises(TurnFailed, match="no transcript of session id"), starting("c", "id", "s"):
        raise ProcessError("No conversation found with session ID: id", 1)
    with pytest.raises(ResumeRefused), starting("/x/claude", "id", "s"):
        raise ProcessError("Resume rejected by --resume-drops-turn: queued message", 1)
    with pytest.raises(TurnBroken) as broken, asking("id"):
        raise ProcessError("Command failed", 137)
    assert broken.value.kind == "process" and "exit code: 137" in broken.value.message
