"""``%claude history``, ``%claude cost`` and ``%claude sessions``: the notebook's sidecar,
shown."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ccmagic.ipython.arguments import arg
from ccmagic.ipython.commands import subcommand

if TYPE_CHECKING:
    import pandas as pd

    from ccmagic.ipython.magics import ClaudeMagics


def _no_turns(magics: ClaudeMagics, session: str | None, frame: pd.DataFrame) -> str:
    """What to say when there is nothing to show: which sessions do have turns."""
    if session is None:
        return "No turns recorded yet for this notebook: run a %%claude cell."
    import ccmagic

    names = sorted(set(ccmagic.history(notebook=magics.notebook.path)["session"]))
    have = f"Sessions with turns: {', '.join(names)}." if names else "No session has turns yet."
    return f"No turns recorded for session {session}. {have}"


@subcommand(
    "history",
    "every turn, newest first: click a prompt to read the turn in full",
    arg("--session", "-s", metavar="NAME", help="Only this session."),
    arg("--page", type=int, default=1, metavar="N", help="Page N of older turns (25 a page)."),
    arg("--widget", action="store_true",
        help="A live browser (ipywidgets: pick a session, page, click a turn); it needs the "
             "kernel, so after reopening a notebook run its cell again."),
)  # fmt: skip
def history(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    from IPython.display import display

    from ccmagic.views.tables import history_bundle
    from ccmagic.views.thumbnails import Thumbnails
    from ccmagic.views.widget import HistoryView

    frame = magics.history_frame(args.session)
    if frame.empty:
        print(_no_turns(magics, args.session, frame))
        return
    if args.page < 1:
        from IPython.core.error import UsageError

        raise UsageError("--page counts from 1 (the newest turns).")
    pictures = Thumbnails(magics.notebook.path)
    if args.widget:  # one output: the widget, with the static table as its saved form
        display(HistoryView(frame, args.session))
    else:
        display(history_bundle(frame, page=args.page - 1, thumbnails=pictures), raw=True)


@subcommand(
    "cost",
    "cost table with totals (by session, day or model) and a plot of cumulative cost",
    arg("--by", choices=("session", "day", "model"), default="session", help="Group by."),
    arg("--no-plot", action="store_true", help="Only the table, without the plot."),
)
def cost(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    from IPython.display import display

    from ccmagic.views.cost import cost_bundle, cost_table, plot_cumulative_cost
    from ccmagic.views.tables import totals_line

    frame = magics.history_frame()
    if frame.empty:
        print("No turns recorded yet: nothing has cost anything.")
        return
    print(totals_line(frame))
    display(cost_bundle(cost_table(frame, args.by)), raw=True)
    if not args.no_plot:
        try:
            display(plot_cumulative_cost(frame), raw=True)
        except ImportError:
            print(
                "Install matplotlib for the plot of cumulative cost: pip install 'ccmagic[plot]'."
            )


@subcommand(
    "sessions",
    "the notebook's conversations: turns, cost, last activity, live or not, tags",
    arg("--tag", action="append", metavar="TAG", help="Only sessions with this tag (repeat)."),
    arg("--all", action="store_true",
        help="Every conversation (also those replaced by new) with every column."),
)  # fmt: skip
def sessions(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    from IPython.display import display

    import ccmagic
    from ccmagic.views.tables import sessions_table

    frame = ccmagic.sessions(tags=args.tag, notebook=magics.notebook.path)
    if frame.empty:
        tagged = f" tagged {', '.join(args.tag)}" if args.tag else ""
        print(f"No sessions{tagged} recorded for this notebook yet: run a %%claude cell.")
        return
    live = {s.session_id for _, s in magics.registry.items() if s.connected}
    display(sessions_table(frame, live, everything=args.all))
