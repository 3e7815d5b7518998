"""The example notebooks, run in place as a user would run them, any number of times."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ccmagic.notebook.replay import NBVAL_SANITIZE

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.parametrize("name", ["quickstart", "continuity", "costs"])
def test_notebook_reruns_in_place_replaying_its_stored_outputs(name: str, tmp_path: Path) -> None:
    """nbval on the notebook and its committed sidecar, twice, offline and without a key:
    its answers replay (equal to the stored ones but for the replay mark, which
    nbval_sanitize.cfg takes out), and the folder is left exactly as it was."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    before = snapshot(folder)
    home = tmp_path / "home"  # a fresh clone's machine: no Claude Code history at all
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env |= {"HOME": str(home), "MPLBACKEND": "Agg"}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider",
             "-p", "no:xdist", "-o", "addopts=", "--nbval-cell-timeout=300",
             "--nbval-sanitize-with", str(NBVAL_SANITIZE), f"{name}.ipynb"],
            cwd=folder, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert snapshot(folder) == before  # nothing added, nothing changed


def test_the_quickstart_checks_every_claude_cell() -> None:
    """Its %%claude cells carry no nbval-ignore-output: replays must equal what is stored."""
    document = json.loads((NOTEBOOKS / "quickstart.ipynb").read_text())
    claude = [c for c in document["cells"] if "".join(c["source"]).startswith("%%claude")]
    assert claude and not any("tags" in c["metadata"] for c in claude)


@pytest.mark.parametrize("name", ["quickstart", "continuity", "costs"])
def test_stored_notebooks_show_static_tables_in_viewers(name: str) -> None:
    """No saved widget state, and the history is a table: nbconvert and GitHub show it."""
    document = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    assert "widgets" not in document["metadata"]
    if name == "quickstart":
        history = [c for c in document["cells"] if "".join(c["source"]) == "%claude history"]
        [output] = history[0]["outputs"]
        assert "<table class='ccmagic-history" in "".join(output["data"]["text/html"])
        assert "application/vnd.jupyter.widget-view+json" not in output["data"]
