"""Continuity outside the magic: the Python API records itself, resumes by name or id, lists
and costs sessions anywhere (also from the ``ccmagic`` command), batches checkpoint every
answer, and a kernel keeps at most ``max_live_sessions`` Claude Code processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import ccmagic
from ccmagic.errors import UnknownSession
from ccmagic.testing import FakeAnthropicAPI, Reply, http_error
from tests.conftest import KernelNotebook, errors_of, report, text_of

SAME = Reply("the same answer")  # identical usage: every turn costs the same ($0.0008)
CCMAGIC = Path(sys.executable).with_name("ccmagic")  # the console command pip installed


def python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_sessions_save_themselves_and_resume_in_another_process(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.responder = lambda request: SAME
    first = python(
        """
        import asyncio
        from ccmagic import Session

        async def main():
            async with Session(name="review", sidecar="review.claude.json",
                               tags=["generation"]) as s:
                r = await s.query("Analyze this codebase...")
            print(r.session_id, r.turn)

        asyncio.run(main())
        """,
        dict(os.environ),
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    session_id, turn = first.stdout.split()
    assert turn == "1"
    elsewhere = tmp_path / "other-home"  # another machine: its ~/.claude never saw it
    elsewhere.mkdir()
    second = python(
        """
        import asyncio
        from ccmagic import resume

        async def main():
            async with resume("review", sidecar="review.claude.json") as s:
                r = await s.query("Continue the analysis...")
            print(r.session_id, r.turn, r.cost_usd)

        asyncio.run(main())
        """,
        dict(os.environ, HOME=str(elsewhere)),
        tmp_path,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == [session_id, "2", "0.0008"]
    seen = fake_api.requests[-1].texts
    assert "Analyze this codebase..." in seen and "Continue the analysis..." in seen
    blocking = python(
        f"""
        from ccmagic import BlockingSession
        with BlockingSession.resume({session_id!r}, sidecar="review.claude.json") as s:
            print(s.query("And a third time").turn)
        """,
        dict(os.environ, HOME=str(elsewhere)),
        tmp_path,
    )
    assert blocking.stdout.strip() == "3", blocking.stderr
    frame = ccmagic.history(sidecar=tmp_path / "review.claude.json")
    assert list(frame["turn"]) == [1, 2, 3] and frame["cost_usd"].notna().all()
    assert list(ccmagic.sessions(tags=["generation"], sidecar=tmp_path / "review.claude.json")
                ["session"]) == ["review"]  # fmt: skip


def test_resuming_an_unknown_session_lists_those_that_exist(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with ccmagic.BlockingSession(name="alpha", sidecar=tmp_path / "s.claude.json") as s:
        s.query("hello")
    with pytest.raises(UnknownSession) as problem:
        ccmagic.resume("beta", sidecar=tmp_path / "s.claude.json")
    assert "has no session 'beta'" in str(problem.value)
    assert "alpha (1 turn" in problem.value.hint


def test_sidecar_false_records_nothing_and_the_default_is_the_working_directory(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    with ccmagic.BlockingSession(name="quiet", sidecar=False) as s:
        s.query("not recorded")
    assert not (tmp_path / "ccmagic.claude.json").exists()
    with ccmagic.BlockingSession(name="default-place") as s:
        s.query("recorded")
    assert list(ccmagic.history()["prompt"]) == ["recorded"]  # history() reads where it wrote
    assert (tmp_path / "ccmagic.claude.json").exists()


def test_the_console_command_lists_and_costs_any_sidecar(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.responder = lambda request: SAME
    sidecar = tmp_path / "work.claude.json"
    for name, tags in (("eda", ["explore"]), ("model", ["fit"])):
        with ccmagic.BlockingSession(name=name, sidecar=sidecar, tags=tags) as s:
            s.query(f"first question of {name}")
            s.query(f"second question of {name}")

    def run(*args: str) -> str:
        done = subprocess.run([str(CCMAGIC), *args], capture_output=True, text=True, check=True)
        return done.stdout

    listed = run("sessions", str(sidecar), "--tag", "explore")
    assert "eda" in listed and "model" not in listed and "$0.0016" in listed
    history = run("history", str(sidecar), "--session", "model")
    assert "second question of model" in history and "first question of eda" not in history
    assert "2 turns" in history
    cost = run("cost", str(sidecar), "--by", "session")
    assert "4 turns" in cost and "total" in cost and "0.0032" in cost
    missing = subprocess.run([str(CCMAGIC), "history", str(tmp_path / "none.claude.json")],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 1 and "no sidecar at" in missing.stderr


BATCH_SCRIPT = """
import sys
import ccmagic
prompts = {f"row-{i}": f"label row {i}" for i in range(20)}
frame = ccmagic.batch(prompts, session="labels", workers=3, sidecar="batch.claude.json",
                      progress=False)
