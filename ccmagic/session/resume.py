"""Continuing a recorded conversation: :func:`ccmagic.resume`."""

from __future__ import annotations

from pathlib import Path

from ccmagic.core.options import SessionOptions
from ccmagic.core.start import Start
from ccmagic.errors import UnknownSession
from ccmagic.notebook.location import default_sidecar
from ccmagic.session.loop import shared_loop
from ccmagic.session.session import Session
from ccmagic.session.toolbox import Toolbox
from ccmagic.sidecar.journal import Journal
from ccmagic.sidecar.transcripts import local_transcript_exists


def resume(
    session: str,
    *,
    sidecar: str | Path | None = None,
    options: SessionOptions | None = None,
    toolbox: Toolbox | None = None,
) -> Session:
    """The recorded conversation ``session`` (a name, or a session id), ready to continue:
    ``async with resume("review", sidecar="review.claude.json") as s: await s.query(...)``.

    Earlier turns, their numbering and costs carry on; the options it was started with are
    used unless ``options`` are given. A Claude Code session this machine knows but the
    sidecar does not (started in a terminal, say) is adopted into the sidecar.
    """
    journal = Journal.at(default_sidecar() if sidecar is None else Path(str(sidecar)))
    plan = journal.continuation(session)
    if plan is None:
        if not local_transcript_exists(session):
            raise UnknownSession(f"{journal.path} has no session {session!r}.", journal.listing())
        shared_loop().run(journal.import_transcript(session))
        return Session(options, name=session, journal=journal, reason="resume",
                       start=Start(resume=session), toolbox=toolbox)  # fmt: skip
    if not plan.resumable:
        raise journal.cannot_resume(plan)
    chosen = options or SessionOptions.from_record(plan.options)
    return Session(chosen, name=plan.name, journal=journal, reason=None, toolbox=toolbox,
                   start=plan.start())  # fmt: skip
