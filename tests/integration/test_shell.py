"""The magics on IPython's in-process shell: parsing, help, config, and the light load."""

from __future__ import annotations

import subprocess
import sys

import pytest
from IPython.core.error import UsageError
from IPython.testing.globalipapp import get_ipython
from IPython.utils.capture import capture_output

from ccmagic.testing import FakeAnthropicAPI, Reply


@pytest.fixture(scope="module")
def ip():
    shell = get_ipython()
    shell.run_line_magic("load_ext", "ccmagic")
    return shell


def magics(ip):
    return ip.magics_manager.registry["ClaudeMagics"]


@pytest.mark.parametrize(
    "line, cell, message",
    [
        ("", "   \n\t", "no prompt"),
        ("--session x", "", "body is empty"),  # IPython's own check comes first
        ("--max-turns 0", "hi", "at least 1"),
        ("--max-budget-usd -1", "hi", "more than 0"),
        ("--permission-mode yolo", "hi", "invalid choice"),
        ("--max-turns many", "hi", "invalid int"),
        ("--frobnicate", "hi", "does not take --frobnicate"),
        ("--sesion x", "hi", "take --sesion x: did you mean --session x\\? \\("),
    ],
)
def test_bad_cells_raise_usage_errors(ip, line: str, cell: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ip.run_cell_magic("claude", line, cell)


def test_unknown_subcommand_lists_the_valid_ones(ip) -> None:
    with pytest.raises(UsageError, match="history, cost, sessions, new, close"):
        ip.run_line_magic("claude", "frob")
    with pytest.raises(UsageError, match="did you mean history"):
        ip.run_line_magic("claude", "histroy")
    with pytest.raises(UsageError, match="take --sesion x: did you mean --session x\\? \\("):
        ip.run_line_magic("claude", "history --sesion x")


def test_help_is_generated_from_the_code_and_lists_everything(ip) -> None:
    """Fails when a subcommand or option is added, renamed or dropped without its help."""
    from ccmagic.ipython.commands import SUBCOMMANDS
    from ccmagic.ipython.magics import CELL_PARSER

    doc = magics(ip).claude.__doc__
    assert doc.startswith("usage: %%claude ")
    assert "::" not in doc and "``" not in doc  # plain text, not reST
    for action in CELL_PARSER._actions:
        assert all(flag in doc for flag in action.option_strings), action.option_strings
    assert list(SUBCOMMANDS) == ["history", "cost", "sessions", "new", "close", "fork",
                                 "resume", "demo"]  # fmt: skip
    for name, command in SUBCOMMANDS.items():
        assert f"%claude {name}" in doc and command.summary in doc
        for action in command.parser._actions:
            assert all(flag in doc for flag in action.option_strings), (name, action)
    with capture_output() as shown:
        ip.run_line_magic("claude", "history -h")
    assert "--page N" in shown.stdout and "--widget" in shown.stdout


def test_the_readme_lists_exactly_the_subcommands_and_options() -> None:
    """The README's hand-kept tables must follow the code."""
    import re
    from pathlib import Path

    from ccmagic.ipython.commands import SUBCOMMANDS
    from ccmagic.ipython.magics import CELL_PARSER

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = re.findall(r"^\| `%claude (\w+)", readme, flags=re.MULTILINE)
    assert listed == list(SUBCOMMANDS)
    rows = re.findall(r"^\| (`--[^|]*)\|", readme, flags=re.MULTILINE)
    options = {flag for row in rows for flag in re.findall(r"`(--[\w-]+)", row)}
    flags = {a.option_strings[0] for a in CELL_PARSER._actions if a.option_strings}
    assert options == flags


def test_config_defaults_reach_the_session_options(ip) -> None:
    m = magics(ip)
    ip.run_line_magic("config", "ClaudeMagics.model = 'claude-test'")
    ip.run_line_magic("config", "ClaudeMagics.allowed_tools = ['Read', 'Grep']")
    try:
        from ccmagic.ipython.cell import CellFlow
        from ccmagic.ipython.magics import CELL_PARSER

        options = CellFlow(m).options(CELL_PARSER.parse("--allow Bash,Edit --max-turns 3"))
        assert options.model == "claude-test"
        assert options.allowed_tools == ("Bash", "Edit")  # the cell overrides the default
        assert options.max_turns == 3
        assert m.default_options().allowed_tools == ("Read", "Grep")
    finally:
        ip.run_line_magic("config", "ClaudeMagics.model = None")
        ip.run_line_magic("config", "ClaudeMagics.allowed_tools = []")


def test_terminal_shell_prints_the_answer_and_a_footer(
    ip, fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.script(Reply("Hello from the terminal."))
    with capture_output() as out:
        ip.run_cell_magic("claude", "--session term", "hi")
    assert "Hello from the terminal." in out.stdout
    assert "term #1" in out.stdout and "$0.0008 · " in out.stdout
    assert "so far: $0.0008" in out.stdout
    with capture_output() as listing:
        ip.run_line_magic("claude", "sessions")
    shown = listing.outputs[0].data["text/plain"]
    assert "term" in shown and "$0.0008" in shown and "session_id" not in shown
    with capture_output() as everything:
        ip.run_line_magic("claude", "sessions --all")
    assert "session_id" in everything.outputs[0].data["text/plain"]
    with capture_output() as nosuch:
        ip.run_line_magic("claude", "history --session nosuch")
    assert "No turns recorded for session nosuch. Sessions with turns: term." in nosuch.stdout
    with capture_output() as closed:
        ip.run_line_magic("claude", "close --all")
    assert "term: closed" in closed.stdout


def test_the_frontends_cell_id_is_recorded(
    ip, fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    import ccmagic

    with capture_output():
        ip.run_cell("%%claude --session cells\nhello", cell_id="cell-1234")
    frame = ccmagic.history("cells")
    assert list(frame["cell_id"]) == ["cell-1234"]


def test_load_ext_stays_light() -> None:
    """Only what ``%load_ext ccmagic`` itself adds counts (IPython may import matplotlib)."""
    code = (
        "import sys\n"
        "from IPython.testing.globalipapp import get_ipython\n"
        "ip = get_ipython()\n"
        "before = set(sys.modules)\n"
        "ip.run_line_magic('load_ext', 'ccmagic')\n"
        "added = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(added & {'claude_agent_sdk', 'pandas', 'ipywidgets', 'matplotlib'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
