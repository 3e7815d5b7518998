"""The ``notebook`` tools: Claude looks at the live kernel and hands code back as cells.

An in-process MCP server (``mcp__notebook__<tool>``) served from the kernel:

    variables            the user's variables, one line each
    inspect(name)        one object described (DataFrames: shape, dtypes, nulls, a sample...);
                         a figure, image or image array is also shown as an image
    cells(count)         the last cells run: source, result, error and traceback, and the
                         figures they showed as images (newest first, at most 4)
    run(code)            run code in the user's namespace (approved like Bash)
    new_cell(code)       a new cell below the current one, not run

Every tool body runs on the kernel's main thread (through the session's
:class:`~ccmagic.session.mainthread.MainThread`): the namespace is the user's, objects are
read as they are now, and Kernel -> Interrupt stops a long ``run`` or drawing. Results are
bounded (see :mod:`ccmagic.ipython.inspection` and :mod:`ccmagic.ipython.images`); the user
code a description runs is stopped after a few seconds (:mod:`ccmagic.ipython.timebox`). The
SDK is imported only when a server is built.
"""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.core.tools import READ_ONLY, SERVER
from ccmagic.ipython.cell_log import CellLog, error_text
from ccmagic.ipython.images import Picture, Seen, look_at
from ccmagic.ipython.inspection import (
    LIMIT,
    InspectionError,
    clip,
    describe,
    resolve,
    short_repr,
    variables_table,
)
from ccmagic.ipython.timebox import TookTooLong, bounded
from ccmagic.ipython.witness import Witness
from ccmagic.session.mainthread import Interrupted, MainThread, NobodyWaiting

# said in the descriptions of the tools that hand the model the kernel's values
REDACTED = (
    " Credential values (API keys, tokens, passwords, private keys) in the result are "
    "replaced by [REDACTED:<kind>]; the name and the rest of the value are kept."
)

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

SECONDS_TO_DESCRIBE = 5.0  # one object for inspect (a lookup, a description) at most


def look_up(name: str, namespace: dict[str, Any], hidden: set[str], sample_rows: int) -> Seen:
    """The object ``name`` names, described; a figure or image also as a picture. Its
    ``[key]`` lookups and its description run for :data:`SECONDS_TO_DESCRIBE` at most."""
    try:
        value = bounded(lambda: resolve(name, namespace, hidden), SECONDS_TO_DESCRIBE)
    except TookTooLong:
        raise InspectionError(
            f"Looking up {name} took too long (stopped after {SECONDS_TO_DESCRIBE:g} s)."
        ) from None
    seen = look_at(value)
    if seen is not None:
        return seen
    try:
        return Seen(bounded(lambda: describe(name, value, sample_rows), SECONDS_TO_DESCRIBE))
    except TookTooLong:
        return Seen(
            f"{name}: {type(value).__name__} (its repr took too long: stopped after "
            f"{SECONDS_TO_DESCRIBE:g} s, so it is not described)"
        )


