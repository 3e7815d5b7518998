"""Every way around redaction, closed, on the real CLI: Claude Code's attachment entries
(CLAUDE.md, a sub-folder's CLAUDE.md a Read pulls in, an @file mention), ``--system``, what
the notebook tools return and what the cell draws."""

from __future__ import annotations

import json
from pathlib import Path

import ccmagic
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, errors_of, text_of
from tests.unit.secret_corpus import ALNUM, UPPER, rand

INSTRUCTIONS_KEY = "ghp_" + rand(ALNUM, 36)  # in ./CLAUDE.md
NESTED_KEY = "npm_" + rand(ALNUM, 36)  # in ./sub/CLAUDE.md, read with sub/notes.txt
MENTIONED_KEY = "hf_" + rand(UPPER, 34)  # in creds.txt, mentioned as @creds.txt
SYSTEM_KEY = "sk-proj-" + rand(ALNUM, 48)  # in --system


def test_attachments_and_the_system_prompt_reach_the_sidecar_redacted(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    (tmp_path / "CLAUDE.md").write_text(f"# Project\nDeploy with GITHUB_TOKEN={INSTRUCTIONS_KEY}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "CLAUDE.md").write_text(f"Publish with NPM_TOKEN={NESTED_KEY}\n")
    (tmp_path / "sub" / "notes.txt").write_text("Nothing secret here.\n")
    (tmp_path / "creds.txt").write_text(f"HF_TOKEN={MENTIONED_KEY}\n")
    fake_api.script(
        Reply("Reading.", tool_uses=[("Read", {"file_path": str(tmp_path / "sub" / "notes.txt")})]),
        "Done.",
    )
    options = ccmagic.SessionOptions(system=f"Use the key {SYSTEM_KEY} for the API.")
    sidecar = tmp_path / "attach.claude.json"
    with ccmagic.BlockingSession(name="s", sidecar=sidecar, options=options) as session:
        record = session.query("Look at @creds.txt and sub/notes.txt")
    assert not record.is_error, record.error
    seen = " ".join(text for request in fake_api.requests for text in request.texts)
    seen += json.dumps([request.body for request in fake_api.requests])
    for key in (INSTRUCTIONS_KEY, NESTED_KEY, MENTIONED_KEY, SYSTEM_KEY):
        assert key in seen, key  # Claude was shown each (the attachments are real ones)
    text = sidecar.read_text()
    document = json.loads(text)
    entries = [e for event in document["log"] if event["event"] == "transcript"
               for e in event["entries"]]  # fmt: skip
    kinds = {e.get("attachment", {}).get("type") for e in entries if e.get("type") == "attachment"}
    leaked = [k for k in (INSTRUCTIONS_KEY, NESTED_KEY, MENTIONED_KEY, SYSTEM_KEY) if k in text]
    assert {"instructions", "nested_memory", "file"} <= kinds  # each kind of attachment
    assert not leaked, (leaked, kinds)
    assert "[REDACTED:" in json.dumps(entries)
    [session_event] = [e for e in document["log"] if e["event"] == "session"]
    assert "[REDACTED:OpenAI API Key]" in session_event["options"]["system"]
    [turn] = [e for e in document["log"] if e["event"] == "turn"]
    assert "[REDACTED:" in turn["asked_with"]["system"]
    assert all(e.get("uuid") for e in entries if e.get("type") in ("user", "assistant"))


def test_the_notebook_tools_and_the_cell_hand_out_no_credential(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    env_key, token, db_pass = rand(ALNUM + "/+", 40), "ghp_" + rand(ALNUM, 36), rand(ALNUM, 12)
    printed = "hf_" + rand(UPPER, 34)
    notebook.run(
        "%load_ext ccmagic\nimport os\n"
        f"os.environ['AWS_SECRET_ACCESS_KEY'] = {env_key!r}\n"
        f"env_text = 'GITHUB_TOKEN={token}\\nDB_PASS={db_pass}\\nDEBUG=1\\n'\n"
        f"tok = {printed!r}"
    )
    fake_api.script(
        use("inspect", name="env_text"),
        use("inspect", name='os.environ["AWS_SECRET_ACCESS_KEY"]'),
        use("variables"),
        use("run", code="print(tok)\ntok"),
        "Done.",
    )
    cell = notebook.run("%%claude -s a --allow run --with env_text\nWhat is configured?")
    assert not errors_of(cell), text_of(cell)
    secrets = (env_key, token, db_pass, printed)
    results = [text for r in fake_api.requests for _, text in r.tool_results()]
    assert len(results) == 4 and all("[REDACTED:" in text for text in results), results
    assert "DEBUG=1" in results[0]  # the rest of the value stays readable
    sent = json.dumps([request.body for request in fake_api.requests])
    assert not [s for s in secrets if s in sent]  # --with and every tool's result
    assert sent.count("are replaced by [REDACTED:<kind>]") >= 4  # the descriptions say so
    shown = text_of(cell)
    assert "↳ env_text" in shown and not [s for s in secrets if s in shown], shown
    assert not [s for s in secrets if s[:12] in shown]  # no fragment clipped from a key


def use(tool: str, **tool_input: object) -> Reply:
    return Reply(f"Using {tool}.", tool_uses=[(f"mcp__notebook__{tool}", dict(tool_input))])
