"""What this process redacts and keeps: the user's patterns and the transcript mode.

Read it through :func:`redactor` and :func:`transcripts`; the object itself is kept in
:mod:`ccmagic._state`, whose ``reset`` puts the defaults back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ccmagic._state import STATE
from ccmagic.sidecar.redaction.detector import Redactor

TRANSCRIPTS = ("redacted", "full", "none")


@dataclass
class Settings:
    """What goes into a sidecar, for every journal of this process (``ClaudeMagics.redact``,
    ``ClaudeMagics.transcripts``): the transcript ``redacted`` (default), ``full`` (not
    redacted), or ``none`` (not kept: a resume then needs this machine's ~/.claude)."""

    redactor: Redactor = field(default_factory=Redactor)
    transcripts: str = "redacted"


SETTINGS = STATE.redaction = Settings()  # the process's (ccmagic._state: reset restores it)


def redactor() -> Redactor:
    """The process's redactor (with the user's patterns)."""
    return SETTINGS.redactor


def transcripts() -> str:
    return SETTINGS.transcripts


def configure(patterns: Iterable[str] | None = None, transcripts: str | None = None) -> None:
    if patterns is not None:
        SETTINGS.redactor = Redactor(patterns)
    if transcripts is not None:
        if transcripts not in TRANSCRIPTS:
            raise ValueError(f"transcripts must be one of {', '.join(TRANSCRIPTS)}")
        SETTINGS.transcripts = transcripts
