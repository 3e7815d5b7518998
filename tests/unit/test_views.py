"""The views on a large generated sidecar: one page built, static twins, cost tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import ccmagic
from ccmagic.views.cost import cost_table, plot_cumulative_cost
from ccmagic.views.frames import HISTORY_COLUMNS
from ccmagic.views.tables import (
    PAGE_SIZE,
    history_bundle,
    sessions_table,
    static_table,
    totals_line,
)
from ccmagic.views.widget import HistoryView
from tests.support import write_sidecar


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.claude.json"
    write_sidecar(path, 10_000)
    return path


def test_history_reads_ten_thousand_turns(big: Path) -> None:
    frame = ccmagic.history(notebook=big)
    assert len(frame) == 10_000
    assert frame["cost_usd"].isna().sum() == 1  # unknown stays unknown, not zero
    assert frame["cost_usd"].sum() == pytest.approx(9_999 * 0.001)
    assert frame["tools"].iloc[0] == "Read"
    assert frame["started_at"].is_monotonic_increasing


def test_history_shows_one_page_newest_first_and_no_widget(big: Path) -> None:
    bundle = history_bundle(ccmagic.history(notebook=big))
    assert set(bundle) == {"text/html", "text/plain"}  # reads the same after a reopen
    assert bundle["text/html"].count("<tr>") == PAGE_SIZE + 1  # header + one page
    assert bundle["text/html"].count("<details>") == PAGE_SIZE  # a click opens the turn
    assert "answer 10000" in bundle["text/html"]  # newest first, in full behind the click
    assert "showing rows 1 to 25 of 10,000, newest first" in bundle["text/plain"]
    assert "%claude history --page 2" in bundle["text/plain"]
    older = history_bundle(ccmagic.history(notebook=big), page=1)
    assert "showing rows 26 to 50" in older["text/plain"]


def test_history_widget_browses_pages_and_sessions(big: Path) -> None:
    view = HistoryView(ccmagic.history(notebook=big))
    assert len(view.rows.options) == PAGE_SIZE
    assert view.rows.options[0][0].startswith("analysis │ 6667 │")  # newest first
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "ccmagic-history" in bundle["text/html"]  # what a saved notebook shows of it
    view.picker.value = "scratch"
    assert all(label.startswith("scratch") for label, _ in view.rows.options)
    view.next.click()
    assert view.page == 1 and view.page_label.value == f"page 2 of {view.pages}"
    view.rows.value = view.rows.options[0][1]
    assert view.detail.outputs  # the chosen turn's prompt and answer are shown


def test_static_table_escapes_html() -> None:
    import pandas as pd

    frame = pd.DataFrame([{
        "session": "s", "turn": 1, "started_at": pd.Timestamp("2026-01-01", tz="UTC"),
        "prompt": "<script>alert(1)</script>", "input_tokens": 1, "output_tokens": 1,
        "cost_usd": 0.5, "duration_ms": 10, "is_error": False, "interrupted": True,
        "response": "<b>answer</b>",
    }])  # fmt: skip
    html, plain = static_table(frame, 0)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "interrupted" in plain


def test_cost_table_has_totals_by_session_day_and_model(big: Path) -> None:
    frame = ccmagic.history(notebook=big)
    by_session = cost_table(frame, "session")
    assert by_session.loc["total", "turns"] == 10_000
    assert by_session.loc["total", "unknown_cost_turns"] == 1
    assert by_session.loc["total", "cost_usd"] == pytest.approx(9.999)
    assert set(cost_table(frame, "model").index) == {"claude-x", "claude-y", "total"}
    assert cost_table(frame, "day").loc["total", "turns"] == 10_000


MISSING = [None, float("nan"), pd.NA]


def small_history(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "small.claude.json"
    write_sidecar(path, 6)
    return ccmagic.history(notebook=path)


@pytest.mark.parametrize("missing", MISSING, ids=["None", "NaN", "NA"])
@pytest.mark.parametrize("column", HISTORY_COLUMNS)
def test_every_view_survives_a_missing_value_in_any_column(
    tmp_path: Path, column: str, missing: object
) -> None:
    frame = small_history(tmp_path)
    frame[column] = frame[column].astype(object)
    frame.loc[2, column] = missing
    frame.loc[4, "cost_usd"] = pd.NA  # and always a turn of unknown cost
    _, plain = static_table(frame, 0)
    history_bundle(frame)
    view = HistoryView(frame)
    view.rows.value = view.rows.options[-1][1]
    for by in ("session", "day", "model"):
        cost_table(frame, by)
    plot_cumulative_cost(frame)
    assert "unknown cost" in totals_line(frame)
    row = next(line for line in plain.splitlines() if "question 5 " in line)
    assert "cost unknown" in row and "$0 " not in row


def test_unknown_costs_never_read_as_zero(tmp_path: Path) -> None:
    frame = small_history(tmp_path)
    frame["cost_usd"] = pd.array([pd.NA] * len(frame), dtype="Float64")
    assert totals_line(frame).endswith("cost unknown in all")
    table = cost_table(frame, "session")
    assert table["cost_usd"].isna().all() and table.loc["total", "unknown_cost_turns"] == 6
    frame.loc[0, "cost_usd"] = 0.012
    assert "≥ $0.012 + 5 turns of unknown cost" in totals_line(frame)


@pytest.mark.parametrize("missing", MISSING, ids=["None", "NaN", "NA"])
def test_sessions_table_survives_missing_values(tmp_path: Path, missing: object) -> None:
    path = tmp_path / "small.claude.json"
    write_sidecar(path, 6)
    frame = ccmagic.sessions(notebook=path)
    for column in frame.columns:
        broken = frame.copy()
        broken[column] = broken[column].astype(object)
        broken.loc[0, column] = missing
        compact = sessions_table(broken, {"id-scratch"})
        assert [c for c in compact.columns if c != "this_line"] == [
            "turns", "spent", "last_activity", "live", "tags"
        ]  # fmt: skip
        assert len(sessions_table(broken, set(), everything=True).columns) > 10
    frame["spent_usd"] = pd.array([pd.NA, 0.002], dtype="Float64")
    frame["spent_unknown_cost_turns"] = [4, 1]
    costs = sessions_table(frame, set())["spent"].tolist()
    assert costs == ["cost unknown", "≥ $0.002 + 1 turn of unknown cost"]


def test_the_cumulative_cost_axis_starts_at_zero(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from ccmagic.views.cost import cumulative_cost_figure

    frame = small_history(tmp_path)
    frame.loc[2, "cost_usd"] = pd.NA
    figure = cumulative_cost_figure(frame)
    axes = figure.axes[0]
    assert axes.get_ylim()[0] == 0
    assert "1 turn(s) of unknown cost left out" in axes.get_title()
    plt.close(figure)
