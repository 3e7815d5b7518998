"""Keeping secrets out of what is written and shown: the sidecar, the cell, the model's view of
the kernel.

Claude reads a ``.env`` or ``cat``s a config; the tool's output lands in Claude Code's
transcript and so in the sidecar that gets committed, and in the cell the notebook saves.
Every string that leaves through one of the :mod:`.gates` is scanned (:mod:`.detector`, with
the key formats of :mod:`.formats` and the named values of :mod:`.context`) and each secret
replaced by ``[REDACTED:<kind>]``.
"""

from ccmagic.sidecar.redaction.detector import Findings, Redactor, environment_changed
from ccmagic.sidecar.redaction.gates import (
    notice,
    redact_entry,
    redact_event,
    redact_record,
    shown,
    shown_value,
    tool_result,
)
from ccmagic.sidecar.redaction.settings import (
    SETTINGS,
    TRANSCRIPTS,
    Settings,
    configure,
    redactor,
    transcripts,
)

__all__ = ["SETTINGS", "TRANSCRIPTS", "Findings", "Redactor", "Settings", "configure",
           "environment_changed", "notice",
           "redact_entry", "redact_event", "redact_record", "redactor", "shown", "shown_value",
           "tool_result", "transcripts"]  # fmt: skip
