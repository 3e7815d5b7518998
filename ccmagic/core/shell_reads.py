"""Whether a Bash command only reads, and only inside given folders.

``%config ClaudeMagics.read_only_bash = True`` lets such commands run without asking. A command
qualifies when every simple command in it is a known reader (``cat``, ``grep``, ``ls``, ...)
without an option that writes or runs a program, and every path it may touch, after ``~``,
globs, ``..`` and symlinks are resolved, lies inside the folders. A search that walks folders
(``grep -R``, ``rg``, ``find``) also needs every symlink under them (and under the working
folder, where it searches by default) to stay inside. Words that are not paths (a pattern,
``-n 3``) are checked as if they were: a pattern that looks like a path outside makes the command
ask, which is the safe mistake. Programs that read their own configuration and may run others
from it (``git``, ``less``, ``awk``, ``sed``) are never read-only here.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ccmagic.core.shell_words import SimpleCommand, Unsure, simple_commands, split_option

GLOB_CHARS = frozenset("*?[")
MOST_MATCHES = 2000  # a glob matching more is not checked one by one: the command asks
MOST_WALKED = 20000  # entries a recursive search may have under it and still be checked


@dataclass(frozen=True)
class Reader:
    """A program that only reads: which options make it walk folders, which are refused."""

    recursive: bool | frozenset[str] = False  # always, never, or when one of these is given
    refused: frozenset[str] = frozenset()  # options that write, or run another program


def _options(*names: str) -> frozenset[str]:
    return frozenset(names)


PLAIN_READERS = (
    "cat", "head", "tail", "wc", "nl", "cut", "file", "stat", "cmp", "basename", "dirname",
    "realpath", "readlink", "echo", "pwd", "true", "md5sum", "sha1sum", "sha256sum",
    "sha512sum", "od", "hexdump", "strings",
)  # fmt: skip
_GREP = Reader(
    recursive=_options("-r", "-R", "--recursive", "--dereference-recursive", "-d", "--directories")
)
_FIND_REFUSED = _options(
    "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls"
)
READERS: dict[str, Reader] = {
    **{name: Reader() for name in PLAIN_READERS},
    "ls": Reader(recursive=_options("-R", "--recursive")),
    "grep": _GREP,
    "egrep": _GREP,
    "fgrep": _GREP,
    "diff": Reader(recursive=_options("-r", "--recursive")),
    "rg": Reader(recursive=True, refused=_options("--pre", "-z", "--search-zip", "--hostname-bin")),
    "find": Reader(recursive=True, refused=_FIND_REFUSED),
    "tree": Reader(recursive=True, refused=_options("-o")),
    "du": Reader(recursive=True),
    "sort": Reader(refused=_options("-o", "--output", "--compress-program")),
}


@dataclass(frozen=True)
class Verdict:
    """``read_only``: the command may run freely; otherwise ``reason`` says why not."""

    read_only: bool
    reason: str = ""


def judge(command: str, cwd: Path, folders: Sequence[Path], home: Path) -> Verdict:
    """Whether ``command``, run in ``cwd``, only reads files inside ``folders``."""
    try:
        commands = simple_commands(command)
    except Unsure as problem:
        return Verdict(False, f"cannot read the command with confidence: {problem}")
    roots = [Path(os.path.realpath(folder)) for folder in folders]
    for simple in commands:
        reader = READERS.get(simple.name)
        if reader is None:
            return Verdict(False, f"{simple.name} is not a known read-only program")
        refused = _refused_option(simple, reader)
        if refused:
            return Verdict(False, f"{simple.name} {refused} writes or runs a program")
        try:
            _check_paths(simple, reader, cwd, roots, home)
        except Outside as problem:
            return Verdict(False, str(problem))
    return Verdict(True)


class Outside(Exception):
    """A path the command may read lies outside the folders (or could not be checked)."""


def _refused_option(simple: SimpleCommand, reader: Reader) -> str | None:
    for word in _option_words(simple.words):
        name = split_option(word)[0]
        if name in reader.refused:
            return name
        if not word.startswith("--"):  # a cluster of one-letter options: -ro is -r -o
            letters = {f"-{char}" for char in name[1:]}
            found = sorted(letters & reader.refused)
            if found:
                return found[0]
    return None


def _option_words(words: Iterable[str]) -> Iterable[str]:
    for word in words:
        if word == "--":
            return
        if word.startswith("-") and word != "-":
            yield word


def _candidates(words: Sequence[str]) -> list[str]:
    """Every word that may name a path: operands, and values glued to options."""
    out: list[str] = []
    options_end = False
    for word in words:
        if word == "--" and not options_end:
            options_end = True
        elif word.startswith("-") and word != "-" and not options_end:
            value = split_option(word)[1]
            if value:
                out.append(value)
        else:
            out.append(word)
    return out


def _walks(simple: SimpleCommand, reader: Reader) -> bool:
    if isinstance(reader.recursive, bool):
        return reader.recursive
    for word in _option_words(simple.words):
        name = split_option(word)[0]
        if name in reader.recursive:
            return True
        if not word.startswith("--") and any(f"-{c}" in reader.recursive for c in name[1:]):
            return True
    return False


def _check_paths(
    simple: SimpleCommand, reader: Reader, cwd: Path, roots: list[Path], home: Path
) -> None:
    walks = _walks(simple, reader)
    if walks:  # with no folder named it searches the working folder: check that always
        _walk(cwd, roots)
    for word in _candidates(simple.words):
        for path in _expand(word, cwd, home):
            real = Path(os.path.realpath(path))
            if not _inside(real, roots):
                raise Outside(f"{word} is outside the working folder ({real})")
            if walks and real.is_dir():
                _walk(real, roots)


def _expand(word: str, cwd: Path, home: Path) -> list[Path]:
    """The paths ``word`` may stand for: itself, with ``~`` expanded, and what globs match."""
    spellings = {word}
    if word == "~" or word.startswith("~/"):
        spellings.add(str(home) + word[1:])
    elif word.startswith("~"):  # ~user: another user's home
        raise Outside(f"{word} names another user's home")
    paths: list[Path] = []
    for spelling in spellings:
        paths.append(cwd / spelling)  # an absolute spelling replaces cwd
        if GLOB_CHARS & set(spelling):
            matches = glob.glob(spelling, root_dir=cwd, include_hidden=True)
            if len(matches) > MOST_MATCHES:
                raise Outside(f"{word} matches more than {MOST_MATCHES} paths")
            paths.extend(cwd / match for match in matches)
    return paths


def _inside(real: Path, roots: Sequence[Path]) -> bool:
    return any(real == root or real.is_relative_to(root) for root in roots)


def _walk(top: Path, roots: list[Path]) -> None:
    """Raise :class:`Outside` if a search that follows symlinks would leave ``roots`` from
    ``top``: every symlink below is resolved; folders it links to inside are searched too."""
    pending, seen, count = [Path(os.path.realpath(top))], set(), 0
    while pending:
        folder = pending.pop()
        if folder in seen:
            continue
        seen.add(folder)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # unreadable for us is unreadable for the command too
        for entry in entries:
            count += 1
            if count > MOST_WALKED:
                raise Outside(f"{top} holds more than {MOST_WALKED} entries to check")
            if entry.is_symlink():
                real = Path(os.path.realpath(entry.path))
                if not _inside(real, roots):
                    raise Outside(f"{entry.path} links outside the working folder ({real})")
                if real.is_dir():
                    pending.append(real)
            elif entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
