"""Fixtures: the project's fake Anthropic API, a private HOME per test, and a real kernel."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.utils import run_sync
from nbclient import NotebookClient

from ccmagic.testing import FakeAnthropicAPI

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The fault table is of this run only: start it afresh (once, in the controller)."""
    if not hasattr(session.config, "workerinput"):
        (ARTIFACTS / "faults.jsonl").unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def private_temp_dir() -> Iterator[Path]:
    """The suite's processes (this one, its kernels, their Claude Code) share one temp dir of
    their own, so what they leave there is counted exactly: the SDK's claude-resume-* folders
    must all be gone at the end. This process's are removed at exit (done here first); those of
    processes the tests kill with SIGKILL are swept by the next ccmagic process (done here too,
    and counted apart)."""
    from ccmagic.session.tempdirs import PREFIX, remove_ours, sweep

    folder = Path(tempfile.mkdtemp(prefix="ccmagic-suite-"))
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None
    try:
        yield folder
    finally:
        remove_ours()
        if before is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = before
        tempfile.tempdir = None
        swept = sweep(folder)
        left = sorted(p.name for p in folder.glob(PREFIX + "*"))
        report("claude-resume folders left by the suite", 1, 1, len(left), swept=len(swept))
        shutil.rmtree(folder, ignore_errors=True)
        if left:
            pytest.fail(f"the suite left {len(left)} {PREFIX}* temp folders: {left[:5]}")


