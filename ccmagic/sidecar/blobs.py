"""Images in transcripts, kept once by content hash.

Claude Code's transcript repeats an image wherever the conversation carries it: a figure
inspected three times is three copies, and each is ~100-400 KB of base64. The sidecar keeps
each distinct image once, as a ``blob`` event::

    {"event": "blob", "sha256": "<hex of the image's bytes>", "media_type": "image/png",
     "data": "<base64>"}

and the transcript entries that showed it hold a reference in place of the data: the base64
source ``{"type": "base64", "media_type": "image/png", "data": "…"}`` is stored as
``{"type": "base64", "media_type": "image/png", "blob": "sha256:<hex>"}`` (an MCP tool item
``{"type": "image", "mimeType": …, "data": …}`` likewise). :meth:`SidecarStore.load` puts the
data back, so the Claude Code process that resumes receives its transcript as written.

The addition is backward compatible: a sidecar without images has no blob event and no
reference, and reads as before; the format version stays 1. A blob is written with the first
transcript batch that refers to it and never again (identical blob events, from two branches
of a merge, are one event for the merge driver, which dedupes events by content). A reference
whose blob is missing loads as a text block saying so, never as a broken image.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

EVENT = "blob"
PREFIX = "sha256:"
MISSING = "[an image this sidecar does not hold]"


def blob_event(sha256: str, media_type: str, data: str) -> dict[str, Any]:
    return {"event": EVENT, "sha256": sha256, "media_type": media_type, "data": data}


def take_images(
    entries: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """``entries`` with every inline base64 image replaced by a reference, and the blob
    events of those images by their hash."""
    blobs: dict[str, dict[str, Any]] = {}
    return [_take(entry, blobs) for entry in entries], blobs


def _take(node: Any, blobs: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, list):
        return [_take(item, blobs) for item in node]
    if not isinstance(node, dict):
        return node
    media_type = node.get("media_type") or node.get("mimeType")
    data = node.get("data")
    inline = node.get("type") == "base64" or (node.get("type") == "image" and "mimeType" in node)
    if inline and isinstance(data, str) and isinstance(media_type, str):
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):  # not base64 after all: kept as it is
            return node
        digest = hashlib.sha256(raw).hexdigest()
        blobs.setdefault(digest, blob_event(digest, media_type, data))
        return {k: v for k, v in node.items() if k != "data"} | {"blob": PREFIX + digest}
    return {key: _take(value, blobs) for key, value in node.items()}


def references(entries: Iterable[Any]) -> set[str]:
    """The hashes of the blobs ``entries`` refer to."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            blob = node.get("blob")
            if isinstance(blob, str) and blob.startswith(PREFIX):
                found.add(blob.removeprefix(PREFIX))
            for value in node.values():
                walk(value)

    walk(list(entries))
    return found


def put_images(
    entries: list[dict[str, Any]], blobs: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """``entries`` with each reference replaced by its image's data again."""
    return [_put(entry, blobs) for entry in entries]


def _put(node: Any, blobs: Mapping[str, dict[str, Any]]) -> Any:
    if isinstance(node, list):
        return [_put(item, blobs) for item in node]
    if not isinstance(node, dict):
        return node
    blob = node.get("blob")
    if isinstance(blob, str) and blob.startswith(PREFIX):
        stored = blobs.get(blob.removeprefix(PREFIX))
        if stored is None:
            return {"type": "text", "text": MISSING}
        return {k: v for k, v in node.items() if k != "blob"} | {"data": stored["data"]}
    source = node.get("source")
    if node.get("type") == "image" and isinstance(source, dict) and "blob" in source:
        restored = _put(source, blobs)
        if restored.get("type") == "text":  # the blob is missing: say so instead of an image
            return restored
        return node | {"source": restored}
    return {key: _put(value, blobs) for key, value in node.items()}
