"""What ``%claude history``, ``cost`` and ``sessions`` show.

A saved notebook must read the same in JupyterLab after reopening, on GitHub and in nbconvert,
so what these show is HTML with a ``text/plain`` twin: no widget, whose output would read
"Error displaying widget: model not found" once its kernel is gone. The history table is still
interactive without a kernel: a click on a prompt opens the whole turn (``<details>``). The
ipywidgets browser is there on request, as an output of its own. Long histories are paged:
only the shown page is ever built. Every cell of every column may be missing (``None``, NaN,
``pandas.NA``); an unknown cost reads as unknown, never as $0. pandas, ipywidgets and
matplotlib are imported here, on first use.
"""

from __future__ import annotations

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
ALL = "(all sessions)"


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
        value = value.astimezone(_local_zone())
    return str(value.strftime("%Y-%m-%d %H:%M"))


def _local_zone() -> Any:
    from datetime import datetime

    return datetime.now().astimezone().tzinfo


def _times(frame: pd.DataFrame) -> pd.Series:
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
    """``12 turns · 4,800 tokens in / 240 out · ≥ $0.0096 + 1 turn of unknown cost``."""
    numbered = frame[frame["turn"].notna()]
    unknown = int(numbered["cost_usd"].isna().sum())
    known = float(frame["cost_usd"].sum(skipna=True))
    tokens_in = int(frame["input_tokens"].sum(skipna=True))
    tokens_out = int(frame["output_tokens"].sum(skipna=True))
    turns = len(numbered)
    return (
        f"{turns:,} turn{'s' if turns != 1 else ''} · {tokens_in:,} tokens in / "
        f"{tokens_out:,} out · {format_total(known, unknown, turns)} in all"
    )


def _full_turn(row: Any) -> str:
    """The whole prompt and answer of a turn, as escaped preformatted HTML."""
    prompt = "" if is_missing(row.prompt) else str(row.prompt)
    answer = "" if is_missing(row.response) else str(row.response)
    style = "white-space:pre-wrap;margin:4px 0"
    return (
        f"<div style='{style}'><b>prompt</b>\n{html.escape(prompt)}</div>"
        f"<div style='{style}'><b>answer</b>\n{html.escape(answer) or '<i>(no answer)</i>'}</div>"
    )


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
    thumbnails: Thumbnails | None = None,
) -> tuple[str, str]:
    """One page of turns as (HTML, plain text), with the totals of all of them. In the HTML a
    click on a prompt shows the whole turn, with no kernel or widget needed; a turn that
    carried images shows small pictures of them."""
    start = page * page_size
    shown = frame.iloc[start : start + page_size]
    rows = turn_rows(shown)
    last = start + len(shown)
    where = f"turns {start + 1} to {last} of {len(frame):,}" if len(shown) else "no turns"
    caption = f"{totals_line(frame)} · showing {where}"
    if last < len(frame):
        caption += f" · older ones: %claude history --page {page + 2}"
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
    table, plain = static_table(frame.iloc[::-1], page, thumbnails=thumbnails)
    return {"text/html": table, "text/plain": plain}


