"""Every Bash command passes ccmagic's own decision (real CLI, scripted model, real kernel).

Claude Code runs the commands it thinks read-only without asking ``can_use_tool``; ccmagic's
PreToolUse hook decides them all, so a symlink to a folder outside cannot be read through them.
"""

from __future__ import annotations

import json

import pytest

from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, report, text_of

THROUGH_THE_LINK = [
    "cat */secret.txt",
    "head -n 3 */id_rsa",
    "grep -R KEY .",
    "tail -n +1 */*",
    "rg -L KEY",
]
INSIDE = ["cat inside.txt", "ls", "git status"]


def bash(command: str) -> Reply:
    return Reply("Running it.", tool_uses=[("Bash", {"command": command})])


def seen_by_model(api: FakeAnthropicAPI, marker: str) -> bool:
    return any(marker in json.dumps(request.body) for request in api.requests)


def bash_turns(notebook: KernelNotebook) -> list[dict]:
    sidecar = json.loads(notebook.path.with_name("analysis.claude.json").read_text())
    return [e for e in sidecar["log"] if e["event"] == "turn"]


@pytest.fixture
def linked(notebook: KernelNotebook, tmp_path_factory: pytest.TempPathFactory) -> KernelNotebook:
    """The notebook's folder holds ``inside.txt`` and ``link``, a symlink to a folder outside
    whose files carry a secret marker."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "secret.txt").write_text("KEY=marker-outside\n")
    (elsewhere / "id_rsa").write_text("marker-outside\n")
    folder = notebook.path.parent
    (folder / "link").symlink_to(elsewhere)
    (folder / "inside.txt").write_text("marker-inside\n")
    notebook.run("%load_ext ccmagic")
    return notebook


def test_headless_every_bash_command_is_denied_and_recorded(
    linked: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    commands = THROUGH_THE_LINK + INSIDE
    for command in commands:
        fake_api.script(bash(command), "I could not run it.")
        cell = linked.run(f"%%claude -s s\nrun {command}")
        assert "Denied Bash" in text_of(cell), command
    assert not seen_by_model(fake_api, "marker-outside")
    assert not seen_by_model(fake_api, "marker-inside")
    sidecar = linked.path.with_name("analysis.claude.json").read_text()
    assert "marker-outside" not in sidecar and "marker-inside" not in sidecar
    decided = [t["permissions"] for t in bash_turns(linked)]
    assert decided == [
        [{"tool": "Bash", "input": c, "decision": "deny", "by": "headless"}] for c in commands
    ]
    report("Bash reads headless (symlink out, inside)", len(commands), len(decided), 0)


def test_read_only_bash_runs_reads_inside_and_still_denies_the_link(
    linked: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    linked.run("%config ClaudeMagics.read_only_bash = True")
    for command in THROUGH_THE_LINK:
        fake_api.script(bash(command), "I could not run it.")
        assert "Denied Bash" in text_of(linked.run(f"%%claude -s s\nrun {command}"))
    fake_api.script(bash("cat inside.txt"), "Read it.")
    allowed = text_of(linked.run("%%claude -s s\nread the notes"))
    assert "Allowed as a read inside the working folder" in allowed
    fake_api.script(bash("git status"), "Not run.")
    assert "Denied Bash" in text_of(linked.run("%%claude -s s\ngit status"))
    assert not seen_by_model(fake_api, "marker-outside")
    assert seen_by_model(fake_api, "marker-inside")
    decided = [(p["decision"], p["by"]) for t in bash_turns(linked) for p in t["permissions"]]
    assert decided == [("deny", "headless")] * 5 + [("allow", "read-only"), ("deny", "headless")]


def test_allow_and_disallow_change_per_cell_without_a_restart(
    linked: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    folder = linked.path.parent
    fake_api.script("hello")
    linked.run("%%claude -s s\nhi")
    pid = "print(get_ipython().find_magic('claude').__self__.registry.items()[0][1].pid)"
    first = text_of(linked.run(pid))
    fake_api.script(bash(f"touch {folder / 'made'}"), "done")
    allowed = text_of(linked.run("%%claude -s s --allow Bash\nmake it"))
    assert "Options changed" not in allowed and (folder / "made").exists()
    fake_api.script(bash(f"touch {folder / 'again'}"), "not done")
    plain = text_of(linked.run("%%claude -s s\nmake another"))
    assert "Denied Bash" in plain and not (folder / "again").exists()
    read = Reply("Reading.", tool_uses=[("Read", {"file_path": str(folder / "inside.txt")})])
    fake_api.script(read, "no")
    refused = text_of(linked.run("%%claude -s s --disallow Read\nread it"))
    assert "Read is disallowed" in refused
    assert text_of(linked.run(pid)) == first  # one Claude Code process throughout
    permissions = [t["permissions"] for t in bash_turns(linked)][1:]
    assert [[(p["tool"], p["by"]) for p in ps] for ps in permissions] == [
        [("Bash", "allowed")],
        [("Bash", "headless")],
        [("Read", "disallowed")],
    ]
