"""The ``ccmagic`` command on sound and damaged sidecars (no Claude Code CLI needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccmagic.cli.command import main, parser
from ccmagic.core.turns import TurnRecord
from ccmagic.sidecar.file import Sidecar, recovery_path


def turns(session: str, costs: list[float], day: int = 1) -> list[dict[str, object]]:
    events = []
    for n, cost in enumerate(costs, start=1):
        record = TurnRecord(session, f"id-{session}", n, f"question {n}")
        record.started_at = f"2026-11-{day:02d}T10:{n:02d}:00+00:00"
        record.response, record.cost_usd = f"answer {n}", cost
        record.input_tokens, record.output_tokens = 1000, 50
        events.append({"event": "turn"} | record.to_dict())
    return events


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """``a.claude.json`` with 3 turns ($0.09), cut off at its end, and a recovery file with
    the one turn ($0.0016) recorded since."""
    path = tmp_path / "a.claude.json"
    Sidecar(path).append(*turns("analysis", [0.03, 0.03, 0.03]))
    path.write_bytes(path.read_bytes()[:-4])  # the closing ]} is gone
    Sidecar(recovery_path(path)).append(*turns("analysis", [0.0016], day=2))
    return path


@pytest.mark.parametrize("command", ["history", "sessions", "cost"])
def test_a_damaged_sidecar_is_said_and_fails(
    damaged: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, str(damaged.with_name("a.ipynb"))]) == 1
    out, err = capsys.readouterr()
    assert "$0.0016" in out  # what could be read is still shown
    assert f"{damaged} cannot be read" in err and "The file was not changed." in err
    assert "the 3 turns recorded in it" in err
    assert str(recovery_path(damaged)) in err and "repaired or moved away" in err


def test_a_damaged_sidecar_without_recovery_file_fails(
    damaged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recovery_path(damaged).unlink()
    assert main(["history", str(damaged)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "cannot be read" in err


def test_a_sound_sidecar_reads_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.claude.json"
    Sidecar(path).append(*turns("analysis", [0.03, 0.03]))
    assert main(["cost", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "$0.06" in out


def test_history_counts_rows_and_turns_alike_oldest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.claude.json"
    unsent = TurnRecord("analysis", "id-analysis", None, "never sent")
    unsent.started_at, unsent.is_error = "2026-11-01T11:00:00+00:00", True
    Sidecar(path).append(*turns("analysis", [0.03, 0.03]), {"event": "turn"} | unsent.to_dict())
    assert main(["history", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2 turns (+ 1 not sent) · ")
    assert lines[0].endswith("showing rows 1 to 3 of 3, oldest first")
    assert [line.split()[1] for line in lines[2:]] == ["1", "2", "-"]


def test_help_is_whole_and_plain(capsys: pytest.CaptureFixture[str]) -> None:
    text = parser().format_help()
    assert "``" not in text
    assert "in a terminal or CI; and the sidecar's place in git." in text
    assert "exit status" in text
