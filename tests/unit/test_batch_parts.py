"""The pure parts of ``ccmagic.batch``: the budget's reservations, schema checks, the estimate,
the result frame, and a fake API that stays quiet when a client hangs up."""

from __future__ import annotations

import _thread
import dataclasses
import socket
import struct
import threading
import time
from concurrent.futures import Future
from typing import TypedDict

import pytest

from ccmagic.core.turns import TurnRecord
from ccmagic.sdk.oneshot import ItemAnswer, ItemTask
from ccmagic.session.batch.budget import Admission, Budget
from ccmagic.session.batch.dispatch import Dispatcher
from ccmagic.session.batch.estimate import Estimate, sample
from ccmagic.session.batch.items import Item, frame_of, items_of, settle
from ccmagic.session.batch.schema import OutputSchema
from ccmagic.testing import FakeAnthropicAPI, Reply


def test_items_in_flight_reserve_the_costliest_item_so_far() -> None:
    budget = Budget(1.0)
    first, second, third = object(), object(), object()
    assert budget.admit(first) is Admission.START
    assert budget.admit(second) is Admission.WAIT  # nothing known yet: one item alone
    budget.settle(first, 0.3)
    assert budget.admit(second) is Admission.START  # 0.3 spent + 0.3 reserved
    assert budget.admit(third) is Admission.START  # + 0.3: 0.9 <= 1.0
    assert budget.admit(object()) is Admission.WAIT  # 1.2 would go over; two in flight
    budget.settle(second, 0.3)
    budget.settle(third, 0.3)
    assert budget.admit(object()) is Admission.SKIP  # 0.9 spent: the next 0.3 cannot fit
    assert budget.spent == pytest.approx(0.9)


def test_four_workers_of_equal_items_never_go_over() -> None:
    """The case that went 60% over: 4 in flight, each costing what the first did."""
    budget, cost, in_flight, started = Budget(1.0), 0.15, [], 0
    while True:
        while len(in_flight) < 4 and (admission := budget.admit(ticket := object())) \
                is Admission.START:  # fmt: skip
            in_flight.append(ticket)
            started += 1
        if not in_flight:
            break
        budget.settle(in_flight.pop(0), cost)
    assert budget.spent <= 1.0 and started == 6 and admission is Admission.SKIP


def test_a_failed_item_teaches_nothing_and_no_budget_starts_everything() -> None:
    budget = Budget(0.5)
    ticket = object()
    budget.admit(ticket)
    budget.settle(ticket, None)
    assert budget.expected is None and budget.admit(object()) is Admission.START
    free = Budget(None)
    assert all(free.admit(object()) is Admission.START for _ in range(10))
    with pytest.raises(ValueError, match="more than 0"):
        Budget(0)


class Row(TypedDict):
    name: str
    score: float


@dataclasses.dataclass
class Flag:
    flagged: bool
    count: int


def test_schemas_of_every_kind_check_answers_and_type_columns() -> None:
    typed = OutputSchema(Row)
    assert typed.dtypes() == {"name": "string", "score": "Float64"}
    assert typed.check({"name": "a", "score": 1}) == ({"name": "a", "score": 1.0}, None)
    fields, problem = typed.check({"name": "a"})
    assert fields == {} and problem is not None and "score: Field required" in problem
    flag = OutputSchema(Flag)
    assert flag.check({"flagged": True, "count": 2}) == ({"flagged": True, "count": 2}, None)
    plain = OutputSchema({"type": "object", "properties": {"n": {"type": "integer"}},
                          "required": ["n"]})  # fmt: skip
    assert plain.check({"n": 3}) == ({"n": 3}, None)
    assert "n: 'x' is not of type 'integer'" in str(plain.check({"n": "x"})[1])
    assert "no structured output" in str(plain.check(None)[1])
    with pytest.raises(TypeError, match="object with properties"):
        OutputSchema(list[int])


