"""What ``%claude cost`` and ``ccmagic cost`` show: a cost table and a cumulative-cost plot.

The table is a numeric DataFrame (``cost_usd`` stays a float, tokens stay integers, for
anyone who computes with it); :func:`cost_bundle` formats a copy of it for display only.
pandas and matplotlib are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ccmagic.core.turns import format_cost, is_missing
from ccmagic.views.tables import NO_MATH, local_zone, utc_times

if TYPE_CHECKING:
    import pandas as pd

COUNTS = ("turns", "unknown_cost_turns", "input_tokens", "output_tokens")


def cost_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cost, turns and tokens grouped by session, day or model, with a total row. A group
    whose every cost is unknown has cost ``<NA>``, not 0; ``unknown_cost_turns`` says how many
    turns each sum leaves out. Tries that never reached the model are not turns."""
    import pandas as pd

    frame = frame[frame["turn"].notna()]
    if by == "day":
        key = utc_times(frame).dt.tz_convert(local_zone()).dt.strftime("%Y-%m-%d")
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
    table = pd.concat([table, total]).astype(dict.fromkeys(COUNTS, "int64"))
    table["cost_usd"] = table["cost_usd"].astype("Float64")
    return table


def money(value: Any) -> str:
    """An amount as a person reads it: ``$0.0016``, ``$12.35``, ``$1,234.50``; ``unknown``
    when missing (never $0); ``< $0.0001`` rather than an exponent."""
    if is_missing(value):
        return "unknown"
    amount = float(value)
    if amount >= 1:
        return f"${amount:,.2f}"
    if 0 < amount < 0.0001:
        return "< $0.0001"
    return format_cost(amount)


def cost_bundle(table: pd.DataFrame) -> dict[str, str]:
    """:func:`cost_table` for display: money as dollars, tokens with thousands separators, as
    HTML that MathJax leaves alone (two amounts are not a formula) and as text."""
    shown = table.astype("object")
    shown["cost_usd"] = [money(v) for v in table["cost_usd"]]
    for column in COUNTS:
        shown[column] = [f"{int(v):,}" for v in table[column]]
    shown = shown.rename(
        columns={
            "cost_usd": "cost",
            "unknown_cost_turns": "of unknown cost",
            "input_tokens": "tokens in",
            "output_tokens": "tokens out",
        }
    )
    html = shown.to_html(classes=NO_MATH, border=0, justify="right")
    return {"text/html": html, "text/plain": shown.to_string()}


def cumulative_cost_figure(frame: pd.DataFrame) -> Any:
    """Cumulative known cost over local time, one line per session from 0 at its first
    turn's start, stepping up when each turn ended and held to the chart's end."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    zone = local_zone()
    frame = frame.assign(started_at=utc_times(frame).dt.tz_convert(zone))
    frame = frame[frame["started_at"].notna() & frame["turn"].notna()]
    took = pd.to_timedelta(frame["duration_ms"].astype("Float64").fillna(0), unit="ms")
    frame = frame.assign(ended_at=frame["started_at"] + took)
    last = frame["ended_at"].max()
    figure, axes = plt.subplots(figsize=(7, 3))
    unknown = 0
    for name, turns in frame.groupby(frame["session"].astype("string").fillna("(unknown)")):
        costs = turns["cost_usd"].astype("Float64")
        unknown += int(costs.isna().sum())
        totals = [0.0, *costs.fillna(0).astype(float).cumsum()]
        times = [turns["started_at"].min(), *turns["ended_at"]]
        (line,) = axes.step([*times, last], [*totals, totals[-1]], where="post", label=name)
        axes.plot(times[1:], totals[1:], "o", color=line.get_color(), markersize=4)
    locator = mdates.AutoDateLocator(tz=zone)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    axes.set_ylim(bottom=0)
    axes.set_ylabel("cumulative cost (USD)")
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
