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