def report(fault: str, tried: int, recorded: int, lost: int, **extra: float) -> None:
    """Add a row to the fault table (artifacts/faults.jsonl; benchmarks/fault_report.py)."""
    ARTIFACTS.mkdir(exist_ok=True)
    row = {"fault": fault, "tried": tried, "recorded": recorded, "lost": lost} | extra
    with open(ARTIFACTS / "faults.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropicAPI]:
    with FakeAnthropicAPI() as api:
        yield api


@pytest.fixture
def claude_env(
    fake_api: FakeAnthropicAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point the real CLI at the fake API, offline, with a HOME of its own."""
    home = tmp_path / "home"
    home.mkdir()
    env = fake_api.env() | {"HOME": str(home), "CLAUDE_CODE_MAX_RETRIES": "2"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # the fallback sidecar lands in the working directory
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("CLAUDE_CODE_OAUTH_TOKEN", raising=False)
    return env


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KernelNotebook:
    """A notebook run cell by cell in a real ipykernel through nbclient, like a frontend.

    The kernel is told its notebook's path as Jupyter Server tells it (``JPY_SESSION_NAME``);
    an existing notebook file is opened with its saved outputs, as on reopening it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.nb = nbformat.read(path, 4) if path.exists() else nbformat.v4.new_notebook()
        self.client = NotebookClient(
            self.nb,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        self._context: Any = None
        self.interrupted_at = 0.0

    def start(self) -> KernelNotebook:
        env = dict(os.environ, JPY_SESSION_NAME=str(self.path))
        self._context = self.client.setup_kernel(env=env)
        self._context.__enter__()
        return self

    def stop(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def run(
        self,
        source: str,
        interrupt_after: float | None = None,
        during: Callable[[], None] | None = None,
    ) -> Any:
        """Run ``source`` as a new cell; optionally send Kernel -> Interrupt after a delay, or
        run ``during`` on a thread while the cell executes (to act on what the fake API saw
        rather than on a clock, which a loaded machine makes unreliable)."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        timer = None
        if interrupt_after is not None:
            timer = threading.Timer(interrupt_after, self.interrupt)
            timer.start()
        helper = threading.Thread(target=during, daemon=True) if during else None
        if helper is not None:
            helper.start()
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
        finally:
            if timer is not None:
                timer.cancel()
            if helper is not None:
                helper.join(timeout=5)
        return cell

    def run_saved(self, index: int) -> Any:
        """Run the notebook's own cell ``index`` again (as Run All does), in place."""
        cell = self.nb.cells[index]
        if cell.cell_type == "code":
            self.client.execute_cell(cell, index)
        return cell

    def sdk_loaded(self, within: float) -> bool:
        """Whether the background import of the SDK (``ClaudeMagics.preload``) has finished
        within ``within`` seconds: a person writing the first question gives it that time
        (the kernel idle meanwhile, as the import waits for it to be)."""
        time.sleep(1.0)
        cell = self.run(
            "import sys, time\n"
            "def loaded():  # in sys.modules from the start of its import: wait for the end\n"
            "    sdk = sys.modules.get('claude_agent_sdk')\n"
            "    return sdk is not None and not getattr(sdk.__spec__, '_initializing', False)\n"
            "t = time.monotonic()\n"
            f"while not loaded() and time.monotonic() - t < {within}:\n"
            "    time.sleep(0.05)\n"
            "print(loaded())"
        )
        return text_of(cell).strip() == "True"

    def interrupt(self) -> None:
        """Kernel -> Interrupt, as a frontend sends it; remembers when."""
        self.interrupted_at = time.monotonic()
        run_sync(self.client.km.interrupt_kernel)()

    def save(self) -> None:
        nbformat.write(self.nb, self.path)

    def kill(self) -> None:
        """SIGKILL the kernel process, as the OOM killer or a crash would."""
        os.kill(self.client.km.provisioner.process.pid, signal.SIGKILL)


def once_streaming(api: FakeAnthropicAPI, prompt: str, action: Callable[[], None]) -> Callable:
    """For ``KernelNotebook.run(during=...)``: ``action`` half a second after ``prompt`` has
    reached the model, when its (slow) answer is streaming."""

    def wait_then_act() -> None:
        api.wait_for_prompt(prompt)
        time.sleep(0.5)
        action()

    return wait_then_act


def text_of(cell: Any) -> str:
    """Everything a cell showed, as plain text (stream, display, error)."""
    parts: list[str] = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            parts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}\n" + "\n".join(output.traceback))
    return "\n".join(parts)


def errors_of(cell: Any) -> list[Any]:
    return [o for o in cell.outputs if o.output_type == "error"]


@pytest.fixture
def notebook(claude_env: dict[str, str], tmp_path: Path) -> Iterator[KernelNotebook]:
    nb = KernelNotebook(tmp_path / "analysis.ipynb").start()
    try:
        yield nb
    finally:
        nb.stop()


def run_all(path: Path, change: dict[int, str] | None = None) -> list[Any]:
    """Reopen ``path`` in a new kernel and run every cell in order (after ``change``: cell
    index -> new source), as Run All does; returns the cells as they ran."""
    document = nbformat.read(path, 4)
    for index, source in (change or {}).items():
        document.cells[index].source = source
    nbformat.write(document, path)
    nb = KernelNotebook(path).start()
    try:
        return [nb.run_saved(index) for index in range(len(nb.nb.cells))]
    finally:
        nb.save()
        nb.stop()


class LiveFrontend:
    """A real kernel driven like JupyterLab drives it: cells sent with ``allow_stdin``, so a
    cell can ask its user (``input``), and this frontend answers from a script.

    nbclient never allows stdin (it is a headless runner), hence this second driver.
    """

    def __init__(self, notebook_path: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.notebook_path = notebook_path
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(
            env=dict(os.environ, JPY_SESSION_NAME=str(notebook_path)),
            cwd=str(notebook_path.parent),
        )
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.prompts: list[str] = []
        self.messages: list[dict[str, Any]] = []  # the last cell's iopub messages
        self.reply: dict[str, Any] = {}  # and its execute_reply

    def run(
        self,
        code: str,
        answers: list[str | Callable[[str], str]] | None = None,
        timeout: float = 120,
        cell_id: str | None = None,
    ) -> str:
        """Run ``code``; answer its input requests in order, each a string or a function of
        the prompt (``"^C"``: Kernel -> Interrupt instead). ``cell_id`` is sent as JupyterLab
        sends a cell's id. Returns what the cell showed."""
        pending = list(answers or [])
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": True,
            "stop_on_error": True,
        }
        request = self.kc.session.msg(
            "execute_request", content, metadata={"cellId": cell_id} if cell_id else {}
        )  # fmt: skip
        self.kc.shell_channel.send(request)
        msg_id = request["header"]["msg_id"]
        shown: list[str] = []
        self.messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                request = self.kc.get_stdin_msg(timeout=0.05)
                self.prompts.append(request["content"]["prompt"])
                answer = pending.pop(0)  # an unexpected question fails the test here
                if callable(answer):
                    answer = answer(request["content"]["prompt"])
                if answer == "^C":
                    self.km.interrupt_kernel()
                else:
                    self.kc.input(answer)
            with contextlib.suppress(queue.Empty):
                msg = self.kc.get_iopub_msg(timeout=0.05)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                self.messages.append(msg)
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    shown.append(content["text"])
                elif kind in ("display_data", "execute_result", "update_display_data"):
                    shown.append(content["data"].get("text/plain", ""))
                elif kind == "error":
                    shown.append(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle":
                    self.reply = self._reply_to(msg_id)
                    return "\n".join(shown)
        raise TimeoutError(f"the cell did not finish within {timeout} s")

    def _reply_to(self, msg_id: str) -> dict[str, Any]:
        """The shell channel's reply to ``msg_id`` (replies to earlier requests, such as
        the kernel_info of start-up, are passed over)."""
        while True:
            reply = self.kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                return dict(reply["content"])

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def frontend(claude_env: dict[str, str], tmp_path: Path) -> Iterator[LiveFrontend]:
    live = LiveFrontend(tmp_path / "analysis.ipynb")
    try:
        yield live
    finally:
        live.stop()