class KernelTools:
    """The ``notebook`` tools of one kernel; :meth:`server` builds one session's server."""

    name = SERVER
    read_only = READ_ONLY

    def __init__(
        self,
        shell: InteractiveShell,
        log: CellLog,
        notebook: Callable[[], Path],
        sample_rows: Callable[[], int],
    ) -> None:
        self.shell = shell
        self.log = log
        self.notebook = notebook
        self.sample_rows = sample_rows
        self._new_cells: list[str] = []
        self.witness = Witness(self)  # fingerprints of what the read-only tools show

    @property
    def _namespace(self) -> dict[str, Any]:
        namespace: dict[str, Any] = self.shell.user_ns
        return namespace

    @property
    def _hidden(self) -> set[str]:
        return set(getattr(self.shell, "user_ns_hidden", {}))

    # -- what Claude is told -------------------------------------------------------------------
    def instructions(self) -> str:
        """Appended to Claude Code's system prompt."""
        return (
            f"You are working inside a live Jupyter (IPython) kernel for the notebook "
            f"{self.notebook().name}. The `notebook` tools see that kernel: `variables` lists "
            "the user's variables, `inspect` describes one (for a DataFrame: shape, dtypes, "
            "nulls, summary statistics, a few rows), `cells` shows the recent cells with their "
            "results and errors, `run` executes Python in the user's namespace (the user "
            "approves it), and `new_cell` puts code into a new cell below for the user to run. "
            "Look at the user's objects with these tools rather than guessing or reading files, "
            "and hand code back with `new_cell` rather than editing the notebook file."
        )

    def refusal(self, tool: str, tool_input: dict[str, Any]) -> str | None:
        """Why a tool call must not run, if it must not: Claude Code's ``NotebookEdit`` on the
        notebook this kernel serves would rewrite it under the open frontend."""
        if tool != "NotebookEdit":
            return None
        target = str(tool_input.get("notebook_path") or "")
        if target and Path(target).expanduser().resolve() == self.notebook().resolve():
            return (
                f"{Path(target).name} is open in the frontend this kernel serves: editing the "
                "file would be overwritten by the next save. Use the new_cell tool to hand code "
                "to the user instead."
            )
        return None

    def begin_turn(self) -> None:
        """A new turn: its new_cell calls make one new cell of their own."""
        self._new_cells = []
        self.witness.begin_turn()

    def seen(self) -> list[dict[str, Any]]:
        """Fingerprints of what the tools showed Claude this turn (for its record)."""
        return self.witness.take()

    # -- the tools, on the main thread -----------------------------------------------------------
    def variables(self) -> str:
        return variables_table(self._namespace, self._hidden)

    def inspect(self, name: str) -> Seen:
        return look_up(name, self._namespace, self._hidden, self.sample_rows())

    def cells(self, count: int) -> Seen:
        return self.log.recent(max(1, min(count, 50)), self.shell)

    def new_cell(self, code: str) -> str:
        if self.log.holds_below(code, self.notebook()):
            return (
                "already in the cell below, not inserted again\n"
                "The cell below this one holds exactly that code (from an earlier answer)."
            )
        self._new_cells.append(code.rstrip())
        self.shell.set_next_input("\n\n".join(self._new_cells), replace=False)
        return (
            "in a new cell below, not run\n"
            "The user runs it. (A frontend that cannot create cells, such as a headless run, "
            "shows the code in the answer instead.)"
        )

    def run(self, code: str) -> str:
        """Run ``code`` as a cell would (magics too) in the user's namespace: its printed output,
        the value of a last expression, or the error; figures it made are shown in the cell."""
        from IPython.display import display
        from IPython.utils.capture import capture_output

        try:
            tree = ast.parse(self.shell.transform_cell(code))
        except SyntaxError as exc:
            return f"✖ SyntaxError: {exc.msg} (line {exc.lineno}). Nothing ran."
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        figures_before = _open_figures()
        value: Any = None
        error = ""
        with capture_output(display=True) as captured:
            try:
                exec(compile(tree, "<claude run>", "exec"), self._namespace)
                if last is not None:
                    expression = ast.Expression(last.value)
                    value = eval(compile(expression, "<claude run>", "eval"), self._namespace)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - the code's own error, for Claude
                error = error_text(exc, frames=5)
            _show_new_figures(figures_before)
        shown = [o for o in captured.outputs if o.data]
        for output in shown:  # figures and rich output go to the cell, where the person is
            display(output.data, raw=True, metadata=output.metadata)
        images = sum(1 for o in shown if any(k.startswith("image/") for k in o.data))
        parts = []
        if captured.stdout:
            parts.append("stdout:\n" + clip(captured.stdout, LIMIT // 2))
        if captured.stderr:
            parts.append("stderr:\n" + clip(captured.stderr, LIMIT // 4))
        if value is not None:
            parts.append("value: " + short_repr(value, 1500))
        if error:
            parts.append(error)
        if images:
            parts.append(f"{images} figure{'s' if images != 1 else ''} shown in the cell")
        return clip("\n".join(parts) or "(ran; no output and no value)")

    # -- the MCP server ------------------------------------------------------------------------
    def server(self, main_thread: MainThread) -> dict[str, Any]:
        """An in-process MCP server whose tools run on ``main_thread``."""
        from ccmagic.sdk.mcp import in_process_server, tool  # imports the SDK: not at load

        on_main_thread = _on_main_thread(main_thread)
        read_only = True

        @tool("variables", "List the user's variables in the live kernel." + REDACTED, {},
              read_only)  # fmt: skip
        async def variables(args: dict[str, Any]) -> dict[str, Any]:
            return await on_main_thread(self.variables)

        @tool(
            "inspect",
            "Describe one object of the kernel: a variable name, optionally with .attribute or "
            '["key"] steps (df.price, results["fit"]); nothing is evaluated (a property is '
            "described, not run). A matplotlib figure or axes, a PIL image or an image array "
            "comes back as an image too." + REDACTED,
            {"name": str},
            read_only,
        )
        async def inspect(args: dict[str, Any]) -> dict[str, Any]:
            return await on_main_thread(lambda: self.inspect(args["name"]))

        @tool(
            "cells",
            "The last cells run in this kernel: source, result, and any error with traceback; "
            "the figures they showed come back as images (the newest 4)." + REDACTED,
            {"type": "object", "properties": {"count": {"type": "integer", "minimum": 1}}},
            read_only,
        )
        async def cells(args: dict[str, Any]) -> dict[str, Any]:
            return await on_main_thread(lambda: self.cells(int(args.get("count") or 10)))

        @tool(
            "run",
            "Run Python code in the user's kernel namespace, as a cell would; returns printed "
            "output, the last expression's value or the error. The user approves each run."
            + REDACTED,
            {"code": str},
        )
        async def run(args: dict[str, Any]) -> dict[str, Any]:
            return await on_main_thread(lambda: self.run(args["code"]), aside=True)

        @tool(
            "new_cell",
            "Put code into a new notebook cell below the current one, for the user to run "
            "(it is not run).",
            {"code": str},
        )
        async def new_cell(args: dict[str, Any]) -> dict[str, Any]:
            return await on_main_thread(lambda: self.new_cell(args["code"]))

        tools = self.witness.watching([variables, inspect, cells, run, new_cell], main_thread)
        return in_process_server(SERVER, tools)


def _on_main_thread(
    main_thread: MainThread,
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """How a tool's handler runs its body: on the kernel's main thread, through :func:`result_of`
    (``aside``: the body shows something in the cell, such as ``run``'s output)."""

    async def run(work: Callable[[], str | Seen], aside: bool = False) -> dict[str, Any]:
        try:
            return await main_thread.run(lambda: result_of(work), aside=aside)
        except Interrupted:
            return _result("Interrupted by the user (Kernel → Interrupt).", error=True)
        except NobodyWaiting:
            return _result("The kernel is not waiting for this turn.", error=True)

    return run


def result_of(work: Callable[[], str | Seen]) -> dict[str, Any]:
    """A tool's result as Claude receives it (every notebook tool's leaves here): its text
    redacted, its images as they are, a failure worded for Claude to read."""
    from ccmagic.sidecar.redaction import environment_changed, tool_result

    try:
        done = work()
        environment_changed()  # the user's code may have set a credential
    except InspectionError as problem:
        return _result(str(problem), error=True)
    except Exception as exc:  # noqa: BLE001 - a tool's failure is Claude's to read
        return _result(f"{type(exc).__name__}: {short_repr(str(exc), 500)}", error=True)
    if isinstance(done, Seen):
        return tool_result(_result(done.text, pictures=done.pictures), "notebook tool output")
    return tool_result(_result(done), "notebook tool output")


def _result(
    text: str, error: bool = False, pictures: list[Picture] | None = None
) -> dict[str, Any]:
    images = [picture.tool_content() for picture in pictures or []]
    return {"content": [{"type": "text", "text": text}, *images], "is_error": error}


def _open_figures() -> set[int]:
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def _show_new_figures(before: set[int]) -> None:
    """Display the figures the code made (as the inline backend would at the cell's end) and
    close them, so they are shown once, here, in order."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    from IPython.display import display

    for number in sorted(set(pyplot.get_fignums()) - before):
        figure = pyplot.figure(number)
        display(figure)
        pyplot.close(figure)
