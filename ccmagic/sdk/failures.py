"""What a failure means and what to do about it, worded once; the SDK's errors mapped here.

The SDK's exceptions are mapped by type, in one place each (:func:`starting`, :func:`asking`),
as httpx maps httpcore's: ``raise Mapped(...) from exc``. Where the SDK gives only text (Claude
Code's own words, or an error the SDK documents as "match on that text"), the match is here,
with the reason. A failed turn keeps an ``error_kind`` with its message, so what is said about
it later (the hint under the error, whether the turn counts) is decided from the kind, never by
matching the message's text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import claude_agent_sdk
from claude_agent_sdk import (
    ClaudeSDKError,
    CLINotFoundError,
    ProcessError,
    ResultMessage,
)

from ccmagic.errors import CCMagicError, ClaudeUnavailable, TurnFailed

if TYPE_CHECKING:
    from ccmagic.core.turns import TurnRecord

ErrorKind = Literal[
    "not_logged_in",  # no key or login: nothing was sent
    "api",  # the API answered with an HTTP error (after Claude Code's retries)
    "unreachable",  # the API could not be reached at all
    "max_turns",  # --max-turns stopped the agent
    "budget",  # --max-budget-usd stopped it
    "no_transcript",  # a resume found no transcript, here or in the sidecar
    "process",  # the Claude Code process died or failed
    "other",
]

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
    return Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"


def login_hint(cli_path: str | None) -> str:
    cli = cli_path or str(bundled_cli_path())
    return (
        "Set ANTHROPIC_API_KEY in the kernel's environment, or run "
        f"`{cli} login` in a terminal; then run the cell again. "
        "To try ccmagic without a key, run `%claude demo` (an offline demo model)."
    )


def no_transcript(session_id: str) -> str:
    return (
        f"Claude Code has no transcript of session {session_id} here, "
        "and the sidecar holds none either."
    )


def no_transcript_hint(name: str) -> str:
    return (
        f"Restore the notebook's .claude.json sidecar, or run `%claude new --session {name}` "
        "to start a new conversation under this name."
    )


def describe_result(result: ResultMessage) -> tuple[str, ErrorKind]:
    """What a failed result means, and its kind."""
    text = (result.result or "; ".join(result.errors or []) or "").strip()
    status = result.api_error_status
    if "Not logged in" in text or "/login" in text:  # Claude Code's own words for it
        return "The Claude Code CLI is not logged in.", "not_logged_in"
    if result.subtype == "error_max_turns":
        return f"Stopped after {result.num_turns} agent turns (--max-turns).", "max_turns"
    if result.subtype == "error_max_budget_usd":
        return "Stopped: the session reached its --max-budget-usd.", "budget"
    if status:
        meaning = HTTP_STATUS_MEANING.get(status, "the API returned an error")
        return f"Claude API error {status}: {meaning}.", "api"
    # a result carries no type for this: Claude Code's own words for an unreachable API
    if "Connection error" in text or "ECONNREFUSED" in text or "Unable to connect" in text:
        return (
            "Could not reach the Claude API; Claude Code gave up after its retries.",
            "unreachable",
        )
    first_line = text.splitlines()[0] if text else result.subtype
    return f"Claude Code reported an error: {first_line}", "other"


def failure_of(record: TurnRecord, cli_path: str | None = None) -> TurnFailed | None:
    """The error to raise for a failed turn, or ``None`` when it did not fail."""
    if not record.is_error:
        return None
    hints = {
        "not_logged_in": login_hint(cli_path),
        "no_transcript": no_transcript_hint(record.session),
        "unreachable": "Check the network, a proxy, or ANTHROPIC_BASE_URL, then run the cell "
        "again.",
        "api": "The session is still usable: run the cell again when the API is back.",
    }
    return TurnFailed(record.error or "The turn failed.", hints.get(record.error_kind or "", ""))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ResumeRefused(Exception):
    """Claude Code would not vouch that a branch leaves out only the one turn it names."""


class TurnBroken(Exception):
    """The Claude Code process failed during a turn: ``message`` and ``kind`` for its record."""

    def __init__(self, message: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.message, self.kind = message, kind


@contextlib.contextmanager
def starting(cli: str, session_id: str, name: str) -> Iterator[None]:
    """Map what starting a Claude Code process raises: :class:`ResumeRefused`, or the
    :class:`~ccmagic.errors.CCMagicError` to show."""
    try:
        yield
    except (ClaudeSDKError, OSError) as exc:
        if isinstance(exc, ProcessError) and _drops_turn_refused(exc):
            raise ResumeRefused(first_line(exc)) from exc
        raise startup_failure(exc, cli, session_id, name) from exc


@contextlib.contextmanager
def asking(session_id: str) -> Iterator[None]:
    """Map what the SDK raises during a turn to :class:`TurnBroken`."""
    try:
        yield
    except ClaudeSDKError as exc:
        if is_missing_conversation(exc):
            raise TurnBroken(no_transcript(session_id), "no_transcript") from exc
        raise TurnBroken(f"The Claude Code process failed: {first_line(exc)}", "process") from exc


def startup_failure(exc: BaseException, cli: str, session_id: str, name: str) -> CCMagicError:
    """Why the Claude Code process would not start, by the type of what the SDK raised."""
    if isinstance(exc, CLINotFoundError):
        return ClaudeUnavailable(
            f"No Claude Code CLI at {cli}.",
            "Reinstall claude-agent-sdk (it bundles the CLI), or point "
            "%config ClaudeMagics.cli_path at a working `claude`.",
        )
    if isinstance(exc, OSError):
        return ClaudeUnavailable(
            f"Could not start the Claude Code CLI at {cli}: {first_line(exc)}",
            "Check that the file exists and is executable, or set %config ClaudeMagics.cli_path.",
        )
    if is_missing_conversation(exc):
        return TurnFailed(no_transcript(session_id), no_transcript_hint(name))
    return ClaudeUnavailable(
        f"Claude Code at {cli} stopped while starting: {first_line(exc)}",
        "Run the cell again; if it keeps failing, check the CLI in a terminal.",
    )


def is_missing_conversation(exc: BaseException) -> bool:
    """Claude Code's own error for a resume of a session it has no transcript of. The SDK
    raises a plain ProcessError for it, so only its text (the CLI's stderr) tells."""
    return "No conversation found" in str(exc)


def _drops_turn_refused(exc: ProcessError) -> bool:
    """The SDK documents this refusal only by its text (``resume_drops_turn``: "match on
    that text")."""
    return "--resume-drops-turn" in str(exc)
