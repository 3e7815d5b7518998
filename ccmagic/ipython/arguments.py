"""Parsing a magic's line: argparse with help a person reads in a notebook, and mistakes that
say what was probably meant.

IPython's ``magic_arguments`` writes its help as reST (``::``, a ``%claude`` usage line for a
cell magic); this parser writes plain text, and turns a typo such as ``--sesion`` into
"did you mean --session?" instead of argparse's bare "unrecognized arguments".
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass, field
from typing import Any, NoReturn

from IPython.core.error import UsageError
from IPython.utils.process import arg_split  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call, kept as data so help and parser come from the same table."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


class HelpWanted(Exception):
    """``-h`` or ``--help`` was on the line: show the help instead of running anything."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser for one magic or subcommand; errors are IPython ``UsageError``s."""

    def __init__(self, prog: str, description: str, args: list[Arg], epilog: str = "") -> None:
        super().__init__(
            prog=prog,
            description=description,
            epilog=epilog or None,
            add_help=False,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for spec in args:
            self.add_argument(*spec.flags, **spec.options)

    def parse(self, line: str) -> argparse.Namespace:
        words = arg_split(line, posix=True)
        if "-h" in words or "--help" in words:
            raise HelpWanted
        return self.parse_args(words)

    @property
    def usage_line(self) -> str:
        return " ".join(self.format_usage().removeprefix("usage: ").split())

    def error(self, message: str) -> NoReturn:
        unknown = message.removeprefix("unrecognized arguments: ")
        if unknown != message:
            raise UsageError(self._unknown_options(unknown.split()))
        raise UsageError(f"{self.prog}: {message}. ({self.prog}? lists the options.)")

    def _unknown_options(self, words: list[str]) -> str:
        """argparse hands back the unknown option and its value as two words: keep them
        together (``--sesion analysis``), and say the line as it was probably meant."""
        options = [o for o in self._option_string_actions if o.startswith("--")]
        given: list[list[str]] = []
        for word in words:
            if word.startswith("-") or not given:
                given.append([word])
            else:
                given[-1].append(word)
        parts = []
        for flag, *values in given:
            name, equals, value = flag.partition("=")
            close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
            said = " ".join([flag, *values])
            meant = " ".join([close[0] + equals + value, *values]) if close else ""
            parts.append(f"{said}: did you mean {meant}?" if meant else said)
        return (
            f"{self.prog} does not take {'; '.join(parts)} "
            f"({self.prog}? lists the options; {self.usage_line})"
        )


def closest(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` was most probably meant to be, if any is close."""
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None
