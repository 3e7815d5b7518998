"""The settings of ``ClaudeMagics`` that are the kernel's, not the magic's.

``max_live_sessions`` (= ``ccmagic.set_max_live_sessions``), ``transcripts`` and ``redact``
guard what the whole process runs and writes, so they hold for the Python API in the kernel
(``ccmagic.Session``, ``batch``) as much as for ``%%claude`` cells: one kernel, one limit on
Claude Code processes, one rule for what a sidecar keeps. They live in
:mod:`ccmagic._state`; these traits read the current values there and write them only when
set (``%config``, a config file, an assignment): loading or creating the magic changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from traitlets import Enum, Integer, List, TraitError, Unicode, default, observe, validate
from traitlets.config import Configurable

from ccmagic.core.modes import TranscriptMode, values
from ccmagic.session.live import live_sessions, set_max_live_sessions
from ccmagic.sidecar.redaction import SETTINGS, configure


class KernelSettings(Configurable):
    """Mixed into ``ClaudeMagics`` (``%config ClaudeMagics.transcripts = 'none'``)."""

    transcripts = Enum(
        values(TranscriptMode),
        TranscriptMode.REDACTED.value,
        help="What the sidecar keeps of Claude Code's transcript (a resume on another machine "
        "reads it): 'redacted' (secrets replaced), 'full' (as Claude saw it), or 'none' (the "
        "notebook still replays and lists its turns, but only this machine can resume). For "
        "every sidecar this kernel writes, the Python API's too.",
    ).tag(config=True)
    redact = List(
        Unicode(),
        help="More patterns (regular expressions) to keep out of the sidecar and the saved "
        "answers, besides the key formats and credentials ccmagic always redacts. For every "
        "sidecar this kernel writes, the Python API's too.",
    ).tag(config=True)
    max_live_sessions = Integer(
        4,
        min=1,
        help="Most Claude Code processes this kernel keeps running (each takes about 180 MB); "
        "one more closes the least recently used idle session, which resumes by itself on its "
        "next use. For the whole kernel: it bounds ccmagic.Session and batch workers too.",
    ).tag(config=True)

    @validate("redact")
    def _patterns(self, proposal: Any) -> list[str]:
        """A pattern that is no regular expression is refused where it is set."""
        for pattern in proposal["value"]:
            try:
                re.compile(pattern)
            except re.error as problem:
                raise TraitError(
                    f"redact: {pattern!r} is no regular expression: {problem}"
                ) from None
        return list(proposal["value"])

    @default("max_live_sessions")
    def _live_limit(self) -> int:
        return live_sessions().limit

    @observe("max_live_sessions")
    def _limit_live(self, change: Any) -> None:
        set_max_live_sessions(change["new"])

    @default("transcripts")
    def _transcripts_kept(self) -> str:
        return str(SETTINGS.transcripts)

    @default("redact")
    def _patterns_redacted(self) -> list[str]:
        return [regex.pattern for regex in SETTINGS.redactor.patterns]

    @observe("transcripts", "redact")
    def _configure_redaction(self, change: Any) -> None:
        configure(self.redact, self.transcripts)
