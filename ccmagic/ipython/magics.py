"""``%%claude`` and ``%claude``: the magics, their settings (traits) and their hooks. What a
``%%claude`` cell does is :mod:`ccmagic.ipython.cell`; the subcommands are
:mod:`ccmagic.ipython.commands`."""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import (
    Bool,
    Enum,
    Float,
    Integer,
    List,
    Unicode,
)

from ccmagic.core.modes import ApprovalMode, ReplayMode, values
from ccmagic.core.options import PERMISSION_MODES, SessionOptions
from ccmagic.ipython.arguments import CommandParser, HelpWanted, arg
from ccmagic.ipython.cell import CellFlow
from ccmagic.ipython.cell_log import CellLog
from ccmagic.ipython.settings import KernelSettings

CELL_ARGS = [
    arg("--session", "-s", metavar="NAME", help="Name of the conversation (default: 'default')."),
    arg("--model", "-m", help="Claude model for this session."),
    arg("--system", metavar="PROMPT", help="Instructions appended to Claude Code's system prompt."),
    arg("--max-turns", type=int, metavar="N", help="Most agent turns for this cell."),
    arg("--max-budget-usd", type=float, metavar="X", help="Spending cap for the session, in USD."),
    arg("--cwd", metavar="DIR", help="Working directory of Claude's tools."),
    arg("--add-dir", action="append", metavar="DIR",
        help="Another folder Claude may read without asking (repeat for several)."),
    arg("--allow", action="append", metavar="TOOLS",
        help="Tools allowed without asking (A,B or repeat)."),
    arg("--disallow", action="append", metavar="TOOLS",
        help="Tools never allowed (A,B or repeat)."),
    arg("--permission-mode", choices=PERMISSION_MODES, metavar="MODE",
        help=f"Claude Code permission mode: {', '.join(PERMISSION_MODES)}."),
    arg("--with", dest="attach", action="append", metavar="NAMES",
        help="Kernel objects to describe in the prompt up front (df,model or repeat); a "
             "figure or image goes as an image."),
    arg("--fresh", action="store_true",
        help="Ask Claude even when a recorded answer matches (on a branch from that point)."),
    arg("--replay-anyway", action="store_true",
        help="Replay the recorded answer even if the data it saw has changed (marked so)."),
    arg("--no-kernel", action="store_true",
        help="No notebook tools this cell (Claude does not see the kernel)."),
    arg("--thinking", action="store_true", help="Show the model's thinking."),
    arg("--tag", action="append", metavar="TAG", help="Tag the session (repeat for several)."),
]  # fmt: skip


CELL_PARSER = CommandParser(
    "%%claude",
    "Ask Claude: the lines below %%claude are the prompt. Each --session is one\n"
    "conversation that lives on across cells, kernel restarts and machines; its turns\n"
    "are kept in <notebook>.claude.json beside the notebook.",
    CELL_ARGS,
    epilog="Defaults: %config ClaudeMagics (e.g. %config ClaudeMagics.model = '...').",
)


def help_text() -> str:
    """What ``%%claude?`` shows: the cell magic's options, then every subcommand."""
    from ccmagic.ipython.commands import subcommands_help

    return f"{CELL_PARSER.format_help()}\n{subcommands_help()}\n"


