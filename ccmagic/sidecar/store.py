"""The SDK's ``SessionStore`` protocol over a sidecar, so Claude Code's transcript travels with
the notebook (guide, fact 6): what a resume needs is kept in the sidecar and loaded from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccmagic.sidecar.blobs import put_images, references, take_images
from ccmagic.sidecar.file import Sidecar, project_digest


class SidecarStore:
    """The SDK's ``SessionStore`` protocol over a sidecar, so transcripts travel with it.

    Loading matches the project key (Claude Code's name for the working folder) first and
    falls back to the same session id stored under any single other key: a colleague's clone
    lives in another folder.
    """

    def __init__(
        self,
        sidecar: Sidecar,
        prepare: Callable[[dict[str, Any], list[dict[str, Any]]], list[dict[str, Any]]]
        | None = None,
    ) -> None:
        self.sidecar = sidecar
        self.prepare = prepare  # what is kept of a batch of entries (trimmed, redacted)
        self._kept_images: tuple[Sidecar, set[str]] | None = None  # hashes a file holds

    async def append(self, key: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        """Queue the entries; they are written with the turn they belong to.

        Claude Code mirrors a turn's entries just before its result, and the SDK waits for
        this call before it hands the result over: writing here would put a second locked,
        fsynced write on every turn's critical path. The turn record follows at once and
        takes the queue with it (the registry also flushes before each prompt and at exit).
        Never fails, so the SDK never retries or drops a batch. Images are taken out first
        (nothing to redact in them) and kept once each, as blob events.
        """
        entries, images = take_images(entries)
        if self.prepare is not None:
            entries = self.prepare(key, entries)
        if entries:
            stored = dict(key) | {"project_key": project_digest(key["project_key"])}
            if images:
                self._queue_images(images, references(entries))
            self.sidecar.pending.append({"event": "transcript", "key": stored, "entries": entries})

    def _queue_images(self, images: dict[str, dict[str, Any]], referred: set[str]) -> None:
        """Queue the blob events of the images ``referred`` to that the file lacks."""
        if self._kept_images is None or self._kept_images[0] is not self.sidecar:
            self._kept_images = (self.sidecar, set(self.sidecar.blobs()))  # read once per file
        kept = self._kept_images[1]
        new = sorted((referred & images.keys()) - kept)
        kept.update(new)
        self.sidecar.pending.extend(images[digest] for digest in new)

    async def load(self, key: dict[str, Any]) -> list[dict[str, Any]] | None:
        return self.with_images(self.sidecar.transcript(key))

    def with_images(self, entries: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """Entries as a resume needs them: each image put back where its blob is named."""
        wanted = references(entries or [])
        if entries is None or not wanted:
            return entries
        return put_images(entries, self.sidecar.blobs(wanted))
