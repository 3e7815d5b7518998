"""The quickstart in a real browser: JupyterLab on loopback, headless Debian Chromium.

Skipped when /usr/bin/chromium is absent (``.ci/run`` installs Debian's ``chromium``).
Screenshots are kept in ``artifacts/browser-quickstart.png`` and ``browser-approval.png``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import closed_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
OFFLINE_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def quiet_settings(home: Path) -> None:
    """Render every cell (JupyterLab 4 detaches off-screen ones), start the notebook's kernel
    without asking (JupyterLab 4.5+ asks by default), and never ask about news."""
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for plugin, values in {
        "notebook-extension/tracker": '{"windowingMode": "none", "autoStartDefaultKernel": true}',
        "apputils-extension/notification": '{"fetchNews": "false"}',
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values)


def start_jupyterlab(
    root: Path, home: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env |= {"HOME": str(home), "MPLBACKEND": "Agg"} | (extra_env or {})
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("JupyterLab did not start within 60 s")


def run_all_cells(page: Any) -> None:
    """Run → Run All Cells, once the kernel is up (a Run All sent while it starts is lost)."""
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()


TOFU = """([chars, probe]) => {
    // each char drawn in the font the page gives the probe element; one drawn exactly as a
    // private-use character (which no font has) is an empty box to the person reading it
    const style = getComputedStyle(probe);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 48;
    const pen = canvas.getContext("2d");
    pen.font = `24px ${style.fontFamily}`;
    const drawn = (c) => {
        pen.clearRect(0, 0, 48, 48);
        pen.fillText(c, 8, 36);
        return pen.getImageData(0, 0, 48, 48).data.join(",");
    };
    const box = drawn("\\uE000");
    return chars.filter((c) => drawn(c) === box);
}"""
MARKS = ["●", "└", "■", "↻", "✻", "↳"]  # what ccmagic/ipython/render.py draws in a cell


def only_dejavu_and_liberation() -> bool:
    """Whether this machine's fonts are Debian's DejaVu and Liberation alone."""
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True)
    families = {f.split(",")[0] for f in listed.stdout.split("\n") if f}
    return bool(families) and all(f.startswith(("DejaVu", "Liberation")) for f in families)


def test_quickstart_streams_and_shows_its_history_in_jupyterlab(tmp_path: Path) -> None:
    import nbformat
    from playwright.sync_api import sync_playwright

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    fresh = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", 4)
    for cell in fresh.cells:  # a first run: nothing recorded yet, so everything is asked
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(fresh, work / "quickstart.ipynb")
    quiet_settings(home)
    server, url = start_jupyterlab(work, home)
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(180_000)  # a shared, loaded machine: waits, not speed
            page.goto(f"{url}/lab/tree/quickstart.ipynb")
            run_all_cells(page)
            answer = page.locator('[data-mime-type="text/markdown"]', has_text="You asked")
            try:
                answer.first.wait_for(timeout=180_000)
            finally:
                page.screenshot(path=str(artifacts / "browser-quickstart.png"), full_page=True)
            history = page.locator("table.ccmagic-history")
            history.first.wait_for(timeout=180_000)
            dataframe = page.locator(".jp-OutputArea-output table", has_text="cost_usd")
            dataframe.first.wait_for(timeout=180_000)
            history.first.locator("summary").first.click()  # a prompt opens its whole turn
            history.first.locator("details[open]", has_text="answer").wait_for()
            history.first.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "browser-quickstart.png"), full_page=True)
            assert "offline demo model" in answer.first.inner_text()
            assert "analysis #1" in answer.first.inner_text()  # the footer rendered with it
            assert "so far: $" in answer.first.inner_text()  # the running total, in the cell
            assert page.get_by_text("Error displaying widget").count() == 0
            assert page.locator(".jp-OutputArea-output mjx-container").count() == 0  # not LaTeX
            rows = history.first.locator("tbody tr").all_inner_texts()
            assert len(rows) == 4 and "Which columns of `sales`" in rows[-1]  # newest first
            assert "● inspect(sales)" in page.locator(".jp-Notebook").inner_text()
            # the marks are glyphs, not boxes, in the fonts this machine has (DejaVu and
            # Liberation alone on Debian), and the check can tell: ⏺ (the old mark) is a box
            tool = page.locator(".jp-RenderedMarkdown", has_text="● inspect(sales)").first
            probe = tool.element_handle()
            assert page.evaluate(TOFU, [MARKS, probe]) == []
            if only_dejavu_and_liberation():
                assert page.evaluate(TOFU, [["⏺"], probe]) == ["⏺"]
            # the oldest turn opened: its answer as Markdown, its tool calls listed
            history.first.locator("summary").last.click()
            opened = history.first.locator("details[open]").last
            assert opened.locator("em", has_text="offline demo model").count() == 1
            assert "mcp__notebook__inspect" in opened.locator("ol").inner_text()
            # Claude's code came back as a new cell right below the cell that asked for it
            asked = page.locator(".jp-CodeCell", has_text="Show the pandas code.").first
            below = asked.locator("xpath=following-sibling::div[contains(@class,'jp-Cell')][1]")
            assert "a real model would write code for your data here" in below.inner_text()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_tool_waits_for_the_users_answer_in_jupyterlab(tmp_path: Path) -> None:
    """The live-frontend path: the request and a prompt in the cell; the turn waits; "y" allows."""
    import json

    import nbformat
    from playwright.sync_api import sync_playwright

    from ccmagic.testing import FakeAnthropicAPI, Reply

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    quiet_settings(home)
    target = work / "approved.txt"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext ccmagic"),
        nbformat.v4.new_code_cell("%%claude -s s\nplease create the file"),
    ])  # fmt: skip
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, work / "approve.ipynb")
    with FakeAnthropicAPI() as api:
        api.script(
            Reply("Creating it.", tool_uses=[("Bash", {"command": f"touch {target}"})]),
            Reply("Created."),
        )
        server, url = start_jupyterlab(work, home, api.env())
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_FLAGS)
                page = browser.new_page(viewport={"width": 1200, "height": 800})
                page.set_default_timeout(180_000)
                page.goto(f"{url}/lab/tree/approve.ipynb")
                run_all_cells(page)
                asked = page.locator(".jp-Stdin-input")
                try:
                    asked.wait_for(timeout=60_000)
                finally:
                    page.screenshot(path=str(ROOT / "artifacts" / "browser-approval.png"))
                assert page.get_by_text(f"touch {target}").count() >= 1  # the command is shown
                time.sleep(1.0)
                assert not target.exists()  # the turn waited for the answer
                asked.fill("y")
                asked.press("Enter")
                page.locator('[data-mime-type="text/markdown"]', has_text="Created.").wait_for()
                answer = page.locator('[data-mime-type="text/markdown"]', has_text="Created.")
                assert "Allowed once: Bash" in answer.first.inner_text()
                # the cell reads in the order things happened: answer so far, question, the
                # answer "y", then the rest of the answer (not the question below the footer)
                shown = page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea").inner_text()
                order = [
                    shown.index(t)
                    for t in (
                        "Creating it.",
                        "Claude wants to use",
                        "Allow it?",
                        "Allowed once",
                        "Created.",
                    )
                ]
                assert order == sorted(order), shown
                page.screenshot(path=str(ROOT / "artifacts" / "browser-approval.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert target.exists()
    log = json.loads((work / "approve.claude.json").read_text())["log"]
    [turn] = [e for e in log if e["event"] == "turn"]
    assert turn["permissions"][0]["by"] == "user (once)"


def menu(page: Any, top: str, item: str) -> None:
    """Click ``top`` in the menu bar, then ``item`` in it (a prefix of its label)."""
    import re

    page.get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menuitem", name=re.compile("^" + re.escape(item))).first.click()


def accept_dialog(page: Any, text: str | None = None) -> None:
    """Answer JupyterLab's open dialog with its main button (optionally filling its input)."""
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    if text is not None:
        field = dialog.locator("input").first
        field.fill(text)
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached")


