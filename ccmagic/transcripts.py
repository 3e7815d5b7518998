"""Claude Code's own transcripts: where this machine keeps them.

Claude Code writes each session to ``~/.claude/projects/<folder key>/<session id>.jsonl``
(``CLAUDE_CONFIG_DIR`` moves ``~/.claude``).
"""

from __future__ import annotations

import os
from pathlib import Path


def claude_config_dir() -> Path:
    return Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")


def local_transcript_exists(session_id: str) -> bool:
    """Whether Claude Code on this machine keeps a transcript of ``session_id``."""
    return any(claude_config_dir().glob(f"projects/*/{session_id}.jsonl"))
