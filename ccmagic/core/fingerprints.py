"""Fingerprints of what Claude saw in a turn, so a replay can tell whether it still holds.

A turn keeps, in its ``saw`` list, one *sighting* per input that can change under an unchanged
prompt: a ``--with`` attachment, a read-only notebook tool call (``variables``, ``inspect``,
``cells``) with its arguments, a file Claude read. A sighting holds a digest of what Claude
was shown and a small structural summary (shape, column names, variable names) to say *how*
it changed, never the values themselves::

    {"kind": "tool", "tool": "inspect", "args": {"name": "df"}, "digest": "…",
     "summary": {"type": "DataFrame", "shape": [3, 2], "columns": ["a", "x"]}}
    {"kind": "with", "name": "df", "digest": "…", "summary": {…}}
    {"kind": "file", "path": "data/sales.csv", "size": 1204, "mtime_ns": …, "digest": "…"}

A sighting taken after a call with side effects in the same turn (``run``, ``Bash``, an edit)
says so (``"after": "run"``): a replay, which does not repeat those, does not check it.

Everything here is pure (no IPython, no pandas import): digests, summaries by duck typing,
file stats, and the one-phrase account of a change.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ccmagic.core.tools import PREFIX, short_tool_name

Sighting = dict[str, Any]

DATA_TOOLS = ("variables", "inspect", "cells")  # read-only notebook tools a replay re-runs
SIDE_EFFECTS = ("run",)  # notebook tools that change the kernel: what is seen after them is
# not what a replay, which does not run them, can expect to see (it is left unchecked)
FILE_EFFECTS = ("Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "Task", "Agent",
                PREFIX + "run")  # fmt: skip
FILE_READERS = {"Read": "file_path", "NotebookRead": "notebook_path"}
# tools whose use leaves nothing to check: they read nothing that can change, or only what is
# fingerprinted
CHECKED_TOOLS = frozenset(
    {*(PREFIX + t for t in (*DATA_TOOLS, "new_cell")), *FILE_READERS, "TodoWrite",
     "StructuredOutput"}
)  # fmt: skip
MAX_NAMES = 60  # column or variable names kept in a summary
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")  # an object's address: differs per process
_COUNT = re.compile(r"(?m)^\[\d+\]$")  # a cell's execution count, as ``cells`` shows it
_CHUNK = 1 << 20


def digest(text: str) -> str:
    """A short digest of ``text``, blind to what differs between two runs of the same
    notebook (object addresses, execution counts)."""
    stable = _COUNT.sub("[n]", _ADDRESS.sub("0x…", text))
    return hashlib.blake2b(stable.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def result_text(result: Any) -> str:
    """The part of a tool's result Claude reads: its text (and any image's data), whatever
    shape the result has (a string, content items, or ``{"content": [...], "is_error": …}``)."""
    if isinstance(result, dict) and "content" in result:
        error = "error: " if result.get("is_error") else ""
        return error + result_text(result["content"])
    if isinstance(result, list | tuple):
        return "\n".join(result_text(item) for item in result)
    if isinstance(result, dict):
        return str(result.get("text") or result.get("data") or "")
    return str(result)


def summary_of(value: Any) -> dict[str, Any]:
    """What a change of ``value`` can be told by: its type, shape, column names or length."""
    summary: dict[str, Any] = {"type": type(value).__name__}
    module = type(value).__module__.split(".")[0]
    try:
        if module in ("pandas", "numpy", "polars", "pyarrow"):
            shape = getattr(value, "shape", None)
            if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
                summary["shape"] = list(shape)
            columns = getattr(value, "columns", None) if module != "numpy" else None
            if columns is not None:
                summary["columns"] = [str(c) for c in list(columns)[:MAX_NAMES]]
        elif isinstance(value, list | tuple | dict | set | frozenset | str | bytes):
            summary["length"] = len(value)
    except Exception:  # noqa: BLE001 - a summary is a courtesy; the digest decides
        pass
    return summary


def tool_sighting(tool: str, args: dict[str, Any], result: Any, summary: Any = None) -> Sighting:
    """A read-only notebook tool call (short name) and what it returned."""
    sighting: Sighting = {"kind": "tool", "tool": tool, "args": dict(args),
                          "digest": digest(result_text(result))}  # fmt: skip
    if summary is not None:
        sighting["summary"] = summary
    return sighting


def attachment_sighting(name: str, description: str, summary: Any = None) -> Sighting:
    """A ``--with`` attachment: the description sent with the prompt."""
    sighting: Sighting = {"kind": "with", "name": name, "digest": digest(description)}
    if summary is not None:
        sighting["summary"] = summary
    return sighting


def file_sighting(path: str | Path, root: Path) -> Sighting:
    """A file Claude read: inside ``root`` its path (relative), size, mtime and a digest of
    its bytes (or that it was missing); outside, only that it was (not checked)."""
    target = Path(os.path.abspath(root / Path(path).expanduser()))
    try:
        relative = target.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return {"kind": "file", "outside": True}
    try:
        stat = target.stat()
        return {"kind": "file", "path": relative, "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns, "digest": file_digest(target)}  # fmt: skip
    except OSError:
        return {"kind": "file", "path": relative, "missing": True}


def file_digest(path: Path) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def file_change(sighting: Sighting, root: Path) -> str | None:
    """How the file of ``sighting`` differs now (``None``: it does not). A file of the same
    size and mtime is taken as unchanged without reading it; otherwise its bytes decide."""
    path = sighting.get("path")
    if not path:
        return None
    target = root / path
    try:
        stat = target.stat()
    except OSError:
        return None if sighting.get("missing") else f"{path} is gone since this was asked"
    if sighting.get("missing"):
        return f"{path} exists now; it did not when this was asked"
    if stat.st_size == sighting.get("size") and stat.st_mtime_ns == sighting.get("mtime_ns"):
        return None
    try:
        if file_digest(target) == sighting.get("digest"):
            return None
    except OSError:
        return f"{path} cannot be read any more"
    old = sighting.get("size")
    how = "same size, other content" if old == stat.st_size else f"{old:,} → {stat.st_size:,} bytes"
    return f"{path} changed since this was asked ({how})"


def label(sighting: Sighting) -> str:
    """What a sighting is of, as a change message names it."""
    if sighting.get("kind") == "with":
        return str(sighting.get("name"))
    tool = sighting.get("tool")
    if tool == "inspect":
        return str((sighting.get("args") or {}).get("name"))
    if tool == "variables":
        return "the kernel's variables"
    if tool == "cells":
        return "the recent cells"
    return str(sighting.get("path") or tool)


def change(sighting: Sighting, new_digest: str, new_summary: Any) -> str | None:
    """``None`` when what Claude saw is unchanged, else one phrase saying how it changed."""
    if new_digest == sighting.get("digest"):
        return None
    details = summary_change(sighting.get("summary"), new_summary)
    return f"{label(sighting)} changed since this was asked" + (f" ({details})" if details else "")


def summary_change(old: Any, new: Any) -> str:
    """``3 → 4 rows, new column b``: the structural part of a change, if any."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    if new.get("missing"):
        return "it no longer exists"
    if old.get("missing"):
        return "it did not exist then"
    if old.get("type") != new.get("type"):
        return f"{old.get('type')} → {new.get('type')}"
    parts = _shape_change(old.get("shape"), new.get("shape"))
    if old.get("length") != new.get("length"):
        parts.append(f"length {old.get('length'):,} → {new.get('length'):,}")
    parts += _names_change(old.get("columns"), new.get("columns"), "column")
    parts += _names_change(old.get("names"), new.get("names"), "variable")
    if parts:
        return ", ".join(parts)
    if "names" in old:
        return "the same names, other values"
    return "same shape, other values" if "shape" in old or "length" in old else ""


