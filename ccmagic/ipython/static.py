"""Reading an object's attributes without running its code.

``getattr(obj, "prop")`` runs a property's getter, and on an object with ``__getattr__`` it
runs that for any name it lacks (``shape``, ``nbytes``): code of the user's, which may write
files or take minutes. The notebook tools look attributes up with
:func:`inspect.getattr_static` instead, and describe a property or other computed attribute
rather than call it. Objects of libraries known to compute nothing harmful (pandas and numpy
objects, built-in types, modules) read their own attributes, since ``df.price`` is how a
pandas column is named.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

SAFE_LIBRARIES = {"builtins", "pandas", "numpy"}
# slots and C-level getters: filled by the interpreter or an extension, not by user code
PLAIN_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
ABSENT = object()


class ComputedAttribute:
    """An attribute whose value only code would give (a property, a custom descriptor):
    described, never called."""

    def __init__(self, owner: Any, name: str, descriptor: Any) -> None:
        self.owner_type = type(owner) if not isinstance(owner, type) else owner
        self.name = name
        self.descriptor = descriptor

    def describe(self, path: str) -> str:
        kind = type(self.descriptor).__name__
        where = self.owner_type.__qualname__
        lines = [
            f"{path}: a {kind} of class {where}. Its value is computed by code when read, "
            "and inspect does not run the user's code to read it (it may have effects). "
            "Use the run tool to evaluate it if that is wanted."
        ]
        getter = getattr(self.descriptor, "fget", None) or self.descriptor
        doc = inspect.getdoc(getter) if callable(getter) else None
        if doc:
            lines.append("docstring: " + " ".join(doc.split())[:400])
        try:
            source = inspect.getsourcefile(getter)
            line = inspect.getsourcelines(getter)[1]
            lines.append(f"defined in {source}:{line}")
        except (TypeError, OSError):
            pass
        return "\n".join(lines)


def reads_own_attributes(value: Any) -> bool:
    """Whether ``value``'s own attribute lookup is known to run no user code."""
    if isinstance(value, types.ModuleType):
        return True
    kind = type(value)
    return kind.__module__.partition(".")[0] in SAFE_LIBRARIES


def static_attribute(owner: Any, name: str) -> Any:
    """``owner.name`` as stored, without running user code: a plain value, a method's function,
    or a :class:`ComputedAttribute` for what only code would compute. Raises
    ``AttributeError`` when it has none that can be read this way."""
    if reads_own_attributes(owner):
        return getattr(owner, name)
    found = inspect.getattr_static(owner, name)
    if isinstance(found, staticmethod | classmethod):
        return found.__func__
    if isinstance(found, PLAIN_DESCRIPTORS):  # read by the descriptor, past __getattribute__
        return getattr(owner, name) if isinstance(owner, type) else found.__get__(owner)
    if isinstance(found, types.FunctionType) or not hasattr(type(found), "__get__"):
        return found
    return ComputedAttribute(owner, name, found)


def plain_attribute(value: Any, name: str) -> Any:
    """``value.name`` when it is stored as data (never a property, never ``__getattr__``), else
    :data:`ABSENT`: what ``variables`` reads ``shape`` and ``nbytes`` with."""
    if reads_own_attributes(value):
        try:
            return getattr(value, name)
        except Exception:  # a library's own getter may raise (an empty array's nbytes...)
            return ABSENT
    try:
        found = static_attribute(value, name)
    except AttributeError:
        return ABSENT
    return ABSENT if isinstance(found, ComputedAttribute) else found


def public_names(value: Any) -> list[str]:
    """The public attribute names of ``value`` and its classes, without calling ``__dir__``."""
    names: set[str] = set()
    try:
        own = static_attribute(value, "__dict__")
    except AttributeError:  # an object with __slots__ only
        own = {}
    if isinstance(own, dict):
        names.update(own)
    for cls in inspect.getmro(type(value)):
        if cls is not object:
            names.update(vars(cls))
    return sorted(n for n in names if isinstance(n, str) and not n.startswith("_"))
