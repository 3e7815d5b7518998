"""Code an answer hands back is not inserted again when the cell below already holds it."""

from __future__ import annotations

import json
from pathlib import Path

from ccmagic.ipython.cell_below import holds_code_below

ASK = "%%claude -s a\nwrite the plot"
CODE = "df.plot()\n"


def test_the_kernel_ran_that_code_right_after_the_asking_cell() -> None:
    ran = [("c1", ASK), ("c2", "df.plot()"), ("c3", "x = 1")]
    assert holds_code_below("c1", ASK, ran, None, CODE)
    assert not holds_code_below("c1", ASK, ran, None, "df.hist()")
    assert not holds_code_below("c3", "x = 1", ran, None, CODE)  # nothing ran after it


def test_without_cell_ids_the_asking_cell_is_found_by_its_source() -> None:
    ran = [(None, ASK), (None, "df.plot()  \n")]
    assert holds_code_below(None, ASK, ran, None, CODE)
    assert not holds_code_below(None, "%%claude -s a\nsomething else", ran, None, CODE)


def test_the_last_run_of_the_asking_cell_counts() -> None:
    ran = [("c1", ASK), ("c2", "df.plot()"), ("c1", ASK), ("c9", "other")]
    assert not holds_code_below("c1", ASK, ran, None, CODE)


def test_the_saved_notebook_says_what_is_below(tmp_path: Path) -> None:
    notebook = tmp_path / "a.ipynb"
    cells = [{"id": "c1", "cell_type": "code", "source": ASK.splitlines(keepends=True)},
             {"id": "c2", "cell_type": "code", "source": ["df.plot()"]}]  # fmt: skip
    notebook.write_text(json.dumps({"cells": cells}))
    assert holds_code_below("c1", ASK, [], notebook, CODE)
    assert not holds_code_below("c2", "df.plot()", [], notebook, CODE)


def test_an_unreadable_notebook_or_empty_code_holds_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert not holds_code_below("c1", ASK, [], tmp_path / "bad.ipynb", CODE)
    assert not holds_code_below("c1", ASK, [("c1", ASK), ("c2", "")], None, "  ")
