"""The Python API on the real SDK and the real bundled CLI, with only the model faked."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from ccmagic import Session, SessionOptions
from ccmagic.core.events import Notice, Retrying
from ccmagic.core.start import Start
from ccmagic.errors import ClaudeUnavailable
from ccmagic.sdk.failures import failure_of
from ccmagic.session.blocking import BlockingSession
from ccmagic.testing import FakeAnthropicAPI, Reply, http_error
from tests.conftest import closed_port


def test_async_session_remembers_and_costs_each_turn(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.script(Reply("first answer"), Reply("second answer"), Reply("third answer"))

    async def converse() -> list:
        async with Session(SessionOptions(), name="analysis") as session:
            return [await session.query(p) for p in ("one", "two", "three")]

    records = asyncio.run(converse())
    assert [r.response for r in records] == ["first answer", "second answer", "third answer"]
    assert [r.turn for r in records] == [1, 2, 3]
    assert len({r.session_id for r in records}) == 1
    # the model saw the earlier turns on the third call
    third = fake_api.requests[2].texts
    assert "one" in third and "first answer" in third and "second answer" in third
    # identical usage -> identical per-turn cost, although the CLI reports a running total
    costs = [r.cost_usd for r in records]
    assert costs[0] and costs == [costs[0]] * 3
    assert records[2].reported_total_usd == pytest.approx(3 * costs[0])
    assert all(r.model and r.duration_ms >= 0 and r.input_tokens == 100 for r in records)
    assert records[0].text == "first answer" and records[0].usage["output_tokens"] == 20


def test_session_id_is_known_before_the_first_answer(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    with BlockingSession(
        name="s", start=Start(session_id="0b5c6f2e-1111-4222-8333-444455556666")
    ) as s:
        assert s.session_id == "0b5c6f2e-1111-4222-8333-444455556666"
        record = s.query("hello")
    assert record.session_id == s.session_id


def test_tool_use_is_recorded_with_a_folded_result(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str], tmp_path
) -> None:
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n3,4\n")
    fake_api.script(
        Reply("Let me read it.", tool_uses=[("Read", {"file_path": str(tmp_path / "sales.csv")})]),
        Reply("Column b looks fine."),
    )
    events: list = []
    with BlockingSession(SessionOptions(cwd=str(tmp_path)), name="s") as s:
        record = s.query("look at sales.csv", events.append)
    assert [c.name for c in record.tool_calls] == ["Read"]
    assert record.tool_calls[0].summary.endswith("sales.csv")
    assert record.tool_calls[0].result and not record.tool_calls[0].is_error
    assert record.response == "Let me read it.\n\nColumn b looks fine."
    assert "1,2" in "".join(fake_api.requests[1].texts)  # the tool result went back to the model


def test_a_killed_cli_is_resumed_on_the_next_turn(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.script(Reply("remember 42"), Reply("slow " * 400, delay=0.02))
    with BlockingSession(name="s") as s:
        s.query("a number please")
        first_id = s.session_id
        pid = s.pid
        assert pid
        future_kill = time.monotonic() + 0.5
        events: list = []

        def kill_midway(event: object) -> None:
            events.append(event)
            if time.monotonic() > future_kill and not killed:
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)

        killed: list[int] = []
        died = s.query("tell me a long story", kill_midway)
        assert died.is_error and "Claude Code process" in (died.error or "")
        assert died.response.startswith("slow")  # the partial answer is kept
        fake_api.clear_script()
        reconnect_events: list = []
        again = s.query("which number?", reconnect_events.append)
    assert not again.is_error and again.session_id == first_id and again.turn == 3
    assert "remember 42" in fake_api.requests[-1].texts
    notices = [e.text for e in reconnect_events if isinstance(e, Notice)]
    assert len(notices) == 1 and "reconnected by resuming" in notices[0]


def test_interrupt_keeps_the_partial_answer_and_the_session_usable(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.script(Reply("word " * 500, delay=0.02, chunk_size=5), Reply("still here"))

    async def converse() -> tuple:
        async with Session(name="s") as session:
            task = asyncio.create_task(session.query("long"))
            await asyncio.sleep(1.0)
            started = time.monotonic()
            await session.interrupt()
            partial = await task
            latency = time.monotonic() - started
            return partial, latency, await session.query("next")

    partial, latency, after = asyncio.run(converse())
    assert partial.interrupted and not partial.is_error
    assert partial.response.startswith("word") and len(partial.response) < len("word " * 500)
    assert latency < 2.0
    assert after.response == "still here" and after.turn == 2


@pytest.mark.parametrize("status", [400, 401, 429, 500, 529])
def test_http_errors_give_one_line_and_leave_the_session_usable(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str], monkeypatch, status: int
) -> None:
    monkeypatch.setenv("CLAUDE_CODE_MAX_RETRIES", "0")
    fake_api.script(*[http_error(status)] * 20)  # the CLI re-sends some itself
    with BlockingSession(name="s") as s:
        failed = s.query("hi")
        fake_api.clear_script()
        fake_api.script("recovered")
        ok = s.query("again")
    assert failed.is_error and failed.error_status == status
    error = failure_of(failed)
    assert error is not None and str(status) in error.message and "\n" not in error.message
    assert ok.response == "recovered" and not ok.is_error


def test_retries_are_reported_then_the_answer_arrives(
    fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.script(http_error(529), Reply("after the storm"))
    events: list = []
    with BlockingSession(name="s") as s:
        record = s.query("hi", events.append)
    retries = [e for e in events if isinstance(e, Retrying)]
    assert retries and retries[0].status == 529 and "retry 1/" in retries[0].text
    assert record.response == "after the storm" and not record.is_error
    assert record.cost_usd == pytest.approx(0.0008)  # the failed attempt costs nothing


def test_unreachable_api_reports_retries_then_a_clear_error(
    claude_env: dict[str, str], monkeypatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("CLAUDE_CODE_MAX_RETRIES", "1")
    events: list = []
    with BlockingSession(name="s") as s:
        record = s.query("hi", events.append)
    assert any(isinstance(e, Retrying) and "unreachable" in e.text for e in events)
    assert record.is_error and "reach" in (record.error or "")


def test_no_credentials_is_one_short_message(claude_env: dict[str, str], monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    started = time.monotonic()
    with BlockingSession(name="s") as s:
        record = s.query("hi")
    assert time.monotonic() - started < 10  # ~1 s, generous on a loaded machine
    error = failure_of(record)
    assert error is not None and "not logged in" in error.message
    assert "ANTHROPIC_API_KEY" in error.hint and "_bundled/claude login" in error.hint


def test_missing_cli_names_the_path_tried(claude_env: dict[str, str], tmp_path) -> None:
    missing = tmp_path / "no-such-claude"
    with pytest.raises(ClaudeUnavailable) as caught:
        BlockingSession(SessionOptions(cli_path=str(missing)), name="s").query("hi")
    assert str(missing) in caught.value.message


def test_cli_that_is_not_executable_names_the_path(claude_env: dict[str, str], tmp_path) -> None:
    stub = tmp_path / "claude"
    stub.write_text("not a program")
    with pytest.raises(ClaudeUnavailable) as caught:
        BlockingSession(SessionOptions(cli_path=str(stub)), name="s").query("hi")
    assert str(stub) in caught.value.message
