"""The quickstart in a real browser: JupyterLab on loopback, headless Debian Chromium.

Skipped when /usr/bin/chromium is absent (``.ci/run`` installs Debian's ``chromium``).
The screenshot is kept in ``artifacts/browser-quickstart.png``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
    """Render every cell (JupyterLab 4 detaches off-screen ones) and never ask about news."""
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for plugin, values in {
        "notebook-extension/tracker": '{"windowingMode": "none"}',
        "apputils-extension/notification": '{"fetchNews": "false"}',
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values)


def start_jupyterlab(root: Path, home: Path) -> tuple[subprocess.Popen, str]:
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env |= {"HOME": str(home), "MPLBACKEND": "Agg"}
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
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180_000)  # Run All queues
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
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
            turns = [
                t.replace("\xa0", " ") for t in widget.first.locator("option").all_inner_texts()
            ]
            assert len(turns) == 3 and "Look at sales.csv" in turns[-1]  # newest first
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
