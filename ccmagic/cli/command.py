"""The ``ccmagic`` command: a sidecar's sessions, history and cost in a terminal or CI, and
its place in git.

    ccmagic sessions FILE [--tag TAG] [--all]
    ccmagic history FILE [--session NAME]
    ccmagic cost FILE [--by session|day|model]
    ccmagic git-setup [--global]             merge and diff *.claude.json by their events
    ccmagic merge-driver ANCESTOR OURS THEIRS [PATH]     (git runs it)
    ccmagic textconv FILE                                 (git diff runs it)

FILE is a notebook (its sidecar is read) or a ``.claude.json`` sidecar.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ccmagic.errors import CCMagicError


def _sessions(args: argparse.Namespace) -> str:
    from ccmagic.views.frames import sessions
    from ccmagic.views.tables import sessions_table

    frame = sessions(tags=args.tag, sidecar=args.file)
    if frame.empty:
        return f"No sessions{' tagged ' + ', '.join(args.tag) if args.tag else ''} in {args.file}."
    return str(sessions_table(frame, None, everything=args.all).to_string())


def _history(args: argparse.Namespace) -> str:
    from ccmagic.views.frames import history
    from ccmagic.views.tables import static_table

    frame = history(args.session, sidecar=args.file)
    if frame.empty:
        return f"No turns recorded{' for ' + args.session if args.session else ''} in {args.file}."
    return static_table(frame, 0, page_size=len(frame))[1]


def _cost(args: argparse.Namespace) -> str:
    from ccmagic.views.frames import history
    from ccmagic.views.tables import cost_table, totals_line

    frame = history(sidecar=args.file)
    if frame.empty:
        return f"No turns recorded in {args.file}: nothing has cost anything."
    return totals_line(frame) + "\n\n" + cost_table(frame, args.by).to_string()


def _git_setup(args: argparse.Namespace) -> str:
    from ccmagic.cli.git import git_setup

    return git_setup(args.globally)


def _merge_driver(args: argparse.Namespace) -> str:
    from ccmagic.sidecar.merge import merge

    said = merge(Path(args.ancestor), Path(args.ours), Path(args.theirs))
    return f"ccmagic merged {args.path or args.ours}" + (f": {said}" if said else "")


def _textconv(args: argparse.Namespace) -> str:
    from ccmagic.sidecar.merge import text_of

    return text_of(Path(args.file)).rstrip("\n")


SIDECARLESS = {"git-setup", "merge-driver", "textconv"}  # commands that read no FILE sidecar


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="ccmagic", description=__doc__.splitlines()[0])
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers: dict[str, Callable[[argparse.Namespace], str]] = {}

    def command(name: str, summary: str, handler: Callable[[argparse.Namespace], str]) -> Any:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("file", metavar="FILE", help="a notebook or its .claude.json sidecar")
        sub.set_defaults(handler=handler)
        handlers[name] = handler
        return sub

    sessions = command("sessions", "the conversations a sidecar records", _sessions)
    sessions.add_argument("--tag", action="append", help="only sessions with this tag")
    sessions.add_argument("--all", action="store_true", help="every conversation and column")
    history = command("history", "every recorded turn", _history)
    history.add_argument("--session", "-s", help="only this session")
    cost = command("cost", "what the recorded turns cost", _cost)
    cost.add_argument("--by", choices=("session", "day", "model"), default="session")
    setup = commands.add_parser("git-setup", help="merge and diff *.claude.json by their events")
    setup.add_argument("--global", dest="globally", action="store_true",
                       help="for all your repositories (else this one)")  # fmt: skip
    setup.set_defaults(handler=_git_setup)
    driver = commands.add_parser("merge-driver", help="git's merge driver (git runs it)")
    for name in ("ancestor", "ours", "theirs"):
        driver.add_argument(name)
    driver.add_argument("path", nargs="?", default="")
    driver.set_defaults(handler=_merge_driver)
    textconv = commands.add_parser("textconv", help="a sidecar as text (git diff runs it)")
    textconv.add_argument("file")
    textconv.set_defaults(handler=_textconv)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    from ccmagic.views.frames import sidecars_for

    args = parser().parse_args(argv)
    if args.command in SIDECARLESS:
        try:
            said = args.handler(args)
        except (CCMagicError, OSError, ValueError) as problem:
            print(f"ccmagic {args.command}: {problem}", file=sys.stderr)
            return 1
        print(said, file=sys.stderr if args.command == "merge-driver" else sys.stdout)
        return 0
    if not any(car.path.exists() for car in sidecars_for(args.file)):
        print(f"ccmagic: no sidecar at {sidecars_for(args.file)[0].path}", file=sys.stderr)
        return 1
    args.file = Path(args.file)
    try:
        print(args.handler(args))
    except CCMagicError as problem:
        print(f"ccmagic: {problem.message}", file=sys.stderr)
        if problem.hint:
            print(problem.hint, file=sys.stderr)
        return 1
    except FileNotFoundError as problem:
        print(f"ccmagic: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
