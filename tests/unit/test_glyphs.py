"""Every mark ccmagic draws in a cell is in the fonts a bare Linux desktop has: where only
DejaVu (fonts-dejavu-core) and Liberation (fonts-liberation) are installed, a character in
neither is an empty box in JupyterLab."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccmagic.core.events import Retrying, ThinkingDelta, ToolStarted
from ccmagic.core.turns import ToolCall, TurnRecord
from ccmagic.ipython.render import REPLAYED, TurnContent, footer, tool_line

FONTS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
         Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")]  # fmt: skip
ATTACHED = "↳"  # the mark of a --with object's line (ipython/magics.py)


def drawn() -> str:
    """What a turn's cell can show: tools with results, a retry, thinking, an interrupted
    footer, a replay mark, the line of an attached object."""
    call = ToolCall.from_block("Read", {"file_path": "sales.csv"})
    call.fold_result("a\nb", False)
    content = TurnContent(["continuing"], show_thinking=True)
    for event in (ThinkingDelta("hmm"), ToolStarted(call), Retrying(1, 10, 2000, 529)):
        content.add(event)
    record = TurnRecord("s", "id", 1, "q")
    record.interrupted = True
    foot = footer(record)
    return "".join([content.markdown(foot), content.plain(foot), tool_line(call), REPLAYED,
                    ATTACHED])  # fmt: skip


@pytest.mark.skipif(not all(f.exists() for f in FONTS), reason="Debian's DejaVu/Liberation fonts")
def test_every_mark_drawn_is_in_dejavu_or_liberation() -> None:
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for font in FONTS:
        covered |= set(TTFont(font, fontNumber=0).getBestCmap())
    marks = {c for c in drawn() if ord(c) > 127}
    assert {"●", "└", "■", "↻", "✻"} <= marks  # the check sees what it is about
    assert [c for c in sorted(marks) if ord(c) not in covered] == []
