"""The offline demo model: a scripted stand-in for Claude that shows what ccmagic does.

It says what it is, echoes the question, remembers how many questions the conversation has
had, and uses the notebook tools as Claude would: a question about the kernel's data (a
`name` in backticks, ``df``) makes it list the variables and inspect the ones the question
names; a request for code puts the code in a new cell below. It cannot see an image, but it
says what it received: each image's size, and what the tool that gave it said about it.
"""

from __future__ import annotations

import re

from ccmagic.demo.fake_api import ImageSeen, RecordedRequest, Reply

NOTICE = "*(offline demo model: this answer is scripted, not written by Claude)*"
VARIABLES = "mcp__notebook__variables"
INSPECT = "mcp__notebook__inspect"
NEW_CELL = "mcp__notebook__new_cell"
ASKS_FOR_CODE = re.compile(r"\b(code|python|function|plot|script)\b", re.IGNORECASE)
ASKS_ABOUT_DATA = re.compile(r"`[A-Za-z_]\w*`|\b(df|dataframe)\b", re.IGNORECASE)
CODE = (
    "# offline demo model: a real model would write code for your data here\n"
    "import pandas as pd\n"
    "pd.DataFrame({'price': [9.5, None, 12.0]}).dropna()"
)


def demo_reply(request: RecordedRequest) -> Reply:
    question = request.last_user_text.strip()
    results = request.tool_results()
    if results:
        tool, text = results[-1]
        if tool == VARIABLES:
            named = [
                n for n in _variable_names(text) if re.search(rf"\b{re.escape(n)}\b", question)
            ]
            if named and INSPECT in request.tool_names:
                return _tool(f"Let me look at `{named[0]}`.", INSPECT, {"name": named[0]})
            return _answer(request, question, f"The kernel's variables: {_first_line(text)}")
        if tool == INSPECT and request.images:
            return _answer(request, question, _what_the_images_are(request.images, text))
        if tool == INSPECT:
            return _answer(request, question, _what_inspect_showed(text))
        if tool == NEW_CELL:
            return _answer(request, question, "The code is in a new cell below, ready to run.")
        return _answer(request, question, "(tool result received)")
    if request.images:  # attached to the prompt (--with fig): nothing to look up
        return _answer(request, question, _what_the_images_are(request.images, ""))
    if ASKS_ABOUT_DATA.search(question) and VARIABLES in request.tool_names:
        return _tool("Let me see what the kernel holds.", VARIABLES, {})
    if ASKS_FOR_CODE.search(question) and NEW_CELL in request.tool_names:
        return _tool("Here is code to start from.", NEW_CELL, {"code": CODE})
    return _answer(request, question, code=bool(ASKS_FOR_CODE.search(question)))


def _tool(text: str, name: str, tool_input: dict[str, str]) -> Reply:
    return Reply(text=text, tool_uses=[(name, tool_input)], input_tokens=500, output_tokens=30)


def _answer(request: RecordedRequest, question: str, seen: str = "", code: bool = False) -> Reply:
    turn = request.questions
    excerpt = question if len(question) <= 200 else question[:197] + "..."
    lines = [
        NOTICE,
        "",
        f"You asked (message {turn} of this conversation):",
        "",
        "> " + excerpt.replace("\n", "\n> "),
        "",
    ]
    if seen:
        lines += [seen, ""]
    lines.append(
        "A real model would answer here. This scripted one shows how answers stream, "
        "how the conversation is remembered and how each turn's cost is recorded."
    )
    if code:
        lines += ["", "```python", CODE, "```"]
    text = "\n".join(lines)
    words = len(question.split()) + 40 * turn
    return Reply(text=text, input_tokens=400 + 4 * words, output_tokens=len(text) // 4)


def _what_inspect_showed(text: str) -> str:
    """What a person would take from ``inspect``: the shape, and the columns with gaps."""
    said = f"I looked at it in the kernel: {_first_line(text)}."
    total = re.search(r"nulls of ([\d,]+)\)", text)
    gaps = re.findall(r"^  (\S+): \S+ · ([\d,]+)$", text, flags=re.MULTILINE)
    missing = [(name, count) for name, count in gaps if count != "0"]
    if total and missing:
        listed = ", ".join(
            f"{name} ({count} of {total.group(1)} missing)" for name, count in missing
        )
        said += f" Columns with missing values: {listed}."
    elif total:
        said += " No column has missing values."
    return said


def _what_the_images_are(images: list[ImageSeen], said: str) -> str:
    """The images received, by size, and the description the tool gave with them."""
    sizes = [
        f"{image.width} × {image.height} px {image.media_type} ({image.size / 1024:,.0f} KB)"  # noqa: RUF001
        if image.width
        else f"{image.media_type} ({image.size / 1024:,.0f} KB)"
        for image in images
    ]
    where = "the tool's result" if said else "your prompt"
    seen = f"I received {len(images)} image{'s' if len(images) != 1 else ''} in {where}: "
    seen += "; ".join(sizes) + "."
    if said:
        seen += f" The tool described it as: {_first_line(said)}."
        axes = [line.strip() for line in said.splitlines() if line.strip().startswith("axes ")]
        if axes:
            seen += f" ({axes[0]})"
    return seen


def _variable_names(table: str) -> list[str]:
    """Names from the ``variables`` tool's lines (``name · type · ...``)."""
    return [line.split(" · ", 1)[0] for line in table.splitlines()[1:] if " · " in line]


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "(nothing)"
    return line if len(line) <= 200 else line[:197] + "..."
