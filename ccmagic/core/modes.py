"""The modes ccmagic is set with and the outcomes it records, as string enums.

Each is a ``StrEnum`` (vcrpy's ``RecordMode(str, Enum)``, with ``str()`` and f-strings giving
the value): a member equals its value, so the sidecar, ``%config ClaudeMagics.*`` and older
callers keep using the plain strings, while the code and the traits name one vocabulary (the
traits list ``values(Mode)``).
"""

from __future__ import annotations

from enum import Enum, StrEnum


class ReplayMode(StrEnum):
    """What re-running a ``%%claude`` cell does (:mod:`ccmagic.notebook.replay`)."""

    AUTO = "auto"  # replay a matching recorded answer; branch where a cell was edited
    OFF = "off"  # always ask, and append
    ONLY = "only"  # never ask: a cell without a recorded answer fails (CI, nbval, papermill)


class TranscriptMode(StrEnum):
    """What a sidecar keeps of Claude Code's transcript."""

    REDACTED = "redacted"  # secrets replaced
    FULL = "full"  # as Claude saw it
    NONE = "none"  # nothing: only this machine can resume


class ApprovalMode(StrEnum):
    """Who answers when a tool needs approval."""

    AUTO = "auto"  # ask when someone can answer, deny in a headless run
    ASK = "ask"  # always ask the person
    DENY = "deny"  # deny at once


class Decision(StrEnum):
    """A person's answer to "may Claude run this tool?"."""

    ONCE = "once"
    SESSION = "session"  # and every later use in this session
    DENY = "deny"


class Outcome(StrEnum):
    """How a recorded try ended."""

    OK = "ok"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    NOT_SENT = "not sent"  # it never reached the model: no turn of the conversation


def values(mode: type[Enum]) -> tuple[str, ...]:
    """The accepted strings of a mode, for a trait's or a parser's choices."""
    return tuple(str(member.value) for member in mode)
