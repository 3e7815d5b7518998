"""Small pure pieces: cost arithmetic, tool digests, footers, option handling, error display."""

from __future__ import annotations

import pytest

from ccmagic.core.events import Notice, Retrying, TextDelta, ToolStarted
from ccmagic.core.options import SessionOptions, split_tools
from ccmagic.core.turns import CostMeter, ToolCall, TurnRecord
from ccmagic.errors import TurnFailed
from ccmagic.ipython.render import TurnContent, footer, format_cost


def usage(n_in: int, n_out: int) -> dict[str, int]:
    return {"input_tokens": n_in, "output_tokens": n_out}


def model_usage(n_in: int, n_out: int, cost: float) -> dict[str, dict[str, float]]:
    return {"m": {"inputTokens": n_in, "outputTokens": n_out, "costUSD": cost}}


def test_cost_meter_takes_differences_of_a_running_total() -> None:
    meter = CostMeter()
    costs = [
        meter.turn_cost(0.000228, usage(100, 20), model_usage(100, 20, 0.000228)),
        meter.turn_cost(0.000456, usage(100, 20), model_usage(200, 40, 0.000456)),
        meter.turn_cost(0.000684, usage(100, 20), model_usage(300, 60, 0.000684)),
    ]
    assert costs == [0.000228, 0.000228, 0.000228]


def test_cost_meter_measures_a_restored_total_from_the_turn_it_came_from() -> None:
    # earlier turns reported (120 tokens, $0.0008), (240, $0.0016), (360, $0.0024)
    known = {120: 0.0008, 240: 0.0016, 360: 0.0024}
    meter = CostMeter(known=known)
    # a resume restored the state after turn 2 (it can lag the newest turn), then one turn
    assert meter.turn_cost(0.0024, usage(100, 20), model_usage(300, 60, 0.0024)) == 0.0008
    assert meter.turn_cost(0.0032, usage(100, 20), model_usage(400, 80, 0.0032)) == 0.0008


def test_cost_meter_sees_a_fresh_counter_despite_known_totals() -> None:
    meter = CostMeter(known={120: 0.0008, 240: 0.0016})  # a process that restored nothing
    assert meter.turn_cost(0.0008, usage(100, 20), model_usage(100, 20, 0.0008)) == 0.0008


def test_cost_meter_says_unknown_rather_than_guessing() -> None:
    assert CostMeter().turn_cost(None, usage(1, 1), None) is None
    unmatched = CostMeter(known={999: 1.0})
    assert unmatched.turn_cost(0.5, usage(1, 1), model_usage(9, 9, 0.5)) is None
    # ...but the next turn of that process is measured again
    assert unmatched.turn_cost(0.6, usage(1, 1), model_usage(10, 10, 0.6)) == 0.1


def test_tool_call_digest() -> None:
    call = ToolCall.from_block("Bash", {"command": "ls   -la\n/tmp", "description": "list"})
    assert call.line == "Bash(ls -la /tmp)"
    call.fold_result("a\nb\nc", False)
    assert call.result == "3 lines"
    failed = ToolCall.from_block("Read", {"file_path": "/x"})
    failed.fold_result([{"type": "text", "text": "no such file"}], True)
    assert failed.result == "error: no such file"
    assert ToolCall.from_block("Custom", {"n": 3, "q": "why"}).summary == "why"
    deep = ToolCall.from_block("Read", {"file_path": "/very" * 30 + "/sales.csv"})
    assert deep.summary.startswith("…") and deep.summary.endswith("/sales.csv")


def test_turn_record_round_trips_through_json_dicts() -> None:
    record = TurnRecord(session="s", session_id="id", turn=2, prompt="p", cost_usd=None)
    record.tool_calls.append(ToolCall("Bash", "ls", result="1 lines"))
    again = TurnRecord.from_dict(record.to_dict() | {"unknown_future_field": 1})
    assert again == record


