"""A sidecar is safe to commit: no secret reaches it or the saved notebook, git merges it, a
shared folder cannot corrupt it (tests/test_faults.py), and it keeps only what a resume needs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

import ccmagic
from ccmagic.sidecar.redaction import Findings, Redactor
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, errors_of, report, text_of

SECRETS = {  # ten kinds, all fake
    "AWS access key": "AKIAZ3MHQX5TPL2VW7RN",
    "AWS secret key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8kLm3Np2",
    "GitHub token": "ghp_4fT9kQ2mZx7LpR3sV8nB1cW6yH0jD5gA2eUq",
    "OpenAI key": "sk-proj-Xq3bT9mK2pLr8sVn4cW7yH1jD6gA0eUfZ5iO",
    "Anthropic key": "sk-ant-api03-Rk8mT2qLx9pVn4sW7cY1hJ6dG0aEfU3iZ5oB-abcd",
    "Slack token": "xoxb-284619375021-4829173650284-Kq8mT2pLx9VnRs4cW7yHj1dG",
    "Stripe key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "JWT": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4if"
    "Q.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "password in a URL": "S3cr3tPassw0rdX",
    "password": "correct-horse-battery-staple-42",
}
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDk3Zq8mT2pLx9VnRs4cW7yHj1dGk3Zq8mT2pLx9VnRs4cW7yHj1dGAAAAJ\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
PRIVATE_KEY_LINE = "QyNTUxOQAAACDk3Zq8mT2pLx9VnRs4cW7yHj1dGk3Zq8mT2pLx9VnRs4cW7yHj1dGAAAAJ"
ENV_FILE = (
    f"AWS_ACCESS_KEY_ID={SECRETS['AWS access key']}\n"
    f"aws_secret_access_key = {SECRETS['AWS secret key']}\n"
    f"GITHUB_TOKEN={SECRETS['GitHub token']}\n"
    f"OPENAI_API_KEY={SECRETS['OpenAI key']}\n"
    f"CLAUDE={SECRETS['Anthropic key']}\n"
    f"slack: {SECRETS['Slack token']}\n"
    f"stripe {SECRETS['Stripe key']}\n"
    f"session {SECRETS['JWT']}\n"
    f"DATABASE_URL=postgres://admin:{SECRETS['password in a URL']}@db.internal:5432/prod\n"
    f'db_password = "{SECRETS["password"]}"\n' + PRIVATE_KEY
)
VALUES = [*SECRETS.values(), PRIVATE_KEY_LINE]
HARMLESS = (
    "commit 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2\n"
    "id,uuid,price\n1,6f0c2c6a-3f58-4b5e-9d43-1d8e2b6f0a11,9.5\n"
    "/home/ana/projects/sales/data/2026-11-26/orders_north_region.parquet\n"
    "def rolling_mean(values, window=7):\n    return values.rolling(window).mean()\n"
    "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    "The token budget is 4096; the key point is the region column.\n"
    '{"file_path": "/home/ana/.aws/credentials"}\n'
    "auth_url: https://login.example.org/oauth2/authorize\n"
    "password_file = ~/secrets/db-password.txt\n"
)


def move_home(home: Path) -> None:
    """Go on as on another machine: a HOME of its own, empty (the fixture restores HOME)."""
    home.mkdir(parents=True)
    os.environ["HOME"] = str(home)


def on_another_machine(
    path: Path, api: FakeAnthropicAPI, source: str, reply: str
) -> tuple[Any, list[str]]:
    """Run ``source`` in a new kernel on the saved notebook with an empty HOME (a colleague's
    machine after a clone): the cell, and what the model was sent for it."""
    move_home(path.parent / f"home-{len(api.requests)}")
    kernel = KernelNotebook(path).start()
    try:
        kernel.run("%load_ext ccmagic")
        api.script(reply)
        asked = len(api.requests)
        cell = kernel.run(source)
        return cell, list(api.requests[asked].texts) if len(api.requests) > asked else []
    finally:
        kernel.stop()


def leaks(text: str) -> list[str]:
    return [value for value in VALUES if value in text]


def test_ten_kinds_of_secret_are_redacted_and_ordinary_text_is_not() -> None:
    found = Findings()
    clean = Redactor().text(ENV_FILE, "Read output", found)
    assert not leaks(clean), clean
    assert found.count == 11 and found.places == {"Read output"}  # each secret once
    for kind in ("AWS Access Key", "GitHub Token", "OpenAI API Key", "Anthropic API Key",
                 "Slack Token", "Stripe Access Key", "JSON Web Token", "Private Key",
                 "Basic Auth Credentials", "Secret Keyword"):  # fmt: skip
        assert kind in found.kinds and f"[REDACTED:{kind}]" in clean, kind
    assert "db.internal:5432/prod" in clean  # the rest of the line stays readable
    assert not any(value in json.dumps(found.record()) for value in VALUES)
    untouched = Findings()
    assert Redactor().text(HARMLESS, "answer", untouched) == HARMLESS
    assert untouched.count == 0


def test_a_users_pattern_is_redacted_and_an_invalid_one_refused(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    # IPython expands {...} in a line magic: a regex's braces are doubled there
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.redact = [r'ACME-\\d{{6}}']")
    bad = notebook.run("%config ClaudeMagics.redact = ['(unclosed']")
    assert "no regular expression" in text_of(bad) and len(text_of(bad).splitlines()) < 12
    fake_api.script("Customer ACME-123456 is the largest.")
    cell = notebook.run("%%claude -s s\nWho is ACME-123456?")
    assert not errors_of(cell), text_of(cell)
    assert "ACME-123456" not in text_of(cell) and "[REDACTED:pattern]" in text_of(cell)
    notice = "1 secret kept out of the sidecar and this output: pattern in answer, prompt."
    assert notice in text_of(cell)
    sidecar = notebook.path.with_name("analysis.claude.json").read_text()
    assert "ACME-123456" not in sidecar and sidecar.count("[REDACTED:pattern]") >= 2
    [turn] = [e for e in json.loads(sidecar)["log"] if e["event"] == "turn"]
    assert turn["redacted"] == {"count": 1, "kinds": ["pattern"], "where": ["answer", "prompt"]}


TOKENS_CSV = f"service,token\ngithub,{SECRETS['GitHub token']}\nstripe,{SECRETS['Stripe key']}\n"


def test_secrets_read_by_read_bash_and_inspect_reach_no_artifact(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(ENV_FILE)
    (tmp_path / "tokens.csv").write_text(TOKENS_CSV)
    notebook.run("%load_ext ccmagic\nimport pandas as pd\ntokens = pd.read_csv('tokens.csv')")
    fake_api.script(
        Reply("Reading it.", tool_uses=[("Read", {"file_path": str(tmp_path / ".env")})]),
        Reply("And with cat.", tool_uses=[("Bash", {"command": f"cat {tmp_path / '.env'}"})]),
        Reply("And the frame.", tool_uses=[("mcp__notebook__inspect", {"name": "tokens"})]),
        Reply(f"Your GitHub token is {SECRETS['GitHub token']}; rotate it."),
    )
    cell = notebook.run("%%claude -s s --allow Bash\nWhat credentials does my project hold?")
    assert not errors_of(cell), text_of(cell)
    seen = " ".join(t for r in fake_api.requests for t in r.texts)
    assert len(leaks(seen)) == len(VALUES)  # Claude itself saw them all (this is no filter)
    shown = text_of(cell)
    assert not leaks(shown) and "rotate it" in shown
    assert "secrets kept out of the sidecar and this output" in shown
    for where in ("Read output", "Bash output", "answer"):
        assert where in shown, where
    inspected = [t for r in fake_api.requests for n, t in r.tool_results() if "inspect" in n]
    assert inspected and not leaks(inspected[0]) and "[REDACTED:" in inspected[0]  # never sent
    notebook.save()
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook.path, 4))
    sidecar = notebook.path.with_name("analysis.claude.json")
    artifacts = {"sidecar": sidecar.read_text(), "notebook": notebook.path.read_text(),
                 "HTML export": html}  # fmt: skip
    leaked = {artifact: leaks(text) for artifact, text in artifacts.items()}
    assert not any(leaked.values()), leaked
    turns = [e for e in json.loads(sidecar.read_text())["log"] if e["event"] == "turn"]
    assert turns[0]["redacted"]["count"] >= 11 and "Private Key" in turns[0]["redacted"]["kinds"]
    notebook.stop()
    # the conversation goes on from the sidecar on a machine that never saw it (empty HOME)
    answer, resumed = on_another_machine(
        notebook.path, fake_api, "%%claude -s s\nWhich of them did you name?", "The GitHub one."
    )
    assert not errors_of(answer), text_of(answer)
    assert "What credentials does my project hold?" in resumed
    assert any("rotate it" in text for text in resumed)
    assert "[REDACTED:GitHub Token]" in " ".join(resumed) and not leaks(" ".join(resumed))
    report(f"{len(VALUES)} secrets read by Read, Bash, inspect", 1, len(turns), 1 - len(turns),
           leaked=sum(len(found) for found in leaked.values()))  # fmt: skip


def test_transcripts_none_still_replays_and_says_why_it_cannot_resume_elsewhere(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.transcripts = 'none'")
    fake_api.script("Forty-two.")
    notebook.run("%%claude -s s\nThe answer?")
    notebook.save()
    notebook.stop()
    sidecar = notebook.path.with_name("analysis.claude.json").read_text()
    events = [e["event"] for e in json.loads(sidecar)["log"]]
    assert "turn" in events and "transcript" not in events
    move_home(tmp_path / "elsewhere")
    again = KernelNotebook(notebook.path).start()
    try:
        again.run("%load_ext ccmagic")
        asked = len(fake_api.requests)
        replayed = again.run_saved(1)
        assert "Forty-two." in text_of(replayed) and len(fake_api.requests) == asked
        refused = again.run("%%claude -s s\nAnd then?")
        shown = text_of(refused)
        assert "cannot be continued here" in shown and "transcripts = 'none'" in shown
        assert "%claude new --session s" in shown and len(shown.splitlines()) < 15
        assert len(fake_api.requests) == asked
    finally:
        again.stop()


def test_transcripts_full_keeps_what_claude_read(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    from ccmagic.sidecar.redaction import configure

    (tmp_path / ".env").write_text(ENV_FILE)
    fake_api.script(
        Reply("Reading.", tool_uses=[("Read", {"file_path": str(tmp_path / ".env")})]), "Read."
    )
    configure(transcripts="full")
    try:
        with ccmagic.BlockingSession(name="s", sidecar=tmp_path / "full.claude.json") as s:
            s.query("read my .env")
    finally:
        configure(transcripts="redacted")
    document = json.loads((tmp_path / "full.claude.json").read_text())
    transcript = json.dumps([e for e in document["log"] if e["event"] == "transcript"])
    turns = json.dumps([e for e in document["log"] if e["event"] == "turn"])
    assert SECRETS["GitHub token"] in transcript  # as asked: the transcript as Claude saw it
    assert not leaks(turns)  # the turn records, shown in views, are redacted all the same


def test_a_restart_and_a_turn_add_a_few_kilobytes_and_resume_needs_nothing_else(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    sidecar = notebook.path.with_name("analysis.claude.json")
    notebook.run("%load_ext ccmagic")
    fake_api.script("One.", "Two.")
    notebook.run("%%claude -s s\nfirst question")
    one = sidecar.stat().st_size
    notebook.run("%%claude -s s\nsecond question")
    plain_turn = sidecar.stat().st_size - one
    notebook.stop()
    restarted = KernelNotebook(notebook.path).start()
    try:
        restarted.run("%load_ext ccmagic")
        fake_api.script("Three.")
        before = sidecar.stat().st_size
        restarted.run("%%claude -s s\nthird question")
        restart_and_turn = sidecar.stat().st_size - before
    finally:
        restarted.stop()
    texts = len("second question") + len("Two.")
    assert plain_turn <= 5000 + texts, plain_turn
    assert restart_and_turn - plain_turn <= 5000, (restart_and_turn, plain_turn)
    written = sidecar.read_text()
    assert str(tmp_path) not in written and os.uname().release not in written
    assert re.sub(r"[^A-Za-z0-9]", "-", str(tmp_path)) not in written  # Claude Code's project key
    report("sidecar bytes: plain turn / restart", 2, 2, 0, turn_bytes=plain_turn,
           restart_bytes=restart_and_turn - plain_turn)  # fmt: skip
    cell, seen = on_another_machine(notebook.path, fake_api, "%%claude -s s\nfourth", "Four.")
    assert not errors_of(cell), text_of(cell)
    for earlier in ("first question", "One.", "second question", "Two.", "third question",
                    "Three."):  # fmt: skip
        assert earlier in seen, earlier


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def ask(sidecar: Path, name: str, *prompts: str, resume: bool = True) -> None:
    if resume:
        opened = ccmagic.BlockingSession.resume(name, sidecar=sidecar)
    else:
        opened = ccmagic.BlockingSession(name=name, sidecar=sidecar)
    with opened as session:
        for prompt in prompts:
            session.query(prompt)


@pytest.fixture
def repo(claude_env: dict[str, str], tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ana@example.org")
    git(tmp_path, "config", "user.name", "Ana")
    setup = subprocess.run([sys.executable, "-m", "ccmagic.cli", "git-setup"], cwd=tmp_path,
                           capture_output=True, text=True)  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    assert "*.claude.json merge=ccmagic diff=ccmagic" in (tmp_path / ".gitattributes").read_text()
    (tmp_path / ".gitignore").write_text("home/\n*.ipynb\n.ipynb_checkpoints/\n")
    return tmp_path


def test_two_branches_continuing_sessions_merge_without_conflict(
    repo: Path, fake_api: FakeAnthropicAPI, claude_env: dict[str, str]
) -> None:
    fake_api.responder = lambda request: Reply(f"ok {len(request.texts)}")
    sidecar = repo / "analysis.claude.json"
    ask(sidecar, "alpha", "base 1", "base 2", resume=False)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "ana")
    ask(sidecar, "alpha", "ana 3")
    ask(sidecar, "gamma", "gamma 1", resume=False)
    git(repo, "commit", "-qam", "ana's turns")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "ben")
    move_home(repo / "home" / "ben")  # a colleague's machine
    time.sleep(0.05)  # so the two lines' times differ
    ask(sidecar, "alpha", "ben 3", "ben 4")
    ask(sidecar, "beta", "beta 1", resume=False)
    git(repo, "commit", "-qam", "ben's turns")
    diff = git(repo, "diff", "HEAD~1", "--", "analysis.claude.json")
    assert "+> ben 3" in diff and "+-- beta #1" in diff  # turns as text (the textconv)
    git(repo, "checkout", "-q", "ana")
    started = time.monotonic()
    git(repo, "merge", "-q", "--no-edit", "ben")  # no conflict
    seconds = time.monotonic() - started
    assert git(repo, "status", "--porcelain") == ""
    json.loads(sidecar.read_text())  # valid
    history = ccmagic.history(sidecar=sidecar)
    prompts = sorted(history["prompt"])
    assert prompts == sorted(["base 1", "base 2", "ana 3", "gamma 1", "ben 3", "ben 4",
                              "beta 1"])  # fmt: skip
    report("git merge of two branches' sidecars", 7, len(prompts), 7 - len(prompts),
           seconds=round(seconds, 2))  # fmt: skip
    notebook = KernelNotebook(repo / "analysis.ipynb").start()
    try:
        notebook.run("%load_ext ccmagic")
        asked = len(fake_api.requests)
        cell = notebook.run("%%claude -s alpha\nafter the merge")
        shown = text_of(cell)
        assert not errors_of(cell), shown
        assert "Merged: session alpha was continued on both branches" in shown
        newer = fake_api.requests[asked].texts
        assert {"base 1", "base 2", "ben 3", "ben 4", "after the merge"} <= set(newer)
        assert "ana 3" not in newer
        fake_api.script("still here")
        assert "Merged:" not in text_of(notebook.run("%%claude -s alpha\nand on"))  # said once
        listed = text_of(notebook.run("%claude sessions --all"))
        conversations = ccmagic.sessions(sidecar=sidecar)
        [branch] = conversations[conversations["reason"] == "branch"].itertuples()
        assert branch.session_id in listed and branch.session_id in shown
        notebook.run(f"%claude resume {branch.session_id} --session alpha-2")
        asked = len(fake_api.requests)
        older = notebook.run("%%claude -s alpha-2\non ana's line")
        assert not errors_of(older), text_of(older)
        assert "alpha-2 #4" in text_of(older)  # after base 1, base 2 and ana 3
        seen = fake_api.requests[asked].texts
        assert {"base 1", "base 2", "ana 3", "on ana's line"} <= set(seen) and "ben 3" not in seen
    finally:
        notebook.stop()


def turn(session: str, n: int, at: str) -> dict:
    return {"event": "turn", "session": session, "session_id": session, "turn": n,
            "prompt": f"{session} {n}", "started_at": at}  # fmt: skip


def test_the_driver_merges_sidecars_made_on_both_sides_and_refuses_a_broken_one(
    tmp_path: Path,
) -> None:
    from ccmagic.sidecar.file import Sidecar
    from ccmagic.sidecar.merge import merge

    ancestor = tmp_path / "ancestor"
    ancestor.write_bytes(b"")  # git's ancestor of a file both branches added
    ours, theirs = Sidecar(tmp_path / "ours.claude.json"), Sidecar(tmp_path / "theirs.claude.json")
    ours.append(turn("a", 1, "2026-11-02T00:00:00+00:00"), turn("a", 2, "2026-11-04T00:00:00"))
    theirs.append(turn("b", 1, "2026-11-03T00:00:00+00:00"))
    assert merge(ancestor, ours.path, theirs.path) == ""  # nothing diverged: nothing to say
    merged = [e["prompt"] for e in json.loads(ours.path.read_text())["log"]]
    assert merged == ["a 1", "b 1", "a 2"]  # in time order
    assert merge(ancestor, ours.path, theirs.path) == ""  # again: each event still once
    assert len(json.loads(ours.path.read_text())["log"]) == 3
    before = ours.path.read_bytes()
    theirs.path.write_text('{"format": "ccmagic-sidecar", "version": 1, "log": [\n{"ev')
    command = ["merge-driver", str(ancestor), str(ours.path), str(theirs.path)]
    driver = subprocess.run([sys.executable, "-m", "ccmagic.cli", *command],
                            capture_output=True, text=True)  # fmt: skip
    assert driver.returncode == 1 and "ccmagic merge-driver:" in driver.stderr
    assert ours.path.read_bytes() == before  # git then reports a conflict; nothing is lost


def test_a_try_never_sent_does_not_move_where_a_merged_branch_forks(tmp_path: Path) -> None:
    from ccmagic.sidecar.file import Sidecar
    from ccmagic.sidecar.merge import merge

    base = turn("a", 1, "2026-11-01T00:00:00+00:00")
    ancestor, ours, theirs = (Sidecar(tmp_path / f"{n}.claude.json") for n in ("o", "a", "b"))
    ancestor.append(base)
    unsent = turn("a", 2, "2026-11-02T00:00:01+00:00") | {"turn": None, "prompt": "never sent"}
    ours.append(base, turn("a", 2, "2026-11-02T00:00:00+00:00"), unsent)
    theirs.append(base, turn("a", 2, "2026-11-05T00:00:00+00:00") | {"prompt": "theirs 2"})
    assert "Merged: session a" in merge(ancestor.path, ours.path, theirs.path)
    log = json.loads(ours.path.read_text())["log"]
    [branch] = [e for e in log if e.get("reason") == "branch"]
    assert branch["fork_turn"] == 1 and branch["parent"] == "a"
    moved = [e["prompt"] for e in log if e.get("session_id") == branch["session_id"]
             and e["event"] == "turn"]  # fmt: skip
    assert moved == ["a 2", "never sent"]