frame.to_json("answers.json")
"""


def batch_turns(sidecar: Path) -> list[dict]:
    """The batch's turns, read as ccmagic reads (under the lock the writer holds)."""
    from ccmagic.sidecar.file import Sidecar

    return [e for e in Sidecar(sidecar).events(("turn",)) if e.get("batch") == "labels"]


def test_a_killed_batch_asks_only_the_unanswered_items_again(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.responder = lambda request: Reply("label", chunk_size=100, delay=0.3)
    sidecar = tmp_path / "batch.claude.json"
    script = tmp_path / "batch.py"
    script.write_text(BATCH_SCRIPT)
    first = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=dict(os.environ),
                             start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 180
    while len(batch_turns(sidecar)) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)  # the whole process, as the OOM killer would
    first.wait()
    answered = {t["item"] for t in batch_turns(sidecar)}
    assert 10 <= len(answered) < 20
    asked_before = len(fake_api.requests)
    second = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=dict(os.environ),
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert second.returncode == 0, second.stderr
    asked_again = [r.last_user_text for r in fake_api.requests[asked_before:]]
    expected = {f"label row {i}" for i in range(20) if f"row-{i}" not in answered}
    # 0 answered items asked again (a prompt may reach the fake twice when Claude Code itself
    # retries a slow request on a loaded machine; that is the CLI's retry, not a re-ask)
    assert set(asked_again) == expected
    frame = json.loads((tmp_path / "answers.json").read_text())
    assert list(frame["status"]) == [f"row-{i}" for i in range(20)]  # input order
    assert set(frame["status"].values()) == {"ok"}
    assert set(frame["cost_usd"].values()) == {0.0008}  # exact, also for reused answers
    history = ccmagic.history(sidecar=sidecar)
    assert sorted(history["item"].tolist()) == sorted(f"row-{i}" for i in range(20))
    report("batch SIGKILL at half, rerun", 1, len(history), 20 - len(history))