def finished_running(page: Any) -> None:
    """Wait until no cell is queued or running ([*]) and the kernel is idle."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".every(p => !p.textContent.includes('*'))"
    )
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()


def no_kernels_left(url: str) -> None:
    """Wait until the server has shut every kernel down (a reopen must start a new one)."""
    import json

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/api/kernels", timeout=5) as response:
            if not json.loads(response.read()):
                return
        time.sleep(0.2)
    raise TimeoutError("the notebook's kernel was not shut down")


def saved_file(path: Path, must_hold: str) -> None:
    """Wait until JupyterLab has written ``path`` with ``must_hold`` in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and must_hold in path.read_text():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{path.name} was not saved with {must_hold!r}")


FIRST_HOUR = [
    "%load_ext ccmagic\n%claude demo",
    "%%claude --session analysis\nWhich columns of sales.csv look unreliable?",
    "%%claude --session scratch\nA good name for a cat?",
    "%%claude --session analysis\nWhich would you drop first?",
    "%%claude --session scratch\nAnd for a dog?",
    "%claude history",
    "%claude cost --no-plot",
    "%claude sessions",
]


def first_hour(page: Any, url: str, work: Path, shots: Path) -> tuple[str, str, int]:
    """The flow of the test below; returns what the notebook showed after Run All and after
    reopening, and how many error outputs the reopened notebook has."""
    page.goto(f"{url}/lab/tree/Untitled.ipynb")
    run_all_cells(page)
    page.get_by_text("scratch #2").first.wait_for()
    finished_running(page)
    page.keyboard.press("Control+s")
    saved_file(work / "Untitled.ipynb", "scratch #2")

    menu(page, "File", "Rename Notebook")
    accept_dialog(page, "analysis.ipynb")
    page.get_by_role("tab", name="analysis.ipynb").wait_for()
    menu(page, "Kernel", "Restart Kernel…")
    accept_dialog(page)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    run_all_cells(page)  # the sidecar follows the rename, and every answer replays
    page.get_by_text("replayed (asked").nth(3).wait_for()
    finished_running(page)
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below: the conversation goes on from there
    page.keyboard.press("Enter")  # and into its editor
    page.keyboard.type("%%claude --session analysis\nOne more question?")
    page.keyboard.press("Shift+Enter")
    page.get_by_text("analysis #3").first.wait_for()
    finished_running(page)
    page.screenshot(path=str(shots / "browser-first-hour-run-all.png"), full_page=True)
    page.keyboard.press("Control+s")
    saved_file(work / "analysis.ipynb", "analysis #3")
    after_run_all = page.locator(".jp-Notebook").inner_text()

    menu(page, "File", "Close and Shut Down Notebook")
    accept_dialog(page)
    no_kernels_left(url)
    page.goto(f"{url}/lab/tree/analysis.ipynb")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    history = page.locator("table.ccmagic-history")
    history.first.wait_for()
    time.sleep(1.0)  # give a widget renderer time to fail, if there were one
    history.first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "browser-first-hour-reopened.png"), full_page=True)
    reopened = page.locator(".jp-Notebook").inner_text()
    errors = page.locator('.jp-OutputArea-output[data-mime-type*="stderr"]').count()
    return after_run_all, reopened, errors


