"""The turn tree: one fold of a sidecar's events that replay, the views and totals read."""

from __future__ import annotations

from typing import Any

import pytest

from ccmagic.core.turns import CostSoFar
from ccmagic.sidecar.fold import TurnTree, label, turn_key

CLOCK = iter(range(10_000))


def session(name: str, sid: str, reason: str = "start", **extra: Any) -> dict[str, Any]:
    return {"event": "session", "session": name, "session_id": sid, "reason": reason,
            "at": f"2026-12-01T00:00:{next(CLOCK):05d}"} | extra  # fmt: skip


def turn(name: str, sid: str, n: int | None, uuid: str, cost: float | None = 0.01,
         **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"event": "turn", "session": name, "session_id": sid, "turn": n, "prompt": uuid,
            "prompt_uuid": uuid, "cost_usd": cost,
            "started_at": f"2026-12-01T00:00:{next(CLOCK):05d}"} | extra  # fmt: skip


def prompts(tree: TurnTree, name: str) -> list[str]:
    return [t.prompt for t in tree.line(name)]


def test_a_plain_conversation_is_one_line() -> None:
    tree = TurnTree([session("a", "s1"), turn("a", "s1", 1, "p1"), turn("a", "s1", 2, "p2")])
    assert prompts(tree, "a") == ["p1", "p2"]
    assert [n.label for n in tree.turns()] == ["a #1", "a #2"]
    assert tree.spent("a") == CostSoFar(0.02, 0, 2) == CostSoFar.of(tree.line("a"))
    assert tree.lines("a") == 1


def test_an_edited_cell_starts_line_2_at_its_parent_and_labels_stay_unique() -> None:
    events = [
        session("a", "s1"), turn("a", "s1", 1, "p1"), turn("a", "s1", 2, "p2"),
        turn("a", "s1", 3, "p3"),
        session("a", "s2", "branch", parent="s1", fork_turn=1),
        turn("a", "s2", 2, "q2", after="p1"), turn("a", "s2", 3, "q3", after="q2"),
    ]  # fmt: skip
    tree = TurnTree(events)
    assert prompts(tree, "a") == ["p1", "q2", "q3"]  # what Claude remembers now
    labels = [n.label for n in tree.turns()]
    assert labels == ["a #1", "a #2", "a #3", "a ⎇2 #2", "a ⎇2 #3"]
    assert len(set(labels)) == len(labels)
    assert tree.spent("a").turns == 5 and tree.spent("a").known_usd == pytest.approx(0.05)
    assert CostSoFar.of(tree.line("a")).turns == 3  # this line: the path to the head
    assert tree.line_of("s1") == [n.record for n in tree.turns()][:3]  # the earlier line stays


def test_without_after_a_branch_finds_its_parent_by_fork_turn() -> None:
    """Sidecars written before turns named their parent fold the same way."""
    tree = TurnTree([
        session("a", "s1"), turn("a", "s1", 1, "p1"), turn("a", "s1", 2, "p2"),
        session("a", "s2", "branch", parent="s1", fork_turn=1), turn("a", "s2", 2, "q2"),
    ])  # fmt: skip
    assert prompts(tree, "a") == ["p1", "q2"]
    assert tree.node(tree.line("a")[-1]).line == 2  # type: ignore[union-attr]


def test_a_fork_under_a_new_name_inherits_the_line_but_not_the_spending() -> None:
    tree = TurnTree([
        session("a", "s1"), turn("a", "s1", 1, "p1", cost=0.5), turn("a", "s1", 2, "p2"),
        session("b", "s2", "fork", parent="s1", fork_turn=2), turn("b", "s2", 3, "r3"),
    ])  # fmt: skip
    assert prompts(tree, "b") == ["p1", "p2", "r3"]
    assert tree.spent("b") == CostSoFar(0.01, 0, 1)  # asked under b: one turn
    assert CostSoFar.of(tree.line("b")).known_usd == pytest.approx(0.52)  # remembered
    assert tree.label_of(tree.line("b")[-1]) == "b #3" and tree.lines("b") == 1
    assert prompts(tree, "a") == ["p1", "p2"]  # the fork moved nothing of a


def test_several_kernels_on_one_conversation_each_keep_a_line() -> None:
    """Four kernels continued one session id from turn 1: numbers 2-3 recorded four times."""
    events = [session("a", "s1"), turn("a", "s1", 1, "root")]
    for kernel in "wxyz":
        events.append(turn("a", "s1", 2, f"{kernel}2", after="root"))
    for kernel in "wxyz":
        events.append(turn("a", "s1", 3, f"{kernel}3", after=f"{kernel}2"))
    tree = TurnTree(events)
    assert tree.lines("a") == 4
    assert prompts(tree, "a") == ["root", "z2", "z3"]  # the line continued last goes on
    assert sorted(n.line for n in tree.turns() if n.number == 3) == [1, 2, 3, 4]
    assert tree.spent("a").turns == 9  # every turn asked, on every line
    for kernel, line in zip("wxyz", range(1, 5), strict=True):
        node = next(n for n in tree.turns() if n.key == f"{kernel}3")
        assert [p.key for p in node.path()] == ["root", f"{kernel}2", f"{kernel}3"]
        assert node.line == line


