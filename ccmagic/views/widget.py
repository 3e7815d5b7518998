"""``%claude history --widget``: a live ipywidgets browser of the turns (session picker,
pages, the chosen turn in full). A widget is gone from a saved notebook, so it is only shown
beside the static table, on request. ipywidgets is imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ccmagic.core.turns import is_missing
from ccmagic.views.tables import PAGE_SIZE, history_bundle, no_math, totals_line, turn_rows

if TYPE_CHECKING:
    import pandas as pd

ALL = "(all sessions)"


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
        if not is_missing(row["tools"]) and row["tools"]:
            self.detail.append_display_data(Markdown(f"**tool calls**: {row['tools']}"))
        self.detail.append_display_data(Markdown(f"**answer**\n\n{answer or '*(no answer)*'}"))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, and the static table as the form a saved or converted notebook shows
        (a widget's view is gone once its kernel is)."""
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        return {**bundle, **history_bundle(self.shown.iloc[::-1])}
