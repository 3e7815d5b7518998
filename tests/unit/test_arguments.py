"""A mistyped option is said as it was written, with the line it was probably meant to be."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from ccmagic.ipython.arguments import CommandParser, arg

PARSER = CommandParser("%%claude", "ask", [arg("--session", "-s"), arg("--model", "-m")])


@pytest.mark.parametrize(
    "line, said",
    [
        ("--sesion analysis", "take --sesion analysis: did you mean --session analysis? ("),
        ("--sesion=analysis", "take --sesion=analysis: did you mean --session=analysis? ("),
        ("--frobnicate hi", "take --frobnicate hi ("),
        ("--sesion a --mdoel opus",
         "--sesion a: did you mean --session a?; --mdoel opus: did you mean --model opus? ("),
    ],
)  # fmt: skip
def test_a_typo_keeps_its_value_beside_it(line: str, said: str) -> None:
    with pytest.raises(UsageError) as raised:
        PARSER.parse(line)
    assert said in str(raised.value)
    assert "; analysis" not in str(raised.value)
