"""``%claude new``, ``close``, ``fork`` and ``resume``: what a session name stands for."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ccmagic.ipython.arguments import arg
from ccmagic.ipython.commands import subcommand

if TYPE_CHECKING:
    from ccmagic.ipython.magics import ClaudeMagics

SESSION = arg("--session", "-s", metavar="NAME", help="The session (default: the default one).")


@subcommand("new", "start that session afresh (the old conversation stays in the sidecar)", SESSION)
def new(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    name = args.session or magics.default_session
    old = magics.registry.new(name)
    was = f" (the previous conversation was {old})" if old else ""
    print(f"Session {name}: the next cell starts a new conversation{was}.")


@subcommand(
    "close",
    "end a session's Claude Code process; the conversation resumes on next use",
    SESSION,
    arg("--all", action="store_true", help="Close every session of this kernel."),
)
def close(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    if args.all:
        names = [name for name, _ in magics.registry.items()]
    else:
        names = [args.session or magics.default_session]
    for name in names:
        done = magics.registry.close(name)
        state = "closed; it resumes on next use" if done else "was not running"
        print(f"Session {name}: {state}.")


@subcommand(
    "fork",
    "branch a conversation under a new name",
    arg("--session", "-s", metavar="NAME", required=True, help="The conversation to branch."),
    arg("--as", dest="new_name", metavar="NEW", required=True, help="Name of the new branch."),
)
def fork(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    branch = magics.registry.fork(args.session, args.new_name, magics.default_options())
    if branch is None:
        print(f"Session {args.new_name}: already a branch of {args.session} at this point.")
        return
    print(
        f"Session {args.new_name}: a branch of {args.session} "
        f"(new id {branch.session_id}); its next cell continues from there."
    )


@subcommand(
    "resume",
    "continue a Claude Code session started elsewhere (a terminal, a script) under a name",
    arg("session_id", metavar="SESSION_ID", help="Id of the Claude Code session."),
    SESSION,
)
def resume(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    name = args.session or magics.default_session
    magics.registry.bind(name, args.session_id, magics.default_options())
    print(f"Session {name}: now continues Claude Code session {args.session_id}.")
