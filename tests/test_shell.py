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
        ("--frobnicate", "hi", "unrecognized"),
    ],
)
def test_bad_cells_raise_usage_errors(ip, line: str, cell: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ip.run_cell_magic("claude", line, cell)


def test_unknown_subcommand_lists_the_valid_ones(ip) -> None:
    with pytest.raises(UsageError, match="sessions, new, close"):
        ip.run_line_magic("claude", "frob")


def test_help_lists_the_options(ip) -> None:
    doc = magics(ip).claude.__doc__
    for option in (
        "--session",
        "--model",
        "--system",
        "--max-turns",
        "--max-budget-usd",
        "--cwd",
        "--allow",
        "--disallow",
        "--permission-mode",
    ):
        assert option in doc


def test_config_defaults_reach_the_session_options(ip) -> None:
    m = magics(ip)
    ip.run_line_magic("config", "ClaudeMagics.model = 'claude-test'")
    ip.run_line_magic("config", "ClaudeMagics.allowed_tools = ['Read', 'Grep']")
    try:
        from IPython.core.magic_arguments import parse_argstring

        args = parse_argstring(m.claude, "--allow Bash,Edit --max-turns 3")
        options = m._options(args)
        assert options.model == "claude-test"
        assert options.allowed_tools == ("Bash", "Edit")  # the cell overrides the default
        assert options.max_turns == 3
        assert m._options(parse_argstring(m.claude, "")).allowed_tools == ("Read", "Grep")
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
    assert "term #1" in out.stdout and "$0.0008" in out.stdout
    with capture_output() as listing:
        ip.run_line_magic("claude", "sessions")
    assert "term" in listing.outputs[0].data["text/plain"]
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
