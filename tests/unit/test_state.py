"""Process-wide state: one place, reset to a fresh process; a magic changes it only when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccmagic import _state
from ccmagic.core.modes import ApprovalMode, Decision, Outcome, ReplayMode, TranscriptMode, values
from ccmagic.core.turns import TurnRecord


@pytest.fixture(autouse=True)
def fresh_state() -> object:
    _state.reset()
    yield
    _state.reset()


def test_creating_a_magic_changes_nothing_setting_it_does() -> None:
    import ccmagic
    from ccmagic.ipython.magics import ClaudeMagics
    from ccmagic.session.live import live_sessions
    from ccmagic.sidecar.redaction import SETTINGS

    ccmagic.set_max_live_sessions(7)  # the Python API's, before any magic
    magics = ClaudeMagics(shell=None)
    assert live_sessions().limit == 7 and magics.max_live_sessions == 7
    assert SETTINGS.transcripts == "redacted" and magics.redact == []
    magics.max_live_sessions = 2
    magics.transcripts = "none"
    magics.redact = [r"ticket-\d+"]
    assert live_sessions().limit == 2 and SETTINGS.transcripts == "none"
    assert [p.pattern for p in SETTINGS.redactor.patterns] == [r"ticket-\d+"]
    _state.reset()
    assert live_sessions().limit == 4 and SETTINGS.transcripts == "redacted"
    assert SETTINGS.redactor.patterns == []


def test_reset_forgets_journals_and_puts_the_environment_back(tmp_path: Path) -> None:
    from ccmagic.sidecar.journal import Journal

    first = Journal.at(tmp_path / "a.claude.json")
    assert Journal.at(tmp_path / "a.claude.json") is first  # one per file and process
    os.environ.pop("CCMAGIC_TEST_VALUE", None)
    _state.set_environ({"CCMAGIC_TEST_VALUE": "demo"})
    assert os.environ["CCMAGIC_TEST_VALUE"] == "demo"
    _state.reset()
    assert "CCMAGIC_TEST_VALUE" not in os.environ
    assert Journal.at(tmp_path / "a.claude.json") is not first


def test_reset_stops_the_loop_thread_and_a_new_one_starts_on_use() -> None:
    from ccmagic.session.loop import shared_loop

    loop = shared_loop()
    assert loop.run(_answer()) == 42
    _state.reset()
    assert loop.loop.is_closed()
    assert shared_loop() is not loop and shared_loop().run(_answer()) == 42


async def _answer() -> int:
    return 42


def test_modes_are_their_strings() -> None:
    assert values(ReplayMode) == ("auto", "off", "only")
    assert values(TranscriptMode) == ("redacted", "full", "none")
    assert values(ApprovalMode) == ("auto", "ask", "deny")
    assert Decision("session") is Decision.SESSION and f"user ({Decision.ONCE})" == "user (once)"
    record = TurnRecord("s", "id", None, "hi", interrupted=True)
    assert record.outcome is Outcome.NOT_SENT and record.outcome == "not sent"
    record.turn = 1
    assert record.outcome == "interrupted"
    assert TurnRecord("s", "id", 2, "hi").outcome is Outcome.OK
