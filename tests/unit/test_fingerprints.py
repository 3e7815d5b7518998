"""Fingerprints of what Claude saw, the change messages, and the data check of a replay."""

from __future__ import annotations

import os
from pathlib import Path

from ccmagic.core.fingerprints import (
    change,
    digest,
    file_change,
    file_sighting,
    summary_change,
    summary_of,
    tool_sighting,
    unchecked,
)
from ccmagic.core.turns import ToolCall, TurnRecord
from ccmagic.notebook.freshness import Verdict, check_turn
from ccmagic.notebook.replay import Branch, Cell, Cursor, Refuse, Replay, decide

NOWHERE = lambda: None  # noqa: E731 - a cell the saved notebook does not show


def test_digests_ignore_what_differs_between_two_runs_of_one_notebook() -> None:
    assert digest("<Model at 0x7f3a2b1c9d10>") == digest("<Model at 0x7f00deadbeef>")
    assert digest("[12]\nx = 1") == digest("[3]\nx = 1")
    assert digest("x = 1") != digest("x = 2") and len(digest("")) == 32


def test_a_tool_sighting_digests_the_result_text_whatever_its_shape() -> None:
    text = "DataFrame 3 × 1"
    plain = tool_sighting("inspect", {"name": "df"}, text)
    wrapped = tool_sighting(
        "inspect", {"name": "df"}, {"content": [{"type": "text", "text": text}], "is_error": False}
    )
    failed = tool_sighting(
        "inspect", {"name": "df"}, {"content": [{"type": "text", "text": text}], "is_error": True}
    )
    assert plain["digest"] == wrapped["digest"] != failed["digest"]
    assert text not in str(plain)  # only the digest is kept


def test_summaries_say_how_an_object_changed() -> None:
    old = {"type": "DataFrame", "shape": [3, 1], "columns": ["a"]}
    new = {"type": "DataFrame", "shape": [4, 2], "columns": ["a", "b"]}
    assert summary_change(old, new) == "3 → 4 rows, 1 → 2 columns, new column b"
    assert summary_change(new, old) == "4 → 3 rows, 2 → 1 columns, column b gone"
    assert summary_change(old, old) == "same shape, other values"
    assert summary_change(old, {"missing": True}) == "it no longer exists"
    assert summary_change({"type": "list", "length": 2}, {"type": "dict"}) == "list → dict"
    assert summary_change({"names": ["df"]}, {"names": ["df", "x"]}) == "new variable x"
    assert summary_of([1, 2, 3]) == {"type": "list", "length": 3}
    assert summary_of(object()) == {"type": "object"}
    sighting = tool_sighting("inspect", {"name": "df"}, "old", old)
    assert change(sighting, sighting["digest"], new) is None  # same digest: unchanged
    assert change(sighting, digest("new"), new) == (
        "df changed since this was asked (3 → 4 rows, 1 → 2 columns, new column b)"
    )


def test_files_inside_the_folder_are_fingerprinted_and_looked_at_again(tmp_path: Path) -> None:
    data = tmp_path / "data" / "sales.csv"
    data.parent.mkdir()
    data.write_text("a,b\n1,2\n")
    sighting = file_sighting(str(data), tmp_path)
    assert sighting["path"] == "data/sales.csv" and sighting["size"] == 8
    assert file_sighting("/etc/hostname", tmp_path) == {"kind": "file", "outside": True}
    assert file_change(sighting, tmp_path) is None
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    assert file_change(sighting, tmp_path) is None
    data.write_text("a,b\n1,3\n")
    assert file_change(sighting, tmp_path) == (
        "data/sales.csv changed since this was asked (same size, other content)"
    )
    data.unlink()
    assert file_change(sighting, tmp_path) == "data/sales.csv is gone since this was asked"
    missing = file_sighting("data/sales.csv", tmp_path)
    assert missing["missing"] and file_change(missing, tmp_path) is None


def test_what_a_replay_cannot_check_is_named() -> None:
    read = {"kind": "tool", "tool": "inspect", "args": {"name": "df"}, "digest": "x"}
    tools = ["mcp__notebook__inspect", "Bash", "mcp__notebook__run", "Read", "Bash"]
    assert unchecked(tools, [read]) == ["Bash", "run"]
    assert unchecked(["Read"], [{"kind": "file", "outside": True}]) == [
        "files outside the working folder"
    ]
    # a turn recorded before fingerprints were kept: what it looked at cannot be vouched for
    assert unchecked(["mcp__notebook__inspect"], []) == [
        "what it looked at (recorded before data checks)"
    ]
    assert unchecked([], [], attached=["df"]) != [] and unchecked(["TodoWrite"], []) == []


def test_check_turn_reruns_each_call_once_and_stats_files(tmp_path: Path) -> None:
    record = TurnRecord("s", "id", 1, "look")
    record.tool_calls = [ToolCall("mcp__notebook__inspect", "df"), ToolCall("Bash", "ls")]
    record.saw = [tool_sighting("inspect", {"name": "df"}, "old", {"type": "DataFrame"})] * 2
    calls: list[dict] = []

    def rerun(sighting: dict) -> tuple[str, dict]:
        calls.append(sighting)
        return digest("new"), {"type": "DataFrame"}

    verdict = check_turn(record, rerun, tmp_path)
    assert len(calls) == 1 and verdict.stale and verdict.unchecked == ["Bash"]
    assert verdict.reason == "df changed since this was asked"
    assert check_turn(record, lambda s: (digest("old"), None), tmp_path).stale is False
    assert "no kernel" in check_turn(record, None, tmp_path).reason
    record.saw = [s | {"after": "run"} for s in record.saw]  # seen after a side effect
    assert check_turn(record, rerun, tmp_path).stale is False and len(calls) == 1


def test_a_replay_candidate_is_checked_by_the_function_passed_in() -> None:
    line = [TurnRecord("s", "id", n, p) for n, p in ((1, "a"), (2, "b"))]
    stale = Verdict(["df changed since this was asked (3 → 4 rows)"], ["Bash"])
    fresh = Verdict([], ["Bash"])
    assert decide(Cursor(list(line)), Cell("a", {}, []), "auto", NOWHERE, lambda r: fresh) == (
        Replay(0, fresh)
    )
    assert decide(Cursor(list(line)), Cell("a", {}, []), "auto", NOWHERE, lambda r: stale) == (
        Branch(0, because=stale.reason)
    )
    refused = decide(Cursor(list(line)), Cell("a", {}, []), "only", NOWHERE, lambda r: stale)
    assert isinstance(refused, Refuse) and refused.stale and "3 → 4 rows" in refused.reason
    anyway = Cell("a", {}, [], anyway=True)
    assert decide(Cursor(list(line)), anyway, "only", NOWHERE, lambda r: stale) == (
        Replay(0, stale)
    )
    # a cell that does not match is never checked
    checked: list[TurnRecord] = []
    step = decide(Cursor(list(line)), Cell("z", {}, []), "auto", lambda: 0,
                  lambda r: checked.append(r) or stale)  # fmt: skip
    assert step == Branch(0) and checked == []


def test_old_turns_load_without_fingerprints() -> None:
    old = TurnRecord("s", "id", 1, "p").to_dict()
    del old["saw"]
    assert TurnRecord.from_dict(old).saw == []