class HistoryView:
    """The turns of a notebook's sessions: picker, one page of rows, totals, the chosen turn."""

    def __init__(self, frame: pd.DataFrame, session: str | None = None) -> None:
        import ipywidgets as w

        self.frame = frame
        names = sorted({str(n) for n in frame["session"] if not is_missing(n)})
        self.picker = w.Dropdown(options=[ALL, *names], value=session or ALL,
                                 description="Session")  # fmt: skip
        self.totals = w.HTML()
        self.rows = w.Select(rows=PAGE_SIZE, layout=w.Layout(width="100%"))
        self.previous = w.Button(description="◀ newer", layout=w.Layout(width="auto"))
        self.next = w.Button(description="older ▶", layout=w.Layout(width="auto"))
        self.page_label = w.Label()
        self.detail = w.Output(layout=w.Layout(border="1px solid #ddd", padding="4px"))
        self.widget = w.VBox([
            w.HBox([self.picker, self.totals]),
            self.rows,
            w.HBox([self.previous, self.page_label, self.next]),
            self.detail,
        ])  # fmt: skip
        self.page = 0
        self.picker.observe(lambda _: self._select_session(), names="value")
        self.rows.observe(lambda change: self._show_turn(change["new"]), names="value")
        self.previous.on_click(lambda _: self._turn_page(-1))
        self.next.on_click(lambda _: self._turn_page(1))
        self._select_session()

    @property
    def shown(self) -> pd.DataFrame:
        """The chosen session's turns, newest first (the first page is the latest)."""
        frame = self.frame
        if self.picker.value != ALL:
            frame = frame[frame["session"] == self.picker.value]
        return frame.iloc[::-1]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.shown) // PAGE_SIZE))

    def _select_session(self) -> None:
        self.page = 0
        self.totals.value = no_math(totals_line(self.shown)) if len(self.shown) else ""
        self._fill()

    def _turn_page(self, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._fill()

    def _fill(self) -> None:
        start = self.page * PAGE_SIZE
        page = self.shown.iloc[start : start + PAGE_SIZE]
        labels = [" │ ".join(cells) for cells in turn_rows(page)]
        self.rows.options = list(zip(labels, page.index, strict=True))
        self.rows.rows = max(3, min(PAGE_SIZE, len(labels)))
        self.page_label.value = f"page {self.page + 1} of {self.pages}"
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    def _show_turn(self, index: Any) -> None:
        from IPython.display import Markdown

        self.detail.outputs = ()
        if index is None:
            return
        row = self.frame.loc[index]
        turn = "-" if is_missing(row["turn"]) else row["turn"]
        prompt = "" if is_missing(row["prompt"]) else row["prompt"]
        answer = "" if is_missing(row["response"]) else row["response"]
        self.detail.append_display_data(Markdown(f"**{row['session']} #{turn}**: prompt"))
        self.detail.append_display_data(Markdown(prompt))
        self.detail.append_display_data(Markdown(f"**answer**\n\n{answer or '*(no answer)*'}"))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/plain": "(the live history browser: it needs the kernel)"}


def cost_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cost, turns and tokens grouped by session, day or model, with a total row. A group
    whose every cost is unknown has cost ``<NA>``, not 0; ``unknown_cost_turns`` says how many
    turns each sum leaves out. Tries that never reached the model are not turns."""
    import pandas as pd

    frame = frame[frame["turn"].notna()]
    if by == "day":
        key = _times(frame).dt.tz_convert(_local_zone()).dt.strftime("%Y-%m-%d")
        key = key.fillna("(unknown)")
    else:
        key = frame[by].astype("string").fillna("(unknown)")
    costs = frame["cost_usd"].astype("Float64")
    table = pd.DataFrame(
        {
            "turns": frame.groupby(key.rename(by)).size(),
            "cost_usd": costs.groupby(key.rename(by)).sum(min_count=1),
            "unknown_cost_turns": costs.isna().groupby(key.rename(by)).sum(),
            "input_tokens": frame["input_tokens"].fillna(0).groupby(key.rename(by)).sum(),
            "output_tokens": frame["output_tokens"].fillna(0).groupby(key.rename(by)).sum(),
        }
    )
    total = pd.DataFrame(
        {
            "turns": [len(frame)],
            "cost_usd": pd.array([costs.sum(min_count=1)], dtype="Float64"),
            "unknown_cost_turns": [int(costs.isna().sum())],
            "input_tokens": [frame["input_tokens"].fillna(0).sum()],
            "output_tokens": [frame["output_tokens"].fillna(0).sum()],
        },
        index=pd.Index(["total"], name=by),
    )
    counts = ("turns", "unknown_cost_turns", "input_tokens", "output_tokens")
    table = pd.concat([table, total]).astype(dict.fromkeys(counts, "int64"))
    table["cost_usd"] = table["cost_usd"].astype("Float64")
    return table


def cumulative_cost_figure(frame: pd.DataFrame) -> Any:
    """Cumulative known cost over time, one line per session, on an axis from zero."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    frame = frame.assign(started_at=_times(frame))
    frame = frame[frame["started_at"].notna() & frame["turn"].notna()]
    figure, axes = plt.subplots(figsize=(7, 3))
    unknown = 0
    for name, turns in frame.groupby(frame["session"].astype("string").fillna("(unknown)")):
        costs = turns["cost_usd"].astype("Float64")
        unknown += int(costs.isna().sum())
        series = costs.fillna(0).astype(float).cumsum()
        series.index = turns["started_at"]
        series.plot(ax=axes, drawstyle="steps-post", marker="o", label=str(name))
    axes.set_ylim(bottom=0)
    axes.set_ylabel("cumulative cost (USD)")
    axes.set_xlabel("")
    if unknown:
        axes.set_title(f"known costs only: {unknown} turn(s) of unknown cost left out", fontsize=9)
    if len(axes.get_lines()):
        axes.legend(loc="upper left")
    figure.tight_layout()
    return figure


def plot_cumulative_cost(frame: pd.DataFrame) -> dict[str, Any]:
    """:func:`cumulative_cost_figure` as a PNG display bundle.

    Rendered to PNG here rather than left to the kernel's matplotlib backend, which may be one
    (Agg, say) that displays a figure as text only.
    """
    import io

    import matplotlib.pyplot as plt

    figure = cumulative_cost_figure(frame)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    plt.close(figure)
    return {"image/png": png.getvalue(), "text/plain": "<cumulative cost per session>"}


def sessions_table(
    frame: pd.DataFrame, live: set[str] | None, everything: bool = False
) -> pd.DataFrame:
    """``%claude sessions``: one row per current conversation, for a person to read (name,
    turns, cost, last activity in local time, live, tags); ``everything``: every conversation
    with every column of ``ccmagic.sessions()``. ``live``: the ids with a running Claude Code
    process (``None`` outside a kernel: no such column)."""
    frame = frame.copy()
    if live is not None:
        frame.insert(3, "live", frame["session_id"].isin(live))
    if everything:
        return frame
    current = frame[frame["current"].fillna(True).astype(bool)]
    cost = [
        format_total(0.0 if is_missing(known) else float(known), _count(unknown), _count(turns))
        for known, unknown, turns in zip(
            current["cost_usd"], current["unknown_cost_turns"], current["turns"], strict=True
        )
    ]
    table = current.assign(
        cost=cost,
        last_activity=[_local_minute(t) for t in current["last_at"]],
        tags=current["tags"].fillna(""),
    )
    columns = ["session", "turns", "cost", "last_activity", "live", "tags"]
    return table[[c for c in columns if c in table.columns]].set_index("session")
