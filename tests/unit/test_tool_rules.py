"""The gate's own rules: per-turn --allow / --disallow, and which options need a restart."""

from __future__ import annotations

from pathlib import Path

from ccmagic.core.options import SessionOptions
from ccmagic.core.tool_rules import ToolRules, cli_rules, gate_rule
from ccmagic.sdk.options import Extras, Where, agent_options


def test_tool_names_and_bash_rules_match() -> None:
    rules = ToolRules(allowed=("Write", "Bash(git diff:*)", "Bash(make *)"))
    assert rules.allows("Write", {"file_path": "x"}) == "Write"
    assert rules.allows("Edit", {}) is None
    assert rules.allows("Bash", {"command": "git diff --stat"}) == "Bash(git diff:*)"
    assert rules.allows("Bash", {"command": "git diff"}) == "Bash(git diff:*)"
    assert rules.allows("Bash", {"command": "git diffx"}) is None
    assert rules.allows("Bash", {"command": "make test"}) == "Bash(make *)"


def test_a_compound_command_needs_every_part_allowed() -> None:
    rules = ToolRules(allowed=("Bash(git diff:*)",))
    assert rules.allows("Bash", {"command": "git diff && git diff --stat"})
    assert rules.allows("Bash", {"command": "git diff && rm -rf /"}) is None
    assert rules.allows("Bash", {"command": "git diff $(rm -rf /)"}) is None


def test_disallowed_rules_forbid() -> None:
    rules = ToolRules(disallowed=("Read", "Bash(curl:*)"))
    assert rules.forbids("Read", {"file_path": "/x"}) == "Read"
    assert rules.forbids("Bash", {"command": "curl x"}) == "Bash(curl:*)"
    assert rules.forbids("Bash", {"command": "ls"}) is None


def test_rules_with_a_specifier_for_other_tools_are_claude_codes() -> None:
    assert gate_rule("Bash") and gate_rule("Bash(ls:*)") and gate_rule("mcp__notebook__run")
    assert not gate_rule("Read(~/data/**)")
    assert cli_rules(("Read", "WebFetch(domain:x.org)")) == ("WebFetch(domain:x.org)",)


def test_only_options_claude_code_starts_with_need_a_restart() -> None:
    plain = SessionOptions(model="m")
    assert not plain.needs_restart(SessionOptions(model="m", allowed_tools=("Bash",)))
    assert not plain.needs_restart(SessionOptions(model="m", disallowed_tools=("Read",)))
    assert not plain.needs_restart(SessionOptions(model="m", read_only_bash=True))
    assert plain.needs_restart(SessionOptions(model="other"))
    assert plain.needs_restart(SessionOptions(model="m", add_dirs=("/data",)))
    assert plain.needs_restart(SessionOptions(model="m", allowed_tools=("Read(/x/**)",)))


def test_claude_code_gets_only_its_own_rules() -> None:
    options = SessionOptions(allowed_tools=("Bash", "Read(/x/**)"), disallowed_tools=("Write",))
    sdk = agent_options(options, Where(), Extras())
    assert "Bash" not in sdk.allowed_tools and "Read(/x/**)" in sdk.allowed_tools
    assert sdk.disallowed_tools == []


def test_the_policy_holds_the_folders_and_the_rules(tmp_path: Path) -> None:
    options = SessionOptions(cwd="work", add_dirs=("data", "/abs"), allowed_tools=("Bash",),
                             read_only_bash=True, env={"HOME": "/home/x"})  # fmt: skip
    policy = options.tool_policy(tmp_path)
    assert policy.folders == (tmp_path / "work", tmp_path / "work" / "data", Path("/abs"))
    assert policy.home == Path("/home/x") and policy.read_only_bash
    assert policy.rules.allows("Bash", {"command": "ls"}) == "Bash"
