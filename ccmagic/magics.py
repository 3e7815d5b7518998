"""``%%claude`` and ``%claude``: a thin layer of IPython magics over :mod:`ccmagic.session`."""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, Integer, List, Unicode

from ccmagic.options import PERMISSION_MODES, SessionOptions, split_tools

SUBCOMMANDS = ("history", "cost", "sessions", "new", "close", "fork", "resume", "demo")


@magic_arguments()
@argument("--session", "-s", help="Name of the conversation (default: the default session).")
def _new_args(line: str) -> None:
    """%claude new [--session NAME]: drop that conversation and start fresh under the name."""


@magic_arguments()
@argument("--session", "-s", help="Name of the conversation (default: the default session).")
@argument("--all", action="store_true", help="Close every session of this kernel.")
def _close_args(line: str) -> None:
    """%claude close [--session NAME | --all]: end the CLI process, keep the conversation."""


@magic_arguments()
@argument("--session", "-s", required=True, help="The conversation to branch from.")
@argument("--as", dest="new_name", required=True, help="Name of the new branch.")
def _fork_args(line: str) -> None:
    """%claude fork --session NAME --as NEW: branch a conversation under a new name."""


@magic_arguments()
@argument("session_id", help="Id of a Claude Code session started elsewhere.")
@argument("--session", "-s", help="Name to give it (default: the default session).")
def _resume_args(line: str) -> None:
    """%claude resume SESSION_ID [--session NAME]: continue an outside session under a name."""


@magic_arguments()
@argument("--session", "-s", help="Show one session (default: all of the notebook's).")
def _history_args(line: str) -> None:
    """%claude history [--session NAME]: every turn, paged, with the chosen one in full."""


@magic_arguments()
@argument("--by", choices=("session", "day", "model"), default="session", help="Group by.")
@argument("--no-plot", action="store_true", help="Only the table, without the plot.")
def _cost_args(line: str) -> None:
    """%claude cost [--by session|day|model]: cost table with totals, and cumulative cost."""


@magic_arguments()
@argument("--tag", action="append", help="Only sessions with this tag.")
def _sessions_args(line: str) -> None:
    """%claude sessions [--tag TAG]: the notebook's sessions, live or not."""


@magic_arguments()
@argument("--auto", action="store_true", help="Only when no API key or login is present.")
def _demo_args(line: str) -> None:
    """%claude demo [--auto]: answer from the offline demo model (no network, no key)."""


def _import_quietly() -> None:
    """Import the SDK ahead of use; a failure is reported by the real import later."""
    with contextlib.suppress(Exception):
        importlib.import_module("claude_agent_sdk")


