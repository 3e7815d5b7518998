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

ROOT = Path(__file__).resolve().parent.parent
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


def test_quickstart_streams_and_shows_the_history_widget_in_jupyterlab(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", work)
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
            widget = page.locator(".widget-select select")
            widget.first.wait_for(timeout=180_000)
            page.locator(".widget-dropdown select").first.wait_for(timeout=180_000)
            dataframe = page.locator(".jp-OutputArea-output table", has_text="cost_usd")
            dataframe.first.wait_for(timeout=180_000)
            widget.first.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "browser-quickstart.png"), full_page=True)
            assert "offline demo model" in answer.first.inner_text()
            assert "analysis #1" in answer.first.inner_text()  # the footer rendered with it
            assert page.get_by_text("Error displaying widget").count() == 0
            badge = page.locator(".jp-OutputArea-output span", has_text="so far").first
            assert "so far · last turn $" in badge.inner_text()  # costs, not LaTeX
            assert page.locator(".jp-OutputArea-output mjx-container").count() == 0
            turns = [
                t.replace("\xa0", " ") for t in widget.first.locator("option").all_inner_texts()
            ]
            assert len(turns) == 3 and "Look at sales.csv" in turns[-1]  # newest first
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
                page.screenshot(path=str(ROOT / "artifacts" / "browser-approval.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert target.exists()
    log = json.loads((work / "approve.claude.json").read_text())["log"]
    [turn] = [e for e in log if e["event"] == "turn"]
    assert turn["permissions"][0]["by"] == "user (once)"
