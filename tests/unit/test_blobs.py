"""Images in transcripts are kept once by content hash and come back whole on load."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

from ccmagic.sidecar.blobs import MISSING, put_images, references, take_images
from ccmagic.sidecar.file import Sidecar
from ccmagic.sidecar.store import SidecarStore

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40).decode()
KEY = {"project_key": "-home-ana-sales", "session_id": "s-1"}


def tool_result_entry(uuid: str, parent: str | None) -> dict[str, Any]:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": PNG}}  # fmt: skip
    return {"type": "user", "uuid": uuid, "parentUuid": parent, "message": {"role": "user",
            "content": [{"type": "tool_result", "tool_use_id": f"t{uuid}",
                         "content": [{"type": "text", "text": "a figure"}, image]}]}}  # fmt: skip


def test_take_and_put_are_inverse_and_the_data_is_referenced_by_hash() -> None:
    mcp_item = {"type": "image", "data": PNG, "mimeType": "image/png"}
    entries = [tool_result_entry("a", None), {"type": "x", "uuid": "b", "item": mcp_item}]
    slim, blobs = take_images(entries)
    assert len(blobs) == 1 and PNG not in json.dumps(slim)
    assert references(slim) == set(blobs)
    assert put_images(slim, blobs) == entries
    [missing] = put_images(slim[:1], {})[0]["message"]["content"][0]["content"][1:]
    assert missing == {"type": "text", "text": MISSING}


def test_an_image_shown_three_times_is_stored_once_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "a.claude.json"
    store = SidecarStore(Sidecar(path, "a.ipynb"))
    for n in range(3):  # three inspects of one figure, one batch each, one write each
        asyncio.run(store.append(KEY, [tool_result_entry(f"u{n}", f"u{n - 1}" if n else None)]))
        store.sidecar.append()
    text = path.read_text()
    assert text.count(PNG) == 1 and text.count('{"event": "blob"') == 1
    assert len(text) < 1.2 * len(PNG) + 3_000  # the entries themselves are small
    fresh = SidecarStore(Sidecar(path))  # another process, another machine
    loaded = asyncio.run(fresh.load(KEY))
    assert loaded is not None and [e["uuid"] for e in loaded] == ["u0", "u1", "u2"]
    assert all(json.dumps(e).count(PNG) == 1 for e in loaded)
    asyncio.run(fresh.append(KEY, [tool_result_entry("u3", "u2")]))  # known: not again
    fresh.sidecar.append()
    assert path.read_text().count(PNG) == 1


def test_entries_kept_out_keep_their_images_out(tmp_path: Path) -> None:
    path = tmp_path / "b.claude.json"
    store = SidecarStore(Sidecar(path), prepare=lambda key, entries: [])  # transcripts = none
    asyncio.run(store.append(KEY, [tool_result_entry("a", None)]))
    assert store.sidecar.pending == []