@magics_class
class ClaudeMagics(Magics, KernelSettings):
    """Talk to Claude from notebook cells; defaults below are set with ``%config ClaudeMagics``.

    Most settings are the magic's own (its cells' options); the kernel's, shared with the
    Python API, are in :class:`~ccmagic.ipython.settings.KernelSettings`.
    """

    default_session = Unicode("default", help="Session used when a cell names none.").tag(
        config=True
    )
    model = Unicode(None, allow_none=True, help="Claude model (e.g. claude-sonnet-4-5).").tag(
        config=True
    )
    system_prompt = Unicode(
        None, allow_none=True, help="Instructions appended to Claude Code's system prompt."
    ).tag(config=True)
    max_turns = Integer(None, allow_none=True, help="Most agent turns per cell.").tag(config=True)
    max_budget_usd = Float(None, allow_none=True, help="Spending cap per session in USD.").tag(
        config=True
    )
    cwd = Unicode(None, allow_none=True, help="Working directory of Claude's tools.").tag(
        config=True
    )
    add_dirs = List(
        Unicode(),
        help="Folders besides the working directory whose files Claude may read without asking "
        "(reads elsewhere are asked about, like Bash, or denied in a headless run).",
    ).tag(config=True)
    allowed_tools = List(Unicode(), help="Tools Claude may use without asking.").tag(config=True)
    disallowed_tools = List(Unicode(), help="Tools Claude may never use.").tag(config=True)
    read_only_bash = Bool(
        False,
        help="Let Bash commands that only read files inside the working folder (and add_dirs) "
        "run without asking: cat, grep, ls, rg, find and a few more, with every path (globs "
        "and symlinks resolved) inside. Off: every Bash command is asked about (denied "
        "headless).",
    ).tag(config=True)
    permission_mode = Enum(
        PERMISSION_MODES, None, allow_none=True, help="Claude Code permission mode."
    ).tag(config=True)
    cli_path = Unicode(
        None, allow_none=True, help="Claude Code CLI to run (default: the one in the SDK wheel)."
    ).tag(config=True)
    stream = Bool(
        True, help="Update the answer while it is written; False shows it once, at the end."
    ).tag(config=True)
    update_interval = Float(0.1, help="Seconds between updates of a streaming answer.").tag(
        config=True
    )
    show_thinking = Bool(False, help="Show the model's thinking above its answer.").tag(config=True)
    show_total = Bool(
        True, help="End each answer's footer with what its session has cost so far."
    ).tag(config=True)
    approvals = Enum(
        values(ApprovalMode),
        ApprovalMode.AUTO.value,
        help="Tools that need approval: 'ask' the person (a prompt in the cell), 'deny' at "
        "once, or 'auto' (ask when someone can answer: a frontend that takes input, such as "
        "JupyterLab, Notebook or VS Code, or a terminal; deny in nbclient, papermill, nbval).",
    ).tag(config=True)
    preload = Bool(
        True,
        help="Once the cell that ran %load_ext has finished and the kernel is idle, import the "
        "Claude Agent SDK on a background thread, so the first %%claude cell does not wait for "
        "it (about 3 s when Jupyter's own packages are installed). Set it in that same cell to "
        "turn it off.",
    ).tag(config=True)
    kernel_tools = Bool(
        True,
        help="Let Claude see the live kernel through the notebook tools (variables, inspect, "
        "cells, new_cell; run needs approval). --no-kernel turns them off for one cell.",
    ).tag(config=True)
    sample_rows = Integer(
        5,
        min=0,
        help="Rows of a DataFrame that inspect shows Claude; 0 shows the schema and summary "
        "statistics only (for sensitive data).",
    ).tag(config=True)
    replay = Enum(
        values(ReplayMode),
        ReplayMode.AUTO.value,
        help="Re-run cells: 'auto' shows the recorded answer of a cell that matches the "
        "session's next recorded turn and branches the conversation where a cell was edited; "
        "'off' always asks and appends; 'only' never asks (a cell with no recorded answer "
        "fails: CI, nbval and papermill runs without a key).",
    ).tag(config=True)
    replay_anyway = Bool(
        False,
        help="Replay recorded answers even when the data they saw (objects, cells, files) has "
        "changed since, marked as such; by default such a cell is asked again.",
    ).tag(config=True)
    notebook_path = Unicode(
        None,
        allow_none=True,
        help="The notebook file, when the frontend does not say (its sidecar sits beside it).",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self._registry: Any = None
        self._cell_id: str | None = None
        self._cell_source = ""
        self.cell_log = CellLog()
        self._preload: Any = None
        self._hooks = [
            ("pre_run_cell", self._remember_cell),
            ("post_run_cell", self._preload_once),
            ("pre_run_cell", self.cell_log.started),
            ("post_run_cell", self.cell_log.record),
        ]
        if shell is not None:
            for event, hook in self._hooks:
                shell.events.register(event, hook)
            self.cell_log.watch(shell)

    def unhook(self) -> None:
        """Unregister every event hook this magic (and its preload) registered."""
        if self.shell is None:
            return
        hooks = self._hooks + (self._preload.stop() if self._preload is not None else [])
        for event, hook in hooks:
            if hook in self.shell.events.callbacks[event]:
                self.shell.events.unregister(event, hook)
        self.cell_log.unwatch(self.shell)

    def _preload_once(self, result: Any) -> None:
        """After the %load_ext cell: import the SDK while the kernel is idle (``preload``)."""
        from ccmagic.ipython.preload import IdlePreload

        if self.shell is None:
            return
        self.shell.events.unregister("post_run_cell", self._preload_once)
        self._hooks.remove(("post_run_cell", self._preload_once))
        if self.preload and "claude_agent_sdk" not in sys.modules:
            self._preload = IdlePreload(self.shell)
            self._preload.idle()

    def _remember_cell(self, info: Any) -> None:
        """Keep the id of the cell about to run (JupyterLab and VS Code send one) and its
        source (to find it in the saved notebook when they do not)."""
        self._cell_id = getattr(info, "cell_id", None)
        self._cell_source = getattr(info, "raw_cell", "") or ""

    @property
    def has_registry(self) -> bool:
        return self._registry is not None

    @property
    def registry(self) -> Any:
        """The kernel's sessions, created on first use (keeps ``%load_ext`` light)."""
        if self._registry is None:
            from ccmagic.ipython.registry import SessionRegistry

            self._registry = SessionRegistry(lambda: self.notebook, self._kernel_tools())
        return self._registry

    def _kernel_tools(self) -> Any:
        from ccmagic.ipython.kernel_tools import KernelTools

        if self.shell is None:
            return None
        return KernelTools(
            self.shell, self.cell_log, lambda: self.notebook.path, lambda: self.sample_rows
        )

    @property
    def notebook(self) -> Any:
        """Where this kernel's notebook is, by the documented order of places to look."""
        from ccmagic.notebook.location import locate_notebook

        return locate_notebook(self.shell.user_ns if self.shell else {}, self.notebook_path)

    @no_var_expand
    @line_cell_magic
    def claude(self, line: str, cell: str | None = None) -> None:
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        from ccmagic.ipython.commands import dispatch

        if cell is None:
            dispatch(self, line)
            return
        try:
            args = CELL_PARSER.parse(line)
        except HelpWanted:
            print(help_text())
            return
        if not cell.strip():
            raise UsageError("The cell has no prompt: write it below the %%claude line.")
        CellFlow(self).ask(args, cell.strip())

    claude.__doc__ = help_text()

    # -- cells -------------------------------------------------------------------------------
    def default_options(self) -> SessionOptions:
        """The session options a cell with no options gets (the %config defaults)."""
        return CellFlow(self).options(CELL_PARSER.parse(""))

    # -- what subcommands read -----------------------------------------------------------
    def history_frame(self, session: str | None = None) -> Any:
        """``ccmagic.history()`` of this kernel's notebook."""
        import ccmagic

        return ccmagic.history(session, notebook=self.notebook.path)
