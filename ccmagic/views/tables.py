"""What ``%claude history``, ``cost`` and ``sessions`` show.

A saved notebook must read the same in JupyterLab after reopening, on GitHub and in nbconvert,
so what these show is HTML with a ``text/plain`` twin: no widget, whose output would read
"Error displaying widget: model not found" once its kernel is gone. The history table is still
interactive without a kernel: a click on a prompt opens the whole turn (``<details>``). The
ipywidgets browser is there on request, as an output of its own. Long histories are paged:
only the shown page is ever built. Every cell of every column may be missing (``None``, NaN,
``pandas.NA``); an unknown cost reads as unknown, never as $0. pandas and markdown-it are
imported on first use. The cost table and plot are in :mod:`ccmagic.views.cost`, the widget
in :mod:`ccmagic.views.widget`.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ccmagic.core.turns import format_cost, format_duration, format_total, is_missing, shorten

if TYPE_CHECKING:
    import pandas as pd

# (session id, turn) -> data URIs of small pictures of the turn's images, and how many it had
Thumbnails = Callable[[str, int], tuple[list[str], int]]
PAGE_SIZE = 25
NO_MATH = "tex2jax_ignore mathjax_ignore"  # two costs ("$0.01 ... $0.02") are not LaTeX


def no_math(text: str) -> str:
    """``text`` as HTML that JupyterLab's and Notebook's MathJax leave alone."""
    return f"<span class='{NO_MATH}'>{html.escape(text)}</span>"


def _status(row: Any) -> str:
    if is_missing(row.turn) and (row.is_error is True or row.interrupted is True):
        return "not sent"
    if row.interrupted is True:
        return "interrupted"
    return "error" if row.is_error is True else "ok"


def _count(value: Any) -> int:
    return 0 if is_missing(value) else int(value)


def _local_minute(value: Any) -> str:
    """A timestamp in this machine's time zone, to the minute; empty when missing."""
    if is_missing(value):
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(local_zone())
    return str(value.strftime("%Y-%m-%d %H:%M"))


def local_zone() -> Any:
    from datetime import datetime

    return datetime.now().astimezone().tzinfo


def utc_times(frame: pd.DataFrame) -> pd.Series:
    """``started_at`` as UTC timestamps whatever the column holds (a missing one is NaT)."""
    import pandas as pd

    return pd.to_datetime(frame["started_at"], utc=True, errors="coerce", format="ISO8601")


def turn_rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Table cells for a page of ``ccmagic.history()`` rows (any value may be missing)."""
    rows: list[tuple[str, ...]] = []
    for row in frame.itertuples():
        line = _count(getattr(row, "line", None))
        name = "" if is_missing(row.session) else str(row.session)
        if line > 1:
            name += f" (line {line})"
        rows.append(
            (
                name,
                "-" if is_missing(row.turn) else str(row.turn),
                _local_minute(row.started_at),
                "" if is_missing(row.prompt) else shorten(row.prompt, 60),
                f"{_count(row.input_tokens):,}/{_count(row.output_tokens):,}",
                format_cost(row.cost_usd),
                format_duration(_count(row.duration_ms)),
                _status(row),
            )
        )
    return rows


HEADER = ("session", "turn", "time", "prompt", "tokens in/out", "cost", "duration", "status")


def totals_line(frame: pd.DataFrame) -> str:
    """``12 turns (+ 1 not sent) · 4,800 tokens in / 240 out · ≥ $0.0096 + 1 turn of unknown
    cost in all``: a try that never reached Claude is a row of the table but not a turn."""
    numbered = frame[frame["turn"].notna()]
    unknown = int(numbered["cost_usd"].isna().sum())
    known = float(frame["cost_usd"].sum(skipna=True))
    tokens_in = int(frame["input_tokens"].sum(skipna=True))
    tokens_out = int(frame["output_tokens"].sum(skipna=True))
    turns, unsent = len(numbered), len(frame) - len(numbered)
    return (
        f"{turns:,} turn{'s' if turns != 1 else ''}"
        + (f" (+ {unsent:,} not sent)" if unsent else "")
        + f" · {tokens_in:,} tokens in / {tokens_out:,} out · "
        f"{format_total(known, unknown, turns)} in all"
    )


@functools.cache
def _markdown() -> Any:
    """CommonMark (with tables) whose raw HTML is escaped and whose ``javascript:`` links are
    refused: an answer cannot inject markup into the notebook."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def answer_html(answer: str) -> str:
    """A recorded answer (Markdown) as the safe HTML a notebook shows."""
    return str(_markdown().render(answer))


