"""The import contracts of pyproject.toml hold (layers; only ccmagic.sdk imports the SDK), and
a breach of one is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_import_contracts_are_kept() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout


def test_an_sdk_import_outside_ccmagic_sdk_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "ccmagic", tmp_path / "ccmagic",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "ccmagic" / "core" / "breach.py").write_text("import claude_agent_sdk\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "Only ccmagic.sdk imports claude_agent_sdk BROKEN" in done.stdout
    assert "ccmagic.core.breach -> claude_agent_sdk" in done.stdout
