"""The SDK's claude-resume-* folders do not outlive their session, their kernel, or a kill."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from ccmagic.session.tempdirs import MARK, PREFIX, sweep
from ccmagic.testing import FakeAnthropicAPI
from tests.conftest import KernelNotebook, report, text_of

PID = "print(get_ipython().find_magic('claude').__self__.registry.items()[0][1].pid)"


def left(temp: Path) -> list[Path]:
    return sorted(temp.glob(PREFIX + "*"))


def wait_dead(pid: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still alive")


@pytest.fixture
def temp(claude_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp dir of the test's own, for the kernels it starts (so counts are exact)."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def ask(nb: KernelNotebook, api: FakeAnthropicAPI, prompt: str) -> str:
    api.script(f"answer to {prompt}")
    return text_of(nb.run(f"%%claude -s s\n{prompt}"))


def test_resume_folders_go_with_their_session_their_kernel_and_a_killed_kernel(
    temp: Path, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    first = KernelNotebook(path).start()
    first.run("%load_ext ccmagic")
    ask(first, fake_api, "one")
    first.stop()
    assert left(temp) == []  # a new conversation needs no folder

    second = KernelNotebook(path).start()
    second.run("%load_ext ccmagic")
    assert "answer to two" in ask(second, fake_api, "two")  # resumed from the sidecar's store
    [folder] = left(temp)
    assert (folder / MARK).read_text() != ""
    assert "closed" in text_of(second.run("%claude close -s s"))
    assert left(temp) == []  # gone with its session
    ask(second, fake_api, "three")
    assert len(left(temp)) == 1
    second.stop()
    assert left(temp) == []  # gone with its kernel

    third = KernelNotebook(path).start()
    third.run("%load_ext ccmagic")
    ask(third, fake_api, "four")
    cli = int(text_of(third.run(PID)).strip())
    [killed] = left(temp)
    third.kill()
    wait_dead(cli)  # Claude Code ends when its kernel's pipe closes
    third.stop()
    assert left(temp) == [killed]  # nobody could remove it

    fourth = KernelNotebook(path).start()
    fourth.run("%load_ext ccmagic")
    ask(fourth, fake_api, "five")  # its first connect sweeps what the killed kernel left
    assert killed not in left(temp) and len(left(temp)) == 1
    fourth.stop()
    assert left(temp) == []
    report("claude-resume folders after close, shutdown, kill -9", 4, 4, len(left(temp)))


def test_a_sweep_keeps_folders_in_use_and_removes_the_dead(tmp_path: Path) -> None:
    def folder(name: str, owner: int | None = None, age: float = 0) -> Path:
        path = tmp_path / (PREFIX + name)
        path.mkdir()
        if owner is not None:
            (path / MARK).write_text(str(owner))
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
        return path

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead_owner = folder("dead-owner", owner=gone.pid)
    live_owner = folder("live-owner", owner=os.getpid(), age=3600)
    unmarked_old = folder("unmarked-old", age=3600)
    unmarked_new = folder("unmarked-new")
    used = folder("used-by-a-process", age=3600)
    user = subprocess.Popen(["sleep", "30"], env={**os.environ, "CLAUDE_CONFIG_DIR": str(used)})
    try:
        removed = set(sweep(tmp_path))
    finally:
        user.kill()
        user.wait()
    assert removed == {dead_owner, unmarked_old}
    assert live_owner.exists() and unmarked_new.exists() and used.exists()