def _full_turn(row: Any) -> str:
    """The whole turn: the prompt as written, the tools it called in order, the answer
    rendered as Markdown."""
    prompt = "" if is_missing(row.prompt) else str(row.prompt)
    answer = "" if is_missing(row.response) else str(row.response)
    called = getattr(row, "tools", None)
    tools = [] if is_missing(called) else [t for t in str(called).split(", ") if t]
    style = "margin:4px 0"
    parts = [
        f"<div style='{style};white-space:pre-wrap'><b>prompt</b>\n{html.escape(prompt)}</div>"
    ]
    if tools:
        listed = "".join(f"<li>{html.escape(tool)}</li>" for tool in tools)
        parts.append(f"<div style='{style}'><b>tool calls</b><ol>{listed}</ol></div>")
    shown = answer_html(answer) if answer else "<p><i>(no answer)</i></p>"
    parts.append(f"<div style='{style}'><b>answer</b>{shown}</div>")
    return "".join(parts)


def _pictures(row: Any, thumbnails: Thumbnails | None) -> tuple[str, str]:
    """What the row says of its turn's images: a note for the prompt, the thumbnails."""
    if thumbnails is None or is_missing(row.turn) or is_missing(row.session_id):
        return "", ""
    shown, count = thumbnails(str(row.session_id), int(row.turn))
    if not count:
        return "", ""
    note = f" [{count} image{'s' if count != 1 else ''}]"
    images = "".join(f"<img src='{uri}' style='height:64px;margin:2px' alt='image'>"
                     for uri in shown)  # fmt: skip
    return note, f"<div>{images}</div>" if images else ""


def static_table(
    frame: pd.DataFrame,
    page: int,
    page_size: int = PAGE_SIZE,
    *,
    newest_first: bool = False,
    thumbnails: Thumbnails | None = None,
) -> tuple[str, str]:
    """One page of turns as (HTML, plain text), with the totals of all of them. In the HTML a
    click on a prompt shows the whole turn, with no kernel or widget needed; a turn that
    carried images shows small pictures of them. ``frame`` is oldest first (as ``history()``
    returns it); ``newest_first`` shows it the other way."""
    ordered = frame.iloc[::-1] if newest_first else frame
    start = page * page_size
    shown = ordered.iloc[start : start + page_size]
    rows = turn_rows(shown)
    last = start + len(shown)
    order = "newest first" if newest_first else "oldest first"
    where = f"rows {start + 1} to {last} of {len(frame):,}, {order}" if len(shown) else "no rows"
    caption = f"{totals_line(frame)} · showing {where}"
    if last < len(frame):
        more = "older ones: %claude history" if newest_first else "newer ones: page"
        caption += f" · {more} --page {page + 2}"
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = []
    for cells, row in zip(rows, shown.itertuples(), strict=True):
        tds = [f"<td>{html.escape(c)}</td>" for c in cells]
        summary = html.escape(cells[3]) or "(empty)"
        note, pictures = _pictures(row, thumbnails)
        tds[3] = (
            f"<td style='text-align:left'>{pictures}<details><summary>{summary}{note}</summary>"
            f"{_full_turn(row)}</details></td>"
        )
        body.append("<tr>" + "".join(tds) + "</tr>")
    table = (
        f"<table class='ccmagic-history {NO_MATH}'><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(HEADER)]  # fmt: skip
    lines = [caption, "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return table, "\n".join(lines).rstrip()


def history_bundle(
    frame: pd.DataFrame, page: int = 0, thumbnails: Thumbnails | None = None
) -> dict[str, str]:
    """``%claude history``: a page of turns, newest first, as HTML and plain text."""
    table, plain = static_table(frame, page, newest_first=True, thumbnails=thumbnails)
    return {"text/html": table, "text/plain": plain}


def sessions_table(
    frame: pd.DataFrame, live: set[str] | None, everything: bool = False
) -> pd.DataFrame:
    """``%claude sessions``: one row per session name, for a person to read (turns and cost
    *spent* under it on every line, what its current *line* holds when that differs, last
    activity in local time, live, tags); ``everything``: every conversation with every
    column of ``ccmagic.sessions()``. ``live``: the ids with a running Claude Code process
    (``None`` outside a kernel: no such column)."""
    frame = frame.copy()
    if live is not None:
        frame.insert(3, "live", frame["session_id"].isin(live))
    if everything:
        return frame
    current = frame[frame["current"].fillna(True).astype(bool)]
    spent = [
        format_total(0.0 if is_missing(known) else float(known), _count(unknown), _count(turns))
        for known, unknown, turns in zip(
            current["spent_usd"],
            current["spent_unknown_cost_turns"],
            current["spent_turns"],
            strict=True,
        )
    ]
    line = [
        "" if is_missing(usd) or (not is_missing(whole) and float(usd) == float(whole))
        else format_cost(usd)
        for usd, whole in zip(current["line_cost_usd"], current["spent_usd"], strict=True)
    ]  # fmt: skip
    table = current.assign(
        turns=current["spent_turns"],
        spent=spent,
        this_line=line,
        last_activity=[_local_minute(t) for t in current["last_at"]],
        tags=current["tags"].fillna(""),
    )
    columns = ["session", "turns", "spent", "this_line", "last_activity", "live", "tags"]
    if not any(line):
        columns.remove("this_line")
    return table[[c for c in columns if c in table.columns]].set_index("session")
