"""The example notebooks, validated by nbval against their stored outputs, offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize("name", ["quickstart", "continuity", "costs"])
def test_notebook_reproduces_its_stored_outputs(name: str, tmp_path: Path) -> None:
    """A scratch copy (its sidecar must not land in the repository), no key: the demo model."""
    shutil.copy(NOTEBOOKS / f"{name}.ipynb", tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env |= {"HOME": str(home), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-o", "addopts=", "--nbval-cell-timeout=300", f"{name}.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert not (NOTEBOOKS / f"{name}.claude.json").exists()


@pytest.mark.parametrize("name", ["quickstart", "continuity", "costs"])
def test_stored_notebooks_show_static_tables_in_viewers(name: str) -> None:
    """No saved widget state: nbconvert and GitHub then show each widget's HTML twin instead
    of an empty box that needs the widget manager from a CDN."""
    import json

    document = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    assert "widgets" not in document["metadata"]
    if name == "quickstart":
        history = [c for c in document["cells"] if "".join(c["source"]) == "%claude history"]
        [output] = history[0]["outputs"]
        assert "<table class='ccmagic-history" in "".join(output["data"]["text/html"])
