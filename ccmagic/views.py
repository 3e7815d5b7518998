"""What ``%claude history``, ``cost``, ``sessions`` and the cost badge show.

Widgets do not survive saving a notebook, so every widget is displayed in one output together
with a static HTML table and a ``text/plain`` one: a live frontend shows the widget, GitHub's
viewer and nbconvert the table. Long histories are paged: only the visible page is ever built.
pandas, ipywidgets and matplotlib are imported here, on first use.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ccmagic.render import format_cost, format_duration

if TYPE_CHECKING:
    import pandas as pd

PAGE_SIZE = 25
ALL = "(all sessions)"
NO_MATH = "tex2jax_ignore mathjax_ignore"  # two costs ("$0.01 ... $0.02") are not LaTeX


def no_math(text: str) -> str:
    """``text`` as HTML that JupyterLab's and Notebook's MathJax leave alone."""
    return f"<span class='{NO_MATH}'>{html.escape(text)}</span>"


def _status(row: Any) -> str:
    if row.interrupted:
        return "interrupted"
    return "error" if row.is_error else "ok"


def _excerpt(text: str, limit: int = 60) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def turn_rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Table cells for a page of ``ccmagic.history()`` rows."""
    rows: list[tuple[str, ...]] = []
    for row in frame.itertuples():
        cost = None if row.cost_usd is None or row.cost_usd != row.cost_usd else row.cost_usd
        rows.append(
            (
                str(row.session),
                str(row.turn),
                row.started_at.strftime("%Y-%m-%d %H:%M")
                if row.started_at == row.started_at
                else "",
                _excerpt(row.prompt),
                f"{int(row.input_tokens or 0):,}/{int(row.output_tokens or 0):,}",
                format_cost(cost),
                format_duration(int(row.duration_ms or 0)),
                _status(row),
            )
        )
    return rows


HEADER = ("session", "turn", "time (UTC)", "prompt", "tokens in/out", "cost", "duration", "status")


def totals_line(frame: pd.DataFrame) -> str:
    unknown = int(frame["cost_usd"].isna().sum())
    extra = f" (+{unknown} of unknown cost)" if unknown else ""
    return (
        f"{len(frame):,} turns · {int(frame['input_tokens'].sum()):,} tokens in / "
        f"{int(frame['output_tokens'].sum()):,} out · "
        f"{format_cost(float(frame['cost_usd'].sum()))} in all{extra}"
    )


def static_table(frame: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> tuple[str, str]:
    """One page of turns as (HTML, plain text), with the totals of all of them."""
    start = page * page_size
    shown = frame.iloc[start : start + page_size]
    rows = turn_rows(shown)
    last = start + len(shown)
    where = f"turns {start + 1} to {last} of {len(frame):,}" if len(frame) else "no turns"
    caption = f"{totals_line(frame)} · showing {where}"
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    table = (
        f"<table class='ccmagic-history {NO_MATH}'><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(HEADER)]  # fmt: skip
    lines = [caption, "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return table, "\n".join(lines)


class HistoryView:
    """The turns of a notebook's sessions: picker, one page of rows, totals, the chosen turn."""

    def __init__(self, frame: pd.DataFrame, session: str | None = None) -> None:
        import ipywidgets as w

        self.frame = frame
        names = sorted(frame["session"].unique())
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
        prompt = f"**{row['session']} #{row['turn']}**: prompt\n\n{row['prompt']}"
        self.detail.append_display_data(Markdown(prompt))
        self.detail.append_display_data(
            Markdown(f"**answer**\n\n{row['response'] or '*(no answer)*'}")
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        table, plain = static_table(self.shown, 0)
        return {**bundle, "text/html": table, "text/plain": plain}


def cost_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cost, turns and tokens grouped by session, day or model, with a total row."""
    import pandas as pd

    key = frame["started_at"].dt.strftime("%Y-%m-%d") if by == "day" else frame[by]
    grouped = frame.groupby(key.rename(by), dropna=False).agg(
        turns=("turn", "count"),
        cost_usd=("cost_usd", "sum"),
        unknown_cost_turns=("cost_usd", lambda c: int(c.isna().sum())),
        input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"),
    )
    total = pd.DataFrame([grouped.sum(numeric_only=True)], index=pd.Index(["total"], name=by))
    counts = ("turns", "unknown_cost_turns", "input_tokens", "output_tokens")
    return pd.concat([grouped, total]).astype(dict.fromkeys(counts, "int64"))


def plot_cumulative_cost(frame: pd.DataFrame) -> dict[str, Any]:
    """Cumulative cost over time, one line per session, as a PNG display bundle.

    Rendered to PNG here rather than left to the kernel's matplotlib backend, which may be one
    (Agg, say) that displays a figure as text only.
    """
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3))
    for name, turns in frame.groupby("session"):
        series = turns.set_index("started_at")["cost_usd"].fillna(0).cumsum()
        series.plot(ax=axes, drawstyle="steps-post", marker="o", label=str(name))
    axes.set_ylabel("cumulative cost (USD)")
    axes.set_xlabel("")
    axes.legend(loc="upper left")
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    plt.close(figure)
    return {"image/png": png.getvalue(), "text/plain": "<cumulative cost per session>"}


def badge(session: str, turns: int, tokens: int, total: float, last: float | None) -> dict:
    """The session's running totals, as a display bundle to update in place."""
    text = (
        f"{session}: {turns} turn{'s' if turns != 1 else ''} · {tokens:,} tokens · "
        f"{format_cost(total)} so far · last turn {format_cost(last)}"
    )
    style = ("display:inline-block;padding:2px 8px;border-radius:10px;background:#eef3fb;"
             "color:#234;font-size:85%")  # fmt: skip
    tag = f"<span class='{NO_MATH}' style='{style}'>{html.escape(text)}</span>"
    return {"text/plain": text, "text/html": tag}
