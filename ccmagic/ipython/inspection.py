"""Bounded descriptions of live Python objects, for Claude to read.

Whatever the object (a DataFrame of millions of rows, an array, a dict, an object whose
``repr`` raises or runs for pages), a description is at most :data:`LIMIT` characters and is
computed on a bounded sample, so it costs milliseconds. Names are resolved without evaluating
code: only a variable, attributes and ``[key]`` lookups (``df.price``, ``results["fit"]``).
Attributes are read as stored, never computed (:mod:`ccmagic.ipython.static`): a property is
described, not run. The user code a description still runs (an object's ``__repr__``,
``__len__``) is stopped after :data:`SECONDS_PER_OBJECT` (:mod:`ccmagic.ipython.timebox`).
pandas and numpy are used only when the object is one of theirs (and so already imported).
"""

from __future__ import annotations

import ast
import reprlib
import sys
from collections.abc import Mapping
from functools import partial
from typing import Any

from ccmagic.ipython.static import (
    ComputedAttribute,
    plain_attribute,
    public_names,
    static_attribute,
)
from ccmagic.ipython.timebox import Budget, TookTooLong, bounded

LIMIT = 4_000  # characters of a description
SAMPLE = 100_000  # rows over which summaries are computed
ROW_CHARS = 160  # a sample row, as text, at most
HIDDEN = {"In", "Out", "exit", "quit", "get_ipython", "open"}  # IPython's own names
MAX_VARIABLES = 200
SECONDS_PER_OBJECT = 2.0  # one object's description (its repr, its len) at most
SECONDS_PER_LISTING = 6.0  # all of ``variables``: later rows are listed without a description


class InspectionError(Exception):
    """What Claude asked for cannot be described; the message says what exists instead."""


