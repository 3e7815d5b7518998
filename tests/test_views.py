"""The views on a large generated sidecar: one page built, static twins, cost tables."""

from __future__ import annotations

from pathlib import Path

import pytest

import ccmagic
from ccmagic.sidecar import Sidecar
from ccmagic.turns import ToolCall, TurnRecord
from ccmagic.views import PAGE_SIZE, HistoryView, badge, cost_table, static_table


def write_sidecar(path: Path, turns: int) -> None:
    """A sidecar of ``turns`` turns over two sessions, one of unknown cost, with transcripts."""
    car = Sidecar(path)
    events = []
    for n in range(1, turns + 1):
        name = "analysis" if n % 3 else "scratch"
        record = TurnRecord(name, f"id-{name}", n, f"question {n} about sales.csv")
        record.started_at = f"2026-11-{1 + n * 20 // turns:02d}T10:{n % 60:02d}:00+00:00"
        record.response = f"answer {n}\n\n- **bold** point"
        record.cost_usd = None if n == 7 else 0.001
        record.input_tokens, record.output_tokens, record.duration_ms = 100, 20, 900
        record.tool_calls = [ToolCall("Read", "sales.csv", result="3 lines")]
        record.model = "claude-x" if n % 2 else "claude-y"
        events.append({"event": "turn"} | record.to_dict())
        entry = {"type": "user", "uuid": f"u{n}", "text": "x" * 500}
        key = {"project_key": "p", "session_id": "x"}
        events.append({"event": "transcript", "key": key, "entries": [entry]})
    car.append(*events)


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


def test_history_view_builds_one_page_and_pairs_static_html(big: Path) -> None:
    view = HistoryView(ccmagic.history(notebook=big))
    assert len(view.rows.options) == PAGE_SIZE
    assert view.rows.options[0][0].startswith("analysis │ 10000 │")  # newest first
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].count("<tr>") == PAGE_SIZE + 1  # header + one page
    assert "showing turns 1 to 25 of 10,000" in bundle["text/plain"]
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


def test_badge_has_a_plain_twin() -> None:
    bundle = badge("analysis", 3, 1500, 0.0024, 0.0008)
    assert bundle["text/plain"] == (
        "analysis: 3 turns · 1,500 tokens · $0.0024 so far · last turn $0.0008"
    )
    assert "analysis: 3 turns" in bundle["text/html"]
    assert "mathjax_ignore" in bundle["text/html"]  # two "$" amounts are not a formula
    assert badge("s", 1, 10, 0.1, 0.1)["text/plain"].startswith("s: 1 turn ·")