def test_an_item_whose_answer_does_not_fit_is_an_error_with_the_reason() -> None:
    items, index = items_of({7: "first", 9: "second"})
    schema = OutputSchema(Flag)
    ok, bad = (TurnRecord("b", "s", 1, item.prompt) for item in items)
    settle(items[0], ok, {"flagged": False, "count": 1}, schema)
    settle(items[1], bad, {"flagged": "perhaps", "count": 1}, schema)
    frame = frame_of(items, index, schema)
    assert list(frame.index) == [7, 9] and list(frame["prompt"]) == ["first", "second"]
    assert list(frame["status"]) == ["ok", "error"] and "flagged" in frame.loc[9, "error"]
    assert str(frame["count"].dtype) == "Int64" and str(frame["flagged"].dtype) == "boolean"
    assert not frame.loc[7, "flagged"] and frame["flagged"].isna()[9]


def test_the_estimate_scales_the_sample_to_the_rest() -> None:
    items = [Item(n, n, f"p{n}") for n in range(10)]
    chosen = sample(items, 4)
    assert len(chosen) == 4 and chosen == sample(items, 4)  # the same ones each time
    for item, (cost, ms) in zip(chosen, [(0.01, 1000), (0.02, 2000), (0.03, 3000),
                                         (0.02, 2000)], strict=True):  # fmt: skip
        item.record = TurnRecord("b", "s", 1, item.prompt, cost_usd=cost, duration_ms=ms)
        item.status = "ok"
    estimate = Estimate.of(chosen, 6, workers=2, seconds=4.0)
    assert estimate.cost == pytest.approx((0.06, 0.12, 0.18))
    assert estimate.seconds == pytest.approx((3.0, 6.0, 9.0))  # 2 s per item, 3 waves of 2
    assert "the other 6 would cost about $0.12 ($0.06 to $0.18)" in estimate.line("b", 2)


def test_the_fake_api_says_nothing_when_a_client_hangs_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeAnthropicAPI(responder=lambda request: Reply("x" * 400, chunk_size=1,
                                                          delay=0.01)) as api:  # fmt: skip
        host, port = api.url.removeprefix("http://").split(":")
        body = b'{"stream": true, "messages": []}'
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)  # fmt: skip
            sock.recv(100)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.3)  # the server writes on into the reset connection
    assert "Traceback" not in capsys.readouterr().err


class StuckRunner:
    """An executor's worker that answers the first two items and never the rest."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.futures: list[Future[ItemAnswer]] = []

    def submit(self, task: ItemTask) -> Future[ItemAnswer]:
        future: Future[ItemAnswer] = Future()
        if len(self.futures) < 2:
            future.set_result(ItemAnswer(TurnRecord("b", "s", 1, task.prompt, cost_usd=0.1)))
        self.futures.append(future)
        return future

    def interrupt(self) -> None:
        self.calls.append("interrupt")

    def abort(self) -> None:
        self.calls.append("abort")


def test_an_interrupt_gives_up_on_items_a_worker_does_not_return() -> None:
    items, _ = items_of([f"item {n}" for n in range(6)])
    runner, ended = StuckRunner(), []

    def on_answer(item: Item, task: ItemTask, answer: ItemAnswer) -> None:
        settle(item, answer.record, None, None)

    def on_end(item: Item) -> None:
        ended.append(item.status)
        if len(ended) == 2:
            threading.Timer(0.2, _thread.interrupt_main).start()  # Kernel -> Interrupt

    task_of = lambda item: ItemTask(item.prompt, "b", "s", 1, {})  # noqa: E731
    dispatcher = Dispatcher(runner, 3, Budget(None), task_of, on_answer, on_end)
    started = time.monotonic()
    assert dispatcher.run(items) is True
    assert time.monotonic() - started < 5
    assert [i.status for i in items] == ["ok", "ok"] + ["interrupted"] * 4
    assert runner.calls == ["interrupt", "abort"] and len(runner.futures) == 5  # 3 at a time
