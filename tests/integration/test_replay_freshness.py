"""A replay is only as true as its data: Run All looks again at what each recorded turn saw
(objects, cells, files) and asks again where it changed. Real kernel, real CLI, fake model."""

from __future__ import annotations

import json
from pathlib import Path

from ccmagic.ipython.render import REPLAYED
from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, errors_of, run_all, text_of

FRAME = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})"
CHANGED = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3, 4], 'b': [5, 6, 7, 8]})"
CELLS = [
    "%load_ext ccmagic",
    FRAME,
    "%%claude -s alpha\nwhich columns of df look unreliable?",
    "%%claude -s beta\nsomething unrelated",
    "%%claude -s alpha\nand what next?",
]


def use(tool: str, **tool_input: object) -> Reply:
    name = tool if tool[0].isupper() else f"mcp__notebook__{tool}"
    return Reply(f"Using {tool}.", tool_uses=[(name, dict(tool_input))])


def record(path: Path, cells: list[str], api: FakeAnthropicAPI, *script: Reply | str) -> None:
    """Run ``cells`` once in a new kernel (the first %%claude cell answers from ``script``)."""
    api.script(*script)
    nb = KernelNotebook(path).start()
    try:
        for source in cells:
            cell = nb.run(source)
            assert not errors_of(cell), text_of(cell)
        nb.save()
    finally:
        nb.stop()


def saw_of(path: Path) -> list[list[dict]]:
    log = json.loads(path.with_name(path.stem + ".claude.json").read_text())["log"]
    return [e.get("saw", []) for e in log if e["event"] == "turn"]


def test_unchanged_data_replays_and_a_changed_frame_asks_exactly_the_cells_that_saw_it(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    record(path, CELLS, fake_api, use("inspect", name="df"), use("variables"),
           use("cells", count=3), "a looks fine.")  # fmt: skip
    saw = saw_of(path)[0]
    assert [s.get("tool") for s in saw] == ["inspect", "variables", "cells"]
    assert saw[0]["summary"] == {"type": "DataFrame", "shape": [3, 1], "columns": ["a"]}
    assert "1, 2, 3" not in json.dumps(saw)  # digests and structure, never the values
    asked = len(fake_api.requests)
    again = run_all(path)
    assert len(fake_api.requests) == asked  # same data: every call re-run gives the same digest
    assert all(REPLAYED in text_of(c) for c in again[2:])
    fake_api.script(use("inspect", name="df"), "b is new.")
    changed = run_all(path, change={1: CHANGED})
    first, other, after = (text_of(c) for c in changed[2:])
    assert REPLAYED not in first and REPLAYED in other and REPLAYED not in after
    said = first.splitlines()[0]  # once, at the top: each thing it saw that changed, and how
    assert said.startswith("df changed since this was asked (3 → 4 rows, 1 → 2 columns, new "
                           "column b); the kernel's variables changed since this was asked "
                           "(the same names, other values); the recent cells changed since "
                           "this was asked; asking again")  # fmt: skip
    assert "b is new." in first and first.count("changed since") == 3
    requests = fake_api.requests[asked:]
    assert len(requests) == 3  # the stale cell (its inspect and its answer), the cell after it
    assert "and what next?" in requests[-1].texts[-1] and "b is new." in requests[-1].texts


def test_replay_only_names_what_changed_and_replay_anyway_keeps_the_old_answer(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    record(path, CELLS[:3], fake_api, use("inspect", name="df"), "a looks fine.")
    asked = len(fake_api.requests)
    only = "%load_ext ccmagic\n%config ClaudeMagics.replay = 'only'"
    cells = run_all(path, change={0: only, 1: CHANGED})
    [error] = errors_of(cells[2])
    assert error.ename == "NotRecorded" and 'replay is "only"' in error.evalue
    assert "df changed since this was asked (3 → 4 rows" in error.evalue
    assert "--replay-anyway" in error.evalue
    cells = run_all(path, change={2: CELLS[2].replace("-s alpha", "-s alpha --replay-anyway")})
    shown = text_of(cells[2])
    assert not errors_of(cells[2]) and "a looks fine." in shown
    assert f"{REPLAYED} anyway (asked " in shown and "df changed since this was asked" in shown
    meta = [o.metadata["ccmagic"] for o in cells[2].outputs if "ccmagic" in o.metadata]
    assert meta[-1]["replayed_anyway"][0].startswith("df changed")
    setting = "%load_ext ccmagic\n%config ClaudeMagics.replay_anyway = True"
    cells = run_all(path, change={0: setting, 2: CELLS[2]})
    assert f"{REPLAYED} anyway" in text_of(cells[2])
    assert len(fake_api.requests) == asked


def test_files_read_are_checked_and_bash_is_named_as_not_checked(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    data = tmp_path / "sales.csv"
    data.write_text("region,units\nnorth,3\n")
    cells = ["%load_ext ccmagic", "%%claude -s a --allow Bash\nread the sales",
             "%%claude -s b --allow Bash\ncount the files"]  # fmt: skip
    record(path, cells, fake_api, use("Read", file_path=str(data)), "north sold 3.",
           use("Bash", command="ls | wc -l"), "3 files.")  # fmt: skip
    [read], [] = saw_of(path)
    assert read["path"] == "sales.csv" and read["size"] == data.stat().st_size
    asked = len(fake_api.requests)
    again = run_all(path)
    assert len(fake_api.requests) == asked
    assert REPLAYED in text_of(again[1]) and "not checked" not in text_of(again[1])
    assert "not checked: Bash" in text_of(again[2])  # replayed, but its output is not re-run
    data.write_text("region,units\nnorth,3\nsouth,4\n")
    fake_api.script("north 3, south 4.")
    again = run_all(path)
    assert "sales.csv changed since this was asked (21 → 29 bytes); asking again" in text_of(
        again[1]
    )
    assert REPLAYED in text_of(again[2]) and len(fake_api.requests) == asked + 1


def test_with_attachments_are_checked_and_what_is_seen_after_run_is_not(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    path = tmp_path / "analysis.ipynb"
    cells = [*CELLS[:2], "%%claude -s a --with df --allow run\ndouble a, then look"]
    record(path, cells, fake_api, use("run", code="df['a'] = df['a'] * 2"),
           use("inspect", name="df"), "a is doubled.")  # fmt: skip
    attached, after = saw_of(path)[0]
    assert attached["kind"] == "with" and "after" not in attached and after["after"] == "run"
    asked = len(fake_api.requests)
    again = run_all(path)  # df is as attached (the run is not replayed): the answer holds
    assert len(fake_api.requests) == asked
    assert f"{REPLAYED} (asked " in text_of(again[2]) and "not checked: run" in text_of(again[2])
    fake_api.script("b is new.")
    again = run_all(path, change={1: CHANGED})
    assert text_of(again[2]).startswith(
        "df changed since this was asked (3 → 4 rows, 1 → 2 columns, new column b); asking again"
    )
    assert len(fake_api.requests) == asked + 1
