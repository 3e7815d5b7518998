"""The offline demo model, as the quickstart uses it: a real kernel, the real CLI, and the
demo model served by ``%claude demo``. It understands questions written as a person writes
them, and shows a file read, a Bash approval and ``run``."""

from __future__ import annotations

from tests.conftest import KernelNotebook, errors_of, text_of

SALES = (
    "%load_ext ccmagic\n%claude demo\nimport pandas as pd\n"
    "sales = pd.DataFrame({'price': [9.5, None, 12.0], 'region': ['n', 's', None]})\n"
    "prices = sales['price']"
)


def ask(notebook: KernelNotebook, line: str, question: str) -> str:
    cell = notebook.run(f"%%claude {line}\n{question}")
    assert not errors_of(cell), text_of(cell)
    return text_of(cell)


def test_the_demo_finds_a_variable_named_plainly(notebook: KernelNotebook) -> None:
    notebook.run(SALES)
    shown = ask(notebook, "-s a", "Which columns of sales look unreliable?")
    assert "● variables  └ 2 variables: prices, sales" in shown
    assert "● inspect(sales)  └ DataFrame 3 × 2" in shown
    assert "price (1 of 3 missing), region (1 of 3 missing)" in shown


def test_the_demo_reads_a_file_the_question_names(notebook: KernelNotebook) -> None:
    notebook.run(SALES)
    notebook.path.with_name("sales.csv").write_text("date,region,price\n2026-01-01,north,9.5\n")
    shown = ask(notebook, "-s a", "What is in sales.csv?")
    assert "● Read(" in shown and "sales.csv" in shown
    assert "I read the file. It begins:" in shown and "date,region,price" in shown


def test_the_demo_asks_to_run_a_shell_command(notebook: KernelNotebook) -> None:
    notebook.run(SALES)
    command = "echo hello from bash > said.txt && cat said.txt"  # it writes: it must ask
    denied = ask(notebook, "-s a", f"Run `{command}` in the shell.")
    assert f"● Bash({command})" in denied
    assert "--allow Bash" in denied  # headless: denied at once, and told how to allow
    allowed = ask(notebook, "-s a --allow Bash", f"Run `{command}` in the shell.")
    assert "The shell said: hello from bash" in allowed


def test_the_demo_runs_python_in_the_kernel(notebook: KernelNotebook) -> None:
    notebook.run(SALES)
    denied = ask(notebook, "-s a", "Run `int(prices.max())` in Python.")
    assert "● run" in denied and "--allow run" in denied
    allowed = ask(notebook, "-s a --allow run", "Run `int(prices.max())` in Python.")
    assert "● run  └ value: 12" in allowed
    assert "Running it in the kernel gave: value: 12" in allowed
