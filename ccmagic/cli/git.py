"""ccmagic in git: the merge driver and text diff of ``*.claude.json``, registered with git.

The merge itself is :func:`ccmagic.sidecar.merge.merge`; this is the glue git's contract asks
for (``%O %A %B %P``, the result written to ``%A``, exit 1 for a conflict), as nbdime keeps
its git driver apart from its merge algorithm.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ccmagic.errors import SidecarError


def git_setup(globally: bool) -> str:
    """Register the merge driver and the text diff for ``*.claude.json`` with git."""
    command = f'"{sys.executable}" -m ccmagic.cli'
    scope = ["--global"] if globally else []

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise SidecarError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    git("config", *scope, "merge.ccmagic.name", "ccmagic sidecar merge")
    git("config", *scope, "merge.ccmagic.driver", f"{command} merge-driver %O %A %B %P")
    git("config", *scope, "diff.ccmagic.textconv", f"{command} textconv")
    if globally:
        configured = subprocess.run(["git", "config", "--global", "core.attributesfile"],
                                    capture_output=True, text=True).stdout.strip()  # fmt: skip
        attributes = Path(configured or Path.home() / ".config" / "git" / "attributes")
        attributes = attributes.expanduser()
    else:
        attributes = Path(git("rev-parse", "--show-toplevel")) / ".gitattributes"
    line = "*.claude.json merge=ccmagic diff=ccmagic"
    attributes.parent.mkdir(parents=True, exist_ok=True)
    current = attributes.read_text() if attributes.exists() else ""
    if line not in current.splitlines():
        attributes.write_text(current + ("" if not current or current.endswith("\n") else "\n")
                              + line + "\n")  # fmt: skip
    where = "for all your repositories" if globally else "for this repository"
    return f"git merges and diffs *.claude.json with ccmagic {where} ({attributes})."
