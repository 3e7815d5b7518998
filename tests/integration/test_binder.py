"""binder/: the files are valid and the install they describe works in a fresh venv, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sysconfig
import venv
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def test_binder_files_are_valid() -> None:
    lines = [
        ln
        for ln in (BINDER / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert [Requirement(line).name for line in lines]  # each line parses as a requirement
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    subprocess.run(["bash", "-n", str(post_build)], check=True)


def test_binder_install_works_in_a_fresh_venv(tmp_path: Path) -> None:
    """Run postBuild as Binder would, in a new venv; packages come from this environment's
    site-packages instead of PyPI (tests stay offline)."""
    env_dir = tmp_path / "binder-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "offline-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = dict(
        os.environ,
        PATH=f"{env_dir / 'bin'}:{os.environ['PATH']}",
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(BINDER / "requirements.txt")],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        ["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, check=True, capture_output=True
    )
    check = (
        "import ccmagic, pathlib, subprocess;"
        "from ccmagic.sdk.failures import bundled_cli_path;"
        "print(pathlib.Path(ccmagic.__file__).parent.parent);"
        "print(subprocess.run([str(bundled_cli_path()), '--version'], capture_output=True,"
        " text=True, check=True).stdout.strip())"
    )
    out = subprocess.run(
        [str(python), "-c", check],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert Path(out[0]).resolve() == Path(site).resolve()  # installed into the new venv
    assert "Claude Code" in out[1]
    overrides = env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    tracker = json.loads(overrides.read_text())["@jupyterlab/notebook-extension:tracker"]
    assert tracker["autoStartDefaultKernel"] is True