def clip(text: str, limit: int = LIMIT) -> str:
    """``text`` within ``limit`` characters, keeping its start and its end."""
    if len(text) <= limit:
        return text
    marker = f"\n… ({len(text) - limit + 60:,} characters left out) …\n"
    keep = limit - len(marker)
    return text[: keep * 2 // 3] + marker + text[-(keep - keep * 2 // 3) :]


def short_repr(value: Any, limit: int = 120) -> str:
    """One line of ``repr``, bounded; a repr that raises is named, never raised."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = limit
    shortener.maxlist = shortener.maxtuple = shortener.maxdict = shortener.maxset = 8
    try:
        text = shortener.repr(value)
    except Exception as exc:  # an object's own __repr__ may do anything
        return f"<{type(value).__name__}: repr failed with {type(exc).__name__}>"
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- which variables ------------------------------------------------------------------------


def user_variables(namespace: Mapping[str, Any], hidden: set[str]) -> dict[str, Any]:
    """The user's own variables: no modules, functions, classes, IPython's names or ``_x``."""
    import types

    skip = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or name in HIDDEN or name in hidden:
            continue
        if isinstance(value, skip):
            continue
        found[name] = value
    return found


def variables_table(namespace: Mapping[str, Any], hidden: set[str]) -> str:
    """One line per user variable: name, type, shape or length, memory, a preview."""
    found = user_variables(namespace, hidden)
    if not found:
        return "No user variables yet (modules, functions and classes are not listed)."
    names = sorted(found)
    listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    lines = [f"{len(names)} variable{'s' if len(names) != 1 else ''}: {listed}"]
    budget = Budget(SECONDS_PER_LISTING)
    for name in names[:MAX_VARIABLES]:
        value = found[name]
        seconds = min(SECONDS_PER_OBJECT, budget.left)
        try:
            lines.append(bounded(partial(_variable_line, name, value), seconds))
        except TookTooLong:
            why = (
                f"repr took too long (stopped after {SECONDS_PER_OBJECT:g} s)"
                if seconds == SECONDS_PER_OBJECT
                else "not described: the time for this listing ran out"
            )
            lines.append(f"{name} · {type(value).__name__} · {why}")
    if len(names) > MAX_VARIABLES:
        lines.append(f"… and {len(names) - MAX_VARIABLES} more: {', '.join(names[200:230])}")
    return clip("\n".join(lines))


def _variable_line(name: str, value: Any) -> str:
    size = _size(value)
    memory = _memory(value)
    parts = [name, type(value).__name__]
    if size:
        parts.append(size)
    if memory:
        parts.append(memory)
    return " · ".join(parts) + " · " + _preview(value)


def _size(value: Any) -> str:
    shape = plain_attribute(value, "shape")
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return " × ".join(f"{n:,}" for n in shape) if shape else "scalar"
    if isinstance(value, str | bytes):
        return f"{len(value):,} chars" if isinstance(value, str) else f"{len(value):,} bytes"
    try:
        return f"len {len(value):,}"
    except Exception:  # no len(), or one that raises
        return ""


def _memory(value: Any) -> str:
    """Memory without deep scans (a deep one of a large DataFrame takes seconds)."""
    try:
        if _is_pandas(value, "DataFrame") or _is_pandas(value, "Series"):
            counted = value.memory_usage(index=True, deep=False)
            used = int(counted.sum()) if hasattr(counted, "sum") else int(counted)
        elif isinstance(nbytes := plain_attribute(value, "nbytes"), int):
            used = nbytes
        else:
            used = sys.getsizeof(value)
    except Exception:
        return ""
    amount = float(used)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:,.0f} {unit}" if unit == "B" else f"{amount:,.1f} {unit}"
        amount /= 1024
    return ""


def _preview(value: Any) -> str:
    if _is_pandas(value, "DataFrame"):
        columns = [str(c) for c in value.columns[:12]]
        more = f", … {len(value.columns) - 12} more" if len(value.columns) > 12 else ""
        return f"columns: {', '.join(columns)}{more}"
    return short_repr(value, 80)


def _is_pandas(value: Any, kind: str) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, getattr(pandas, kind))


def _is_array(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.ndarray)


# -- resolving a name -------------------------------------------------------------------------


def resolve(path: str, namespace: Mapping[str, Any], hidden: set[str]) -> Any:
    """The object ``path`` names: a variable, then ``.attribute`` and ``[key]`` steps with
    literal keys. Nothing is evaluated; an unknown name lists the variables that exist."""
    try:
        tree = ast.parse(path.strip(), mode="eval").body
    except SyntaxError:
        raise InspectionError(
            f"{path!r} is not a name: give a variable, optionally with .attribute or "
            '["key"] steps, e.g. df.price or results["fit"].'
        ) from None
    return _walk(tree, path, namespace, hidden)


def _walk(node: ast.AST, path: str, namespace: Mapping[str, Any], hidden: set[str]) -> Any:
    if isinstance(node, ast.Name):
        if node.id not in namespace:
            names = sorted(user_variables(namespace, hidden))
            listed = ", ".join(names[:60]) + (" …" if len(names) > 60 else "")
            raise InspectionError(
                f"There is no variable {node.id!r} in the kernel. "
                + (f"Variables: {listed}." if names else "It has no user variables yet.")
            )
        return namespace[node.id]
    if isinstance(node, ast.Attribute):
        owner = _walk(node.value, path, namespace, hidden)
        if isinstance(owner, ComputedAttribute):
            raise InspectionError(owner.describe(ast.unparse(node.value)))
        try:
            return static_attribute(owner, node.attr)
        except Exception as exc:
            computes = "" if isinstance(exc, AttributeError) else f" ({type(exc).__name__})"
            if isinstance(exc, AttributeError) and hasattr(type(owner), "__getattr__"):
                computes = " that can be read without running its code (its class computes "
                computes += "attributes with __getattr__, which inspect does not run)"
            raise InspectionError(
                f"{ast.unparse(node.value)} ({type(owner).__name__}) has no attribute "
                f"{node.attr!r}{computes}."
            ) from None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        owner = _walk(node.value, path, namespace, hidden)
        key = node.slice.value
        try:
            return owner[key]
        except Exception as exc:
            keys = ""
            if isinstance(owner, Mapping) or _is_pandas(owner, "DataFrame"):
                keys = " Keys: " + short_repr(list(owner.keys())[:30], 300)
            raise InspectionError(
                f"{ast.unparse(node.value)}[{key!r}] failed ({type(exc).__name__}).{keys}"
            ) from None
    raise InspectionError(
        f'{path!r} asks for more than a name: only a variable, .attribute and ["key"] or '
        "[number] steps are looked up (nothing is evaluated)."
    )


# -- describing an object ---------------------------------------------------------------------


def describe(path: str, value: Any, sample_rows: int = 5) -> str:
    """What ``value`` is, within :data:`LIMIT` characters; the first line says it in brief."""
    try:
        if isinstance(value, ComputedAttribute):
            text = value.describe(path)
        elif _is_pandas(value, "DataFrame"):
            text = _describe_frame(path, value, sample_rows)
        elif _is_pandas(value, "Series"):
            text = _describe_series(path, value, sample_rows)
        elif _is_array(value):
            text = _describe_array(path, value, sample_rows)
        elif isinstance(value, Mapping | list | tuple | set | frozenset):
            text = _describe_container(path, value)
        else:
            text = _describe_other(path, value)
    except Exception as exc:  # a broken object must not break the turn
        text = (
            f"{path}: {type(value).__name__} (it could not be described: "
            f"{type(exc).__name__}: {short_repr(str(exc), 200)})"
        )
    return clip(text)


def _stride_sample(frame: Any) -> tuple[Any, str]:
    """At most :data:`SAMPLE` rows, evenly spread, and a note when it is a sample."""
    rows = len(frame)
    if rows <= SAMPLE:
        return frame, ""
    step = -(-rows // SAMPLE)
    return frame.iloc[::step], f" (over a sample of every {step:,}th row: {rows // step:,})"


def _describe_frame(path: str, frame: Any, sample_rows: int) -> str:
    rows, columns = frame.shape
    lines = [f"DataFrame {rows:,} × {columns:,}", f"memory: {_memory(frame)} (shallow)"]
    shown = frame.iloc[:, :40]  # by position: column names may repeat
    sample, note = _stride_sample(shown)
    nulls = shown.isna().sum().to_numpy()
    lines.append(f"columns (dtype · nulls of {rows:,}):")
    for position, column in enumerate(shown.columns):
        dtype = shown.dtypes.iloc[position]
        lines.append(f"  {column}: {dtype} · {int(nulls[position]):,}")
    if columns > shown.shape[1]:
        rest = short_repr([str(c) for c in frame.columns[40:]], 300)
        lines.append(f"  … {columns - shown.shape[1]} more columns: {rest}")
    numeric = sample.select_dtypes("number")
    if numeric.shape[1]:
        stats = numeric.describe().T[["mean", "std", "min", "50%", "max"]]
        lines.append(f"numeric summary{note}:")
        lines.append(stats.to_string(float_format=lambda v: f"{v:.4g}", max_rows=40))
    others = [p for p, dtype in enumerate(sample.dtypes) if not _numeric_dtype(dtype)][:10]
    if others:
        lines.append(f"top values{note}:")
        for position in others:
            column = sample.iloc[:, position]
            try:
                counts = column.value_counts(dropna=True).head(5)
                top = ", ".join(f"{short_repr(k, 30)} ({n:,})" for k, n in counts.items())
            except TypeError:  # unhashable values (lists, dicts)
                top = "(values are not hashable)"
            lines.append(f"  {sample.columns[position]}: {top}")
    if sample_rows > 0 and rows:
        head = shown.iloc[:sample_rows, :12]
        text = head.to_string(max_colwidth=30, line_width=ROW_CHARS)
        lines.append(f"first {len(head)} rows:")
        lines.extend(line[:ROW_CHARS] for line in text.splitlines())
    elif sample_rows == 0:
        lines.append("(no rows shown: sample_rows is 0)")
    return "\n".join(lines)


def _describe_series(path: str, series: Any, sample_rows: int) -> str:
    rows = len(series)
    lines = [
        f"Series {series.name!r} of {rows:,} · dtype {series.dtype}",
        f"nulls: {int(series.isna().sum()):,} · memory: {_memory(series)} (shallow)",
    ]
    sample, note = _stride_sample(series)
    if _numeric_dtype(series.dtype):
        stats = sample.describe()
        lines.append(f"summary{note}: " + ", ".join(
            f"{k} {v:.4g}" for k, v in stats.items() if k in ("mean", "std", "min", "50%", "max")
        ))  # fmt: skip
    else:
        try:
            counts = sample.value_counts(dropna=True).head(8)
            lines.append(f"top values{note}: " + ", ".join(
                f"{short_repr(k, 30)} ({n:,})" for k, n in counts.items()
            ))  # fmt: skip
        except TypeError:
            lines.append("(values are not hashable)")
    if sample_rows > 0:
        lines.append("first values: " + short_repr(series.head(sample_rows).tolist(), 600))
    return "\n".join(lines)


def _numeric_dtype(dtype: Any) -> bool:
    return getattr(dtype, "kind", "") in "iufc" and getattr(dtype, "kind", "") != ""


def _describe_array(path: str, array: Any, sample_rows: int) -> str:
    shape = " × ".join(f"{n:,}" for n in array.shape) or "scalar"
    lines = [f"ndarray {shape} · dtype {array.dtype} · {_memory(array)}"]
    flat = array.reshape(-1)
    step = max(1, -(-flat.size // (SAMPLE * 10)))
    sample = flat[::step]
    if _numeric_dtype(array.dtype) and sample.size:
        note = f" (every {step:,}th value)" if step > 1 else ""
        lines.append(
            f"min {sample.min():.4g} · max {sample.max():.4g} · mean {sample.mean():.4g}{note}"
        )
    if sample_rows > 0:
        lines.append("first values: " + short_repr(flat[: max(sample_rows, 10)].tolist(), 600))
    return "\n".join(lines)


def _describe_container(path: str, value: Any) -> str:
    kind = type(value).__name__
    lines = [f"{kind} of {len(value):,}"]
    if isinstance(value, Mapping):
        for index, (key, item) in enumerate(value.items()):
            if index == 30:
                lines.append(f"… {len(value) - 30:,} more keys")
                break
            kind = type(item).__name__
            lines.append(f"  {short_repr(key, 40)}: {kind} · {short_repr(item, 100)}")
    else:
        for index, item in enumerate(value):
            if index == 20:
                lines.append(f"… {len(value) - 20:,} more items")
                break
            lines.append(f"  [{index}] {type(item).__name__} · {short_repr(item, 100)}")
    return "\n".join(lines)


def _describe_other(path: str, value: Any) -> str:
    kind = type(value)
    where = "" if kind.__module__ == "builtins" else f" (from {kind.__module__})"
    shown = short_repr(value, 600)  # once: a repr may be slow
    brief = shown if len(shown) <= 60 else shown[:59] + "…"
    lines = [f"{kind.__qualname__}{where}: {brief}", "repr: " + shown]
    try:
        public = public_names(value)
    except Exception:
        public = []
    if public:
        lines.append(f"public attributes ({len(public)}): " + ", ".join(public[:60]))
    return "\n".join(lines)