@magics_class
class ClaudeMagics(Magics):
    """Talk to Claude from notebook cells; defaults below are set with ``%config ClaudeMagics``."""

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
    allowed_tools = List(Unicode(), help="Tools Claude may use without asking.").tag(config=True)
    disallowed_tools = List(Unicode(), help="Tools Claude may never use.").tag(config=True)
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
    show_badge = Bool(
        True, help="Show each session's running cost once, updated in place after every turn."
    ).tag(config=True)
    approvals = Enum(
        ("auto", "ask", "deny"),
        "auto",
        help="Tools that need approval: 'ask' the person (a prompt in the cell), 'deny' at "
        "once, or 'auto' (ask when someone can answer: a frontend that takes input, such as "
        "JupyterLab, Notebook or VS Code, or a terminal; deny in nbclient, papermill, nbval).",
    ).tag(config=True)
    preload = Bool(
        True,
        help="When the cell that ran %load_ext has finished, import the Claude Agent SDK on a "
        "background thread, so the first %%claude cell does not wait for it (about 3 s when "
        "Jupyter's own packages are installed). Set it in that same cell to turn it off.",
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
        self._badges: set[str] = set()
        if shell is not None:
            shell.events.register("pre_run_cell", self._remember_cell)
            shell.events.register("post_run_cell", self._preload_once)

    def _preload_once(self, result: Any) -> None:
        """Warm the SDK import up once the %load_ext cell is done (``preload``)."""
        if self.shell is not None:
            self.shell.events.unregister("post_run_cell", self._preload_once)
        if self.preload and "claude_agent_sdk" not in sys.modules:
            threading.Thread(target=_import_quietly, name="ccmagic-preload", daemon=True).start()

    def _remember_cell(self, info: Any) -> None:
        """Keep the id of the cell about to run (JupyterLab and VS Code send one)."""
        self._cell_id = getattr(info, "cell_id", None)

    @property
    def registry(self) -> Any:
        """The kernel's sessions, created on first use (keeps ``%load_ext`` light)."""
        if self._registry is None:
            from ccmagic.registry import SessionRegistry

            self._registry = SessionRegistry(lambda: self.notebook.path)
        return self._registry

    @property
    def notebook(self) -> Any:
        """Where this kernel's notebook is, by the documented order of places to look."""
        from ccmagic.notebook import locate_notebook

        return locate_notebook(self.shell.user_ns if self.shell else {}, self.notebook_path)

    @no_var_expand
    @magic_arguments()
    @argument("--session", "-s", help="Name of the conversation (default: 'default').")
    @argument("--model", "-m", help="Claude model for this session.")
    @argument("--system", help="Instructions appended to Claude Code's system prompt.")
    @argument("--max-turns", type=int, help="Most agent turns for this cell.")
    @argument("--max-budget-usd", type=float, help="Spending cap for the session, in USD.")
    @argument("--cwd", help="Working directory of Claude's tools.")
    @argument("--allow", action="append", help="Tools allowed without asking (A,B or repeat).")
    @argument("--disallow", action="append", help="Tools never allowed (A,B or repeat).")
    @argument("--permission-mode", choices=PERMISSION_MODES, help="Claude Code permission mode.")
    @argument("--thinking", action="store_true", help="Show the model's thinking.")
    @argument("--tag", action="append", help="Tag the session (repeat for several).")
    @line_cell_magic
    def claude(self, line: str, cell: str | None = None) -> None:
        """Ask Claude in a cell; the conversation of each --session lives on across cells.

        As a line magic: ``%claude sessions`` lists this kernel's sessions; ``%claude new
        [--session NAME]`` starts that conversation afresh; ``%claude close [--session NAME |
        --all]`` ends its Claude Code process (the conversation resumes on next use);
        ``%claude fork --session NAME --as NEW`` branches it; ``%claude resume SESSION_ID
        [--session NAME]`` continues a session started elsewhere.
        """
        __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
        if cell is None:
            self._subcommand(line)
            return
        args = parse_argstring(self.claude, line)
        if not cell.strip():
            raise UsageError("The cell has no prompt: write it below the %%claude line.")
        self._ask(args, cell.strip())

    # -- cells -------------------------------------------------------------------------------
    def _options(self, args: Any) -> SessionOptions:
        max_turns = args.max_turns if args.max_turns is not None else self.max_turns
        budget = args.max_budget_usd if args.max_budget_usd is not None else self.max_budget_usd
        if max_turns is not None and max_turns < 1:
            raise UsageError("--max-turns must be at least 1.")
        if budget is not None and budget <= 0:
            raise UsageError("--max-budget-usd must be more than 0.")
        return SessionOptions(
            model=args.model or self.model,
            system=args.system or self.system_prompt,
            max_turns=max_turns,
            max_budget_usd=budget,
            cwd=args.cwd or self.cwd,
            allowed_tools=split_tools(args.allow or self.allowed_tools),
            disallowed_tools=split_tools(args.disallow or self.disallowed_tools),
            permission_mode=args.permission_mode or self.permission_mode,
            cli_path=self.cli_path,
        )

    def _ask(self, args: Any, prompt: str) -> None:
        __tracebackhide__ = True
        from ccmagic.session import failure_of

        name = args.session or self.default_session
        tags = split_tools(args.tag)
        options = self._options(args)
        session, notices = self.registry.get(name, options, tags)
        if options.permission_mode == "bypassPermissions":
            notices.append("⚠ bypassPermissions: Claude may use every tool without asking.")
        view = self._view(name, session.session_id, notices, args.thinking)
        record = session.query(prompt, view.handle, cell_id=self._cell_id, approve=self._approver())
        view.finish(record, self.registry.refresh())
        if self.show_badge and getattr(self.shell, "kernel", None) is not None:
            self._update_badge(session, record)
        if session.last_interrupted:
            raise KeyboardInterrupt("Claude's answer was interrupted; the partial answer is kept.")
        failure = failure_of(record, self.cli_path)
        if failure is not None:
            raise failure

    def _approver(self) -> Any:
        """Ask the person when one can answer (see ``approvals``); ``None`` denies at once."""
        from ccmagic.approval import ask_person, can_ask

        if self.approvals == "ask" or (self.approvals == "auto" and can_ask(self.shell)):
            return ask_person
        return None

    def _update_badge(self, session: Any, record: Any) -> None:
        from IPython.display import display, update_display

        from ccmagic.views import badge

        turns = session.turns
        bundle = badge(
            record.session,
            len(turns),
            sum(t.tokens for t in turns),
            session.total_cost_usd,
            record.cost_usd,
        )
        display_id = f"ccmagic-badge-{record.session_id}"
        if display_id in self._badges:
            update_display(bundle, raw=True, display_id=display_id)
        else:
            self._badges.add(display_id)
            display(bundle, raw=True, display_id=display_id)

    def _view(self, name: str, session_id: str, notices: list[str], thinking: bool) -> Any:
        from ccmagic.render import NotebookTurnView, TerminalTurnView

        show_thinking = thinking or self.show_thinking
        if getattr(self.shell, "kernel", None) is None:
            return TerminalTurnView(notices, show_thinking=show_thinking)
        metadata = {"ccmagic": {"session": name, "session_id": session_id}}
        return NotebookTurnView(
            metadata,
            notices,
            stream=self.stream,
            interval=self.update_interval,
            show_thinking=show_thinking,
        )

    # -- line subcommands --------------------------------------------------------------------
    def _subcommand(self, line: str) -> None:
        command, _, rest = line.strip().partition(" ")
        if command == "sessions":
            self._show_sessions(parse_argstring(_sessions_args, rest).tag)
        elif command == "history":
            self._show_history(parse_argstring(_history_args, rest).session)
        elif command == "cost":
            args = parse_argstring(_cost_args, rest)
            self._show_cost(args.by, plot=not args.no_plot)
        elif command == "new":
            args = parse_argstring(_new_args, rest)
            name = args.session or self.default_session
            old = self.registry.new(name)
            was = f" (the previous conversation was {old})" if old else ""
            print(f"Session {name}: the next cell starts a new conversation{was}.")
        elif command == "close":
            args = parse_argstring(_close_args, rest)
            names = (
                [n for n, _ in self.registry.items()]
                if args.all
                else [args.session or self.default_session]
            )
            for name in names:
                done = self.registry.close(name)
                state = "closed; it resumes on next use" if done else "was not running"
                print(f"Session {name}: {state}.")
        elif command == "demo":
            self._demo(parse_argstring(_demo_args, rest).auto)
        elif command == "fork":
            args = parse_argstring(_fork_args, rest)
            options = self._options(parse_argstring(self.claude, ""))
            branch = self.registry.fork(args.session, args.new_name, options)
            print(
                f"Session {args.new_name}: a branch of {args.session} "
                f"(new id {branch.session_id}); its next cell continues from there."
            )
        elif command == "resume":
            args = parse_argstring(_resume_args, rest)
            name = args.session or self.default_session
            options = self._options(parse_argstring(self.claude, ""))
            self.registry.bind(name, args.session_id, options)
            print(f"Session {name}: now continues Claude Code session {args.session_id}.")
        else:
            given = f"'{command}'" if command else "nothing"
            raise UsageError(
                f"%claude takes a subcommand: {', '.join(SUBCOMMANDS)} (got {given}). "
                "Use %%claude (two %) to ask Claude in a cell."
            )

    def _demo(self, auto: bool) -> None:
        from ccmagic.demo import has_credentials, start_demo

        if auto and has_credentials():
            print("Using Claude with your credentials (the demo model was not needed).")
            return
        start_demo()
        if self._registry is not None:
            for name, _ in self.registry.items():
                self.registry.close(name)  # reconnect to the demo model on next use
        print(
            "Offline demo model: answers are scripted, not written by Claude. "
            "Restart the kernel to use real Claude."
        )

    def _frame(self, session: str | None = None) -> Any:
        import ccmagic

        return ccmagic.history(session, notebook=self.notebook.path)

    def _show_sessions(self, tags: list[str] | None) -> None:
        from IPython.display import display

        import ccmagic

        table = ccmagic.sessions(tags=tags, notebook=self.notebook.path)
        live = {s.session_id for _, s in self.registry.items() if s.session.connected}
        table.insert(3, "live", table["session_id"].isin(live))
        if table.empty:
            print("No sessions recorded for this notebook yet: run a %%claude cell.")
            return
        display(table)

    def _show_history(self, session: str | None) -> None:
        from IPython.display import display

        from ccmagic.views import HistoryView

        frame = self._frame(session)
        if frame.empty:
            print("No turns recorded yet" + (f" for session {session}." if session else "."))
            return
        display(HistoryView(frame, session))

    def _show_cost(self, by: str, plot: bool) -> None:
        from IPython.display import display

        from ccmagic.views import cost_table, plot_cumulative_cost

        frame = self._frame()
        if frame.empty:
            print("No turns recorded yet: nothing has cost anything.")
            return
        display(cost_table(frame, by))
        if plot:
            try:
                display(plot_cumulative_cost(frame), raw=True)
            except ImportError:
                print("Install matplotlib for the plot of cumulative cost.")
