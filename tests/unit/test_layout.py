"""The layout keeps its promises: no file over 400 lines, class over 250, function over 60
(the scripted fake Messages API may stay one file), and every module imports."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import ccmagic

PACKAGE = Path(ccmagic.__file__).parent
LIMITS = {"file": 400, "class": 250, "function": 60}
ONE_FILE = {"fake_api.py"}  # the fake API: one file on purpose (tests import its pieces)


def oversized() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE.parent)
        lines = len(text.splitlines())
        if lines > LIMITS["file"] and path.name not in ONE_FILE:
            found.append(f"{where}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > LIMITS[kind]:
                    found.append(f"{where}:{node.lineno} {kind} {node.name}: {size} lines")
    return found


def test_no_file_class_or_function_outgrows_its_limit() -> None:
    assert oversized() == []


def test_every_module_imports() -> None:
    names = [m.name for m in pkgutil.walk_packages([str(PACKAGE)], "ccmagic.")]
    for name in names:
        if not name.endswith("__main__"):
            importlib.import_module(name)
    assert "ccmagic.sidecar.fold" in names and len(names) > 80
