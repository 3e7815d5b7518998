"""``%claude SUBCOMMAND``: one table of subcommands, from which both dispatch and help come.

Each subcommand lives in a small module of this package and registers itself with
:func:`subcommand`; ``%%claude?`` lists exactly what is registered here, so help and code
cannot drift apart (a test checks the README's table too).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from ccmagic.ipython.arguments import Arg, CommandParser, HelpWanted, closest

if TYPE_CHECKING:
    from ccmagic.ipython.magics import ClaudeMagics

Handler = Callable[["ClaudeMagics", argparse.Namespace], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str  # one line: what it does
    parser: CommandParser
    run: Handler


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, summary: str, *args: Arg) -> Callable[[Handler], Handler]:
    """Register ``%claude NAME``: its one-line summary, its arguments and its handler."""

    def register(handler: Handler) -> Handler:
        parser = CommandParser(f"%claude {name}", summary, list(args))
        SUBCOMMANDS[name] = Subcommand(name, summary, parser, handler)
        return handler

    return register


def dispatch(magics: ClaudeMagics, line: str) -> None:
    """Run ``%claude LINE``; an unknown or missing subcommand lists the valid ones."""
    name, _, rest = line.strip().partition(" ")
    command = SUBCOMMANDS.get(name)
    if command is None:
        names = ", ".join(SUBCOMMANDS)
        guess = closest(name, list(SUBCOMMANDS)) if name else None
        got = f"'{name}'" + (f" (did you mean {guess}?)" if guess else "") if name else "nothing"
        raise UsageError(
            f"%claude takes a subcommand: {names} (got {got}). "
            "Use %%claude (two %) to ask Claude in a cell; %claude? shows the help."
        )
    try:
        args = command.parser.parse(rest)
    except HelpWanted:
        print(command.parser.format_help())
        return
    command.run(magics, args)


def subcommands_help() -> str:
    """The line magics, as ``%%claude?`` shows them."""
    lines = ["Line magics (%claude SUBCOMMAND; add -h for one's options):"]
    for command in SUBCOMMANDS.values():
        lines.append(f"  {command.parser.usage_line}")
        lines.append(f"      {command.summary}")
    return "\n".join(lines)


def _register() -> None:
    """Import the subcommand modules, in the order help lists them."""
    import importlib

    for module in ("views", "conversations", "demo"):
        importlib.import_module(f"ccmagic.ipython.commands.{module}")


_register()
