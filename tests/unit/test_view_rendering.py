"""What the views draw from a history frame: the expanded turn, the cost table for display,
the cumulative-cost plot; and how a session shows itself."""

from __future__ import annotations

import pandas as pd
import pytest

from ccmagic.core.start import Start
from ccmagic.core.turns import TurnRecord
from ccmagic.session.blocking import BlockingSession
from ccmagic.session.session import Session
from ccmagic.views.cost import cost_bundle, cost_table, cumulative_cost_figure, money
from ccmagic.views.frames import HISTORY_COLUMNS
from ccmagic.views.tables import static_table


def frame_of(*rows: dict[str, object]) -> pd.DataFrame:
    defaults = {"turn": 1, "input_tokens": 1200, "output_tokens": 80, "duration_ms": 1500,
                "is_error": False, "interrupted": False, "model": "m", "prompt": "q"}  # fmt: skip
    frame = pd.DataFrame.from_records([defaults | row for row in rows], columns=HISTORY_COLUMNS)
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    frame["cost_usd"] = frame["cost_usd"].astype("Float64")
    return frame


ANSWER = "Two columns have gaps:\n\n- **price**: 1 missing\n- `region`\n\n<script>x()</script>"


def test_the_expanded_turn_renders_markdown_safely_and_lists_its_tools() -> None:
    frame = frame_of({"session": "s", "started_at": "2026-12-01T10:00:00Z", "cost_usd": 0.01,
                      "response": ANSWER, "tools": "mcp__notebook__variables, Read"})  # fmt: skip
    html, _ = static_table(frame, 0)
    assert "<li><strong>price</strong>: 1 missing</li>" in html
    assert "<code>region</code>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>tool calls</b><ol><li>mcp__notebook__variables</li><li>Read</li></ol>" in html
    assert "**price**" not in html


def test_the_cost_table_stays_numeric_and_is_formatted_for_display() -> None:
    frame = frame_of(
        {"session": "a", "started_at": "2026-12-01T10:00:00Z", "cost_usd": 1234.5},
        {"session": "b", "started_at": "2026-12-01T11:00:00Z", "cost_usd": 0.0016},
        {"session": "c", "started_at": "2026-12-01T12:00:00Z", "cost_usd": None},
    )
    table = cost_table(frame, "session")
    assert table["cost_usd"].dtype == "Float64" and table["input_tokens"].dtype == "int64"
    assert table.loc["total", "cost_usd"] == pytest.approx(1234.5016)
    shown = cost_bundle(table)
    for text in (shown["text/plain"], shown["text/html"]):
        assert "$1,234.50" in text and "$0.0016" in text and "unknown" in text
        assert "3,600" in text and "1234.5" not in text
    assert "mathjax_ignore" in shown["text/html"]  # "$1 … $2" is not a formula


def test_money_reads_as_a_person_writes_it() -> None:
    assert [money(v) for v in (0.000228, 0.00001, 0.0, 12.345, None)] == [
        "$0.000228", "< $0.0001", "$0", "$12.35", "unknown"]  # fmt: skip


def test_the_cost_plot_has_distinct_ticks_and_draws_a_one_turn_session_as_a_step() -> None:
    # quick turns, all within one second: the labels once read "21:07:58" three times
    frame = frame_of(
        {"session": "a", "turn": 1, "started_at": "2026-12-04T10:00:00.10Z", "cost_usd": 0.01},
        {"session": "a", "turn": 2, "started_at": "2026-12-04T10:00:00.40Z", "cost_usd": 0.02},
        {"session": "b", "turn": 1, "started_at": "2026-12-04T10:00:00.90Z", "cost_usd": 0.02},
    ).assign(duration_ms=60)
    figure = cumulative_cost_figure(frame)
    figure.canvas.draw()
    axes = figure.axes[0]
    labels = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    lines = {line.get_label(): line for line in axes.get_lines()}
    one_turn = lines["b"].get_ydata()
    assert len(one_turn) >= 2 and one_turn[0] == 0 and one_turn[-1] == pytest.approx(0.02)
    assert lines["a"].get_ydata()[-1] == pytest.approx(0.03)


def test_a_session_says_what_it_is() -> None:
    done = TurnRecord("review", "id-1", 1, "q")
    done.cost_usd = 0.0024
    start = Start(session_id="id-1", history=[done])
    session = Session(name="review", sidecar=False, start=start)
    assert repr(session) == "<Session 'review' id=id-1 · 1 turn · $0.0024 · not live>"
    blocking = BlockingSession(name="review", sidecar=False, start=start)
    assert repr(blocking) == "<BlockingSession 'review' id=id-1 · 1 turn · $0.0024 · not live>"
