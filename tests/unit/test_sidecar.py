"""The sidecar file: layout, appends, damage handling, and the SDK's store conformance suite."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from claude_agent_sdk.testing import run_session_store_conformance

from ccmagic.core.turns import TurnRecord
from ccmagic.errors import SidecarError
from ccmagic.sidecar.file import Sidecar, open_sidecar, sidecar_path
from ccmagic.sidecar.store import SidecarStore


def turn(n: int, session_id: str = "id-1") -> dict:
    return {"event": "turn"} | TurnRecord("s", session_id, n, f"prompt {n}").to_dict()


def test_sidecar_is_json_with_one_event_per_line(tmp_path: Path) -> None:
    car = Sidecar(tmp_path / "a.claude.json", "a.ipynb")
    car.append({"event": "session", "session": "s", "session_id": "id-1"})
    car.append(turn(1), turn(2))
    text = car.path.read_text()
    document = json.loads(text)
    assert document["format"] == "ccmagic-sidecar" and document["version"] == 1
    assert [e["event"] for e in document["log"]] == ["session", "turn", "turn"]
    assert len(text.splitlines()) == 5  # header, three events, closing line
    state = car.tree()
    assert [t.turn for t in state.conversation("s").turns] == [1, 2]


def test_a_new_sidecar_is_made_as_the_notebook_would_be(tmp_path: Path) -> None:
    """Mode 0666 less the umask, so colleagues sharing the folder can read it."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        Sidecar(tmp_path / "shared.claude.json").append(turn(1))
        os.umask(0o002)
        Sidecar(tmp_path / "group.claude.json").append(turn(1))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.claude.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "group.claude.json").stat().st_mode) == 0o664
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_sidecar_path_sits_beside_the_notebook() -> None:
    assert sidecar_path(Path("/x/analysis.ipynb")) == Path("/x/analysis.claude.json")


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "ccmagic-sidecar", "version": 1, "log": [\n{"event": "turn"',
        '{"format": "other", "version": 1, "log": [\n]}\n',
        '{"format": "ccmagic-sidecar", "version": 1, "log": [\n{"event": "x"}\n]',
    ],
)
def test_damaged_sidecar_is_never_written_and_a_recovery_file_is_used(
    tmp_path: Path, content: str
) -> None:
    notebook = tmp_path / "a.ipynb"
    sidecar_path(notebook).write_text(content)
    car, warning = open_sidecar(sidecar_path(notebook))
    assert warning and "a.claude.json" in warning and "a.claude.recovery.json" in warning
    car.append(turn(1))
    assert sidecar_path(notebook).read_text() == content
    assert car.path.name == "a.claude.recovery.json" and car.tree().conversation("s")
    with pytest.raises(SidecarError):
        Sidecar(sidecar_path(notebook)).append(turn(2))
    assert sidecar_path(notebook).read_text() == content


def test_an_empty_file_becomes_a_sidecar(tmp_path: Path) -> None:
    """Nothing to lose: an empty file (one being made elsewhere, or emptied) is written."""
    path = tmp_path / "a.claude.json"
    path.write_bytes(b"")
    car, warning = open_sidecar(path)
    assert warning is None
    car.append(turn(1))
    assert json.loads(path.read_text())["log"][0]["turn"] == 1


def test_newer_format_is_named_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.claude.json"
    path.write_text('{"format": "ccmagic-sidecar", "version": 99, "log": [\n]}\n')
    with pytest.raises(SidecarError, match="newer ccmagic"):
        Sidecar(path).check()


def test_store_dedupes_by_uuid_and_travels_between_folders(tmp_path: Path) -> None:
    store = SidecarStore(Sidecar(tmp_path / "a.claude.json"))
    key = {"project_key": "-home-ann-work", "session_id": "s1"}
    asyncio.run(store.append(key, [{"type": "user", "uuid": "u1"}]))
    asyncio.run(store.append(key, [{"type": "user", "uuid": "u1"}, {"type": "x", "uuid": "u2"}]))
    elsewhere = {"project_key": "-home-bob-clone", "session_id": "s1"}
    assert asyncio.run(store.load(elsewhere)) == [
        {"type": "user", "uuid": "u1"},
        {"type": "x", "uuid": "u2"},
    ]
    assert asyncio.run(store.load({"project_key": "p", "session_id": "other"})) is None


def test_store_passes_the_sdk_conformance_suite(tmp_path: Path) -> None:
    counter = iter(range(10_000))

    def make_store() -> SidecarStore:
        return SidecarStore(Sidecar(tmp_path / f"s{next(counter)}.claude.json"))

    asyncio.run(run_session_store_conformance(make_store))
