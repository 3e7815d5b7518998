"""Conversations that outlive the kernel: reopen, another machine, damage, and exact costs."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import DeadKernelError

import ccmagic
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, errors_of, text_of

SAME = Reply("the same answer")  # identical usage: every turn must cost the same


def meta(cell) -> dict:
    [output] = [o for o in cell.outputs if "ccmagic" in o.get("metadata", {})]
    return output.metadata["ccmagic"]


@pytest.fixture
def same_answers(fake_api: FakeAnthropicAPI) -> FakeAnthropicAPI:
    fake_api.responder = lambda request: SAME
    return fake_api


def open_notebook(path: Path) -> KernelNotebook:
    nb = KernelNotebook(path).start()
    nb.run("%load_ext ccmagic")
    return nb


def first_week(path: Path) -> dict:
    """Two turns of 'analysis', saved, kernel shut down; returns the last output's metadata."""
    nb = open_notebook(path)
    try:
        nb.run("%%claude --session analysis\nWhich columns look unreliable?")
        last = meta(nb.run("%%claude --session analysis\nWhich would you drop first?"))
        nb.save()
    finally:
        nb.stop()
    return last


def test_reopened_notebook_continues_the_conversation(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    before = first_week(path)
    assert (tmp_path / "analysis.claude.json").exists()

    nb = open_notebook(path)
    try:
        cell = nb.run("%%claude --session analysis\nAnd after that?")
    finally:
        nb.stop()
    assert "Continuing session analysis (turn 3)" in text_of(cell)
    assert meta(cell)["session_id"] == before["session_id"] and meta(cell)["turn"] == 3
    seen = same_answers.requests[-1].texts
    assert "Which columns look unreliable?" in seen and "Which would you drop first?" in seen


def test_a_colleagues_clone_continues_without_their_claude_history(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "mine" / "analysis.ipynb"
    path.parent.mkdir()
    before = first_week(path)

    clone = tmp_path / "colleague" / "repo"
    clone.mkdir(parents=True)
    for name in ("analysis.ipynb", "analysis.claude.json"):
        shutil.copy(path.parent / name, clone / name)
    home = tmp_path / "colleague-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # their ~/.claude has never seen this conversation
    monkeypatch.chdir(clone)
    nb = open_notebook(clone / "analysis.ipynb")
    try:
        cell = nb.run("%%claude --session analysis\nAnd after that?")
    finally:
        nb.stop()
    assert not errors_of(cell), text_of(cell)
    assert meta(cell)["session_id"] == before["session_id"] and meta(cell)["turn"] == 3
    assert "Which columns look unreliable?" in same_answers.requests[-1].texts


def test_identical_turns_cost_the_same_live_restarted_elsewhere_and_forked(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "analysis.ipynb"
    first_week(path)  # two live turns
    nb = open_notebook(path)  # a restart: one more turn
    try:
        nb.run("%%claude --session analysis\nthird")
        nb.save()
    finally:
        nb.stop()
    home = tmp_path / "elsewhere"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # another machine: one turn, then a fork's turn
    nb = open_notebook(path)
    try:
        nb.run("%%claude --session analysis\nfourth")
        forked = nb.run("%claude fork --session analysis --as branch")
        assert "a branch of analysis" in text_of(forked)
        branch = nb.run("%%claude --session branch\nfifth, on a branch")
        assert meta(branch)["turn"] == 5
        again = nb.run("%%claude --session branch\nsixth, on the branch")
    finally:
        nb.stop()
    assert "fourth" in same_answers.requests[-1].texts  # the fork saw its parent's turns
    assert meta(again)["turn"] == 6

    frame = ccmagic.history(notebook=path)
    assert list(frame["turn"]) == [1, 2, 3, 4, 5, 6]
    assert frame["cost_usd"].notna().all()
    assert set(frame["cost_usd"].round(12)) == {0.0008}
    assert frame["cost_usd"].sum() == pytest.approx(6 * 0.0008, abs=1e-12)
    per_session = ccmagic.sessions(notebook=path).set_index("session")
    assert per_session.loc["analysis", "turns"] == 4 and per_session.loc["branch", "turns"] == 2
    assert per_session.loc["branch", "parent"] == per_session.loc["analysis", "session_id"]
    assert per_session["cost_usd"].sum() == pytest.approx(frame["cost_usd"].sum(), abs=1e-12)
    assert str(frame["started_at"].dt.tz) == "UTC"


def test_history_columns_and_cell_ids(
    notebook: KernelNotebook, same_answers: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    cell = notebook.run("%%claude -s a --tag experiment --tag v1\nhello")
    notebook.run("%%claude -s b\nother")
    frame = ccmagic.history(notebook=notebook.path)
    for column in ("session", "session_id", "turn", "prompt", "response", "cost_usd",
                   "input_tokens", "output_tokens", "duration_ms", "model", "started_at",
                   "is_error"):  # fmt: skip
        assert column in frame.columns
    assert (
        frame.loc[0, "prompt"] == "hello" and frame.loc[0, "session_id"] == meta(cell)["session_id"]
    )
    assert list(ccmagic.history("b", notebook=notebook.path)["session"]) == ["b"]
    tagged = ccmagic.sessions(tags="experiment", notebook=notebook.path)
    assert list(tagged["session"]) == ["a"] and tagged.loc[0, "tags"] == "experiment, v1"
    in_kernel = notebook.run("import ccmagic\nprint(len(ccmagic.history()))")
    assert text_of(in_kernel).strip() == "2"  # the kernel finds its own notebook's sidecar


def test_new_keeps_the_old_conversation(
    notebook: KernelNotebook, same_answers: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    old = meta(notebook.run("%%claude -s a\nfirst conversation"))
    notebook.run("%claude new --session a")
    new = meta(notebook.run("%%claude -s a\nsecond conversation"))
    assert new["session_id"] != old["session_id"] and new["turn"] == 1
    table = ccmagic.sessions(notebook=notebook.path).set_index("session_id")
    assert table.loc[old["session_id"], "current"] == False  # noqa: E712 - numpy bool
    assert table.loc[new["session_id"], "reason"] == "new"


def test_resume_binds_a_session_started_elsewhere(
    notebook: KernelNotebook, same_answers: FakeAnthropicAPI
) -> None:
    import asyncio

    from claude_agent_sdk import ClaudeAgentOptions, query

    async def terminal_session() -> str:
        found = ""
        async for message in query(prompt="started in a terminal", options=ClaudeAgentOptions()):
            found = getattr(message, "session_id", None) or found
        return found

    outside = asyncio.run(terminal_session())
    notebook.run("%load_ext ccmagic")
    bound = notebook.run(f"%claude resume {outside} --session term")
    assert "now continues" in text_of(bound)
    cell = notebook.run("%%claude -s term\ncontinuing it")
    assert meta(cell)["session_id"] == outside
    assert "started in a terminal" in same_answers.requests[-1].texts
    unknown = notebook.run("%claude resume 00000000-0000-4000-8000-000000000000 -s x")
    assert "no session" in text_of(unknown) and len(errors_of(unknown)[0].traceback) <= 3


@pytest.mark.parametrize(
    "content, says",
    [
        ("{ this is not json", "cannot be read"),
        ('{"format": "ccmagic-sidecar", "version": 1, "log": [\n{"event": "turn", "se', "closing"),
        ('{"format": "ccmagic-sidecar", "version": 7, "log": [\n]}\n', "newer ccmagic"),
    ],
)
def test_damaged_sidecar_is_left_alone_and_turns_go_to_a_recovery_file(
    notebook: KernelNotebook, same_answers: FakeAnthropicAPI, content: str, says: str
) -> None:
    sidecar = notebook.path.with_name("analysis.claude.json")
    sidecar.write_text(content)
    notebook.run("%load_ext ccmagic")
    cell = notebook.run("%%claude -s a\nhello")
    shown = text_of(cell)
    assert "the same answer" in shown  # the answer is still shown
    assert says in shown and "analysis.claude.recovery.json" in shown
    assert sidecar.read_text() == content
    recovered = ccmagic.history(notebook=notebook.path)
    assert list(recovered["prompt"]) == ["hello"]


def test_stripped_outputs_continue_from_the_sidecar(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    before = first_week(path)
    nb_file = nbformat.read(path, 4)
    for cell in nb_file.cells:
        cell.outputs = []
    nbformat.write(nb_file, path)
    nb = open_notebook(path)
    try:
        cell = nb.run("%%claude --session analysis\nstill there?")
    finally:
        nb.stop()
    assert meta(cell)["session_id"] == before["session_id"] and meta(cell)["turn"] == 3


def test_missing_sidecar_continues_from_the_notebooks_outputs_and_says_so(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    before = first_week(path)
    (tmp_path / "analysis.claude.json").unlink()
    nb = open_notebook(path)
    try:
        cell = nb.run("%%claude --session analysis\nstill there?")
    finally:
        nb.stop()
    shown = text_of(cell)
    assert "Continuing session analysis (turn 3) from the id saved in the notebook's" in shown
    assert meta(cell)["session_id"] == before["session_id"] and meta(cell)["turn"] == 3
    # the CLI's running totals travelled in the outputs: the cost stays exact, not unknown
    assert meta(cell)["cost_usd"] == pytest.approx(0.0008, abs=1e-12)
    assert "$0.0008 ·" in shown and "so far: $0.0024" in shown
    assert "Which columns look unreliable?" in same_answers.requests[-1].texts
    # the transcript was copied into the new sidecar, so the notebook travels again
    assert ccmagic.sessions(notebook=path).loc[0, "reason"] == "notebook"


def test_missing_sidecar_on_another_machine_never_starts_over_silently(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "analysis.ipynb"
    first_week(path)
    (tmp_path / "analysis.claude.json").unlink()
    home = tmp_path / "elsewhere"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    nb = open_notebook(path)
    try:
        cell = nb.run("%%claude --session analysis\nstill there?")
        [error] = errors_of(cell)
        shown = "\n".join(error.traceback)
        assert "transcript" in shown and "%claude new --session analysis" in shown
        nb.run("%claude new --session analysis")
        fresh = nb.run("%%claude --session analysis\nstarting over")
    finally:
        nb.stop()
    assert not errors_of(fresh) and meta(fresh)["turn"] == 1


def test_kernel_killed_mid_turn_leaves_a_valid_sidecar_and_reopen_continues(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    fake_api.script("one", "two", Reply("slow " * 400, delay=0.02))
    nb = open_notebook(path)
    nb.run("%%claude -s a\nfirst")
    nb.run("%%claude -s a\nsecond")
    nb.save()
    import threading

    threading.Timer(1.5, nb.kill).start()
    with pytest.raises(DeadKernelError):
        nb.run("%%claude -s a\nthis one dies")
    time.sleep(0.5)
    nb.stop()
    document = json.loads((tmp_path / "analysis.claude.json").read_text())
    turns = [e for e in document["log"] if e["event"] == "turn"]
    assert [t["prompt"] for t in turns] == ["first", "second"]
    assert [t["response"] for t in turns] == ["one", "two"]
    reopened = open_notebook(path)
    try:
        cell = reopened.run("%%claude -s a\nare we still talking?")
    finally:
        reopened.stop()
    assert meta(cell)["turn"] == 3 and not errors_of(cell)
    assert "second" in fake_api.requests[-1].texts


def test_renamed_notebook_restarted_run_all_keeps_turns_and_costs(
    claude_env: dict[str, str], same_answers: FakeAnthropicAPI, tmp_path: Path
) -> None:
    """Untitled.ipynb with two sessions, renamed (its sidecar keeps the old name), a new
    kernel, Run All: the sidecar follows the notebook, every cell replays, nothing is paid,
    and a new cell continues each conversation at turn 3 with an exact cost."""
    untitled = tmp_path / "Untitled.ipynb"
    nb = open_notebook(untitled)
    try:
        for name in ("analysis", "scratch"):
            nb.run(f"%%claude --session {name}\nfirst question of {name}")
            nb.run(f"%%claude --session {name}\nsecond question of {name}")
        nb.run("%claude history")
        nb.save()
    finally:
        nb.stop()
    renamed = tmp_path / "analysis.ipynb"
    untitled.rename(renamed)
    asked = len(same_answers.requests)
    rerun = KernelNotebook(renamed).start()
    try:
        cells = [rerun.run(c.source) for c in nbformat.read(renamed, 4).cells]
        cells.append(rerun.run("%%claude --session analysis\nthird question"))
        cells.append(rerun.run("%%claude --session scratch\nthird question"))
        cells.append(rerun.run("%claude history"))
        cells.append(rerun.run("%claude cost --no-plot"))
    finally:
        rerun.stop()
    shown = "\n".join(text_of(c) for c in cells)
    assert "analysis.ipynb had no sidecar: renamed Untitled.claude.json to " in shown
    assert not (tmp_path / "Untitled.claude.json").exists()
    for cell in cells:
        assert not errors_of(cell), text_of(cell)
    turns = [meta(c)["turn"] for c in cells if any("ccmagic" in o.get("metadata", {})
                                                   for o in c.outputs)]  # fmt: skip
    assert turns == [1, 2, 1, 2, 3, 3]  # replayed, then continued: one count each
    assert len(same_answers.requests) - asked == 2  # only the two new cells were asked
    assert "first question of analysis" in same_answers.requests[-2].texts
    assert "cost unknown" not in shown and "$0 " not in shown
    assert "so far: $0.0024" in shown  # three turns of each session at $0.0008
    assert "6 turns" in text_of(cells[-1])  # each paid turn counted once
