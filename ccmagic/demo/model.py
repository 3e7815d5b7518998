"""The offline demo model: a scripted stand-in for Claude that shows what ccmagic does.

It says what it is, echoes the question, remembers how many questions the conversation has
had, and uses the tools as Claude would, understanding questions as a person writes them:

* about the kernel's data (it mentions data, columns, variables, a `name` in backticks or
  ``df``): it lists the variables and inspects the first one the question names, written
  plainly ("which columns of sales ...") or in backticks;
* naming a file (``sales.csv``): it reads it with Claude Code's ``Read``;
* asking to run a shell command (``run `ls -la` in the shell``): it calls ``Bash``, which
  asks for approval in a live notebook and is denied headless;
* asking to run Python (``run `sales.describe()` in python``): it calls the notebook's ``run``
  tool (asked in a live notebook, denied headless unless ``--allow run``);
* asking for code: it puts the code in a new cell below.
* given an image: it cannot see it, but it says what it received (each image's size,
  and what the tool that gave it said about it).
"""

from __future__ import annotations

import json
import re

from ccmagic.demo.fake_api import ImageSeen, RecordedRequest, Reply

NOTICE = "*(offline demo model: this answer is scripted, not written by Claude)*"
VARIABLES = "mcp__notebook__variables"
INSPECT = "mcp__notebook__inspect"
NEW_CELL = "mcp__notebook__new_cell"
RUN = "mcp__notebook__run"
READ, BASH = "Read", "Bash"
ASKS_FOR_CODE = re.compile(r"\b(code|python|function|plot|script)\b", re.IGNORECASE)
ASKS_ABOUT_DATA = re.compile(
    r"`[A-Za-z_]\w*`|\b(df|dataframe|data|dataset|columns?|rows|variables?|values|missing|"
    r"nulls?|kernel)\b",
    re.IGNORECASE,
)
ASKS_FOR_SHELL = re.compile(r"\b(shell|bash|terminal|command)\b", re.IGNORECASE)
ASKS_TO_RUN_PYTHON = re.compile(
    r"\b(run|execute|evaluate)\b.*\b(python|code|kernel)\b", re.IGNORECASE | re.DOTALL
)
NAMES_A_FILE = re.compile(
    r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:csv|tsv|txt|json|md|py|yaml|yml|toml|cfg|ini|log|sql))"
    r"(?![\w/])",
    re.IGNORECASE,
)
QUOTED = re.compile(r"```(?:\w+)?\n(.*?)```|`([^`\n]+)`", re.DOTALL)
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
            named = named_variables(question, _variable_names(text))
            if named and INSPECT in request.tool_names:
                return _tool(f"Let me look at `{named[0]}`.", INSPECT, {"name": named[0]})
            return _answer(request, question, f"The kernel's variables: {_first_line(text)}")
        if tool == INSPECT and request.images:
            return _answer(request, question, _what_the_images_are(request.images, text))
        if tool == INSPECT:
            return _answer(request, question, _what_inspect_showed(text))
        if tool == NEW_CELL:
            return _answer(request, question, "The code is in a new cell below, ready to run.")
        if tool in AFTER:
            return _answer(request, question, AFTER[tool].format(_first_line(text)))
        return _answer(request, question, "(tool result received)")
    offered = request.tool_names
    if request.images:  # attached to the prompt (--with fig): nothing to look up
        return _answer(request, question, _what_the_images_are(request.images, ""))
    if ASKS_FOR_SHELL.search(question) and BASH in offered:
        command = _quoted(question) or "ls"
        return _tool(f"Let me run `{command}`.", BASH, {"command": command,
                     "description": "the command the question asks for"})  # fmt: skip
    if ASKS_TO_RUN_PYTHON.search(question) and RUN in offered:
        return _tool("Let me run that in the kernel.", RUN, {"code": _quoted(question) or CODE})
    named_file = NAMES_A_FILE.search(question)
    if named_file and READ in offered:
        path = _in_working_directory(request, named_file.group(1))
        return _tool(f"Let me read {named_file.group(1)}.", READ, {"file_path": path})
    if ASKS_ABOUT_DATA.search(question) and VARIABLES in offered:
        return _tool("Let me see what the kernel holds.", VARIABLES, {})
    if ASKS_FOR_CODE.search(question) and NEW_CELL in offered:
        return _tool("Here is code to start from.", NEW_CELL, {"code": CODE})
    return _answer(request, question, code=bool(ASKS_FOR_CODE.search(question)))


AFTER = {  # what the demo says of a tool's result (its first line)
    READ: "I read the file. It begins: {}",
    BASH: "The shell said: {}",
    RUN: "Running it in the kernel gave: {}",
}


def named_variables(question: str, variables: list[str]) -> list[str]:
    """The kernel's variables the question names, as words (``sales``) or in backticks, in
    the order the question names them."""
    found = []
    for name in variables:
        mention = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", question)
        if mention:
            found.append((mention.start(), name))
    return [name for _, name in sorted(found)]


def _quoted(question: str) -> str:
    """The first code the question quotes (a fenced block or `backticks`), if any."""
    found = QUOTED.search(question)
    return (found.group(1) or found.group(2)).strip() if found else ""


def _in_working_directory(request: RecordedRequest, path: str) -> str:
    """``path`` made absolute in the working directory Claude Code's system prompt names
    (its Read takes absolute paths)."""
    if path.startswith("/"):
        return path
    system = request.body.get("system")
    text = system if isinstance(system, str) else json.dumps(system)
    folder = re.search(r"Working directory: ([^\s\\]+)", text)
    return f"{folder.group(1).rstrip('/')}/{path}" if folder else path


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