def test_batch_items_are_each_a_line_from_the_base() -> None:
    events = [session("labels", "base"), turn("labels", "base", 1, "instructions")]
    for item in range(3):
        events += [
            session("labels", f"i{item}", "batch", parent="base", fork_turn=1),
            turn("labels", f"i{item}", 2, f"item{item}", batch="labels", item=item),
        ]
    tree = TurnTree(events)
    items = [n for n in tree.turns() if n.event.get("batch")]
    assert [[p.key for p in n.path()] for n in items] == [
        ["instructions", f"item{i}"] for i in range(3)
    ]
    assert len({n.line for n in items}) == 3  # each item its own line


def test_tries_are_recorded_but_never_numbered_or_linked() -> None:
    tree = TurnTree([
        session("a", "s1"), turn("a", "s1", None, "t0", cost=None, error="not logged in"),
        turn("a", "s1", 1, "p1"),
    ])  # fmt: skip
    assert prompts(tree, "a") == ["p1"]
    assert [n.label for n in tree.turns()] == ["a (not sent)", "a #1"]
    assert tree.spent("a") == CostSoFar(0.01, 0, 1)


def test_unknown_costs_are_counted_apart_never_as_zero() -> None:
    tree = TurnTree([session("a", "s1"), turn("a", "s1", 1, "p1", cost=None),
                     turn("a", "s1", 2, "p2", cost=0.25)])  # fmt: skip
    assert tree.spent("a") == CostSoFar(0.25, 1, 2)
    assert tree.spent("a").text == "≥ $0.25 + 1 turn of unknown cost"


def test_the_same_turn_twice_counts_once() -> None:
    twice = turn("a", "s1", 1, "p1")
    tree = TurnTree([session("a", "s1"), twice, dict(twice)])
    assert tree.spent("a").turns == 1 and len(list(tree.turns())) == 1


def test_a_merge_names_the_line_a_session_goes_on_with() -> None:
    tree = TurnTree([
        session("a", "s1"), turn("a", "s1", 1, "p1"),
        session("a", "s2", "branch", parent="s1", fork_turn=1),
        turn("a", "s2", 2, "q2", after="p1"),
        {"event": "session", "session": "a", "session_id": "s1", "reason": "current",
         "note": "Merged: kept as branch s2"},
    ])  # fmt: skip
    assert tree.current["a"] == "s1"
    assert tree.conversations["s1"].note == "Merged: kept as branch s2"
    assert prompts(tree, "a") == ["p1"]


def test_a_conversation_named_again_keeps_its_past() -> None:
    tree = TurnTree([
        session("a", "s1"), turn("a", "s1", 1, "p1"),
        session("b", "s1", "resume"), turn("b", "s1", 2, "p2"),
    ])  # fmt: skip
    assert prompts(tree, "b") == ["p1", "p2"]
    assert tree.spent("a").turns == 1 and tree.spent("b").turns == 1


def test_spent_until_is_what_a_replayed_footer_shows() -> None:
    tree = TurnTree([session("a", "s1"), turn("a", "s1", 1, "p1"), turn("a", "s1", 2, "p2"),
                     turn("a", "s1", 3, "p3")])  # fmt: skip
    second = tree.line("a")[1]
    assert tree.spent_until(second) == CostSoFar(0.02, 0, 2)


def test_applying_events_one_by_one_gives_the_same_tree() -> None:
    """The journal keeps its tree up to date by applying each appended event."""
    events = [session("a", "s1"), turn("a", "s1", 1, "p1"), turn("a", "s1", 2, "p2"),
              session("a", "s2", "branch", parent="s1", fork_turn=1),
              turn("a", "s2", 2, "q2", after="p1")]  # fmt: skip
    whole, stepwise = TurnTree(events), TurnTree()
    for event in events:
        stepwise.apply(event)
    assert [n.label for n in whole.turns()] == [n.label for n in stepwise.turns()]
    assert whole.spent("a") == stepwise.spent("a")


def test_labels_and_keys() -> None:
    assert label("analysis", 1, 3) == "analysis #3"
    assert label("analysis", 2, 3) == "analysis ⎇2 #3"
    assert label("analysis", 0, None) == "analysis (not sent)"
    assert turn_key({"prompt_uuid": "u"}) == "u"
    assert turn_key({"session_id": "s", "turn": 2, "started_at": "t"}) == "s#2@t"
