"""``ccmagic.batch`` over the real SDK and CLI (only the model is faked): independent items at a
flat cost, typed columns from a schema, a chain that is one conversation, an estimate that the
full run reuses, and the same call on a Dask cluster of processes, recorded by the caller."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, field_validator

import ccmagic
from ccmagic.sidecar.file import Sidecar
from ccmagic.testing import FakeAnthropicAPI, RecordedRequest, Reply

INSTRUCTION = "Label each review as positive or negative. " + "Be brief. " * 400  # ~4 KB


def instructed(sidecar: Path, text: str = INSTRUCTION) -> None:
    with ccmagic.BlockingSession(name="labels", sidecar=sidecar) as s:
        s.query(text)


def structured(fields_of: Any) -> Any:
    """A model that fills the schema with ``fields_of(prompt)`` through the StructuredOutput
    tool Claude Code offers, then ends its turn."""

    def model(request: RecordedRequest) -> Reply:
        if request.tool_results() or "StructuredOutput" not in request.tool_names:
            return Reply("done")
        return Reply(tool_uses=[("StructuredOutput", fields_of(request.last_user_text))])

    return model


def test_items_cost_the_same_however_many_came_before(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    fake_api.tokens_by_length = True  # a request's input tokens grow with what it carries
    sidecar = tmp_path / "flat.claude.json"
    instructed(sidecar)
    prompts = {10 * n: f"review {n}: {'great ' * n}" for n in range(1, 13)}
    frame = ccmagic.batch(prompts, session="labels", workers=3, sidecar=sidecar, progress=False)
    assert list(frame.index) == list(prompts) and frame.index.dtype == "int64"
    assert list(frame["prompt"]) == list(prompts.values())
    assert set(frame["status"]) == {"ok"} and frame["session_id"].nunique() == 12
    # each item carries the instruction and itself: tokens differ only by the item's length
    tokens = frame["input_tokens"] - frame["prompt"].str.len() // 4
    assert tokens.max() <= 1.05 * tokens.min()
    assert frame["output_tokens"].gt(0).all() and frame["duration_ms"].gt(0).all()
    history = ccmagic.history(sidecar=sidecar)
    assert set(history["item"].dropna()) == set(prompts)
    assert str(history["item"].dtype) == "Int64"  # keys keep their type (it was a float)


def test_the_sidecar_keeps_the_base_once_and_an_item_resumes_whole(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    sidecar = tmp_path / "bytes.claude.json"
    instructed(sidecar)
    ccmagic.batch([f"item {n}" for n in range(6)], session="labels", workers=3,
                  sidecar=sidecar, progress=False)  # fmt: skip
    stored = list(Sidecar(sidecar).events(("transcript",)))
    copies = sum(json.dumps(e).count("Be brief. Be brief.") > 0 for e in stored)
    assert copies == 1  # the base's transcript, not once per item
    frame = ccmagic.batch([f"item {n}" for n in range(6)], session="labels",
                          sidecar=sidecar, progress=False)  # fmt: skip
    asked = len(fake_api.requests)
    with ccmagic.BlockingSession.resume(frame.loc[4, "session_id"], sidecar=sidecar) as s:
        s.query("and why?")
    [request] = fake_api.requests[asked:]
    assert "Label each review" in request.texts[0] and "item 4" in request.texts
    assert not any(f"item {n}" in request.texts for n in (0, 1, 2, 3, 5))


class Review(BaseModel):
    sentiment: str
    stars: int

    @field_validator("stars")
    @classmethod
    def one_to_five(cls, stars: int) -> int:  # a rule the JSON schema Claude Code sees lacks
        if not 1 <= stars <= 5:
            raise ValueError("stars are 1 to 5")
        return stars


@dataclasses.dataclass
class Topic:
    topic: str
    relevant: bool


def test_a_schema_gives_typed_columns_and_an_answer_that_does_not_fit_is_an_error(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    def fields(prompt: str) -> dict[str, Any]:
        stars = int(prompt.split()[-1])
        return {"sentiment": "positive" if stars > 2 else "negative",
                "stars": stars}  # fmt: skip

    fake_api.responder = structured(fields)
    sidecar = tmp_path / "schema.claude.json"
    prompts = [f"review with stars {n}" for n in (1, 3, 7)]
    frame = ccmagic.batch(prompts, schema=Review, sidecar=sidecar, progress=False)
    assert list(frame["status"]) == ["ok", "ok", "error"]
    assert str(frame["stars"].dtype) == "Int64" and list(frame["stars"][:2]) == [1, 3]
    assert list(frame["sentiment"][:2]) == ["negative", "positive"]
    assert "does not fit the schema: stars: Value error, stars are 1 to 5" in frame.loc[2, "error"]
    asked = len(fake_api.requests)
    again = ccmagic.batch(prompts, schema=Review, sidecar=sidecar, progress=False)
    assert list(again["status"]) == ["ok", "ok", "error"]
    assert {r.last_user_text for r in fake_api.requests[asked:]} == {prompts[2]}  # only it

    fake_api.responder = structured(
        lambda p: {"topic": p.split()[0], "relevant": p.startswith("xylo")}
    )
    typed = ccmagic.batch({"a": "tax rules", "b": "xylophone"}, name="topics", schema=Topic,
                          sidecar=sidecar, progress=False, chain=True)  # fmt: skip
    assert list(typed["relevant"]) == [False, True] and str(typed["relevant"].dtype) == "boolean"
    schema = {"type": "object", "properties": {"n": {"type": "number"}}, "required": ["n"]}
    fake_api.responder = structured(lambda p: {"n": 2.5})
    numbers = ccmagic.batch(["how many?"], name="n", schema=schema, sidecar=sidecar,
                            progress=False)  # fmt: skip
    assert numbers.loc[0, "n"] == 2.5 and str(numbers["n"].dtype) == "Float64"
    with pytest.raises(TypeError, match="schema must describe an object with properties"):
        ccmagic.batch(["x"], schema=int, sidecar=sidecar, progress=False)


def test_a_chain_is_one_conversation_continued_where_it_stopped(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    sidecar = tmp_path / "chain.claude.json"
    instructed(sidecar, "Build on every step before.")
    steps = [f"step {n}" for n in range(3)]
    first = ccmagic.batch(steps, session="labels", chain=True, sidecar=sidecar, progress=False)
    assert first["session_id"].nunique() == 1 and list(first["turn"]) == [2, 3, 4]
    asked = len(fake_api.requests)
    more = ccmagic.batch([*steps, "step 3", "step 4"], session="labels", chain=True,
                         sidecar=sidecar, progress=False)  # fmt: skip
    requests = fake_api.requests[asked:]
    assert [r.last_user_text for r in requests] == ["step 3", "step 4"]
    assert all(t in requests[-1].texts for t in ["Build on every step before.", *steps])
    assert more["session_id"].nunique() == 1 and list(more["turn"]) == [2, 3, 4, 5, 6]


def test_an_estimate_asks_a_sample_the_full_run_reuses(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    fake_api.responder = lambda request: Reply("ok")  # $0.0008 each
    sidecar = tmp_path / "estimate.claude.json"
    prompts = [f"row {n}" for n in range(8)]
    sampled = ccmagic.batch(prompts, estimate=3, sidecar=sidecar, progress=False)
    assert len(fake_api.requests) == 3 and (sampled["status"] == "ok").sum() == 3
    line = capsys.readouterr().out
    assert "estimate from 3 sampled items: the other 5 would cost about $0.004 " in line
    assert sampled.attrs["estimate"].cost == pytest.approx((0.004, 0.004, 0.004))
    full = ccmagic.batch(prompts, sidecar=sidecar, progress=False)
    assert len(fake_api.requests) == 8 and set(full["status"]) == {"ok"}


def test_a_dask_cluster_of_processes_asks_and_the_caller_records(
    claude_env: dict[str, str], fake_api: FakeAnthropicAPI, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    fake_api.responder = lambda request: Reply("one")
    sidecar = tmp_path / "dask.claude.json"
    instructed(sidecar, "Answer in one word.")
    prompts = {f"row-{n}": f"item {n}" for n in range(8)}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:  # fmt: skip
        frame = ccmagic.batch(prompts, session="labels", executor=client.get_executor(),
                              sidecar=sidecar, progress=False)  # fmt: skip
        assert set(frame["status"]) == {"ok"} and list(frame.index) == list(prompts)
        asked = len(fake_api.requests)
        again = ccmagic.batch(prompts, session="labels", executor=client.get_executor(),
                              sidecar=sidecar, progress=False)  # fmt: skip
    assert len(fake_api.requests) == asked == 9  # the instruction, then each item once
    assert all("Answer in one word." in r.texts for r in fake_api.requests[1:])
    assert list(again["session_id"]) == list(frame["session_id"])  # from the record
    turns = [e for e in Sidecar(sidecar).events(("turn",)) if e.get("batch") == "labels"]
    assert sorted(t["item"] for t in turns) == sorted(prompts)
    assert ccmagic.history(sidecar=sidecar)["cost_usd"].sum() == pytest.approx(0.0072)
