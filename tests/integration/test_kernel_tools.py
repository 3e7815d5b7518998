"""Claude sees the notebook: the kernel tools in a real kernel, on the real CLI, fake model."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, LiveFrontend, errors_of, report, text_of

SALES = (
    "import pandas as pd\n"
    "df = pd.DataFrame({'price': [9.5, None, 12.0, 7.25], 'region': ['north', 'south', "
    "'north', None], 'units': [3, 4, 5, 6]})"
)


def use(tool: str, **tool_input: object) -> Reply:
    return Reply(f"Using {tool}.", tool_uses=[(f"mcp__notebook__{tool}", dict(tool_input))])


def tool_result_texts(api: FakeAnthropicAPI) -> list[str]:
    return [text for _, text in (pair for r in api.requests for pair in r.tool_results())]


def test_inspect_shows_claude_the_real_dataframe(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + SALES)
    fake_api.script(use("inspect", name="df"), "price and region have gaps.")
    cell = notebook.run("%%claude -s a\nWhich columns of df look unreliable, and why?")
    assert not errors_of(cell), text_of(cell)
    [seen] = tool_result_texts(fake_api)
    assert seen.startswith("DataFrame 4 × 3")
    for fact in ("price: float64 · 1", "region: str · 1", "units: int64 · 0", "north"):
        assert fact in seen, fact
    shown = text_of(cell)
    assert "● inspect(df)  └ DataFrame 4 × 3" in shown and "price and region have gaps." in shown
    # the notebook tools were in the very first request's tool list, not behind ToolSearch
    first = {t["name"] for t in fake_api.requests[0].body["tools"]}
    assert {f"mcp__notebook__{t}" for t in ("variables", "inspect", "cells", "run",
                                            "new_cell")} <= first  # fmt: skip
    system = json.dumps(fake_api.requests[0].body.get("system"))
    assert "live Jupyter (IPython) kernel for the notebook analysis.ipynb" in system
    turn = json.loads(notebook.path.with_name("analysis.claude.json").read_text())["log"][-1]
    assert turn["tool_calls"][0]["name"] == "mcp__notebook__inspect"


def test_variables_and_the_current_state_never_a_stale_one(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\nimport numpy as np\n" + SALES + "\nx = 1\ndef helper(): pass")
    fake_api.script(
        use("variables"),
        use("inspect", name="x"),
        use("run", code="x = 2\ndel df"),
        use("inspect", name="x"),
        use("inspect", name="df"),
        "done",
    )
    cell = notebook.run("%%claude -s a --allow run\nlook, change, look again")
    assert not errors_of(cell), text_of(cell)
    listing, before, _, after, gone = tool_result_texts(fake_api)
    assert listing.startswith("2 variables: df, x")
    assert "helper" not in listing and "np ·" not in listing and "In ·" not in listing
    assert "repr: 1" in before and "repr: 2" in after
    assert "no variable 'df'" in gone and "Variables: x" in gone  # it lists what exists
    assert text_of(notebook.run("print(x, 'df' in dir())")).strip() == "2 False"


def test_cells_show_the_error_of_a_failed_cell(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    notebook.run("def fit(data):\n    raise ValueError('singular matrix in fit')\nfit([1, 2])")
    fake_api.script(use("cells", count=5), "The fit failed on a singular matrix.")
    cell = notebook.run("%%claude -s a\nThe fit two cells above failed. What went wrong?")
    [seen] = tool_result_texts(fake_api)
    assert "ValueError: singular matrix in fit" in seen
    assert "in fit: raise ValueError('singular matrix in fit')" in seen  # its last frames
    assert "fit([1, 2])" in seen and "%%claude" not in seen  # not the asking cell itself
    assert "● cells(5)" in text_of(cell)


def test_run_allowed_changes_the_namespace_and_headless_denies_it(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + SALES)
    fake_api.script(use("run", code="corr = df[['price', 'units']].corr()\ncorr.iloc[0, 1]"),
                    "The strongest pair is price and units.")  # fmt: skip
    allowed = notebook.run("%%claude -s a --allow run\nCompute the correlation matrix of df.")
    shown = text_of(allowed)
    assert "● run  └ value: " in shown and "corr = df[['price', 'units']].corr()" in shown
    assert "strongest pair" in shown
    assert text_of(notebook.run("print(type(corr).__name__)")).strip() == "DataFrame"
    fake_api.script(use("run", code="ran_headless = True"), "I could not run it.")
    denied = notebook.run("%%claude -s a\nset a flag")
    assert "Denied run: this run cannot ask for approval. Allow it with `--allow run`" in (
        text_of(denied)
    )
    assert "NameError" in text_of(notebook.run("ran_headless"))  # nothing ran


def test_run_is_bounded_and_its_errors_are_returned(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    fake_api.script(
        use("run", code="print('x' * 5_000_000)\nkept = 'before the error'\n1 / 0"),
        use("inspect", name=42),  # the wrong type: an error Claude can read
        use("inspect"),  # missing
        "I see the error.",
    )
    cell = notebook.run("%%claude -s a --allow run\nprint a lot, then fail")
    assert not errors_of(cell), text_of(cell)
    ran, wrong_type, missing = tool_result_texts(fake_api)
    assert len(ran) <= 4_000 and "characters left out" in ran
    assert "ZeroDivisionError: division by zero" in ran
    assert "validation error" in wrong_type.lower() and "validation error" in missing.lower()
    assert "I see the error." in text_of(cell)
    assert text_of(notebook.run("print(kept)")).strip() == "before the error"


def test_inspect_is_bounded_for_huge_and_broken_objects(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run(
        "%load_ext ccmagic\nimport numpy as np, pandas as pd\n"
        "big = pd.DataFrame(np.random.default_rng(0).random((1_000_000, 20)))\n"
        "class Broken:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n"
        "    def __len__(self):\n        raise RuntimeError('no len')\n"
        "broken = Broken()"
    )
    fake_api.script(use("inspect", name="big"), use("inspect", name="broken"),
                    use("variables"), "ok")  # fmt: skip
    cell = notebook.run("%%claude -s a\nlook at big and broken")
    assert not errors_of(cell), text_of(cell)
    big, broken, listing = tool_result_texts(fake_api)
    assert big.startswith("DataFrame 1,000,000 × 20") and len(big) <= 4_000
    assert "sample of every 10th row" in big
    assert "Broken" in broken and len(broken) <= 4_000
    assert "broken · Broken" in listing


def test_new_cell_payload_and_approval_in_place_in_a_live_frontend(
    frontend: LiveFrontend, fake_api: FakeAnthropicAPI
) -> None:
    frontend.run("%load_ext ccmagic\n" + SALES)
    code = "df = df.dropna()\ndf.groupby('region')['price'].mean().plot()"
    fake_api.script(use("new_cell", code=code), "The code is in a cell below.")
    frontend.run("%%claude -s a\nWrite the code that drops the gaps and plots price.")
    [payload] = [p for p in frontend.reply["payload"] if p["source"] == "set_next_input"]
    assert payload["text"] == code and payload["replace"] is False
    assert "'df' in dir()" and "df.dropna()" in "\n".join(
        m["content"]["data"]["text/plain"] for m in frontend.messages if "data" in m["content"]
    )  # the code is shown in the answer too
    assert "NaN" in frontend.run("print(df)")  # and it was not run

    fake_api.script(Reply("First I compute it.", tool_uses=[
        ("mcp__notebook__run", {"code": "answer = 6 * 7\nanswer"})]), "It is 42.")  # fmt: skip
    frontend.run("%%claude -s a\ncompute it", answers=["y"])
    shown = [(m["msg_type"], m["content"].get("data", {}).get("text/plain", ""))
             for m in frontend.messages if m["msg_type"].endswith("display_data")]  # fmt: skip
    order = [text for kind, text in shown if kind == "display_data"]
    question = next(i for i, t in enumerate(order) if "Claude wants to use run" in t)
    assert "First I compute it." in order[question - 1]  # the answer so far, above
    rest = order[question + 1 :]
    assert any("It is 42." in text for text in rest)  # the answer continues below
    final = [t for kind, t in shown if "It is 42." in t][-1]
    assert "● run  └ value: 42" in final and "First I compute it." not in final
    assert "42" in frontend.run("print(answer)")


def test_interrupting_a_long_run_stops_it_and_the_session_goes_on(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    started = notebook.path.with_name("started")
    fake_api.script(
        use("run", code=f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(60)"),
        "never reached",
    )

    def interrupt_once_it_runs() -> None:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        notebook.interrupt()

    helper = threading.Thread(target=interrupt_once_it_runs, daemon=True)
    helper.start()
    cell = notebook.run("%%claude -s a --allow run\nsleep a minute")
    latency = time.monotonic() - notebook.interrupted_at
    helper.join()
    assert [e.ename for e in errors_of(cell)] == ["KeyboardInterrupt"]
    assert latency < 5  # 2 s is the figure (reported); this only catches a hang
    fake_api.clear_script()
    fake_api.script("still here")
    after = notebook.run("%%claude -s a\nare you there?")
    assert "still here" in text_of(after) and not errors_of(after)
    assert text_of(notebook.run("print('the kernel works')")).strip() == "the kernel works"
    report("interrupt during a kernel run()", 1, 2, 0, longest_interrupt_s=round(latency, 2))


def test_with_attaches_objects_up_front_and_no_kernel_turns_the_tools_off(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + SALES + "\nmodel = {'alpha': 0.1}")
    cell = notebook.run("%%claude -s a --with df,model\nAny problems?")
    assert "↳ df: DataFrame 4 × 3" in text_of(cell)
    sent = fake_api.requests[-1].last_user_text
    assert sent.startswith("Any problems?") and "price: float64 · 1" in sent and "alpha" in sent
    turn = json.loads(notebook.path.with_name("analysis.claude.json").read_text())["log"][-1]
    assert turn["prompt"] == "Any problems?" and turn["attached"] == ["df", "model"]
    typo = notebook.run("%%claude -s a --with dff\nAny problems?")
    assert "no variable 'dff'" in text_of(typo) and "Variables: df, model" in text_of(typo)
    notebook.run("%%claude -s plain --no-kernel\nhello")
    assert not any("notebook" in t["name"] for t in fake_api.requests[-1].body["tools"])


def test_sample_rows_zero_shows_no_rows(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n%config ClaudeMagics.sample_rows = 0\n" + SALES)
    fake_api.script(use("inspect", name="df"), "ok")
    notebook.run("%%claude -s a\nlook")
    [seen] = tool_result_texts(fake_api)
    assert "no rows shown" in seen and "9.5" not in seen.split("numeric summary")[0]
    bad = notebook.run("%config ClaudeMagics.sample_rows = -1")
    assert "should not be less than 0" in text_of(bad)  # rejected where it is set


def test_notebook_edit_of_this_notebook_is_refused(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic")
    notebook.save()
    before = notebook.path.read_text()
    edit = {"notebook_path": str(notebook.path), "new_source": "print('hi')",
            "edit_mode": "insert", "cell_type": "code"}  # fmt: skip
    fake_api.script(
        Reply("Reading.", tool_uses=[("Read", {"file_path": str(notebook.path)})]),
        Reply("Editing.", tool_uses=[("NotebookEdit", edit)]),
        "ok",
    )
    # allowed outright (as bypassPermissions would, which root may not use): the hook still holds
    cell = notebook.run("%%claude -s a --allow NotebookEdit\nadd a cell")
    assert not errors_of(cell), text_of(cell)
    assert notebook.path.read_text() == before
    assert any("Use the new_cell tool" in t for t in tool_result_texts(fake_api)), text_of(cell)


def test_the_demo_model_inspects_a_variable_the_question_names(
    notebook: KernelNotebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook.run("%load_ext ccmagic\n%claude demo\n" + SALES)
    cell = notebook.run("%%claude -s a\nWhich columns of `df` look unreliable?")
    shown = text_of(cell)
    assert "● variables  └ 1 variable: df" in shown
    assert "● inspect(df)  └ DataFrame 4 × 3" in shown
    assert "price (1 of 4 missing), region (1 of 4 missing)" in shown
