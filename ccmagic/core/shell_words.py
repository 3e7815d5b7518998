"""A Bash command split into simple commands and their words, or ``None`` when unsure.

Only what can be read with confidence is split: words and the operators between commands
(``|``, ``&&``, ``||``, ``;``) and output sent to ``/dev/null``. Anything whose meaning the
words alone do not give (``$`` expansions, command substitution, brace expansion, comments,
here-documents, redirections that write or read a file, subshells, background jobs) makes the
whole command unparseable, so a caller treats it as "may do anything".
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

SEPARATORS = frozenset({"|", "||", "&&", ";"})
DISCARDING = {">": "/dev/null", ">>": "/dev/null", "&>": "/dev/null"}
FD_DUPS = {">&": {"1", "2"}}  # 2>&1 and >&2 only move output between the terminal's streams
# Characters whose meaning shlex does not model: expansions, brace lists, comments, newlines
# (a second command), history expansion. In single quotes they are literal.
UNSURE_UNQUOTED = frozenset("$`{}#\n\r!")
UNSURE_IN_DOUBLE_QUOTES = frozenset("$`!")


@dataclass(frozen=True)
class SimpleCommand:
    """One program and its words, as Bash passes them after quote removal."""

    name: str
    words: tuple[str, ...]


class Unsure(ValueError):
    """The command cannot be read with confidence; the message says why."""


def simple_commands(command: str) -> list[SimpleCommand]:
    """The simple commands of ``command``; raises :class:`Unsure` when it cannot tell."""
    _refuse_unmodelled(command)
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # "#" was refused above: shlex would end a word where Bash does not
    try:
        tokens = list(lexer)
    except ValueError as problem:  # an unclosed quote or a trailing backslash
        raise Unsure(str(problem)) from None
    commands: list[SimpleCommand] = []
    words: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token in SEPARATORS:
            commands.append(_simple(words))
            words = []
        elif _is_operator(token):
            target = tokens[position + 1] if position + 1 < len(tokens) else ""
            if DISCARDING.get(token) != target and target not in FD_DUPS.get(token, ()):
                raise Unsure(f"the redirection {token} {target}".rstrip())
            position += 1
        else:
            words.append(token)
        position += 1
    commands.append(_simple(words))
    return commands


def _simple(words: list[str]) -> SimpleCommand:
    if not words:
        raise Unsure("an empty command")
    return SimpleCommand(words[0], tuple(words[1:]))


def _is_operator(token: str) -> bool:
    return bool(token) and all(char in "();<>|&" for char in token)


def _refuse_unmodelled(command: str) -> None:
    """Raise :class:`Unsure` at the first character Bash would give a meaning shlex does not
    model, unless a quote makes it literal (a backslash escapes one character outside single
    quotes)."""
    quote = ""
    escaped = False
    for char in command:
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in UNSURE_IN_DOUBLE_QUOTES:
                raise Unsure(f"{char!r} inside double quotes")
        elif char in "'\"":
            quote = char
        elif char in UNSURE_UNQUOTED:
            raise Unsure(f"the character {char!r}")


def split_option(word: str) -> tuple[str, str | None]:
    """``--file=x`` -> (``--file``, ``x``); ``-rf/etc/x`` -> (``-rf``, ``/etc/x``): the value
    glued to an option, which may be a path, or ``None``."""
    if word.startswith("--"):
        name, equals, value = word.partition("=")
        return name, value if equals else None
    for index, char in enumerate(word[1:], start=1):
        if char in "/.~=":
            return word[:index], word[index + (char == "=") :]
    return word, None
