"""User flows in a real ipykernel driven by nbclient, on the real CLI and the fake API."""

from __future__ import annotations

import time

from ccmagic.testing import FakeAnthropicAPI, Reply, http_error
from tests.conftest import KernelNotebook, closed_port, errors_of, once_streaming, text_of


def answer_outputs(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "display_data" and "ccmagic" in o.metadata]


def test_named_sessions_stream_remember_and_stay_apart(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    fake_api.script(
        Reply("Columns **b** and *c* look unreliable.", chunk_size=4),
        Reply("Drop c first."),
        Reply("Unrelated answer."),
        Reply("Default answer."),
    )
    first = notebook.run("%%claude --session analysis\nWhich columns look unreliable?")
    second = notebook.run("%%claude --session analysis\nWhich would you drop first?")
    scratch = notebook.run("%%claude --session scratch\nUnrelated question")
    default = notebook.run("%%claude\nNo session given")

    for cell in (first, second, scratch, default):
        assert not errors_of(cell), text_of(cell)
        assert len(answer_outputs(cell)) == 1  # one output per turn, updated in place
    shown = answer_outputs(first)[0]
    assert "Columns **b** and *c* look unreliable." in shown.data["text/markdown"]
    assert "Columns **b** and *c* look unreliable." in shown.data["text/plain"]
    meta = shown.metadata["ccmagic"]
    assert meta["session"] == "analysis" and meta["turn"] == 1 and len(meta["session_id"]) == 36
    assert answer_outputs(second)[0].metadata["ccmagic"]["session_id"] == meta["session_id"]
    assert answer_outputs(scratch)[0].metadata["ccmagic"]["session_id"] != meta["session_id"]
    assert answer_outputs(default)[0].metadata["ccmagic"]["session"] == "default"
    # footer: model · tokens · cost · duration · session
    plain = answer_outputs(second)[0].data["text/plain"]
    assert "100 in / 20 out · $0.0008 ·" in plain and "analysis #2" in plain

    # continuity: the model saw the first turn of "analysis" but nothing of "scratch"
    assert "Which columns look unreliable?" in fake_api.requests[1].texts
    assert "Which columns look unreliable?" not in fake_api.requests[2].texts

    sessions = notebook.run("%claude sessions")
    listing = text_of(sessions)
    assert "analysis" in listing and "scratch" in listing and "default" in listing


def test_streamed_answer_is_updated_in_place(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.update_interval = 0.05")
    fake_api.script(Reply("streaming " * 60, delay=0.01, chunk_size=10))
    updates: list = []
    original = notebook.client._update_display_id

    def spy(display_id, msg):  # every display message nbclient applies, as a frontend would
        if msg["msg_type"] == "update_display_data":
            updates.append(msg["content"]["data"]["text/plain"])
        return original(display_id, msg)

    notebook.client._update_display_id = spy
    cell = notebook.run("%%claude\nstream please")
    assert len(updates) >= 3  # partial answers arrived before the whole one
    assert len(updates[0]) < len(updates[-1])
    assert text_of(cell).count("streaming") == 60


def test_new_and_close_subcommands(notebook: KernelNotebook, fake_api: FakeAnthropicAPI) -> None:
    notebook.run("%load_ext ccmagic")
    first = answer_outputs(notebook.run("%%claude -s a\nremember 7"))[0].metadata["ccmagic"]
    closed = notebook.run("%claude close --session a")
    assert "closed" in text_of(closed)
    resumed = notebook.run("%%claude -s a\nwhat number?")
    assert answer_outputs(resumed)[0].metadata["ccmagic"]["session_id"] == first["session_id"]
    assert "remember 7" in fake_api.requests[-1].texts  # resumed, not restarted
    assert "Resumed session a: its Claude Code process was closed." in text_of(resumed)
    notebook.run("%claude new --session a")
    fresh = notebook.run("%%claude -s a\nwhat number?")
    meta = answer_outputs(fresh)[0].metadata["ccmagic"]
    assert meta["session_id"] != first["session_id"] and meta["turn"] == 1
    assert "remember 7" not in fake_api.requests[-1].texts


def test_bad_input_is_a_usage_error_and_calls_nothing(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    bad = ("%%claude\n   \n", "%%claude --session x\n", "%%claude --bogus\nhi", "%claude frob")
    for source in bad:
        shown = text_of(notebook.run(source))
        assert shown.startswith("UsageError:"), source  # IPython's one-line usage error
        assert "Traceback" not in shown and len(shown.splitlines()) <= 2
    assert fake_api.requests == []
    assert "sessions, new, close" in text_of(notebook.run("%claude frob"))


def test_no_credentials_is_one_short_message(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\nimport os\ndel os.environ['ANTHROPIC_API_KEY']")
    cell = notebook.run("%%claude\nhello")
    # at once: nothing was sent to the model and nothing retried (no wall clock in the test)
    assert fake_api.requests == [] and "retry" not in text_of(cell).lower()
    [error] = errors_of(cell)
    shown = "\n".join(error.traceback)
    assert "not logged in" in shown and "ANTHROPIC_API_KEY" in shown
    assert len(error.traceback) <= 3 and "Traceback" not in shown


def test_http_error_then_the_session_still_works(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\nimport os\nos.environ['CLAUDE_CODE_MAX_RETRIES'] = '0'")
    fake_api.script(*[http_error(401)] * 20)
    cell = notebook.run("%%claude -s s\nhello")
    fake_api.clear_script()
    [error] = errors_of(cell)
    assert "401" in "\n".join(error.traceback) and len(error.traceback) <= 3
    fake_api.script("fine now")
    after = notebook.run("%%claude -s s\nagain")
    assert not errors_of(after) and "fine now" in text_of(after)
    # the refused try never reached the model: recorded, but not a turn of the conversation
    assert answer_outputs(after)[0].metadata["ccmagic"]["turn"] == 1
    assert "s · not sent to Claude: Claude API error 401" in text_of(cell)


def test_a_try_without_credentials_is_not_a_turn_and_demo_continues_the_session(
    notebook: KernelNotebook,
) -> None:
    """The newcomer's first hour: no key, then %claude demo; one count per conversation."""
    notebook.run("%load_ext ccmagic\nimport os\ndel os.environ['ANTHROPIC_API_KEY']")
    failed = notebook.run("%%claude -s analysis\nhello?")
    shown = text_of(failed)
    assert "analysis · not sent to Claude: The Claude Code CLI is not logged in" in shown
    assert "<synthetic>" not in shown and "$0" not in shown
    notebook.run("%claude demo")
    cell = notebook.run("%%claude -s analysis\nwhat can you do?")
    shown = text_of(cell)
    assert "Session analysis continues on the offline demo model." in shown
    assert "reconnected by resuming" not in shown
    assert "message 1 of this conversation" in shown  # the model's count ...
    assert "analysis #1 ·" in shown  # ... and ours agree
    assert answer_outputs(cell)[0].metadata["ccmagic"]["turn"] == 1
    history = text_of(notebook.run("%claude history"))
    assert "not sent" in history and "Traceback" not in history


def test_unreachable_api_shows_retry_progress_then_an_error(
    notebook: KernelNotebook,
) -> None:
    port = closed_port()
    notebook.run(
        "%load_ext ccmagic\nimport os\n"
        f"os.environ['ANTHROPIC_BASE_URL'] = 'http://127.0.0.1:{port}'\n"
        "os.environ['CLAUDE_CODE_MAX_RETRIES'] = '1'"
    )
    cell = notebook.run("%%claude\nhello")
    assert "API unreachable, retry 1/1" in text_of(cell)
    [error] = errors_of(cell)
    assert "reach the Claude API" in "\n".join(error.traceback)


def test_interrupt_mid_stream_keeps_the_partial_answer(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    fake_api.script(Reply("partial " * 400, delay=0.02, chunk_size=8), Reply("next one works"))
    during = once_streaming(fake_api, "tell me everything", notebook.interrupt)
    cell = notebook.run("%%claude -s s\ntell me everything", during=during)
    assert time.monotonic() - notebook.interrupted_at < 2.0 + 1.0  # 2 s, + slack for a busy box
    [error] = errors_of(cell)
    assert error.ename == "KeyboardInterrupt"
    shown = answer_outputs(cell)[0].data["text/plain"]
    assert shown.startswith("partial") and "■ interrupted" in shown
    assert shown.count("partial") < 400
    after = notebook.run("%%claude -s s\nare you there?")
    assert not errors_of(after) and "next one works" in text_of(after)
    assert "tell me everything" in fake_api.requests[-1].texts


def test_the_sdk_is_imported_in_the_background_after_load_ext(notebook: KernelNotebook) -> None:
    """The first %%claude cell then need not wait seconds for the import; load_ext stays light
    (test_shell checks that the import is not part of load_ext itself)."""
    notebook.run("%load_ext ccmagic")
    assert notebook.sdk_loaded(within=60)


def test_preload_can_be_turned_off(notebook: KernelNotebook) -> None:
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.preload = False")
    assert not notebook.sdk_loaded(within=3)
