"""Tool permissions on the real CLI: read-only tools run, others need approval or are denied."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ccmagic.core.options import SessionOptions
from ccmagic.core.permissions import ApprovalRequest, describe_input
from ccmagic.session.blocking import BlockingSession
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, LiveFrontend, report, text_of


def bash(command: str) -> Reply:
    return Reply("Running it.", tool_uses=[("Bash", {"command": command})])


def touch(folder: Path, name: str) -> Reply:
    """A command that changes something, so Claude Code must ask (it lets `echo` run)."""
    return bash(f"touch {folder / name}")


def tool_results(api: FakeAnthropicAPI) -> list[str]:
    return [t for r in api.requests for t in r.texts if "marker" in t]


def test_read_only_tools_run_without_asking(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("marker-read-ok\n")
    fake_api.script(
        Reply("Reading.", tool_uses=[("Read", {"file_path": str(tmp_path / "notes.txt")})]),
        Reply("done"),
    )
    asked: list[ApprovalRequest] = []
    with BlockingSession(SessionOptions(cwd=str(tmp_path)), name="s") as s:
        record = s.query("read it", approve=lambda r: asked.append(r) or "deny")
    assert not asked and not record.permissions
    assert any("marker-read-ok" in t for t in tool_results(fake_api))


def test_allow_once_allow_for_session_and_deny(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str], tmp_path: Path
) -> None:
    fake_api.script(
        touch(tmp_path, "once"), "ok",
        touch(tmp_path, "session-1"), "ok",
        touch(tmp_path, "session-2"), "ok",
        touch(tmp_path, "denied"), "ok",
    )  # fmt: skip
    answers = iter(["once", "session", "deny"])
    asked: list[ApprovalRequest] = []

    def approve(request: ApprovalRequest) -> str:
        asked.append(request)
        return next(answers)

    with BlockingSession(SessionOptions(cwd=str(tmp_path)), name="s") as s:
        records = [s.query(f"turn {i}", approve=approve) for i in range(3)]
    with BlockingSession(SessionOptions(cwd=str(tmp_path)), name="other") as s:
        denied = s.query("turn 3", approve=lambda r: "deny")
    assert [r.call.name for r in asked] == ["Bash", "Bash"]  # the session rule asked no more
    assert asked[0].detail == f"touch {tmp_path / 'once'}"
    assert (tmp_path / "once").exists() and (tmp_path / "session-2").exists()
    assert not (tmp_path / "denied").exists()  # the command never ran
    assert [r.permissions[0]["by"] for r in records] == [
        "user (once)", "user (session)", "allowed for this session",
    ]  # fmt: skip
    assert denied.permissions[0]["decision"] == "deny"


def test_headless_kernel_denies_at_once_and_says_how_to_allow(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    assert notebook.sdk_loaded(within=60)  # the figure is the cell, not the SDK's import
    folder = notebook.path.parent
    fake_api.script(touch(folder, "headless"), "I could not run it.")
    started = time.monotonic()
    cell = notebook.run("%%claude -s s\nlist the files")
    seconds = time.monotonic() - started
    assert seconds < 30  # no wait for a click that cannot come
    shown = text_of(cell)
    assert "Denied Bash" in shown and "--allow Bash" in shown and "allowed_tools" in shown
    assert not (folder / "headless").exists()
    sidecar = json.loads(notebook.path.with_name("analysis.claude.json").read_text())
    [turn] = [e for e in sidecar["log"] if e["event"] == "turn"]
    assert turn["permissions"] == [
        {
            "tool": "Bash",
            "input": f"touch {folder / 'headless'}",
            "decision": "deny",
            "by": "headless",
        }
    ]
    report("tool approval in a headless run", 1, 1, 0, seconds=round(seconds, 2))
    fake_api.script(touch(folder, "allowed"), "done")
    allowed = notebook.run("%%claude -s s --allow Bash\nnow you may")
    assert "Denied" not in text_of(allowed) and (folder / "allowed").exists()


def test_bypass_is_said_in_the_cell(notebook: KernelNotebook, fake_api: FakeAnthropicAPI) -> None:
    notebook.run("%load_ext ccmagic")
    cell = notebook.run("%%claude -s s --permission-mode bypassPermissions\nhi")
    assert "bypassPermissions: Claude may use every tool without asking" in text_of(cell)


def test_describe_input_shows_commands_and_diffs() -> None:
    assert describe_input({"command": "rm -rf build"}) == "rm -rf build"
    diff = describe_input({"file_path": "a.py", "old_string": "x = 1", "new_string": "x = 2"})
    assert diff == "a.py\n- x = 1\n+ x = 2"
    assert describe_input({"url": "https://example.org"}).startswith("{")
    assert len(describe_input({"command": "y" * 5000})) == 600


def test_a_live_frontend_is_asked_and_the_turn_waits_for_the_answer(
    frontend: LiveFrontend, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    frontend.run("%load_ext ccmagic")
    fake_api.script(
        touch(tmp_path, "once"), "made it",
        touch(tmp_path, "always-1"), "ok",
        touch(tmp_path, "always-2"), "ok again",
        touch(tmp_path, "denied"), "I will not then",
    )  # fmt: skip

    def yes_after_a_look(prompt: str) -> str:
        time.sleep(1.0)
        assert not (tmp_path / "once").exists()  # the command waits for the answer
        return "y"

    shown = frontend.run("%%claude -s s\nmake a file", answers=[yes_after_a_look])
    assert "Claude wants to use Bash(" in shown and f"touch {tmp_path / 'once'}" in shown
    assert "Allowed once: Bash" in shown and "made it" in shown
    assert (tmp_path / "once").exists()
    frontend.run("%%claude -s s\nanother", answers=["a"])
    third = frontend.run("%%claude -s s\nand another")  # allowed for the session: not asked
    assert (tmp_path / "always-2").exists() and "ok again" in third
    denied = frontend.run("%%claude -s other\none more", answers=["maybe", "n"])
    assert "The user denied Bash" in denied and not (tmp_path / "denied").exists()
    assert len(frontend.prompts) == 4 and all("y = once" in p for p in frontend.prompts)
    sidecar = json.loads((tmp_path / "analysis.claude.json").read_text())
    turns = [e for e in sidecar["log"] if e["event"] == "turn"]
    assert [[(p["decision"], p["by"]) for p in t["permissions"]] for t in turns] == [
        [("allow", "user (once)")],
        [("allow", "user (session)")],
        [("allow", "allowed for this session")],
        [("deny", "user")],
    ]
    report("tool approval in a live frontend", 4, len(turns), 4 - len(turns))


def test_interrupt_while_asked_denies_and_stops_the_turn(
    frontend: LiveFrontend, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    frontend.run("%load_ext ccmagic")
    fake_api.script(touch(tmp_path, "never"), "should not be asked for")
    shown = frontend.run("%%claude -s s\nmake a file", answers=["^C"])
    assert "KeyboardInterrupt" in shown and not (tmp_path / "never").exists()
    fake_api.clear_script()
    fake_api.script("still here")
    assert "still here" in frontend.run("%%claude -s s\nare you there?")
    sidecar = json.loads((tmp_path / "analysis.claude.json").read_text())
    turns = [e for e in sidecar["log"] if e["event"] == "turn"]
    assert turns[0]["interrupted"] and turns[0]["permissions"][0]["by"] == "interrupt"
    assert not turns[1]["interrupted"]


def read(path: Path) -> Reply:
    return Reply("Reading it.", tool_uses=[("Read", {"file_path": str(path)})])


def test_reads_outside_the_working_folder_are_denied_headless_until_the_folder_is_added(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "id_rsa").write_text("marker-outside\n")
    (notebook.path.parent / "inside.txt").write_text("marker-inside\n")
    notebook.run("%load_ext ccmagic")
    fake_api.script(read(elsewhere / "id_rsa"), "I could not read it.",
                    read(notebook.path.parent / "inside.txt"), "Read it.")  # fmt: skip
    denied = notebook.run("%%claude -s s\nread my key")
    shown = text_of(denied)
    assert "Denied Read outside the working folder" in shown and "--add-dir" in shown
    inside = notebook.run("%%claude -s s\nread the notes here")
    assert "Denied" not in text_of(inside)
    results = tool_results(fake_api)
    assert any("marker-inside" in t for t in results)
    assert not any("marker-outside" in t for t in results)  # never reached the model
    sidecar = notebook.path.with_name("analysis.claude.json").read_text()
    assert "marker-outside" not in sidecar
    fake_api.script(read(elsewhere / "id_rsa"), "Read it now.")
    added = notebook.run(f"%%claude -s s --add-dir {elsewhere}\nnow read it")
    assert "Denied" not in text_of(added)
    assert any("marker-outside" in t for t in tool_results(fake_api))


def test_a_read_outside_the_working_folder_is_asked_in_a_live_frontend(
    frontend: LiveFrontend, fake_api: FakeAnthropicAPI, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "credentials").write_text("marker-asked\n")
    frontend.run("%load_ext ccmagic")
    fake_api.script(read(elsewhere / "credentials"), "Not read.",
                    read(elsewhere / "credentials"), "Read.")  # fmt: skip
    refused = frontend.run("%%claude -s s\nread it", answers=["n"])
    assert f"Claude wants to use Read({elsewhere / 'credentials'}" in refused
    assert not any("marker-asked" in t for t in tool_results(fake_api))
    frontend.run("%%claude -s s\nread it, please", answers=["y"])
    assert any("marker-asked" in t for t in tool_results(fake_api))
    assert len(frontend.prompts) == 2