def test_footer_names_model_tokens_cost_duration_session() -> None:
    record = TurnRecord(
        session="analysis",
        session_id="id",
        turn=3,
        prompt="p",
        model="claude-x",
        input_tokens=1200,
        cache_read_tokens=300,
        output_tokens=45,
        cost_usd=0.000228,
        duration_ms=1530,
    )
    assert footer(record) == "claude-x · 1,500 in / 45 out · $0.000228 · 1.5 s · analysis #3"
    record.interrupted = True
    assert footer(record).endswith("■ interrupted")
    assert format_cost(None) == "cost unknown"


def test_turn_content_keeps_order_and_escapes_tool_inputs() -> None:
    content = TurnContent(["continuing"], show_thinking=False)
    content.add(Retrying(attempt=1, max_retries=10, delay_ms=4000, status=None))
    assert "API unreachable, retry 1/10 in 4 s" in content.plain(None)
    content.add(TextDelta("Let me look."))
    content.add(ToolStarted(ToolCall("Bash", "ls *.csv")))
    content.add(TextDelta("Done."))
    content.add(Notice("late notice"))
    md = content.markdown("foot")
    assert md.index("Let me look.") < md.index("Bash") < md.index("Done.")
    assert "ls \\*.csv" in md
    assert "retry" not in md  # the retry line goes once the answer arrives
    assert content.plain("foot").endswith("── foot")
    assert "\\$0.01 · \\$0.02" in content.markdown("$0.01 · $0.02")  # not LaTeX


def test_approval_answers_and_who_can_answer() -> None:
    from types import SimpleNamespace

    from ipykernel.kernelbase import Kernel
    from jupyter_client.session import Session

    from ccmagic.core.permissions import ApprovalRequest
    from ccmagic.ipython.approval import ANSWERS, can_ask, question

    assert [ANSWERS[a] for a in ("y", "a", "n", "")] == ["once", "session", "deny", "deny"]
    assert "maybe" not in ANSWERS  # asked again rather than guessed
    # ipykernel's own Kernel: its public get_parent must still say what the frontend allows
    kernel = Kernel(session=Session())
    for allowed in (False, True):
        request = {"header": {}, "content": {"code": "", "allow_stdin": allowed}}
        kernel.set_parent([b"frontend"], request, "shell")
        assert can_ask(SimpleNamespace(kernel=kernel)) is allowed
    shown = question(ApprovalRequest(ToolCall("Bash", "echo ```"), "echo ```"))
    assert "~~~~\necho ```\n~~~~" in shown["text/markdown"]  # a fence the input cannot close


def test_split_tools_accepts_commas_and_repeats() -> None:
    assert split_tools(["Read,Grep", " Bash ", "Read"]) == ("Read", "Grep", "Bash")
    assert split_tools(None) == ()


def test_options_record_leaves_out_the_environment() -> None:
    options = SessionOptions(model="m", allowed_tools=("Read",), env={"ANTHROPIC_API_KEY": "k"})
    record = options.to_record()
    assert "env" not in record
    assert record["allowed_tools"] == ["Read"]
    assert options == SessionOptions(model="m", allowed_tools=("Read",))


def test_options_append_to_claude_codes_system_prompt() -> None:
    from ccmagic.sdk.options import Extras, Where, agent_options

    sdk = agent_options(SessionOptions(system="Be brief."), Where(session_id="abc"), Extras())
    assert sdk.system_prompt == {"type": "preset", "preset": "claude_code", "append": "Be brief."}
    assert sdk.session_id == "abc" and sdk.include_partial_messages


def test_errors_render_without_a_traceback() -> None:
    lines = TurnFailed("The CLI is not logged in.", "Set ANTHROPIC_API_KEY.")._render_traceback_()
    assert len(lines) == 2 and "not logged in" in lines[0]


@pytest.mark.parametrize("cost", [0.0, 0.5, 12.25])
def test_format_cost_is_dollars(cost: float) -> None:
    assert format_cost(cost).startswith("$")
