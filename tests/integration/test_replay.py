"""Re-running notebooks: replay what was asked, branch where a cell was edited, regenerate,
``replay = "only"`` for keyless runs, papermill, and faults in the middle of a Run All."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import DeadKernelError

import ccmagic
from ccmagic.core.turns import TurnRecord
from ccmagic.ipython.render import REPLAYED
from ccmagic.notebook.replay import Branch, Cell, Continue, Cursor, Replay, decide
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, LiveFrontend, errors_of, report, run_all, text_of

SAME = Reply("the same answer")
CELLS = [f"%%claude --session {name}\nquestion {n} of {name}"
         for n in (1, 2, 3) for name in ("alpha", "beta")]  # fmt: skip


def shown(cell) -> list[str]:
    """What a cell showed, with the replay mark taken out (all that may differ)."""
    texts = [o.get("data", {}).get("text/plain", "") for o in cell.outputs]
    return [t.replace(t[t.find(REPLAYED):t.find(") · ") + 4], "") if REPLAYED in t else t
            for t in texts]  # fmt: skip


def first_run(path: Path, cells: list[str]) -> list:
    nb = KernelNotebook(path).start()
    try:
        ran = [nb.run("%load_ext ccmagic")] + [nb.run(source) for source in cells]
        nb.save()
    finally:
        nb.stop()
    return ran


def turns_of(path: Path) -> list[dict]:
    log = json.loads(path.with_name(path.stem + ".claude.json").read_text())["log"]
    return [e for e in log if e["event"] == "turn"]


def test_run_all_after_reopening_replays_everything_and_pays_nothing(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    before = first_run(path, CELLS)
    sidecar = path.with_name("analysis.claude.json")
    recorded = sidecar.read_bytes()
    asked = len(fake_api.requests)
    again = run_all(path)
    assert len(fake_api.requests) == asked  # the fake received no request
    for old, new in zip(before, again, strict=True):
        assert shown(new) == shown(old)  # the same answers, tools, footers, turn numbers
    assert all(REPLAYED in text_of(c) for c in again[1:])
    meta = [o.metadata["ccmagic"] for c in again[1:] for o in c.outputs if "ccmagic" in o.metadata]
    assert all(m["replayed"] for m in meta) and [m["turn"] for m in meta] == [1, 1, 2, 2, 3, 3]
    assert sidecar.read_bytes() == recorded  # nothing was added


def test_an_edited_cell_branches_and_history_keeps_both_lines(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    first_run(path, CELLS)
    asked = len(fake_api.requests)
    again = run_all(path, change={3: "%%claude --session alpha\nquestion 2, reworded"})
    alpha = [text_of(again[i]) for i in (1, 3, 5)]
    assert REPLAYED in alpha[0] and REPLAYED not in alpha[1] and REPLAYED not in alpha[2]
    assert "Branched session alpha after alpha #1" in alpha[1]
    assert "The cells showing alpha #2, alpha #3 belong to the earlier line" in alpha[1]
    assert "alpha ⎇2 #2" in alpha[1] and "alpha ⎇2 #3" in alpha[2]  # never two alpha #3s
    requests = fake_api.requests[asked:]
    assert len(requests) == 2  # the edited cell and the one after it; beta replayed
    seen = requests[0].texts
    assert "question 1 of alpha" in seen and "question 2, reworded" in seen
    assert "question 2 of alpha" not in seen and "question 3 of alpha" not in seen
    later = requests[1].texts  # the cell after it is asked on the branch, not replayed
    assert "question 2, reworded" in later and "question 2 of alpha" not in later
    history = ccmagic.history("alpha", notebook=path)
    assert list(zip(history["line"], history["turn"], strict=True)) == [
        (1, 1), (1, 2), (1, 3), (2, 2), (2, 3)]  # fmt: skip
    assert list(history["label"]) == ["alpha #1", "alpha #2", "alpha #3", "alpha ⎇2 #2",
                                      "alpha ⎇2 #3"]  # fmt: skip
    assert list(history["current_line"]) == [True, False, False, True, True]
    frame = ccmagic.sessions(notebook=path).query("session == 'alpha'")
    assert set(frame["reason"]) == {"start", "branch"}
    # one figure for what alpha has cost, wherever it is read: every turn asked, both lines
    spent = round(float(history["cost_usd"].sum()), 10)
    assert f"so far: ${spent:.4g}" in alpha[2]  # the footer of the last cell
    assert set(frame["spent_usd"].round(10)) == {spent}
    from ccmagic.views.cost import cost_table

    assert round(float(cost_table(history, "session").loc["alpha", "cost_usd"]), 10) == spent
    line = round(float(history[history["current_line"]]["cost_usd"].sum()), 10)
    assert f"(this line: ${line:.4g})" in alpha[2] and line < spent
    # reopened once more, the notebook replays its new line: still nothing is paid
    asked = len(fake_api.requests)
    third = run_all(path)
    assert len(fake_api.requests) == asked and all(REPLAYED in text_of(c) for c in third[1:])


def test_running_a_cell_again_regenerates_its_answer(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    frontend = LiveFrontend(tmp_path / "analysis.ipynb")
    try:
        frontend.run("%load_ext ccmagic")
        frontend.run("%%claude -s s\nquestion A", cell_id="cell-a")
        frontend.run("%%claude -s s\nquestion B", cell_id="cell-b")
        asked = len(fake_api.requests)
        again = frontend.run("%%claude -s s\nquestion B", cell_id="cell-b")
        after = frontend.run("%%claude -s s\nquestion C", cell_id="cell-c")
    finally:
        frontend.stop()
    assert REPLAYED not in again and "s ⎇2 #2" in again  # asked anew in B's place: line 2
    regenerated = fake_api.requests[asked].texts
    assert "question A" in regenerated and regenerated.count("question B") == 1
    assert "s ⎇2 #3" in after and fake_api.requests[-1].texts.count("question B") == 1


def test_fresh_asks_even_when_a_recording_matches(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    first_run(path, CELLS[:2])
    asked = len(fake_api.requests)
    again = run_all(path, change={1: "%%claude --session alpha --fresh\nquestion 1 of alpha"})
    assert REPLAYED not in text_of(again[1]) and REPLAYED in text_of(again[2])
    assert len(fake_api.requests) == asked + 1
    assert [t["turn"] for t in turns_of(path) if t["session"] == "alpha"] == [1, 1]


def test_replay_only_runs_recorded_cells_without_a_key_and_refuses_the_rest(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path = tmp_path / "analysis.ipynb"
    first_run(path, CELLS[:2])
    document = nbformat.read(path, 4)
    document.cells[0].source = "%load_ext ccmagic\n%config ClaudeMagics.replay = 'only'"
    document.cells.append(nbformat.v4.new_code_cell("%%claude -s alpha\nnever recorded"))
    nbformat.write(document, path)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    asked = len(fake_api.requests)
    cells = run_all(path)
    assert len(fake_api.requests) == asked
    assert not errors_of(cells[1]) and not errors_of(cells[2])  # recorded: replayed
    [error] = errors_of(cells[3])
    assert error.ename == "NotRecorded" and "of session alpha" in error.evalue
    assert "never recorded" in error.evalue and 'replay is "only"' in error.evalue
    assert len(error.traceback) <= 3


def test_papermill_uses_the_notebooks_own_sidecar(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "report.ipynb"
    first_run(path, CELLS[:2])
    asked = len(fake_api.requests)
    env = dict(os.environ, CCMAGIC_NOTEBOOK=str(path))
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(path), str(tmp_path / "out.ipynb"),
         "--kernel", "python3", "--cwd", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(fake_api.requests) == asked  # replayed from report.claude.json
    out = nbformat.read(tmp_path / "out.ipynb", 4)
    assert REPLAYED in json.dumps(out.cells[1].outputs, ensure_ascii=False)
    assert not (tmp_path / "ccmagic.claude.json").exists()


@pytest.mark.parametrize("fault", ["interrupt", "kill"])
def test_a_fault_in_the_middle_of_run_all_loses_nothing_and_leaves_no_half_branch(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path, fault: str
) -> None:
    path = tmp_path / "analysis.ipynb"
    first_run(path, CELLS)
    before = turns_of(path)
    log_before = json.loads(path.with_name("analysis.claude.json").read_text())["log"]
    fake_api.script(Reply("slow " * 400, delay=0.02))  # the edited cell's branch answer
    document = nbformat.read(path, 4)
    document.cells[3].source = "%%claude --session alpha\nquestion 2, reworded"
    nbformat.write(document, path)
    nb = KernelNotebook(path).start()
    act = nb.interrupt if fault == "interrupt" else nb.kill
    try:
        for index, cell in enumerate(document.cells):
            if index == 3:
                threading.Thread(target=lambda: (fake_api.wait_for_prompt("reworded"),
                                                 time.sleep(0.5), act())).start()  # fmt: skip
                if fault == "kill":
                    with pytest.raises(DeadKernelError):
                        nb.run(cell.source)
                    break
            nb.run(cell.source)
    finally:
        nb.stop()
    after = turns_of(path)
    assert after[: len(before)] == before  # every recorded turn is still there, untouched
    sessions = [e for e in json.loads(path.with_name("analysis.claude.json").read_text())["log"]
                if e["event"] == "session"]  # fmt: skip
    branches = [e for e in sessions if e["reason"] == "branch"]
    if fault == "kill":  # the branch's first answer never ended: no trace of the branch
        assert not branches and len(after) == len(before)
        assert sessions == [e for e in log_before if e["event"] == "session"]
    else:  # interrupted: the branch is recorded with its (partial) first turn
        [branch] = branches
        new = [t for t in after if t["session_id"] == branch["session_id"]]
        assert new and new[0]["interrupted"] and new[0]["turn"] == 2
    report(
        f"{fault} in the middle of Run All", 1, len(after), len(before) - len(after[: len(before)])
    )


def record(turn: int, prompt: str, cell_id: str | None = None) -> TurnRecord:
    return TurnRecord("s", "id-1", turn, prompt, cell_id=cell_id)


@pytest.fixture
def line() -> Iterator[list[TurnRecord]]:
    yield [record(1, "a", "c1"), record(2, "b", "c2"), record(3, "c", "c3")]


def test_decide_replays_branches_and_continues(line: list[TurnRecord]) -> None:
    nowhere = lambda: None  # noqa: E731 - a cell the saved notebook does not show
    cursor = Cursor(list(line))
    assert decide(cursor, Cell("a", {}, []), "auto", nowhere) == Replay(0)
    cursor.at, cursor.used = 1, True
    assert decide(cursor, Cell("b edited", {}, []), "auto", nowhere) == Branch(1)
    assert decide(Cursor(list(line), 3, True), Cell("d", {}, []), "auto", nowhere) == Continue()
    assert decide(Cursor(list(line)), Cell("a", {"model": "x"}, []), "auto", lambda: 0) == (
        Branch(0)
    )  # another model: not the recorded answer
    # a new cell in a new kernel goes where the saved notebook shows it: after everything
    assert decide(Cursor(list(line)), Cell("d", {}, [], "new"), "auto", lambda: 3) == Continue()
    # an earlier cell (by id) run again moves the cursor back to it
    back = Cursor(list(line), 3, True)
    assert decide(back, Cell("a", {}, [], "c1"), "auto", nowhere) == Replay(0)
    # the last cell run again: regenerate; with replay off: append
    assert decide(Cursor(list(line), 3, True), Cell("c", {}, [], "c3"), "auto", nowhere) == (
        Branch(2)
    )
    assert decide(Cursor(list(line)), Cell("a", {}, []), "off", nowhere) == Continue()


def test_code_handed_back_again_is_not_inserted_twice(
    frontend: LiveFrontend, fake_api: FakeAnthropicAPI
) -> None:
    """Edit, Run All, Restart and Run All: the cell below the asking one holds the code once,
    and the last Run All asks nothing."""
    code = "df.plot()"
    new_cell = Reply("Here.", tool_uses=[("mcp__notebook__new_cell", {"code": code})])

    def run_all(kernel: LiveFrontend, prompt: str) -> list[dict[str, Any]]:
        kernel.run("%load_ext ccmagic", cell_id="load")
        shown = kernel.run(f"%%claude -s a\n{prompt}", cell_id="ask")
        assert kernel.reply.get("status") == "ok", shown
        payloads = [p for p in kernel.reply.get("payload", []) if p["source"] == "set_next_input"]
        kernel.run(code, cell_id="below")  # the cell JupyterLab inserted, run by Run All
        return payloads

    fake_api.script(new_cell, "The code is in a cell below.")
    assert [p["text"] for p in run_all(frontend, "plot it")] == [code]  # inserted, once
    fake_api.script(new_cell, "It is in the cell below.")
    assert run_all(frontend, "plot it, edited") == []  # asked again: the code is below
    assert "already in the cell below" in "\n".join(fake_api.requests[-1].texts)
    asked = len(fake_api.requests)
    restarted = LiveFrontend(frontend.notebook_path)
    try:
        assert run_all(restarted, "plot it, edited") == []  # replayed: nothing inserted
    finally:
        restarted.stop()
    assert len(fake_api.requests) == asked
