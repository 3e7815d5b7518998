"""The offline demo keeps Claude Code's files out of the user's HOME and the notebook's folder."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import KernelNotebook, text_of


def test_the_demo_runs_claude_code_in_a_config_folder_of_its_own(
    notebook: KernelNotebook,
) -> None:
    home, folder = Path(os.environ["HOME"]), notebook.path.parent
    before = {p.name for p in folder.iterdir()}
    notebook.run("%load_ext ccmagic\n%claude demo")
    answer = text_of(notebook.run("%%claude -s s\nwhat can you do?"))
    assert "offline demo model" in answer
    again = text_of(notebook.run("%%claude -s s\nand then?"))
    assert "s #2" in again
    shown = text_of(notebook.run("import os\nprint(os.environ['CLAUDE_CONFIG_DIR'])"))
    config = Path(shown.strip())
    assert any(config.glob("projects/*/*.jsonl"))  # Claude Code wrote there ...
    assert not (home / ".claude").exists() and not (home / ".claude.json").exists()  # not here
    assert not (home / ".cache" / "claude-cli-nodejs").exists()
    added = {p.name for p in folder.iterdir()} - before
    assert added <= {"analysis.claude.json"}, added  # the sidecar, nothing else
    notebook.stop()
    assert not config.exists()  # removed with the kernel