def _shape_change(old: Any, new: Any) -> list[str]:
    if not old or not new or old == new:
        return []
    if len(old) == len(new) == 2:
        (r0, c0), (r1, c1) = old, new
        rows = [f"{r0:,} → {r1:,} rows"] if r0 != r1 else []
        columns = [f"{c0:,} → {c1:,} columns"] if c0 != c1 else []
        return rows + columns
    return [f"shape {' × '.join(map(str, old))} → {' × '.join(map(str, new))}"]  # noqa: RUF001


def _names_change(old: Any, new: Any, noun: str) -> list[str]:
    if not isinstance(old, list) or not isinstance(new, list):
        return []
    added = [n for n in new if n not in old]
    gone = [n for n in old if n not in new]
    parts = []
    if added:
        parts.append(f"new {noun}{'s' if len(added) > 1 else ''} {', '.join(added[:5])}")
    if gone:
        parts.append(f"{noun}{'s' if len(gone) > 1 else ''} {', '.join(gone[:5])} gone")
    return parts


def unchecked(
    tool_names: Iterable[str], saw: list[Sighting], attached: Iterable[str] = ()
) -> list[str]:
    """What a replay of a turn cannot check: tools with side effects or outputs that are not
    re-run (Bash, run, web tools...), files read outside the working folder, and, for a turn
    recorded before fingerprints were kept, everything it looked at."""
    names = list(tool_names)
    left = sorted({short_tool_name(n) for n in names if n not in CHECKED_TOOLS})
    if any(s.get("outside") for s in saw):
        left.append("files outside the working folder")
    looked = [n for n in names if n in CHECKED_TOOLS and short_tool_name(n) in
              (*DATA_TOOLS, *FILE_READERS)]  # fmt: skip
    if (looked or list(attached)) and not saw:
        left.append("what it looked at (recorded before data checks)")
    return left
