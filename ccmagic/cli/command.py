"""The ``ccmagic`` command: a sidecar's sessions, history and cost in a terminal or CI, and
its place in git (the usage is in :data:`DESCRIPTION` and :data:`EPILOG`, which ``--help``
prints).

A damaged sidecar is never hidden: what can still be read is shown, the damage and the
recovery file are named on stderr, and the exit status is 1, so CI notices.
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
    return static_table(frame, 0, page_size=len(frame), newest_first=False)[1]


def _cost(args: argparse.Namespace) -> str:
    from ccmagic.views.cost import cost_bundle, cost_table
    from ccmagic.views.frames import history
    from ccmagic.views.tables import totals_line

    frame = history(sidecar=args.file)
    if frame.empty:
        return f"No turns recorded in {args.file}: nothing has cost anything."
    return totals_line(frame) + "\n\n" + cost_bundle(cost_table(frame, args.by))["text/plain"]


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
TURN_LINE = b'{"event": "turn"'  # how a sidecar's turn lines start (one event per line)
DESCRIPTION = """\
What a notebook's Claude sessions recorded, read from its sidecar (<notebook>.claude.json),
in a terminal or CI; and the sidecar's place in git."""
EPILOG = """\
FILE is a notebook (its sidecar beside it is read) or a .claude.json sidecar. Turns recorded
while the sidecar was damaged are in <name>.claude.recovery.json beside it; both are read.

examples:
  ccmagic history analysis.ipynb --session review
  ccmagic cost analysis.claude.json --by day
  ccmagic git-setup

exit status: 0 when everything was read; 1 on an error, or when a sidecar file is damaged
(then what could be read is shown, and stderr says which file and what to do)."""


def damage_report(file: Path) -> str | None:
    """What is wrong with the sidecar files read for ``file``, what it leaves out of the
    figures shown and where the recovery file is; ``None`` when every one reads cleanly."""
    from ccmagic.sidecar.file import recovery_path
    from ccmagic.sidecar.format import SUFFIX
    from ccmagic.views.frames import sidecars_for

    said = []
    for car in sidecars_for(file):
        try:
            car.check()
        except CCMagicError as problem:
            turns = sum(1 for line in car.path.read_bytes().splitlines()
                        if line.startswith(TURN_LINE))  # fmt: skip
            held = (
                f"the {turns:,} turn{'s' if turns != 1 else ''} recorded in it"
                if turns
                else ("whatever it records")
            )
            said += [f"{problem.message} {problem.hint}".strip(),
                     f"Left out of every count and total shown: {held}."]  # fmt: skip
            recovery = recovery_path(car.path)
            if car.path.name.endswith(SUFFIX) and recovery.exists():
                said.append(
                    f"Turns recorded since are in {recovery} (they are shown); new turns go "
                    f"there until {car.path.name} is repaired or moved away."
                )
    return "\n".join(said) or None


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="ccmagic",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    history = command("history", "every recorded turn, oldest first (as the notebook reads)",
                      _history)  # fmt: skip
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
    damage = damage_report(args.file)
    if damage:
        print(f"\nccmagic: warning: {damage}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
