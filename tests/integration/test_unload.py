"""``%reload_ext ccmagic`` in a real kernel: the old magic's Claude Code processes end and its
event hooks go, so one process runs per live session and the conversation goes on."""

from __future__ import annotations

from conftest import KernelNotebook, errors_of, text_of

from ccmagic.testing import FakeAnthropicAPI

COUNT = """\
import psutil
from ccmagic.sdk.failures import bundled_cli_path
_cli = str(bundled_cli_path())
def _clis():  # the kernel's children running the bundled claude
    found = []
    for child in psutil.Process().children():
        try:
            if child.exe() == _cli or child.cmdline()[:1] == [_cli]:
                found.append(child.pid)
        except psutil.Error:
            pass
    return found
def _hooks():  # ccmagic's callbacks on the shell's events
    events = get_ipython().events.callbacks
    return sum(1 for name in ("pre_run_cell", "post_run_cell") for hook in events[name]
               if (getattr(hook, "__module__", "") or "").startswith("ccmagic"))
"""


def clis(notebook: KernelNotebook) -> int:
    return int(text_of(notebook.run("print(len(_clis()))")).strip())


def hooks(notebook: KernelNotebook) -> int:
    return int(text_of(notebook.run("print(_hooks())")).strip())


def test_reload_ext_leaves_one_process_per_session_and_the_session_goes_on(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    notebook.run(COUNT)
    for name in ("a", "b"):
        cell = notebook.run(f"%%claude -s {name}\nremember {name}")
        assert not errors_of(cell), text_of(cell)
    assert clis(notebook) == 2
    loaded = hooks(notebook)
    assert loaded >= 2  # the cell log and the cell id (the preload may have gone by now)

    reload = notebook.run("%reload_ext ccmagic")
    assert not errors_of(reload), text_of(reload)
    assert clis(notebook) == 0  # the old magic's processes ended with it
    assert hooks(notebook) <= loaded  # none left behind twice

    again = notebook.run("%%claude -s a\nwhat did I ask you to remember?")
    assert not errors_of(again), text_of(again)
    assert "a #2" in text_of(again)  # the same conversation, its next turn
    assert "remember a" in fake_api.requests[-1].texts
    assert clis(notebook) == 1  # one process for the one live session
    ids = text_of(notebook.run(
        "import ccmagic\nh = ccmagic.history('a')\nprint(h['session_id'].nunique(), len(h))"
    ))  # fmt: skip
    assert ids.split() == ["1", "2"]


def test_unload_ext_removes_the_magic_and_its_hooks(notebook: KernelNotebook) -> None:
    notebook.run("%load_ext ccmagic")
    notebook.run(COUNT)
    notebook.run("%unload_ext ccmagic")
    assert hooks(notebook) == 0
    gone = notebook.run("%%claude\nhello")
    assert "UsageError" in text_of(gone) or "not found" in text_of(gone)