def test_budget_cap_failures_and_edits(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("CLAUDE_CODE_MAX_RETRIES", "0")

    def model(request):  # item 2 always fails at the API
        return http_error(500) if "item 2" in request.last_user_text else SAME

    fake_api.responder = model
    sidecar = tmp_path / "b.claude.json"
    prompts = [f"item {i}" for i in range(6)]
    first = ccmagic.batch(prompts, session="b", workers=1, max_budget_usd=0.0025,
                          sidecar=sidecar, progress=False)  # fmt: skip
    # 0.0008 each: items 0 and 1 (0.0016), 2 fails (nothing spent), 3 (0.0024); item 4 is
    # expected to cost 0.0008 more: it would go over, so it does not start
    assert list(first["status"]) == ["ok", "ok", "error", "ok"] + ["skipped-budget"] * 2
    assert "500" in first.loc[2, "error"]
    fake_api.responder = lambda request: SAME
    edited = [*prompts[:5], "item 5, reworded"]
    asked = len(fake_api.requests)
    second = ccmagic.batch(edited, session="b", workers=2, sidecar=sidecar, progress=False)
    assert list(second["status"]) == ["ok"] * 6
    again = sorted(r.last_user_text for r in fake_api.requests[asked:])
    assert again == ["item 2", "item 4", "item 5, reworded"]  # failed, skipped, edited
    assert second.loc[0, "session_id"] == first.loc[0, "session_id"]  # reused, not re-asked


def test_each_item_forks_the_named_session_and_sees_no_other_item(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    sidecar = tmp_path / "f.claude.json"
    with ccmagic.BlockingSession(name="labels", sidecar=sidecar) as s:
        s.query("Answer each item with one word.")
    frame = ccmagic.batch(["a", "b", "c", "d"], session="labels", workers=2, sidecar=sidecar,
                          progress=False)  # fmt: skip
    assert set(frame["status"]) == {"ok"} and frame["session_id"].nunique() == 4
    for request in fake_api.requests[1:]:  # the instruction, the item, nothing of the others
        assert request.questions == 2 and "Answer each item with one word." in request.texts
    assert set(frame["turn"]) == {2}  # each item numbers on from the session it forked
    items = ccmagic.sessions(tags=["batch:labels"], sidecar=sidecar)
    assert len(items) == 4 and set(items["reason"]) == {"batch"}
    assert ccmagic.sessions(sidecar=sidecar).query("session == 'labels'")["current"].all()


def test_interrupting_a_batch_in_a_kernel(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    fake_api.responder = lambda request: Reply("slow " * 50, chunk_size=5, delay=0.05)
    code = (
        "import ccmagic\n"
        "answers = ccmagic.batch([f'item {i}' for i in range(12)], session='labels', workers=2)"
    )
    notebook.run("%load_ext ccmagic")

    def interrupt_after_three() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(batch_turns(notebook.path.with_name("analysis.claude.json"))) >= 3:
                break
            time.sleep(0.05)
        notebook.interrupt()

    cell = notebook.run(code, during=interrupt_after_three)
    latency = time.monotonic() - notebook.interrupted_at
    [error] = errors_of(cell)
    assert error.ename == "BatchInterrupted" and "Run the same call again" in error.evalue
    assert latency < 5  # 2 s is the figure (reported); this only catches a hang
    turns = batch_turns(notebook.path.with_name("analysis.claude.json"))
    finished = [t for t in turns if not t["interrupted"]]
    stopped = [t for t in turns if t["interrupted"]]
    assert len(finished) >= 3 and len(stopped) <= 2  # those in flight were recorded as such
    fake_api.responder = lambda request: SAME
    asked = len(fake_api.requests)
    rerun = notebook.run(code + "\nprint(answers['status'].value_counts().to_dict())")
    assert "{'ok': 12}" in text_of(rerun)
    assert len(fake_api.requests) - asked == 12 - len(finished)
    # the progress bar became a line of text: a saved notebook keeps no widget of it
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for o in rerun.outputs)  # fmt: skip
    assert f"labels: 12 items · 12 ok · {len(finished)} answered before" in text_of(rerun)
    report("interrupt a batch", 1, len(turns), 0, longest_interrupt_s=round(latency, 2))


def test_a_kernel_keeps_at_most_max_live_sessions_processes(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.max_live_sessions = 2")
    for n in range(1, 7):
        cell = notebook.run(f"%%claude -s s{n}\nremember {n}")
        assert not errors_of(cell), text_of(cell)
    live = text_of(notebook.run(
        "registry = get_ipython().magics_manager.registry['ClaudeMagics'].registry\n"
        "pids = [s.pid for _, s in registry.items() if s.connected]\n"
        "import os\n"
        "print(len(pids), sum(os.path.exists(f'/proc/{p}') for p in pids))"
    ))  # fmt: skip
    assert live.split() == ["2", "2"]
    again = notebook.run("%%claude -s s1\nwhat did I ask you to remember?")
    shown = text_of(again)
    assert "closed to keep at most 2 running" in shown and "s1 #2" in shown
    assert "remember 1" in fake_api.requests[-1].texts  # the conversation is intact
