"""The demo model reads a question as a person writes it (no CLI: requests built here)."""

from __future__ import annotations

import pytest

from ccmagic.demo.fake_api import RecordedRequest
from ccmagic.demo.model import BASH, INSPECT, READ, RUN, VARIABLES, demo_reply, named_variables

TOOLS = [{"name": n} for n in (VARIABLES, INSPECT, RUN, "mcp__notebook__new_cell", READ, BASH)]
SYSTEM = [{"type": "text", "text": "<env>\nWorking directory: /home/ana/sales\n</env>"}]


def asked(question: str) -> tuple[str, dict[str, str]] | None:
    message = {"role": "user", "content": [{"type": "text", "text": question}]}
    body = {"system": SYSTEM, "tools": TOOLS, "messages": [message]}
    reply = demo_reply(RecordedRequest("/v1/messages", body))
    return reply.tool_uses[0] if reply.tool_uses else None


@pytest.mark.parametrize(
    "question, tool",
    [
        ("Which columns of sales look unreliable?", (VARIABLES, {})),
        ("What is in data/sales.csv?", (READ, {"file_path": "/home/ana/sales/data/sales.csv"})),
        ("Run `ls -la` in the shell.",
         (BASH, {"command": "ls -la", "description": "the command the question asks for"})),
        ("Run `sales.describe()` in Python.", (RUN, {"code": "sales.describe()"})),
        ("What is a good name for a cat?", None),
    ],
)  # fmt: skip
def test_what_the_question_asks_for(question: str, tool: object) -> None:
    assert asked(question) == tool


def test_variables_are_found_as_written_in_question_order() -> None:
    listed = ["df", "prices", "sales", "s"]
    assert named_variables("Compare sales with `prices`, not sales_2025.", listed) == [
        "sales", "prices"]  # fmt: skip
    assert named_variables("Look at df.price", listed) == ["df"]
    assert named_variables("Nothing here.", listed) == []
