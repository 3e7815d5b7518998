"""Small pictures of the images a turn carried (a figure attached with ``--with``, one a notebook
tool returned), for the history table.

The sidecar keeps each image once, as a blob its transcript entries refer to
(:mod:`ccmagic.sidecar.blobs`); a turn's entries are those from its prompt (found by the
prompt's uuid) to the next turn's. Thumbnails are made only for the turns a page shows, at
most :data:`PER_TURN` each, :data:`HEIGHT` px high, so a saved notebook stays small. A sidecar
without images costs one scan of its bytes. Pillow (it comes with matplotlib) makes them;
without it a turn says how many images it had.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from ccmagic.sidecar.blobs import EVENT, references
from ccmagic.views.frames import sidecars_for

HEIGHT = 64
PER_TURN = 4


class Thumbnails:
    """``thumbnails(session_id, turn)``: data URIs of that turn's images, and how many it had."""

    def __init__(self, notebook: str | Path | None = None) -> None:
        marker = f'{{"event": "{EVENT}"'.encode()
        self._sidecars = [car for car in sidecars_for(notebook)
                          if car.path.exists() and marker in car.path.read_bytes()]  # fmt: skip
        self._images: dict[tuple[str, int], list[str]] | None = None

    def __call__(self, session_id: str, turn: int) -> tuple[list[str], int]:
        if not self._sidecars:
            return [], 0
        if self._images is None:
            self._images = self._by_turn()
        hashes = self._images.get((session_id, int(turn)), [])
        if not hashes:
            return [], 0
        stored = {}
        for car in self._sidecars:
            stored.update(car.blobs(set(hashes[:PER_TURN])))
        shown = [_thumbnail(stored[h]["data"]) for h in hashes[:PER_TURN] if h in stored]
        return [uri for uri in shown if uri], len(hashes)

    def _by_turn(self) -> dict[tuple[str, int], list[str]]:
        """The image hashes of each (session id, turn), in the order they were shown."""
        found: dict[tuple[str, int], list[str]] = {}
        for car in self._sidecars:
            prompts = {
                event["prompt_uuid"]: (event["session_id"], event["turn"])
                for event in car.events(("turn",))
                if event.get("prompt_uuid") and event.get("turn") is not None
            }
            current: dict[str, tuple[str, int]] = {}
            for event in car.events(("transcript",)):
                session_id = str(event.get("key", {}).get("session_id"))
                for entry in event.get("entries", []):
                    if entry.get("uuid") in prompts:
                        current[session_id] = prompts[entry["uuid"]]
                    turn = current.get(session_id)
                    if turn is not None:
                        listed = found.setdefault(turn, [])
                        listed += [h for h in sorted(references([entry])) if h not in listed]
        return found


def _thumbnail(data: str) -> str:
    """A data URI of the image ``data`` (base64), :data:`HEIGHT` px high; "" without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return ""
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        image.thumbnail((HEIGHT * 4, HEIGHT))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
