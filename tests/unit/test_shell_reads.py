"""Which Bash commands only read inside the working folder (``read_only_bash``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccmagic.core.shell_reads import judge
from ccmagic.core.shell_words import SimpleCommand, Unsure, simple_commands, split_option


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A working folder with a symlink to a folder outside it holding secrets, and a home."""
    work, outside, home = tmp_path / "work", tmp_path / "outside", tmp_path / "home"
    for folder in (work / "sub", outside, home / ".ssh"):
        folder.mkdir(parents=True)
    (work / "inside.txt").write_text("notes\n")
    (work / "sub" / "more.txt").write_text("more\n")
    (outside / "secret.txt").write_text("KEY=marker\n")
    (outside / "id_rsa").write_text("marker\n")
    (home / ".ssh" / "id_rsa").write_text("marker\n")
    return work, outside, home


def linked_folder(folders: tuple[Path, Path, Path]) -> Path:
    work, outside, _ = folders
    (work / "link").symlink_to(outside)
    return work


READ_ONLY_INSIDE = [
    "cat inside.txt",
    "ls",
    "ls -la sub",
    "head -n 3 inside.txt",
    "tail -n +1 */*",
    "grep -R notes .",
    "grep -rn 'no$tes' sub 2>/dev/null",
    "rg -L notes",
    "find . -name '*.txt'",
    "wc -l inside.txt sub/more.txt | sort -n",
    "cat inside.txt && echo done; pwd",
    "cat ./sub/../inside.txt",
    "grep -e x -- -dashed",
]


@pytest.mark.parametrize("command", READ_ONLY_INSIDE)
def test_reads_inside_a_folder_without_links_out_are_read_only(
    folders: tuple[Path, Path, Path], command: str
) -> None:
    work, _, home = folders
    verdict = judge(command, work, [work], home)
    assert verdict.read_only, verdict.reason


OUTSIDE_THROUGH_A_LINK = [
    "cat */secret.txt",
    "head -n 3 */id_rsa",
    "grep -R KEY .",
    "tail -n +1 */*",
    "rg -L KEY",
    "rg KEY",
    "cat link/secret.txt",
    "cat l*/s*",
    "ls link/",
    "grep -r KEY sub",  # a search from a clean sub-folder still walks the working folder
    "find -L . -name id_rsa",
    "du -L",
]


@pytest.mark.parametrize("command", OUTSIDE_THROUGH_A_LINK)
def test_reads_through_a_symlink_to_a_folder_outside_are_not(
    folders: tuple[Path, Path, Path], command: str
) -> None:
    work = linked_folder(folders)
    verdict = judge(command, work, [work], folders[2])
    assert not verdict.read_only
    assert "outside" in verdict.reason


OUTSIDE_BY_PATH = [
    "cat ../outside/secret.txt",
    "cat {outside}/secret.txt",
    "cat ~/.ssh/id_rsa",
    "cat ~root/.bashrc",
    "grep --file={outside}/secret.txt x inside.txt",
    "grep -f{outside}/secret.txt inside.txt",
    "grep -rf../outside/secret.txt sub",
    "cat inside.txt ../*/secret.txt",
    "cat sub/../../outside/id_rsa",
    "ls /",
]


@pytest.mark.parametrize("command", OUTSIDE_BY_PATH)
def test_paths_outside_the_folder_are_not_read_only(
    folders: tuple[Path, Path, Path], command: str
) -> None:
    work, outside, home = folders
    verdict = judge(command.format(outside=outside), work, [work], home)
    assert not verdict.read_only and verdict.reason


NOT_READ_ONLY = [
    "cat inside.txt | sh",
    "cat inside.txt > copy.txt",
    "cat inside.txt >> /dev/null2",
    "cat < inside.txt",
    "cat $HOME/.ssh/id_rsa",
    'cat "$HOME/.ssh/id_rsa"',
    "cat ${HOME}/x",
    "cat $(echo x)",
    "cat `echo x`",
    "cat <(echo x)",
    "cat {inside,../outside/secret}.txt",
    "cat inside#../../outside/secret.txt",
    "cat inside.txt\nrm -rf sub",
    "cat inside.txt &",
    "(cat inside.txt)",
    "git status",
    "git log",
    "/bin/cat inside.txt",
    "FOO=1 cat inside.txt",
    "env cat inside.txt",
    "sort -o out.txt inside.txt",
    "sort -ro out.txt inside.txt",
    "find . -delete",
    "find . -exec rm {} ;",
    "rg --pre ./evil x",
    "tree -o out.txt",
    "sed -n 1p inside.txt",
    "awk '{print}' inside.txt",
    "less inside.txt",
    "cat 'unclosed",
    "touch x",
    "",
    "cat inside.txt |",
]


@pytest.mark.parametrize("command", NOT_READ_ONLY)
def test_what_cannot_be_read_with_confidence_is_not_read_only(
    folders: tuple[Path, Path, Path], command: str
) -> None:
    work, _, home = folders
    verdict = judge(command, work, [work], home)
    assert not verdict.read_only and verdict.reason


def test_an_added_folder_is_inside(folders: tuple[Path, Path, Path]) -> None:
    work, outside, home = folders
    linked_folder(folders)
    assert judge("cat */secret.txt", work, [work, outside], home).read_only
    assert judge("grep -R KEY .", work, [work, outside], home).read_only
    assert not judge("cat ~/.ssh/id_rsa", work, [work, outside], home).read_only
    assert judge("cat ~/.ssh/id_rsa", work, [work, home], home).read_only


def test_a_symlinked_file_is_resolved(folders: tuple[Path, Path, Path]) -> None:
    work, outside, home = folders
    (work / "notes.txt").symlink_to(outside / "secret.txt")
    assert not judge("cat notes.txt", work, [work], home).read_only
    assert not judge("cat *.txt", work, [work], home).read_only
    assert not judge("grep -r KEY sub", work, [work], home).read_only


def test_a_link_inside_to_a_folder_that_links_out_is_followed(
    folders: tuple[Path, Path, Path],
) -> None:
    work, outside, home = folders
    (work / "sub" / "away").symlink_to(outside)
    (work / "hop").symlink_to(work / "sub")
    verdict = judge("rg -L KEY hop", work, [work], home)
    assert not verdict.read_only and "away" in verdict.reason


def test_words_and_operators() -> None:
    assert simple_commands("grep -rn 'a b' sub 2>/dev/null | head -3") == [
        SimpleCommand("grep", ("-rn", "a b", "sub", "2")),
        SimpleCommand("head", ("-3",)),
    ]
    assert simple_commands("cat 'x$y' \"a'b\" c\\ d") == [
        SimpleCommand("cat", ("x$y", "a'b", "c d"))
    ]
    for unsure in ("echo $x", 'echo "$x"', "a > b", "a #c", "a\nb", "a & b", "{a,b}"):
        with pytest.raises(Unsure):
            simple_commands(unsure)


def test_values_glued_to_options() -> None:
    assert split_option("--file=/x") == ("--file", "/x")
    assert split_option("--recursive") == ("--recursive", None)
    assert split_option("-rf/etc/x") == ("-rf", "/etc/x")
    assert split_option("-f../x") == ("-f", "../x")
    assert split_option("-n3") == ("-n3", None)
