"""``schema=``: the fields every answer must fill, as typed columns of the result.

A JSON-schema dict, a pydantic model, a dataclass or a TypedDict becomes the SDK's structured
output (Claude Code offers the model a ``StructuredOutput`` tool taking exactly those fields),
and each answer is checked against it here, by jsonschema or pydantic: an answer that does not
fit is the item's error, with the reason.
"""

from __future__ import annotations

import json
import sys
import typing
from typing import Any

_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string"}


class OutputSchema:
    """What ``schema=`` was given, as a JSON schema for Claude Code and a check for answers."""

    def __init__(self, given: Any) -> None:
        self.given = given
        if isinstance(given, dict):
            import jsonschema

            jsonschema.validators.validator_for(given).check_schema(given)
            self.json_schema = given
            self._adapter: Any = None
        else:
            from pydantic import TypeAdapter

            try:
                self._adapter = TypeAdapter(_for_pydantic(given))
                self.json_schema = self._adapter.json_schema()
            except Exception as exc:
                raise TypeError(
                    f"schema must be a JSON-schema dict, a pydantic model, a dataclass or a "
                    f"TypedDict; {given!r} is none of these ({exc})"
                ) from exc
        if self.json_schema.get("type") != "object" or "properties" not in self.json_schema:
            raise TypeError(
                "schema must describe an object with properties (each becomes a column); "
                f"{given!r} describes {self.json_schema}"
            )

    def dtypes(self) -> dict[str, str]:
        """Column -> pandas dtype, from each property's JSON type (object when mixed)."""
        out = {}
        for name, spec in self.json_schema["properties"].items():
            kind = spec.get("type") if isinstance(spec, dict) else None
            out[name] = _DTYPES.get(kind, "object") if isinstance(kind, str) else "object"
        return out

    def check(self, answer: Any) -> tuple[dict[str, Any], str | None]:
        """(the fields, ``None``) when ``answer`` fits; ({}, why not) otherwise."""
        if answer is None:
            return {}, "the answer has no structured output (Claude did not fill the schema)"
        if self._adapter is None:
            import jsonschema

            problem = jsonschema.exceptions.best_match(
                jsonschema.validators.validator_for(self.json_schema)(self.json_schema)
                .iter_errors(answer)
            )  # fmt: skip
            if problem is not None:
                where = "/".join(str(p) for p in problem.absolute_path) or "answer"
                return {}, f"the answer does not fit the schema: {where}: {problem.message}"
            return dict(answer), None
        from pydantic import ValidationError

        try:
            value = self._adapter.validate_python(answer)
        except ValidationError as exc:
            return {}, f"the answer does not fit the schema: {_pydantic_reason(exc)}"
        return dict(self._adapter.dump_python(value)), None

    @staticmethod
    def from_text(text: str) -> Any:
        """The structured output a recorded answer kept as its text (JSON), if any."""
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            return None


def _for_pydantic(given: Any) -> Any:
    """pydantic reads ``typing.TypedDict`` only from Python 3.12: before, the same fields as a
    ``typing_extensions.TypedDict``."""
    if sys.version_info >= (3, 12) or not typing.is_typeddict(given):
        return given
    import typing_extensions

    fields = typing.get_type_hints(given)
    maker: Any = typing_extensions.TypedDict
    return maker(given.__name__, fields, total=given.__total__)


def _pydantic_reason(exc: Any) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "answer"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first.get('msg')}{more}"
