"""The cells a kernel ran, as the ``cells`` tool reports them: source, result, error with its
last frames, and the figures each showed (kept as their image outputs' MIME bundles and turned
into bounded pictures only when asked for: :mod:`ccmagic.ipython.images`)."""

from __future__ import annotations

import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccmagic.ipython.cell_below import holds_code_below
from ccmagic.ipython.images import Picture, Seen, from_output, look_at, picture_kind
from ccmagic.ipython.inspection import LIMIT, clip, short_repr

if TYPE_CHECKING:
    from IPython.core.interactiveshell import ExecutionResult, InteractiveShell


@dataclass
class CellRun:
    """One cell the kernel ran, as ``cells`` reports it."""

    count: int | None
    source: str
    result: str = ""
    error: str = ""
    shown: list[dict[str, Any]] = field(default_factory=list)  # image outputs' MIME bundles
    picture: Any = None  # a figure or image that was the cell's value
    cell_id: str | None = None  # the frontend's (JupyterLab and VS Code send one)


class CellLog:
    """The last cells this kernel ran, with their results and errors (from ``%load_ext`` on;
    earlier ones are read from IPython's ``In`` and ``Out``), and the figures they showed."""

    FIGURES_PER_CELL = 8

    def __init__(self, size: int = 50) -> None:
        self.runs: deque[CellRun] = deque(maxlen=size)
        self._shown: list[dict[str, Any]] = []  # the running cell's image outputs so far
        self.running: tuple[str | None, str] = (None, "")  # the cell running now: id, source

    def started(self, info: Any) -> None:
        """IPython's ``pre_run_cell`` hook."""
        self.running = (getattr(info, "cell_id", None), getattr(info, "raw_cell", "") or "")

    def holds_below(self, code: str, notebook: Path | None) -> bool:
        """Whether the cell below the running one already holds ``code``."""
        ran = [(run.cell_id, run.source) for run in self.runs]
        return holds_code_below(*self.running, ran, notebook, code)

    def watch(self, shell: InteractiveShell) -> None:
        """See the figures cells display: ipykernel's display publisher passes every output
        through its hooks (a terminal IPython has none, and its cells show no figures)."""
        register = getattr(shell.display_pub, "register_hook", None)
        if register is not None:
            register(self._seen_output)

    def unwatch(self, shell: InteractiveShell) -> None:
        """Undo :meth:`watch` (``%unload_ext``)."""
        unregister = getattr(shell.display_pub, "unregister_hook", None)
        if unregister is not None:
            unregister(self._seen_output)

    def _seen_output(self, message: dict[str, Any]) -> dict[str, Any]:
        content = message.get("content") or {}
        data = content.get("data") or {}
        images = {k: v for k, v in data.items() if k.startswith("image/")}
        if images and len(self._shown) < self.FIGURES_PER_CELL:
            self._shown.append(images)
        return message

    def record(self, result: ExecutionResult) -> None:
        """IPython's ``post_run_cell`` hook."""
        info = result.info
        source = getattr(info, "raw_cell", "") or ""
        shown, self._shown = self._shown, []
        if not source.strip() or getattr(info, "silent", False):
            return
        run = CellRun(result.execution_count, source, shown=shown,
                      cell_id=getattr(info, "cell_id", None))  # fmt: skip
        if result.result is not None:
            run.result = short_repr(result.result, 300)
            if picture_kind(result.result) is not None:
                run.picture = result.result
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            run.error = error_text(error)
        self.runs.append(run)

    def recent(self, count: int, shell: InteractiveShell) -> Seen:
        """The last ``count`` cells before the running one, newest given the most room, and
        the figures they showed, newest first, at most :data:`IMAGES_PER_CALL`."""
        logged = {run.count: run for run in self.runs if run.count is not None}
        history = shell.history_manager.input_hist_raw if shell.history_manager else []
        outputs = shell.user_ns.get("Out") or {}
        for number, source in enumerate(history):  # cells from before %load_ext
            if number and number not in logged and str(source).strip():
                result = outputs.get(number)
                logged[number] = CellRun(
                    number, str(source), short_repr(result, 300) if result is not None else ""
                )
        running = shell.execution_count  # the %%claude cell asking: not one of them
        numbers = sorted(n for n in logged if n is not None and n < running)
        chosen = [logged[n] for n in numbers if not _asks_claude(logged[n].source)][-count:]
        if not chosen:
            return Seen("No cells have run yet in this kernel (besides this one).")
        blocks: list[str] = []
        pictures: list[Picture] = []
        budget = LIMIT - 200
        for run in reversed(chosen):  # the newest first gets the room
            block = _cell_text(run) + _figures_text(run, pictures)
            if len(block) > budget:
                block = clip(block, max(budget, 200))
            budget -= len(block)
            blocks.append(block)
            if budget <= 200:
                break
        skipped = len(chosen) - len(blocks)
        head = f"The last {len(blocks)} cells, oldest first"
        head += f" ({skipped} older ones left out for length):" if skipped else ":"
        return Seen(clip("\n\n".join([head, *reversed(blocks)])), pictures)


IMAGES_PER_CALL = 4


def _figures_text(run: CellRun, pictures: list[Picture]) -> str:
    """What ``run`` showed, one line per figure; its pictures join ``pictures`` while there
    is room (the newest cells are read first, so theirs are the ones attached)."""
    lines = []
    for data in run.shown:
        if len(pictures) >= IMAGES_PER_CALL:
            lines.append(f"→ shown: a figure (not attached: at most {IMAGES_PER_CALL} per call)")
            continue
        picture, said = from_output(data)
        if picture is not None:
            pictures.append(picture)
            said += f" as image {len(pictures)}"
        lines.append(f"→ shown: {said}")
    if run.picture is not None:
        if len(pictures) >= IMAGES_PER_CALL:
            lines.append("→ its value is a figure (not attached: inspect it to see it)")
        else:
            seen = look_at(run.picture)
            if seen is not None:
                pictures.extend(seen.pictures)
                first = seen.text.splitlines()[0]
                attached = f", attached as image {len(pictures)}" if seen.pictures else ""
                lines.append(f"→ its value is a figure: {first}{attached}")
    return "".join("\n" + line for line in lines)


def _asks_claude(source: str) -> bool:
    return source.lstrip().startswith("%%claude")


def _cell_text(run: CellRun) -> str:
    lines = [f"[{run.count}]", clip(run.source.rstrip(), 1200)]
    if run.result:
        lines.append(f"→ result: {run.result}")
    if run.error:
        lines.append(run.error)
    return "\n".join(lines)


def error_text(error: BaseException, frames: int = 3) -> str:
    """The error's type and message, and its last frames."""
    message = " ".join(str(error).split())
    lines = [f"✖ {type(error).__name__}: {message[:500]}"]
    stack = [f for f in traceback.extract_tb(error.__traceback__) if "/IPython/" not in f.filename]
    stack = stack[-frames:]
    for frame in stack:
        cell = "ipykernel" in frame.filename or frame.filename.startswith("<")
        where = "this cell" if cell else frame.filename
        lines.append(f"  at {where}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}")
    return "\n".join(lines)