@pytest.mark.timeout(900)
def test_a_new_users_first_hour_in_jupyterlab(tmp_path: Path) -> None:
    """Untitled.ipynb, two sessions, history/cost/sessions; rename, restart, Run All (the
    sidecar follows the rename, the answers replay), one more cell (turn 3); save, shut
    down, reopen: no error anywhere, one turn count per conversation, no $0 for an unknown
    cost, and the saved history reads as a table (no "model not found")."""
    import nbformat
    from playwright.sync_api import sync_playwright

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    quiet_settings(home)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FIRST_HOUR])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, work / "Untitled.ipynb")
    server, url = start_jupyterlab(work, home)
    shots = ROOT / "artifacts"
    shots.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            try:
                after_run_all, reopened, errors = first_hour(page, url, work, shots)
            except Exception:
                page.screenshot(path=str(shots / "browser-first-hour-failed.png"))
                raise
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    for shown in (after_run_all, reopened):
        assert "Error displaying widget" not in shown and "Traceback" not in shown
        for footer in ("analysis #1", "analysis #2", "scratch #1", "scratch #2", "analysis #3"):
            assert footer in shown, footer  # one count per conversation, continued
        assert shown.count("replayed (asked") >= 4  # Run All paid nothing
        assert "cost unknown" not in shown and "$0 " not in shown
    assert "had no sidecar: renamed Untitled.claude.json to analysis.claude.json" in (after_run_all)
    assert errors == 0


def test_secrets_and_reads_outside_the_folder_in_jupyterlab(tmp_path: Path) -> None:
    """Issue 13 as a person meets it: Claude reads a .env in the working folder (freely); the
    cell shows the answer with the key redacted and says so; a read of ~/.aws/credentials is
    asked in the cell and denied; the saved notebook and the sidecar hold no key."""
    import nbformat
    from playwright.sync_api import sync_playwright

    from ccmagic.testing import FakeAnthropicAPI, Reply

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    quiet_settings(home)
    key = "AKIAZ3MHQX5TPL2VW7RN"
    (work / ".env").write_text(f"AWS_ACCESS_KEY_ID={key}\n")
    outside = home / ".aws" / "credentials"
    outside.parent.mkdir()
    outside.write_text("marker-outside\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext ccmagic"),
        nbformat.v4.new_code_cell("%%claude -s s\nwhich key does .env hold?"),
        nbformat.v4.new_code_cell("%%claude -s s\nand my AWS credentials?"),
    ])  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, work / "keys.ipynb")
    with FakeAnthropicAPI() as api:
        api.script(
            Reply("Reading it.", tool_uses=[("Read", {"file_path": str(work / ".env")})]),
            Reply(f"It holds {key}."),
            Reply("Reading them.", tool_uses=[("Read", {"file_path": str(outside)})]),
            Reply("You did not let me."),
        )
        server, url = start_jupyterlab(work, home, api.env())
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_FLAGS)
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.set_default_timeout(180_000)
                page.goto(f"{url}/lab/tree/keys.ipynb")
                run_all_cells(page)
                asked = page.locator(".jp-Stdin-input")
                asked.wait_for()
                question = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea").inner_text()
                assert "Claude wants to use Read(" in question and str(outside) in question
                asked.fill("n")
                asked.press("Enter")
                page.locator('[data-mime-type="text/markdown"]',
                             has_text="You did not let me.").wait_for()  # fmt: skip
                shown = page.locator(".jp-Notebook").inner_text()
                page.screenshot(path=str(ROOT / "artifacts" / "browser-secrets.png"))
                menu(page, "File", "Save Notebook")
                saved_file(work / "keys.ipynb", "You did not let me.")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "It holds [REDACTED:AWS Access Key]." in shown and key not in shown
    assert "1 secret kept out of the sidecar and this output: AWS Access Key" in shown
    assert "Denied Read" in shown or "denied Read" in shown
    assert key not in (work / "keys.ipynb").read_text()
    sidecar = (work / "keys.claude.json").read_text()
    assert key not in sidecar and "marker-outside" not in sidecar
    assert not any("marker-outside" in t for r in api.requests for t in r.texts)
